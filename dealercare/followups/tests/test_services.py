"""Rules seeded per store, and the tasks events create, reschedule, cancel and reopen."""

import datetime as dt
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dealercare.core.models import AuditEvent, WorkingDayOverride
from dealercare.followups import services
from dealercare.followups.choices import Channel, TaskOutcome, TaskStatus
from dealercare.followups.models import FollowUpAttempt, FollowUpRule, FollowUpTask
from dealercare.followups.rules import DEFAULT_RULES
from dealercare.followups.scripts import render_script
from dealercare.operations import services as operations
from dealercare.operations.models import Inquiry

from .support import at, local, make_customer, make_delivery, make_visit, rule_of

pytestmark = pytest.mark.django_db

# DOMAIN §3's example: delivered on a Monday at 19:30, after calling hours.
DELIVERED = at("2026-03-02 19:30")
NEXT_MORNING = at("2026-03-03 08:00")


def windows(event_type, event_id):
    """{rule code: (window_start, due_at)} of an event's tasks, on the Shanghai clock."""
    return {
        task.rule.code: (local(task.window_start), local(task.due_at))
        for task in FollowUpTask.objects.filter(
            event_type=event_type, event_id=event_id
        ).select_related("rule")
    }


# --- rules ---------------------------------------------------------------------------------------


def test_seeding_gives_a_store_the_default_rules_once(store_a):
    assert services.rules_seed_defaults(store_a) == len(DEFAULT_RULES)
    assert services.rules_seed_defaults(store_a) == 0

    rules = FollowUpRule.objects.filter(store=store_a).order_by("id")
    assert [rule.code for rule in rules] == [rule.code for rule in DEFAULT_RULES]
    care = rules[0]
    assert (care.kind, care.channel, care.max_attempts, care.earliest_hours) == (
        "delivery_care_call", "phone", 3, 2,
    )  # fmt: skip
    assert care.window_rule() == DEFAULT_RULES[0]
    assert "{name}{title}" in care.script_template and "{hotline}" in care.sms_template


def test_seeding_keeps_edited_rules_and_adds_only_missing_ones(store_a):
    services.rules_seed_defaults(store_a)
    FollowUpRule.objects.filter(store=store_a, code="service_followup").update(due_day=2)
    FollowUpRule.objects.filter(store=store_a, code="delivery_care_call").delete()

    assert services.rules_seed_defaults(store_a) == 1
    assert FollowUpRule.objects.get(store=store_a, code="service_followup").due_day == 2


def test_a_store_without_rules_gets_the_defaults_when_its_first_event_comes(store_a, customer_a):
    delivery = make_delivery(customer_a, DELIVERED)

    services.sync_event_tasks(delivery, now=NEXT_MORNING)

    assert FollowUpRule.objects.filter(store=store_a).count() == len(DEFAULT_RULES)


def test_existing_stores_got_the_default_rules_from_the_data_migration():
    from importlib import import_module

    from django.apps import apps

    from dealercare.testing.factories import StoreFactory

    store = StoreFactory()
    migration = import_module("dealercare.followups.migrations.0002_seed_default_rules")
    migration.seed(apps, None)
    migration.seed(apps, None)

    assert FollowUpRule.objects.filter(store=store).count() == len(DEFAULT_RULES)


# --- tasks from events ---------------------------------------------------------------------------


def test_a_1930_delivery_gets_its_four_tasks_with_the_domain_windows(store_a, customer_a):
    delivery = make_delivery(customer_a, DELIVERED)

    result = services.sync_event_tasks(delivery, now=NEXT_MORNING)

    assert result.created == 4
    assert windows("delivery", delivery.pk) == {
        # Care call: 2 hours after 19:30 is outside calling hours: next morning, due that evening.
        "delivery_care_call": ("2026-03-03 09:00", "2026-03-03 20:00"),
        "delivery_first_followup": ("2026-03-03 09:00", "2026-03-05 20:00"),
        "delivery_seven_day_care_call": ("2026-03-09 09:00", "2026-03-09 20:00"),
        "delivery_run_in_reminder": ("2026-03-16 09:00", "2026-03-23 20:00"),
    }
    task = FollowUpTask.objects.get(event_id=delivery.pk, kind="delivery_care_call")
    assert (task.store, task.customer, task.vehicle) == (store_a, customer_a, delivery.vehicle)
    assert (task.status, task.channel, task.priority, task.event_at) == (
        TaskStatus.PENDING, Channel.PHONE, 1, DELIVERED,
    )  # fmt: skip


def test_a_finished_service_visit_gets_its_follow_up_from_the_next_day(customer_a):
    visit = make_visit(customer_a, at("2026-03-05 17:00"))

    services.sync_event_tasks(visit, now=at("2026-03-05 18:00"))

    assert windows("service_visit", visit.pk) == {
        "service_followup": ("2026-03-06 09:00", "2026-03-08 20:00")
    }


def test_a_visit_still_in_the_workshop_gets_no_task(customer_a):
    visit = make_visit(customer_a, None, status="open")

    result = services.sync_event_tasks(visit, now=NEXT_MORNING)

    assert (result.created, FollowUpTask.objects.count()) == (0, 0)


def test_saving_an_event_twice_creates_its_tasks_once(customer_a):
    delivery = make_delivery(customer_a, DELIVERED)

    services.sync_event_tasks(delivery, now=NEXT_MORNING)
    again = services.sync_event_tasks(delivery, now=NEXT_MORNING)

    assert again.created == 0
    assert FollowUpTask.objects.count() == 4


def test_vip_customers_tasks_come_first_among_equals(store_a):
    vip = make_customer(store_a, customer_type="vip")
    delivery = make_delivery(vip, DELIVERED)

    services.sync_event_tasks(delivery, now=NEXT_MORNING)

    assert set(FollowUpTask.objects.values_list("priority", flat=True)) == {0}


def test_a_customer_who_refuses_calls_gets_the_sms_variant(store_a):
    customer = make_customer(store_a, allow_phone=False)
    delivery = make_delivery(customer, DELIVERED)

    services.sync_event_tasks(delivery, now=NEXT_MORNING)

    assert set(FollowUpTask.objects.values_list("channel", "status")) == {
        (Channel.SMS, TaskStatus.PENDING)
    }


def test_a_customer_who_refuses_calls_and_sms_gets_closed_tasks_that_still_count(store_a):
    customer = make_customer(store_a, allow_phone=False, allow_sms=False)
    delivery = make_delivery(customer, DELIVERED)

    services.sync_event_tasks(delivery, now=NEXT_MORNING)

    assert set(FollowUpTask.objects.values_list("status", "outcome", "closed_at")) == {
        (TaskStatus.CANCELLED, TaskOutcome.NO_CONSENT, NEXT_MORNING)
    }


def test_rules_apply_only_to_their_customer_types_and_only_when_active(store_a, customer_a):
    services.rules_seed_defaults(store_a)
    FollowUpRule.objects.filter(store=store_a, code="delivery_care_call").update(
        customer_types=["vip", "enterprise"]
    )
    FollowUpRule.objects.filter(store=store_a, code="delivery_run_in_reminder").update(
        is_active=False
    )
    delivery = make_delivery(customer_a, DELIVERED)  # a general customer

    services.sync_event_tasks(delivery, now=NEXT_MORNING)

    assert set(windows("delivery", delivery.pk)) == {
        "delivery_first_followup",
        "delivery_seven_day_care_call",
    }


def test_events_older_than_the_lookback_create_no_tasks(customer_a, settings):
    settings.FOLLOWUP_LOOKBACK_DAYS = 30
    delivery = make_delivery(customer_a, DELIVERED)

    result = services.sync_event_tasks(delivery, now=DELIVERED + dt.timedelta(days=31))

    assert (result.created, FollowUpTask.objects.count()) == (0, 0)


def test_a_cancelled_delivery_cancels_its_open_tasks_and_keeps_the_closed_ones(customer_a):
    delivery = make_delivery(customer_a, DELIVERED)
    services.sync_event_tasks(delivery, now=NEXT_MORNING)
    FollowUpTask.objects.filter(kind="delivery_care_call").update(
        status=TaskStatus.DONE, outcome=TaskOutcome.REACHED
    )
    delivery.status = "cancelled"
    delivery.save()

    result = services.sync_event_tasks(delivery, now=at("2026-03-04 10:00"))

    assert result.cancelled == 3
    assert sorted(FollowUpTask.objects.values_list("kind", "status", "outcome")) == [
        ("delivery_care_call", "done", "reached"),
        ("delivery_first_followup", "cancelled", "event_cancelled"),
        ("delivery_run_in_reminder", "cancelled", "event_cancelled"),
        ("delivery_seven_day_care_call", "cancelled", "event_cancelled"),
    ]


def test_a_reopened_repair_order_cancels_its_follow_up_and_finishing_it_again_reopens_it(
    customer_a,
):
    visit = make_visit(customer_a, at("2026-03-05 17:00"))
    services.sync_event_tasks(visit, now=at("2026-03-05 18:00"))
    visit.status, visit.date_out = "open", None
    visit.save()

    services.sync_event_tasks(visit, now=at("2026-03-06 08:00"))
    assert FollowUpTask.objects.get().status == TaskStatus.CANCELLED

    visit.status, visit.date_out = "finished", at("2026-03-07 11:00")
    visit.save()
    result = services.sync_event_tasks(visit, now=at("2026-03-07 12:00"))

    task = FollowUpTask.objects.get()
    assert (result.reopened, result.created, task.status, task.outcome) == (1, 0, "pending", "")
    assert (local(task.window_start), local(task.due_at)) == (
        "2026-03-08 09:00",
        "2026-03-10 20:00",
    )


def test_a_corrected_event_time_moves_only_the_tasks_nobody_has_called_yet(customer_a, agent_a):
    delivery = make_delivery(customer_a, DELIVERED)
    services.sync_event_tasks(delivery, now=NEXT_MORNING)
    called = FollowUpTask.objects.get(kind="delivery_first_followup")
    FollowUpAttempt.objects.create(task=called, agent=agent_a, at=NEXT_MORNING, outcome="busy")
    FollowUpTask.objects.filter(pk=called.pk).update(attempts_count=1)
    delivery.delivered_at = at("2026-03-02 10:00")
    delivery.save()

    result = services.sync_event_tasks(delivery, now=NEXT_MORNING)

    assert result.rescheduled == 1  # the day-based windows stay on the same day
    assert windows("delivery", delivery.pk) == {
        "delivery_care_call": ("2026-03-02 12:00", "2026-03-02 20:00"),
        "delivery_first_followup": ("2026-03-03 09:00", "2026-03-05 20:00"),  # called: kept
        "delivery_seven_day_care_call": ("2026-03-09 09:00", "2026-03-09 20:00"),
        "delivery_run_in_reminder": ("2026-03-16 09:00", "2026-03-23 20:00"),
    }


def test_inquiries_are_no_follow_up_events(store_a, customer_a):
    inquiry = Inquiry.objects.create(store=store_a, customer=customer_a)

    assert services.sync_event_tasks(inquiry) is None


def test_the_save_hook_logs_a_failure_instead_of_failing_the_saved_event(
    customer_a, monkeypatch, caplog
):
    delivery = make_delivery(customer_a, DELIVERED)

    def broken(event, now=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "sync_event_tasks", broken)
    with caplog.at_level(logging.ERROR, logger="dealercare.followups.services"):
        assert services.on_event_saved(delivery) is None

    assert f"Follow-up tasks of Delivery #{delivery.pk} not synced" in caplog.text


# --- through the operations services ------------------------------------------------------------


def test_deliveries_and_visits_saved_through_the_services_create_and_cancel_tasks(
    store_a, customer_a, manager_a, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    vehicle = make_delivery(customer_a, DELIVERED).vehicle
    recently = timezone.now() - dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = operations.delivery_create(
            actor=manager_a, store=store_a, customer=customer_a, vehicle=vehicle,
            fields={"delivered_at": recently, "order_no": "SO1"},
        )  # fmt: skip
    assert FollowUpTask.objects.filter(event_type="delivery", event_id=delivery.pk).count() == 4

    with django_capture_on_commit_callbacks(execute=True):
        visit = operations.service_visit_create(
            actor=manager_a, store=store_a, customer=customer_a, vehicle=vehicle,
            repair_order_no="RO1", fields={"date_in": recently - dt.timedelta(hours=2)},
        )  # fmt: skip
    assert not FollowUpTask.objects.filter(event_type="service_visit").exists()

    with django_capture_on_commit_callbacks(execute=True):
        operations.service_visit_update(
            actor=manager_a, visit=visit, fields={"status": "finished", "date_out": recently}
        )
    task = FollowUpTask.objects.get(event_type="service_visit", event_id=visit.pk)
    assert task.status == TaskStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        operations.delivery_update(
            actor=manager_a, delivery=delivery, fields={"status": "cancelled"}
        )
    assert set(
        FollowUpTask.objects.filter(event_type="delivery", event_id=delivery.pk).values_list(
            "status", flat=True
        )
    ) == {TaskStatus.CANCELLED}


# --- rules edited by the manager -----------------------------------------------------------------


def test_the_manager_edits_a_rule_and_untouched_open_tasks_take_the_new_window(
    store_a, customer_a, manager_a
):
    visit = make_visit(customer_a, at("2026-03-05 17:00"))
    services.sync_event_tasks(visit, now=at("2026-03-05 18:00"))
    rule = rule_of(store_a, "service_followup")

    services.rule_update(actor=manager_a, rule=rule, fields={"due_day": 2, "max_attempts": 4})

    assert windows("service_visit", visit.pk) == {
        "service_followup": ("2026-03-06 09:00", "2026-03-07 20:00")
    }
    event = AuditEvent.objects.get(target_type="followups.followuprule")
    assert event.changes == {"due_day": [3, 2], "max_attempts": [3, 4]}


def test_rules_count_working_days_with_the_stores_overrides(store_a, customer_a, manager_a):
    rule = rule_of(store_a, "service_followup")
    services.rule_update(
        actor=manager_a, rule=rule,
        fields={"earliest_working_days": True, "due_working_days": True},
    )  # fmt: skip
    # Friday 2026-03-06 is made a day off for the whole group, Monday 03-09 for this store.
    WorkingDayOverride.objects.create(group=store_a.group, day=dt.date(2026, 3, 6),
                                      is_working_day=False)  # fmt: skip
    WorkingDayOverride.objects.create(group=store_a.group, store=store_a,
                                      day=dt.date(2026, 3, 9), is_working_day=False)  # fmt: skip
    visit = make_visit(customer_a, at("2026-03-05 17:00"))  # a Thursday

    services.sync_event_tasks(visit, now=at("2026-03-05 18:00"))

    assert windows("service_visit", visit.pk) == {
        "service_followup": ("2026-03-10 09:00", "2026-03-12 20:00")
    }


def test_only_managers_edit_rules_and_bad_windows_are_refused(store_a, manager_a, agent_a):
    rule = rule_of(store_a, "service_followup")

    with pytest.raises(PermissionDenied):
        services.rule_update(actor=agent_a, rule=rule, fields={"due_day": 2})
    with pytest.raises(services.ApplicationError) as unknown:
        services.rule_update(actor=manager_a, rule=rule, fields={"store": 2, "code": "x"})
    assert str(unknown.value) == "Unknown fields: code, store"
    with pytest.raises(ValidationError) as error:
        services.rule_update(actor=manager_a, rule=rule, fields={"earliest_hours": 2})
    assert error.value.message_dict == {
        "earliest_day": ["Give either the hours after the event or the day it opens, not both."]
    }
    with pytest.raises(ValidationError) as error:
        services.rule_update(actor=manager_a, rule=rule, fields={"customer_types": ["martian"]})
    assert error.value.message_dict == {"customer_types": ["Unknown customer types: martian"]}


def test_a_manager_of_another_store_cannot_edit_the_rule(store_a, manager_b):
    rule = rule_of(store_a, "service_followup")

    with pytest.raises(PermissionDenied):
        services.rule_update(actor=manager_b, rule=rule, fields={"due_day": 2})


# --- supervisors and scripts ---------------------------------------------------------------------


def test_a_supervisor_cancels_an_open_task_with_a_reason(customer_a, supervisor_a, agent_a):
    delivery = make_delivery(customer_a, DELIVERED)
    services.sync_event_tasks(delivery, now=NEXT_MORNING)
    task = FollowUpTask.objects.get(kind="delivery_care_call")

    with pytest.raises(PermissionDenied):
        services.task_cancel(task=task, by=agent_a, reason="客户已搬离")
    with pytest.raises(services.ApplicationError) as error:
        services.task_cancel(task=task, by=supervisor_a, reason=" ")
    assert str(error.value) == "Give a reason."
    services.task_cancel(task=task, by=supervisor_a, reason="客户已搬离", now=NEXT_MORNING)

    task.refresh_from_db()
    assert (task.status, task.outcome, task.closed_by) == ("cancelled", "cancelled", supervisor_a)
    assert AuditEvent.objects.get(target_type="followups.followuptask").reason == "客户已搬离"
    with pytest.raises(services.ApplicationError):
        services.task_cancel(task=task, by=supervisor_a, reason="again")


def test_the_script_is_filled_for_the_customer_type(store_a, agent_a):
    vip = make_customer(store_a, name="李娜", gender="female", customer_type="vip")
    delivery = make_delivery(vip, DELIVERED)
    services.sync_event_tasks(delivery, now=NEXT_MORNING)
    task = FollowUpTask.objects.select_related("rule").get(kind="delivery_first_followup")
    agent_a.display_name = "小张"

    values = services.script_values(task, agent=agent_a, now=at("2026-03-04 10:00"))
    text = render_script(task.rule.script_for(vip.customer_type), values)

    assert values["days_since_delivery"] == 2
    assert text.startswith(
        f"尊敬的李娜女士，您好！我是{store_a.name}客户中心为您专属服务的客服专员小张。"
    )
    assert "2天前您在我店购买了一辆迈腾。" in text
    assert text.endswith("欢迎拨打我们的服务热线020 8888 6666。再见！")


def test_the_default_rules_pass_the_models_validation(store_a):
    services.rules_seed_defaults(store_a)

    for rule in FollowUpRule.objects.filter(store=store_a):
        rule.full_clean()
