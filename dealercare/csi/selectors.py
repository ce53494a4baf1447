"""Reads of the CSI app: the dashboard, a person's own results, targets with their attainment,
action plans. Always scoped to the stores where the user holds VIEW_CSI (own results: the user's
own figures only). Figures come from the rollups; ``source="raw"`` computes the same dashboard
from the answers (the rollups' check in tests and in bench/csi.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from dealercare.accounts.access import access_for
from dealercare.accounts.models import Store, StoreMembership, User
from dealercare.accounts.roles import Capability, Role
from dealercare.surveys.choices import Business, ResponseSource
from dealercare.surveys.scoring import DEFAULT_THRESHOLDS

from . import analysis, figures
from .analysis import PeriodKind
from .choices import PERSON_BREAKDOWNS, Breakdown, Grain, PlanStatus, TargetMetric, TargetScope
from .models import ActionPlan, CsiSettings, CsiTarget

C = Capability
TREND_LENGTH = {PeriodKind.WEEK: 12, PeriodKind.MONTH: 12, PeriodKind.QUARTER: 8}
ROLE_BREAKDOWN = {
    Role.SERVICE_ADVISOR: Breakdown.ADVISOR,
    Role.TECHNICIAN: Breakdown.TECHNICIAN,
    Role.SALES_CONSULTANT: Breakdown.CONSULTANT,
}
SERVICE_PEOPLE = (Breakdown.ADVISOR, Breakdown.TECHNICIAN)
SALES_PEOPLE = (Breakdown.CONSULTANT,)


def people_breakdowns(business):
    """The person breakdowns that exist for a business."""
    return SALES_PEOPLE if business == Business.SALES else SERVICE_PEOPLE


def breakdowns_of(business):
    """Breakdowns offered on the dashboard for a business, in menu order."""
    return (
        Breakdown.REGION,
        Breakdown.VEHICLE_MODEL,
        Breakdown.CUSTOMER_TYPE,
        *people_breakdowns(business),
    )


# --- loading counts ---------------------------------------------------------------------------


def _grain(kind):
    return Grain.WEEK if kind == PeriodKind.WEEK else Grain.MONTH


class Loader:
    """Counts of whole periods from the rollups (``raw=False``) or the raw answers."""

    def __init__(self, store_ids, business, *, raw=False, source=None):
        self.store_ids, self.business, self.raw, self.source = store_ids, business, raw, source

    def counts(self, periods, *, breakdown=Breakdown.TOTAL, by=()):
        """{key: {item_id: ItemCounts}}; with "period" in ``by`` the key holds the Period."""
        kind = periods[0].kind
        grain = _grain(kind)
        sql_by = tuple("period_start" if name == "period" else name for name in by)
        if self.raw:
            result = figures.raw_counts(
                store_ids=self.store_ids, business=self.business, date_from=periods[0].start,
                date_to=periods[-1].end, grain=grain, breakdown=breakdown, by=sql_by,
                source=self.source,
            )  # fmt: skip
        else:
            starts = (
                [p.start for p in periods]
                if kind == PeriodKind.WEEK
                else [m for p in periods for m in p.months]
            )
            result = figures.rollup_counts(
                store_ids=self.store_ids, business=self.business, grain=grain, starts=starts,
                breakdown=breakdown, by=sql_by, source=self.source,
            )  # fmt: skip
        if "period" not in by:
            return result
        # Month rows of a quarter are pooled into the quarter.
        index = by.index("period")
        pooled = defaultdict(lambda: defaultdict(figures.ItemCounts))
        for key, items in result.items():
            period = analysis.period_of(kind, key[index])
            new_key = key[:index] + (period,) + key[index + 1 :]
            for item_id, counts in items.items():
                _merge(pooled[new_key][item_id], counts)
        return pooled


def _merge(target, counts):
    target.merge(counts)


def _pool(groups):
    """Several {item_id: ItemCounts} into one."""
    pooled = defaultdict(figures.ItemCounts)
    for items in groups:
        for item_id, counts in items.items():
            _merge(pooled[item_id], counts)
    return pooled


# --- scoring models and thresholds ------------------------------------------------------------


def scoring_model_of(store_ids, business, code=None):
    """The ScoringModel row figures use, and a note when the stores use different ones.

    ``code`` picks a model (rescoring a period under another model); otherwise the stores'
    current model, or for stores that differ the one most of them use.
    """
    from dealercare.surveys import defaults
    from dealercare.surveys.models import ScoringModel, SurveySettings

    if code:
        # A shipped model or one of these stores' dealer group: never another group's.
        groups = Store.objects.filter(pk__in=store_ids).values("group_id")
        chosen = (
            ScoringModel.objects.filter(code=code, business=business)
            .filter(Q(group__isnull=True) | Q(group_id__in=groups))
            .first()
        )
        if chosen:
            return chosen, False
    field_name = "sales_scoring_model" if business == Business.SALES else "scoring_model"
    default = (
        defaults.SALES_MODEL_CODE if business == Business.SALES else defaults.SERVICE_MODEL_CODE
    )
    used = dict(
        SurveySettings.objects.filter(store_id__in=store_ids).values_list(
            "store_id", f"{field_name}__code"
        )
    )
    codes = Counter(used.get(store_id) or default for store_id in store_ids)
    code = codes.most_common(1)[0][0] if codes else default
    return ScoringModel.objects.filter(code=code).first(), len(codes) > 1


def settings_of(store):
    """The store's CSI settings, or unsaved defaults (reading writes nothing)."""
    return CsiSettings.objects.filter(store=store).first() or CsiSettings(store=store)


def thresholds_of(store_ids):
    """The stores' strength/weakness thresholds: theirs if they all agree, else the defaults."""
    rows = list(CsiSettings.objects.filter(store_id__in=store_ids))
    found = {row.thresholds() for row in rows}
    if len(rows) == len(store_ids) and len(found) == 1:
        return found.pop()
    return DEFAULT_THRESHOLDS


# --- the dashboard ----------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a breakdown or ranking: label, figures, rank."""

    key: object
    label: str
    figures: figures.Figures
    rank: int | None = None


@dataclass
class Dashboard:
    """Everything the CSI overview shows for one period, scope, business and source."""

    period: analysis.Period
    business: str
    source: str | None
    stores: list
    store: Store | None
    db_model: object
    mixed_models: bool
    catalogue: figures.Catalogue
    thresholds: object
    current: figures.Figures
    previous: figures.Figures
    by_source: dict
    trend: list
    by_store: list
    breakdown: str
    by_breakdown: list
    findings: list
    drivers: list
    plans_by_item: dict = field(default_factory=dict)

    @property
    def model_code(self):
        return self.catalogue.model.code if self.catalogue.model else ""

    @property
    def scale(self):
        return self.catalogue.model.scale if self.catalogue.model else 100


def visible_stores(user, capability=C.VIEW_CSI):
    """The stores where ``user`` holds ``capability``, by code."""
    return list(access_for(user).stores(capability))


def _labels(breakdown, keys):
    """Display labels of breakdown values (people by name)."""
    if breakdown in (Breakdown.ADVISOR, Breakdown.TECHNICIAN, Breakdown.CONSULTANT):
        ids = [int(k) for k in keys if str(k).isdigit()]
        names = {str(u.pk): str(u) for u in User.objects.filter(pk__in=ids)}
        return {k: names.get(str(k), str(k)) for k in keys}
    if breakdown == Breakdown.CUSTOMER_TYPE:
        from dealercare.customers.choices import CustomerType

        labels = dict(CustomerType.choices)
        return {k: str(labels.get(k, k)) for k in keys}
    return {k: str(k) for k in keys}


def _ranked(rows, min_answers):
    ranking = analysis.ranking(
        {row.key: (row.figures.overall, row.figures.answers) for row in rows},
        min_answers=min_answers,
    )
    by_key = {row.key: row for row in rows}
    result = []
    for entry in ranking:
        row = by_key[entry.key]
        row.rank = entry.rank
        result.append(row)
    return result


def dashboard(user, *, period_kind=PeriodKind.MONTH, day=None, store=None,
              business=Business.SERVICE, source=None, breakdown=None, model_code=None,
              raw=False, within=None):  # fmt: skip
    """The CSI overview of ``user``'s stores (or one of them) for the period containing ``day``.

    ``within`` narrows the stores further (an export covers the stores the user may export).
    """
    stores = visible_stores(user)
    if within is not None:
        stores = [s for s in stores if s.pk in within]
    if store is not None:
        stores = [s for s in stores if s.pk == getattr(store, "pk", store)]
        if not stores:
            raise Http404
    store_ids = [s.pk for s in stores]
    day = day or timezone.localdate()
    period = analysis.period_of(period_kind, day)
    db_model, mixed = scoring_model_of(store_ids, business, model_code)
    cat = figures.catalogue(business, db_model)
    thresholds = thresholds_of(store_ids)
    loader = Loader(store_ids, business, raw=raw, source=source)

    current_rows = loader.counts([period], by=("store_id", "source"))
    current_items = _pool(current_rows.values())
    current = figures.score(cat, cat.by_code(current_items))
    previous_items = _pool(loader.counts([period.previous]).values())
    previous = figures.score(cat, cat.by_code(previous_items))

    by_source = {}
    for src in ResponseSource:
        items = _pool(v for (sid, s), v in current_rows.items() if s == src)
        by_source[src.value] = figures.score(cat, cat.by_code(items))

    store_names = {s.pk: s.name for s in stores}
    per_store = defaultdict(list)
    for (store_id, _src), items in current_rows.items():
        per_store[store_id].append(items)
    store_rows = [
        Row(store_id, store_names[store_id], figures.score(cat, cat.by_code(_pool(groups))))
        for store_id, groups in per_store.items()
    ]

    trend_periods = analysis.periods_back(period_kind, day, TREND_LENGTH[PeriodKind(period_kind)])
    trend_counts = loader.counts(list(trend_periods), by=("period",))
    trend = [
        (p, figures.score(cat, cat.by_code(trend_counts.get((p,), {})))) for p in trend_periods
    ]

    breakdown = Breakdown(breakdown) if breakdown else Breakdown.REGION
    if breakdown not in breakdowns_of(business):
        breakdown = Breakdown.REGION
    value_counts = loader.counts([period], breakdown=breakdown, by=("value",))
    labels = _labels(breakdown, [key[0] for key in value_counts])
    breakdown_rows = [
        Row(key[0], labels[key[0]], figures.score(cat, cat.by_code(items)))
        for key, items in value_counts.items()
    ]
    in_model = set(cat.model.items) if cat.model else set()
    scored_now = {code: s for code, s in current.items.items() if code in in_model}
    found = analysis.findings(
        scored_now, {c: s for c, s in previous.items.items() if c in in_model}, thresholds
    )
    by_code = cat.by_code(current_items)
    drivers = analysis.key_drivers(
        {code: c.pair_sums for code, c in by_code.items() if code in in_model}, scored_now
    )
    return Dashboard(
        period=period, business=business, source=source, stores=stores,
        store=stores[0] if store is not None or len(stores) == 1 else None, db_model=db_model, mixed_models=mixed,
        catalogue=cat, thresholds=thresholds, current=current, previous=previous,
        by_source=by_source, trend=trend,
        by_store=_ranked(store_rows, thresholds.min_answers), breakdown=breakdown,
        by_breakdown=_ranked(breakdown_rows, thresholds.min_answers), findings=found,
        drivers=drivers,
    )  # fmt: skip


# --- a person's own results -------------------------------------------------------------------


@dataclass
class OwnResults:
    """A person's figures as advisor, technician or consultant, per business."""

    period: analysis.Period
    sections: list  # (business, breakdown, Figures, trend, catalogue)
    attainments: list


def person_breakdowns(user):
    """(business, breakdown) pairs a user may be scored under, from their roles."""
    roles = set(StoreMembership.objects.filter(user=user).values_list("role", flat=True))
    pairs = []
    if roles & {Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER} or not roles:
        pairs.append((Business.SERVICE, Breakdown.ADVISOR))
    if Role.TECHNICIAN in roles:
        pairs.append((Business.SERVICE, Breakdown.TECHNICIAN))
    if Role.SALES_CONSULTANT in roles or Role.SALES_MANAGER in roles:
        pairs.append((Business.SALES, Breakdown.CONSULTANT))
    return pairs or [(Business.SERVICE, Breakdown.ADVISOR)]


def own_results(user, *, period_kind=PeriodKind.MONTH, day=None):
    """The user's own figures (only theirs): current period, trend, targets."""
    from .models import AnswerRollup

    day = day or timezone.localdate()
    period = analysis.period_of(period_kind, day)
    found = set(
        AnswerRollup.objects.filter(breakdown__in=PERSON_BREAKDOWNS, value=str(user.pk))
        .values_list("business", "breakdown", "store_id")
        .distinct()
    )
    kinds = {(business, breakdown) for business, breakdown, _store in found}
    kinds |= set(person_breakdowns(user))
    store_ids = sorted(
        {store for _b, _k, store in found}
        | set(StoreMembership.objects.filter(user=user).values_list("store_id", flat=True))
    )
    sections = []
    trend_periods = analysis.periods_back(period_kind, day, TREND_LENGTH[PeriodKind(period_kind)])
    for business, breakdown in sorted(kinds):
        db_model, _mixed = scoring_model_of(store_ids, business)
        cat = figures.catalogue(business, db_model)
        loader = Loader(store_ids, business)
        mine = loader.counts([period], breakdown=breakdown, by=("value",)).get((str(user.pk),), {})
        trend_counts = loader.counts(
            list(trend_periods), breakdown=breakdown, by=("value", "period")
        )
        trend = [
            (p, figures.score(cat, cat.by_code(trend_counts.get((str(user.pk), p), {}))))
            for p in trend_periods
        ]
        sections.append((business, breakdown, figures.score(cat, cat.by_code(mine)), trend, cat))
    roles = StoreMembership.objects.filter(user=user).values("role")
    targets = (
        CsiTarget.objects.filter(
            Q(scope=TargetScope.PERSON, person=user)
            | Q(scope=TargetScope.ROLE, store_id__in=store_ids, role__in=roles)
        )
        .filter(valid_from__lte=period.end)
        .exclude(valid_until__lt=period.start)
        .select_related("store", "person")
    )
    attainments = [a for t in targets for a in _target_rows(t, period, only_person=user)]
    return OwnResults(period, sections, attainments)


# --- targets ----------------------------------------------------------------------------------


@dataclass
class TargetRow:
    """One target and how one store or person stands against it in a period."""

    target: CsiTarget
    who: str
    attainment: analysis.Attainment | None


def _actual(target, fig):
    metric = TargetMetric(target.metric)
    if metric == TargetMetric.SATISFIED_RATE:
        return fig.pooled.satisfied_rate
    if metric == TargetMetric.OVERALL_SCORE:
        return fig.overall
    if metric == TargetMetric.DIMENSION_SCORE:
        return fig.dimension(target.dimension_code)
    item = fig.items.get(target.item_code)
    return item.score if item else None


def _attain(target, fig, scale):
    value = Fraction(target.value)
    if target.metric == TargetMetric.SATISFIED_RATE:
        value /= 100
    return analysis.attainment(target.metric, value, _actual(target, fig), fig.answers, scale=scale)


def _target_rows(target, period, *, only_person=None):
    """Attainment rows of one target in ``period``: the store, or each person it covers."""
    db_model, _mixed = scoring_model_of([target.store_id], target.business)
    cat = figures.catalogue(target.business, db_model)
    scale = cat.model.scale if cat.model else 100
    loader = Loader([target.store_id], target.business)
    if target.scope == TargetScope.STORE:
        items = _pool(loader.counts([period]).values())
        return [
            TargetRow(
                target,
                target.store.name,
                _attain(target, figures.score(cat, cat.by_code(items)), scale),
            )
        ]
    if target.scope == TargetScope.PERSON:
        people = [target.person]
        role = (
            StoreMembership.objects.filter(user=target.person, store_id=target.store_id)
            .values_list("role", flat=True)
            .first()
        )
    else:
        role = target.role
        people = list(
            User.objects.filter(memberships__store_id=target.store_id, memberships__role=role)
            .order_by("username")
            .distinct()
        )
    if only_person is not None:
        people = [p for p in people if p.pk == only_person.pk]
    breakdown = ROLE_BREAKDOWN.get(role)
    if breakdown is None:
        return [TargetRow(target, str(p), None) for p in people]
    counts = loader.counts([period], breakdown=breakdown, by=("value",))
    return [
        TargetRow(
            target,
            str(person),
            _attain(
                target, figures.score(cat, cat.by_code(counts.get((str(person.pk),), {}))), scale
            ),
        )
        for person in people
    ]


def targets_for_user(user, *, store=None):
    """Targets of the stores where the user sees CSI."""
    ids = access_for(user).store_ids(C.VIEW_CSI)
    rows = CsiTarget.objects.filter(store_id__in=ids).select_related("store", "person")
    if store is not None:
        rows = rows.filter(store=store)
    return rows


def target_for_user(user, pk, capability=C.VIEW_CSI):
    """One target of the user's stores, else 404."""
    ids = access_for(user).store_ids(capability)
    target = CsiTarget.objects.filter(pk=pk, store_id__in=ids).select_related("store").first()
    if target is None:
        raise Http404
    return target


def attainments(user, *, period_kind=PeriodKind.MONTH, day=None, store=None):
    """Every active target of the user's stores with its attainment in the period."""
    day = day or timezone.localdate()
    period = analysis.period_of(period_kind, day)
    targets = (
        targets_for_user(user, store=store)
        .filter(valid_from__lte=period.end)
        .exclude(valid_until__lt=period.start)
    )
    return period, [row for target in targets for row in _target_rows(target, period)]


# --- action plans -----------------------------------------------------------------------------


def plans_for_user(user, *, status=None, store=None):
    """Action plans of the stores where the user sees CSI, open ones first by due date."""
    ids = access_for(user).store_ids(C.VIEW_CSI)
    plans = ActionPlan.objects.filter(store_id__in=ids).select_related("store", "owner")
    if status:
        plans = plans.filter(status=status)
    if store is not None:
        plans = plans.filter(store=store)
    return plans


def plan_for_user(user, pk):
    """One action plan of the user's stores, else 404."""
    plan = plans_for_user(user).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


def open_plans_by_item(store_ids, business):
    """{item code: plan} of unfinished plans, to link findings to their plan."""
    plans = ActionPlan.objects.filter(
        store_id__in=store_ids,
        business=business,
        status__in=[PlanStatus.OPEN, PlanStatus.IN_PROGRESS, PlanStatus.DONE],
    ).order_by("-id")
    result = {}
    for plan in plans:
        result.setdefault(plan.item_code, plan)
    return result
