"""The agents' queue: what "next" hands out, claims, attempts, and supervisors' assignments."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditEvent
from dealercare.followups import queue, services
from dealercare.followups.choices import TaskStatus
from dealercare.followups.models import FollowUpAttempt, FollowUpTask

from .support import NOW, make_customer, make_tasks, rule_of

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def rule_a(store_a):
    return rule_of(store_a, "delivery_first_followup")


def claim_all(agent, now=NOW):
    """Claim and close tasks one by one until the queue is empty; the order they came in."""
    order = []
    while (task := queue.claim_next(agent, now=now)) is not None:
        order.append(task.pk)
        queue.record_attempt(task=task, agent=agent, outcome="reached", now=now)
    return order


# --- what "next" hands out -----------------------------------------------------------------------


def test_next_gives_overdue_first_then_by_due_time_and_vip_first_among_equals(
    store_a, rule_a, agent_a
):
    general = make_customer(store_a, name="王伟")
    vip = make_customer(store_a, name="李娜", customer_type="vip")
    (later,) = make_tasks(rule_a, [general], due_at=NOW + 5 * HOUR)
    (soon_general,) = make_tasks(rule_a, [general], due_at=NOW + HOUR)
    (soon_vip,) = make_tasks(rule_a, [vip], due_at=NOW + HOUR)
    (overdue,) = make_tasks(rule_a, [general], due_at=NOW - 20 * HOUR)
    (very_overdue_vip,) = make_tasks(rule_a, [vip], due_at=NOW - 30 * HOUR)

    assert claim_all(agent_a) == [
        very_overdue_vip.pk, overdue.pk, soon_vip.pk, soon_general.pk, later.pk,
    ]  # fmt: skip


def test_next_skips_tasks_whose_window_has_not_opened(store_a, rule_a, agent_a, customer_a):
    (future,) = make_tasks(rule_a, [customer_a], due_at=NOW + 48 * HOUR, window_start=NOW + HOUR)

    assert queue.claim_next(agent_a, now=NOW) is None
    assert queue.claim_next(agent_a, now=NOW + HOUR).pk == future.pk


def test_next_gives_the_agents_own_and_pool_tasks_but_not_colleagues(
    store_a, rule_a, agent_a, make_user, customer_a
):
    colleague = make_user(store_a, "followup_agent")
    (colleagues,) = make_tasks(rule_a, [customer_a], due_at=NOW - 2 * HOUR, owner=colleague)
    (mine,) = make_tasks(rule_a, [customer_a], due_at=NOW, owner=agent_a)
    (pool,) = make_tasks(rule_a, [customer_a], due_at=NOW + HOUR)

    assert claim_all(agent_a) == [mine.pk, pool.pk]
    assert claim_all(colleague) == [colleagues.pk]


def test_sms_and_closed_tasks_are_not_in_the_queue(rule_a, agent_a, customer_a):
    make_tasks(rule_a, [customer_a], due_at=NOW, channel="sms")
    make_tasks(rule_a, [customer_a], due_at=NOW, status=TaskStatus.DONE)

    assert queue.claim_next(agent_a, now=NOW) is None


def test_nothing_is_handed_out_outside_the_stores_calling_hours(rule_a, agent_a, customer_a):
    make_tasks(rule_a, [customer_a], due_at=NOW - HOUR)
    evening = NOW.replace(hour=20, minute=30)

    assert queue.claim_next(agent_a, now=evening) is None
    assert queue.claim_next(agent_a, now=evening + 13 * HOUR) is not None  # 09:30 next day


def test_a_customer_in_quiet_hours_waits_until_they_end(store_a, rule_a, agent_a):
    resting = make_customer(store_a, name="赵静", quiet_hours_start=dt.time(9),
                            quiet_hours_end=dt.time(11))  # fmt: skip
    (waiting,) = make_tasks(rule_a, [resting], due_at=NOW - HOUR)
    (callable_now,) = make_tasks(rule_a, [make_customer(store_a)], due_at=NOW)

    assert claim_all(agent_a) == [callable_now.pk]
    assert claim_all(agent_a, now=NOW.replace(hour=11)) == [waiting.pk]


def test_quiet_hours_may_wrap_past_midnight(store_a, rule_a, agent_a):
    night_shift = make_customer(store_a, quiet_hours_start=dt.time(22),
                                quiet_hours_end=dt.time(10, 30))  # fmt: skip
    (task,) = make_tasks(rule_a, [night_shift], due_at=NOW)

    assert queue.claim_next(agent_a, now=NOW) is None  # 10:00
    assert queue.claim_next(agent_a, now=NOW.replace(minute=30)).pk == task.pk


def test_a_customer_whose_quiet_hours_cover_all_calling_hours_gets_the_sms(
    store_a, rule_a, agent_a
):
    never = make_customer(store_a, name="赵静", quiet_hours_start=dt.time(8),
                          quiet_hours_end=dt.time(21))  # fmt: skip
    neither = make_customer(store_a, allow_sms=False, quiet_hours_start=dt.time(8),
                            quiet_hours_end=dt.time(21))  # fmt: skip
    (sms,) = make_tasks(rule_a, [never], due_at=NOW)
    (closed,) = make_tasks(rule_a, [neither], due_at=NOW)
    assert queue.claim_next(agent_a, now=NOW) is None

    # The sweep does this for every store.
    rerouted = services.reroute_uncallable(store_a, services.store_schedule(store_a), NOW)

    sms.refresh_from_db()
    closed.refresh_from_db()
    assert rerouted == 2
    assert (sms.channel, sms.status) == ("sms", "pending")
    assert (closed.status, closed.outcome) == ("cancelled", "no_consent")


# --- claims --------------------------------------------------------------------------------------


def test_a_claimed_task_goes_to_no_one_else(store_a, rule_a, agent_a, make_user, customer_a):
    colleague = make_user(store_a, "followup_agent")
    make_tasks(rule_a, [customer_a, customer_a], due_at=NOW)

    first = queue.claim_next(agent_a, now=NOW)
    second = queue.claim_next(colleague, now=NOW)

    assert first.pk != second.pk
    assert queue.claim_next(make_user(store_a, "followup_agent"), now=NOW) is None
    first.refresh_from_db()
    assert (first.status, first.claimed_by, first.claimed_at, first.claim_expires_at) == (
        "claimed", agent_a, NOW, NOW + dt.timedelta(minutes=15),
    )  # fmt: skip


def test_an_agent_holding_a_claim_gets_the_same_task_again(rule_a, agent_a, customer_a):
    make_tasks(rule_a, [customer_a, customer_a], due_at=NOW)
    first = queue.claim_next(agent_a, now=NOW)

    again = queue.claim_next(agent_a, now=NOW + dt.timedelta(minutes=10))

    assert again.pk == first.pk
    assert again.claim_expires_at == NOW + dt.timedelta(minutes=25)


def test_a_claim_lost_to_a_concurrent_agent_moves_on_to_the_next_task(
    store_a, rule_a, agent_a, make_user, customer_a, monkeypatch
):
    colleague = make_user(store_a, "followup_agent")
    first, second = make_tasks(rule_a, [customer_a, customer_a], due_at=NOW)
    stale_order = [first.pk, second.pk]

    class StaleQueue:
        """The queue as read just before another agent's claim of the first task commits."""

        def values_list(self, *args, **kwargs):
            return self

        def first(self):
            pk = stale_order.pop(0) if stale_order else None
            if pk == first.pk:  # no row locks: the concurrent claim lands before our UPDATE
                FollowUpTask.objects.filter(pk=pk).update(status="claimed", claimed_by=colleague)
            return pk

    monkeypatch.setattr(queue, "_claimable", lambda *args: StaleQueue())

    assert queue._claim_portable(agent_a, {NOW.time(): [store_a.pk]}, NOW, NOW + HOUR) == (
        second.pk
    )
    first.refresh_from_db()
    assert first.claimed_by == colleague


def test_an_expired_claim_returns_to_the_pool(store_a, rule_a, agent_a, make_user, customer_a):
    colleague = make_user(store_a, "followup_agent")
    (task,) = make_tasks(rule_a, [customer_a], due_at=NOW)
    queue.claim_next(agent_a, now=NOW)

    assert queue.claim_next(colleague, now=NOW + dt.timedelta(minutes=14)) is None
    taken = queue.claim_next(colleague, now=NOW + dt.timedelta(minutes=15))

    assert taken.pk == task.pk
    assert taken.claimed_by == colleague


def test_the_sweep_releases_expired_claims(rule_a, agent_a, customer_a, settings):
    settings.FOLLOWUP_CLAIM_TIMEOUT_MINUTES = 5
    (task,) = make_tasks(rule_a, [customer_a], due_at=NOW)
    queue.claim_next(agent_a, now=NOW)

    assert queue.release_expired_claims(now=NOW + dt.timedelta(minutes=4)) == 0
    assert queue.release_expired_claims(now=NOW + dt.timedelta(minutes=5)) == 1

    task.refresh_from_db()
    assert (task.status, task.claimed_by, task.claim_expires_at) == ("pending", None, None)


def test_an_agent_can_hand_a_claimed_task_back(rule_a, agent_a, customer_a, make_user, store_a):
    make_tasks(rule_a, [customer_a], due_at=NOW)
    task = queue.claim_next(agent_a, now=NOW)

    with pytest.raises(ApplicationError):
        queue.release(task=task, agent=make_user(store_a, "followup_agent"))
    queue.release(task=task, agent=agent_a)

    task.refresh_from_db()
    assert (task.status, task.claimed_by) == ("pending", None)


# --- attempts ------------------------------------------------------------------------------------


def test_reached_closes_the_task_as_done(rule_a, agent_a, customer_a):
    make_tasks(rule_a, [customer_a], due_at=NOW)
    task = queue.claim_next(agent_a, now=NOW)

    attempt = queue.record_attempt(
        task=task, agent=agent_a, outcome="reached", notes="客户很满意", now=NOW
    )

    task.refresh_from_db()
    assert (attempt.outcome, attempt.at, attempt.notes, attempt.forbidden_phrases) == (
        "reached", NOW, "客户很满意", [],
    )  # fmt: skip
    assert (task.status, task.outcome, task.closed_at, task.closed_by, task.attempts_count) == (
        "done", "reached", NOW, agent_a, 1,
    )  # fmt: skip
    assert task.claimed_by is None


def test_three_unanswered_calls_close_the_task_as_unreachable(rule_a, agent_a, customer_a):
    make_tasks(rule_a, [customer_a], due_at=NOW + 8 * HOUR)
    now = NOW
    outcomes = []
    for outcome in ("no_answer", "busy", "no_answer"):
        task = queue.claim_next(agent_a, now=now)
        queue.record_attempt(task=task, agent=agent_a, outcome=outcome, now=now)
        task.refresh_from_db()
        outcomes.append((task.status, task.window_start))
        now = task.window_start

    assert outcomes == [
        ("pending", NOW + HOUR),  # tried again after FOLLOWUP_RETRY_MINUTES
        ("pending", NOW + 2 * HOUR),
        ("unreachable", NOW + 2 * HOUR),
    ]
    assert (task.outcome, task.attempts_count) == ("max_attempts", 3)


def test_the_rules_max_attempts_decides_when_a_task_is_unreachable(rule_a, agent_a, customer_a):
    rule_a.max_attempts = 1
    rule_a.save()
    (task,) = make_tasks(rule_a, [customer_a], due_at=NOW)

    queue.record_attempt(task=task, agent=agent_a, outcome="busy", now=NOW)

    task.refresh_from_db()
    assert (task.status, task.outcome) == ("unreachable", "max_attempts")


def test_a_retry_after_the_end_of_calling_hours_comes_the_next_morning(rule_a, agent_a, customer_a):
    (task,) = make_tasks(rule_a, [customer_a], due_at=NOW)

    queue.record_attempt(task=task, agent=agent_a, outcome="no_answer", now=NOW.replace(hour=19))

    task.refresh_from_db()
    assert task.window_start == NOW.replace(hour=9) + 24 * HOUR


def test_call_back_reopens_the_task_for_the_same_agent_at_that_time(rule_a, agent_a, customer_a):
    (task,) = make_tasks(rule_a, [customer_a], due_at=NOW + 2 * HOUR)
    tomorrow_3pm = NOW.replace(hour=15) + 24 * HOUR

    queue.record_attempt(
        task=task, agent=agent_a, outcome="call_back", call_back_at=tomorrow_3pm, now=NOW
    )

    task.refresh_from_db()
    assert (task.status, task.owner, task.window_start, task.due_at) == (
        "pending", agent_a, tomorrow_3pm, NOW.replace(hour=20) + 24 * HOUR,
    )  # fmt: skip
    assert queue.claim_next(agent_a, now=tomorrow_3pm).pk == task.pk


def test_call_back_needs_a_time_in_the_future(rule_a, agent_a, customer_a):
    (task,) = make_tasks(rule_a, [customer_a], due_at=NOW)

    with pytest.raises(ApplicationError) as error:
        queue.record_attempt(
            task=task, agent=agent_a, outcome="call_back", call_back_at=NOW - HOUR, now=NOW
        )

    assert str(error.value) == "Give a call-back time in the future."
    assert not FollowUpAttempt.objects.exists()


def test_a_wrong_number_closes_the_task_as_unreachable_and_refused_as_done(
    rule_a, agent_a, customer_a
):
    wrong, refused = make_tasks(rule_a, [customer_a, customer_a], due_at=NOW)

    queue.record_attempt(task=wrong, agent=agent_a, outcome="wrong_number", now=NOW)
    queue.record_attempt(task=refused, agent=agent_a, outcome="refused", now=NOW)

    assert sorted(FollowUpTask.objects.values_list("status", "outcome")) == [
        ("done", "refused"), ("unreachable", "wrong_number"),
    ]  # fmt: skip


def test_forbidden_phrases_in_notes_are_stored_for_the_supervisor(rule_a, agent_a, customer_a):
    (task,) = make_tasks(rule_a, [customer_a], due_at=NOW)

    attempt = queue.record_attempt(
        task=task, agent=agent_a, outcome="reached",
        notes="客户说刹车异响，我问：不可能吧？您确定吗，真的吗", now=NOW,
    )  # fmt: skip

    attempt.refresh_from_db()
    assert attempt.forbidden_phrases == ["真的吗", "不可能", "你确定吗"]


def test_attempts_on_closed_sms_or_others_tasks_are_refused(
    store_a, rule_a, agent_a, make_user, customer_a
):
    colleague = make_user(store_a, "followup_agent")
    closed, sms, theirs, claimed = make_tasks(rule_a, [customer_a] * 4, due_at=NOW)
    FollowUpTask.objects.filter(pk=closed.pk).update(status="done")
    FollowUpTask.objects.filter(pk=sms.pk).update(channel="sms")
    FollowUpTask.objects.filter(pk=theirs.pk).update(owner=colleague)
    FollowUpTask.objects.filter(pk=claimed.pk).update(
        status="claimed", claimed_by=colleague, claim_expires_at=NOW + HOUR
    )

    messages = []
    for task in (closed, sms, theirs, claimed):
        with pytest.raises(ApplicationError) as error:
            queue.record_attempt(task=task, agent=agent_a, outcome="reached", now=NOW)
        messages.append(str(error.value))

    assert messages == [
        "This follow-up is already closed.",
        "This follow-up is sent by SMS, not called.",
        "This follow-up is assigned to another agent.",
        "Another agent is working on this follow-up.",
    ]


# --- capabilities and stores ---------------------------------------------------------------------


def test_only_users_who_work_follow_ups_may_claim_or_call(store_a, rule_a, advisor_a, customer_a):
    (task,) = make_tasks(rule_a, [customer_a], due_at=NOW)

    with pytest.raises(PermissionDenied):
        queue.claim_next(advisor_a, now=NOW)
    with pytest.raises(PermissionDenied):
        queue.record_attempt(task=task, agent=advisor_a, outcome="reached", now=NOW)


def test_an_agent_never_gets_or_calls_another_stores_tasks(store_a, store_b, rule_a, agent_b,
                                                           customer_a):  # fmt: skip
    (task,) = make_tasks(rule_a, [customer_a], due_at=NOW)

    assert queue.claim_next(agent_b, now=NOW) is None
    with pytest.raises(PermissionDenied):
        queue.claim_next(agent_b, store_ids=[store_a.pk], now=NOW)
    with pytest.raises(PermissionDenied):
        queue.record_attempt(task=task, agent=agent_b, outcome="reached", now=NOW)


def test_an_agent_in_two_stores_may_limit_next_to_one(store_a, store_b, rule_a, make_user):
    from dealercare.accounts.models import StoreMembership

    agent = make_user(store_a, "followup_agent")
    StoreMembership.objects.create(user=agent, store=store_b, role="followup_agent")
    rule_b = rule_of(store_b, "delivery_first_followup")
    (task_a,) = make_tasks(rule_a, [make_customer(store_a)], due_at=NOW)
    (task_b,) = make_tasks(rule_b, [make_customer(store_b)], due_at=NOW - HOUR)

    assert queue.claim_next(agent, store_ids=[store_a.pk], now=NOW).pk == task_a.pk
    queue.record_attempt(task=task_a, agent=agent, outcome="reached", now=NOW)
    assert queue.claim_next(agent, now=NOW).pk == task_b.pk


# --- supervisors ---------------------------------------------------------------------------------


def test_a_supervisor_assigns_and_reassigns_ending_any_claim(
    store_a, rule_a, agent_a, supervisor_a, make_user, customer_a
):
    colleague = make_user(store_a, "followup_agent")
    make_tasks(rule_a, [customer_a], due_at=NOW)
    task = queue.claim_next(agent_a, now=NOW)

    queue.assign(task=task, agent=colleague, by=supervisor_a)

    task.refresh_from_db()
    assert (task.owner, task.status, task.claimed_by) == (colleague, "pending", None)
    assert queue.claim_next(agent_a, now=NOW) is None
    assert queue.claim_next(colleague, now=NOW).pk == task.pk
    event = AuditEvent.objects.get(target_type="followups.followuptask")
    assert (event.actor, event.changes) == (supervisor_a, {"owner": [None, str(colleague)]})

    queue.assign(task=task, agent=None, by=supervisor_a)
    task.refresh_from_db()
    assert (task.owner, task.status) == (None, "pending")


def test_assigning_needs_a_supervisor_and_an_agent_of_the_store(
    store_a, rule_a, agent_a, supervisor_a, advisor_a, agent_b, customer_a
):
    (task,) = make_tasks(rule_a, [customer_a], due_at=NOW)

    with pytest.raises(PermissionDenied):
        queue.assign(task=task, agent=agent_a, by=agent_a)
    for not_an_agent in (advisor_a, agent_b):
        with pytest.raises(ApplicationError) as error:
            queue.assign(task=task, agent=not_an_agent, by=supervisor_a)
        assert str(error.value) == f"{not_an_agent} cannot work follow-ups in this store."


def test_a_supervisor_may_record_an_attempt_on_an_agents_task(
    rule_a, agent_a, supervisor_a, customer_a
):
    (task,) = make_tasks(rule_a, [customer_a], due_at=NOW, owner=agent_a)

    queue.record_attempt(task=task, agent=supervisor_a, outcome="reached", now=NOW)

    task.refresh_from_db()
    assert (task.status, task.closed_by) == ("done", supervisor_a)


def test_a_retry_waits_for_the_end_of_the_customers_quiet_hours(store_a, rule_a, agent_a):
    lunch_nap = make_customer(store_a, quiet_hours_start=dt.time(11),
                              quiet_hours_end=dt.time(14))  # fmt: skip
    (task,) = make_tasks(rule_a, [lunch_nap], due_at=NOW + 8 * HOUR)

    queue.record_attempt(
        task=task, agent=agent_a, outcome="no_answer", now=NOW.replace(hour=10, minute=30)
    )

    task.refresh_from_db()
    assert task.window_start == NOW.replace(hour=14)


# --- a customer who refuses calls gets the SMS variant ---------------------------------------


def test_refusing_calls_withdraws_phone_consent_and_sends_the_sms_variant(
    store_a, agent_a, customer_a
):
    from dealercare.customers.models import ConsentRecord
    from dealercare.followups import messaging

    customer_a.mobile = "13812345678"
    customer_a.save()
    first, later = (
        rule_of(store_a, "delivery_first_followup"),
        rule_of(store_a, "delivery_seven_day_care_call"),
    )
    make_tasks(first, [customer_a], due_at=NOW)
    make_tasks(later, [customer_a], due_at=NOW + 5 * 24 * HOUR, window_start=NOW + 4 * 24 * HOUR)
    task = queue.claim_next(agent_a, now=NOW)

    attempt = queue.record_attempt(
        task=task, agent=agent_a, outcome="refused", stop_calls=True, now=NOW
    )

    customer_a.refresh_from_db()
    assert attempt.outcome == "refused" and not customer_a.allow_phone
    consent = ConsentRecord.objects.get(customer=customer_a, channel="phone")
    assert (consent.granted, consent.method, consent.recorded_by) == (False, "verbal_call", agent_a)
    assert AuditEvent.objects.filter(action="consent", target_id=str(customer_a.pk)).exists()
    tasks = FollowUpTask.objects.filter(customer=customer_a).order_by("due_at")
    assert [(t.channel, t.status, t.claimed_by) for t in tasks] == [("sms", "pending", None)] * 2
    assert tasks[0].window_start == NOW  # this follow-up's SMS goes out at the next run
    assert queue.claim_next(agent_a, now=NOW) is None  # no more calls

    run = messaging.send_due_sms(now=NOW + HOUR)

    assert run.sent == 1
    assert FollowUpTask.objects.get(pk=task.pk).status == "sms_sent"


def test_refusing_calls_without_sms_consent_cancels_the_other_calls(store_a, agent_a, customer_a):
    customer_a.allow_sms = False
    customer_a.save()
    first, later = (
        rule_of(store_a, "delivery_first_followup"),
        rule_of(store_a, "delivery_seven_day_care_call"),
    )
    make_tasks(first, [customer_a], due_at=NOW)
    make_tasks(later, [customer_a], due_at=NOW + 5 * 24 * HOUR, window_start=NOW + 4 * 24 * HOUR)
    task = queue.claim_next(agent_a, now=NOW)

    queue.record_attempt(task=task, agent=agent_a, outcome="refused", stop_calls=True, now=NOW)

    task.refresh_from_db()
    other = FollowUpTask.objects.exclude(pk=task.pk).get(customer=customer_a)
    assert (task.status, task.outcome, task.channel) == ("done", "refused", "phone")
    assert (other.status, other.outcome, other.closed_at) == ("cancelled", "no_consent", NOW)


def test_only_a_refused_call_takes_the_customer_off_calls(rule_a, agent_a, customer_a):
    make_tasks(rule_a, [customer_a], due_at=NOW)
    task = queue.claim_next(agent_a, now=NOW)

    with pytest.raises(ApplicationError) as raised:
        queue.record_attempt(task=task, agent=agent_a, outcome="reached", stop_calls=True, now=NOW)

    assert raised.value.extra == {"field": "stop_calls"}
    customer_a.refresh_from_db()
    assert customer_a.allow_phone and not FollowUpAttempt.objects.exists()
