"""Follow-up statistics: the four rates as reports.py defines them, their breakdowns (one query
each), annexes 3, 4 and 5 as screens and audited, masked, formula-safe XLSX exports."""

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from dealercare.core.models import AuditEvent
from dealercare.followups import reports
from dealercare.followups.choices import EventType, TaskStatus
from dealercare.followups.models import FollowUpAttempt, FollowUpTask

from .support import SHANGHAI, make_customer, make_delivery, make_visit, rule_of

pytestmark = pytest.mark.django_db

_ids = iter(range(600_000, 10**9))


def at(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def task(store, customer, due, *, rule_code="delivery_first_followup", event_id=None, **fields):
    rule = rule_of(store, rule_code)
    return FollowUpTask.objects.create(
        store=store, rule=rule, customer=customer, kind=rule.kind,
        event_type=EventType.SERVICE_VISIT if rule_code == "service_followup"
        else EventType.DELIVERY,
        event_id=event_id or next(_ids), event_at=due - dt.timedelta(days=3),
        channel=fields.pop("channel", "phone"), window_start=due - dt.timedelta(days=2),
        due_at=due, **fields,
    )  # fmt: skip


def closed(store, customer, due, status, outcome, *, late=False, satisfaction="", by=None,
           **fields):  # fmt: skip
    when = due + dt.timedelta(hours=5) if late else due - dt.timedelta(hours=5)
    return task(store, customer, due, status=status, outcome=outcome, closed_at=when,
                closed_by=by, satisfaction=satisfaction, **fields)  # fmt: skip


MARCH = reports.Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


@pytest.fixture
def march(store_a, agent_a):
    """Ten tasks due in March 2026 in store A, one of each case, and two outside it."""
    c = make_customer(store_a, name="赵敏", mobile="13912345678", number="R1")
    due = at("2026-03-10 20:00")
    closed(store_a, c, due, "done", "reached", satisfaction="very_satisfied", by=agent_a)
    closed(store_a, c, due, "done", "reached", satisfaction="satisfied", by=agent_a)
    closed(store_a, c, due, "done", "reached", satisfaction="average", late=True, by=agent_a)
    closed(store_a, c, due, "done", "reached", by=agent_a)  # no satisfaction recorded
    closed(store_a, c, due, "done", "refused", by=agent_a)
    closed(store_a, c, due, "unreachable", "max_attempts", late=True, by=agent_a)
    closed(store_a, c, due, "sms_sent", "sms_sent", channel="sms")
    closed(store_a, c, due, "cancelled", "no_consent")  # owed, not done
    task(store_a, c, due)  # still open
    closed(store_a, c, due, "cancelled", "event_cancelled")  # never owed: left out
    task(store_a, c, at("2026-04-01 00:00"))  # due in April (local midnight)
    task(store_a, c, at("2026-02-28 20:00"))
    return c


def test_the_four_rates_follow_their_definitions(store_a, supervisor_a, march):
    total = reports.kpi_total(reports.due_tasks(supervisor_a, MARCH))

    assert total["due"] == 9
    assert total["followed_up"] == 7  # 5 done + 1 unreachable + 1 SMS
    assert total["followup_rate"] == pytest.approx(7 / 9)
    assert total["on_time"] == 5
    assert total["on_time_rate"] == pytest.approx(5 / 7)
    assert (total["reached"], total["called"]) == (5, 6)  # reached or refused / calls closed
    assert total["reach_rate"] == pytest.approx(5 / 6)
    assert (total["satisfied"], total["rated"]) == (2, 3)
    assert total["satisfied_rate"] == pytest.approx(2 / 3)
    assert (total["unreachable"], total["open"]) == (1, 1)


def test_a_rate_with_nothing_to_count_is_none_not_zero(supervisor_a):
    total = reports.kpi_total(reports.due_tasks(supervisor_a, MARCH))
    assert total["due"] == 0
    assert total["followup_rate"] is None and total["satisfied_rate"] is None


def test_breakdowns_take_one_query_each(
    store_a, supervisor_a, agent_a, march, django_assert_num_queries
):
    tasks = reports.due_tasks(supervisor_a, MARCH, tz=SHANGHAI)

    with django_assert_num_queries(1):
        reports.kpi_total(tasks)
    with django_assert_num_queries(2):  # the counts, then the agents' names
        by_agent = reports.kpi_breakdown(tasks, "agent", tz=SHANGHAI)
    with django_assert_num_queries(1):
        by_kind = reports.kpi_breakdown(tasks, "kind", tz=SHANGHAI)
    with django_assert_num_queries(1):
        by_week = reports.kpi_breakdown(tasks, "week", tz=SHANGHAI)
    with django_assert_num_queries(1):
        by_month = reports.kpi_breakdown(tasks, "month", tz=SHANGHAI)
    with django_assert_num_queries(2):
        by_store = reports.kpi_breakdown(tasks, "store", tz=SHANGHAI)

    agent_row = next(r for r in by_agent if r["key"] == agent_a.pk)
    assert (agent_row["followed_up"], agent_row["reached"]) == (6, 5)
    assert [r["due"] for r in by_kind] == [9]
    assert [r["label"] for r in by_week] == ["2026-03-09 (11)"]
    assert [(r["label"], r["due"]) for r in by_month] == [("2026-03", 9)]
    assert [(r["label"], r["followup_rate"]) for r in by_store] == [
        (f"{store_a.code} {store_a.name}", pytest.approx(7 / 9))
    ]


def test_a_supervisor_counts_only_their_stores(store_b, supervisor_a, march):
    b = make_customer(store_b, name="乙", number="RB")
    task(store_b, b, at("2026-03-10 20:00"))
    assert reports.kpi_total(reports.due_tasks(supervisor_a, MARCH))["due"] == 9


def test_the_programme_table_per_kind_and_week(store_a, supervisor_a, march):
    c = make_customer(store_a, name="钱", number="R2")
    closed(store_a, c, at("2026-03-20 20:00"), "done", "reached", rule_code="service_followup")
    rows = reports.programme_table(reports.due_tasks(supervisor_a, MARCH), by="week", tz=SHANGHAI)
    assert [(r["kind"], r["bucket_label"], r["due"]) for r in rows] == [
        ("delivery_first_followup", "2026-03-09", 9),
        ("service_followup", "2026-03-16", 1),
    ]


# --- screens ----------------------------------------------------------------------------------


def test_the_statistics_page_shows_the_rates_and_the_trend(client, supervisor_a, march):
    client.force_login(supervisor_a)
    response = client.get(
        reverse("followups:reports"),
        {"date_from": "2026-03-01", "date_to": "2026-03-31", "by": "agent"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "77.8%" in body  # 7 of 9 followed up
    assert "echarts.min.js" in body and 'id="trend-data"' in body
    assert len(response.context["chart"]["series"]) == 4


def test_a_period_upside_down_says_why_and_shows_the_default(client, supervisor_a):
    client.force_login(supervisor_a)
    response = client.get(
        reverse("followups:reports"), {"date_from": "2026-03-10", "date_to": "2026-03-01"}
    )
    assert "The end date is before the start date." in response.content.decode()
    period = response.context["period"]
    assert period.end == timezone.now().astimezone(SHANGHAI).date()
    assert (period.end - period.start).days == 29  # the last 30 days


def test_annex_3_lists_delivery_follow_ups_with_the_consultant_and_notes(
    client, store_a, supervisor_a, agent_a
):
    customer = make_customer(store_a, name="孙丽", mobile="13700001111", number="R3")
    delivery = make_delivery(customer, at("2026-03-05 10:00"), consultant_name="周销售",
                             order_no="SO-77")  # fmt: skip
    done = closed(store_a, customer, at("2026-03-08 20:00"), "done", "reached", by=agent_a,
                  satisfaction="satisfied", event_id=delivery.pk, vehicle=delivery.vehicle)  # fmt: skip
    FollowUpAttempt.objects.create(task=done, agent=agent_a, at=at("2026-03-07 10:00"),
                                   outcome="reached", notes="客户很满意")  # fmt: skip
    client.force_login(supervisor_a)

    response = client.get(reverse("followups:annex3"), {"date_from": "2026-03-01",
                                                        "date_to": "2026-03-31"})  # fmt: skip

    body = response.content.decode()
    assert [t.pk for t in response.context["tasks"]] == [done.pk]
    assert "周销售" in body and "SO-77" in body and "客户很满意" in body
    assert "13700001111" in body  # a CS supervisor may reveal numbers


def test_annex_4_lists_service_follow_ups_with_the_advisor(client, store_a, supervisor_a):
    customer = make_customer(store_a, name="吴刚", number="R4")
    visit = make_visit(customer, at("2026-03-05 16:00"), advisor_name="郑顾问")
    closed(store_a, customer, at("2026-03-08 20:00"), "done", "reached",
           rule_code="service_followup", event_id=visit.pk)  # fmt: skip
    client.force_login(supervisor_a)
    response = client.get(reverse("followups:annex4"), {"date_from": "2026-03-01",
                                                        "date_to": "2026-03-31"})  # fmt: skip
    assert "郑顾问" in response.content.decode()
    assert response.context["total"]["followed_up"] == 1


def test_annex_5_screen(client, supervisor_a, march):
    client.force_login(supervisor_a)
    response = client.get(reverse("followups:annex5"), {"date_from": "2026-03-01",
                                                        "date_to": "2026-03-31", "by": "month"})  # fmt: skip
    assert [r["bucket_label"] for r in response.context["rows"]] == ["2026-03"]


# --- exports ----------------------------------------------------------------------------------


def sheet_text(response):
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as xlsx:
        return "".join(xlsx.read(n).decode() for n in xlsx.namelist() if "sheet" in n)


def test_the_annex_3_export_is_audited_masked_and_formula_safe(
    client, store_a, manager_a, monkeypatch
):
    from dealercare.accounts import access

    customer = make_customer(store_a, name="=HYPERLINK(1)", mobile="13600002222", number="R5")
    delivery = make_delivery(customer, at("2026-03-05 10:00"), consultant_name="@坏人")
    closed(store_a, customer, at("2026-03-08 20:00"), "done", "reached", event_id=delivery.pk)
    original = access.Access.store_ids

    def store_ids(self, capability="view_customers"):  # this manager may not reveal numbers
        return [] if capability == "reveal_phone" else original(self, capability)

    monkeypatch.setattr(access.Access, "store_ids", store_ids)
    client.force_login(manager_a)

    response = client.get(reverse("followups:annex3-export"),
                          {"date_from": "2026-03-01", "date_to": "2026-03-31"})  # fmt: skip

    text = sheet_text(response)
    assert "136****2222" in text and "13600002222" not in text
    assert "'=HYPERLINK(1)" in text and "'@坏人" in text
    event = AuditEvent.objects.get(action="export", target_repr="annex 3")
    assert event.changes["rows"] == 1 and event.changes["unmasked_mobiles"] == 0
    assert event.changes["filters"]["date_from"] == "2026-03-01"


def test_the_annex_5_export_is_audited(client, manager_a, march):
    client.force_login(manager_a)
    response = client.get(reverse("followups:annex5-export"),
                          {"date_from": "2026-03-01", "date_to": "2026-03-31"})  # fmt: skip
    text = sheet_text(response)
    assert "77.8" in text
    assert AuditEvent.objects.filter(action="export", target_repr="annex 5").count() == 1


def test_exports_need_the_export_capability(client, supervisor_a):
    client.force_login(supervisor_a)
    assert client.get(reverse("followups:annex3-export")).status_code == 403
    assert client.get(reverse("followups:annex5-export")).status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_open_tasks_do_not_count_as_followed_up(store_a, supervisor_a):
    c = make_customer(store_a, name="冯", number="R6")
    task(store_a, c, at("2026-03-10 20:00"), status=TaskStatus.CLAIMED)
    total = reports.kpi_total(reports.due_tasks(supervisor_a, MARCH))
    assert (total["due"], total["followed_up"], total["open"]) == (1, 0, 1)
