"""Horizontal bar charts drawn on the server as SVG, in the manner of the directory's chart: one row
per label, a bar split into the series' segments, the total written after it. The template
(``registry/_chart.html``) gives the SVG a title and a description, and the same numbers stand in
a table beside it, so that the chart is never the only way to read them."""

from dataclasses import dataclass

# Geometry in SVG user units (the SVG scales to the page's width).
WIDTH = 400
ROW = 46
BAR = 18
LABEL_ROOM = 56  # room right of the longest bar for its total
# Colour classes of the series (static/css/site.css "charts"): more series reuse them in turn.
SERIES_COLOURS = 8


@dataclass(frozen=True)
class Segment:
    series: str
    value: float
    x: float
    width: float
    colour: int


@dataclass(frozen=True)
class Bar:
    label: str
    total: float
    label_y: int
    bar_y: int
    value_x: float
    value_y: int
    segments: tuple[Segment, ...]


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def bar_chart(rows: list[tuple[str, list[float]]], *, series: list[str] | None = None) -> dict:
    """The template's chart of ``rows`` (label, one value per series), bars to scale of the largest total.

    ``series`` names the segments of each bar (a legend is drawn when there are two or more).
    Negative values are drawn as zero (the table beside shows them).
    """
    series = series or [""]
    top = max((sum(max(v, 0) for v in values) for _label, values in rows), default=0) or 1
    scale = (WIDTH - LABEL_ROOM) / top
    bars = []
    for index, (label, values) in enumerate(rows):
        y, x, segments = index * ROW, 0.0, []
        for number, (name, value) in enumerate(zip(series, values, strict=True)):
            width = round(max(value, 0) * scale, 1)
            if width:
                segments.append(Segment(name, value, round(x, 1), width, number % SERIES_COLOURS + 1))
            x += width
        bars.append(
            Bar(
                label=label,
                total=sum(values),
                label_y=y + 16,
                bar_y=y + 22,
                value_x=round(x + 6, 1),
                value_y=y + 22 + BAR - 4,
                segments=tuple(segments),
            )
        )
    return {
        "bars": bars,
        "width": WIDTH,
        "height": max(len(bars), 1) * ROW,
        "bar_height": BAR,
        "legend": [(name, n % SERIES_COLOURS + 1) for n, name in enumerate(series)]
        if len(series) > 1
        else [],
        "summary": "; ".join(
            f"{label}: "
            + ", ".join(
                f"{name} {_number(v)}" if name else _number(v) for name, v in zip(series, values, strict=True)
            )
            for label, values in rows
        ),
    }
