"""The agent's pages: "My follow-ups", "Next call", the call console and its attempts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dealercare.followups import queue
from dealercare.followups.choices import TaskOutcome, TaskStatus
from dealercare.followups.models import FollowUpAttempt
from dealercare.followups.views import queue as views
from dealercare.testing.factories import CustomerFactory

from .factories import attempt, call_all_day, due_task

pytestmark = pytest.mark.django_db

MOBILE = "13812345678"


@pytest.fixture
def store(store_a):
    return call_all_day(store_a)


@pytest.fixture
def customer(store):
    return CustomerFactory(store=store, name="王伟", gender="male", mobile=MOBILE)


@pytest.fixture
def agent_client(client, agent_a):
    client.force_login(agent_a)
    return client


def console_url(task):
    return reverse("followups:console", args=[task.pk])


# --- my follow-ups and next ---------------------------------------------------------------


def test_my_queue_counts_what_is_due_and_overdue_and_lists_my_tasks(
    agent_client, store, customer, agent_a
):
    due_task(store, customer=customer)
    due_task(store, customer=customer, due_in_hours=-3)  # overdue, in the pool
    mine = due_task(store, customer=customer, owner=agent_a, due_in_hours=-1)
    due_task(store, customer=customer, opened_hours_ago=-5, due_in_hours=30)  # not open yet

    response = agent_client.get(reverse("followups:my-queue"))

    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts == {"mine": 1, "mine_overdue": 1, "due_now": 3, "overdue": 2}
    assert [t.pk for t in response.context["tasks"]] == [mine.pk]
    body = response.content.decode()
    assert 'data-testid="overdue-mark"' in body
    assert "138****5678" in body and MOBILE not in body
    assert 'accesskey="n"' in body and 'data-testid="next-call"' in body


def test_next_claims_the_most_urgent_task_and_opens_its_console(
    agent_client, store, customer, agent_a
):
    later = due_task(store, customer=customer, due_in_hours=5)
    urgent = due_task(store, customer=customer, due_in_hours=-2)

    response = agent_client.post(reverse("followups:next"))

    assert response.status_code == 302
    assert response.url == console_url(urgent)
    urgent.refresh_from_db()
    later.refresh_from_db()
    assert (urgent.status, urgent.claimed_by) == (TaskStatus.CLAIMED, agent_a)
    assert later.status == TaskStatus.PENDING


def test_next_with_nothing_due_says_so(agent_client, store, customer):
    due_task(store, customer=customer, opened_hours_ago=-2)  # opens in two hours

    response = agent_client.post(reverse("followups:next"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("followups:my-queue") + "?empty=1"
    assert 'data-testid="nothing-due"' in response.content.decode()
    assert "Nothing is due right now." in response.content.decode()


def test_next_is_only_for_agents_and_only_by_post(client, store, advisor_a, agent_a):
    client.force_login(advisor_a)
    assert client.post(reverse("followups:next")).status_code == 403
    assert client.get(reverse("followups:my-queue")).status_code == 403
    client.force_login(agent_a)
    assert client.get(reverse("followups:next")).status_code == 405


def test_release_gives_the_task_back_to_the_pool(agent_client, store, customer, agent_a):
    task = due_task(store, customer=customer)
    queue.claim_next(agent_a)

    response = agent_client.post(reverse("followups:release", args=[task.pk]))

    assert response.status_code == 302 and response.url == reverse("followups:my-queue")
    task.refresh_from_db()
    assert (task.status, task.claimed_by) == (TaskStatus.PENDING, None)


def test_releasing_a_task_one_does_not_hold_is_refused_with_a_message(
    agent_client, store, customer
):
    task = due_task(store, customer=customer)

    response = agent_client.post(reverse("followups:release", args=[task.pk]), follow=True)

    assert "You are not working on this follow-up." in response.content.decode()


# --- the console --------------------------------------------------------------------------


def test_the_console_shows_customer_vehicle_event_script_phrases_and_keys(
    agent_client, store, customer, agent_a
):
    task = due_task(store, customer=customer)
    queue.claim_next(agent_a)

    response = agent_client.get(console_url(task))

    assert response.status_code == 200
    body = response.content.decode()
    # The customer's mobile masked, with the audited reveal.
    assert "138****5678" in body and MOBILE not in body
    assert reverse("customers:reveal-phone", args=[customer.pk]) in body
    # The script with its placeholders filled: customer, title, store, agent, model.
    script = response.context["script"]
    assert "王伟先生" in script and store.name in script and "迈腾" in script
    assert str(agent_a) in script and "{" not in script
    # DOMAIN §3's standard phrases as guidance, the hotline filled in; the forbidden ones named.
    assert "打扰了，如果您有需要，请与我们联系" in body
    assert "{hotline}" not in body
    assert "你确定吗" in body
    # Every outcome has a number key and an access key; save is Ctrl+Enter.
    for key, outcome in views.OUTCOME_KEYS:
        assert f'data-key="{key}"' in body and f'accesskey="{key}"' in body
        assert f'value="{outcome.value}"' in body
    assert "Ctrl+Enter" in body
    assert 'data-testid="console-survey"' in body
    assert reverse("followups:handoff-create", args=[task.pk]) in body
    assert reverse("followups:release", args=[task.pk]) in body


def test_the_console_shows_the_customer_timeline_and_attempt_history(
    agent_client, store, customer, agent_a
):
    earlier = due_task(store, customer=customer, status=TaskStatus.DONE,
                       outcome=TaskOutcome.REACHED, closed_at=timezone.now())  # fmt: skip
    task = due_task(store, customer=customer)
    attempt(task, agent_a, "busy", notes="客户在开会")

    response = agent_client.get(console_url(task))

    body = response.content.decode()
    assert "客户在开会" in body
    assert [a.notes for a in response.context["attempts"]] == ["客户在开会"]
    kinds = [entry.kind for entry in response.context["timeline"]]
    assert kinds.count("followup") == 2
    assert console_url(earlier) in body


def test_the_complaint_link_is_prefilled_when_complaints_exist(store, customer, monkeypatch):
    task = due_task(store, customer=customer)
    monkeypatch.setattr(views, "reverse", lambda name, **kw: "/complaints/new/")

    url = views.complaint_url(task, notes="刹车异响")

    assert url.startswith("/complaints/new/?")
    for part in (f"customer={customer.pk}", "channel=followup", "origin_type=followup_task",
                 f"origin_id={task.pk}", f"vehicle={task.vehicle_id}"):  # fmt: skip
        assert part in url


def test_no_complaint_link_before_the_complaints_intake_exists(store, customer):
    from django.urls import NoReverseMatch

    task = due_task(store, customer=customer)
    try:
        reverse("complaints:create")
    except NoReverseMatch:
        assert views.complaint_url(task) == ""
    else:
        assert views.complaint_url(task).startswith(reverse("complaints:create"))


def test_another_stores_task_is_not_found(client, store, store_b, make_user):
    task = due_task(store)
    client.force_login(make_user(store_b, "followup_agent"))

    assert client.get(console_url(task)).status_code == 404
    assert client.post(reverse("followups:attempt", args=[task.pk]),
                       {"outcome": "reached"}).status_code == 404  # fmt: skip
    assert FollowUpAttempt.objects.count() == 0


# --- attempts -----------------------------------------------------------------------------


def test_no_answer_is_recorded_and_the_task_retries_later(agent_client, store, customer, agent_a):
    task = due_task(store, customer=customer)
    queue.claim_next(agent_a)

    response = agent_client.post(
        reverse("followups:attempt", args=[task.pk]), {"outcome": "no_answer", "notes": "无人接听"}
    )

    assert response.status_code == 302 and response.url == reverse("followups:my-queue")
    task.refresh_from_db()
    assert (task.status, task.attempts_count, task.claimed_by) == (TaskStatus.PENDING, 1, None)
    assert task.window_start > timezone.now()
    assert task.attempts.get().notes == "无人接听"


def test_reached_with_satisfaction_closes_the_task_with_what_the_customer_said(
    agent_client, store, customer, agent_a
):
    task = due_task(store, customer=customer)

    agent_client.post(
        reverse("followups:attempt", args=[task.pk]),
        {"outcome": "reached", "satisfaction": "very_satisfied", "notes": "很满意"},
    )

    task.refresh_from_db()
    assert (task.status, task.outcome, task.satisfaction) == (
        TaskStatus.DONE, TaskOutcome.REACHED, "very_satisfied",
    )  # fmt: skip
    assert task.closed_by == agent_a


def test_satisfaction_is_ignored_unless_the_customer_was_reached(agent_client, store, customer):
    task = due_task(store, customer=customer)

    agent_client.post(
        reverse("followups:attempt", args=[task.pk]),
        {"outcome": "busy", "satisfaction": "satisfied"},
    )

    task.refresh_from_db()
    assert task.satisfaction == "" and task.attempts_count == 1


def test_the_service_refuses_satisfaction_on_a_call_that_did_not_reach(store, customer, agent_a):
    from dealercare.core.errors import ApplicationError

    task = due_task(store, customer=customer)
    with pytest.raises(ApplicationError) as refused:
        queue.record_attempt(task=task, agent=agent_a, outcome="busy", satisfaction="satisfied")
    assert refused.value.message == queue.MSG_SATISFACTION_ONLY_REACHED
    with pytest.raises(ApplicationError) as unknown:
        queue.record_attempt(task=task, agent=agent_a, outcome="reached", satisfaction="great")
    assert unknown.value.message == queue.MSG_SATISFACTION_UNKNOWN
    assert task.attempts.count() == 0


def test_call_back_is_typed_on_the_store_clock_and_reschedules_for_the_agent(
    agent_client, store, customer, agent_a
):
    task = due_task(store, customer=customer)
    tomorrow = timezone.localtime(timezone.now(), store.tzinfo).date() + dt.timedelta(days=1)

    agent_client.post(
        reverse("followups:attempt", args=[task.pk]),
        {"outcome": "call_back", "call_back_at": f"{tomorrow:%Y-%m-%d}T15:30"},
    )

    task.refresh_from_db()
    local = timezone.localtime(task.window_start, store.tzinfo)
    assert (local.date(), local.hour, local.minute) == (tomorrow, 15, 30)
    assert task.owner == agent_a and task.status == TaskStatus.PENDING


def test_call_back_without_a_time_redisplays_the_console_with_the_reason(
    agent_client, store, customer
):
    task = due_task(store, customer=customer)

    response = agent_client.post(
        reverse("followups:attempt", args=[task.pk]), {"outcome": "call_back", "notes": "稍后"}
    )

    assert response.status_code == 200
    assert "Give the time the customer asked to be called back." in response.content.decode()
    assert "稍后" in response.content.decode()  # the notes typed are kept
    assert task.attempts.count() == 0


def test_a_closed_task_cannot_get_another_attempt(agent_client, store, customer):
    task = due_task(store, customer=customer, status=TaskStatus.DONE)

    response = agent_client.post(
        reverse("followups:attempt", args=[task.pk]), {"outcome": "reached"}
    )

    assert response.status_code == 200
    assert "This follow-up is already closed." in response.content.decode()


def test_save_and_next_goes_straight_to_the_next_call(agent_client, store, customer, agent_a):
    first = due_task(store, customer=customer, due_in_hours=1)
    second = due_task(store, customer=customer, due_in_hours=2)
    queue.claim_next(agent_a)

    response = agent_client.post(
        reverse("followups:attempt", args=[first.pk]), {"outcome": "reached", "then": "next"}
    )

    assert response.status_code == 302 and response.url == console_url(second)


# --- forbidden phrases --------------------------------------------------------------------


def test_the_live_check_warns_about_forbidden_phrases_as_the_agent_types(agent_client, store):
    response = agent_client.post(reverse("followups:phrase-check"), {"notes": "我说：真 的 吗？"})

    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="forbidden-warning"' in body and "真的吗" in body
    clean = agent_client.post(reverse("followups:phrase-check"), {"notes": "很抱歉，我在认真记录"})
    assert 'data-testid="forbidden-warning"' not in clean.content.decode()


def test_forbidden_phrases_in_notes_are_stored_on_the_attempt_and_flagged(
    agent_client, store, customer
):
    task = due_task(store, customer=customer)

    response = agent_client.post(
        reverse("followups:attempt", args=[task.pk]),
        {"outcome": "reached", "notes": "客户说刹车异响，我问您确定吗"},
        follow=True,
    )

    assert task.attempts.get().forbidden_phrases == ["你确定吗"]
    assert "phrases we never say to a customer" in response.content.decode()
    console = agent_client.get(console_url(task)).content.decode()
    assert 'data-testid="attempt-forbidden"' in console


def test_my_queue_reads_a_fixed_number_of_queries_however_many_tasks(
    agent_client, store, customer, agent_a, django_assert_max_num_queries
):
    for hours in range(1, 8):
        due_task(store, customer=customer, owner=agent_a, due_in_hours=hours)

    with django_assert_max_num_queries(12):
        response = agent_client.get(reverse("followups:my-queue"))

    assert len(response.context["tasks"]) == 7


def test_a_customer_who_refuses_calls_is_taken_off_calls_from_the_console(
    agent_client, store, customer, agent_a
):
    task = due_task(store, customer=customer)
    queue.claim_next(agent_a)
    page = agent_client.get(console_url(task)).content.decode()
    assert 'data-testid="stop-calls"' in page

    response = agent_client.post(
        reverse("followups:attempt", args=[task.pk]),
        {"outcome": "refused", "stop_calls": "on", "notes": "客户表示不要再打电话"},
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    task.refresh_from_db()
    assert not customer.allow_phone
    assert (task.channel, task.status) == ("sms", TaskStatus.PENDING)
    assert task.attempts.get().outcome == "refused"


def test_taking_a_customer_off_calls_needs_the_refused_outcome(
    agent_client, store, customer, agent_a
):
    task = due_task(store, customer=customer)
    queue.claim_next(agent_a)

    response = agent_client.post(
        reverse("followups:attempt", args=[task.pk]), {"outcome": "reached", "stop_calls": "on"}
    )

    assert response.status_code == 200
    assert 'data-testid="stop-calls-error"' in response.content.decode()
    customer.refresh_from_db()
    assert customer.allow_phone and not FollowUpAttempt.objects.exists()
