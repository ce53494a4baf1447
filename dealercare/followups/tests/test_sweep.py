"""The sweep creates exactly the missing tasks: twice, or after a kill, nothing twice, none missing."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection

from dealercare.core.models import WorkingDayOverride
from dealercare.followups import services
from dealercare.followups.models import FollowUpRule, FollowUpTask
from dealercare.followups.rules import Window
from dealercare.followups.tasks import followups_sweep_task

from .support import at, make_customer, make_delivery, make_visit, rule_of

pytestmark = pytest.mark.django_db

NOW = at("2026-03-20 08:00")
DELIVERY_RULES = (
    "delivery_care_call",
    "delivery_first_followup",
    "delivery_seven_day_care_call",
    "delivery_run_in_reminder",
)


@pytest.fixture
def history(store_a, store_b):
    """Events of two stores as an import leaves them: saved without any task."""
    a1 = make_customer(store_a, name="王伟")
    a2 = make_customer(store_a, name="李娜", gender="female", customer_type="vip")
    b1 = make_customer(store_b, name="张强")
    deliveries = [
        make_delivery(a1, at("2026-03-02 19:30")),
        make_delivery(a2, at("2026-03-10 11:00")),
        make_delivery(a1, at("2026-03-12 09:00"), status="cancelled"),
        make_delivery(a2, at("2026-01-05 10:00")),  # before the lookback
        make_delivery(b1, at("2026-03-15 16:00")),
    ]
    visits = [
        make_visit(a1, at("2026-03-05 17:00")),
        make_visit(a2, at("2026-03-18 12:00")),
        make_visit(a2, None, status="open"),
        make_visit(b1, at("2026-03-19 20:30")),
    ]
    return deliveries, visits


def expected_keys(deliveries, visits, stores=None):
    """(rule code, event type, event id) of every task the default rules call for."""
    since = NOW - dt.timedelta(days=30)
    keys = set()
    for delivery in deliveries:
        wanted = stores is None or delivery.store_id in stores
        if wanted and delivery.status == "delivered" and delivery.delivered_at >= since:
            keys |= {(code, "delivery", delivery.pk) for code in DELIVERY_RULES}
    for visit in visits:
        wanted = stores is None or visit.store_id in stores
        if wanted and visit.status == "finished" and visit.date_out >= since:
            keys.add(("service_followup", "service_visit", visit.pk))
    return keys


def task_keys():
    rows = FollowUpTask.objects.values_list("rule__code", "event_type", "event_id")
    keys = list(rows)
    assert len(keys) == len(set(keys))
    return set(keys)


def test_the_sweep_creates_every_missing_task_and_a_second_run_creates_none(history):
    first = services.sweep(now=NOW)
    assert task_keys() == expected_keys(*history)
    assert first.total == len(expected_keys(*history)) == 15

    second = services.sweep(now=NOW)

    assert second.total == 0
    assert task_keys() == expected_keys(*history)


def test_the_sweep_counts_tasks_by_store_and_rule(history, store_a):
    result = services.sweep(now=NOW)

    assert result.created[("GZ01", "delivery_care_call")] == 2
    assert result.created[("GZ01", "service_followup")] == 2
    assert result.created[("SZ01", "service_followup")] == 1


def test_a_sweep_killed_midway_then_run_again_ends_with_exactly_the_expected_tasks(
    history, monkeypatch
):
    run_chunk = services._run_chunk
    done = []

    def killed_after_three(*args):
        if len(done) == 3:
            raise KeyboardInterrupt  # the process dies in its fourth chunk
        done.append(run_chunk(*args))
        return done[-1]

    monkeypatch.setattr(services, "_run_chunk", killed_after_three)
    with pytest.raises(KeyboardInterrupt):
        services.sweep(now=NOW, chunk_size=1)
    partial = task_keys()
    assert 0 < len(partial) < len(expected_keys(*history))
    monkeypatch.setattr(services, "_run_chunk", run_chunk)

    services.sweep(now=NOW, chunk_size=1)

    assert task_keys() == expected_keys(*history)


def test_the_sweep_and_the_save_hook_agree_on_every_window(history):
    deliveries, visits = history
    for event in [*deliveries, *visits]:
        services.sync_event_tasks(event, now=NOW)
    by_hook = set(FollowUpTask.objects.values_list("rule_id", "event_id", "window_start", "due_at"))
    FollowUpTask.objects.all().delete()

    services.sweep(now=NOW)

    assert (
        set(FollowUpTask.objects.values_list("rule_id", "event_id", "window_start", "due_at"))
        == by_hook
    )


# Events around every edge of the window arithmetic, on the store clock: midnight, calling hours
# opening and closing, 19:30, and 16:00 (midnight UTC: the UTC date differs from the local one).
EDGE_TIMES = (
    "00:00", "07:59", "08:30", "09:00", "12:00", "15:59", "16:00", "17:59", "18:00", "19:30",
    "19:59", "20:00", "23:59",
)  # fmt: skip
EDGE_DAYS = ("2026-01-30", "2026-02-13", "2026-02-14", "2026-02-28", "2026-03-06", "2026-03-07")


def test_set_based_windows_equal_the_pure_rule_for_every_kind_of_rule(store_a, customer_a):
    # Custom rules: day 0 (never before the event), working days (Spring Festival 2026, a
    # make-up Saturday 02-14 and a store override), hours with a due day, and the defaults.
    services.rules_seed_defaults(store_a)
    custom = [
        {"code": "same_day", "earliest_day": 0, "due_day": 0},
        {"code": "same_working_day", "earliest_day": 0, "earliest_working_days": True},
        {"code": "working_days", "earliest_day": 1, "earliest_working_days": True,
         "due_day": 3, "due_working_days": True},
        {"code": "hours_and_due_day", "earliest_hours": 30, "due_day": 1},
    ]  # fmt: skip
    for fields in custom:
        FollowUpRule.objects.create(store=store_a, event="delivery", **fields)
    WorkingDayOverride.objects.create(
        group=store_a.group, store=store_a, day=dt.date(2026, 3, 9), is_working_day=False
    )
    events = [
        make_delivery(customer_a, at(f"{day} {time}")) for day in EDGE_DAYS for time in EDGE_TIMES
    ]

    services.sweep(store=store_a, now=at("2026-03-10 00:00"), since=at("2026-01-01 00:00"))

    schedule = services.store_schedule(store_a)
    created = FollowUpTask.objects.select_related("rule")
    assert created.count() == len(events) * 8
    mismatches = [
        (task.rule.code, task.event_at, task.window_start, task.due_at, window)
        for task in created
        if (window := schedule.window(task.rule.window_rule(), task.event_at))
        != Window(task.window_start, task.due_at)
    ]
    assert mismatches == [], connection.vendor


def test_the_sweep_of_one_store_leaves_the_others_alone(history, store_a):
    services.sweep(store=store_a, now=NOW)

    assert task_keys() == expected_keys(*history, stores={store_a.pk})


def test_the_sweep_considers_events_from_since(history):
    services.sweep(now=NOW, since=at("2026-03-15 00:00"))

    assert {event_id for _, _, event_id in task_keys()} == {
        history[0][4].pk, history[1][1].pk, history[1][3].pk,
    }  # fmt: skip


def test_the_sweep_cancels_tasks_of_events_cancelled_behind_the_services_back(history):
    deliveries, visits = history
    services.sweep(now=NOW)
    FollowUpTask.objects.filter(event_id=deliveries[1].pk, kind="delivery_care_call").update(
        status="done", outcome="reached"
    )
    type(deliveries[1]).objects.filter(pk=deliveries[1].pk).update(status="cancelled")
    type(visits[0]).objects.filter(pk=visits[0].pk).update(status="open", date_out=None)

    result = services.sweep(now=NOW)

    assert result.cancelled == 4
    cancelled = FollowUpTask.objects.filter(status="cancelled", outcome="event_cancelled")
    assert set(cancelled.values_list("event_type", "event_id")) == {
        ("delivery", deliveries[1].pk), ("service_visit", visits[0].pk),
    }  # fmt: skip
    assert FollowUpTask.objects.get(
        event_id=deliveries[1].pk, kind="delivery_care_call"
    ).status == ("done")


def test_the_sweep_moves_untouched_tasks_of_events_whose_time_was_corrected(history, store_a):
    _, visits = history
    services.sweep(now=NOW)
    type(visits[0]).objects.filter(pk=visits[0].pk).update(date_out=at("2026-03-06 10:00"))

    result = services.sweep(now=NOW)

    task = FollowUpTask.objects.get(event_type="service_visit", event_id=visits[0].pk)
    assert result.rescheduled == 1
    assert (task.event_at, task.window_start, task.due_at) == (
        at("2026-03-06 10:00"), at("2026-03-07 09:00"), at("2026-03-09 20:00"),
    )  # fmt: skip


def test_rules_added_later_get_their_tasks_from_the_next_sweep(history, store_a):
    services.sweep(now=NOW)
    rule = rule_of(store_a, "service_followup")
    FollowUpRule.objects.create(
        store=store_a, code="service_second_call", event=rule.event, kind="other",
        earliest_day=5, due_day=7, customer_types=["vip"],
    )  # fmt: skip

    result = services.sweep(now=NOW)

    assert dict(result.created) == {("GZ01", "service_second_call"): 1}


def test_the_command_and_the_background_task_run_the_sweep(history, store_a, settings):
    out = io.StringIO()
    call_command("followups_sweep", "--store", "GZ01", "--since", "2026-02-20", stdout=out)
    text = out.getvalue()
    assert "GZ01 delivery_care_call: 2 tasks created" in text
    assert "SMS sent 0, failed 0" in text

    settings.FOLLOWUP_LOOKBACK_DAYS = 3650  # the task sweeps from today's lookback
    result = followups_sweep_task.call()
    # Store SZ01's delivery (4 rules) and visit, and store GZ01's events before 02-20.
    assert result["created"] == 5 + 4
