"""CSI services: every write is gated, validated, audited, and refuses with a clear message."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dealercare.core.models import AuditAction, AuditEvent
from dealercare.csi import services
from dealercare.csi.models import ActionPlan, AnswerRollup, CsiTarget

from .factories import ActionPlanFactory, make_response

pytestmark = pytest.mark.django_db


def plan_fields(owner, **extra):
    return {"kind": "weakness", "business": "service", "item_code": "timeliness",
            "measures": "增加快修工位", "owner": owner, "due_date": datetime.date(2026, 12, 31),
            **extra}  # fmt: skip


def test_a_plan_needs_a_manager_and_an_owner_of_the_store(manager_a, advisor_a, store_a,
                                                          manager_b):  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=advisor_a, store=store_a, fields=plan_fields(advisor_a))
    with pytest.raises(services.ApplicationError, match="The owner must work in the plan's store"):
        services.plan_create(actor=manager_a, store=store_a, fields=plan_fields(manager_b))
    with pytest.raises(ValidationError) as error:
        services.plan_create(actor=manager_a, store=store_a, fields=plan_fields(manager_a,
                             measures=""))  # fmt: skip
    assert "measures" in error.value.message_dict
    with pytest.raises(services.ApplicationError, match="Unknown fields: status"):
        services.plan_create(actor=manager_a, store=store_a,
                             fields=plan_fields(manager_a, status="done"))  # fmt: skip
    assert ActionPlan.objects.count() == 0


def test_only_the_owner_or_a_manager_moves_a_plan(store_a, make_user, manager_a):
    owner, other = make_user(store_a, "service_manager"), make_user(store_a, "sales_manager")
    plan = ActionPlanFactory(store=store_a, owner=owner)
    with pytest.raises(services.ApplicationError, match="Only the plan's owner or a CS manager"):
        services.plan_progress(actor=other, plan=plan, status="in_progress")
    with pytest.raises(services.ApplicationError, match="Choose a new status or write a note"):
        services.plan_progress(actor=owner, plan=plan, note="  ")
    services.plan_progress(actor=owner, plan=plan, note="已联系配件供应商")
    plan = services.plan_progress(actor=owner, plan=plan, status="done")
    assert plan.done_at is not None
    plan = services.plan_progress(actor=manager_a, plan=plan, status="in_progress")
    assert (plan.status, plan.done_at) == ("in_progress", None)
    notes = list(plan.updates.values_list("note", flat=True))
    assert "已联系配件供应商" in notes


def test_a_verified_plan_is_final(store_a, manager_a):
    plan = ActionPlanFactory(store=store_a, owner=manager_a, status="done")
    services.plan_progress(actor=manager_a, plan=plan, status="verified")
    with pytest.raises(services.ApplicationError, match="A plan that is Verified cannot become"):
        services.plan_progress(actor=manager_a, plan=plan, status="open")


def test_editing_a_plan_is_audited_with_the_changes(store_a, manager_a):
    plan = ActionPlanFactory(store=store_a, owner=manager_a)
    services.plan_update(
        actor=manager_a, plan=plan, fields={"due_date": datetime.date(2027, 1, 15)}
    )
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, target_id=str(plan.pk))
    assert event.changes == {"due_date": ["2026-12-31", "2027-01-15"]}


def test_targets_check_their_scope(store_a, manager_a, manager_b, advisor_a):
    fields = {"scope": "person", "person": manager_b, "business": "service",
              "metric": "satisfied_rate", "value": Decimal("90"),
              "valid_from": datetime.date(2026, 1, 1)}  # fmt: skip
    with pytest.raises(services.ApplicationError, match="The person must work in the target's"):
        services.target_create(actor=manager_a, store=store_a, fields=fields)
    with pytest.raises(ValidationError) as error:
        services.target_create(actor=manager_a, store=store_a,
                               fields={**fields, "person": advisor_a, "value": Decimal("120")})  # fmt: skip
    assert error.value.message_dict["value"] == ["A share cannot be more than 100%."]
    with pytest.raises(PermissionDenied):
        services.target_create(
            actor=advisor_a, store=store_a, fields={**fields, "person": advisor_a}
        )
    target = services.target_create(actor=manager_a, store=store_a,
                                    fields={**fields, "person": advisor_a})  # fmt: skip
    services.target_update(actor=manager_a, target=target, fields={"value": Decimal("92")})
    assert CsiTarget.objects.get().value == Decimal("92")
    assert AuditEvent.objects.filter(target_type="csi.csitarget").count() == 2


def test_settings_refuse_a_share_above_100(store_a, manager_a):
    with pytest.raises(ValidationError):
        services.settings_update(actor=manager_a, store=store_a,
                                 fields={"weakness_min_negative": Decimal("120")})  # fmt: skip
    settings = services.settings_update(actor=manager_a, store=store_a,
                                        fields={"min_answers": 20})  # fmt: skip
    assert settings.thresholds().min_answers == 20


def test_rollup_add_many_adds_each_response_once(store_a):
    responses = [make_response(store_a, {"timeliness": s}, rollup=False) for s in (3, 9, 9)]
    assert services.rollup_add_many(responses + responses[:1]) > 0
    assert services.rollup_add_many(responses) == 0
    total = AnswerRollup.objects.get(grain="month", breakdown="")
    assert (total.s3, total.s9) == (1, 2)
