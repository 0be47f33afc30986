"""Geometry for the location map of a brief: country borders and WKT polygons.

Implements the decoding of TopoJSON (topojson-specification 1.0, sections 2.1.2-2.2:
quantized positions with a ``transform``, delta-encoded arcs, rings stitched from arcs,
``~i`` for arc ``i`` reversed; rings that cross the antimeridian, spherical in the file, are
unwrapped for the plane) for the vendored ``data/world-atlas/countries-50m.json``
(Natural Earth 1:50m Admin 0 boundaries, public domain, via the world-atlas 2.0.2 npm
package; see the LICENSE file beside it; the countries' names and numeric codes are removed
from the vendored copy -- the map draws borders only, and minelaw's code names no state);
OGC Simple Features WKT polygons
(``POLYGON``/``MULTIPOLYGON``, OGC 06-103r4 section 7, as GeoSPARQL 1.1 ``wktLiteral``
with an optional CRS IRI first); Sutherland-Hodgman clipping of rings to the map's
rectangle; and the even-odd point-in-polygon test.  Pure Python, no GIS library.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Sequence
from importlib import resources
from typing import Any, NamedTuple

Point = tuple[float, float]
Ring = list[Point]
BBox = tuple[float, float, float, float]  # west, south, east, north

_POLYGON = re.compile(
    r"^\s*(?:<[^>]*>\s*)?(MULTIPOLYGON|POLYGON)(?:\s+(?:ZM|Z|M))?\s*\((.*)\)\s*$", re.I | re.S
)
_RING = re.compile(r"\(([^()]*)\)")
MAX_VERTICES = 200_000  # a KB polygon larger than this is not drawn (untrusted input)


class Country(NamedTuple):
    """One country of the base layer: its name, rings (lon, lat) and bounding box."""

    name: str
    rings: tuple[Ring, ...]
    bbox: BBox


def bbox_of(rings: Sequence[Ring]) -> BBox:
    xs = [p[0] for r in rings for p in r]
    ys = [p[1] for r in rings for p in r]
    return min(xs), min(ys), max(xs), max(ys)


def decode_topology(topo: dict[str, Any], name: str = "countries") -> list[Country]:
    """The polygons of one object of a quantized TopoJSON topology, in lon/lat degrees."""
    tf = topo.get("transform")
    sx, sy = tf["scale"] if tf else (1.0, 1.0)
    tx, ty = tf["translate"] if tf else (0.0, 0.0)
    arcs: list[Ring] = []
    for arc in topo["arcs"]:
        x = y = 0.0
        pts: Ring = []
        for pos in arc:
            if tf:  # delta-encoded quantized positions
                x, y = x + pos[0], y + pos[1]
                pts.append((x * sx + tx, y * sy + ty))
            else:
                pts.append((float(pos[0]), float(pos[1])))
        arcs.append(pts)

    def ring(indexes: list[int]) -> Ring:
        out: Ring = []
        for i in indexes:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts[1:] if out else pts)
        return out

    countries: list[Country] = []
    for geom in topo["objects"][name]["geometries"]:
        if geom.get("type") == "Polygon":
            polys = [geom["arcs"]]
        elif geom.get("type") == "MultiPolygon":
            polys = geom["arcs"]
        else:
            continue
        rings = tuple(w for poly in polys for r in poly for w in _unwrap(ring(r)))
        label = str((geom.get("properties") or {}).get("name", geom.get("id", "")))
        countries.append(Country(label, rings, bbox_of(rings)))
    return countries


def _unwrap(ring: Ring) -> list[Ring]:
    """A ring that crosses the antimeridian (a step of more than 180 degrees of longitude),
    made continuous and repeated 360 degrees east or west so that each copy is planar; one
    that goes round a pole is closed along it."""
    if not any(abs(ring[i][0] - ring[i - 1][0]) > 180 for i in range(1, len(ring))):
        return [ring]
    out: Ring = [ring[0]]
    shift = 0.0
    for i in range(1, len(ring)):
        step = ring[i][0] - ring[i - 1][0]
        shift += -360.0 if step > 180 else 360.0 if step < -180 else 0.0
        out.append((ring[i][0] + shift, ring[i][1]))
    if abs(out[-1][0] - out[0][0]) > 180:  # round a pole: close the ring along it
        pole = 90.0 if sum(p[1] for p in out) > 0 else -90.0
        out += [(out[-1][0], pole), (out[0][0], pole), out[0]]
    west, east = min(p[0] for p in out), max(p[0] for p in out)
    return [
        [(x + k, y) for x, y in out]
        for k in (-360.0, 0.0, 360.0)
        if west + k < 180 and east + k > -180
    ]


@functools.lru_cache(maxsize=1)
def countries() -> tuple[Country, ...]:
    """The Natural Earth 1:50m countries (decoded once per process, about 0.2 s)."""
    path = resources.files("minelaw.briefs") / "data" / "world-atlas" / "countries-50m.json"
    return tuple(decode_topology(json.loads(path.read_text(encoding="utf-8"))))


def parse_polygon(wkt: str) -> list[Ring] | None:
    """``POLYGON((lon lat, ...), ...)`` or ``MULTIPOLYGON(((...)), ...)`` -> rings; None otherwise.

    Holes are returned as rings too: they are drawn with the even-odd fill rule.  Z and M
    values are ignored; a ring with fewer than three distinct positions, a coordinate out
    of range or more than :data:`MAX_VERTICES` vertices in all makes the whole value None.
    """
    m = _POLYGON.match(wkt or "")
    if not m:
        return None
    body = m.group(2)
    rings: list[Ring] = []
    count = 0
    for text in _RING.findall(body):
        ring: Ring = []
        for pos in text.split(","):
            nums = pos.split()
            if len(nums) < 2:
                return None
            try:
                lon, lat = float(nums[0]), float(nums[1])
            except ValueError:
                return None
            if not (-180 <= lon <= 180 and -90 <= lat <= 90) or math.isnan(lon + lat):
                return None
            ring.append((lon, lat))
        count += len(ring)
        if len(set(ring)) < 3 or count > MAX_VERTICES:
            return None
        rings.append(ring)
    return rings or None


def contains(rings: Sequence[Ring], lon: float, lat: float) -> bool:
    """Even-odd rule: is (lon, lat) inside the polygon made of ``rings``?"""
    inside = False
    for ring in rings:
        n = len(ring)
        for i in range(n):
            (x1, y1), (x2, y2) = ring[i], ring[i - 1]
            if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
                inside = not inside
    return inside


def ring_area(ring: Ring) -> float:
    return (
        sum(ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1] for i in range(len(ring))) / 2
    )


def label_point(rings: Sequence[Ring]) -> Point:
    """Where to put a polygon's label: the centroid of its largest ring if that is inside
    the polygon, else the ring vertex-mean nudged to the nearest vertex inside."""
    big = max(rings, key=lambda r: abs(ring_area(r)))
    a = ring_area(big)
    if abs(a) > 1e-12:
        cx = cy = 0.0
        for i in range(len(big)):
            (x0, y0), (x1, y1) = big[i - 1], big[i]
            f = x0 * y1 - x1 * y0
            cx, cy = cx + (x0 + x1) * f, cy + (y0 + y1) * f
        c = (cx / (6 * a), cy / (6 * a))
        if contains(rings, *c):
            return c
    return big[0]


def clip_ring(ring: Ring, box: BBox) -> Ring:
    """Sutherland-Hodgman: the part of a ring inside an axis-aligned box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    edges = (
        (lambda p: p[0] >= x0, lambda p, q: _cross_x(p, q, x0)),
        (lambda p: p[0] <= x1, lambda p, q: _cross_x(p, q, x1)),
        (lambda p: p[1] >= y0, lambda p, q: _cross_y(p, q, y0)),
        (lambda p: p[1] <= y1, lambda p, q: _cross_y(p, q, y1)),
    )
    out = list(ring)
    for inside, cut in edges:
        if not out:
            break
        src, out = out, []
        prev = src[-1]
        for cur in src:
            if inside(cur):
                if not inside(prev):
                    out.append(cut(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cut(prev, cur))
            prev = cur
    return out


def _cross_x(p: Point, q: Point, x: float) -> Point:
    t = (x - p[0]) / (q[0] - p[0])
    return x, p[1] + t * (q[1] - p[1])


def _cross_y(p: Point, q: Point, y: float) -> Point:
    t = (y - p[1]) / (q[1] - p[1])
    return p[0] + t * (q[0] - p[0]), y


def thin(ring: Ring, tolerance: float) -> Ring:
    """Drop vertices closer than ``tolerance`` (pixels) to the last one kept."""
    if len(ring) < 4:
        return ring
    out = [ring[0]]
    for p in ring[1:]:
        q = out[-1]
        if abs(p[0] - q[0]) + abs(p[1] - q[1]) >= tolerance:
            out.append(p)
    return out if len(out) >= 3 else ring[:3]


def path_data(rings: Sequence[Ring]) -> str:
    """SVG path data (absolute moves, relative lines, one decimal) for rings in pixels."""
    parts: list[str] = []
    for ring in rings:
        if len(ring) < 3:
            continue
        x, y = round(ring[0][0], 1), round(ring[0][1], 1)
        seg = [f"M{x:g} {y:g}"]
        for p in ring[1:]:
            nx, ny = round(p[0], 1), round(p[1], 1)
            seg.append(f"l{round(nx - x, 1):g} {round(ny - y, 1):g}")
            x, y = nx, ny
        parts.append("".join(seg) + "z")
    return "".join(parts)
