"""The supervisor's queue: filters, assigning and cancelling, each agent's load, forbidden
phrases with their notes, and masked numbers; and the CS manager's rule editor."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dealercare.core.models import AuditEvent
from dealercare.followups.choices import EventType, TaskStatus
from dealercare.followups.models import FollowUpAttempt, FollowUpRule, FollowUpTask

from .support import make_customer, rule_of

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
_ids = iter(range(500_000, 10**9))


def task(store, customer, *, due_in_days=1.0, rule_code="delivery_first_followup", **fields):
    rule = rule_of(store, rule_code)
    now = timezone.now()
    return FollowUpTask.objects.create(
        store=store, rule=rule, customer=customer, event_type=EventType.DELIVERY,
        event_id=next(_ids), event_at=now - 3 * DAY, kind=rule.kind,
        channel=fields.pop("channel", "phone"), window_start=now - 2 * DAY,
        due_at=now + due_in_days * DAY, **fields,
    )  # fmt: skip


@pytest.fixture
def customer(store_a):
    return make_customer(store_a, name="李娜", mobile="13812345678", number="S000001")


# --- the queue ------------------------------------------------------------------------------


def test_a_supervisor_sees_open_tasks_of_their_store_only_with_filters(
    client, store_a, store_b, supervisor_a, agent_a, customer
):
    overdue = task(store_a, customer, due_in_days=-1)
    later = task(store_a, customer, due_in_days=2, rule_code="delivery_seven_day_care_call",
                 owner=agent_a)  # fmt: skip
    task(store_a, customer, due_in_days=-3, status=TaskStatus.DONE)
    other = task(store_b, make_customer(store_b, name="乙店客户", number="B1"), due_in_days=-1)
    client.force_login(supervisor_a)

    rows = client.get(reverse("followups:supervision")).context["page"].object_list
    assert [t.pk for t in rows] == [overdue.pk, later.pk]  # open ones, earliest due first

    def listed(**params):
        response = client.get(reverse("followups:supervision"), params)
        return [t.pk for t in response.context["page"].object_list]

    assert listed(overdue="on") == [overdue.pk]
    assert listed(kind="delivery_seven_day_care_call") == [later.pk]
    assert listed(agent=agent_a.pk) == [later.pk]
    assert listed(agent="pool") == [overdue.pk]
    assert len(listed(status="all")) == 3
    assert listed(status="done") != [] and other.pk not in listed(status="all")
    today = timezone.localdate()
    assert listed(due_from=(today + DAY).isoformat()) == [later.pk]
    assert listed(due_to=(today - DAY).isoformat()) == [overdue.pk]


def test_a_date_range_upside_down_says_why(client, supervisor_a):
    client.force_login(supervisor_a)
    response = client.get(
        reverse("followups:supervision"), {"due_from": "2026-03-10", "due_to": "2026-03-01"}
    )
    assert "The end date is before the start date." in response.content.decode()


def test_the_queue_shows_each_agents_load_the_summary_and_full_numbers_to_a_supervisor(
    client, store_a, supervisor_a, agent_a, customer
):
    task(store_a, customer, due_in_days=-1, owner=agent_a)
    task(store_a, customer, due_in_days=1)
    client.force_login(supervisor_a)
    response = client.get(reverse("followups:supervision"))
    body = response.content.decode()
    load = {row["agent"]: row for row in response.context["load"]}
    assert load[agent_a.pk]["assigned"] == 1 and load[agent_a.pk]["overdue"] == 1
    assert load[None]["assigned"] == 1
    assert response.context["summary"]["overdue"] == 1
    assert "13812345678" in body  # a CS supervisor may reveal numbers


def test_numbers_are_masked_for_a_supervisor_without_reveal(
    client, store_a, supervisor_a, customer, monkeypatch
):
    from dealercare.accounts import access

    task(store_a, customer)
    client.force_login(supervisor_a)
    original = access.Access.has

    def has(self, capability, store):
        return capability != "reveal_phone" and original(self, capability, store)

    monkeypatch.setattr(access.Access, "has", has)
    body = client.get(reverse("followups:supervision")).content.decode()
    assert "138****5678" in body and "13812345678" not in body


def test_an_agent_may_not_open_the_supervision_pages(client, agent_a):
    client.force_login(agent_a)
    assert client.get(reverse("followups:supervision")).status_code == 403
    assert client.get(reverse("followups:supervision-phrases")).status_code == 403


def test_assigning_many_tasks_to_an_agent_and_back_to_the_pool(
    client, store_a, supervisor_a, agent_a, customer
):
    first, second = task(store_a, customer), task(store_a, customer, due_in_days=2)
    claimed = task(store_a, customer, status=TaskStatus.CLAIMED, claimed_by=supervisor_a,
                   claimed_at=timezone.now(), claim_expires_at=timezone.now() + DAY)  # fmt: skip
    client.force_login(supervisor_a)

    response = client.post(
        reverse("followups:supervision-assign"),
        {"task": [first.pk, second.pk, claimed.pk], "agent": agent_a.pk},
    )

    assert response.status_code == 302
    owners = dict(FollowUpTask.objects.values_list("pk", "owner_id"))
    assert owners == {first.pk: agent_a.pk, second.pk: agent_a.pk, claimed.pk: agent_a.pk}
    claimed.refresh_from_db()
    assert (claimed.status, claimed.claimed_by) == (TaskStatus.PENDING, None)  # taken back
    assert AuditEvent.objects.filter(target_type="followups.followuptask").count() == 3

    client.post(reverse("followups:supervision-assign"), {"task": [first.pk], "agent": "pool"})
    first.refresh_from_db()
    assert first.owner is None


def test_assigning_to_someone_who_is_no_agent_here_is_refused_per_task(
    client, store_a, store_b, supervisor_a, agent_b, customer
):
    open_task = task(store_a, customer)
    client.force_login(supervisor_a)
    response = client.post(
        reverse("followups:supervision-assign"),
        {"task": [open_task.pk], "agent": agent_b.pk},
        follow=True,
    )
    open_task.refresh_from_db()
    assert open_task.owner is None
    assert "cannot work follow-ups in this store" in response.content.decode()


def test_assigning_without_ticks_or_agent_says_why(client, store_a, supervisor_a, customer):
    client.force_login(supervisor_a)
    response = client.post(reverse("followups:supervision-assign"), {"agent": "pool"}, follow=True)
    assert "Tick the follow-ups to assign first." in response.content.decode()
    one = task(store_a, customer)
    response = client.post(reverse("followups:supervision-assign"), {"task": [one.pk]},
                           follow=True)  # fmt: skip
    assert "Choose the agent to give the follow-ups to." in response.content.decode()


def test_another_stores_task_cannot_be_assigned(client, store_b, supervisor_a, agent_a):
    b_task = task(store_b, make_customer(store_b, name="乙", number="B2"))
    client.force_login(supervisor_a)
    response = client.post(
        reverse("followups:supervision-assign"), {"task": [b_task.pk], "agent": agent_a.pk}
    )
    assert response.status_code == 404
    b_task.refresh_from_db()
    assert b_task.owner is None


def test_cancelling_a_task_needs_a_reason_and_is_audited(client, store_a, supervisor_a, customer):
    one = task(store_a, customer)
    client.force_login(supervisor_a)
    url = reverse("followups:supervision-cancel", args=[one.pk])

    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    one.refresh_from_db()
    assert one.status == TaskStatus.PENDING

    response = client.post(url, {"reason": "客户已移居外地"})
    assert response.status_code == 302
    one.refresh_from_db()
    assert (one.status, one.outcome, one.closed_by) == ("cancelled", "cancelled", supervisor_a)
    assert AuditEvent.objects.get(target_id=str(one.pk), reason="客户已移居外地")

    response = client.post(url, {"reason": "再次取消"})
    assert "This follow-up is already closed." in response.content.decode()


def test_another_stores_task_is_not_found_for_cancelling(client, store_b, supervisor_a):
    b_task = task(store_b, make_customer(store_b, name="乙", number="B3"))
    client.force_login(supervisor_a)
    url = reverse("followups:supervision-cancel", args=[b_task.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "试探"}).status_code == 404


def test_forbidden_phrases_are_counted_per_agent_and_shown_with_their_notes(
    client, store_a, supervisor_a, agent_a, customer
):
    one = task(store_a, customer, status=TaskStatus.DONE)
    now = timezone.now()
    FollowUpAttempt.objects.create(task=one, agent=agent_a, at=now, outcome="reached",
                                   notes="客户说异响，我说真的吗", forbidden_phrases=["真的吗"])  # fmt: skip
    FollowUpAttempt.objects.create(task=one, agent=agent_a, at=now, outcome="reached",
                                   notes="一切正常", forbidden_phrases=[])  # fmt: skip
    client.force_login(supervisor_a)

    phrases = client.get(reverse("followups:supervision")).context["phrases"]
    assert phrases == [{"agent": agent_a.pk, "name": agent_a.display_name or agent_a.username,
                        "total": 1, "phrases": [("真的吗", 1)]}]  # fmt: skip
    response = client.get(reverse("followups:supervision-phrases"), {"agent": agent_a.pk})
    notes = [a.notes for a in response.context["page"].object_list]
    assert notes == ["客户说异响，我说真的吗"]


# --- rules ----------------------------------------------------------------------------------


def rule_post(rule, **changes):
    data = {
        "name": rule.name, "kind": rule.kind,
        "opens": "hours" if rule.earliest_hours is not None else "day",
        "earliest_hours": rule.earliest_hours if rule.earliest_hours is not None else "",
        "earliest_day": rule.earliest_day if rule.earliest_day is not None else "",
        "due_day": rule.due_day if rule.due_day is not None else "",
        "channel": rule.channel, "script_template": rule.script_template,
        "max_attempts": rule.max_attempts, "is_active": "on", "example": "2026-03-06T19:30",
    }  # fmt: skip
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_manager_lists_and_edits_a_rule_with_an_audit_entry(client, store_a, manager_a):
    rule = rule_of(store_a, "delivery_first_followup")
    client.force_login(manager_a)
    listing = client.get(reverse("followups:rule-list"))
    assert listing.status_code == 200
    assert "A change applies to follow-ups created afterwards" in listing.content.decode()

    response = client.post(
        reverse("followups:rule-edit", args=[rule.pk]),
        rule_post(rule, due_day=4, max_attempts=5, customer_types=["vip", "general"]),
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.due_day, rule.max_attempts, rule.customer_types) == (4, 5, ["vip", "general"])
    event = AuditEvent.objects.get(target_type="followups.followuprule", target_id=str(rule.pk))
    assert event.changes["due_day"] == [3, 4]


def test_a_rule_due_before_it_opens_is_refused_with_the_field_named(client, store_a, manager_a):
    rule = rule_of(store_a, "delivery_first_followup")
    client.force_login(manager_a)
    response = client.post(
        reverse("followups:rule-edit", args=[rule.pk]), rule_post(rule, earliest_day=5, due_day=2)
    )
    assert response.status_code == 200
    assert "A task cannot be due before the day it opens." in response.content.decode()
    rule.refresh_from_db()
    assert (rule.earliest_day, rule.due_day) == (1, 3)


def test_unknown_placeholders_and_a_missing_opening_say_why(client, store_a, manager_a):
    rule = rule_of(store_a, "delivery_first_followup")
    client.force_login(manager_a)
    response = client.post(
        reverse("followups:rule-edit", args=[rule.pk]),
        rule_post(rule, earliest_day="", script_template="您好{nmae}"),
    )
    body = response.content.decode()
    assert "Give the day the window opens." in body
    assert "Unknown placeholders: nmae" in body
    assert FollowUpRule.objects.get(pk=rule.pk).script_template == rule.script_template


def test_the_preview_shows_the_window_for_the_example_without_saving(client, store_a, manager_a):
    rule = rule_of(store_a, "delivery_care_call")  # 2 hours after, by the end of that day
    client.force_login(manager_a)
    response = client.post(
        reverse("followups:rule-edit", args=[rule.pk]),
        rule_post(rule, earliest_hours=3, preview="1", example="2026-03-06T19:30"),
    )
    assert response.status_code == 200
    first = response.context["preview_rows"][0]
    # 19:30 + 3 h is after calling hours (20:00): it opens the next morning, due that evening.
    assert first["opens"].strftime("%Y-%m-%d %H:%M") == "2026-03-07 09:00"
    assert first["due"].strftime("%Y-%m-%d %H:%M") == "2026-03-07 20:00"
    rule.refresh_from_db()
    assert rule.earliest_hours == 2


def test_the_preview_warns_for_a_year_without_holidays(client, store_a, manager_a):
    rule = rule_of(store_a, "delivery_first_followup")
    client.force_login(manager_a)
    response = client.post(
        reverse("followups:rule-edit", args=[rule.pk]),
        rule_post(rule, preview="1", example="2095-03-06T10:00"),
    )
    assert "No public holidays are entered for 2095" in response.content.decode()


def test_a_supervisor_may_not_edit_rules_and_another_store_is_not_found(
    client, store_a, store_b, supervisor_a, manager_a
):
    rule = rule_of(store_a, "delivery_first_followup")
    client.force_login(supervisor_a)
    assert client.get(reverse("followups:rule-list")).status_code == 403
    assert client.get(reverse("followups:rule-edit", args=[rule.pk])).status_code == 404
    b_rule = rule_of(store_b, "delivery_first_followup")
    client.force_login(manager_a)
    assert client.post(reverse("followups:rule-edit", args=[b_rule.pk]),
                       rule_post(b_rule, due_day=9)).status_code == 404  # fmt: skip
    b_rule.refresh_from_db()
    assert b_rule.due_day == 3
