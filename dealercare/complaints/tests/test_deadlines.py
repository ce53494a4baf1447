"""The deadline check: warnings, breaches, escalation up the ladder, idempotence (a fixed `now`
stands in for a frozen clock; the store calendar and hours come from the store)."""

import datetime

import pytest
from django.core.management import call_command

from dealercare.complaints import services
from dealercare.complaints.deadlines import check_deadlines
from dealercare.complaints.models import Complaint, ComplaintBreach, Notification, TimeLimit

from .factories import MONDAY_10

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)


@pytest.fixture
def ladder(store_a, make_user, manager_a, gm_a):
    """The people a breach climbs to: supervisor, CS manager, general manager."""
    return {"supervisor": make_user(store_a, "cs_supervisor"), "manager": manager_a, "gm": gm_a}


def keys_of(user):
    return set(Notification.objects.filter(recipient=user).values_list("key", flat=True))


def test_nothing_happens_before_the_warning_window(make_complaint, ladder):
    make_complaint()
    result = check_deadlines(now=MONDAY_10 + H)  # due 12:00, warned from 11:30
    assert (result.warned, result.breach_total, result.notified) == (0, 0, 0)


def test_the_owner_is_warned_once_when_a_limit_nears(make_complaint, manager_a, agent_a):
    complaint = services.complaint_transition(
        actor=manager_a, complaint=make_complaint(), transition="assign", owner=agent_a,
        department="service", now=MONDAY_10 + datetime.timedelta(minutes=5),
    )  # fmt: skip
    # Acknowledged by assigning; the solution (due Thursday 10:00) nears from Wed ~11:15 local.
    when = MONDAY_10 + datetime.timedelta(days=2, hours=22)
    first = check_deadlines(now=when)
    second = check_deadlines(now=when + datetime.timedelta(minutes=10))
    assert first.warned == 1 and second.warned == 0
    assert f"warn:solution:{complaint.pk}" in keys_of(agent_a)
    assert Notification.objects.filter(recipient=agent_a, key__startswith="warn:").count() == 1


def test_a_breach_goes_to_the_supervisor_then_up_the_ladder(make_complaint, ladder):
    complaint = make_complaint()  # acknowledge by 12:00 local
    just_late = check_deadlines(now=MONDAY_10 + 2 * H + datetime.timedelta(minutes=1))
    assert just_late.breaches == {1: 1}
    assert f"breach:acknowledge:1:{complaint.pk}" in keys_of(ladder["supervisor"])
    assert not keys_of(ladder["gm"]) - {f"major:{complaint.pk}"}
    two_hours_late = check_deadlines(now=MONDAY_10 + 4 * H + datetime.timedelta(minutes=1))
    assert two_hours_late.breaches == {2: 1}
    assert f"breach:acknowledge:2:{complaint.pk}" in keys_of(ladder["manager"])
    four_hours_late = check_deadlines(now=MONDAY_10 + 6 * H + datetime.timedelta(minutes=1))
    assert four_hours_late.breaches == {3: 1}
    assert f"breach:acknowledge:3:{complaint.pk}" in keys_of(ladder["gm"])
    complaint.refresh_from_db()
    assert complaint.escalation_level == 3
    assert complaint.breach_count == 1
    assert complaint.actions.filter(kind="escalated").count() == 3


def test_running_the_check_twice_notifies_once(make_complaint, ladder):
    make_complaint()
    late = MONDAY_10 + 5 * H
    first = check_deadlines(now=late)
    second = check_deadlines(now=late)
    assert first.breach_total == 2 and first.notified == 2  # levels 1 and 2 at once
    assert (second.breach_total, second.notified, second.escalated) == (0, 0, 0)
    assert ComplaintBreach.objects.count() == 2
    assert Notification.objects.count() == 2


def test_a_missed_sweep_jumps_levels_and_a_second_breached_step_starts_higher(
    make_complaint, ladder
):
    complaint = make_complaint()
    # Thursday 12:00 local: acknowledgement 2 days late (-> level 3), solution 2 h late: one
    # earlier breached step makes it start at level 2, +0 limits overdue -> level 2.
    result = check_deadlines(now=MONDAY_10 + datetime.timedelta(days=3, hours=2))
    steps = set(ComplaintBreach.objects.values_list("step", "level"))
    assert {("acknowledge", 1), ("acknowledge", 2), ("acknowledge", 3)} <= steps
    assert {("solution", 1), ("solution", 2)} <= steps
    complaint.refresh_from_db()
    assert complaint.breach_count == 2
    assert result.breaches[3] >= 1


def test_done_closed_and_paused_steps_are_not_escalated(make_complaint, manager_a, agent_a):
    acknowledged = services.complaint_transition(
        actor=manager_a, complaint=make_complaint(), transition="acknowledge", now=MONDAY_10 + H
    )
    paused = make_complaint()
    services.complaint_record_action(actor=agent_a, complaint=paused, kind="wait_for_customer",
                                     now=MONDAY_10 + H)  # fmt: skip
    check_deadlines(now=MONDAY_10 + 3 * H)
    assert not ComplaintBreach.objects.filter(complaint__in=[acknowledged, paused]).exists()


def test_weekends_and_holidays_do_not_count(make_complaint, ladder):
    # Wednesday 2026-09-30 16:00 local (08:00 UTC), the day before the National Day holiday:
    # 1.5 working hours run that day, the last half hour on the first working day after it.
    received = datetime.datetime(2026, 9, 30, 8, 0, tzinfo=datetime.UTC)
    complaint = make_complaint(received_at=received, now=received)
    assert complaint.acknowledge_due_at > received + datetime.timedelta(days=7)
    result = check_deadlines(now=received + datetime.timedelta(days=5))
    assert result.breach_total == 0


def test_store_limits_override_the_defaults(make_complaint, store_a):
    TimeLimit.objects.create(store=store_a, severity="normal", step="acknowledge", amount=30,
                             unit="working_minutes")  # fmt: skip
    complaint = make_complaint()
    assert complaint.acknowledge_due_at == MONDAY_10 + datetime.timedelta(minutes=30)


def test_the_command_takes_a_now_and_reports(make_complaint, ladder, capsys):
    make_complaint()
    call_command("complaints_check_deadlines", "--now", "2026-11-23T14:30:00+08:00")
    out = capsys.readouterr().out
    assert "breaches 2" in out
    call_command("complaints_check_deadlines", "--now", "2026-11-23T14:30:00+08:00")
    assert "breaches 0" in capsys.readouterr().out
    assert Complaint.objects.get().escalation_level == 2


def test_the_check_writes_in_a_fixed_number_of_queries(make_complaint, ladder,
                                                       django_assert_max_num_queries):  # fmt: skip
    for _ in range(3):
        make_complaint()
    make_complaint()
    with django_assert_max_num_queries(30):
        result = check_deadlines(now=MONDAY_10 + 5 * H)
    assert result.breach_total == 8
    for _ in range(10):
        make_complaint()
    Notification.objects.all().delete()
    ComplaintBreach.objects.all().delete()
    Complaint.objects.update(escalation_level=0, breach_count=0)
    with django_assert_max_num_queries(30):
        assert check_deadlines(now=MONDAY_10 + 5 * H).breach_total == 28


def test_the_task_runs_the_check(make_complaint, ladder):
    from dealercare.complaints.tasks import complaints_check_deadlines_task

    make_complaint(received_at=MONDAY_10 - datetime.timedelta(days=10))
    result = complaints_check_deadlines_task.enqueue()
    assert result.return_value["breaches"] >= 1
