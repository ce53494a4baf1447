"""CSI scoring is exact and reproduces seed 001's worked example (DOMAIN §4, ADR 0004)."""

import re
from decimal import Decimal, localcontext
from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dealercare.surveys import scoring
from dealercare.surveys.scoring import (
    DEFAULT_SERVICE_MODEL,
    DEFAULT_THRESHOLDS,
    LEVELS,
    OVERALL_SERVICE,
    PARTS_SUPPLY,
    SCORES,
    SERVICE_ATTITUDE,
    SERVICE_DIMENSIONS,
    SERVICE_SKILL,
    TIMELINESS,
    ItemScore,
    Level,
    Move,
    Reason,
    ScoringModel,
    Standing,
    StandingThresholds,
    check_rate,
    check_score,
    classify_item,
    combine,
    exact,
    item_score,
    item_what_if,
    level_of,
    move_gain,
    next_level_min,
    normalise_weights,
    percent_display,
    round_half_up,
    score_display,
    score_survey,
    survey_what_if,
    tally,
)

# Seed 001: 38 customers rated "timeliness": one 6, two 7s, thirty-four 8s, one 9.
SEED_001 = {6: 1, 7: 2, 8: 34, 9: 1}
SEED_001_LIST = [6] + [7] * 2 + [8] * 34 + [9]

D = Decimal
F = Fraction


def counts_of(**by_score):
    """{"s8": 3} -> {8: 3}, to keep tables short."""
    return {int(key[1:]): value for key, value in by_score.items()}


def answers_list(counts):
    """{8: 2, 9: 1} -> [8, 8, 9]."""
    return [score for score in SCORES for _ in range(counts.get(score, 0))]


# ---------------------------------------------------------------------------------------------
# Levels


@pytest.mark.parametrize(
    ("score", "level", "next_min", "gain"),
    [
        (1, Level.VERY_DISSATISFIED, 3, 2),
        (2, Level.VERY_DISSATISFIED, 3, 1),
        (3, Level.DISSATISFIED, 5, 2),
        (4, Level.DISSATISFIED, 5, 1),
        (5, Level.AVERAGE, 7, 2),
        (6, Level.AVERAGE, 7, 1),
        (7, Level.SATISFIED, 9, 2),
        (8, Level.SATISFIED, 9, 1),
        (9, Level.VERY_SATISFIED, None, 0),
        (10, Level.VERY_SATISFIED, None, 0),
    ],
)
def test_each_score_has_a_level_and_moves_to_the_next_levels_lowest_score(
    score, level, next_min, gain
):
    assert level_of(score) == level
    assert next_level_min(score) == next_min
    assert move_gain(score) == gain


def test_levels_run_from_very_dissatisfied_to_very_satisfied():
    assert LEVELS == (
        Level.VERY_DISSATISFIED,
        Level.DISSATISFIED,
        Level.AVERAGE,
        Level.SATISFIED,
        Level.VERY_SATISFIED,
    )
    assert scoring.LEVEL_SCORES[Level.AVERAGE] == (5, 6)


@pytest.mark.parametrize("bad", [0, 11, -3, 8.0, 7.5, True, False, "8", None, F(8), D(8)])
def test_a_score_that_is_not_a_whole_number_from_1_to_10_is_refused(bad):
    message = f"A score must be a whole number from 1 to 10; got {bad!r}."
    with pytest.raises(ValueError, match=re.escape(message)):
        check_score(bad)
    with pytest.raises(ValueError, match=re.escape(message)):
        item_score([8, bad])
    with pytest.raises(ValueError, match=re.escape(message)):
        item_score({bad: 1})


@pytest.mark.parametrize("bad", [-1, 1.0, True, "2", None])
def test_a_count_that_is_not_a_whole_number_from_zero_up_is_refused(bad):
    message = f"The number of answers with score 8 must be a whole number >= 0; got {bad!r}."
    with pytest.raises(ValueError, match=re.escape(message)):
        tally({8: bad})


def test_tally_counts_lists_and_mappings_the_same_way_with_every_score_present():
    expected = dict.fromkeys(SCORES, 0) | SEED_001
    assert tally(SEED_001_LIST) == expected
    assert tally(SEED_001) == expected
    assert tally({8: 0}) == dict.fromkeys(SCORES, 0)


def test_combine_pools_lists_and_mappings():
    pooled = combine([9, 9, 3], {9: 1, 5: 2}, [])
    assert pooled == dict.fromkeys(SCORES, 0) | {9: 3, 3: 1, 5: 2}


# ---------------------------------------------------------------------------------------------
# Seed 001's worked example


def test_seed_001_timeliness_scores_79_2_exactly():
    score = item_score(SEED_001)
    assert score.answers == 38
    assert score.points == 301  # 6x1 + 7x2 + 8x34 + 9x1
    assert score.score == F(3010, 38)
    assert score.score_display == D("79.2")
    assert item_score(SEED_001_LIST) == score


@pytest.mark.parametrize(
    ("score", "share"),
    [(6, D("2.6")), (7, D("5.3")), (8, D("89.5")), (9, D("2.6")), (10, D("0.0"))],
)
def test_seed_001_table_shows_the_share_of_each_score(score, share):
    assert item_score(SEED_001).score_share_display(score) == share


@pytest.mark.parametrize(
    ("level", "count", "share"),
    [
        (Level.VERY_DISSATISFIED, 0, D("0.0")),
        (Level.DISSATISFIED, 0, D("0.0")),
        (Level.AVERAGE, 1, D("2.6")),
        (Level.SATISFIED, 36, D("94.7")),  # 5.3% sevens + 89.5% eights, exactly 36/38
        (Level.VERY_SATISFIED, 1, D("2.6")),
    ],
)
def test_seed_001_level_counts_and_shares(level, count, share):
    score = item_score(SEED_001)
    assert score.level_count(level) == count
    assert score.level_share(level) == F(count, 38)
    assert score.level_share_display(level) == share
    assert score.level_share_display(level.value) == share  # stored codes work too


def test_seed_001_satisfied_rate_is_satisfied_plus_very_satisfied():
    score = item_score(SEED_001)
    assert score.satisfied_rate == F(37, 38)
    assert score.satisfied_rate_display == D("97.4")
    assert score.negative_share == 0


def test_seed_001_three_eights_must_become_nines_when_only_eights_may_move():
    what_if = item_what_if(SEED_001, 80, movable_scores={8})
    assert what_if.reachable
    assert what_if.moves == (Move(from_score=8, to_score=9, count=3),)
    assert what_if.move_count == 3
    assert what_if.score_before_display == D("79.2")
    assert what_if.score_after == 80  # 304 / 38 x 10, exactly
    assert what_if.score_after_display == D("80.0")
    very_satisfied_after = what_if.after.level_share(Level.VERY_SATISFIED)
    assert percent_display(very_satisfied_after) == D("10.5")
    assert percent_display(very_satisfied_after - F(1, 38)) == D("7.9")  # "上升了7.9%"
    assert what_if.after.count(6) == 1 and what_if.after.count(7) == 2  # 6 and 7s unchanged


def test_seed_001_without_restriction_the_two_sevens_moving_to_nine_are_fewest():
    what_if = item_what_if(SEED_001, 80)
    assert what_if.moves == (Move(from_score=7, to_score=9, count=2),)
    assert what_if.move_count == 2
    assert what_if.score_after == F(3050, 38)
    assert what_if.score_after_display == D("80.3")
    assert what_if.moves[0].from_level == Level.SATISFIED
    assert what_if.moves[0].to_level == Level.VERY_SATISFIED


@pytest.mark.parametrize(
    ("target", "movable", "reachable", "moves", "after_display"),
    [
        (79, None, True, (), D("79.2")),  # already there
        (F(3010, 38), None, True, (), D("79.2")),  # exactly equal counts as reached
        (F(3040, 38), {8}, True, ((8, 9, 3),), D("80.0")),
        (F(3040, 38) + F(1, 10**9), {8}, True, ((8, 9, 4),), D("80.3")),  # just above 80
        ("80", {8}, True, ((8, 9, 3),), D("80.0")),
        (D("80.0"), {8}, True, ((8, 9, 3),), D("80.0")),
        (81, {8}, True, ((8, 9, 7),), D("81.1")),
        (81, None, True, ((7, 9, 2), (6, 7, 1), (8, 9, 2)), D("81.1")),  # 308 points
        (90, {8}, False, ((8, 9, 34),), D("88.2")),  # best achievable moving every 8
        (100, None, False, ((7, 9, 2), (6, 7, 1), (8, 9, 34)), D("89.5")),
        (80, {6}, False, ((6, 7, 1),), D("79.5")),
        (80, {9, 10}, False, (), D("79.2")),  # 9-10 cannot move
        (80, [], False, (), D("79.2")),
    ],
)
def test_item_what_if_on_seed_001(target, movable, reachable, moves, after_display):
    what_if = item_what_if(SEED_001, target, movable_scores=movable)
    assert what_if.reachable is reachable
    assert what_if.moves == tuple(Move(*move) for move in moves)
    assert what_if.score_after_display == after_display
    assert what_if.target == exact(target)


def test_what_if_moves_the_unhappiest_answers_first_when_gains_tie():
    # A 1 and a 7 both gain 2 points by moving; one move is enough, so the 1 moves.
    what_if = item_what_if([1, 7, 9, 9], 70)
    assert what_if.moves == (Move(from_score=1, to_score=3, count=1),)


def test_what_if_takes_only_as_many_small_gains_as_the_remaining_gap_needs():
    # 1,2,1,2,2,2 scores 16.7; 25 needs 5 more points: both 1s (+2 each) and one 2 (+1).
    # (Found by the brute-force property test when a gain was once computed as a float.)
    what_if = item_what_if([1, 2, 1, 2, 2, 2], 25)
    assert what_if.moves == (Move(1, 3, 2), Move(2, 3, 1))
    assert what_if.score_after == 25


def test_what_if_on_the_1000_point_scale_matches_the_100_point_scale():
    what_if = item_what_if(SEED_001, 800, movable_scores={8}, scale=1000)
    assert what_if.moves == (Move(8, 9, 3),)
    assert what_if.score_before_display == D("792")
    assert what_if.score_after_display == D("800")


def test_what_if_needs_answers_an_exact_target_and_valid_scores():
    with pytest.raises(ValueError, match="The item has no answers, so it has no score to raise."):
        item_what_if({}, 80)
    with pytest.raises(ValueError, match=re.escape("The target must be an exact number")):
        item_what_if(SEED_001, 80.0)
    with pytest.raises(ValueError, match=re.escape("got 11")):
        item_what_if(SEED_001, 80, movable_scores={11})


# ---------------------------------------------------------------------------------------------
# Exact numbers and rounding


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (F(317, 4), 1, D("79.3")),  # 79.25: half up (banker's rounding would give 79.2)
        (F(-317, 4), 1, D("-79.3")),  # ties go away from zero
        (F(7924999, 100000), 1, D("79.2")),  # rounded once, never 79.25 -> 79.3
        (F(1, 20), 1, D("0.1")),  # 0.05
        (F(1, 40), 1, D("0.0")),  # 0.025
        (F(-1, 100), 1, D("0.0")),  # no "-0.0"
        (F(1, 3), 1, D("0.3")),
        (F(2, 3), 1, D("0.7")),
        (D("2.675"), 2, D("2.68")),  # the float 2.675 would round to 2.67
        (F(1585, 2), 0, D("793")),
        (80, 1, D("80.0")),
        ("0.15", 1, D("0.2")),
        (0, 1, D("0.0")),
    ],
)
def test_round_half_up_rounds_exact_values_once_ties_away_from_zero(value, places, shown):
    result = round_half_up(value, places)
    assert result == shown
    assert str(result) == str(shown)  # same number of decimals too


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_round_half_up_needs_whole_places(bad):
    with pytest.raises(ValueError, match=re.escape(f"got {bad!r}")):
        round_half_up(F(1, 3), bad)


@pytest.mark.parametrize(
    ("answers", "score_shown"),
    [
        ({8: 37, 7: 3}, D("79.3")),  # 317/40 x 10 = 79.25 exactly
        ({8: 36, 7: 4}, D("79.0")),
        ({9: 1, 8: 1}, D("85.0")),
        ({1: 1}, D("10.0")),
        ({10: 5}, D("100.0")),
        ({1: 1, 2: 1, 3: 1}, D("20.0")),
        ({9: 1, 8: 2}, D("83.3")),
        ({9: 2, 8: 1}, D("86.7")),
    ],
)
def test_item_scores_display_with_one_decimal_half_up(answers, score_shown):
    assert item_score(answers).score_display == score_shown


@pytest.mark.parametrize(
    ("share", "shown"),
    [
        (F(1, 80), D("1.3")),  # 1.25%
        (F(3, 80), D("3.8")),  # 3.75%
        (F(1, 2000), D("0.1")),  # 0.05%
        (F(1, 38), D("2.6")),
        (F(0), D("0.0")),
        (F(1), D("100.0")),
        (None, None),
    ],
)
def test_shares_display_as_percentages_with_one_decimal(share, shown):
    assert percent_display(share) == shown


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, F(3)), (F(1, 5), F(1, 5)), (D("0.2"), F(1, 5)), ("0.2", F(1, 5)), ("1/5", F(1, 5))],
)
def test_exact_accepts_ints_fractions_decimals_and_strings(value, expected):
    assert exact(value) == expected


@pytest.mark.parametrize(
    "bad", [0.2, 1.0, True, None, "abc", "1/0", D("NaN"), D("Infinity"), [1], 1j]
)
def test_exact_refuses_floats_and_anything_not_a_number(bad):
    with pytest.raises(ValueError, match=re.escape(f"got {bad!r}. Binary floats are not accepted")):
        exact(bad)


@pytest.mark.parametrize("bad", [10, 50, 999, True, "100", None])
def test_only_the_100_and_1000_point_scales_exist(bad):
    message = f"The scale must be one of 100, 1000; got {bad!r}."
    with pytest.raises(ValueError, match=re.escape(message)):
        item_score(SEED_001, scale=bad)
    with pytest.raises(ValueError, match=re.escape(message)):
        score_display(F(1), bad)


# ---------------------------------------------------------------------------------------------
# Item scores on both scales, empty items, yes/no checks


def test_the_1000_point_scale_is_ten_times_the_100_point_scale():
    thousand = item_score(SEED_001, scale=1000)
    assert thousand.score == 10 * item_score(SEED_001).score
    assert thousand.score_display == D("792")
    assert score_display(F(15855, 20), 1000) == D("793")  # 792.75


def test_an_item_without_answers_has_no_score_and_no_shares():
    empty = item_score([])
    assert empty.answers == 0
    assert empty.score is None
    assert empty.score_display is None
    assert empty.level_share(Level.SATISFIED) is None
    assert empty.score_share(8) is None
    assert empty.satisfied_rate is None
    assert empty.negative_share is None


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ((1, 2, 3), "Counts are needed for the ten scores 1-10"),
        ((0,) * 9 + (-1,), "The number of answers with score 10 must be a whole number >= 0"),
    ],
)
def test_item_scores_refuse_malformed_counts(counts, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ItemScore(counts)


@pytest.mark.parametrize(
    ("answers", "yes", "no", "shown"),
    [
        ([True, True, False], 2, 1, D("66.7")),
        ({True: 19, False: 1}, 19, 1, D("95.0")),
        ({True: 1, False: 7}, 1, 7, D("12.5")),
        ([True], 1, 0, D("100.0")),
        ([], 0, 0, None),
    ],
)
def test_check_items_are_rated_by_their_share_of_yes(answers, yes, no, shown):
    rate = check_rate(answers)
    assert (rate.yes, rate.no, rate.answers) == (yes, no, yes + no)
    assert rate.rate_display == shown
    if rate.answers:
        assert rate.rate == F(yes, yes + no)
    else:
        assert rate.rate is None


@pytest.mark.parametrize("answers", [[True, 1], [0], ["yes"], {1: 3}, {"no": 1}])
def test_check_answers_must_be_true_or_false(answers):
    with pytest.raises(ValueError, match="A check answer must be True .yes. or False .no."):
        check_rate(answers)


@pytest.mark.parametrize("bad", [-1, 2.0, None, False])
def test_check_counts_must_be_whole_numbers_from_zero_up(bad):
    with pytest.raises(ValueError, match=re.escape(f"must be a whole number >= 0; got {bad!r}")):
        check_rate({True: 3, False: bad})


# ---------------------------------------------------------------------------------------------
# Scoring models, dimensions, overall


def test_the_default_service_model_is_seed_001s_five_dimensions_at_20_percent():
    model = DEFAULT_SERVICE_MODEL
    assert model.dimensions == SERVICE_DIMENSIONS
    assert model.dimensions == (
        SERVICE_SKILL,
        SERVICE_ATTITUDE,
        TIMELINESS,
        PARTS_SUPPLY,
        OVERALL_SERVICE,
    )
    assert all(model.dimension_weight(d) == F(1, 5) for d in model.dimensions)
    assert model.items == SERVICE_DIMENSIONS
    assert model.dimension_of(TIMELINESS) == TIMELINESS
    assert model.items_of(TIMELINESS) == (TIMELINESS,)
    assert model.item_weight(TIMELINESS) == 1
    assert model.scale == 100
    assert model.code == "service-5d-v1"


def test_overall_is_the_mean_of_the_five_dimensions():
    answers = {
        SERVICE_SKILL: {9: 10},  # 90
        SERVICE_ATTITUDE: {8: 10},  # 80
        TIMELINESS: SEED_001,  # 79.2...
        PARTS_SUPPLY: {7: 5, 9: 5},  # 80
        OVERALL_SERVICE: [10, 6],  # 80
    }
    result = score_survey(DEFAULT_SERVICE_MODEL, answers)
    assert result.overall == (90 + 80 + F(3010, 38) + 80 + 80) / 5
    assert result.overall_display == D("81.8")
    assert result.complete
    assert result.missing_dimensions == ()
    assert result.model_code == "service-5d-v1"
    assert result.dimension(TIMELINESS).score_display == D("79.2")
    assert result.dimension(TIMELINESS).answers == 38
    assert result.dimension(TIMELINESS).weight == F(1, 5)
    assert result.item(TIMELINESS) == item_score(SEED_001)


def test_a_dimension_without_answers_is_left_out_and_the_others_reweighted():
    answers = {SERVICE_SKILL: [9], SERVICE_ATTITUDE: [8], TIMELINESS: [7], PARTS_SUPPLY: {}}
    result = score_survey(DEFAULT_SERVICE_MODEL, answers)
    assert result.overall == 80  # (90 + 80 + 70) / 3, each at 1/3 instead of 1/5
    assert not result.complete
    assert result.missing_dimensions == (PARTS_SUPPLY, OVERALL_SERVICE)
    assert result.dimension(PARTS_SUPPLY).score is None
    assert result.dimension(PARTS_SUPPLY).score_display is None
    assert result.dimension(PARTS_SUPPLY).missing_items == (PARTS_SUPPLY,)


def test_no_answers_at_all_give_no_overall_score():
    result = score_survey(DEFAULT_SERVICE_MODEL, {})
    assert result.overall is None
    assert result.overall_display is None
    assert result.missing_dimensions == SERVICE_DIMENSIONS


def test_answers_for_an_item_outside_the_model_are_refused():
    with pytest.raises(ValueError, match="Item 'price' is not in scoring model 'service-5d-v1'."):
        score_survey(DEFAULT_SERVICE_MODEL, {"price": [9]})


def test_survey_score_lookups_refuse_unknown_codes():
    result = score_survey(DEFAULT_SERVICE_MODEL, {})
    with pytest.raises(ValueError, match="Dimension 'x' is not in scoring model"):
        result.dimension("x")
    with pytest.raises(ValueError, match="Item 'x' is not in scoring model"):
        result.item("x")


SALES = ScoringModel(
    code="sales-v2",
    dimension_weights={"showroom": F(3, 10), "delivery": D("0.7")},
    item_dimensions={"clean": "showroom", "welcome": "showroom", "on_time": "delivery"},
    item_weights={"clean": F(1, 4), "welcome": "0.75", "on_time": 1},
    scale=1000,
)


def test_weighted_dimensions_and_items_on_the_1000_point_scale():
    result = score_survey(SALES, {"clean": [10], "welcome": [6], "on_time": [8]})
    showroom = F(1, 4) * 1000 + F(3, 4) * 600  # 700
    assert result.dimension("showroom").score == showroom
    assert result.overall == F(3, 10) * showroom + F(7, 10) * 800  # 770
    assert result.overall_display == D("770")
    assert result.scale == 1000


def test_an_item_without_answers_is_left_out_of_its_dimension():
    result = score_survey(SALES, {"welcome": [6], "on_time": [8]})
    assert result.dimension("showroom").score == 600
    assert result.dimension("showroom").missing_items == ("clean",)
    assert result.complete


def test_models_built_from_mappings_or_pairs_are_equal_and_hashable():
    pairs = ScoringModel(
        code="sales-v2",
        dimension_weights=(("showroom", "3/10"), ("delivery", F(7, 10))),
        item_dimensions=(("clean", "showroom"), ("welcome", "showroom"), ("on_time", "delivery")),
        item_weights=(("clean", "0.25"), ("welcome", F(3, 4)), ("on_time", 1)),
        scale=1000,
    )
    assert pairs == SALES
    assert hash(pairs) == hash(SALES)
    assert SALES.item_weights == (("clean", F(1, 4)), ("welcome", F(3, 4)), ("on_time", F(1)))


def test_items_of_a_dimension_weigh_the_same_by_default():
    model = ScoringModel(
        code="m",
        dimension_weights={"a": 1},
        item_dimensions={"x": "a", "y": "a", "z": "a"},
    )
    assert [model.item_weight(i) for i in model.items] == [F(1, 3)] * 3


def test_normalise_weights_turns_relative_weights_into_exact_shares():
    assert normalise_weights({"a": 3, "b": 1}) == {"a": F(3, 4), "b": F(1, 4)}
    assert normalise_weights({"a": "33.3", "b": "33.3", "c": "33.3"}) == dict.fromkeys(
        "abc", F(1, 3)
    )
    shares = normalise_weights({"skill": 22, "attitude": 18, "time": 20, "parts": 20, "all": 20})
    assert sum(shares.values()) == 1
    assert shares["skill"] == F(11, 50)


def model_with(**overrides):
    """A small valid model with some fields replaced."""
    fields = {
        "code": "m",
        "dimension_weights": {"a": F(1, 2), "b": F(1, 2)},
        "item_dimensions": {"x": "a", "y": "b"},
    }
    return ScoringModel(**(fields | overrides))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"dimension_weights": {"a": F(1, 3), "b": F(1, 3)}},
            "Dimension weights must add up to exactly 1; they add up to 2/3. "
            "Use normalise_weights() to turn relative weights into shares.",
        ),
        ({"dimension_weights": {"a": "0.333", "b": "0.667"}}, None),  # adds up to 1 exactly
        ({"dimension_weights": {"a": 0.5, "b": 0.5}}, "The weight of 'a' must be an exact number"),
        ({"dimension_weights": {"a": 0, "b": 1}}, "The weight of 'a' must be greater than 0"),
        ({"dimension_weights": {"a": "-1/2", "b": "3/2"}}, "must be greater than 0; got '-1/2'"),
        ({"dimension_weights": {}}, "Dimension weights must not be empty."),
        ({"dimension_weights": (("a", F(1, 2)), ("a", F(1, 2)))}, "name a code twice"),
        ({"item_dimensions": {}}, "A scoring model needs at least one item."),
        ({"item_dimensions": {"x": "a", "y": "c"}}, "Item 'y' belongs to unknown dimension 'c'."),
        ({"item_dimensions": (("x", "a"), ("x", "b"))}, "An item is listed twice"),
        ({"item_dimensions": {"x": "a"}}, "Dimension 'b' has no items."),
        ({"item_weights": {"x": 1}}, "Item weights must name exactly the items of the model."),
        ({"item_weights": {"x": 1, "y": 1, "z": 1}}, "must name exactly the items"),
        (
            {
                "item_dimensions": {"x": "a", "y": "b", "z": "b"},
                "item_weights": {"x": 1, "y": 1, "z": 1},
            },
            "Item weights of dimension 'b' must add up to exactly 1; they add up to 2.",
        ),
        ({"code": ""}, "A scoring model needs a code"),
        ({"code": None}, "A scoring model needs a code"),
        ({"scale": 10}, "The scale must be one of 100, 1000; got 10."),
    ],
)
def test_inconsistent_scoring_models_are_refused_with_a_clear_message(overrides, message):
    if message is None:
        assert model_with(**overrides).dimension_weight("a") == F(333, 1000)
        return
    with pytest.raises(ValueError, match=re.escape(message)):
        model_with(**overrides)


def test_model_lookups_refuse_unknown_codes():
    model = model_with()
    with pytest.raises(ValueError, match="Item 'q' is not in scoring model 'm'."):
        model.item_weight("q")
    with pytest.raises(ValueError, match="Dimension 'q' is not in scoring model 'm'."):
        model.items_of("q")
    with pytest.raises(ValueError, match="Dimension 'q' is not in scoring model 'm'."):
        model.dimension_weight("q")


# ---------------------------------------------------------------------------------------------
# What-if across items: a dimension or the overall score

FIVE_SEEDS = dict.fromkeys(SERVICE_DIMENSIONS, SEED_001)


def test_dimension_what_if_on_seed_001_matches_the_item_what_if():
    what_if = survey_what_if(
        DEFAULT_SERVICE_MODEL, FIVE_SEEDS, 80, dimension=TIMELINESS, movable_scores={8}
    )
    assert what_if.moves == (Move(8, 9, 3, TIMELINESS),)
    assert what_if.score_after_display == D("80.0")
    assert what_if.after.dimension(TIMELINESS).score == 80
    assert what_if.after.overall == (4 * F(3010, 38) + 80) / 5  # only timeliness moved


def test_overall_what_if_needs_moves_in_several_dimensions():
    # Every dimension at 79.2; each 8->9 adds 1/38 x 10 x 1/5 = 1/19 to the overall: 15 moves.
    what_if = survey_what_if(DEFAULT_SERVICE_MODEL, FIVE_SEEDS, 80, movable_scores={8})
    assert what_if.move_count == 15
    assert what_if.reachable
    assert what_if.score_after == 80
    # Every 8 gains the same; ties go to the first item in model order (any 15 would do).
    assert what_if.moves == (Move(8, 9, 15, SERVICE_SKILL),)
    assert what_if.score_before_display == D("79.2")


def test_overall_what_if_prefers_moves_with_the_largest_weighted_gain():
    answers = {SERVICE_SKILL: {8: 5}, SERVICE_ATTITUDE: {8: 50}, TIMELINESS: {7: 50}}
    # skill: 8->9 adds 1/5 x 1/3... per move each dimension is 1/3 of the overall here.
    what_if = survey_what_if(DEFAULT_SERVICE_MODEL, answers, 81)
    assert what_if.score_before == F(80 + 80 + 70, 3)  # three dimensions answered, 1/3 each
    # On the overall: an 8->9 among 5 answers adds 1/3 x 1/5 x 10 = 2/3, a 7->9 among 50 adds
    # 1/3 x 2/50 x 10 = 2/15, an 8->9 among 50 adds 1/15. Need 81 - 76 2/3 = 4 1/3:
    # five skill moves (3 1/3), then eight timeliness moves (1 1/15).
    assert what_if.moves == (Move(8, 9, 5, SERVICE_SKILL), Move(7, 9, 8, TIMELINESS))
    assert what_if.move_count == 13
    assert what_if.score_after == F(80 + 90 + 70, 3) + 8 * F(2, 15)


def test_overall_what_if_can_be_limited_to_some_items():
    only_parts = {"movable_items": [PARTS_SUPPLY], "movable_scores": [8]}
    what_if = survey_what_if(DEFAULT_SERVICE_MODEL, FIVE_SEEDS, 80, **only_parts)
    assert what_if.moves == (Move(8, 9, 15, PARTS_SUPPLY),)
    what_if = survey_what_if(DEFAULT_SERVICE_MODEL, FIVE_SEEDS, 82, **only_parts)
    assert not what_if.reachable
    assert what_if.moves == (Move(8, 9, 34, PARTS_SUPPLY),)
    assert what_if.score_after == (4 * F(3010, 38) + F(3350, 38)) / 5
    assert what_if.score_after_display == D("81.0")


def test_survey_what_if_on_an_already_reached_target_moves_nothing():
    what_if = survey_what_if(DEFAULT_SERVICE_MODEL, FIVE_SEEDS, 79)
    assert what_if.moves == ()
    assert what_if.reachable
    assert what_if.after == score_survey(DEFAULT_SERVICE_MODEL, FIVE_SEEDS)


def test_survey_what_if_needs_answers_and_known_codes():
    with pytest.raises(ValueError, match="Scoring model 'service-5d-v1' has no answers"):
        survey_what_if(DEFAULT_SERVICE_MODEL, {}, 80)
    with pytest.raises(ValueError, match="Dimension 'parts_supply' has no answers"):
        survey_what_if(DEFAULT_SERVICE_MODEL, {TIMELINESS: [8]}, 80, dimension=PARTS_SUPPLY)
    with pytest.raises(ValueError, match="Dimension 'x' is not in scoring model"):
        survey_what_if(DEFAULT_SERVICE_MODEL, FIVE_SEEDS, 80, dimension="x")
    with pytest.raises(ValueError, match="Item 'x' is not in scoring model"):
        survey_what_if(DEFAULT_SERVICE_MODEL, FIVE_SEEDS, 80, movable_items=["x"])
    with pytest.raises(ValueError, match="The target must be an exact number"):
        survey_what_if(DEFAULT_SERVICE_MODEL, FIVE_SEEDS, 80.5)


# ---------------------------------------------------------------------------------------------
# Strengths and weaknesses


@pytest.mark.parametrize(
    ("counts", "previous", "standing", "reasons"),
    [
        # Strength: no negative answer and >= 50% very satisfied.
        ({9: 5, 8: 5}, None, Standing.STRENGTH, (Reason.NO_NEGATIVE_MANY_VERY_SATISFIED,)),
        ({10: 10}, None, Standing.STRENGTH, (Reason.NO_NEGATIVE_MANY_VERY_SATISFIED,)),
        ({9: 5, 8: 4, 4: 1}, None, Standing.NEUTRAL, ()),  # one dissatisfied answer
        ({9: 4, 8: 6}, None, Standing.NEUTRAL, ()),  # 40% very satisfied
        # Weakness: <= 20% very satisfied and >= 10% negative (both boundaries inclusive).
        ({9: 2, 8: 7, 3: 1}, None, Standing.WEAKNESS, (Reason.FEW_VERY_SATISFIED_MANY_NEGATIVE,)),
        ({9: 3, 8: 6, 3: 1}, None, Standing.NEUTRAL, ()),  # 30% very satisfied
        ({9: 2, 8: 17, 2: 1}, None, Standing.NEUTRAL, ()),  # 5% negative
        ({5: 5, 1: 5}, None, Standing.WEAKNESS, (Reason.FEW_VERY_SATISFIED_MANY_NEGATIVE,)),
        # Seed 001's timeliness: 2.6% very satisfied but nobody unhappy.
        (SEED_001, None, Standing.NEUTRAL, ()),
        # Drop of very satisfied against the previous period (>= 10 points).
        # A weakness wins over a strength: still strong, but 10 points fewer very satisfied.
        ({9: 5, 8: 5}, {9: 6, 8: 4}, Standing.WEAKNESS, (Reason.VERY_SATISFIED_DROPPED,)),
        (
            {9: 5, 8: 5},
            {9: 59, 8: 41},
            Standing.STRENGTH,
            (Reason.NO_NEGATIVE_MANY_VERY_SATISFIED,),
        ),
        ({9: 5, 8: 5}, {9: 12, 8: 8}, Standing.WEAKNESS, (Reason.VERY_SATISFIED_DROPPED,)),
        ({9: 3, 8: 7}, {9: 4, 8: 6}, Standing.WEAKNESS, (Reason.VERY_SATISFIED_DROPPED,)),
        ({9: 3, 8: 7}, {9: 399, 8: 601}, Standing.NEUTRAL, ()),  # 9.9 points
        ({9: 5, 8: 5}, {9: 9}, Standing.STRENGTH, (Reason.NO_NEGATIVE_MANY_VERY_SATISFIED,)),
        (
            {9: 1, 8: 8, 1: 1},
            {9: 5, 8: 5},
            Standing.WEAKNESS,
            (Reason.FEW_VERY_SATISFIED_MANY_NEGATIVE, Reason.VERY_SATISFIED_DROPPED),
        ),
        # Too few answers to say.
        ({1: 9}, None, Standing.TOO_FEW_ANSWERS, ()),
        ({}, None, Standing.TOO_FEW_ANSWERS, ()),
    ],
)
def test_items_are_classified_by_the_default_thresholds(counts, previous, standing, reasons):
    result = classify_item(item_score(counts), None if previous is None else item_score(previous))
    assert result.standing == standing
    assert result.reasons == reasons


def test_the_very_satisfied_drop_is_reported_in_points():
    result = classify_item(item_score({9: 5, 8: 5}), item_score({9: 12, 8: 8}))
    assert result.very_satisfied_drop == F(1, 10)
    assert result.very_satisfied_drop_display == D("10.0")
    assert classify_item(item_score({9: 5, 8: 5})).very_satisfied_drop_display is None
    rose = classify_item(item_score({9: 6, 8: 4}), item_score({9: 5, 8: 5}))
    assert rose.very_satisfied_drop_display == D("-10.0")


def test_thresholds_are_settings_a_dealer_can_change():
    strict = StandingThresholds(
        min_answers=3,
        strength_min_very_satisfied_share=D("0.8"),
        strength_max_negative_share="0",
        weakness_max_very_satisfied_share="1/2",
        weakness_min_negative_share=F(1, 3),
        weakness_min_very_satisfied_drop=D("0.05"),
    )
    assert strict.strength_min_very_satisfied_share == F(4, 5)
    assert classify_item(item_score([9, 9, 8]), thresholds=strict).standing == Standing.NEUTRAL
    assert classify_item(item_score([9, 9, 9]), thresholds=strict).standing == Standing.STRENGTH
    assert classify_item(item_score([9, 3, 8]), thresholds=strict).standing == Standing.WEAKNESS
    assert DEFAULT_THRESHOLDS.min_answers == 10
    assert DEFAULT_THRESHOLDS.weakness_min_very_satisfied_drop == F(1, 10)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"min_answers": 0}, "min_answers must be a whole number >= 1; got 0."),
        ({"min_answers": True}, "min_answers must be a whole number >= 1; got True."),
        ({"min_answers": 2.0}, "min_answers must be a whole number >= 1; got 2.0."),
        ({"weakness_min_negative_share": 0.1}, "weakness_min_negative_share must be an exact"),
        ({"strength_min_very_satisfied_share": 50}, "must be a share from 0 to 1; got 50."),
        ({"strength_max_negative_share": "-1/10"}, "must be a share from 0 to 1; got -1/10."),
    ],
)
def test_thresholds_outside_0_to_1_or_inexact_are_refused(overrides, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        StandingThresholds(**overrides)


# ---------------------------------------------------------------------------------------------
# Properties

answer_lists = st.lists(st.integers(1, 10), min_size=1, max_size=60)
small_answer_lists = st.lists(st.integers(1, 10), min_size=1, max_size=8)
score_sets = st.none() | st.sets(st.integers(1, 10))


@given(answer_lists)
def test_any_item_score_lies_between_10_and_100_and_is_ten_times_smaller_than_on_1000(answers):
    score = item_score(answers)
    assert 10 <= score.score <= 100
    assert item_score(answers, scale=1000).score == 10 * score.score
    assert sum(score.level_share(level) for level in LEVELS) == 1
    assert score.satisfied_rate == score.level_share(Level.SATISFIED) + score.level_share(
        Level.VERY_SATISFIED
    )


@given(answer_lists, st.randoms(use_true_random=False))
def test_scores_do_not_depend_on_the_order_or_form_of_the_answers(answers, rnd):
    shuffled = list(answers)
    rnd.shuffle(shuffled)
    assert item_score(shuffled) == item_score(answers) == item_score(tally(answers))


@given(answer_lists, st.data())
def test_moving_an_answer_up_a_level_raises_the_score(answers, data):
    movable = [i for i, score in enumerate(answers) if next_level_min(score)]
    assume(movable)
    index = data.draw(st.sampled_from(movable))
    moved = list(answers)
    moved[index] = next_level_min(moved[index])
    assert item_score(moved).score > item_score(answers).score


@given(st.fractions(min_value=-10, max_value=1010, max_denominator=10**6))
def test_display_rounding_matches_decimal_round_half_up_on_the_exact_value(value):
    with localcontext() as context:
        context.prec = 60
        expected = (D(value.numerator) / D(value.denominator)).quantize(
            D("0.1"), rounding="ROUND_HALF_UP"
        )
    shown = round_half_up(value, 1)
    assert shown == expected
    assert abs(F(shown) - value) <= F(1, 20)


def brute_force_item(answers, target, allowed):
    """Fewest answers that must move so the item reaches ``target``, trying every subset."""
    movable = [i for i, s in enumerate(answers) if s in allowed and next_level_min(s)]
    for k in range(len(movable) + 1):
        for chosen in combinations(movable, k):
            moved = [next_level_min(s) if i in chosen else s for i, s in enumerate(answers)]
            if item_score(moved).score >= target:
                return k
    return None


@st.composite
def item_targets(draw, answers):
    """Either any target on the scale or one that some set of moves reaches exactly."""
    if draw(st.booleans()):
        return draw(st.fractions(min_value=0, max_value=101, max_denominator=1000))
    moved = [next_level_min(s) if next_level_min(s) and draw(st.booleans()) else s for s in answers]
    return item_score(moved).score


@settings(deadline=None, max_examples=300)
@given(small_answer_lists, score_sets, st.data())
def test_item_what_if_needs_no_more_moves_than_brute_force(answers, movable, data):
    target = data.draw(item_targets(answers))
    what_if = item_what_if(answers, target, movable_scores=movable)
    fewest = brute_force_item(answers, target, set(SCORES) if movable is None else movable)
    assert what_if.reachable is (fewest is not None)
    assert what_if.score_after >= what_if.score_before
    if fewest is None:
        best = [
            next_level_min(s) if next_level_min(s) and (movable is None or s in movable) else s
            for s in answers
        ]
        assert what_if.score_after == item_score(best).score < target
    else:
        assert what_if.move_count == fewest
        assert what_if.score_after >= target
    assert all(movable is None or move.from_score in movable for move in what_if.moves)
    assert what_if == item_what_if(list(reversed(answers)), target, movable_scores=movable)


@st.composite
def small_surveys(draw):
    """A random model of 1-3 dimensions with 1-2 items each, and at most 7 answers in all."""
    dimension_count = draw(st.integers(1, 3))
    item_dimensions, item_weights, answers = {}, {}, {}
    for d in range(dimension_count):
        items = [f"d{d}i{i}" for i in range(draw(st.integers(1, 2)))]
        weights = normalise_weights({i: draw(st.integers(1, 5)) for i in items})
        for item in items:
            item_dimensions[item] = f"d{d}"
            item_weights[item] = weights[item]
            answers[item] = draw(st.lists(st.integers(1, 10), max_size=3))
    model = ScoringModel(
        code="random",
        dimension_weights=normalise_weights(
            {f"d{d}": draw(st.integers(1, 5)) for d in range(dimension_count)}
        ),
        item_dimensions=item_dimensions,
        item_weights=item_weights,
        scale=draw(st.sampled_from([100, 1000])),
    )
    return model, answers


def brute_force_survey(model, answers, target, dimension, allowed_scores, allowed_items):
    """Fewest answers across items that must move so the figure reaches ``target``."""
    slots = [
        (item, i)
        for item, scores in answers.items()
        for i, s in enumerate(scores)
        if s in allowed_scores and item in allowed_items and next_level_min(s)
    ]
    for k in range(len(slots) + 1):
        for chosen in combinations(slots, k):
            moved = {
                item: [
                    next_level_min(s) if (item, i) in chosen else s for i, s in enumerate(scores)
                ]
                for item, scores in answers.items()
            }
            result = score_survey(model, moved)
            figure = result.overall if dimension is None else result.dimension(dimension).score
            if figure >= target:
                return k
    return None


@settings(deadline=None, max_examples=200)
@given(small_surveys(), score_sets, st.data())
def test_survey_what_if_needs_no_more_moves_than_brute_force(survey, movable, data):
    model, answers = survey
    assume(sum(map(len, answers.values())) <= 7)
    before = score_survey(model, answers)
    answered_dimensions = [d.dimension for d in before.dimensions if d.score is not None]
    assume(answered_dimensions)
    dimension = data.draw(st.none() | st.sampled_from(answered_dimensions))
    movable_items = data.draw(st.none() | st.sets(st.sampled_from(model.items)))
    figure = before.overall if dimension is None else before.dimension(dimension).score
    target = data.draw(
        st.sampled_from([figure, figure + F(model.scale, 200)])
        | st.fractions(min_value=0, max_value=model.scale, max_denominator=1000)
    )
    what_if = survey_what_if(
        model,
        answers,
        target,
        dimension=dimension,
        movable_scores=movable,
        movable_items=movable_items,
    )
    fewest = brute_force_survey(
        model,
        answers,
        target,
        dimension,
        set(SCORES) if movable is None else movable,
        set(model.items) if movable_items is None else movable_items,
    )
    assert what_if.reachable is (fewest is not None)
    assert what_if.score_after >= what_if.score_before
    if fewest is not None:
        assert what_if.move_count == fewest
        assert what_if.score_after >= target
    assert what_if == survey_what_if(
        model,
        answers,
        target,
        dimension=dimension,
        movable_scores=movable,
        movable_items=movable_items,
    )


def test_an_answer_moves_one_level_only_once():
    # A 2 can become a 3, not a 5: the question is how many customers must rate one level higher.
    what_if = item_what_if([2], 50)
    assert not what_if.reachable
    assert what_if.moves == (Move(2, 3, 1),)
    assert what_if.score_after == 30
