"""Server-side SVG charts of the pathway report, drawn with pygal.

pygal (maintained, pure Python) renders SVG on the server: the report needs no
JavaScript to show its charts, prints as it shows, and a saved HTML file is complete.
Its small interactive script is switched off (``js=[]``).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

import pygal
from markupsafe import Markup
from pygal.style import Style

from civic.services.evaluation.indicators import IndicatorValue
from civic.services.evaluation.records import ACTOR_TYPES, Period

# Importing pygal appends to sys.meta_path a finder for its deprecated map plugins that
# only has the legacy find_module(): from then on, every import that no other finder
# resolves (optional imports, probes) raises ImportWarning on Python 3.11. The report
# draws no maps, so the finder is taken out again.
sys.meta_path[:] = [
    finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"
]

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#6b6b6b",
    colors=("#000091", "#c9191e", "#18753c", "#b34000", "#6a6af4", "#7b7b7b"),
    font_family="system-ui, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=11,
    title_font_size=13,
)
_COMMON = {
    "style": STYLE,
    "js": [],
    "disable_xml_declaration": True,
    "explicit_size": False,
    "print_values": False,
    "legend_at_bottom": True,
    "legend_at_bottom_columns": 2,
}


def trend_chart(
    title: str,
    periods: Sequence[Period],
    values: Sequence[IndicatorValue],
    *,
    threshold: float | None = None,
    unit: str = "",
) -> Markup:
    """A line of the indicator per step, with the expectation's threshold if any."""
    chart = pygal.Line(
        title=title,
        width=560,
        height=240,
        x_label_rotation=0,
        show_minor_x_labels=False,
        **_COMMON,
    )
    chart.x_labels = [period.start.strftime("%Y-%m") for period in periods]
    chart.x_labels_major = chart.x_labels[:: max(1, len(periods) // 6)]
    chart.add(unit or "value", [value.value for value in values])
    if threshold is not None:
        chart.add(
            "threshold",
            [threshold] * len(periods),
            show_dots=False,
            stroke_style={"dasharray": "6,4"},
        )
    return _svg(chart)


def actor_mix_chart(title: str, counts: Mapping[str, float]) -> Markup:
    """Horizontal bars: the share of ``counts`` by actor type."""
    total = float(sum(counts.values())) or 1.0
    chart = pygal.HorizontalBar(title=title, width=560, height=300, show_legend=False, **_COMMON)
    chart.x_labels = [actor.replace("_", " ") for actor in ACTOR_TYPES]
    chart.add("share", [round(counts.get(actor, 0) / total, 4) for actor in ACTOR_TYPES])
    return _svg(chart)


def concentration_chart(title: str, curve: Sequence[tuple[float, float]]) -> Markup:
    """The concentration curve of usage by app, against perfect equality."""
    chart = pygal.XY(
        title=title,
        width=560,
        height=300,
        show_dots=False,
        x_title="share of apps (largest first)",
        y_title="share of calls and downloads",
        range=(0, 1),
        xrange=(0, 1),
        **_COMMON,
    )
    chart.add("usage", _thin(curve))
    chart.add("equal use", [(0, 0), (1, 1)], stroke_style={"dasharray": "6,4"})
    return _svg(chart)


def _thin(curve: Sequence[tuple[float, float]], points: int = 200) -> list[tuple[float, float]]:
    # Thousands of apps would give thousands of SVG points for a curve 500 pixels wide.
    if len(curve) <= points:
        return list(curve)
    step = len(curve) / points
    kept = [curve[int(index * step)] for index in range(points)]
    return [*kept, curve[-1]]


def _svg(chart: pygal.graph.graph.Graph) -> Markup:
    return Markup(chart.render(is_unicode=True))  # noqa: S704 - pygal escapes its labels
