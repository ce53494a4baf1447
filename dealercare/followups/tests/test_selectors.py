"""Reads of rules, tasks and attempts: scoped to the user's stores, for agents and supervisors."""

import datetime as dt
from collections import Counter

import pytest
from django.http import Http404

from dealercare.followups import queue, selectors

from .support import NOW, make_customer, make_tasks, rule_of

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def queues(store_a, store_b, agent_a, agent_b):
    """Store A: one overdue, one due now, one later, one claimed by agent_a, one SMS; store B: one."""
    rule_a = rule_of(store_a, "delivery_first_followup")
    customer = make_customer(store_a)
    tasks = {
        "overdue": make_tasks(rule_a, [customer], due_at=NOW - HOUR)[0],
        "due": make_tasks(rule_a, [customer], due_at=NOW + HOUR)[0],
        "later": make_tasks(
            rule_a, [customer], due_at=NOW + 30 * HOUR, window_start=NOW + 20 * HOUR
        )[0],  # fmt: skip
        "mine": make_tasks(rule_a, [customer], due_at=NOW + 2 * HOUR, owner=agent_a)[0],
        "sms": make_tasks(rule_a, [customer], due_at=NOW + HOUR, channel="sms")[0],
    }
    rule_b = rule_of(store_b, "delivery_first_followup")
    tasks["b"] = make_tasks(rule_b, [make_customer(store_b)], due_at=NOW)[0]
    return tasks


def test_tasks_and_rules_are_scoped_to_the_users_stores(queues, agent_a, agent_b, advisor_a):
    assert set(selectors.tasks_for_user(agent_a)) == {
        queues[name] for name in ("overdue", "due", "later", "mine", "sms")
    }
    assert list(selectors.tasks_for_user(agent_b)) == [queues["b"]]
    assert list(selectors.tasks_for_user(advisor_a)) == []
    assert {rule.store_id for rule in selectors.rules_for_user(agent_a)} == {queues["due"].store_id}


def test_a_task_of_another_store_is_not_found(queues, agent_a, agent_b):
    assert selectors.task_get(agent_a, queues["due"].pk) == queues["due"]
    with pytest.raises(Http404):
        selectors.task_get(agent_b, queues["due"].pk)
    with pytest.raises(Http404):
        selectors.task_get(agent_a, "not-a-number")


def test_an_agent_sees_the_open_tasks_they_own_or_hold(queues, agent_a, django_assert_num_queries):
    claimed = queue.claim_next(agent_a, now=NOW)  # the overdue one

    with django_assert_num_queries(1):
        tasks = list(selectors.agent_open_tasks(agent_a))

    assert tasks == [claimed, queues["mine"]]


def test_the_supervisor_sees_the_queue_by_state(queues, supervisor_a, agent_a):
    queue.claim_next(agent_a, now=NOW)

    assert selectors.queue_summary(supervisor_a, now=NOW) == {
        "due_now": 2, "overdue": 1, "later": 1, "in_progress": 1, "sms_waiting": 1,
    }  # fmt: skip


def test_agents_see_no_summary_of_the_queue(queues, agent_a):
    assert selectors.queue_summary(agent_a, now=NOW) == {
        "due_now": 0, "overdue": 0, "later": 0, "in_progress": 0, "sms_waiting": 0,
    }  # fmt: skip


def test_the_supervisor_sees_each_agents_load(queues, supervisor_a, agent_a, make_user, store_a):
    colleague = make_user(store_a, "followup_agent")
    queue.claim_next(colleague, now=NOW)

    assert selectors.agent_load(supervisor_a, now=NOW) == [
        {"agent": agent_a.pk, "assigned": 1, "overdue": 0, "in_progress": 0},
        {"agent": colleague.pk, "assigned": 0, "overdue": 0, "in_progress": 1},
        {"agent": None, "assigned": 4, "overdue": 1, "in_progress": 0},
    ]


def test_forbidden_phrases_are_counted_per_agent_for_the_supervisor(
    queues, supervisor_a, agent_a, agent_b, make_user, store_a
):
    colleague = make_user(store_a, "followup_agent")
    notes = {
        queues["overdue"]: "真的吗？",
        queues["due"]: "你确定吗 不可能",
        queues["mine"]: "好的",
    }
    for task, text in notes.items():
        queue.record_attempt(task=task, agent=agent_a, outcome="reached", notes=text, now=NOW)
    queue.record_attempt(task=queues["later"], agent=colleague, outcome="busy", notes="真的吗",
                         now=NOW)  # fmt: skip
    queue.record_attempt(task=queues["b"], agent=agent_b, outcome="busy", notes="真的吗", now=NOW)

    assert selectors.forbidden_phrase_counts(supervisor_a) == {
        agent_a.pk: Counter({"真的吗": 1, "你确定吗": 1, "不可能": 1}),
        colleague.pk: Counter({"真的吗": 1}),
    }
    assert selectors.forbidden_phrase_counts(supervisor_a, since=NOW + HOUR) == {}
    assert selectors.forbidden_phrase_counts(supervisor_a, until=NOW + HOUR) != {}
    assert selectors.forbidden_phrase_counts(agent_a) == {}


def test_the_attempts_of_a_task_newest_first(queues, agent_a):
    task = queues["due"]
    queue.record_attempt(task=task, agent=agent_a, outcome="busy", now=NOW)
    queue.record_attempt(task=task, agent=agent_a, outcome="reached", now=NOW + 2 * HOUR)

    assert [a.outcome for a in selectors.task_attempts(task)] == ["reached", "busy"]
