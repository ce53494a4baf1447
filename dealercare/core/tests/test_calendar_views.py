"""The working-day calendar pages: a year's holidays and make-up days, the warning for a year
nobody has entered, and adding and removing days per store or for the whole group."""

import datetime as dt

import pytest
from django.urls import reverse

from dealercare.core.calendars import working_calendar_for
from dealercare.core.models import AuditEvent, WorkingDayOverride

pytestmark = pytest.mark.django_db


def test_a_known_year_lists_the_national_holidays_and_make_up_days(client, manager_a):
    client.force_login(manager_a)
    response = client.get(reverse("calendar:list"), {"year": 2025})
    assert response.status_code == 200
    days = {row["day"]: row["working"] for row in response.context["days"]}
    assert days[dt.date(2025, 1, 1)] is False  # New Year's Day, a Wednesday
    assert days[dt.date(2025, 1, 26)] is True  # a make-up Sunday before the Spring Festival
    assert response.context["warning"] is None


def test_a_year_without_data_warns_until_someone_enters_its_days(client, store_a, manager_a):
    client.force_login(manager_a)
    response = client.get(reverse("calendar:list"), {"year": 2093})
    assert "No public holidays are entered for 2093" in response.content.decode()

    client.post(reverse("calendar:add"), {"scope": str(store_a.pk), "first": "2093-01-01",
                                          "is_working_day": "0", "note": "元旦"})  # fmt: skip

    response = client.get(reverse("calendar:list"), {"year": 2093, "view": store_a.pk})
    assert response.context["warning"] is None


def test_a_manager_enters_a_range_of_days_off_for_their_store(client, store_a, manager_a):
    client.force_login(manager_a)
    response = client.post(
        reverse("calendar:add"),
        {"scope": str(store_a.pk), "first": "2031-10-01", "last": "2031-10-07",
         "is_working_day": "0", "note": "国庆"},
    )  # fmt: skip
    assert response.status_code == 302
    days = list(WorkingDayOverride.objects.filter(store=store_a).values_list("day", flat=True))
    assert len(days) == 7 and days[0] == dt.date(2031, 10, 1)
    assert working_calendar_for(store_a).is_working_day(dt.date(2031, 10, 2)) is False
    event = AuditEvent.objects.get(action="settings", target_type="core.workingdayoverride")
    assert len(event.changes["added"]) == 7 and event.store == store_a


def test_an_entered_day_again_or_a_range_backwards_says_why_and_writes_nothing(
    client, store_a, manager_a
):
    client.force_login(manager_a)
    add = reverse("calendar:add")
    client.post(add, {"scope": str(store_a.pk), "first": "2031-10-03", "is_working_day": "0"})
    response = client.post(add, {"scope": str(store_a.pk), "first": "2031-10-01",
                                 "last": "2031-10-05", "is_working_day": "0"})  # fmt: skip
    assert "2031-10-03 already entered for this scope" in response.content.decode()
    response = client.post(add, {"scope": str(store_a.pk), "first": "2031-10-05",
                                 "last": "2031-10-01", "is_working_day": "0"})  # fmt: skip
    assert "The last day is before the first day." in response.content.decode()
    response = client.post(add, {"scope": str(store_a.pk), "first": "2031-01-01",
                                 "last": "2031-03-01", "is_working_day": "0"})  # fmt: skip
    assert "Enter at most 31 days at a time." in response.content.decode()
    assert WorkingDayOverride.objects.count() == 1


def test_group_wide_days_need_every_store_of_the_group(
    client, group, store_a, store_b, manager_a, admin_user
):
    client.force_login(manager_a)
    scopes = dict(client.get(reverse("calendar:add")).context["form"].fields["scope"].choices)
    assert f"group-{group.pk}" not in scopes  # manages GZ01 only
    response = client.post(reverse("calendar:add"), {"scope": f"group-{group.pk}",
                                                     "first": "2031-05-01",
                                                     "is_working_day": "0"})  # fmt: skip
    assert response.status_code == 200 and not WorkingDayOverride.objects.exists()

    client.force_login(admin_user)
    response = client.post(reverse("calendar:add"), {"scope": f"group-{group.pk}",
                                                     "first": "2031-05-01",
                                                     "is_working_day": "0"})  # fmt: skip
    assert response.status_code == 302
    override = WorkingDayOverride.objects.get()
    assert override.store is None
    assert not working_calendar_for(store_b).is_working_day(dt.date(2031, 5, 1))


def test_a_store_day_wins_over_the_group_day(client, group, store_a, admin_user):
    client.force_login(admin_user)
    add = reverse("calendar:add")
    client.post(add, {"scope": f"group-{group.pk}", "first": "2031-05-03", "is_working_day": "0"})
    client.post(add, {"scope": str(store_a.pk), "first": "2031-05-03", "is_working_day": "1"})
    response = client.get(reverse("calendar:list"), {"year": 2031, "view": store_a.pk})
    row = next(r for r in response.context["days"] if r["day"] == dt.date(2031, 5, 3))
    assert row["override"].store == store_a
    assert working_calendar_for(store_a).is_working_day(dt.date(2031, 5, 3))


def test_removing_a_day_needs_confirmation_and_is_audited(client, store_a, manager_a):
    override = WorkingDayOverride.objects.create(
        group=store_a.group, store=store_a, day=dt.date(2031, 1, 2), is_working_day=False
    )
    client.force_login(manager_a)
    url = reverse("calendar:delete", args=[override.pk])
    assert client.get(url).status_code == 405
    client.post(url)
    assert WorkingDayOverride.objects.filter(pk=override.pk).exists()
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302
    assert not WorkingDayOverride.objects.filter(pk=override.pk).exists()
    assert AuditEvent.objects.get(action="settings").changes["removed"] == "2031-01-02"


def test_another_stores_days_are_neither_shown_nor_removable(client, store_b, manager_a, agent_a):
    override = WorkingDayOverride.objects.create(
        group=store_b.group, store=store_b, day=dt.date(2031, 1, 2), is_working_day=False,
        note="乙店专用",
    )  # fmt: skip
    client.force_login(manager_a)
    response = client.get(reverse("calendar:list"), {"year": 2031})
    assert "乙店专用" not in response.content.decode()
    assert client.post(reverse("calendar:delete", args=[override.pk]),
                       {"confirm": "1"}).status_code == 404  # fmt: skip
    assert WorkingDayOverride.objects.filter(pk=override.pk).exists()
    client.force_login(agent_a)
    assert client.get(reverse("calendar:list")).status_code == 403
