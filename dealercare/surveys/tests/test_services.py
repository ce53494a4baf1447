"""Services: shipped defaults, versions, recording from every channel, the interval rule, the
closed loop, SMS links and the external import."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from openpyxl import Workbook

from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditEvent
from dealercare.followups.choices import EventType, TaskKind
from dealercare.followups.models import FollowUpTask, SmsMessage
from dealercare.surveys import defaults, external, services
from dealercare.surveys.choices import ItemKind, ResponseSource, VersionStatus
from dealercare.surveys.models import (
    Answer,
    Dimension,
    ExternalImport,
    Item,
    Questionnaire,
    QuestionnaireVersion,
    SurveyResponse,
)

from .factories import FIVE_D_ANSWERS, days_ago, make_customer, published, record

pytestmark = pytest.mark.django_db


# --- defaults ----------------------------------------------------------------------------------


def test_the_shipped_questionnaires_follow_seed_000s_sections_and_seed_001s_dimensions():
    sales = Questionnaire.objects.get(store__isnull=True, code="sales")
    version = sales.versions.get(status=VersionStatus.PUBLISHED)
    assert [s.title for s in version.sections.order_by("order")] == [
        "展厅", "看车过程", "车价与付款", "交车服务", "跟踪服务", "执行率评价", "意见与建议",
    ]  # fmt: skip
    checks = version.items.filter(kind=ItemKind.YES_NO)
    assert checks.count() == 3 and not checks.filter(dimension__isnull=False).exists()
    service = Questionnaire.objects.get(store__isnull=True, code="service")
    titles = list(service.versions.get().sections.order_by("order").values_list("title", flat=True))
    assert titles[:5] == ["维修站环境", "服务过程", "维修质量", "维修收费", "服务及时性"]
    five_d = Questionnaire.objects.get(store__isnull=True, code="service-5d").versions.get()
    assert sorted(five_d.items.filter(kind="score").values_list("dimension__code", flat=True)) == (
        sorted(defaults.SERVICE_DIMENSION_CODES)
    )


def test_ensure_defaults_is_idempotent_and_keeps_edits():
    Dimension.objects.filter(code="timeliness").update(name="及时")
    assert services.ensure_defaults() == {"dimensions": 0, "scoring_models": 0, "questionnaires": 0}
    assert Dimension.objects.get(code="timeliness").name == "及时"
    assert Questionnaire.objects.filter(store__isnull=True).count() == 3


def test_a_store_gets_the_shipped_scoring_models(store_a):
    survey_settings = services.settings_for(store_a)
    assert survey_settings.scoring_model.code == "service-5d-v1"
    assert survey_settings.sales_scoring_model.code == "sales-5d-v1"
    assert survey_settings.survey_interval_days == 90
    assert survey_settings.low_answer_threshold == 6


# --- versions ----------------------------------------------------------------------------------


def test_editing_a_shipped_default_makes_the_stores_own_copy(store_a, store_b, manager_a):
    shipped = Questionnaire.objects.get(store__isnull=True, code="service-5d")

    draft = services.draft_create(actor=manager_a, store=store_a, questionnaire=shipped)

    assert draft.questionnaire.store == store_a
    assert draft.number == 1 and draft.status == VersionStatus.DRAFT
    assert draft.items.count() == shipped.versions.get().items.count()
    # store B still asks the shipped version; store A still too until it publishes
    assert services.questionnaire_by_code(store_b, "service-5d") == shipped
    assert services.published_version(services.questionnaire_by_code(store_a, "service-5d")) is None


def test_publishing_a_new_version_never_changes_past_answers(store_a, manager_a):
    customer = make_customer(store_a)
    old = record(manager_a, store_a, customer)
    shipped = Questionnaire.objects.get(store__isnull=True, code="service-5d")
    draft = services.draft_create(actor=manager_a, store=store_a, questionnaire=shipped)
    timeliness = draft.items.get(code="timeliness")
    services.items_save(actor=manager_a, version=draft, rows=[
        {"id": timeliness.pk, "text": "您对维修速度满意吗?"},
    ])  # fmt: skip

    services.version_publish(actor=manager_a, version=draft)

    answer = old.answers.get(item__code="timeliness")
    assert answer.item.text == "您对我们服务的及时性满意吗?"
    assert answer.item.version.questionnaire.store is None
    assert services.published_version(services.questionnaire_by_code(store_a, "service-5d")) == (
        draft
    )
    with pytest.raises(ApplicationError, match="is published and cannot change"):
        services.items_save(actor=manager_a, version=draft, rows=[{"id": timeliness.pk,
                                                                   "text": "x"}])  # fmt: skip


def test_publishing_retires_the_previous_version(store_a, manager_a):
    shipped = Questionnaire.objects.get(store__isnull=True, code="sales")
    first = services.draft_create(actor=manager_a, store=store_a, questionnaire=shipped)
    services.version_publish(actor=manager_a, version=first)
    second = services.draft_create(
        actor=manager_a, store=store_a, questionnaire=first.questionnaire
    )
    assert second.number == 2

    services.version_publish(actor=manager_a, version=second)

    first.refresh_from_db()
    assert first.status == VersionStatus.RETIRED
    assert AuditEvent.objects.filter(target_type="surveys.questionnaireversion").count() == 4


def test_only_one_draft_at_a_time(store_a, manager_a):
    shipped = Questionnaire.objects.get(store__isnull=True, code="sales")
    draft = services.draft_create(actor=manager_a, store=store_a, questionnaire=shipped)
    with pytest.raises(ApplicationError, match=f"Version {draft.number} is already a draft"):
        services.draft_create(actor=manager_a, store=store_a, questionnaire=shipped)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"kind": ItemKind.CHOICE, "choices": ["only"]}, "at least two choices"),
        ({"kind": ItemKind.TEXT, "dimension": "timeliness"}, "Only 1-10 score items count"),
        ({"code": "service_skill"}, "Item codes must be unique"),
    ],
)
def test_invalid_items_are_refused_and_nothing_is_written(store_a, manager_a, row, message):
    shipped = Questionnaire.objects.get(store__isnull=True, code="service-5d")
    draft = services.draft_create(actor=manager_a, store=store_a, questionnaire=shipped)
    section = draft.sections.first()
    fields = {"section": section, "order": 9, "code": "new_item", "text": "新问题",
              "kind": ItemKind.SCORE, "weight": 1, "required": False}  # fmt: skip
    if row.get("dimension"):
        row = dict(row, dimension=Dimension.objects.get(code=row["dimension"]))
    before = draft.items.count()

    with pytest.raises(ApplicationError) as error:
        services.items_save(actor=manager_a, version=draft, rows=[fields | row])

    assert message in str(error.value.message) + str(error.value.extra)
    assert draft.items.count() == before


def test_an_agent_may_not_edit_questionnaires(store_a, agent_a):
    shipped = Questionnaire.objects.get(store__isnull=True, code="sales")
    with pytest.raises(PermissionDenied):
        services.draft_create(actor=agent_a, store=store_a, questionnaire=shipped)


def test_the_kind_setting_chooses_the_console_questionnaire(store_a, manager_a):
    assert services.questionnaire_for_kind(store_a, TaskKind.SERVICE_FOLLOWUP).code == "service"
    assert services.questionnaire_for_kind(store_a, TaskKind.DELIVERY_FIRST_FOLLOWUP).code == (
        "sales"
    )
    assert services.questionnaire_for_kind(store_a, TaskKind.SURVEY_RECOVERY) is None
    five_d = services.questionnaire_by_code(store_a, "service-5d")

    services.settings_update(actor=manager_a, store=store_a, fields={"low_answer_threshold": 5},
                             assignments={TaskKind.SERVICE_FOLLOWUP: five_d})  # fmt: skip

    assert services.questionnaire_for_kind(store_a, TaskKind.SERVICE_FOLLOWUP) == five_d
    assert services.settings_for(store_a).low_answer_threshold == 5


# --- recording and the interval rule -----------------------------------------------------------


def test_a_response_denormalises_its_answers_for_the_rollups(store_a, agent_a):
    customer = make_customer(store_a, customer_type="vip")
    response = record(agent_a, store_a, customer)

    answers = Answer.objects.filter(response=response)
    assert answers.count() == 5
    timeliness = answers.get(item__code="timeliness")
    assert timeliness.store_id == store_a.pk
    assert timeliness.dimension.code == "timeliness"
    assert timeliness.business == "service" and timeliness.source == "internal"
    assert timeliness.answered_on == timezone.localdate(response.answered_at, store_a.tzinfo)
    assert response.customer_type == "vip"
    assert response.scoring_model_code == "service-5d-v1"
    assert str(response.overall_score) == "80.0"
    assert response.recorded_by == agent_a


def test_the_interval_is_a_setting(store_a, agent_a, manager_a):
    customer = make_customer(store_a)
    record(agent_a, store_a, customer, answered_at=days_ago(100))
    record(agent_a, store_a, customer)  # 100 days later: allowed
    with pytest.raises(ApplicationError) as refused:
        record(agent_a, store_a, customer)
    assert refused.value.code == "too_soon"

    services.settings_update(actor=manager_a, store=store_a, fields={"survey_interval_days": 0})

    assert record(agent_a, store_a, customer).pk


def test_external_results_do_not_count_against_the_interval(store_a, manager_a, agent_a):
    customer = make_customer(store_a)
    record(manager_a, store_a, customer, channel="external", source=ResponseSource.EXTERNAL)
    assert record(agent_a, store_a, customer).source == ResponseSource.INTERNAL


def test_a_required_item_left_blank_is_named(store_a, agent_a):
    answers = dict(FIVE_D_ANSWERS)
    del answers["parts_supply"]
    with pytest.raises(ApplicationError, match="Answer “您对配件供应满意吗"):
        record(agent_a, store_a, make_customer(store_a), answers)
    assert not SurveyResponse.objects.exists()


def test_a_draft_cannot_be_answered(store_a, manager_a, agent_a):
    shipped = Questionnaire.objects.get(store__isnull=True, code="service-5d")
    draft = services.draft_create(actor=manager_a, store=store_a, questionnaire=shipped)
    with pytest.raises(ApplicationError, match="no published version"):
        services.response_record(actor=agent_a, store=store_a, version=draft,
                                 customer=make_customer(store_a), channel="tablet",
                                 answers=FIVE_D_ANSWERS)  # fmt: skip


# --- the closed loop ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "flagged"),
    [
        ({"timeliness": 6}, True),  # "average" is at the threshold
        ({"timeliness": 7}, False),
        ({"timeliness": 1}, True),
    ],
)
def test_an_answer_at_or_below_average_flags_the_response(store_a, agent_a, answers, flagged):
    response = record(agent_a, store_a, make_customer(store_a), dict(FIVE_D_ANSWERS) | answers)
    assert response.needs_recovery is flagged


def test_a_no_on_a_check_flags_the_response(store_a, agent_a):
    sales = published(store_a, "sales")
    answers = {item.code: 9 for item in sales.items.filter(kind="score")}
    answers |= {"background_music": True, "staff_uniform": True, "warranty_reminded": "no"}
    response = services.response_record(
        actor=agent_a, store=store_a, version=sales, customer=make_customer(store_a),
        channel="phone", answers=answers,
    )  # fmt: skip
    assert response.needs_recovery is True
    assert response.business == "sales"
    assert str(response.overall_score) == "90.0"


def test_a_low_answer_opens_a_recovery_follow_up_on_commit(
    store_a, agent_a, django_capture_on_commit_callbacks
):
    customer = make_customer(store_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = record(agent_a, store_a, customer, dict(FIVE_D_ANSWERS, timeliness=5))

    task = FollowUpTask.objects.get(event_type=EventType.SURVEY_RESPONSE, event_id=response.pk)
    assert task.kind == TaskKind.SURVEY_RECOVERY
    assert task.customer == customer
    assert task.due_at - response.answered_at < datetime.timedelta(days=4)
    assert task.window_start - response.answered_at < datetime.timedelta(hours=20)


def test_a_good_response_opens_no_recovery_call(
    store_a, agent_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record(agent_a, store_a, make_customer(store_a))
    assert not FollowUpTask.objects.filter(event_type=EventType.SURVEY_RESPONSE).exists()


def test_the_threshold_is_a_setting(store_a, agent_a, manager_a):
    services.settings_update(actor=manager_a, store=store_a, fields={"low_answer_threshold": 4})
    response = record(agent_a, store_a, make_customer(store_a), dict(FIVE_D_ANSWERS, timeliness=5))
    assert response.needs_recovery is False


# --- SMS links ---------------------------------------------------------------------------------


@pytest.fixture
def outbox(settings):
    from dealercare.followups.messaging import LocmemSmsBackend

    settings.SMS_BACKEND = "dealercare.followups.messaging.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []
    return LocmemSmsBackend.outbox


def send(agent, store, customer, **kwargs):
    return services.invitation_send(actor=agent, store=store, customer=customer,
                                    link_base="https://dc.example", **kwargs)  # fmt: skip


def test_a_link_is_sent_by_sms_on_commit(store_a, agent_a, outbox,
                                         django_capture_on_commit_callbacks):  # fmt: skip
    customer = make_customer(store_a, mobile="13800138000")
    with django_capture_on_commit_callbacks(execute=True):
        sent = send(agent_a, store_a, customer)

    assert outbox == [{"mobile": "13800138000", "text": SmsMessage.objects.get().text}]
    assert f"https://dc.example/s/{sent.token}/" in outbox[0]["text"]
    assert SmsMessage.objects.get().status == "sent"
    assert sent.invitation.token == services.token_digest(sent.token)


def test_a_link_answers_once(store_a, agent_a, outbox):
    customer = make_customer(store_a)
    sent = send(agent_a, store_a, customer)

    response = services.invitation_answer(token=sent.token, answers=FIVE_D_ANSWERS)

    assert response.channel == "sms" and response.recorded_by is None
    assert response.questionnaire_version.questionnaire.code == "service-5d"
    with pytest.raises(ApplicationError, match="already been answered") as again:
        services.invitation_answer(token=sent.token, answers=FIVE_D_ANSWERS)
    assert again.value.code == "used"
    assert SurveyResponse.objects.count() == 1


def test_an_expired_link_is_refused(store_a, agent_a, outbox):
    sent = send(agent_a, store_a, make_customer(store_a),
                now=timezone.now() - datetime.timedelta(days=8))  # fmt: skip
    with pytest.raises(ApplicationError, match="has expired"):
        services.invitation_answer(token=sent.token, answers=FIVE_D_ANSWERS)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t + "x",
        lambda t: "",
        lambda t: "x" * 500,
    ],
)
def test_a_tampered_link_is_not_valid(store_a, agent_a, outbox, tamper):
    sent = send(agent_a, store_a, make_customer(store_a))
    with pytest.raises(ApplicationError, match="not valid"):
        services.invitation_answer(token=tamper(sent.token), answers=FIVE_D_ANSWERS)


def test_no_link_for_a_customer_who_refuses_sms_or_was_just_surveyed(store_a, agent_a, outbox):
    with pytest.raises(ApplicationError, match="does not accept SMS"):
        send(agent_a, store_a, make_customer(store_a, allow_sms=False))
    surveyed = make_customer(store_a)
    record(agent_a, store_a, surveyed)
    with pytest.raises(ApplicationError, match="already answered a satisfaction survey"):
        send(agent_a, store_a, surveyed)


# --- external import ---------------------------------------------------------------------------


def workbook(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


HEADER = ["customer_no", "answered_on", "ref", "service_skill", "service_attitude", "timeliness",
          "parts_supply", "overall_service"]  # fmt: skip


def test_external_results_are_imported_apart_with_their_weights(store_a, manager_a):
    a, b = make_customer(store_a), make_customer(store_a)
    record(manager_a, store_a, a)  # surveyed internally: external results still come in
    data = workbook([HEADER, [a.number, "2026-01-15", "JD-1", 8, 9, 7, 6, 8],
                     [b.number, "2026-01-16", "JD-2", 10, 10, 9, 9, 10]])  # fmt: skip

    batch = external.external_import(
        actor=manager_a, store=store_a, questionnaire=services.questionnaire_by_code(
            store_a, "service-5d"), study="J.D. Power 2026 Q1", file_name="jd.xlsx", data=data,
        weights="service_skill=22\nservice_attitude=18\ntimeliness=20\nparts_supply=20\n"
                "overall_service=20",
    )  # fmt: skip

    assert batch.responses_count == 2
    assert batch.dimension_weights["service_skill"] == "11/50"
    responses = SurveyResponse.objects.filter(external_import=batch)
    assert set(responses.values_list("source", "channel").distinct()) == {("external", "external")}
    assert not responses.filter(needs_recovery=True).exists()
    first = responses.get(external_ref="JD-1")
    # 0.22*80 + 0.18*90 + 0.2*70 + 0.2*60 + 0.2*80 = 75.8
    assert str(first.overall_score) == "75.8"
    assert Answer.objects.filter(source="external").count() == 10


def test_an_external_file_with_errors_imports_nothing(store_a, manager_a):
    a = make_customer(store_a)
    data = workbook([HEADER, [a.number, "2026-01-15", "", 8, 9, 7, 6, 8],
                     ["NOPE-1", "2026-01-15", "", 8, 9, 7, 6, 8],
                     [a.number, "someday", "", 8, 11, 7, 6, 8]])  # fmt: skip

    with pytest.raises(ApplicationError) as refused:
        external.external_import(
            actor=manager_a, store=store_a,
            questionnaire=services.questionnaire_by_code(store_a, "service-5d"),
            study="Study", file_name="bad.xlsx", data=data,
        )  # fmt: skip

    errors = refused.value.extra["errors"]
    assert {"row": 3, "column": "customer_no", "reason": "No such customer in this store."} in (
        errors
    )
    assert {"row": 4, "column": "answered_on", "reason": "A date like 2026-03-31 is needed."} in (
        errors
    )
    assert any(e["row"] == 4 and e["column"] == "service_attitude" for e in errors)
    assert "Nothing was saved" in str(refused.value.message)
    assert not SurveyResponse.objects.exists()
    assert not ExternalImport.objects.exists()


def test_an_unknown_column_and_unreadable_file_are_refused(store_a, manager_a):
    questionnaire = services.questionnaire_by_code(store_a, "service-5d")
    with pytest.raises(ApplicationError) as refused:
        external.external_import(actor=manager_a, store=store_a, questionnaire=questionnaire,
                                 study="S", file_name="x.xlsx",
                                 data=workbook([["customer_no", "answered_on", "price"]]))  # fmt: skip
    assert refused.value.extra["errors"] == [
        {"row": 1, "column": "price", "reason": "Not an item of this questionnaire."}
    ]
    with pytest.raises(ApplicationError, match="cannot be read as an Excel workbook"):
        external.external_import(actor=manager_a, store=store_a, questionnaire=questionnaire,
                                 study="S", file_name="x.xlsx", data=b"not a workbook")  # fmt: skip


def test_weights_must_name_dimensions(store_a, manager_a):
    with pytest.raises(ApplicationError) as refused:
        external.external_import(
            actor=manager_a, store=store_a,
            questionnaire=services.questionnaire_by_code(store_a, "service-5d"), study="S",
            file_name="x.xlsx", data=workbook([HEADER]), weights={"price": 1},
        )  # fmt: skip
    assert refused.value.extra["errors"][0]["column"] == "weights"


def test_items_are_versioned_per_questionnaire():
    assert Item.objects.filter(code="timeliness").count() == 1
    assert QuestionnaireVersion.objects.filter(status="published").count() == 3


def test_the_sweep_opens_recovery_calls_the_commit_hook_missed(store_a, agent_a):
    from dealercare.followups.services import sweep

    low = record(agent_a, store_a, make_customer(store_a), dict(FIVE_D_ANSWERS, timeliness=4))
    record(agent_a, store_a, make_customer(store_a))

    sweep()
    sweep()

    recovery = FollowUpTask.objects.filter(kind=TaskKind.SURVEY_RECOVERY)
    assert list(recovery.values_list("event_id", flat=True)) == [low.pk]
