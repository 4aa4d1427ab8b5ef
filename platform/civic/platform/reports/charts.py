"""Server-side SVG charts of the pathway report, written directly as SVG.

The report draws 60-odd small charts (one per expectation, plus three in its summary).
They are simple (a monthly line with its 95 % intervals and the threshold, bars by
actor type, a concentration curve), so they are written here as SVG text: no
JavaScript in the browser, the same drawing on screen and on paper, and a few
milliseconds for the whole report (pygal took about 60 ms a chart, 2 s a page).

Sizes: the drawing is 240 units wide and scales to its box; text is 14 units, so it
stays at least 12 px on a chart 206 px wide or more (three charts a row on A4, one on
a phone). Titles and legends are the page's HTML (its language, its font), not the SVG's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from civic.services.evaluation.indicators import IndicatorValue
from civic.services.evaluation.records import ACTOR_TYPES, Period

WIDTH = 240
FONT = 14
INK = "#1b1b1b"
MUTED = "#666666"
GRID = "#dddddd"
LINE = "#000091"  # the DSFR's blue France
THRESHOLD = "#c9191e"
BAND = "#6a6af4"
MONTHS_SHOWN = 4


@dataclass(frozen=True, slots=True)
class _Frame:
    """The plotting area inside a chart of ``WIDTH`` by ``height`` units."""

    height: int
    left: int = 40
    right: int = 8
    top: int = 10
    bottom: int = 24

    @property
    def inner_width(self) -> float:
        return WIDTH - self.left - self.right

    @property
    def inner_height(self) -> float:
        return self.height - self.top - self.bottom


def _svg(height: int, label: str, body: list[str]) -> Markup:
    return Markup(  # noqa: S704 - every text inside is escaped where it is written
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(label)}" font-family="system-ui, sans-serif" '
        f'font-size="{FONT}" fill="{INK}" class="civic-chart">{"".join(body)}</svg>'
    )


def _number(value: float, step: float) -> str:
    """``value`` with as many decimals as ``step`` needs (0.25: two, 0.1: one)."""
    digits = next((d for d in range(5) if abs(step * 10**d - round(step * 10**d)) < 1e-9), 4)
    return f"{value:.{digits}f}"


def _ticks(low: float, high: float, count: int = 4) -> tuple[list[float], float]:
    """Round tick values covering ``low``..``high``, and their step."""
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks, step


def _y_axis(
    frame: _Frame, ticks: list[float], step: float, y: Callable[[float], float]
) -> list[str]:
    parts = []
    for tick in ticks:
        at = y(tick)
        parts.append(
            f'<line x1="{frame.left}" x2="{WIDTH - frame.right}" y1="{at:.1f}" y2="{at:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{frame.left - 4}" y="{at + FONT / 3:.1f}" text-anchor="end" '
            f'fill="{MUTED}">{_number(tick, step)}</text>'
        )
    return parts


def trend_chart(
    label: str,
    periods: Sequence[Period],
    values: Sequence[IndicatorValue],
    *,
    threshold: float | None = None,
) -> Markup:
    """The indicator per step as a line, each point with its 95 % interval (a vertical
    bar, where the step's interval is known), and the expectation's threshold (dashed)."""
    frame = _Frame(height=170)
    ticks, step = _ticks(*_range(values, threshold))
    top_value, bottom_value = ticks[-1], ticks[0]
    span = top_value - bottom_value or 1.0

    def y(value: float) -> float:
        return frame.top + (top_value - value) / span * frame.inner_height

    slot = frame.inner_width / max(1, len(periods))

    def x(index: int) -> float:
        return frame.left + slot * (index + 0.5)

    body = _y_axis(frame, ticks, step, y)
    every = max(1, math.ceil(len(periods) / MONTHS_SHOWN))
    body.extend(
        f'<text x="{x(index):.1f}" y="{frame.height - 6}" text-anchor="middle" '
        f'fill="{MUTED}">{period.start.strftime("%y-%m")}</text>'
        for index, period in enumerate(periods)
        if index % every == 0
    )
    for index, value in enumerate(values):
        lower, upper = value.interval
        if value.value is not None and lower is not None and upper is not None:
            body.append(
                f'<line x1="{x(index):.1f}" x2="{x(index):.1f}" y1="{y(upper):.1f}" '
                f'y2="{y(lower):.1f}" stroke="{BAND}" stroke-width="5" stroke-opacity=".35" '
                f'class="civic-interval"/>'
            )
    if threshold is not None:
        body.append(
            f'<line x1="{frame.left}" x2="{WIDTH - frame.right}" y1="{y(threshold):.1f}" '
            f'y2="{y(threshold):.1f}" stroke="{THRESHOLD}" stroke-width="1.5" '
            f'stroke-dasharray="6 4" class="civic-threshold"/>'
        )
    points = [
        (x(index), y(value.value)) for index, value in enumerate(values) if value.value is not None
    ]
    if len(points) > 1:
        line = " ".join(f"{a:.1f},{b:.1f}" for a, b in points)
        body.append(f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    body.extend(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{LINE}"/>' for a, b in points)
    return _svg(frame.height, label, body)


def _range(values: Sequence[IndicatorValue], threshold: float | None) -> tuple[float, float]:
    """The span the y axis covers: values, their intervals and the threshold."""
    bounds = [v.value for v in values if v.value is not None]
    for v in values:
        bounds.extend(b for b in v.interval if b is not None and math.isfinite(b))
    if threshold is not None:
        bounds.append(threshold)
    if not bounds:
        return 0.0, 1.0
    low, high = min(bounds), max(bounds)
    if low >= 0 and (high <= 1 or low < (high - low)):
        low = 0.0  # shares and counts start at zero unless far from it
    return low, high


def actor_mix_chart(label: str, counts: Mapping[str, float], names: Mapping[str, str]) -> Markup:
    """Horizontal bars: the share of ``counts`` by actor type (``names``: their labels,
    written above their bars)."""
    total = float(sum(counts.values())) or 1.0
    bar, row = 10, FONT + 18
    height = len(ACTOR_TYPES) * row + 4
    width = WIDTH - 48
    body = []
    for index, actor in enumerate(ACTOR_TYPES):
        share = counts.get(actor, 0) / total
        top = 4 + index * row
        body.append(
            f'<text x="0" y="{top + FONT - 2}">{escape(names.get(actor, actor))}</text>'
            f'<rect x="0" y="{top + FONT + 2}" width="{max(0.5, share * width):.1f}" '
            f'height="{bar}" fill="{LINE}"/>'
            f'<text x="{share * width + 4:.1f}" y="{top + FONT + bar + 1}" fill="{MUTED}">'
            f"{share * 100:.0f} %</text>"
        )
    return _svg(height, label, body)


def concentration_chart(label: str, curve: Sequence[tuple[float, float]]) -> Markup:
    """The concentration curve of usage by app (largest first), against equal use."""
    frame = _Frame(height=200, left=40, right=16, bottom=28)
    ticks = [0.0, 0.25, 0.5, 0.75, 1.0]

    def y(value: float) -> float:
        return frame.top + (1 - value) * frame.inner_height

    def x(value: float) -> float:
        return frame.left + value * frame.inner_width

    body = _y_axis(frame, ticks, 0.25, y)
    for tick in (0.0, 0.5, 1.0):
        body.append(
            f'<text x="{x(tick):.1f}" y="{frame.height - 10}" text-anchor="middle" '
            f'fill="{MUTED}">{tick:.1f}</text>'
        )
    body.append(
        f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(1):.1f}" y2="{y(1):.1f}" '
        f'stroke="{MUTED}" stroke-dasharray="6 4"/>'
    )
    points = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in _thin(curve))
    if points:
        body.append(f'<polyline points="{points}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    return _svg(frame.height, label, body)


def _thin(curve: Sequence[tuple[float, float]], points: int = 200) -> list[tuple[float, float]]:
    # Thousands of apps would give thousands of SVG points for a curve 300 units wide.
    if len(curve) <= points:
        return list(curve)
    step = len(curve) / points
    kept = [curve[int(index * step)] for index in range(points)]
    return [*kept, curve[-1]]
