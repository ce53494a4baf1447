"""CSI analysis (DOMAIN §4): periods, strengths and weaknesses, key drivers, rankings, targets.

Pure: values in, values out; no ORM, no settings, no clock. Scores, level shares and the
strength/weakness rule come from ``dealercare.surveys.scoring`` (one formula, ADR 0004); this
module adds what the dashboards need around them. Every comparison is made on exact values
(``Fraction``); ``Decimal`` appears only in ``*_display`` values, rounded once, half up.

Key drivers (documented in ADR 0007): for each item, the Pearson correlation between a
customer's answer to the item and the same customer's answer to the *outcome item* of the
questionnaire (the overall-satisfaction item, e.g. seed 001's 服务综合). The correlation is
computed exactly from six whole-number sums (n, Σx, Σx², Σy, Σy², Σxy), which the rollups keep,
so a driver computed from the rollups equals one computed from raw answers. An item that
moves with the overall answer matters more to it: raising it is the likelier way to raise the
overall score. Correlation is not causation; the dashboard says so.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from dealercare.surveys.scoring import (
    DEFAULT_THRESHOLDS,
    Classification,
    ItemScore,
    Level,
    Standing,
    classify_item,
    exact,
    percent_display,
    round_half_up,
    score_display,
)

# ---------------------------------------------------------------------------------------------
# Periods: week (Monday-Sunday), month, quarter


class PeriodKind(StrEnum):
    """How long a dashboard period is."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


PERIOD_ERROR = "The period must be one of week, month, quarter; got {value!r}."


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period [start, end] (both days included)."""

    kind: PeriodKind
    start: datetime.date
    end: datetime.date

    @property
    def label(self):
        """'2026-W47', '2026-11' or '2026-Q4'."""
        if self.kind == PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    @property
    def months(self):
        """First days of the months the period covers (empty for a week)."""
        if self.kind == PeriodKind.WEEK:
            return ()
        count = 1 if self.kind == PeriodKind.MONTH else 3
        return tuple(_add_months(self.start, i) for i in range(count))

    @property
    def previous(self):
        """The period of the same kind just before this one."""
        return period_of(self.kind, self.start - datetime.timedelta(days=1))

    def contains(self, day):
        """True if ``day`` falls in the period."""
        return self.start <= day <= self.end


def _kind(kind):
    """``kind`` as a PeriodKind, else ValueError with a clear message."""
    try:
        return PeriodKind(kind)
    except ValueError:
        raise ValueError(PERIOD_ERROR.format(value=kind)) from None


def _add_months(day, months):
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def week_start(day):
    """The Monday of ``day``'s ISO week."""
    return day - datetime.timedelta(days=day.weekday())


def month_start(day):
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def period_of(kind, day):
    """The period of ``kind`` (week, month, quarter) that contains ``day``."""
    kind = _kind(kind)
    if kind == PeriodKind.WEEK:
        start = week_start(day)
        return Period(kind, start, start + datetime.timedelta(days=6))
    if kind == PeriodKind.MONTH:
        start = month_start(day)
    else:
        start = datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    months = 1 if kind == PeriodKind.MONTH else 3
    return Period(kind, start, _add_months(start, months) - datetime.timedelta(days=1))


def periods_back(kind, day, count):
    """The ``count`` periods of ``kind`` ending with the one containing ``day``, oldest first."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"The number of periods must be a whole number >= 1; got {count!r}.")
    periods = [period_of(kind, day)]
    while len(periods) < count:
        periods.append(periods[-1].previous)
    return tuple(reversed(periods))


# ---------------------------------------------------------------------------------------------
# Strengths and weaknesses


@dataclass(frozen=True)
class Finding:
    """One item's standing in a period, with the figures that put it there."""

    item: str
    current: ItemScore
    previous: ItemScore | None
    classification: Classification

    @property
    def standing(self):
        """Strength, weakness, neutral or too few answers."""
        return self.classification.standing

    @property
    def reasons(self):
        """The rules that applied."""
        return self.classification.reasons

    @property
    def very_satisfied_share(self):
        """Share of 9-10 answers this period."""
        return self.current.level_share(Level.VERY_SATISFIED)

    @property
    def negative_share(self):
        """Share of 1-4 answers this period."""
        return self.current.negative_share


def findings(current, previous=None, thresholds=DEFAULT_THRESHOLDS):
    """Classify every item of ``current`` ({item: ItemScore}) against the previous period.

    Returns strengths and weaknesses only, weaknesses first; within each, the clearest case
    first (weaknesses by lowest very-satisfied share, strengths by highest), then item code.
    """
    previous = previous or {}
    result = []
    for item, score in current.items():
        classification = classify_item(score, previous.get(item), thresholds)
        if classification.standing in (Standing.STRENGTH, Standing.WEAKNESS):
            result.append(Finding(item, score, previous.get(item), classification))

    def order(finding):
        share = finding.very_satisfied_share
        if finding.standing == Standing.WEAKNESS:
            return (0, share, finding.item)
        return (1, -share, finding.item)

    return sorted(result, key=order)


# ---------------------------------------------------------------------------------------------
# Key drivers: exact Pearson correlation from whole-number sums


@dataclass(frozen=True)
class PairSums:
    """Sums over answers paired with the same response's outcome answer (x item, y outcome)."""

    n: int = 0
    sum_x: int = 0
    sum_xx: int = 0
    sum_y: int = 0
    sum_yy: int = 0
    sum_xy: int = 0

    def __post_init__(self):
        """Refuse anything but whole numbers (the sums of 1-10 answers are whole)."""
        for name in ("n", "sum_x", "sum_xx", "sum_y", "sum_yy", "sum_xy"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be a whole number; got {value!r}.")
        if self.n < 0:
            raise ValueError(f"n must be >= 0; got {self.n!r}.")

    def __add__(self, other):
        """Pool two sets of pairs (stores, periods, rollup rows)."""
        return PairSums(
            self.n + other.n,
            self.sum_x + other.sum_x,
            self.sum_xx + other.sum_xx,
            self.sum_y + other.sum_y,
            self.sum_yy + other.sum_yy,
            self.sum_xy + other.sum_xy,
        )

    @classmethod
    def of(cls, pairs):
        """The sums of (x, y) pairs of 1-10 answers."""
        total = cls()
        for x, y in pairs:
            total = total + cls(1, x, x * x, y, y * y, x * y)
        return total


@dataclass(frozen=True)
class Correlation:
    """An exact Pearson correlation held as its sign and square (r = sign x sqrt(r_squared))."""

    sign: int
    r_squared: Fraction

    def __lt__(self, other):
        """Order by the value of r, exactly."""
        return self.sign * self.r_squared < other.sign * other.r_squared

    @property
    def display(self):
        """r with two decimals, rounded half up from a value exact to 1e-12."""
        root = Decimal(self.r_squared.numerator) / Decimal(self.r_squared.denominator)
        value = root.sqrt() * self.sign
        return round_half_up(value.quantize(Decimal("1e-12")), 2)


MIN_PAIRS = 10  # fewer pairs give a correlation that means little; none is shown


def correlation(sums, *, min_pairs=MIN_PAIRS):
    """Pearson r of the pairs behind ``sums``; None with too few pairs or no spread in x or y.

    r = (nΣxy - ΣxΣy) / sqrt((nΣx² - (Σx)²)(nΣy² - (Σy)²)), kept exact as sign and r².
    """
    if sums.n < max(min_pairs, 2):
        return None
    cov = sums.n * sums.sum_xy - sums.sum_x * sums.sum_y
    var_x = sums.n * sums.sum_xx - sums.sum_x**2
    var_y = sums.n * sums.sum_yy - sums.sum_y**2
    if var_x <= 0 or var_y <= 0:
        return None
    return Correlation((cov > 0) - (cov < 0), Fraction(cov * cov, var_x * var_y))


@dataclass(frozen=True)
class Driver:
    """An item as a driver of the overall answer: its correlation and its own score."""

    item: str
    correlation: Correlation
    score: ItemScore
    pairs: int
    rank: int = 0


def key_drivers(pair_sums, item_scores, *, outcome_item=None, min_pairs=MIN_PAIRS):
    """Items ranked by correlation with the outcome answer, strongest first.

    ``pair_sums`` is {item: PairSums}, ``item_scores`` {item: ItemScore}. The outcome item
    itself (perfectly correlated with itself) and items with too few pairs are left out. Ties
    share a rank (1, 2, 2, 4); equal correlations are listed by lower score first, since that
    item has more room to raise the overall answer.
    """
    rows = []
    for item, sums in pair_sums.items():
        if item == outcome_item or item not in item_scores:
            continue
        r = correlation(sums, min_pairs=min_pairs)
        if r is not None:
            rows.append(Driver(item, r, item_scores[item], sums.n))
    rows.sort(key=lambda d: (-d.correlation.sign * d.correlation.r_squared, d.score.score, d.item))
    ranks = competition_ranks([d.correlation.sign * d.correlation.r_squared for d in rows])
    return [
        Driver(d.item, d.correlation, d.score, d.pairs, rank)
        for d, rank in zip(rows, ranks, strict=True)
    ]


# ---------------------------------------------------------------------------------------------
# Rankings


def competition_ranks(values):
    """Ranks of values already sorted best first: equal values share a rank (1, 2, 2, 4)."""
    ranks = []
    for index, value in enumerate(values):
        if index and value == values[index - 1]:
            ranks.append(ranks[-1])
        else:
            ranks.append(index + 1)
    return ranks


@dataclass(frozen=True)
class Ranked:
    """One entry of a ranking: its key, exact figure, answers and rank (None: unranked)."""

    key: object
    figure: Fraction | None
    answers: int
    rank: int | None


def ranking(entries, *, min_answers=1):
    """Rank {key: (figure, answers)} best first on exact figures; ties share a rank.

    Entries without a figure or with fewer than ``min_answers`` answers are listed last,
    unranked: three answers do not make a person the best of the store.
    """
    ranked, unranked = [], []
    for key, (figure, answers) in entries.items():
        if figure is None or answers < min_answers:
            unranked.append(Ranked(key, figure, answers, None))
        else:
            ranked.append((key, exact(figure, what="A figure"), answers))
    ranked.sort(key=lambda row: (-row[1], str(row[0])))
    ranks = competition_ranks([row[1] for row in ranked])
    return [
        Ranked(key, figure, answers, rank)
        for (key, figure, answers), rank in zip(ranked, ranks, strict=True)
    ] + sorted(unranked, key=lambda row: str(row.key))


# ---------------------------------------------------------------------------------------------
# Targets


class Metric(StrEnum):
    """What a target is set on."""

    SATISFIED_RATE = "satisfied_rate"  # satisfied + very satisfied share (满意率), in %
    OVERALL_SCORE = "overall_score"  # overall CSI score on the model's scale
    DIMENSION_SCORE = "dimension_score"
    ITEM_SCORE = "item_score"


@dataclass(frozen=True)
class Attainment:
    """A figure against its target: reached (exactly, figure >= target) and the gap."""

    metric: Metric
    target: Fraction
    actual: Fraction | None
    answers: int
    scale: int = 100

    @property
    def reached(self):
        """True if the figure reaches the target exactly; None without answers."""
        return None if self.actual is None else self.actual >= self.target

    @property
    def gap(self):
        """Figure minus target (negative when short); None without answers."""
        return None if self.actual is None else self.actual - self.target

    def _show(self, value):
        """A share as a percentage, a score on its scale."""
        if self.metric == Metric.SATISFIED_RATE:
            return percent_display(value)
        return score_display(value, self.scale)

    @property
    def actual_display(self):
        """The figure as shown (percent for rates, the scale's decimals for scores)."""
        return self._show(self.actual)

    @property
    def target_display(self):
        """The target as shown."""
        return self._show(self.target)

    @property
    def gap_display(self):
        """The gap as shown."""
        return self._show(self.gap)


def attainment(metric, target, actual, answers, *, scale=100):
    """Compare ``actual`` (exact; a share 0..1 for the satisfied rate) with ``target``.

    Targets on the satisfied rate are given as a share of 1 (Decimal('0.9') for 90%).
    """
    metric = Metric(metric)
    target = exact(target, what="The target")
    if metric == Metric.SATISFIED_RATE and not 0 <= target <= 1:
        raise ValueError(f"A satisfied-rate target must be a share from 0 to 1; got {target}.")
    if actual is not None:
        actual = exact(actual, what="The figure")
    return Attainment(metric, target, actual, answers, scale)


def share_of(part, whole):
    """part / whole exactly, None when whole is 0."""
    return Fraction(part, whole) if whole else None


def sum_counts(rows: Iterable[Mapping[int, int]]):
    """Add {score: count} mappings into one {1..10: n}."""
    total = dict.fromkeys(range(1, 11), 0)
    for row in rows:
        for score, count in row.items():
            total[score] += count
    return total
