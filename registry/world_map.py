"""The directory's world map: member unions per country, drawn on the server as SVG.

The countries' outlines come from registry/data/world-110m.json (Natural Earth 1:110m through the
npm package world-atlas, converted by ops/build_world_map.py). They are projected once per
process (Equal Earth, an equal-area projection: no country looks bigger than it is) into SVG path
data and kept in memory (``geometry()``); each request only colours them (``world_map(counts)``).
"""

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

from django_countries import countries

DATA = Path(__file__).resolve().parent / "data" / "world-110m.json"
WIDTH = 1000  # SVG user units; the SVG scales to the page's width
PADDING = 4
DOT_RADIUS = 5  # a country too small for the map's scale, with members: a dot
# Colour classes of the number of member unions (static/css/site.css "the world map"): the upper
# bound of each class, None for "and more".
CLASSES = ((1, "1"), (3, "2\u20133"), (9, "4\u20139"), (None, "10+"))  # en dashes

# Equal Earth (Šavrič, Patterson, Jenny 2018).
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def project(lon: float, lat: float) -> tuple[float, float]:
    """Equal Earth: degrees → unit plane, x east, y north (about ±2.71 by ±1.32)."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


@dataclass(frozen=True)
class Geometry:
    width: int
    height: int
    paths: dict[str, str]  # alpha-2 code → SVG path data
    others: str  # places without an ISO code: one path, never a link
    dots: dict[str, tuple[int, int]]  # small countries: where their dot goes


def _rings(flat_rings: list[list[int]], tenths: int) -> list[list[tuple[float, float]]]:
    """Undo the file's delta encoding: rings of projected points."""
    rings = []
    for flat in flat_rings:
        lon, lat, points = flat[0], flat[1], []
        points.append(project(lon / tenths, lat / tenths))
        for i in range(2, len(flat), 2):
            lon, lat = lon + flat[i], lat + flat[i + 1]
            points.append(project(lon / tenths, lat / tenths))
        rings.append(points)
    return rings


def _path(rings, to_svg) -> str:
    """Rings as compact SVG path data: whole units, relative moves, repeated points dropped."""
    parts = []
    for ring in rings:
        points = [to_svg(x, y) for x, y in ring]
        x0, y0 = points[0]
        steps = []
        for x, y in points[1:]:
            if (x, y) != (x0, y0):
                steps.append(f"{x - x0} {y - y0}")
                x0, y0 = x, y
        if len(steps) >= 2:
            parts.append(f"M{points[0][0]} {points[0][1]}l{' '.join(steps)}z")
    return "".join(parts)


@functools.cache
def geometry() -> Geometry:
    """The map's outlines, projected and written as SVG path data: once per process."""
    data = json.loads(DATA.read_text())
    tenths = data["tenths"]
    shapes = {code: _rings(rings, tenths) for code, rings in data["shapes"].items()}
    others = _rings(data["others"], tenths)
    every_point = [p for rings in [*shapes.values(), others] for ring in rings for p in ring]
    min_x, max_x = min(p[0] for p in every_point), max(p[0] for p in every_point)
    min_y, max_y = min(p[1] for p in every_point), max(p[1] for p in every_point)
    scale = (WIDTH - 2 * PADDING) / (max_x - min_x)

    def to_svg(x: float, y: float) -> tuple[int, int]:
        return round(PADDING + (x - min_x) * scale), round(PADDING + (max_y - y) * scale)

    return Geometry(
        width=WIDTH,
        height=round(2 * PADDING + (max_y - min_y) * scale),
        paths={code: _path(rings, to_svg) for code, rings in shapes.items()},
        others=_path(others, to_svg),
        dots={
            code: to_svg(*project(lon / tenths, lat / tenths)) for code, (lon, lat) in data["points"].items()
        },
    )


def colour_class(count: int) -> int:
    """0 for no member union, else 1 to len(CLASSES): the map's colour of a country."""
    if count <= 0:
        return 0
    for index, (upper, _label) in enumerate(CLASSES, start=1):
        if upper is None or count <= upper:
            return index
    return len(CLASSES)


@dataclass(frozen=True)
class MapCountry:
    code: str
    name: str
    count: int
    colour: int
    path: str = ""
    dot: tuple[int, int] | None = None


def world_map(counts: dict[str, int], *, selected: str = "") -> dict:
    """The template's map: every country's outline, coloured by ``counts`` (alpha-2 → member unions).

    ``linked``: the countries with members, by name (outlines, then dots for small countries): each
    one a link to the directory filtered by it. ``plain``: the others' outlines, one path.
    ``off_map``: countries with members that the map cannot show (no outline, no point).
    """
    geo = geometry()
    linked, off_map = [], []
    for code, count in counts.items():
        if count <= 0:
            continue
        country = MapCountry(
            code=code,
            name=str(countries.name(code) or code),
            count=count,
            colour=colour_class(count),
            path=geo.paths.get(code, ""),
            dot=None if code in geo.paths else geo.dots.get(code),
        )
        (linked if country.path or country.dot else off_map).append(country)
    linked.sort(key=lambda c: (c.dot is not None, c.name))
    plain = "".join(path for code, path in geo.paths.items() if counts.get(code, 0) <= 0) + geo.others
    return {
        "width": geo.width,
        "height": geo.height,
        "linked": linked,
        "plain": plain,
        "off_map": sorted(off_map, key=lambda c: c.name),
        "legend": [(index, label) for index, (_upper, label) in enumerate(CLASSES, start=1)],
        "dot_radius": DOT_RADIUS,
        "selected": selected,
        "countries": sorted([*linked, *off_map], key=lambda c: c.name),
    }
