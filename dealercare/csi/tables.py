"""The dashboard's figures as tables: one per chart, shown on screen (ECharts reads them),
served by the API and exported as XLSX, so the three can never disagree. Values are display
values (Decimal rounded once, half up, from the exact figure); every table names the scoring
model that made it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealercare.surveys.scoring import LEVELS, Level, percent_display, score_display

from .choices import Breakdown

LEVEL_LABELS = {
    Level.VERY_SATISFIED: gettext_lazy("Very satisfied"),
    Level.SATISFIED: gettext_lazy("Satisfied"),
    Level.AVERAGE: gettext_lazy("Average"),
    Level.DISSATISFIED: gettext_lazy("Dissatisfied"),
    Level.VERY_DISSATISFIED: gettext_lazy("Very dissatisfied"),
}
CHARTS = ("summary", "items", "trend", "stores", "breakdown", "sources", "findings", "drivers",
          "checks")  # fmt: skip


@dataclass
class Table:
    """A chart's data: title, column headers, rows of display values, the model that made it."""

    name: str
    title: str
    headers: list
    rows: list
    model_code: str

    def as_dict(self):
        return {
            "name": self.name,
            "title": self.title,
            "headers": self.headers,
            "rows": [[_plain(v) for v in row] for row in self.rows],
            "model": self.model_code,
        }


def _plain(value):
    """JSON-friendly: Decimals as numbers-in-strings would sort badly in charts; use float-free
    strings for exactness and let the chart parse them."""
    if value is None:
        return None
    if isinstance(value, int | str):
        return value
    return str(value)


def level_labels():
    return [str(LEVEL_LABELS[level]) for level in reversed(LEVELS)]


def _shares(item):
    return [item.level_share_display(level) for level in reversed(LEVELS)]


def build(d):
    """{name: Table} of a selectors.Dashboard."""
    scale, code = d.scale, d.model_code
    cat = d.catalogue
    names = cat.dimensions

    def show(value):
        return score_display(value, scale)

    tables = {}
    rows = [[_("Overall"), show(d.current.overall), d.current.answers, show(d.previous.overall)]]
    if d.current.survey:
        for dim in d.current.survey.dimensions:
            rows.append(
                [
                    names.get(dim.dimension, dim.dimension),
                    show(dim.score),
                    dim.answers,
                    show(d.previous.dimension(dim.dimension)),
                ]
            )
    tables["summary"] = Table(
        "summary",
        _("Overall and dimension scores"),
        [_("Dimension"), _("Score"), _("Answers"), _("Previous period")],
        rows,
        code,
    )
    item_rows = []
    for item_code, item in d.current.items.items():
        info = cat.items.get(item_code)
        item_rows.append(
            [
                info.text if info else item_code,
                info.dimension_name if info else "",
                item.score_display,
                item.answers,
                *_shares(item),
            ]
        )
    tables["items"] = Table(
        "items",
        _("Item scores and level shares (%)"),
        [_("Item"), _("Dimension"), _("Score"), _("Answers"), *level_labels()],
        item_rows,
        code,
    )
    dimension_codes = list(d.catalogue.model.dimensions) if d.catalogue.model else []
    tables["trend"] = Table(
        "trend",
        _("Trend"),
        [_("Period"), _("Overall"), *[names.get(c, c) for c in dimension_codes], _("Answers")],
        [
            [
                period.label,
                show(fig.overall),
                *[show(fig.dimension(c)) for c in dimension_codes],
                fig.answers,
            ]  # fmt: skip
            for period, fig in d.trend
        ],
        code,
    )
    tables["stores"] = Table(
        "stores",
        _("Ranking of stores"),
        [_("Rank"), _("Store"), _("Score"), _("Satisfied + very satisfied (%)"), _("Answers")],
        [
            [
                row.rank,
                row.label,
                show(row.figures.overall),
                percent_display(row.figures.pooled.satisfied_rate),
                row.figures.answers,
            ]  # fmt: skip
            for row in d.by_store
        ],
        code,
    )
    tables["breakdown"] = Table(
        "breakdown",
        _("By %(breakdown)s") % {"breakdown": Breakdown(d.breakdown).label},
        [
            _("Rank"),
            Breakdown(d.breakdown).label,
            _("Score"),
            _("Satisfied + very satisfied (%)"),
            _("Answers"),
        ],  # fmt: skip
        [
            [
                row.rank,
                row.label,
                show(row.figures.overall),
                percent_display(row.figures.pooled.satisfied_rate),
                row.figures.answers,
            ]  # fmt: skip
            for row in d.by_breakdown
        ],
        code,
    )
    internal, external = d.by_source["internal"], d.by_source["external"]
    tables["sources"] = Table(
        "sources",
        _("Internal and external surveys by dimension"),
        [_("Dimension"), _("Internal"), _("External")],
        [[_("Overall"), show(internal.overall), show(external.overall)]]
        + [
            [names.get(c, c), show(internal.dimension(c)), show(external.dimension(c))]
            for c in dimension_codes
        ],
        code,
    )
    tables["findings"] = Table(
        "findings",
        _("Strengths and weaknesses"),
        [
            _("Finding"),
            _("Item"),
            _("Very satisfied (%)"),
            _("Dissatisfied + very dissatisfied (%)"),
            _("Drop of very satisfied (points)"),
            _("Answers"),
        ],  # fmt: skip
        [
            [
                _("Weakness") if f.standing == "weakness" else _("Strength"),
                cat.items[f.item].text if f.item in cat.items else f.item,
                percent_display(f.very_satisfied_share),
                percent_display(f.negative_share),
                f.classification.very_satisfied_drop_display,
                f.current.answers,
            ]
            for f in d.findings
        ],
        code,
    )
    tables["drivers"] = Table(
        "drivers",
        _("Key drivers of the overall score"),
        [
            _("Rank"),
            _("Item"),
            _("Correlation with the overall score"),
            _("Item score"),
            _("Pairs"),
        ],  # fmt: skip
        [
            [
                drv.rank,
                cat.items[drv.item].text if drv.item in cat.items else drv.item,
                drv.correlation.display,
                drv.score.score_display,
                drv.pairs,
            ]  # fmt: skip
            for drv in d.drivers
        ],
        code,
    )
    tables["checks"] = Table(
        "checks",
        _("Execution checks (yes share, %)"),
        [_("Check"), _("Yes (%)"), _("Answers")],
        [
            [cat.items[c].text if c in cat.items else c, rate.rate_display, rate.answers]
            for c, rate in d.current.checks.items()
        ],
        code,
    )
    return tables
