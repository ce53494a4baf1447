"""The public online complaint form: store choice, customer matching, spam defences."""

import pytest
from django.core import signing
from django.urls import reverse

from dealercare.complaints import spam
from dealercare.complaints.forms import FORM_SALT
from dealercare.complaints.models import Complaint
from dealercare.customers.models import Customer

pytestmark = pytest.mark.django_db


def old_token(seconds=60):
    """A form token as if the form had been shown `seconds` ago."""
    signer = signing.TimestampSigner(salt=FORM_SALT)
    import time
    from unittest import mock

    with mock.patch("django.core.signing.time.time", return_value=time.time() - seconds):
        return signer.sign("public-complaint")


def body(**overrides):
    return {
        "name": "王芳", "mobile": "13912345678", "plate": "", "description":
        "上周保养后空调不制冷，打电话没人回复。", "customer_request": "尽快检修",
        "website": "", "token": old_token(), "consent": "on",
    } | overrides  # fmt: skip


def post(client, store, ip="10.0.0.1", **overrides):
    return client.post(reverse("complaint-public:form", args=[store.code]), body(**overrides),
                       REMOTE_ADDR=ip)  # fmt: skip


def test_a_customer_sends_a_complaint_and_sees_the_reference_and_reply_time(client, store_a):
    response = post(client, store_a)
    assert response.status_code == 302
    thanks = client.get(response.url)
    complaint = Complaint.objects.get()
    page = thanks.content.decode()
    assert complaint.number in page and complaint.channel == "online"
    assert thanks.context["reply_by"].strftime("%Y-%m-%d %H:%M") in page
    customer = complaint.customer
    assert (customer.name, customer.mobile, customer.source, customer.lifecycle_state) == (
        "王芳",
        "13912345678",
        "online",
        "prospect",
    )


def test_a_known_mobile_is_matched_within_the_store_only(client, store_a, store_b):
    from dealercare.testing.factories import CustomerFactory

    known = CustomerFactory(store=store_a, mobile="13912345678", name="王芳")
    CustomerFactory(store=store_b, mobile="13900000000")
    post(client, store_a)
    assert Complaint.objects.get().customer == known
    post(client, store_b, ip="10.0.0.2")
    assert Complaint.objects.get(store=store_b).customer.store == store_b
    assert Customer.objects.filter(mobile="13912345678").count() == 2


def test_the_store_list_of_a_group_and_the_code_form(client, group, store_a, store_b):
    page = client.get(reverse("complaint-public:stores", args=[group.code])).content.decode()
    assert store_a.name in page and store_b.name in page
    assert client.get(reverse("complaint-public:index"), {"code": "gz01"}).url == reverse(
        "complaint-public:form", args=["GZ01"])  # fmt: skip
    assert client.get(reverse("complaint-public:form", args=["NOPE"])).status_code == 404


def test_the_honeypot_rejects_bots(client, store_a):
    response = post(client, store_a, website="http://spam.example")
    assert response.status_code == 200
    assert response.context["refused"] == spam.MSG_REJECTED
    assert 'data-testid="refused"' in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_form_sent_too_fast_is_refused(client, store_a):
    response = post(client, store_a, token=old_token(seconds=1))
    assert response.context["refused"] == spam.MSG_TOO_FAST
    assert not Complaint.objects.exists()


def test_a_forged_or_expired_token_is_refused(client, store_a):
    assert post(client, store_a, token="abc:def").context["refused"] == spam.MSG_REJECTED
    expired = post(client, store_a, token=old_token(seconds=3 * 3600))
    assert expired.context["refused"] == spam.MSG_EXPIRED
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("请看 http://spam.example 这里有优惠", spam.MSG_LINKS),
        ("啊啊啊啊啊啊啊啊啊啊啊啊啊啊啊啊", spam.MSG_REPEATED),
        ("1234567890 1234567890", spam.MSG_NO_WORDS),
    ],
)
def test_content_checks(client, store_a, text, message):
    assert spam.content_problems(text)[0] == message
    assert post(client, store_a, description=text).context["refused"] == message
    assert not Complaint.objects.exists()


def test_rate_limit_per_ip(client, store_a, settings):
    settings.COMPLAINT_FORM_PER_IP_HOUR = 2
    for i in range(2):
        assert post(client, store_a, mobile=f"1391234567{i}").status_code == 302
    third = post(client, store_a, mobile="13912345679")
    assert third.context["refused"] == spam.MSG_RATE_IP
    assert Complaint.objects.count() == 2
    assert post(client, store_a, ip="10.9.9.9", mobile="13912345679").status_code == 302


def test_rate_limit_per_mobile(client, store_a, settings):
    settings.COMPLAINT_FORM_PER_MOBILE_DAY = 1
    assert post(client, store_a, ip="10.0.0.1").status_code == 302
    second = post(client, store_a, ip="10.0.0.2")
    assert second.context["refused"] == spam.MSG_RATE_MOBILE
    assert Complaint.objects.count() == 1


def test_invalid_fields_are_explained_and_nothing_is_written(client, store_a):
    response = post(client, store_a, mobile="12345", consent="")
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"mobile", "consent"}
    assert not Complaint.objects.exists() and not Customer.objects.exists()


def test_the_thanks_page_needs_a_valid_ticket(client, store_a, store_b):
    response = post(client, store_a)
    ticket = response.url.split("t=")[1]
    other = reverse("complaint-public:thanks", args=[store_b.code]) + f"?t={ticket}"
    assert client.get(other).status_code == 404
    assert client.get(reverse("complaint-public:thanks", args=[store_a.code]) + "?t=x"
                      ).status_code == 404  # fmt: skip
