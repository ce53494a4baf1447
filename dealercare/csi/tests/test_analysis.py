"""CSI analysis is pure and exact: periods, findings, key drivers, rankings, attainment."""

import datetime
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealercare.csi import analysis
from dealercare.csi.analysis import (
    Metric,
    PairSums,
    PeriodKind,
    attainment,
    competition_ranks,
    correlation,
    findings,
    key_drivers,
    period_of,
    periods_back,
    ranking,
)
from dealercare.surveys.scoring import Reason, Standing, StandingThresholds, item_score

D = datetime.date


@pytest.mark.parametrize(
    ("kind", "day", "start", "end", "label"),
    [
        ("week", D(2026, 11, 22), D(2026, 11, 16), D(2026, 11, 22), "2026-W47"),  # a Sunday
        ("week", D(2026, 11, 23), D(2026, 11, 23), D(2026, 11, 29), "2026-W48"),  # a Monday
        ("week", D(2027, 1, 1), D(2026, 12, 28), D(2027, 1, 3), "2026-W53"),
        ("month", D(2026, 2, 14), D(2026, 2, 1), D(2026, 2, 28), "2026-02"),
        ("month", D(2028, 2, 29), D(2028, 2, 1), D(2028, 2, 29), "2028-02"),
        ("quarter", D(2026, 11, 22), D(2026, 10, 1), D(2026, 12, 31), "2026-Q4"),
        ("quarter", D(2026, 1, 1), D(2026, 1, 1), D(2026, 3, 31), "2026-Q1"),
    ],
)
def test_a_period_covers_whole_calendar_units(kind, day, start, end, label):
    period = period_of(kind, day)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert period.contains(day)


def test_a_quarter_is_three_months_and_a_week_none():
    assert period_of("quarter", D(2026, 11, 1)).months == (D(2026, 10, 1), D(2026, 11, 1),
                                                          D(2026, 12, 1))  # fmt: skip
    assert period_of("month", D(2026, 11, 9)).months == (D(2026, 11, 1),)
    assert period_of("week", D(2026, 11, 9)).months == ()


def test_periods_back_are_consecutive_oldest_first():
    periods = periods_back("month", D(2026, 2, 10), 3)
    assert [p.label for p in periods] == ["2025-12", "2026-01", "2026-02"]
    assert periods_back("quarter", D(2026, 2, 10), 2)[0].label == "2025-Q4"


@pytest.mark.parametrize("bad", ["day", "", None])
def test_an_unknown_period_kind_is_refused_with_its_name(bad):
    with pytest.raises(ValueError, match="The period must be one of week, month, quarter"):
        period_of(bad, D(2026, 1, 1))


@pytest.mark.parametrize("count", [0, -1, True, 1.0])
def test_periods_back_needs_a_whole_count(count):
    with pytest.raises(ValueError, match="whole number >= 1"):
        periods_back("week", D(2026, 1, 1), count)


@given(
    st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 1, 1)), st.sampled_from(list(PeriodKind))
)
def test_every_day_is_in_exactly_its_period_and_previous_ends_the_day_before(day, kind):
    period = period_of(kind, day)
    assert period.start <= day <= period.end
    assert period.previous.end == period.start - datetime.timedelta(days=1)
    assert period_of(kind, period.end) == period


# --- findings -----------------------------------------------------------------------------------

STRONG = item_score({10: 6, 9: 4})  # no negative, 100% very satisfied
WEAK = item_score({2: 3, 7: 6, 9: 1})  # 10% very satisfied, 30% negative
NEUTRAL = item_score({8: 10})
FEW = item_score({1: 3})


def test_findings_list_weaknesses_first_then_strengths_and_skip_the_rest():
    result = findings({"strong": STRONG, "weak": WEAK, "neutral": NEUTRAL, "few": FEW})
    assert [(f.item, f.standing) for f in result] == [
        ("weak", Standing.WEAKNESS), ("strong", Standing.STRENGTH)]  # fmt: skip
    assert result[0].negative_share == Fraction(3, 10)
    assert result[1].very_satisfied_share == 1


def test_a_large_drop_of_very_satisfied_is_a_weakness_even_for_a_strong_item():
    before = item_score({10: 10})
    now = item_score({10: 8, 9: 0, 8: 2})  # 100% -> 80% very satisfied, no negative
    (finding,) = findings({"x": now}, {"x": before})
    assert finding.standing == Standing.WEAKNESS
    assert finding.reasons == (Reason.VERY_SATISFIED_DROPPED,)
    assert finding.classification.very_satisfied_drop == Fraction(1, 5)


def test_a_store_may_set_stricter_thresholds():
    strict = StandingThresholds(min_answers=5, strength_min_very_satisfied_share=Decimal("1"))
    almost = item_score({10: 9, 8: 1})
    assert findings({"x": almost}) != []
    assert findings({"x": almost}, thresholds=strict) == []


def test_weaknesses_are_ordered_by_lowest_very_satisfied_share():
    worse = item_score({1: 5, 7: 5})
    result = findings({"a": WEAK, "b": worse})
    assert [f.item for f in result] == ["b", "a"]


# --- key drivers ---------------------------------------------------------------------------------


def pearson(pairs):
    """A float reference (only to compare with the exact value in tests)."""
    n = len(pairs)
    mx = sum(x for x, _ in pairs) / n
    my = sum(y for _, y in pairs) / n
    cov = sum((x - mx) * (y - my) for x, y in pairs)
    vx = sum((x - mx) ** 2 for x, _ in pairs)
    vy = sum((y - my) ** 2 for _, y in pairs)
    return cov / math.sqrt(vx * vy)


def test_perfectly_aligned_answers_correlate_exactly_one():
    pairs = [(s, s * 10) for s in range(1, 11)] * 2
    r = correlation(PairSums.of(pairs))
    assert (r.sign, r.r_squared) == (1, 1)
    assert r.display == Decimal("1.00")


def test_opposite_answers_correlate_minus_one():
    r = correlation(PairSums.of([(s, 110 - s * 10) for s in range(1, 11)]))
    assert (r.sign, r.r_squared, r.display) == (-1, 1, Decimal("-1.00"))


@pytest.mark.parametrize(
    ("pairs", "why"),
    [
        ([(8, 80)] * 20, "no spread"),
        ([(s, 50) for s in range(1, 11)] * 2, "no spread in the outcome"),
        ([(1, 10), (2, 20)], "too few pairs"),
    ],
)
def test_no_correlation_without_spread_or_pairs(pairs, why):
    assert correlation(PairSums.of(pairs)) is None, why


@given(st.lists(st.tuples(st.integers(1, 10), st.integers(10, 100)), min_size=10, max_size=60))
def test_the_exact_correlation_matches_the_textbook_formula(pairs):
    r = correlation(PairSums.of(pairs))
    xs, ys = {x for x, _ in pairs}, {y for _, y in pairs}
    if len(xs) < 2 or len(ys) < 2:
        assert r is None
        return
    assert float(r.display) == pytest.approx(pearson(pairs), abs=0.0051)


@given(st.lists(st.tuples(st.integers(1, 10), st.integers(10, 100)), max_size=30),
       st.lists(st.tuples(st.integers(1, 10), st.integers(10, 100)), max_size=30))  # fmt: skip
def test_pair_sums_pool_like_the_pairs_they_hold(a, b):
    assert PairSums.of(a) + PairSums.of(b) == PairSums.of(a + b)


def test_pair_sums_refuse_floats():
    with pytest.raises(ValueError, match="sum_x must be a whole number"):
        PairSums(1, 1.0, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="n must be >= 0"):
        PairSums(-1)


def test_key_drivers_rank_by_correlation_and_leave_out_the_outcome():
    outcome = [10 * s for s in (1, 3, 5, 7, 9, 10, 2, 4, 6, 8)]
    tight = [(y // 10, y) for y in outcome]
    loose = [(x, y) for x, y in zip((5, 3, 6, 7, 8, 9, 4, 4, 6, 9), outcome, strict=True)]
    scores = {"tight": item_score([x for x, _ in tight]), "loose": item_score([x for x, _ in loose]),
              "overall": item_score([5] * 10)}  # fmt: skip
    drivers = key_drivers({"tight": PairSums.of(tight), "loose": PairSums.of(loose),
                           "overall": PairSums.of(tight)}, scores, outcome_item="overall")  # fmt: skip
    assert [(d.item, d.rank) for d in drivers] == [("tight", 1), ("loose", 2)]
    assert drivers[1].correlation < drivers[0].correlation


# --- rankings and targets -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "ranks"),
    [([], []), ([5], [1]), ([9, 8, 8, 7], [1, 2, 2, 4]), ([3, 3, 3], [1, 1, 1])],
)
def test_competition_ranks_share_ties(values, ranks):
    assert competition_ranks(values) == ranks


def test_ranking_uses_exact_figures_and_lists_thin_entries_last():
    result = ranking(
        {
            "甲": (Fraction(1601, 20), 30),
            "乙": (Fraction(3202, 40), 12),
            "丙": (Fraction(81), 3),
            "丁": (None, 0),
            "戊": (Fraction(79), 40),
        },  # fmt: skip
        min_answers=10,
    )
    assert [(r.key, r.rank) for r in result] == [("乙", 1), ("甲", 1), ("戊", 3), ("丁", None),
                                                  ("丙", None)]  # fmt: skip


def test_a_target_is_reached_only_exactly():
    # 79.95 shows as 80.0 but does not reach 80.
    short = attainment(Metric.OVERALL_SCORE, 80, Fraction(7995, 100), 40)
    assert (short.reached, short.actual_display, short.gap_display) == (
        False, Decimal("80.0"), Decimal("-0.1"))  # fmt: skip
    met = attainment(Metric.SATISFIED_RATE, Decimal("0.9"), Fraction(9, 10), 10)
    assert met.reached and met.actual_display == Decimal("90.0")
    assert met.target_display == Decimal("90.0")


def test_an_attainment_without_answers_says_nothing():
    none = attainment("item_score", 85, None, 0)
    assert (none.reached, none.gap, none.actual_display) == (None, None, None)


@pytest.mark.parametrize(("target", "message"), [
    (Decimal("1.2"), "must be a share from 0 to 1"),
    (0.9, "Binary floats are not accepted"),
])  # fmt: skip
def test_a_bad_target_is_refused_with_why(target, message):
    with pytest.raises(ValueError, match=message):
        attainment(Metric.SATISFIED_RATE, target, Fraction(1, 2), 4)


def test_a_thousand_point_target_shows_without_decimals():
    a = attainment(Metric.OVERALL_SCORE, 800, Fraction(7925, 10), 10, scale=1000)
    assert (a.actual_display, a.reached) == (Decimal("793"), False)


def test_share_of_and_sum_counts():
    assert analysis.share_of(1, 4) == Fraction(1, 4)
    assert analysis.share_of(1, 0) is None
    assert analysis.sum_counts([{1: 2}, {1: 1, 10: 4}])[1] == 3
