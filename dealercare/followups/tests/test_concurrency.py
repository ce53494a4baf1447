"""On PostgreSQL, with real concurrent connections: 50 agents claiming at once claim every task
exactly once, and sweeps running at the same time create every task exactly once."""

import threading

import pytest
from django.db import connection

from dealercare.followups import queue, services
from dealercare.followups.models import FollowUpAttempt, FollowUpTask

from .support import NOW, at, make_customer, make_delivery, make_tasks, rule_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED)")


def run_in_threads(count, work):
    """Run work(i) in `count` threads that start together; the exceptions they raised."""
    barrier = threading.Barrier(count)
    errors = []

    def run(i):
        try:
            barrier.wait()
            work(i)
        except Exception as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_fifty_agents_claiming_at_once_claim_every_task_exactly_once(store_a, make_user):
    rule = rule_of(store_a, "delivery_first_followup")
    customers = [make_customer(store_a, number=f"C{i:03d}") for i in range(20)]
    make_tasks(rule, customers * 25, due_at=NOW)
    agents = [make_user(store_a, "followup_agent") for _ in range(50)]
    claimed = [[] for _ in agents]

    def work(i):
        while (task := queue.claim_next(agents[i], now=NOW)) is not None:
            claimed[i].append(task.pk)
            queue.record_attempt(task=task, agent=agents[i], outcome="reached", now=NOW)

    errors = run_in_threads(len(agents), work)

    every_claim = [pk for pks in claimed for pk in pks]
    assert errors == []
    assert len(every_claim) == len(set(every_claim)) == 500
    assert sum(1 for pks in claimed if pks) > 1  # the work was shared
    assert FollowUpTask.objects.filter(status="done").count() == 500
    assert FollowUpAttempt.objects.count() == 500
    by_claim = {pk: agents[i].pk for i, pks in enumerate(claimed) for pk in pks}
    assert dict(FollowUpAttempt.objects.values_list("task_id", "agent_id")) == by_claim


def test_sweeps_running_at_the_same_time_create_every_task_once(store_a, store_b):
    deliveries = [
        make_delivery(make_customer(store, number=f"D{i:03d}"), at("2026-03-02 19:30"))
        for i, store in enumerate([store_a, store_b] * 20)
    ]

    errors = run_in_threads(4, lambda i: services.sweep(now=at("2026-03-03 08:00"), chunk_size=7))

    assert errors == []
    keys = list(FollowUpTask.objects.values_list("rule__code", "event_id"))
    assert len(keys) == len(set(keys)) == len(deliveries) * 4


def _prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans FROM pg_prepared_statements")
        return cursor.fetchall()


def test_the_claim_is_planned_once_per_connection_and_commits_as_a_lease(store_a, make_user):
    rule = rule_of(store_a, "delivery_first_followup")
    make_tasks(rule, [make_customer(store_a, number=f"P{i}") for i in range(3)], due_at=NOW)
    agent = make_user(store_a, "followup_agent")

    for _ in range(3):
        task = queue.claim_next(agent, now=NOW)
        FollowUpTask.objects.filter(pk=task.pk).update(status="done")

    statements = _prepared_statements()
    claim = [plans for sql, plans in statements if "FOR UPDATE OF t SKIP LOCKED" in sql]
    lease = [sql for sql, _ in statements if "synchronous_commit" in sql]
    assert claim == [3]  # prepared once, its one generic plan used by all three claims
    assert len(lease) == 1  # autocommit: the claim's own transaction commits asynchronously
    # Only the claim's statements: Django's own queries stay unprepared (connection poolers).
    assert len(statements) == 2 and connection.connection.prepare_threshold is None
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)  # the lease did not outlive its transaction


def test_inside_a_transaction_the_claim_is_not_made_asynchronous(store_a, make_user):
    from django.db import transaction

    rule = rule_of(store_a, "delivery_first_followup")
    make_tasks(rule, [make_customer(store_a, number="T1")], due_at=NOW)
    agent = make_user(store_a, "followup_agent")

    with transaction.atomic(), connection.cursor() as cursor:
        assert queue.claim_next(agent, now=NOW) is not None
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)  # the caller's commit stays durable
    assert not [sql for sql, _ in _prepared_statements() if "synchronous_commit" in sql]


def test_the_claim_can_run_unprepared_behind_a_pooler(store_a, make_user, settings):
    settings.FOLLOWUP_CLAIM_PREPARED = False
    rule = rule_of(store_a, "delivery_first_followup")
    make_tasks(rule, [make_customer(store_a, number="U1")], due_at=NOW)
    agent = make_user(store_a, "followup_agent")

    assert queue.claim_next(agent, now=NOW).status == "claimed"
    assert _prepared_statements() == []
