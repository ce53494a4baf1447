"""The CSI demo history: rollups of the surveys' demo answers, targets and a few action plans.

Called by ``manage.py seed_demo`` after surveys.demo (which bulk-loads answers without going
through the rollups): the rollups are rebuilt with set-based SQL, then each store gets its
targets (store, advisors, one person) and an action plan for its clearest weakness or strength
of the last complete month, some already in progress or done. Deterministic for a seed.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dealercare.accounts.models import Store, StoreMembership
from dealercare.accounts.roles import Role
from dealercare.surveys.choices import Business

from . import analysis, figures, selectors
from .choices import FindingKind, PlanStatus, TargetMetric, TargetScope
from .models import ActionPlan, ActionPlanUpdate, CsiSettings, CsiTarget
from .rollups import rebuild

CAUSES = {
    FindingKind.WEAKNESS: "回访中多位客户反映等待时间长、沟通不及时;高峰期接待人手不足。",
    FindingKind.STRENGTH: "服务顾问主动介绍维修项目和费用,客户认可度高。",
}
MEASURES = {
    FindingKind.WEAKNESS: "1. 高峰期增加一名接待;2. 预约客户到店即接待;3. 每周复盘低分回访。",
    FindingKind.STRENGTH: "整理优秀话术,在晨会上分享,纳入新员工培训。",
}


def _people(store, role):
    return [
        m.user
        for m in StoreMembership.objects.filter(store=store, role=role)
        .select_related("user")
        .order_by("user__username")
    ]


@transaction.atomic
def build_history(*, group, seed=0, today=None):
    """Rollups, thresholds, targets and action plans for every store of ``group``."""
    rng = random.Random(f"csi-{seed}")
    stores = list(Store.objects.filter(group=group).order_by("code"))
    rows = rebuild([s.pk for s in stores])
    today = today or timezone.localdate()
    last_month = analysis.period_of("month", today).previous
    targets = plans = 0
    for store in stores:
        CsiSettings.objects.get_or_create(store=store)
        managers = _people(store, Role.CS_MANAGER)
        service_managers = _people(store, Role.SERVICE_MANAGER) or managers
        if not managers or not service_managers:
            continue
        manager = managers[0]
        start = datetime.date(today.year, 1, 1)
        new_targets = [
            CsiTarget(store=store, scope=TargetScope.STORE, business=Business.SERVICE,
                      metric=TargetMetric.SATISFIED_RATE, value=Decimal("90"), valid_from=start,
                      created_by=manager),
            CsiTarget(store=store, scope=TargetScope.STORE, business=Business.SERVICE,
                      metric=TargetMetric.OVERALL_SCORE, value=Decimal("85"), valid_from=start,
                      created_by=manager),
            CsiTarget(store=store, scope=TargetScope.ROLE, role=Role.SERVICE_ADVISOR,
                      business=Business.SERVICE, metric=TargetMetric.SATISFIED_RATE,
                      value=Decimal("88"), valid_from=start, created_by=service_managers[0]),
            CsiTarget(store=store, scope=TargetScope.ROLE, role=Role.SALES_CONSULTANT,
                      business=Business.SALES, metric=TargetMetric.SATISFIED_RATE,
                      value=Decimal("90"), valid_from=start, created_by=manager),
        ]  # fmt: skip
        advisors = _people(store, Role.SERVICE_ADVISOR)
        if advisors:
            new_targets.append(
                CsiTarget(
                    store=store,
                    scope=TargetScope.PERSON,
                    person=rng.choice(advisors),
                    business=Business.SERVICE,
                    metric=TargetMetric.DIMENSION_SCORE,
                    dimension_code="timeliness",
                    value=Decimal("86"),
                    valid_from=start,
                    created_by=service_managers[0],
                )  # fmt: skip
            )
        CsiTarget.objects.bulk_create(new_targets)
        targets += len(new_targets)
        plans += _plans_for(store, last_month, manager, service_managers[0], rng)
    return {"CSI rollup rows": rows, "CSI targets": targets, "CSI action plans": plans}


def _plans_for(store, period, manager, owner, rng):
    """An action plan for the clearest finding of each business in ``period``."""
    made = 0
    for business in (Business.SERVICE, Business.SALES):
        db_model, _mixed = selectors.scoring_model_of([store.pk], business)
        cat = figures.catalogue(business, db_model)
        if cat.model is None:
            continue
        loader = selectors.Loader([store.pk], business)
        now = figures.score(cat, cat.by_code(selectors._pool(loader.counts([period]).values())))
        before = figures.score(
            cat, cat.by_code(selectors._pool(loader.counts([period.previous]).values()))
        )
        found = analysis.findings(
            {c: s for c, s in now.items.items() if c in cat.model.items},
            {c: s for c, s in before.items.items() if c in cat.model.items},
            selectors.thresholds_of([store.pk]),
        )
        if not found:
            continue
        finding = found[0]
        kind = FindingKind(str(finding.standing))
        status = rng.choice([PlanStatus.OPEN, PlanStatus.IN_PROGRESS, PlanStatus.DONE])
        plan = ActionPlan.objects.create(
            store=store, kind=kind, business=business, item_code=finding.item,
            item_text=cat.items[finding.item].text, period_label=period.label,
            finding_note=f"非常满意 {analysis.percent_display(finding.very_satisfied_share)}%",
            cause_analysis=CAUSES[kind], measures=MEASURES[kind], owner=owner,
            due_date=period.end + datetime.timedelta(days=30), status=status,
            done_at=timezone.now() if status == PlanStatus.DONE else None, created_by=manager,
        )  # fmt: skip
        ActionPlanUpdate.objects.create(plan=plan, actor=manager, status_to=PlanStatus.OPEN)
        if status != PlanStatus.OPEN:
            ActionPlanUpdate.objects.create(
                plan=plan, actor=owner, status_from=PlanStatus.OPEN, status_to=status,
                note="已按计划推进。",
            )  # fmt: skip
        made += 1
    return made
