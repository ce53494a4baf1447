"""Survey pages: questionnaires and versions, settings, the tablet, the console's questionnaire,
the customer's SMS link, responses, external imports and the customer timeline."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from dealercare.followups.choices import EventType, TaskKind
from dealercare.followups.models import FollowUpRule, FollowUpTask
from dealercare.followups.services import rules_seed_defaults
from dealercare.surveys import public_views, services
from dealercare.surveys.models import (
    ExternalImport,
    Questionnaire,
    SurveyInvitation,
    SurveyResponse,
)

from .factories import FIVE_D_ANSWERS, make_customer, published, record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def outbox(settings):
    from dealercare.followups.messaging import LocmemSmsBackend

    settings.SMS_BACKEND = "dealercare.followups.messaging.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []
    return LocmemSmsBackend.outbox


def login(client, user):
    client.force_login(user)
    return client


def answer_form(answers, prefix=""):
    return {f"{prefix}item_{code}": str(value) for code, value in answers.items()}


# --- questionnaires ----------------------------------------------------------------------------


def test_the_manager_lists_the_shipped_questionnaires(client, manager_a):
    page = login(client, manager_a).get(reverse("surveys:questionnaire-list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "销售满意度调查" in text and "客户服务满意度调查(五维度)" in text
    assert text.count('data-testid="questionnaire-row"') == 3


def test_an_agent_may_not_manage_questionnaires(client, agent_a):
    assert login(client, agent_a).get(reverse("surveys:questionnaire-list")).status_code == 403


def test_the_manager_drafts_edits_and_publishes_a_version(client, manager_a, store_a):
    login(client, manager_a)
    shipped = Questionnaire.objects.get(store__isnull=True, code="service-5d")

    created = client.post(reverse("surveys:draft-create", args=[shipped.pk]),
                          {"store": store_a.pk})  # fmt: skip
    draft = Questionnaire.objects.get(store=store_a, code="service-5d").versions.get()
    assert created.url == reverse("surveys:version-edit", args=[draft.pk])
    edit = client.get(created.url)
    assert edit.status_code == 200
    formset = edit.context["formset"]
    data = {"items-TOTAL_FORMS": len(formset.forms), "items-INITIAL_FORMS": len(formset.forms) - 1,
            "items-MIN_NUM_FORMS": 0, "items-MAX_NUM_FORMS": 1000}  # fmt: skip
    for index, form in enumerate(formset.forms):
        for name in form.fields:
            value = form.initial.get(name, "")
            if name == "required" and not value:
                continue
            data[f"items-{index}-{name}"] = "" if value is None else value
    new = len(formset.forms) - 1
    section = draft.sections.first()
    data |= {f"items-{new}-section": section.pk, f"items-{new}-order": 9,
             f"items-{new}-code": "recommend", f"items-{new}-text": "您会推荐我们吗?",
             f"items-{new}-kind": "yes_no", f"items-{new}-weight": "1"}  # fmt: skip

    saved = client.post(created.url, data)

    assert saved.status_code == 302, saved.context and saved.context["formset"].errors
    assert draft.items.filter(code="recommend", kind="yes_no").exists()
    published_page = client.post(reverse("surveys:version-publish", args=[draft.pk]),
                                 {"confirm": "publish"}, follow=True)  # fmt: skip
    assert "is published" in published_page.content.decode()
    draft.refresh_from_db()
    assert draft.status == "published"
    assert services.published_version(services.questionnaire_by_code(store_a, "service-5d")) == (
        draft
    )


def test_publishing_needs_confirmation(client, manager_a, store_a):
    shipped = Questionnaire.objects.get(store__isnull=True, code="sales")
    draft = services.draft_create(actor=manager_a, store=store_a, questionnaire=shipped)
    login(client, manager_a).post(reverse("surveys:version-publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_settings_page_saves_the_threshold_and_the_kind_questionnaire(
    client, manager_a, store_a
):
    login(client, manager_a)
    page = client.get(reverse("surveys:settings"))
    form = page.context["form"]
    five_d = services.questionnaire_by_code(store_a, "service-5d")
    data = {name: form[name].value() for name in form.fields}
    data = {k: v for k, v in data.items() if v not in (None, False)}
    data |= {"store": store_a.pk, "low_answer_threshold": 5,
             f"kind_{TaskKind.SERVICE_FOLLOWUP}": five_d.pk}  # fmt: skip

    saved = client.post(reverse("surveys:settings"), data)

    assert saved.status_code == 302
    assert services.settings_for(store_a).low_answer_threshold == 5
    assert services.questionnaire_for_kind(store_a, TaskKind.SERVICE_FOLLOWUP) == five_d


def test_settings_refuse_an_sms_text_without_the_link(client, manager_a, store_a):
    login(client, manager_a)
    form = client.get(reverse("surveys:settings")).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data |= {"store": store_a.pk, "sms_template": "请评价", "recover_on_no": "on"}

    page = client.post(reverse("surveys:settings"), data)

    assert page.status_code == 200
    assert "The text must contain {link}." in page.content.decode()


# --- tablet ------------------------------------------------------------------------------------


def test_a_tablet_survey_is_taken_face_to_face(client, agent_a, store_a):
    customer = make_customer(store_a, number="GZ01-000123")
    login(client, agent_a)

    form = client.get(reverse("surveys:tablet"), {"who": "GZ01-000123", "business": "service"})
    assert form.status_code == 200
    assert 'data-testid="tablet-form"' in form.content.decode()
    done = client.post(reverse("surveys:tablet"), {"customer": customer.pk, "business": "service",
                                                   **answer_form(FIVE_D_ANSWERS)})  # fmt: skip

    assert 'data-testid="tablet-thanks"' in done.content.decode()
    response = SurveyResponse.objects.get()
    assert response.channel == "tablet" and response.recorded_by == agent_a


def test_the_tablet_explains_why_a_customer_is_not_asked_again(client, agent_a, store_a):
    customer = make_customer(store_a, name="赵敏")
    record(agent_a, store_a, customer)

    page = login(client, agent_a).get(reverse("surveys:tablet"), {"customer": customer.pk})

    assert "赵敏 already answered a satisfaction survey" in page.content.decode()
    assert 'data-testid="tablet-form"' not in page.content.decode()


def test_the_tablet_says_when_nobody_matches(client, agent_a, store_b):
    make_customer(store_b, number="SZ-1")
    page = login(client, agent_a).get(reverse("surveys:tablet"), {"who": "SZ-1"})
    assert "No customer with this number or mobile in your stores." in page.content.decode()


# --- the call console --------------------------------------------------------------------------


def service_task(store, customer, kind=TaskKind.SERVICE_FOLLOWUP):
    rules_seed_defaults(store)
    now = timezone.now()
    return FollowUpTask.objects.create(
        store=store, rule=FollowUpRule.objects.get(store=store, code=kind), customer=customer,
        event_type=EventType.SERVICE_VISIT, event_id=1, event_at=now, kind=kind,
        channel="phone", window_start=now, due_at=now + datetime.timedelta(days=1),
    )  # fmt: skip


SERVICE_ANSWERS = {
    "facility_clean": 9, "opening_hours": 9, "lounge_comfort": 8, "reception_attitude": 9,
    "greeted_on_arrival": 8, "reception_expertise": 9, "appointment": 8, "waiting_service": 8,
    "handover_billing": 9, "followup_call": 8, "diagnosis_correct": 9, "fault_fixed": 10,
    "technician_attitude": 9, "labour_fair": 7, "parts_price_fair": 6,
    "charges_transparent": 8, "repair_started_promptly": 8, "repair_time_reasonable": 7,
}  # fmt: skip


def test_the_console_asks_the_service_questionnaire_and_records_it_by_htmx(
    client, agent_a, store_a, django_capture_on_commit_callbacks
):
    customer = make_customer(store_a)
    task = service_task(store_a, customer)
    login(client, agent_a)
    url = reverse("surveys:console", args=[task.pk])

    page = client.get(url)
    assert "售后服务满意度调查" in page.content.decode()
    assert "data-survey-keys" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, answer_form(SERVICE_ANSWERS, "survey-"), HTTP_HX_REQUEST="true")

    assert 'data-testid="survey-recorded"' in done.content.decode()
    response = SurveyResponse.objects.get()
    assert response.followup_task_id == task.pk and response.channel == "phone"
    assert response.needs_recovery is True  # parts price 6 is "average"
    assert 'data-testid="survey-needs-recovery"' in done.content.decode()
    assert f"origin_type=survey_response&amp;origin_id={response.pk}" in done.content.decode()
    assert FollowUpTask.objects.filter(kind=TaskKind.SURVEY_RECOVERY, event_id=response.pk).exists()
    again = client.post(url, answer_form(SERVICE_ANSWERS, "survey-"), HTTP_HX_REQUEST="true")
    assert SurveyResponse.objects.count() == 1
    assert 'data-testid="survey-recorded"' in again.content.decode()


def test_the_console_shows_the_missing_answers(client, agent_a, store_a):
    task = service_task(store_a, make_customer(store_a))
    page = login(client, agent_a).post(
        reverse("surveys:console", args=[task.pk]), {"survey-item_facility_clean": "9"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert page.status_code == 200
    assert "This field is required." in page.content.decode()
    assert not SurveyResponse.objects.exists()


def test_the_console_explains_the_one_survey_per_quarter_rule(client, agent_a, store_a):
    customer = make_customer(store_a, name="周杰")
    record(agent_a, store_a, customer)
    task = service_task(store_a, customer)

    page = login(client, agent_a).get(reverse("surveys:console", args=[task.pk]))

    assert 'data-testid="survey-refused"' in page.content.decode()
    assert "周杰 already answered" in page.content.decode()


def test_a_kind_without_questionnaire_says_so(client, agent_a, store_a):
    task = service_task(store_a, make_customer(store_a), kind=TaskKind.DELIVERY_CARE_CALL)
    page = login(client, agent_a).get(reverse("surveys:console", args=[task.pk]))
    assert 'data-testid="survey-none"' in page.content.decode()


def test_the_console_partial_loads_itself_in_the_followup_console(client, agent_a, store_a):
    from django.template.loader import render_to_string

    task = service_task(store_a, make_customer(store_a))
    html = render_to_string("surveys/_console_questionnaire.html", {"task": task})
    assert f'hx-get="{reverse("surveys:console", args=[task.pk])}"' in html


# --- the customer's SMS link -------------------------------------------------------------------


@pytest.fixture
def link(store_a, agent_a, outbox):
    customer = make_customer(store_a, name="陈晨")
    sent = services.invitation_send(actor=agent_a, store=store_a, customer=customer)
    return reverse("survey-public:answer", args=[sent.token])


def test_the_customer_answers_on_the_phone_page_without_logging_in(client, link):
    page = client.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="viewport"' in html and "陈晨" in html
    assert "mobile" not in html.lower().split("</head>")[1] or "139" not in html

    done = client.post(link, answer_form(FIVE_D_ANSWERS))

    assert done.status_code == 200
    assert 'data-testid="public-thanks"' in done.content.decode()
    response = SurveyResponse.objects.get()
    assert response.channel == "sms" and str(response.overall_score) == "80.0"
    assert SurveyInvitation.objects.get().response == response


def test_a_used_link_says_it_was_answered(client, link):
    client.post(link, answer_form(FIVE_D_ANSWERS))
    again = client.get(link)
    assert again.status_code == 410
    assert "This survey has already been answered." in again.content.decode()
    assert client.post(link, answer_form(FIVE_D_ANSWERS)).status_code == 410
    assert SurveyResponse.objects.count() == 1


def test_an_expired_link_says_so(client, link):
    SurveyInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    page = client.get(link)
    assert page.status_code == 410
    assert "This survey link has expired." in page.content.decode()


def test_a_tampered_link_is_not_found(client, link):
    page = client.get(link[:-3] + "xx/")
    assert page.status_code == 404
    assert "This survey link is not valid." in page.content.decode()


def test_the_link_is_rate_limited(client, link, monkeypatch):
    monkeypatch.setattr(public_views, "RATE_LIMIT", 3)
    statuses = [client.get(link).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_a_missing_answer_is_shown_on_the_phone_page(client, link):
    answers = dict(FIVE_D_ANSWERS)
    del answers["timeliness"]
    page = client.post(link, answer_form(answers))
    assert page.status_code == 200
    assert "This field is required." in page.content.decode()
    assert not SurveyResponse.objects.exists()


# --- responses and the closed loop -------------------------------------------------------------


def test_the_response_page_shows_answers_item_scores_and_the_complaint_link(
    client, manager_a, store_a
):
    customer = make_customer(store_a, mobile="13712345678")
    response = record(manager_a, store_a, customer, dict(FIVE_D_ANSWERS, timeliness=5))

    page = login(client, manager_a).get(reverse("surveys:response-detail", args=[response.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="answer-row"') == 5
    assert 'data-testid="needs-recovery"' in html
    assert "service-5d-v1" in html
    assert "Average" in html
    assert (
        f"origin_type=survey_response&amp;origin_id={response.pk}" in html
        and "channel=survey" in html
    )
    assert "13712345678" not in html and "137****5678" not in html


def test_the_response_list_filters_by_recovery(client, manager_a, store_a):
    record(manager_a, store_a, make_customer(store_a, name="低分客户"),
           dict(FIVE_D_ANSWERS, timeliness=2))  # fmt: skip
    record(manager_a, store_a, make_customer(store_a, name="高分客户"))
    page = login(client, manager_a).get(reverse("surveys:response-list"), {"recovery": "1"})
    html = page.content.decode()
    assert "低分客户" in html and "高分客户" not in html


def test_responses_are_on_the_customer_timeline(client, manager_a, store_a):
    customer = make_customer(store_a)
    response = record(manager_a, store_a, customer)
    page = login(client, manager_a).get(reverse("customers:detail", args=[customer.pk]))
    assert reverse("surveys:response-detail", args=[response.pk]) in page.content.decode()


def test_an_agent_sees_the_timeline_entry_without_a_link(agent_a, store_a):
    from dealercare.customers.timeline import customer_timeline

    customer = make_customer(store_a)
    record(agent_a, store_a, customer)
    entries = [e for e in customer_timeline(customer, agent_a) if e.kind == "survey_response"]
    assert len(entries) == 1 and entries[0].url == ""


# --- invitations and imports -------------------------------------------------------------------


def test_staff_send_a_link_from_the_invite_page(client, agent_a, store_a, outbox,
                                                django_capture_on_commit_callbacks):  # fmt: skip
    make_customer(store_a, number="GZ01-000777", mobile="13812345678")
    with django_capture_on_commit_callbacks(execute=True):
        page = login(client, agent_a).post(
            reverse("surveys:invite"), {"who": "GZ01-000777", "business": "service"}, follow=True
        )
    assert "The survey link was sent to" in page.content.decode()
    assert outbox[0]["mobile"] == "13812345678" and "/s/" in outbox[0]["text"]


def test_the_import_page_lists_row_errors_and_imports_good_files(client, manager_a, store_a):
    customer = make_customer(store_a)
    five_d = services.questionnaire_by_code(store_a, "service-5d")

    def upload(rows):
        book = Workbook()
        for row in rows:
            book.active.append(row)
        data = io.BytesIO()
        book.save(data)
        data.seek(0)
        data.name = "study.xlsx"
        return client.post(reverse("surveys:import"), {
            "store": store_a.pk, "questionnaire": five_d.pk, "study": "外部调查 2026Q1",
            "weights": "", "file": data,
        }, follow=True)  # fmt: skip

    login(client, manager_a)
    header = ["customer_no", "answered_on", *FIVE_D_ANSWERS]
    bad = upload([header, ["NOPE", "2026-01-01", 8, 8, 8, 8, 8]])
    assert "No such customer in this store." in bad.content.decode()
    assert not ExternalImport.objects.exists()
    good = upload([header, [customer.number, "2026-01-01", 8, 8, 8, 8, 8]])
    assert "1 responses of “外部调查 2026Q1” imported." in good.content.decode()
    assert SurveyResponse.objects.get().source == "external"


def test_shipped_defaults_are_published(store_a):
    assert published(store_a).status == "published"
