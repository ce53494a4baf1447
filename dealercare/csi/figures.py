"""Counts to figures: loading answer counts (from the rollups, or from the raw answers) and
scoring them under a scoring model. Both loaders return the same shape, so the rollups can be
checked against a from-scratch aggregate (tests, bench/csi.py) figure for figure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from django.db.models import Count, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Cast, Round, TruncMonth, TruncWeek

from dealercare.surveys import scoring
from dealercare.surveys.choices import ItemKind
from dealercare.surveys.services import item_model

from .analysis import PairSums
from .choices import Breakdown, Grain
from .models import AnswerRollup
from .rollups import BREAKDOWN_FIELDS

SUMS = (*(f"s{s}" for s in range(1, 11)), "yes_count", "no_count")
PAIR_FIELDS = ("pair_n", "pair_x", "pair_xx", "pair_y", "pair_yy", "pair_xy")


class ItemCounts:
    """Pooled whole-number counts of one item: 1-10 answers, yes/no, key-driver pair sums."""

    __slots__ = ("scores", "yes", "no", "pairs")

    def __init__(self):
        self.scores = [0] * 10
        self.yes = self.no = 0
        self.pairs = [0] * 6

    def add(self, row):
        """Add a row of sums (a dict with s1..s10, yes_count, no_count, pair_*)."""
        scores = self.scores
        for index in range(10):
            scores[index] += row[SUMS[index]] or 0
        self.yes += row["yes_count"] or 0
        self.no += row["no_count"] or 0
        if row.get("pair_n"):
            pairs = self.pairs
            for index, name in enumerate(PAIR_FIELDS):
                pairs[index] += int(row[name] or 0)

    def merge(self, other):
        """Add another ItemCounts."""
        self.scores = [a + b for a, b in zip(self.scores, other.scores, strict=True)]
        self.yes += other.yes
        self.no += other.no
        self.pairs = [a + b for a, b in zip(self.pairs, other.pairs, strict=True)]

    @property
    def pair_sums(self):
        """The key-driver sums as analysis.PairSums."""
        return PairSums(*self.pairs)

    @property
    def counts(self):
        """{score: count}."""
        return dict(zip(range(1, 11), self.scores, strict=True))

    def __eq__(self, other):
        return (self.scores, self.yes, self.no, self.pairs) == (
            other.scores,
            other.yes,
            other.no,
            other.pairs,
        )

    def __repr__(self):
        return f"ItemCounts({self.scores}, yes={self.yes}, no={self.no}, pairs={self.pairs})"


# counts: {group key: {item_id: ItemCounts}}
Counts = dict


def _sum_annotations():
    return {name: Sum(name) for name in (*SUMS, *PAIR_FIELDS)}


def rollup_counts(*, store_ids, business, grain, starts, breakdown=Breakdown.TOTAL, by=(),
                  source=None):  # fmt: skip
    """Counts from the rollups, grouped by ``by`` (store_id, period_start, value, source)."""
    rows = AnswerRollup.objects.filter(
        grain=grain,
        breakdown=breakdown,
        period_start__in=list(starts),
        store_id__in=list(store_ids),
        business=business,
    )
    if source:
        rows = rows.filter(source=source)
    result = defaultdict(lambda: defaultdict(ItemCounts))
    for row in rows.values(*by, "item_id").annotate(**_sum_annotations()).order_by():
        key = tuple(row[name] for name in by)
        result[key][row["item_id"]].add(row)
    return result


def raw_counts(*, store_ids, business, date_from, date_to, grain=None,
               breakdown=Breakdown.TOTAL, by=(), source=None):  # fmt: skip
    """The same counts aggregated from scratch over the answers (the rollups' check)."""
    from dealercare.surveys.models import Answer

    answers = Answer.objects.filter(
        store_id__in=list(store_ids),
        business=business,
        answered_on__gte=date_from,
        answered_on__lte=date_to,
    ).filter(Q(score__isnull=False) | Q(yes_no__isnull=False))
    if source:
        answers = answers.filter(source=source)
    annotations = {}
    if "period_start" in by:
        trunc = TruncWeek if grain == Grain.WEEK else TruncMonth
        annotations["period_start"] = trunc("answered_on")
    if "value" in by:
        if breakdown == Breakdown.TOTAL:
            annotations["value"] = Value("")
        else:
            annotations["value"] = F(f"response__{BREAKDOWN_FIELDS[Breakdown(breakdown)]}")
    if breakdown != Breakdown.TOTAL:
        name = BREAKDOWN_FIELDS[Breakdown(breakdown)]
        answers = answers.exclude(**{f"response__{name}__isnull": True})
        if not name.endswith("_id"):
            answers = answers.exclude(**{f"response__{name}": ""})
    answers = answers.annotate(**annotations)
    paired = Q(score__isnull=False, response__overall_score__isnull=False)
    y = Cast(Round(F("response__overall_score") * 10), IntegerField())
    sums = {f"s{s}": Count("pk", filter=Q(score=s)) for s in range(1, 11)}
    sums["yes_count"] = Count("pk", filter=Q(yes_no=True))
    sums["no_count"] = Count("pk", filter=Q(yes_no=False))
    if breakdown == Breakdown.TOTAL:
        sums |= {
            "pair_n": Count("pk", filter=paired),
            "pair_x": Sum("score", filter=paired),
            "pair_xx": Sum(F("score") * F("score"), filter=paired),
            "pair_y": Sum(y, filter=paired),
            "pair_yy": Sum(y * y, filter=paired),
            "pair_xy": Sum(F("score") * y, filter=paired),
        }
    result = defaultdict(lambda: defaultdict(ItemCounts))
    for row in answers.values(*by, "item_id").annotate(**sums).order_by():
        key = tuple(_plain(row[name]) for name in by)
        if breakdown != Breakdown.TOTAL and "value" in by:
            key = tuple(
                str(part) if name == "value" else part for name, part in zip(by, key, strict=True)
            )
        result[key][row["item_id"]].add(row)
    return result


def _plain(value):
    """A truncated date comes back as a datetime on some backends: keep the date."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# --- scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemInfo:
    """What the dashboards show of an item (pooled by code across versions and stores)."""

    code: str
    text: str
    kind: str
    dimension: str | None
    dimension_name: str
    weight: object


@dataclass
class Catalogue:
    """The items and dimensions of one business, and the pure scoring model over them."""

    items_by_id: dict
    items: dict  # code -> ItemInfo (latest version's wording)
    dimensions: dict  # code -> name
    model: scoring.ScoringModel | None
    db_model: object

    def by_code(self, counts_by_id):
        """{item_id: ItemCounts} pooled into {code: ItemCounts}."""
        pooled = defaultdict(ItemCounts)
        for item_id, counts in counts_by_id.items():
            info = self.items_by_id.get(item_id)
            if info is not None:
                pooled[info.code].merge(counts)
        return dict(pooled)


def catalogue(business, db_model):
    """Every item of ``business`` (all versions) and the pure model of ``db_model`` over them."""
    from dealercare.surveys.models import Dimension, Item

    rows = (
        Item.objects.filter(version__questionnaire__business=business)
        .select_related("dimension")
        .order_by("id")
    )
    items_by_id, items = {}, {}
    for item in rows:
        info = ItemInfo(
            item.code,
            item.text,
            item.kind,
            item.dimension.code if item.dimension_id else None,
            item.dimension.name if item.dimension_id else "",
            item.weight,
        )
        items_by_id[item.pk] = info
        items[item.code] = info  # the latest version's wording wins
    dimensions = dict(
        Dimension.objects.filter(business=business).order_by("order").values_list("code", "name")
    )
    scored = [
        (info.code, info.dimension, info.weight)
        for info in items.values()
        if info.kind == ItemKind.SCORE and info.dimension
    ]
    model = None
    if scored and db_model is not None:
        try:
            model = item_model(scored, db_model)
        except ValueError:
            model = None
    return Catalogue(items_by_id, items, dimensions, model, db_model)


class Figures:
    """One group of answers scored under the catalogue's model.

    ``overall`` and ``dimension()`` use ``CompiledModel`` (the same exact formula, evaluated
    without building every ItemScore: a dashboard scores a hundred stores and people); the
    full ``survey`` (scoring.score_survey), ``items`` and ``checks`` are computed on first use.
    tests/test_figures.py checks that both give the same Fractions.
    """

    def __init__(self, cat, counts_by_code):
        self.cat = cat
        self.counts = counts_by_code
        model = cat.model
        self.scale = model.scale if model else 100
        self._compiled = compiled(model) if model else None
        pooled = [0] * 10
        self._in_model = {}
        if model is not None:
            for code, counts in counts_by_code.items():
                if code in self._compiled.item_dimension and any(counts.scores):
                    self._in_model[code] = counts
                    pooled = [a + b for a, b in zip(pooled, counts.scores, strict=True)]
        self.pooled = scoring.ItemScore(tuple(pooled), self.scale)
        self._scores = self._compiled.scores(self._in_model) if self._in_model else (None, {})

    @property
    def answers(self):
        """How many 1-10 answers of the model's items."""
        return self.pooled.answers

    @property
    def overall(self):
        """The exact overall score (None without answers)."""
        return self._scores[0]

    def dimension(self, code):
        """The exact score of a dimension, or None."""
        return self._scores[1].get(code)

    @cached_property
    def survey(self):
        """The full scoring.SurveyScore (dimensions with answers and missing items)."""
        if not self._in_model:
            return None
        return scoring.score_survey(
            self.cat.model, {code: c.counts for code, c in self._in_model.items()}
        )

    @cached_property
    def items(self):
        """{code: ItemScore} of every 1-10 item answered (in the model or not)."""
        result = {}
        for code, counts in self.counts.items():
            info = self.cat.items.get(code)
            if info is not None and info.kind == ItemKind.SCORE and any(counts.scores):
                result[code] = scoring.ItemScore(tuple(counts.scores), self.scale)
        return result

    @cached_property
    def checks(self):
        """{code: CheckRate} of the yes/no checks answered."""
        result = {}
        for code, counts in self.counts.items():
            info = self.cat.items.get(code)
            if info is not None and info.kind == ItemKind.YES_NO and (counts.yes or counts.no):
                result[code] = scoring.check_rate({True: counts.yes, False: counts.no})
        return result


class CompiledModel:
    """A scoring model's weights laid out for scoring many groups of answers fast.

    Same formula as scoring.score_survey (ADR 0004): item score = points / answers x scale / 10;
    dimension = weighted mean of its answered items' scores; overall = weighted mean of the
    answered dimensions; weights re-normalised over what has answers. All exact Fractions.
    """

    def __init__(self, model):
        self.model = model
        self.scale = model.scale
        self.item_dimension = dict(model.item_dimensions)
        # Item weights as (numerator, denominator): sums of whole numbers, one Fraction at the end.
        self.item_weight = {
            code: (w.numerator, w.denominator) for code, w in dict(model.item_weights).items()
        }
        self.dimension_weight = dict(model.dimension_weights)

    def scores(self, counts_by_code):
        """(overall, {dimension: score}) of {code: ItemCounts} (items of the model only)."""
        sums = {}
        for code, counts in counts_by_code.items():
            answers = sum(counts.scores)
            if not answers:
                continue
            points = sum(i * c for i, c in enumerate(counts.scores, start=1))
            w_num, w_den = self.item_weight[code]
            # value = w x points / answers, added to the dimension's running (num, den) sums.
            v_num, v_den = w_num * points, w_den * answers
            dimension = self.item_dimension[code]
            if dimension in sums:
                t_num, t_den, s_num, s_den = sums[dimension]
                sums[dimension] = (t_num * v_den + v_num * t_den, t_den * v_den,
                                   s_num * w_den + w_num * s_den, s_den * w_den)  # fmt: skip
            else:
                sums[dimension] = (v_num, v_den, w_num, w_den)
        if not sums:
            return None, {}
        dimensions = {
            d: Fraction(t_num * s_den * self.scale, t_den * s_num * scoring.SCORE_MAX)
            for d, (t_num, t_den, s_num, s_den) in sums.items()
        }
        weight_sum = sum(self.dimension_weight[d] for d in dimensions)
        overall = sum(self.dimension_weight[d] * v for d, v in dimensions.items()) / weight_sum
        return overall, dimensions


_COMPILED = {}


def compiled(model):
    """The CompiledModel of a (hashable, immutable) scoring model, cached."""
    found = _COMPILED.get(model)
    if found is None:
        if len(_COMPILED) > 64:
            _COMPILED.clear()
        found = _COMPILED[model] = CompiledModel(model)
    return found


def score(cat, counts_by_code):
    """Figures of pooled {code: ItemCounts} under the catalogue's model."""
    return Figures(cat, counts_by_code)
