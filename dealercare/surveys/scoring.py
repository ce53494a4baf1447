"""CSI scoring (DOMAIN §4): item, dimension and overall scores, level shares, what-if, standing.

Pure: values in, values out; no ORM, no settings, no clock. Services and selectors load answer
counts (``{score: count}``) and the store's scoring model and thresholds, then call these
functions. Arithmetic is exact (``fractions.Fraction``) and every comparison is made on exact
values; ``Decimal`` appears only in the ``*_display`` values, rounded once, half up, from the
exact value. Binary floats are refused wherever a number comes in. The decisions (formula,
rounding, weights, missing data, what-if) are recorded in docs/adr/0004-csi-scoring.md.

Glossary: level 满意程度; very satisfied 非常满意, satisfied 满意, average 一般, dissatisfied 不满,
very dissatisfied 非常不满; check item 执行率评价; strength 优势项目, weakness 劣势项目.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

SCORE_MIN = 1
SCORE_MAX = 10
SCORES = tuple(range(SCORE_MIN, SCORE_MAX + 1))

# Decimals shown per scale: one tenth of a point on the 100-point scale is one point on the
# 1,000-point scale, so both show the same precision (79.2 and 792).
SCORE_PLACES = {100: 1, 1000: 0}
SCALES = tuple(SCORE_PLACES)

SCORE_ERROR = "A score must be a whole number from 1 to 10; got {value!r}."
COUNT_ERROR = "The number of answers with score {score} must be a whole number >= 0; got {value!r}."
CHECK_ERROR = "A check answer must be True (yes) or False (no); got {value!r}."
EXACT_ERROR = (
    "{what} must be an exact number (int, Fraction, Decimal or a string such as '0.2'); "
    "got {value!r}. Binary floats are not accepted."
)
SCALE_ERROR = "The scale must be one of 100, 1000; got {value!r}."
NO_ANSWERS_ERROR = "{what} has no answers, so it has no score to raise."


class Level(StrEnum):
    """Satisfaction level of a 1-10 answer, lowest first (满意程度)."""

    VERY_DISSATISFIED = "very_dissatisfied"  # 1-2 非常不满
    DISSATISFIED = "dissatisfied"  # 3-4 不满
    AVERAGE = "average"  # 5-6 一般
    SATISFIED = "satisfied"  # 7-8 满意
    VERY_SATISFIED = "very_satisfied"  # 9-10 非常满意


LEVELS = tuple(Level)
# The scores of each level: two per level, from 1-2 up to 9-10.
LEVEL_SCORES = {level: (2 * i + 1, 2 * i + 2) for i, level in enumerate(LEVELS)}


# ---------------------------------------------------------------------------------------------
# Exact numbers and display


def exact(value, *, what="A number"):
    """Return ``value`` as a Fraction; accept int, Fraction, Decimal or str, never a float."""
    if isinstance(value, bool) or not isinstance(value, int | Fraction | Decimal | str):
        raise ValueError(EXACT_ERROR.format(what=what, value=value))
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError, OverflowError):
        raise ValueError(EXACT_ERROR.format(what=what, value=value)) from None


def round_half_up(value, places=1):
    """Round an exact value once to ``places`` decimals, ties away from zero (ROUND_HALF_UP)."""
    value = exact(value)
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        raise ValueError(f"Decimal places must be a whole number >= 0; got {places!r}.")
    digits = math.floor(abs(value) * 10**places + Fraction(1, 2))
    shown = Decimal(digits).scaleb(-places)
    return -shown if value < 0 and digits else shown


def percent_display(share):
    """Show a share (0..1) as a percentage with one decimal: 1/38 -> Decimal('2.6')."""
    return None if share is None else round_half_up(share * 100, 1)


def score_display(score, scale=100):
    """Show a score with the scale's decimals: 79.2 on the 100-point scale, 792 on 1,000."""
    return None if score is None else round_half_up(score, SCORE_PLACES[_check_scale(scale)])


def _check_scale(scale):
    """Return ``scale`` if it is a supported scale, else raise ValueError."""
    if isinstance(scale, bool) or scale not in SCALES:
        raise ValueError(SCALE_ERROR.format(value=scale))
    return scale


# ---------------------------------------------------------------------------------------------
# Answers, levels, item scores


def check_score(score):
    """Return ``score`` if it is a whole number 1-10 (bools refused), else raise ValueError."""
    if isinstance(score, bool) or not isinstance(score, int) or not SCORE_MIN <= score <= SCORE_MAX:
        raise ValueError(SCORE_ERROR.format(value=score))
    return score


def level_of(score):
    """The level of a 1-10 score: 9-10 very satisfied ... 1-2 very dissatisfied."""
    return LEVELS[(check_score(score) - 1) // 2]


def next_level_min(score):
    """The lowest score of the next level up (1-2->3, 3-4->5, 5-6->7, 7-8->9); None for 9-10."""
    index = (check_score(score) - 1) // 2
    return None if index == len(LEVELS) - 1 else 2 * index + 3


def move_gain(score):
    """Points an answer gains when it moves one level up (next_level_min - score); 0 for 9-10."""
    target = next_level_min(score)
    return 0 if target is None else target - score


def tally(answers):
    """Count answers by score: a list of 1-10 scores or a {score: count} mapping -> {1..10: n}."""
    counts = dict.fromkeys(SCORES, 0)
    if isinstance(answers, Mapping):
        for score, count in answers.items():
            check_score(score)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(COUNT_ERROR.format(score=score, value=count))
            counts[score] += count
    else:
        for score in answers:
            counts[check_score(score)] += 1
    return counts


def combine(*answer_sets):
    """Pool several answer lists or count mappings into one {1..10: n} (periods, items, people)."""
    pooled = dict.fromkeys(SCORES, 0)
    for answers in answer_sets:
        for score, count in tally(answers).items():
            pooled[score] += count
    return pooled


@dataclass(frozen=True)
class ItemScore:
    """Exact figures of one 1-10 item: score on the scale, level counts and level shares.

    ``counts`` holds the answers per score, index 0 for score 1. With no answers the score and
    the shares are None: there is nothing to average, and 0 would read as "all unhappy".
    """

    counts: tuple[int, ...]
    scale: int = 100

    def __post_init__(self):
        """Refuse counts that are not ten whole numbers >= 0, and unsupported scales."""
        if len(self.counts) != len(SCORES):
            raise ValueError(f"Counts are needed for the ten scores 1-10; got {self.counts!r}.")
        tally(dict(zip(SCORES, self.counts, strict=True)))
        _check_scale(self.scale)

    @property
    def answers(self):
        """How many answers the item has."""
        return sum(self.counts)

    @property
    def points(self):
        """Sum of all answers (6x1 + 7x2 + 8x34 + 9x1 = 301 in seed 001)."""
        return sum(score * count for score, count in zip(SCORES, self.counts, strict=True))

    @property
    def score(self):
        """Mean answer x 10 on the 100-point scale (x 100 on 1,000), exact; None if no answers."""
        if not self.answers:
            return None
        return Fraction(self.points, self.answers) * self.scale / SCORE_MAX

    @property
    def score_display(self):
        """The score rounded half up for display (79.2, or 792 on the 1,000-point scale)."""
        return score_display(self.score, self.scale)

    def count(self, score):
        """How many answers gave ``score``."""
        return self.counts[check_score(score) - 1]

    def score_share(self, score):
        """Answers that gave ``score`` / all answers, exact; None if no answers."""
        return self._share(self.count(score))

    def score_share_display(self, score):
        """The share of one score as a percentage with one decimal (seed 001's table rows)."""
        return percent_display(self.score_share(score))

    def level_count(self, level):
        """How many answers fall in ``level``."""
        low, high = LEVEL_SCORES[Level(level)]
        return self.counts[low - 1] + self.counts[high - 1]

    def level_share(self, level):
        """Answers in ``level`` / all answers, exact; None if no answers."""
        return self._share(self.level_count(level))

    def level_share_display(self, level):
        """The level share as a percentage with one decimal (Decimal('2.6'))."""
        return percent_display(self.level_share(level))

    @property
    def satisfied_rate(self):
        """Share of satisfied + very satisfied answers (满意率, what targets are set on)."""
        return self._share(
            self.level_count(Level.SATISFIED) + self.level_count(Level.VERY_SATISFIED)
        )

    @property
    def satisfied_rate_display(self):
        """The satisfied rate as a percentage with one decimal."""
        return percent_display(self.satisfied_rate)

    @property
    def negative_share(self):
        """Share of dissatisfied + very dissatisfied answers."""
        return self._share(
            self.level_count(Level.DISSATISFIED) + self.level_count(Level.VERY_DISSATISFIED)
        )

    def _share(self, part):
        """``part`` / all answers, or None if there are none."""
        return Fraction(part, self.answers) if self.answers else None


def item_score(answers, *, scale=100):
    """Score one item from its answers (a list of 1-10 scores or a {score: count} mapping)."""
    return ItemScore(tuple(tally(answers).values()), scale)


@dataclass(frozen=True)
class CheckRate:
    """Execution rate of a yes/no check item (执行率): share of "yes"; None without answers."""

    yes: int
    no: int

    @property
    def answers(self):
        """How many answers the check has."""
        return self.yes + self.no

    @property
    def rate(self):
        """yes / all answers, exact."""
        return Fraction(self.yes, self.answers) if self.answers else None

    @property
    def rate_display(self):
        """The rate as a percentage with one decimal."""
        return percent_display(self.rate)


def check_rate(answers):
    """Rate a yes/no check item from a list of bools or a {True: n, False: m} mapping."""
    counts = {True: 0, False: 0}
    if isinstance(answers, Mapping):
        for answer, count in answers.items():
            if not isinstance(answer, bool):
                raise ValueError(CHECK_ERROR.format(value=answer))
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(
                    f"The number of {answer} answers must be a whole number >= 0; got {count!r}."
                )
            counts[answer] += count
    else:
        for answer in answers:
            if not isinstance(answer, bool):
                raise ValueError(CHECK_ERROR.format(value=answer))
            counts[answer] += 1
    return CheckRate(yes=counts[True], no=counts[False])


# ---------------------------------------------------------------------------------------------
# Scoring model: dimensions, weights, scale


def _weights(weights, *, what):
    """Exact, positive weights as a tuple of (code, Fraction) pairs, in the given order."""
    pairs = tuple(weights.items()) if isinstance(weights, Mapping) else tuple(weights)
    if not pairs:
        raise ValueError(f"{what} must not be empty.")
    result = []
    for code, weight in pairs:
        value = exact(weight, what=f"The weight of {code!r}")
        if value <= 0:
            raise ValueError(f"The weight of {code!r} must be greater than 0; got {weight!r}.")
        result.append((code, value))
    codes = [code for code, _ in result]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{what} name a code twice: {codes!r}.")
    return tuple(result)


def normalise_weights(weights):
    """Scale relative weights (e.g. {"a": 3, "b": 1}) to exact shares of 1 ({"a": 3/4, ...})."""
    pairs = _weights(weights, what="Weights")
    total = sum(weight for _, weight in pairs)
    return {code: weight / total for code, weight in pairs}


@dataclass(frozen=True)
class ScoringModel:
    """Which scale and weights make a figure; every stored figure keeps the model's ``code``.

    ``dimension_weights`` (dimension -> weight) must add up to exactly 1, and so must the
    ``item_weights`` of each dimension; relative weights go through ``normalise_weights``
    first, so that nobody's 33%+33%+33% silently becomes a different model. Without
    ``item_weights`` the items of a dimension weigh the same. Mappings given to the
    constructor are stored as tuples of pairs in their given order (the display order), which
    keeps the model immutable, hashable and comparable.
    """

    code: str
    dimension_weights: tuple[tuple[str, Fraction], ...]
    item_dimensions: tuple[tuple[str, str], ...]
    scale: int = 100
    item_weights: tuple[tuple[str, Fraction], ...] | None = None

    def __post_init__(self):
        """Normalise the inputs to tuples and refuse an inconsistent model with a clear message."""
        if not isinstance(self.code, str) or not self.code.strip():
            raise ValueError("A scoring model needs a code (e.g. 'service-5d-v1').")
        _check_scale(self.scale)
        dimensions = _weights(self.dimension_weights, what="Dimension weights")
        _require_sum_one(dimensions, what="Dimension weights")
        mapping = self.item_dimensions
        pairs = tuple(mapping.items()) if isinstance(mapping, Mapping) else tuple(mapping)
        if not pairs:
            raise ValueError("A scoring model needs at least one item.")
        known = {code for code, _ in dimensions}
        for item, dimension in pairs:
            if dimension not in known:
                raise ValueError(f"Item {item!r} belongs to unknown dimension {dimension!r}.")
        if len({item for item, _ in pairs}) != len(pairs):
            raise ValueError(f"An item is listed twice in {[item for item, _ in pairs]!r}.")
        empty = [code for code, _ in dimensions if code not in {d for _, d in pairs}]
        if empty:
            raise ValueError(f"Dimension {empty[0]!r} has no items.")
        if self.item_weights is None:
            sizes = {d: sum(1 for _, dim in pairs if dim == d) for d in known}
            item_weights = tuple((item, Fraction(1, sizes[d])) for item, d in pairs)
        else:
            given = dict(_weights(self.item_weights, what="Item weights"))
            if set(given) != {item for item, _ in pairs}:
                raise ValueError("Item weights must name exactly the items of the model.")
            item_weights = tuple((item, given[item]) for item, _ in pairs)
            for code, _ in dimensions:
                _require_sum_one(
                    [
                        (i, w)
                        for (i, w), (_, d) in zip(item_weights, pairs, strict=True)
                        if d == code
                    ],
                    what=f"Item weights of dimension {code!r}",
                )
        object.__setattr__(self, "dimension_weights", dimensions)
        object.__setattr__(self, "item_dimensions", pairs)
        object.__setattr__(self, "item_weights", item_weights)

    @property
    def dimensions(self):
        """Dimension codes in display order."""
        return tuple(code for code, _ in self.dimension_weights)

    @property
    def items(self):
        """Item codes in display order."""
        return tuple(code for code, _ in self.item_dimensions)

    def dimension_weight(self, dimension):
        """The weight of ``dimension`` in the overall score."""
        return dict(self.dimension_weights)[self._dimension(dimension)]

    def item_weight(self, item):
        """The weight of ``item`` within its dimension."""
        return dict(self.item_weights)[self._item(item)]

    def dimension_of(self, item):
        """The dimension ``item`` belongs to."""
        return dict(self.item_dimensions)[self._item(item)]

    def items_of(self, dimension):
        """The items of ``dimension`` in display order."""
        self._dimension(dimension)
        return tuple(item for item, d in self.item_dimensions if d == dimension)

    def _item(self, item):
        """Return ``item`` if the model has it, else raise ValueError."""
        if item not in self.items:
            raise ValueError(f"Item {item!r} is not in scoring model {self.code!r}.")
        return item

    def _dimension(self, dimension):
        """Return ``dimension`` if the model has it, else raise ValueError."""
        if dimension not in self.dimensions:
            raise ValueError(f"Dimension {dimension!r} is not in scoring model {self.code!r}.")
        return dimension


def _require_sum_one(pairs, *, what):
    """Raise ValueError unless the weights add up to exactly 1."""
    total = sum(weight for _, weight in pairs)
    if total != 1:
        raise ValueError(
            f"{what} must add up to exactly 1; they add up to {total}. "
            "Use normalise_weights() to turn relative weights into shares."
        )


# Seed 001: service satisfaction is the arithmetic mean of five dimensions, 20% each.
SERVICE_SKILL = "service_skill"  # 服务技能
SERVICE_ATTITUDE = "service_attitude"  # 服务态度
TIMELINESS = "timeliness"  # 服务及时性
PARTS_SUPPLY = "parts_supply"  # 配件供应
OVERALL_SERVICE = "overall_service"  # 服务综合
SERVICE_DIMENSIONS = (SERVICE_SKILL, SERVICE_ATTITUDE, TIMELINESS, PARTS_SUPPLY, OVERALL_SERVICE)

DEFAULT_SERVICE_MODEL = ScoringModel(
    code="service-5d-v1",
    dimension_weights={d: Fraction(1, 5) for d in SERVICE_DIMENSIONS},
    item_dimensions={d: d for d in SERVICE_DIMENSIONS},
)


@dataclass(frozen=True)
class DimensionScore:
    """A dimension's exact score: weighted mean of its answered items (None if none answered)."""

    dimension: str
    weight: Fraction
    score: Fraction | None
    answers: int
    missing_items: tuple[str, ...]
    scale: int = 100

    @property
    def score_display(self):
        """The score rounded half up for display."""
        return score_display(self.score, self.scale)


@dataclass(frozen=True)
class SurveyScore:
    """Item, dimension and overall scores of one set of answers under one scoring model.

    Dimensions without answers are left out of the overall score and the weights of the others
    are re-normalised (ADR 0004); ``missing_dimensions`` and ``complete`` say when that happened.
    """

    model_code: str
    scale: int
    overall: Fraction | None
    dimensions: tuple[DimensionScore, ...]
    items: tuple[tuple[str, ItemScore], ...]

    @property
    def overall_display(self):
        """The overall score rounded half up for display."""
        return score_display(self.overall, self.scale)

    @property
    def missing_dimensions(self):
        """Dimensions without any answer (left out of the overall score)."""
        return tuple(d.dimension for d in self.dimensions if d.score is None)

    @property
    def complete(self):
        """True when every dimension has answers, i.e. the overall uses the model's own weights."""
        return not self.missing_dimensions

    def dimension(self, code):
        """The DimensionScore of ``code``."""
        for dimension in self.dimensions:
            if dimension.dimension == code:
                return dimension
        raise ValueError(f"Dimension {code!r} is not in scoring model {self.model_code!r}.")

    def item(self, code):
        """The ItemScore of ``code``."""
        for item, score in self.items:
            if item == code:
                return score
        raise ValueError(f"Item {code!r} is not in scoring model {self.model_code!r}.")


def _within_dimension_weights(model, dimension, answered):
    """Item weights of ``dimension`` re-normalised over its answered items ({} if none)."""
    present = [item for item in model.items_of(dimension) if item in answered]
    total = sum(model.item_weight(item) for item in present)
    return {item: model.item_weight(item) / total for item in present}


def _effective_weights(model, answered, dimension=None):
    """Weight of each answered item in the overall (or one dimension's) score, summing to 1."""
    if dimension is not None:
        return _within_dimension_weights(model, dimension, answered)
    inner = {d: _within_dimension_weights(model, d, answered) for d in model.dimensions}
    present = [d for d in model.dimensions if inner[d]]
    total = sum(model.dimension_weight(d) for d in present)
    return {
        item: model.dimension_weight(d) / total * weight
        for d in present
        for item, weight in inner[d].items()
    }


def score_survey(model, answers_by_item):
    """Score answers ({item: list or {score: count}}) under ``model``; unknown items are refused.

    Dimension score = weighted mean of its items' scores; overall = weighted mean of the
    dimension scores. Items and dimensions without answers are left out and the remaining
    weights re-normalised (ADR 0004).
    """
    for item in answers_by_item:
        model._item(item)
    items = {
        item: item_score(answers_by_item.get(item, ()), scale=model.scale) for item in model.items
    }
    answered = {item for item, score in items.items() if score.answers}
    dimensions = []
    for d in model.dimensions:
        weights = _within_dimension_weights(model, d, answered)
        dimensions.append(
            DimensionScore(
                dimension=d,
                weight=model.dimension_weight(d),
                score=sum(w * items[i].score for i, w in weights.items()) if weights else None,
                answers=sum(items[i].answers for i in model.items_of(d)),
                missing_items=tuple(i for i in model.items_of(d) if i not in answered),
                scale=model.scale,
            )
        )
    weights = _effective_weights(model, answered)
    return SurveyScore(
        model_code=model.code,
        scale=model.scale,
        overall=sum(w * items[i].score for i, w in weights.items()) if weights else None,
        dimensions=tuple(dimensions),
        items=tuple(items.items()),
    )


# ---------------------------------------------------------------------------------------------
# What-if: the fewest answers that must move up one level to reach a target


@dataclass(frozen=True)
class Move:
    """``count`` answers of ``item`` raised from ``from_score`` to the next level's lowest score."""

    from_score: int
    to_score: int
    count: int
    item: str | None = None

    @property
    def from_level(self):
        """The level the answers leave."""
        return level_of(self.from_score)

    @property
    def to_level(self):
        """The level the answers reach."""
        return level_of(self.to_score)


@dataclass(frozen=True)
class WhatIf:
    """Answer to "how few answers must move up a level to reach ``target``?".

    When ``reachable`` is False, ``moves`` moves every answer that may move and
    ``score_after`` is the best achievable score. ``after`` is the ItemScore (item what-if) or
    SurveyScore (dimension/overall what-if) after the moves, for the new level shares.
    """

    target: Fraction
    score_before: Fraction
    score_after: Fraction
    reachable: bool
    moves: tuple[Move, ...]
    after: ItemScore | SurveyScore
    scale: int = 100

    @property
    def move_count(self):
        """How many answers move."""
        return sum(move.count for move in self.moves)

    @property
    def score_before_display(self):
        """The score before the moves, rounded half up for display."""
        return score_display(self.score_before, self.scale)

    @property
    def score_after_display(self):
        """The score after the moves, rounded half up for display."""
        return score_display(self.score_after, self.scale)


def _movable_scores(movable_scores):
    """The set of scores allowed to move (all by default); 9 and 10 never move anyway."""
    if movable_scores is None:
        return set(SCORES)
    return {check_score(score) for score in movable_scores}


def _fewest_moves(candidates, need):
    """Take the largest per-answer gains first until their sum reaches ``need``.

    ``candidates`` are (gain, from_score, order, item, available) with gain > 0: ``available``
    answers of ``item`` at ``from_score``, each adding ``gain`` to the figure. Each answer
    moves at most once, so a set of moves adds the sum of its gains, and the k largest gains
    are the most any k moves can add: if the k-1 largest fall short of ``need``, so does every
    set of k-1 moves, hence the k found here is the fewest. Equal gains go lowest score first
    (the unhappiest customers are recovered first), then in model order, so answers are
    deterministic. If all candidates fall short, all are taken: the best achievable.
    """
    moves = []
    remaining = need
    for gain, from_score, _order, item, available in sorted(
        candidates, key=lambda c: (-c[0], c[1], c[2])
    ):
        if remaining <= 0:
            break
        take = min(available, math.ceil(remaining / gain))
        moves.append(Move(from_score, next_level_min(from_score), take, item))
        remaining -= take * gain
    return tuple(moves)


def _candidates(score, weight, allowed, item, order):
    """Movable answers of one item as (gain on the figure, from_score, order, item, count)."""
    return [
        (
            weight * Fraction(move_gain(s) * score.scale, SCORE_MAX * score.answers),
            s,
            order,
            item,
            score.count(s),
        )
        for s in SCORES
        if score.count(s) and s in allowed and move_gain(s)
    ]


def _apply(counts, moves):
    """Counts per score (tuple for 1..10) after moving answers."""
    after = list(counts)
    for move in moves:
        after[move.from_score - 1] -= move.count
        after[move.to_score - 1] += move.count
    return tuple(after)


def item_what_if(answers, target, *, movable_scores=None, scale=100):
    """Fewest answers of one item that must move up a level so that score >= target, exactly.

    ``answers`` is a list of 1-10 scores or a {score: count} mapping; ``movable_scores``
    optionally limits which scores may move (seed 001's framing: only the 8s). Greedy by gain
    is optimal; see ``_fewest_moves``.
    """
    target = exact(target, what="The target")
    before = item_score(answers, scale=scale)
    if not before.answers:
        raise ValueError(NO_ANSWERS_ERROR.format(what="The item"))
    candidates = _candidates(before, Fraction(1), _movable_scores(movable_scores), None, 0)
    moves = _fewest_moves(candidates, target - before.score)
    after = ItemScore(_apply(before.counts, moves), scale)
    return WhatIf(
        target=target,
        score_before=before.score,
        score_after=after.score,
        reachable=after.score >= target,
        moves=moves,
        after=after,
        scale=scale,
    )


def survey_what_if(
    model, answers_by_item, target, *, dimension=None, movable_scores=None, movable_items=None
):
    """Fewest answers across items that must move up a level so the overall score (or one
    dimension's) >= target, exactly.

    A move of an answer with score s in item i adds W_i x gain(s) / n_i x scale / 10 to the
    figure, where W_i is the item's effective weight (dimension weight x item weight,
    re-normalised over answered items) and n_i its number of answers. Moves never add or remove
    answers, so W_i and n_i stay fixed and the effects are independent and additive; greedy by
    this weighted gain is therefore optimal (``_fewest_moves``). ``movable_items`` limits the
    items whose answers may move, ``movable_scores`` the scores.
    """
    target = exact(target, what="The target")
    before = score_survey(model, answers_by_item)
    if dimension is None:
        figure, what = before.overall, f"Scoring model {model.code!r}"
    else:
        figure, what = before.dimension(dimension).score, f"Dimension {dimension!r}"
    if figure is None:
        raise ValueError(NO_ANSWERS_ERROR.format(what=what))
    allowed_items = set(model.items if movable_items is None else map(model._item, movable_items))
    allowed_scores = _movable_scores(movable_scores)
    items = dict(before.items)
    weights = _effective_weights(model, {i for i, s in items.items() if s.answers}, dimension)
    candidates = [
        candidate
        for order, item in enumerate(model.items)
        if item in weights and item in allowed_items
        for candidate in _candidates(items[item], weights[item], allowed_scores, item, order)
    ]
    moves = _fewest_moves(candidates, target - figure)
    after_counts = {
        item: dict(
            zip(SCORES, _apply(score.counts, [m for m in moves if m.item == item]), strict=True)
        )
        for item, score in items.items()
    }
    after = score_survey(model, after_counts)
    score_after = after.overall if dimension is None else after.dimension(dimension).score
    return WhatIf(
        target=target,
        score_before=figure,
        score_after=score_after,
        reachable=score_after >= target,
        moves=moves,
        after=after,
        scale=model.scale,
    )


# ---------------------------------------------------------------------------------------------
# Strengths and weaknesses


class Standing(StrEnum):
    """How an item stands against the strength/weakness thresholds."""

    STRENGTH = "strength"  # 优势项目
    WEAKNESS = "weakness"  # 劣势项目
    NEUTRAL = "neutral"
    TOO_FEW_ANSWERS = "too_few_answers"


class Reason(StrEnum):
    """Which rule made an item a strength or a weakness."""

    NO_NEGATIVE_MANY_VERY_SATISFIED = "no_negative_many_very_satisfied"
    FEW_VERY_SATISFIED_MANY_NEGATIVE = "few_very_satisfied_many_negative"
    VERY_SATISFIED_DROPPED = "very_satisfied_dropped"


_SHARE_FIELDS = (
    "strength_min_very_satisfied_share",
    "strength_max_negative_share",
    "weakness_max_very_satisfied_share",
    "weakness_min_negative_share",
    "weakness_min_very_satisfied_drop",
)


@dataclass(frozen=True)
class StandingThresholds:
    """Strength/weakness thresholds (DOMAIN §4); defaults a dealer can change in settings.

    Shares are exact fractions of 1 (Fraction, Decimal, int or str; 1/2 = 50%). "Negative"
    means dissatisfied + very dissatisfied. Defaults: a strength has no negative answer and at
    least 50% very satisfied; a weakness has at most 20% very satisfied and at least 10%
    negative, or very satisfied fell by at least 10 percentage points against the previous
    period. Fewer than ``min_answers`` answers (10) are not classified: one unhappy customer
    out of three is not yet a weakness.
    """

    min_answers: int = 10
    strength_min_very_satisfied_share: Fraction = Fraction(1, 2)
    strength_max_negative_share: Fraction = Fraction(0)
    weakness_max_very_satisfied_share: Fraction = Fraction(1, 5)
    weakness_min_negative_share: Fraction = Fraction(1, 10)
    weakness_min_very_satisfied_drop: Fraction = Fraction(1, 10)

    def __post_init__(self):
        """Convert shares to exact fractions and refuse values outside 0..1."""
        if (
            isinstance(self.min_answers, bool)
            or not isinstance(self.min_answers, int)
            or self.min_answers < 1
        ):
            raise ValueError(f"min_answers must be a whole number >= 1; got {self.min_answers!r}.")
        for name in _SHARE_FIELDS:
            value = exact(getattr(self, name), what=name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be a share from 0 to 1; got {value}.")
            object.__setattr__(self, name, value)


DEFAULT_THRESHOLDS = StandingThresholds()


@dataclass(frozen=True)
class Classification:
    """An item's standing, the rules that put it there, and the very-satisfied drop (if known)."""

    standing: Standing
    reasons: tuple[Reason, ...]
    very_satisfied_drop: Fraction | None = None

    @property
    def very_satisfied_drop_display(self):
        """The drop in percentage points with one decimal (negative when it rose)."""
        return percent_display(self.very_satisfied_drop)


def classify_item(current, previous=None, thresholds=DEFAULT_THRESHOLDS):
    """Strength, weakness or neutral for an ItemScore, against the previous period's if given.

    A weakness wins over a strength: an item that is still strong but lost 10 points of
    "very satisfied" needs an action plan. The previous period counts only if it has
    ``min_answers`` answers too.
    """
    if current.answers < thresholds.min_answers:
        return Classification(Standing.TOO_FEW_ANSWERS, ())
    very_satisfied = current.level_share(Level.VERY_SATISFIED)
    negative = current.negative_share
    drop = None
    if previous is not None and previous.answers >= thresholds.min_answers:
        drop = previous.level_share(Level.VERY_SATISFIED) - very_satisfied
    weaknesses = []
    if (
        very_satisfied <= thresholds.weakness_max_very_satisfied_share
        and negative >= thresholds.weakness_min_negative_share
    ):
        weaknesses.append(Reason.FEW_VERY_SATISFIED_MANY_NEGATIVE)
    if drop is not None and drop >= thresholds.weakness_min_very_satisfied_drop:
        weaknesses.append(Reason.VERY_SATISFIED_DROPPED)
    if weaknesses:
        return Classification(Standing.WEAKNESS, tuple(weaknesses), drop)
    if (
        negative <= thresholds.strength_max_negative_share
        and very_satisfied >= thresholds.strength_min_very_satisfied_share
    ):
        return Classification(Standing.STRENGTH, (Reason.NO_NEGATIVE_MANY_VERY_SATISFIED,), drop)
    return Classification(Standing.NEUTRAL, (), drop)
