"""Complaint services: intake, the flow, pauses, repeats, major complaints, closing."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from dealercare.complaints import services
from dealercare.complaints.models import ComplaintAction, MajorIncidentReport, Notification
from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditEvent
from dealercare.followups.models import FollowUpTask
from dealercare.followups.services import rules_seed_defaults
from dealercare.testing.factories import CustomerFactory

from .factories import MONDAY_10

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)


def walk(complaint, actor, *steps, **kwargs):
    for step in steps:
        complaint = services.complaint_transition(
            actor=actor, complaint=complaint, transition=step, **kwargs.get(step, {}),
            now=kwargs.get("now", MONDAY_10 + H),
        )  # fmt: skip
    return complaint


def test_a_complaint_gets_a_number_due_times_and_a_reply_time(make_complaint, store_a):
    complaint = make_complaint()
    assert complaint.number == "GZ01-T000001"
    assert make_complaint().number == "GZ01-T000002"
    # Monday 10:00 Shanghai: acknowledge by 12:00, solution 27 working hours later (Thu 10:00).
    assert complaint.acknowledge_due_at == MONDAY_10 + 2 * H
    assert complaint.solution_due_at == MONDAY_10 + datetime.timedelta(days=3)
    assert complaint.promised_reply_at == complaint.acknowledge_due_at
    assert complaint.actions.get().kind == "received"
    assert AuditEvent.objects.filter(target_type="complaints.complaint", action="create").exists()


def test_a_role_without_handle_complaints_cannot_record_one(make_complaint, advisor_a):
    with pytest.raises(PermissionDenied):
        make_complaint(actor=advisor_a)


def test_the_whole_flow_logs_every_step_and_closing_creates_the_satisfaction_check(
    make_complaint, manager_a, agent_a, store_a, django_capture_on_commit_callbacks
):
    rules_seed_defaults(store_a)
    complaint = make_complaint()
    complaint = walk(complaint, manager_a, "acknowledge")
    complaint = walk(complaint, manager_a, "assign",
                     assign={"owner": agent_a, "department": "service"})  # fmt: skip
    assert complaint.owner == agent_a
    assert Notification.objects.filter(recipient=agent_a, key__startswith="assign:").exists()
    complaint = walk(complaint, agent_a, "investigate", "propose", "customer_negotiates",
                     "propose", "customer_accepts", "resolve", "confirm_satisfaction",
                     propose={"solution": "免费更换正时皮带并赠送保养一次"},
                     customer_negotiates={"note": "客户要求再加一次免费洗车"},
                     confirm_satisfaction={"satisfaction": "satisfied"})  # fmt: skip
    assert complaint.status == "satisfaction_confirmed"
    with django_capture_on_commit_callbacks(execute=True):
        complaint = walk(complaint, agent_a, "close", now=MONDAY_10 + 3 * H)
    assert complaint.status == "closed"
    assert complaint.closed_at == MONDAY_10 + 3 * H
    kinds = list(complaint.actions.values_list("kind", flat=True))
    assert kinds == ["received", "acknowledge", "assign", "investigate", "propose",
                     "customer_negotiates", "propose", "customer_accepts", "resolve",
                     "confirm_satisfaction", "close"]  # fmt: skip
    negotiation = complaint.actions.get(kind="customer_negotiates")
    assert negotiation.note == "客户要求再加一次免费洗车"
    assert negotiation.actor == agent_a
    task = FollowUpTask.objects.get(event_type="complaint", event_id=complaint.pk)
    assert task.kind == "complaint_satisfaction_check"
    assert task.customer_id == complaint.customer_id


def test_reopening_cancels_the_satisfaction_check_and_needs_a_manager(
    make_complaint, manager_a, agent_a, store_a, django_capture_on_commit_callbacks
):
    rules_seed_defaults(store_a)
    complaint = walk(make_complaint(), manager_a, "assign",
                     assign={"owner": agent_a, "department": "service"})  # fmt: skip
    complaint = walk(complaint, agent_a, "propose", "customer_accepts", "resolve",
                     "confirm_satisfaction", propose={"solution": "更换零件"},
                     confirm_satisfaction={"satisfaction": "very_satisfied"})  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        complaint = walk(complaint, agent_a, "close")
    with pytest.raises(PermissionDenied):
        walk(complaint, agent_a, "reopen")
    with django_capture_on_commit_callbacks(execute=True):
        complaint = walk(complaint, manager_a, "reopen", reopen={"note": "客户再次来电"})
    assert complaint.status == "investigating"
    assert complaint.reopened_count == 1 and complaint.closed_at is None
    task = FollowUpTask.objects.get(event_type="complaint", event_id=complaint.pk)
    assert task.status == "cancelled"


def test_a_step_out_of_order_says_why(make_complaint, manager_a):
    with pytest.raises(ApplicationError) as error:
        walk(make_complaint(), manager_a, "close")
    assert str(error.value.message) == "Closed is not possible while the complaint is Received."


@pytest.mark.parametrize(
    ("step", "body", "message"),
    [
        ("assign", {}, "Choose the owner and the department."),
        ("propose", {"solution": "  "}, "Describe the solution proposed to the customer."),
        ("customer_negotiates", {}, "Write what the customer said."),
    ],
)
def test_steps_that_need_details_refuse_without_them(make_complaint, manager_a, agent_a, step,
                                                     body, message):  # fmt: skip
    complaint = make_complaint()
    if step != "assign":
        complaint = walk(complaint, manager_a, "assign",
                         assign={"owner": agent_a, "department": "sales"})  # fmt: skip
    if step == "customer_negotiates":
        complaint = walk(complaint, agent_a, "propose", propose={"solution": "道歉并补偿"})
    with pytest.raises(ApplicationError) as error:
        services.complaint_transition(actor=manager_a, complaint=complaint, transition=step,
                                      **body)  # fmt: skip
    assert str(error.value.message) == message
    before = complaint.status
    complaint.refresh_from_db()
    assert complaint.status == before  # nothing half-written
    assert not complaint.actions.filter(kind=step).exists()


def test_only_the_owner_or_a_manager_works_on_an_assigned_complaint(
    make_complaint, manager_a, agent_a, store_a, make_user
):
    other = make_user(store_a, "followup_agent")
    complaint = walk(make_complaint(), manager_a, "assign",
                     assign={"owner": agent_a, "department": "service"})  # fmt: skip
    with pytest.raises(PermissionDenied):
        walk(complaint, other, "investigate")
    with pytest.raises(PermissionDenied):
        services.complaint_record_action(actor=other, complaint=complaint, kind="note",
                                         note="我来看看")  # fmt: skip
    assert walk(complaint, agent_a, "investigate").status == "investigating"


def test_an_owner_must_be_able_to_handle_complaints(make_complaint, manager_a, advisor_a):
    with pytest.raises(ApplicationError) as error:
        walk(make_complaint(), manager_a, "assign",
             assign={"owner": advisor_a, "department": "service"})  # fmt: skip
    assert str(error.value.message) == "The chosen owner cannot handle complaints in this store."


def test_waiting_for_the_customer_pauses_the_time_limits(make_complaint, agent_a):
    complaint = make_complaint()
    services.complaint_record_action(actor=agent_a, complaint=complaint,
                                     kind="wait_for_customer", now=MONDAY_10 + H)  # fmt: skip
    complaint.refresh_from_db()
    assert complaint.waiting_since == MONDAY_10 + H
    assert complaint.acknowledge_due_at is None  # no deadline while the clock is held
    with pytest.raises(ApplicationError):
        services.complaint_record_action(
            actor=agent_a, complaint=complaint, kind="wait_for_customer", now=MONDAY_10 + 2 * H
        )
    services.complaint_record_action(
        actor=agent_a,
        complaint=complaint,
        kind="customer_replied",
        note="客户回电，周三可到店",
        now=MONDAY_10 + 4 * H,
    )
    complaint.refresh_from_db()
    # 1 h ran before the pause, 3 h paused: the remaining hour runs from 14:00 -> 15:00 local.
    assert complaint.acknowledge_due_at == MONDAY_10 + 5 * H
    assert complaint.waiting_since is None
    assert complaint.pauses[0][1] is not None


def test_the_three_changes_are_recorded_actions(make_complaint, manager_a, agent_a, store_a,
                                                make_user):  # fmt: skip
    colleague = make_user(store_a, "cs_supervisor")
    complaint = walk(make_complaint(), manager_a, "assign",
                     assign={"owner": agent_a, "department": "service"})  # fmt: skip
    services.complaint_record_action(
        actor=manager_a,
        complaint=complaint,
        kind="change_handler",
        owner=colleague,
        note="客户情绪激动，换人接待",
    )
    services.complaint_record_action(
        actor=colleague, complaint=complaint, kind="change_place", note="请客户到贵宾室"
    )
    later = MONDAY_10 + datetime.timedelta(days=1)
    services.complaint_record_action(
        actor=colleague, complaint=complaint, kind="change_time", when=later, note="约明天上午再谈"
    )
    complaint.refresh_from_db()
    assert complaint.owner == colleague
    assert complaint.promised_reply_at == later
    changes = complaint.actions.filter(kind__startswith="change_").order_by("id")
    assert [a.kind for a in changes] == ["change_handler", "change_place", "change_time"]
    assert changes[0].data["owner"] == colleague.pk


def test_a_handler_cannot_hand_the_complaint_to_someone_else(make_complaint, agent_a, store_a,
                                                             make_user):  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.complaint_record_action(
            actor=agent_a,
            complaint=make_complaint(),
            kind="change_handler",
            owner=make_user(store_a, "followup_agent"),
        )


def test_repeat_complaints_of_a_customer_or_vehicle_within_90_days_are_linked(
    make_complaint, store_a, customer_a, vehicle_a
):
    first = make_complaint()
    second = make_complaint(received_at=MONDAY_10 + datetime.timedelta(days=30),
                            now=MONDAY_10 + datetime.timedelta(days=30))  # fmt: skip
    assert second.repeat_of == first
    new_owner = CustomerFactory(store=store_a)
    by_vehicle = make_complaint(customer=new_owner, received_at=MONDAY_10 + datetime.timedelta(
        days=40))  # fmt: skip
    assert by_vehicle.repeat_of == second
    late = make_complaint(received_at=MONDAY_10 + datetime.timedelta(days=200), vehicle=None)
    assert late.repeat_of is None


def test_a_major_complaint_notifies_management_at_once_and_needs_its_report_to_close(
    make_complaint, manager_a, gm_a, agent_a, store_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = make_complaint(severity="major")
    assert set(Notification.objects.filter(key=f"major:{complaint.pk}").values_list(
        "recipient", flat=True)) == {manager_a.pk, gm_a.pk}  # fmt: skip
    assert [m.to for m in mail.outbox] == [["gm@example.com"]]  # the manager has no address
    assert complaint.acknowledge_due_at == MONDAY_10 + H  # major: 1 working hour
    complaint = walk(complaint, manager_a, "assign",
                     assign={"owner": agent_a, "department": "service"})  # fmt: skip
    complaint = walk(complaint, agent_a, "propose", "customer_accepts", "resolve",
                     "confirm_satisfaction", propose={"solution": "退一赔一"},
                     confirm_satisfaction={"satisfaction": "neutral"})  # fmt: skip
    with pytest.raises(ApplicationError) as error:
        walk(complaint, agent_a, "close")
    assert error.value.code == "report_required"
    services.major_report_save(actor=agent_a, complaint=complaint, fields={
        "title": "新车交付后发动机故障", "summary": "交车三天发动机故障灯亮", "cause": "装配缺陷",
        "handling": "更换发动机总成", "result": "客户接受", "prevention": "加强PDI检查",
        "compensation": "5000.00"})  # fmt: skip
    assert MajorIncidentReport.objects.get(complaint=complaint).title == "新车交付后发动机故障"
    assert walk(complaint, agent_a, "close").status == "closed"


def test_turning_a_complaint_major_later_also_notifies_management(make_complaint, agent_a, gm_a):
    complaint = make_complaint()
    assert not Notification.objects.exists()
    services.complaint_classify(actor=agent_a, complaint=complaint, severity="major")
    assert Notification.objects.filter(recipient=gm_a, key=f"major:{complaint.pk}").exists()
    complaint.refresh_from_db()
    assert complaint.acknowledge_due_at == MONDAY_10 + H
    assert complaint.actions.filter(kind="classified").exists()


def test_a_report_is_only_for_major_complaints(make_complaint, agent_a):
    with pytest.raises(ApplicationError):
        services.major_report_save(actor=agent_a, complaint=make_complaint(), fields={})


def test_categories_are_seeded_from_seed_001_once(store_a):
    from dealercare.complaints.models import ComplaintCategory, ComplaintReason

    assert services.categories_seed_defaults(store_a) == 6
    assert services.categories_seed_defaults(store_a) == 0
    names = list(ComplaintCategory.objects.filter(store=store_a).values_list("name", flat=True))
    assert names == ["服务技能", "服务态度", "服务及时性", "配件供应", "服务综合", "产品质量"]
    assert ComplaintReason.objects.filter(category__store=store_a, name="多次维修未解决").exists()


def test_only_a_manager_edits_categories(store_a, manager_a, agent_a):
    services.categories_seed_defaults(store_a)
    with pytest.raises(PermissionDenied):
        services.category_save(actor=agent_a, store=store_a, name="新类别", code="new")
    category = services.category_save(actor=manager_a, store=store_a, name="新类别", code="new")
    reason = services.reason_save(actor=manager_a, category=category, name="新原因", code="r1")
    assert reason.category == category


def test_the_log_records_who_when_and_what(make_complaint, agent_a):
    complaint = make_complaint()
    services.complaint_record_action(
        actor=agent_a,
        complaint=complaint,
        kind="customer_contacted",
        note="已致电客户致歉",
        now=MONDAY_10 + H,
    )
    line = ComplaintAction.objects.filter(complaint=complaint).last()
    assert (line.kind, line.actor, line.at, line.note) == (
        "customer_contacted",
        agent_a,
        MONDAY_10 + H,
        "已致电客户致歉",
    )
