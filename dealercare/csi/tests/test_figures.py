"""The compiled model scores exactly like scoring.score_survey (ADR 0004), faster."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from dealercare.csi import figures
from dealercare.surveys import scoring

CODES = ("a1", "a2", "b1", "c1", "c2", "c3")
DIMENSION = {"a1": "a", "a2": "a", "b1": "b", "c1": "c", "c2": "c", "c3": "c"}


def model_with(dimension_weights, item_weights, scale):
    return scoring.ScoringModel(
        code="random",
        dimension_weights=scoring.normalise_weights(dimension_weights),
        item_dimensions=DIMENSION,
        scale=scale,
        item_weights={
            **scoring.normalise_weights({c: item_weights[c] for c in ("a1", "a2")}),
            **scoring.normalise_weights({"b1": 1}),
            **scoring.normalise_weights({c: item_weights[c] for c in ("c1", "c2", "c3")}),
        },
    )


def counts_of(scores):
    counts = figures.ItemCounts()
    counts.scores = list(scores)
    return counts


weights = st.integers(1, 9).map(Decimal)
answers = st.lists(st.integers(0, 5), min_size=10, max_size=10)


@settings(max_examples=200, deadline=None)
@given(
    dimension_weights=st.fixed_dictionaries({"a": weights, "b": weights, "c": weights}),
    item_weights=st.fixed_dictionaries(dict.fromkeys(CODES, weights)),
    scale=st.sampled_from([100, 1000]),
    by_item=st.dictionaries(st.sampled_from(CODES), answers),
)
def test_compiled_scores_equal_score_survey(dimension_weights, item_weights, scale, by_item):
    model = model_with(dimension_weights, item_weights, scale)
    overall, dimensions = figures.CompiledModel(model).scores(
        {code: counts_of(scores) for code, scores in by_item.items()}
    )
    reference = scoring.score_survey(
        model, {code: dict(zip(range(1, 11), s, strict=True)) for code, s in by_item.items()}
    )
    assert overall == reference.overall
    assert dimensions == {d.dimension: d.score for d in reference.dimensions if d.score is not None}


def test_the_compiled_model_is_cached_per_model():
    model = model_with({"a": 1, "b": 1, "c": 2}, dict.fromkeys(CODES, 1), 100)
    assert figures.compiled(model) is figures.compiled(model)
