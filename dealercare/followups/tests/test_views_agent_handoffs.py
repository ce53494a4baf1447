"""Hand-offs: a problem found on a call goes to the service or sales department and is tracked
until the customer has been told the result."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditEvent
from dealercare.customers.timeline import customer_timeline
from dealercare.followups import handoffs
from dealercare.followups.choices import HandOffStatus
from dealercare.followups.models import HandOff

from .factories import call_all_day, due_task, handoff

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(store_a):
    return call_all_day(store_a)


@pytest.fixture
def task(store):
    return due_task(store)


@pytest.fixture
def service_manager(store, make_user):
    return make_user(store, "service_manager")


def today(store):
    return timezone.localtime(timezone.now(), store.tzinfo).date()


# --- the service --------------------------------------------------------------------------


def test_an_agent_hands_a_problem_to_the_service_department_audited(
    store, task, agent_a, service_manager
):
    made = handoffs.handoff_create(
        actor=agent_a, task=task, customer=task.customer, vehicle=task.vehicle,
        department="service", owner=service_manager, due_on=today(store) + dt.timedelta(days=2),
        description="  空调异响  ",
    )  # fmt: skip

    assert (made.status, made.owner, made.created_by, made.store) == (
        HandOffStatus.OPEN, service_manager, agent_a, store,
    )  # fmt: skip
    assert made.description == "空调异响"
    assert [u.status_to for u in made.updates.all()] == [HandOffStatus.OPEN]
    event = AuditEvent.objects.get(target_type="followups.handoff", target_id=str(made.pk))
    assert event.action == "create" and event.actor == agent_a


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"due_on": -1}, handoffs.MSG_DUE_IN_PAST),
        ({"owner": "other_store"}, handoffs.MSG_OWNER_NOT_IN_STORE),
    ],
)
def test_a_hand_off_needs_an_owner_of_the_store_and_a_due_date_ahead(
    store, store_b, task, agent_a, service_manager, make_user, change, message
):
    owner = make_user(store_b, "service_manager") if "owner" in change else service_manager
    due_on = today(store) + dt.timedelta(days=change.get("due_on", 1))
    with pytest.raises(ApplicationError) as refused:
        handoffs.handoff_create(
            actor=agent_a, task=task, customer=task.customer, department="service",
            owner=owner, due_on=due_on, description="问题",
        )  # fmt: skip
    assert refused.value.message == message
    assert HandOff.objects.count() == 0


def test_only_follow_up_agents_hand_off(store, task, advisor_a, service_manager):
    with pytest.raises(PermissionDenied):
        handoffs.handoff_create(
            actor=advisor_a, task=task, customer=task.customer, department="service",
            owner=service_manager, due_on=today(store), description="问题",
        )  # fmt: skip


def test_the_hand_off_goes_from_open_to_customer_informed_with_the_result(
    store, task, agent_a, service_manager
):
    made = handoff(task, service_manager, created_by=agent_a)

    handoffs.handoff_move(actor=service_manager, handoff=made, status="in_progress")
    with pytest.raises(ApplicationError) as no_result:
        handoffs.handoff_move(actor=service_manager, handoff=made, status="resolved")
    assert no_result.value.message == handoffs.MSG_RESOLUTION_REQUIRED
    handoffs.handoff_move(actor=service_manager, handoff=made, status="resolved",
                          note="更换压缩机皮带")  # fmt: skip
    handoffs.handoff_move(actor=agent_a, handoff=made, status="customer_informed",
                          note="已电话告知客户")  # fmt: skip

    made.refresh_from_db()
    assert made.status == HandOffStatus.CUSTOMER_INFORMED
    assert made.resolution == "更换压缩机皮带"
    assert made.resolved_at and made.informed_at
    assert [(u.status_from, u.status_to) for u in made.updates.all()] == [
        ("", "open"), ("open", "in_progress"), ("in_progress", "resolved"),
        ("resolved", "customer_informed"),
    ]  # fmt: skip
    assert AuditEvent.objects.filter(target_type="followups.handoff", action="update").count() == 3
    with pytest.raises(ApplicationError) as closed:
        handoffs.handoff_move(actor=service_manager, handoff=made, status="in_progress")
    assert closed.value.message == handoffs.MSG_HANDOFF_CLOSED


def test_steps_out_of_order_are_refused(store, task, agent_a, service_manager):
    made = handoff(task, service_manager, created_by=agent_a)

    with pytest.raises(ApplicationError) as refused:
        handoffs.handoff_move(actor=agent_a, handoff=made, status="customer_informed")

    assert refused.value.message == handoffs.MSG_TRANSITION % {
        "current": "Open", "target": "Customer informed",
    }  # fmt: skip


def test_an_agent_cannot_resolve_the_departments_work_but_tells_the_customer(
    store, task, agent_a, service_manager
):
    made = handoff(task, service_manager, created_by=agent_a)

    assert handoffs.allowed_targets(agent_a, made) == []
    assert handoffs.allowed_targets(service_manager, made) == ["in_progress", "resolved"]
    with pytest.raises(PermissionDenied):
        handoffs.handoff_move(actor=agent_a, handoff=made, status="resolved", note="x")
    made.status = HandOffStatus.RESOLVED
    made.save()
    assert "customer_informed" in handoffs.allowed_targets(agent_a, made)


def test_an_advisor_who_owns_a_hand_off_sees_and_works_only_that_one(
    store, task, agent_a, advisor_a, service_manager
):
    theirs = handoff(task, advisor_a, created_by=agent_a)
    other = handoff(task, service_manager, created_by=agent_a)

    assert list(handoffs.handoffs_for_user(advisor_a)) == [theirs]
    assert handoffs.may_list_handoffs(advisor_a)
    handoffs.handoff_move(actor=advisor_a, handoff=theirs, status="in_progress")
    with pytest.raises(PermissionDenied):
        handoffs.handoff_move(actor=advisor_a, handoff=other, status="in_progress")


def test_the_list_tabs_mine_department_and_all(store, task, agent_a, service_manager, make_user):
    supervisor = make_user(store, "cs_supervisor")
    sales_manager = make_user(store, "sales_manager")
    service = handoff(task, service_manager, created_by=agent_a)
    sales = handoff(task, sales_manager, created_by=supervisor, department="sales")

    def ids(user, scope):
        return [h.pk for h in handoffs.handoff_list(user, scope=scope)]

    assert ids(agent_a, "mine") == [service.pk]
    assert ids(service_manager, "department") == [service.pk]
    assert ids(sales_manager, "department") == [sales.pk]
    assert sorted(ids(supervisor, "all")) == sorted([service.pk, sales.pk])
    assert ids(agent_a, "all") == []  # agents have no "all" (they see theirs)


# --- the pages ----------------------------------------------------------------------------


def test_the_agent_hands_off_from_the_console(client, store, task, agent_a, service_manager):
    client.force_login(agent_a)
    url = reverse("followups:handoff-create", args=[task.pk])
    form = client.get(url + "?department=service")
    assert form.status_code == 200
    owners = [value for value, _label in form.context["form"].fields["owner"].choices]
    assert owners[0] == service_manager.pk  # the department's people first

    response = client.post(url, {
        "department": "service", "owner": service_manager.pk,
        "due_on": f"{today(store) + dt.timedelta(days=3):%Y-%m-%d}",
        "description": "车辆空调异响，客户希望周六回店",
    })  # fmt: skip

    assert response.status_code == 302
    assert response.url == reverse("followups:console", args=[task.pk])
    made = HandOff.objects.get()
    assert (made.task, made.customer, made.vehicle) == (task, task.customer, task.vehicle)
    console = client.get(response.url).content.decode()
    assert reverse("followups:handoff-detail", args=[made.pk]) in console


def test_a_hand_off_form_with_a_past_date_says_why(client, store, task, agent_a, service_manager):
    client.force_login(agent_a)

    response = client.post(reverse("followups:handoff-create", args=[task.pk]), {
        "department": "service", "owner": service_manager.pk,
        "due_on": f"{today(store) - dt.timedelta(days=1):%Y-%m-%d}", "description": "问题",
    })  # fmt: skip

    assert response.status_code == 200
    assert "The due date cannot be in the past." in response.content.decode()
    assert HandOff.objects.count() == 0


def test_the_owner_moves_the_hand_off_on_from_its_page(
    client, store, task, agent_a, service_manager
):
    made = handoff(task, service_manager, created_by=agent_a)
    client.force_login(service_manager)
    url = reverse("followups:handoff-detail", args=[made.pk])

    page = client.get(url)
    assert page.context["targets"] == [("in_progress", "In progress"), ("resolved", "Resolved")]
    response = client.post(url, {"status": "resolved", "note": "已更换皮带"}, follow=True)

    made.refresh_from_db()
    assert made.status == "resolved"
    assert "Hand-off updated." in response.content.decode()
    assert 'data-testid="handoff-update"' in response.content.decode()


def test_a_refused_step_comes_back_as_a_message(client, store, task, agent_a, service_manager):
    made = handoff(task, service_manager, created_by=agent_a)
    client.force_login(service_manager)

    response = client.post(
        reverse("followups:handoff-detail", args=[made.pk]), {"status": "resolved"}, follow=True
    )

    assert "Say how the problem was resolved." in response.content.decode()
    made.refresh_from_db()
    assert made.status == "open"


def test_the_list_page_shows_the_tabs_the_user_has(client, store, task, agent_a, service_manager):
    made = handoff(task, service_manager, created_by=agent_a)
    client.force_login(service_manager)

    response = client.get(reverse("followups:handoff-list") + "?scope=department")

    assert [code for code, _label in response.context["tabs"]] == ["mine", "department"]
    assert [h.pk for h in response.context["handoffs"]] == [made.pk]


def test_users_of_other_stores_and_roles_without_hand_offs_are_kept_out(
    client, store, store_b, task, agent_a, service_manager, make_user
):
    made = handoff(task, service_manager, created_by=agent_a)
    client.force_login(make_user(store_b, "cs_manager"))
    assert client.get(reverse("followups:handoff-detail", args=[made.pk])).status_code == 404
    client.force_login(make_user(store, "technician"))
    assert client.get(reverse("followups:handoff-list")).status_code == 403


def test_hand_offs_and_follow_ups_are_on_the_customer_timeline(
    store, task, agent_a, service_manager
):
    made = handoff(task, service_manager, created_by=agent_a)

    entries = customer_timeline(task.customer, agent_a)

    kinds = {entry.kind: entry for entry in entries}
    assert kinds["handoff"].url == reverse("followups:handoff-detail", args=[made.pk])
    assert "空调异响" in kinds["handoff"].title
    assert kinds["followup"].url == reverse("followups:console", args=[task.pk])


def test_the_list_reads_a_fixed_number_of_queries(
    client, store, task, agent_a, service_manager, django_assert_max_num_queries
):
    for _ in range(6):
        handoff(task, service_manager, created_by=agent_a)
    client.force_login(agent_a)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("followups:handoff-list"))

    assert len(response.context["handoffs"]) == 6
