"""Convert world-atlas's TopoJSON of the world's countries into the directory map's data file.

Run once, when the source changes (it needs npm for the source, nothing else):

    npm install --no-save --prefix . world-atlas@2.0.2    # or: make world-map
    .venv/bin/python ops/build_world_map.py

Source: the npm package world-atlas 2.0.2 (ISC licence), Natural Earth's 1:110m countries (public
domain). Writes registry/data/world-110m.json, committed, which registry/world_map.py reads:

- ``shapes``: ISO 3166 alpha-2 code → rings; each ring a flat list of whole tenths of a degree,
  the first point absolute, the next ones as differences (``[lon0, lat0, dlon1, dlat1, …]``).
  Islands smaller than ``MIN_RING_DEGREES`` across are left out (they would be under a pixel),
  but never a country's largest ring. Antarctica is left out.
- ``others``: rings of the places Natural Earth draws without an ISO code (Kosovo, N. Cyprus,
  Somaliland): drawn grey, never a link.
- ``points``: countries too small for 1:110m (Singapore, Malta, Bahrain…), from the 1:50m file:
  one point each (the middle of its largest ring), drawn as a dot when the country has members.
"""

import itertools
import json
from pathlib import Path

from django_countries.data import ALT_CODES

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "node_modules" / "world-atlas"
OUT = ROOT / "registry" / "data" / "world-110m.json"
SOURCE_NAME = "world-atlas 2.0.2 countries-110m.json and countries-50m.json: Natural Earth 1:110m and 1:50m"
TENTHS = 10  # coordinates are stored in tenths of a degree
MIN_RING_DEGREES = 0.5
LEFT_OUT = {"AQ"}  # Antarctica: no student unions, a fifth of the map's height

NUMERIC_TO_ALPHA2 = {numeric: alpha2 for alpha2, (_alpha3, numeric) in ALT_CODES.items()}


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """The topology's arcs as (longitude, latitude) points: quantized and delta-encoded in the file."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring_arcs: list[int], arcs: list) -> list[tuple[float, float]]:
    """One ring from its arcs (a negative index ~i is arc i reversed), shared ends counted once."""
    points: list[tuple[float, float]] = []
    for index in ring_arcs:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def unwrap(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A ring that jumps across the 180° meridian made continuous (longitudes past ±180)."""
    out, shift = [ring[0]], 0.0
    for (lon0, _), (lon, lat) in itertools.pairwise(ring):
        if lon - lon0 > 180:
            shift -= 360
        elif lon0 - lon > 180:
            shift += 360
        out.append((lon + shift, lat))
    return out


def clip(ring: list[tuple[float, float]], meridian: float, *, west: bool) -> list[tuple[float, float]]:
    """The part of ``ring`` west (or east) of ``meridian`` (Sutherland-Hodgman, one edge)."""

    def inside(point):
        return point[0] <= meridian if west else point[0] >= meridian

    def crossing(a, b):
        t = (meridian - a[0]) / (b[0] - a[0])
        return (meridian, a[1] + t * (b[1] - a[1]))

    out = []
    for prev, cur in zip([ring[-1], *ring[:-1]], ring, strict=True):
        if inside(cur):
            if not inside(prev):
                out.append(crossing(prev, cur))
            out.append(cur)
        elif inside(prev):
            out.append(crossing(prev, cur))
    return out


def split_at_antimeridian(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """Rings that cross the 180° meridian (Fiji, Chukotka) as two rings, one each side of it:
    drawn flat, a ring that jumps from +180 to -180 would streak across the whole map."""
    if all(abs(b[0] - a[0]) <= 180 for a, b in itertools.pairwise(ring)):
        return [ring]
    ring = unwrap(ring)
    meridian = 180.0 if max(lon for lon, _ in ring) > 180 else -180.0
    near, far = clip(ring, meridian, west=meridian > 0), clip(ring, meridian, west=meridian < 0)
    far = [(lon - 2 * meridian, lat) for lon, lat in far]
    return [part for part in (near, far) if len(part) >= 3]


def rings_of(geometry: dict, arcs: list) -> list[list[tuple[float, float]]]:
    return [
        part
        for polygon in polygons(geometry)
        for ring in polygon
        for part in split_at_antimeridian(ring_points(ring, arcs))
    ]


def extent(ring: list[tuple[float, float]]) -> float:
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return max(max(lons) - min(lons), max(lats) - min(lats))


def encode(ring: list[tuple[float, float]]) -> list[int]:
    """Tenths of a degree, repeated points dropped, the first absolute and the rest as differences."""
    tenths: list[tuple[int, int]] = []
    for lon, lat in ring:
        point = (round(lon * TENTHS), round(lat * TENTHS))
        if not tenths or point != tenths[-1]:
            tenths.append(point)
    flat = [*tenths[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(tenths):
        flat += [x1 - x0, y1 - y0]
    return flat


def country_rings(geometry: dict, arcs: list) -> list[list[int]]:
    rings = rings_of(geometry, arcs)
    largest = max(rings, key=extent)
    return [encode(ring) for ring in rings if ring is largest or extent(ring) >= MIN_RING_DEGREES]


def middle(geometry: dict, arcs: list) -> list[int]:
    ring = max(rings_of(geometry, arcs), key=extent)
    lon = sum(p[0] for p in ring) / len(ring)
    lat = sum(p[1] for p in ring) / len(ring)
    return [round(lon * TENTHS), round(lat * TENTHS)]


def load(name: str) -> tuple[list[dict], list]:
    topology = json.loads((SOURCE / name).read_text())
    return topology["objects"]["countries"]["geometries"], decode_arcs(topology)


def build() -> dict:
    geometries, arcs = load("countries-110m.json")
    shapes: dict[str, list] = {}
    others: list = []
    for geometry in geometries:
        code = NUMERIC_TO_ALPHA2.get(int(geometry["id"])) if "id" in geometry else None
        if code in LEFT_OUT:
            continue
        if code is None:
            others += country_rings(geometry, arcs)
        else:
            shapes[code] = country_rings(geometry, arcs)
    small, small_arcs = load("countries-50m.json")
    points = {
        NUMERIC_TO_ALPHA2[int(g["id"])]: middle(g, small_arcs)
        for g in small
        if "id" in g
        and int(g["id"]) in NUMERIC_TO_ALPHA2
        and NUMERIC_TO_ALPHA2[int(g["id"])] not in shapes
        and NUMERIC_TO_ALPHA2[int(g["id"])] not in LEFT_OUT
    }
    return {
        "source": SOURCE_NAME,
        "tenths": TENTHS,
        "shapes": dict(sorted(shapes.items())),
        "others": others,
        "points": dict(sorted(points.items())),
    }


def write(data: dict) -> None:
    """One country a line: small diffs when the source changes."""
    lines = [
        "{",
        f'"source": {json.dumps(data["source"])},',
        f'"tenths": {data["tenths"]},',
        '"shapes": {',
        ",\n".join(
            f"{json.dumps(code)}: {json.dumps(rings, separators=(',', ':'))}"
            for code, rings in data["shapes"].items()
        ),
        "},",
        f'"others": {json.dumps(data["others"], separators=(",", ":"))},',
        '"points": {',
        ",\n".join(f"{json.dumps(code)}: {json.dumps(point)}" for code, point in data["points"].items()),
        "}",
        "}",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")


def main() -> None:
    data = build()
    write(data)
    print(
        f"{OUT.relative_to(ROOT)}: {len(data['shapes'])} countries, {len(data['points'])} small ones as points, {OUT.stat().st_size:,} bytes"
    )


if __name__ == "__main__":
    main()
