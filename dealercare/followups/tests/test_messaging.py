"""SMS: the variant for customers who refuse calls, the backends, the log, and opt-out replies."""

import io
import json
import urllib.error

import pytest

from dealercare.core.models import AuditEvent
from dealercare.customers.models import ConsentRecord
from dealercare.followups import messaging
from dealercare.followups.conf import setting
from dealercare.followups.models import FollowUpTask, SmsMessage
from dealercare.followups.services import sync_event_tasks

from .support import NOW, at, make_customer, make_delivery, make_tasks, rule_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings):
    settings.SMS_BACKEND = "dealercare.followups.messaging.LocmemSmsBackend"
    messaging.LocmemSmsBackend.outbox = []
    return messaging.LocmemSmsBackend.outbox


@pytest.fixture
def sms_customer(store_a):
    return make_customer(store_a, name="王伟", gender="male", mobile="13800138000",
                         allow_phone=False)  # fmt: skip


def test_a_customer_who_refuses_calls_gets_each_follow_up_by_sms_when_it_opens(
    store_a, sms_customer, outbox
):
    delivery = make_delivery(sms_customer, at("2026-03-02 10:00"))
    sync_event_tasks(delivery, now=at("2026-03-02 11:00"))

    run = messaging.send_due_sms(now=at("2026-03-02 12:00"))

    assert (run.sent, run.failed) == (1, 0)  # only the care call's window has opened
    assert outbox == [
        {
            "mobile": "13800138000",
            "text": f"【{store_a.name}】王伟先生，感谢您选择{store_a.name}，祝贺您喜提迈腾！"
            "用车中有任何问题请致电020 8888 6666。回TD退订",
        }
    ]
    task = FollowUpTask.objects.get(kind="delivery_care_call")
    assert (task.status, task.outcome, task.attempts_count) == ("sms_sent", "sms_sent", 1)
    message = SmsMessage.objects.get()
    assert (message.task, message.customer, message.status, message.provider_id) == (
        task, sms_customer, "sent", "locmem-1",
    )  # fmt: skip
    assert message.backend == "LocmemSmsBackend"


def test_each_sms_goes_once(sms_customer, outbox):
    make_tasks(rule_of(sms_customer.store, "delivery_first_followup"), [sms_customer],
               due_at=NOW, channel="sms")  # fmt: skip

    messaging.send_due_sms(now=NOW)
    again = messaging.send_due_sms(now=NOW)

    assert (again.sent, len(outbox), SmsMessage.objects.count()) == (0, 1, 1)


def test_consent_changed_after_the_task_was_made_is_honoured(store_a, outbox):
    rule = rule_of(store_a, "delivery_first_followup")
    now_calls = make_customer(store_a, mobile="13800138001", allow_sms=False)
    neither = make_customer(store_a, mobile="13800138002", allow_sms=False, allow_phone=False)
    to_phone, cancelled = make_tasks(rule, [now_calls, neither], due_at=NOW, channel="sms")

    run = messaging.send_due_sms(now=NOW)

    to_phone.refresh_from_db()
    cancelled.refresh_from_db()
    assert (run.sent, run.to_phone, run.cancelled, outbox) == (0, 1, 1, [])
    assert (to_phone.channel, to_phone.status) == ("phone", "pending")
    assert (cancelled.status, cancelled.outcome) == ("cancelled", "no_consent")


class FailingBackend(messaging.SmsBackend):
    def send(self, *, mobile, text):
        raise messaging.SmsError("provider down")


def test_a_failed_sms_is_retried_until_the_rules_attempts_are_used_up(sms_customer, settings):
    settings.SMS_BACKEND = "dealercare.followups.tests.test_messaging.FailingBackend"
    rule = rule_of(sms_customer.store, "delivery_first_followup")
    rule.max_attempts = 2
    rule.save()
    (task,) = make_tasks(rule, [sms_customer], due_at=NOW, channel="sms")

    first = messaging.send_due_sms(now=NOW)
    task.refresh_from_db()
    assert (first.failed, task.status, task.attempts_count) == (1, "pending", 1)
    assert SmsMessage.objects.get().status == "failed"
    assert SmsMessage.objects.get().error == "provider down"

    messaging.send_due_sms(now=task.window_start)
    task.refresh_from_db()
    assert (task.status, task.outcome, task.attempts_count) == ("unreachable", "sms_failed", 2)


def test_the_file_backend_appends_one_json_line_per_message(tmp_path, settings):
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    settings.SMS_BACKEND = ""
    backend = messaging.get_backend()

    backend.send(mobile="13800138000", text="您好")
    backend.send(mobile="13800138001", text="再见")

    lines = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert isinstance(backend, messaging.FileSmsBackend)
    assert [(line["mobile"], line["text"]) for line in lines] == [
        ("13800138000", "您好"), ("13800138001", "再见"),
    ]  # fmt: skip


def test_the_console_backend_is_the_default(settings):
    settings.SMS_BACKEND = ""
    settings.SMS_FILE_PATH = ""
    stream = io.StringIO()

    backend = messaging.get_backend()
    messaging.ConsoleSmsBackend(stream).send(mobile="13800138000", text="您好")

    assert isinstance(backend, messaging.ConsoleSmsBackend)
    assert stream.getvalue() == "SMS to 13800138000: 您好\n"


class FakeResponse:
    def __init__(self, body):
        self.body = body

    def read(self):
        return self.body

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


def test_the_http_backend_posts_to_the_provider_with_its_key(settings, monkeypatch):
    settings.SMS_HTTP_URL = "https://sms.example.com/send"
    settings.SMS_HTTP_KEY = "k-123"
    settings.SMS_HTTP_SIGN = "天河4S"
    sent = []

    def urlopen(request, timeout):
        sent.append((request, timeout))
        return FakeResponse(b'{"id": "msg-42"}')

    monkeypatch.setattr(messaging.urllib.request, "urlopen", urlopen)

    provider_id = messaging.HttpSmsBackend().send(mobile="13800138000", text="您好")

    request, timeout = sent[0]
    assert provider_id == "msg-42"
    assert (request.full_url, request.get_method(), timeout) == (
        "https://sms.example.com/send", "POST", 10,
    )  # fmt: skip
    assert request.get_header("Authorization") == "Bearer k-123"
    assert json.loads(request.data) == {"mobile": "13800138000", "text": "您好", "sign": "天河4S"}


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (urllib.error.URLError("timed out"), "<urlopen error timed out>"),
        (FakeResponse(b"<html>"), "provider answered non-JSON: b'<html>'"),
        (FakeResponse(b"[1]"), "provider answered [1]"),
    ],
)
def test_the_http_backend_reports_provider_failures(settings, monkeypatch, answer, message):
    settings.SMS_HTTP_URL = "https://sms.example.com/send"

    def urlopen(request, timeout):
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(messaging.urllib.request, "urlopen", urlopen)

    with pytest.raises(messaging.SmsError) as error:
        messaging.HttpSmsBackend().send(mobile="13800138000", text="您好")
    assert str(error.value) == message


def test_the_http_backend_refuses_a_url_that_is_not_http(settings):
    settings.SMS_HTTP_URL = "file:///etc/passwd"

    with pytest.raises(messaging.SmsError):
        messaging.HttpSmsBackend().send(mobile="13800138000", text="您好")


def test_settings_fall_back_to_the_environment_then_the_default(monkeypatch, settings):
    del settings.FOLLOWUP_RETRY_MINUTES  # not a Django setting unless a deployment sets it
    monkeypatch.setenv("FOLLOWUP_RETRY_MINUTES", "45")
    monkeypatch.setenv("SMS_OPT_OUT_KEYWORDS", "TD, 退订 ,STOP")

    assert setting("FOLLOWUP_RETRY_MINUTES") == 45
    assert setting("SMS_OPT_OUT_KEYWORDS") == ("TD", "退订", "STOP")
    assert setting("FOLLOWUP_CLAIM_TIMEOUT_MINUTES") == 15


# --- replies -------------------------------------------------------------------------------------


@pytest.fixture
def integration_a(store_a, make_user):
    return make_user(store_a, "integration")


@pytest.mark.parametrize("reply", ["TD", " td ", "退订", "T"])
def test_an_opt_out_reply_withdraws_sms_consent_and_stops_pending_sms(
    store_a, store_b, integration_a, reply
):
    calls_ok = make_customer(store_a, mobile="13800138000")
    other_store = make_customer(store_b, mobile="13800138000")
    rule = rule_of(store_a, "delivery_first_followup")
    (pending,) = make_tasks(rule, [calls_ok], due_at=NOW, channel="sms")

    opted_out = messaging.sms_inbound(actor=integration_a, mobile="+86 138 0013 8000", text=reply)

    calls_ok.refresh_from_db()
    other_store.refresh_from_db()
    pending.refresh_from_db()
    assert opted_out == [calls_ok]
    assert (calls_ok.allow_sms, other_store.allow_sms) == (False, True)
    consent = ConsentRecord.objects.get()
    assert (consent.customer, consent.channel, consent.granted, consent.method) == (
        calls_ok, "sms", False, "sms_reply",
    )  # fmt: skip
    assert AuditEvent.objects.get(action="consent").changes == {"allow_sms": [True, False]}
    assert (pending.channel, pending.status) == ("phone", "pending")
    reply_log = SmsMessage.objects.get()
    assert (reply_log.direction, reply_log.status, reply_log.customer) == (
        "in", "received", calls_ok,
    )  # fmt: skip


def test_a_customer_who_refuses_calls_and_opts_out_has_pending_sms_cancelled(
    store_a, integration_a, sms_customer
):
    (pending,) = make_tasks(rule_of(store_a, "delivery_first_followup"), [sms_customer],
                            due_at=NOW, channel="sms")  # fmt: skip

    messaging.sms_inbound(actor=integration_a, mobile="13800138000", text="退订")

    pending.refresh_from_db()
    assert (pending.status, pending.outcome) == ("cancelled", "opted_out")


def test_other_replies_are_logged_and_change_nothing(store_a, integration_a):
    customer = make_customer(store_a, mobile="13800138000")

    assert messaging.sms_inbound(actor=integration_a, mobile="13800138000", text="好的谢谢") == []

    customer.refresh_from_db()
    assert customer.allow_sms is True
    assert SmsMessage.objects.get().text == "好的谢谢"


def test_replies_reported_by_someone_without_access_change_nothing(store_a, store_b, make_user):
    customer = make_customer(store_a, mobile="13800138000")
    outsider = make_user(store_b, "integration")

    assert messaging.sms_inbound(actor=outsider, mobile="13800138000", text="TD") == []
    assert messaging.sms_inbound(actor=outsider, mobile="not a number", text="TD") == []

    customer.refresh_from_db()
    assert customer.allow_sms is True
    assert not SmsMessage.objects.exists()
