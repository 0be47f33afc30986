"""The location map of a brief, drawn: frame, country borders, places, labels, legend.

Implements the map of :func:`minelaw.briefs.figures.map_svg`: an equirectangular projection
scaled by the cosine of the middle latitude (a plate carrée adjusted for scale, accurate
enough at the scale of a district), fitted to the places named in the facts and the
finding's territory; points far from the others (beyond three times their median distance
from the territory, and at least 150 km) are named under the map rather than shrinking it.
Country borders are Natural Earth's (:mod:`minelaw.briefs.basemap`), clipped to the frame.
Labels are placed greedily (Imhof's rules in their simplest form: right of the point first,
then the other seven directions, then farther out with a leader line), so that no two
labels, markers, leader lines or map furniture meet; a label that finds no room is named
under the map.  Graticule labels are kept inside the figure.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from .basemap import (
    BBox,
    Ring,
    bbox_of,
    clip_ring,
    contains,
    countries,
    label_point,
    path_data,
    ring_area,
    thin,
)
from .layout import ASCENT, DESCENT, SIZE, Box, Boxes, fit, line_box, overlaps, svg_text, text_width

KM_PER_DEGREE = 111.32
_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 45, 90)
_DIRECTIONS = ((1, 0), (-1, 0), (1, -1), (1, 1), (-1, -1), (-1, 1), (0, -1), (0, 1))
LAND, SEA, BORDER = "#f3f2ec", "#dfe9f1", "#9b9b9b"
TERRITORY, PLACE = "#a33", "#246"
AXIS = 9  # font size of the graticule labels
NOTE = 10  # font size of the legend and notes
LAT_GAP = 36  # least distance between parallels, in pixels


def _fmt_deg(v: float, step: float, pos: str, neg: str) -> str:
    dec = 0 if step >= 1 else 1 if abs(step * 10 - round(step * 10)) < 1e-9 else 2
    v = round(v, dec)
    if v == 0:
        return "0°"
    return f"{abs(v):.{dec}f}°{pos if v > 0 else neg}"


def _grid(a: float, b: float, pixels: float, min_gap: float) -> tuple[float, list[float]]:
    """A round step giving at least ``min_gap`` pixels between lines, and the lines."""
    step = next((s for s in _STEPS if pixels * s / (b - a) >= min_gap), 90.0)
    first = math.ceil(a / step - 1e-9)
    last = math.floor(b / step + 1e-9)
    return step, [i * step for i in range(first, last + 1)]


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    k = math.cos(math.radians((a[1] + b[1]) / 2))
    return math.hypot((a[0] - b[0]) * k, a[1] - b[1]) * KM_PER_DEGREE


@dataclass
class MapFrame:
    """Where the map's frame is on the figure and what it shows."""

    width: int
    west: float
    east: float
    south: float
    north: float
    ml: float  # left margin (graticule labels)
    mt: float
    fw: float
    fh: float
    height: int = 0
    highlight: list[Ring] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    @property
    def box(self) -> Box:
        return self.ml, self.mt, self.ml + self.fw, self.mt + self.fh

    def px(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.ml + (lon - self.west) / (self.east - self.west) * self.fw,
            self.mt + (self.north - lat) / (self.north - self.south) * self.fh,
        )

    @classmethod
    def fit(cls, places: list[dict[str, Any]], width: int) -> MapFrame | None:
        """The frame that shows the territory and the places near it."""
        terr = [p for p in places if p["territory"]]
        highlight: list[Ring] = []
        areas: list[BBox] = [bbox_of(p["rings"]) for p in places if p["rings"]]
        for t in terr:
            if t["country"] and not t["rings"]:  # a whole country: shade its borders
                c = next((c for c in countries() if contains(c.rings, t["lon"], t["lat"])), None)
                if c is not None:
                    highlight = list(c.rings)
                    main = next(r for r in c.rings if contains([r], t["lon"], t["lat"]))
                    areas.append(bbox_of([main]))
        pts = [(p["lon"], p["lat"]) for p in places if not p["country"] or p["territory"]]
        if not pts:
            return None
        anchor = (
            (terr[0]["lon"], terr[0]["lat"])
            if terr
            else (statistics.median(x for x, _ in pts), statistics.median(y for _, y in pts))
        )
        others = [p for p in places if not p["country"] and not p["territory"]]
        dist = [_km(anchor, (p["lon"], p["lat"])) for p in others]
        limit = max(3 * statistics.median(dist), 150.0) if dist else 0.0
        outside = [p["label"] for p, d in zip(others, dist, strict=True) if d > limit]
        keep = [(p["lon"], p["lat"]) for p, d in zip(others, dist, strict=True) if d <= limit]
        keep += [(t["lon"], t["lat"]) for t in terr]
        xs = [x for x, _ in keep] + [a[0] for a in areas] + [a[2] for a in areas]
        ys = [y for _, y in keep] + [a[1] for a in areas] + [a[3] for a in areas]
        west, east, south, north = min(xs), max(xs), min(ys), max(ys)
        k = math.cos(math.radians(max(min((south + north) / 2, 80), -80)))
        # the smallest half-height: 0.15 degrees (about 17 km) around a single position; a
        # tight group of positions is shown large enough to tell its points apart
        least = 0.15 if len(set(keep)) + len(areas) < 2 else 0.02
        half_lat = max((north - south) / 2 * 1.25, least)
        half_lon = max((east - west) / 2 * 1.25, least / k)
        cx, cy = (west + east) / 2, (south + north) / 2
        ml = 40.0
        for _ in range(2):  # the left margin depends on the latitude labels' width
            fw = width - ml - 8
            aspect = min(max(half_lat / (half_lon * k), 0.55), 0.95)
            fh = fw * aspect
            h_lon = max(half_lon, half_lat / aspect / k)
            h_lat = h_lon * k * aspect
            s, n = max(cy - h_lat, -89.9), min(cy + h_lat, 89.9)
            step, vals = _grid(s, n, fh, LAT_GAP)
            widest = max((text_width(_fmt_deg(v, step, "N", "S"), AXIS) for v in vals), default=0)
            need = max(widest + 8, 24.0)
            if abs(need - ml) < 0.5:
                break
            ml = need
        frame = cls(width, cx - h_lon, cx + h_lon, s, n, ml, 8.0, fw, fh)
        frame.highlight = highlight
        frame.outside = sorted(outside)
        return frame


def _groups(frame: MapFrame, places: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Points (not countries, not areas) merged when they share a position (< 2 px apart)."""
    groups: list[dict[str, Any]] = []
    pts = [p for p in places if not p["country"] and not p["rings"]]
    pts.sort(key=lambda p: (not p["territory"], p["label"]))
    x0, y0, x1, y1 = frame.box
    for p in pts:
        if p["label"] in frame.outside and not p["territory"]:
            continue
        x, y = frame.px(p["lon"], p["lat"])
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            continue
        g = next((g for g in groups if math.hypot(g["x"] - x, g["y"] - y) < 2), None)
        if g is None:
            groups.append({"x": x, "y": y, "members": [p], "territory": p["territory"]})
        else:
            g["members"].append(p)
            g["territory"] = g["territory"] or p["territory"]
    for g in groups:
        names: list[str] = []
        for p in g["members"]:
            name = (f"[{p['n']}] " if p.get("n") not in (None, "") else "") + p["label"]
            if name not in names:
                names.append(name)
        g["label"] = ", ".join(names)
        g["r"] = 7.0 if g["territory"] else 5.0
    return groups


def _label_candidates(cx: float, cy: float, r: float, w: float, h: float) -> list[Any]:
    """Boxes around a point, nearest first, with the leader line each would need."""
    out = []
    for ring, d in enumerate((r + 3, r + 14, r + 28, r + 46, r + 70, r + 100, r + 140, r + 190)):
        for ux, uy in _DIRECTIONS:
            bx = cx + d if ux > 0 else cx - d - w if ux < 0 else cx - w / 2
            by = cy + d if uy > 0 else cy - d - h if uy < 0 else cy - h / 2
            box = (bx, by, bx + w, by + h)
            leader = None
            if ring:
                nx, ny = min(max(cx, box[0]), box[2]), min(max(cy, box[1]), box[3])
                dist = math.hypot(nx - cx, ny - cy) or 1.0
                sx, sy = cx + (nx - cx) / dist * (r + 2), cy + (ny - cy) / dist * (r + 2)
                leader = (sx, sy, nx, ny)
            out.append((box, leader))
    return out


def draw_map(frame: MapFrame, places: list[dict[str, Any]], missing: list[str]) -> list[str]:
    """The SVG body of the map; sets ``frame.height``.  ``missing``: the places without a
    usable position, named under the map."""
    x0, y0, x1, y1 = frame.box
    unplaced: list[str] = []
    keyed: list[str] = []
    body: list[str] = [
        f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{frame.fw:.1f}" '
        f'height="{frame.fh:.1f}" fill="{SEA}"/>'
    ]
    body += _borders(frame)
    body += _graticule_lines(frame)
    boxes = Boxes((x0 + 2, y0 + 2, x1 - 2, y1 - 2), pad=1.5)
    labels: list[str] = []
    # areas: the finding's territory and any other place with a polygon
    for p in sorted((p for p in places if p["rings"]), key=lambda p: p["territory"]):
        rings = _project(frame, p["rings"])
        if not rings:
            continue
        if p["territory"]:
            body.append(
                f'<path d="{path_data(rings)}" fill="{TERRITORY}" fill-opacity="0.18" '
                f'fill-rule="evenodd" stroke="{TERRITORY}" stroke-width="2"/>'
            )
        else:
            body.append(
                f'<path d="{path_data(rings)}" fill="{PLACE}" fill-opacity="0.06" '
                f'fill-rule="evenodd" stroke="{PLACE}" stroke-width="1"/>'
            )
    groups = _groups(frame, places)
    for g in groups:
        r = g["r"]
        boxes.add((g["x"] - r - 1, g["y"] - r - 1, g["x"] + r + 1, g["y"] + r + 1))
    body += _furniture(frame, boxes)
    markers: list[str] = []
    for g in groups:
        x, y = g["x"], g["y"]
        if g["territory"]:
            markers.append(
                f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="#fff" '
                f'fill-opacity="0.6" stroke="{TERRITORY}" stroke-width="2.2"/>'
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{TERRITORY}"/>'
            )
        else:
            markers.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{PLACE}" stroke="#fff"/>'
            )

    # the order of placement: the territory, then crowded points first, then areas
    def crowd(g: dict[str, Any]) -> int:
        return sum(math.hypot(h["x"] - g["x"], h["y"] - g["y"]) < 60 for h in groups)

    # what to name, most important first: the territory, crowded points, areas, countries
    jobs: list[tuple[tuple[Any, ...], dict[str, Any], float, float, float, str]] = []
    for g in groups:
        jobs.append(
            ((not g["territory"], 1, -crowd(g), g["label"]), g, g["x"], g["y"], g["r"], "place")
        )
    for p in places:
        if p["rings"] or p["country"]:
            at = _area_anchor(frame, p)
            if at is not None:
                kind = "area" if p["rings"] or p["territory"] else "country"
                rank = (not p["territory"], 2 if kind == "area" else 3, 0, p["label"])
                jobs.append((rank, p, at[0], at[1], -1.0, kind))
    leaders: list[str] = []
    for _, item, lx, ly, r, kind in sorted(jobs, key=lambda j: j[0]):
        bold = bool(item["territory"])
        size = NOTE if kind == "country" and not bold else SIZE
        text = fit(item["label"], min(230.0, frame.fw * 0.7), size, bold)
        w, h = text_width(text, size, bold), (ASCENT + DESCENT) * size
        cands = (
            _label_candidates(lx, ly, r, w, h)
            if r > 0
            else _area_candidates(lx, ly, w, h, item["rings"], frame)
        )
        spot = next(((b, ld) for b, ld in cands if boxes.free(b, ld)), None)
        if spot is None and r < 0 and kind != "country":  # an area: name it from outside
            cands = _label_candidates(lx, ly, 2.0, w, h)[8:]
            spot = next(((b, ld) for b, ld in cands if boxes.free(b, ld)), None)
        if spot is None and (kind != "country" or bold):  # a number, explained below the map
            text = str(len(keyed) + 1)
            w, size = text_width(text, SIZE, True), SIZE
            cands = _label_candidates(lx, ly, max(r, 2.0), w, h)
            spot = next(((b, ld) for b, ld in cands if boxes.free(b, ld)), None)
            if spot is not None:
                keyed.append(f"{text} {fit(item['label'], 160, NOTE)}")
                bold, kind = True, f"{kind} key"
        if spot is None:
            if kind != "country" or bold:
                unplaced.append(item["label"])
            continue
        b, ld = spot
        boxes.add(b, ld)
        if ld is not None:
            leaders.append(
                f'<line x1="{ld[0]:.1f}" y1="{ld[1]:.1f}" x2="{ld[2]:.1f}" y2="{ld[3]:.1f}" '
                'stroke="#555" stroke-width="0.7"/>'
            )
        labels.append(_label(b[0], b[1] + ASCENT * size, text, item["label"], bold, kind, size))
    body += leaders + markers + labels
    body.append(
        f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{frame.fw:.1f}" height="{frame.fh:.1f}" '
        'fill="none" stroke="#888"/>'
    )
    bottom, axis = _axis_labels(frame)
    body += axis
    body += _legend(frame, places, groups, bottom, keyed, unplaced, missing)
    body.insert(0, f'<rect x="0" y="0" width="{frame.width}" height="{frame.height}" fill="#fff"/>')
    return body


def _area_candidates(
    lx: float, ly: float, w: float, h: float, rings: list[Ring] | None, frame: MapFrame
) -> list[tuple[Box, None]]:
    """Boxes centred at and around an area's anchor (no leader line): nearest first, those
    whose centre lies inside the area's polygon before the others."""
    offsets = [(dx, dy) for dx in range(-120, 121, 12) for dy in range(-96, 97, 8)]
    px_rings = [[frame.px(lon, lat) for lon, lat in r] for r in rings] if rings else None

    def key(o: tuple[int, int]) -> tuple[bool, float]:
        inside = px_rings is None or contains(px_rings, lx + o[0], ly + o[1])
        return not inside, math.hypot(o[0], o[1] * 1.5)

    return [
        ((lx - w / 2 + dx, ly - h / 2 + dy, lx + w / 2 + dx, ly + h / 2 + dy), None)
        for dx, dy in sorted(offsets, key=key)
    ]


def _area_anchor(frame: MapFrame, p: dict[str, Any]) -> tuple[float, float] | None:
    """Where to name an area (a polygon, or a country): its point when inside the frame,
    else the middle of the largest part of it that the frame shows; None if none shows."""
    x0, y0, x1, y1 = frame.box
    lx, ly = frame.px(p["lon"], p["lat"])
    if x0 <= lx <= x1 and y0 <= ly <= y1:
        return lx, ly
    rings = p["rings"]
    if not rings and p["country"]:
        c = next((c for c in countries() if contains(c.rings, p["lon"], p["lat"])), None)
        rings = list(c.rings) if c else None
    shown = [r for r in _project(frame, rings or []) if abs(ring_area(r)) > 400]
    return label_point(shown) if shown else None


def _label(
    x: float, y: float, text: str, full: str, bold: bool, kind: str, size: float = SIZE
) -> str:
    style = ' font-weight="bold"' if bold else ""
    if kind == "country":
        style += ' font-style="italic" fill="#555"'
    if size != SIZE:
        style += f' font-size="{size:g}"'
    return (
        f'<g class="label {kind}"><title>{escape(full)}</title>'
        + svg_text(x, y, text, style + ' stroke="#fff" stroke-width="3" stroke-linejoin="round"')
        + svg_text(x, y, text, style)
        + "</g>"
    )


def _project(
    frame: MapFrame,
    rings: list[Ring] | tuple[Ring, ...],
    boxes: Sequence[BBox] | None = None,
) -> list[Ring]:
    """The rings in pixels, clipped to the frame and thinned.  With each ring's bounding box
    (lon/lat), a ring wholly outside the frame is skipped and one wholly inside is not clipped:
    the projection is monotone in each coordinate, so the result is the same."""
    x0, y0, x1, y1 = frame.box
    out = []
    for i, ring in enumerate(rings):
        inside = False
        if boxes is not None:
            w, s, e, n = boxes[i]
            (bx0, by0), (bx1, by1) = frame.px(w, n), frame.px(e, s)
            if bx1 < x0 or bx0 > x1 or by1 < y0 or by0 > y1:
                continue
            inside = bx0 >= x0 and bx1 <= x1 and by0 >= y0 and by1 <= y1
        pts = [frame.px(lon, lat) for lon, lat in ring]
        clipped = pts if inside else clip_ring(pts, (x0, y0, x1, y1))
        if len(clipped) >= 3:
            out.append(thin(clipped, 0.7))
    return out


@functools.cache
def _ring_boxes(index: int) -> tuple[BBox, ...]:
    """The bounding box of each ring of the ``index``-th base-map country (computed once)."""
    return tuple(bbox_of([r]) for r in countries()[index].rings)


def _borders(frame: MapFrame) -> list[str]:
    out = []
    for i, c in enumerate(countries()):
        w, s, e, n = c.bbox
        if e < frame.west or w > frame.east or n < frame.south or s > frame.north:
            continue
        rings = _project(frame, c.rings, _ring_boxes(i))
        if rings:
            out.append(
                f'<path d="{path_data(rings)}" fill="{LAND}" fill-rule="evenodd" '
                f'stroke="{BORDER}" stroke-width="0.7" stroke-linejoin="round"/>'
            )
    if frame.highlight:
        rings = _project(frame, frame.highlight)
        if rings:
            out.append(
                f'<path d="{path_data(rings)}" fill="{TERRITORY}" fill-opacity="0.14" '
                f'fill-rule="evenodd" stroke="{TERRITORY}" stroke-width="1.6"/>'
            )
    return out


def _graticule_lines(frame: MapFrame) -> list[str]:
    x0, y0, x1, y1 = frame.box
    out = []
    _, lats = _grid(frame.south, frame.north, frame.fh, LAT_GAP)
    _, lons = _grid(frame.west, frame.east, frame.fw, _lon_gap(frame))
    for v in lats:
        _, gy = frame.px(frame.west, v)
        out.append(
            f'<line x1="{x0:.1f}" y1="{gy:.1f}" x2="{x1:.1f}" y2="{gy:.1f}" '
            'stroke="#d3dbe1" stroke-width="0.5"/>'
        )
    for v in lons:
        gx, _ = frame.px(v, frame.south)
        out.append(
            f'<line x1="{gx:.1f}" y1="{y0:.1f}" x2="{gx:.1f}" y2="{y1:.1f}" '
            'stroke="#d3dbe1" stroke-width="0.5"/>'
        )
    return out


def _lon_gap(frame: MapFrame) -> float:
    return text_width("000.00°E", AXIS) + 10


def _axis_labels(frame: MapFrame) -> tuple[float, list[str]]:
    """Graticule labels left of and under the frame, none cut by the figure's edge or
    meeting another; returns the bottom of the labels' row and the SVG."""
    x0, y0, x1, y1 = frame.box
    out: list[str] = []
    taken: list[Box] = []
    step, lats = _grid(frame.south, frame.north, frame.fh, LAT_GAP)
    for v in lats:
        _, gy = frame.px(frame.west, v)
        text = _fmt_deg(v, step, "N", "S")
        w = text_width(text, AXIS)
        b = (x0 - 4 - w, gy + 3 - ASCENT * AXIS, x0 - 4, gy + 3 + DESCENT * AXIS)
        if b[0] >= 1 and b[1] >= 1:
            taken.append(b)
            out.append(
                svg_text(
                    x0 - 4,
                    gy + 3,
                    text,
                    f' class="axis" text-anchor="end" fill="#555" font-size="{AXIS}"',
                )
            )
    step, lons = _grid(frame.west, frame.east, frame.fw, _lon_gap(frame))
    base = y1 + 4 + ASCENT * AXIS
    for v in lons:
        gx, _ = frame.px(v, frame.south)
        text = _fmt_deg(v, step, "E", "W")
        w = text_width(text, AXIS)
        b = (gx - w / 2, base - ASCENT * AXIS, gx + w / 2, base + DESCENT * AXIS)
        if b[0] >= 1 and b[2] <= frame.width - 1 and not any(overlaps(b, t, 2) for t in taken):
            taken.append(b)
            out.append(
                svg_text(
                    gx,
                    base,
                    text,
                    f' class="axis" text-anchor="middle" fill="#555" font-size="{AXIS}"',
                )
            )
    return base + DESCENT * AXIS, out


def _furniture(frame: MapFrame, boxes: Boxes) -> list[str]:
    """The scale bar (bottom left) and the north arrow (top right), kept clear of labels."""
    x0, y0, x1, y1 = frame.box
    k = math.cos(math.radians((frame.south + frame.north) / 2))
    km_width = (frame.east - frame.west) * k * KM_PER_DEGREE
    km = next(
        (s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000) if s >= km_width / 5), 5000
    )
    bar = km / km_width * frame.fw
    sx, sy = x0 + 10, y1 - 10
    boxes.add((sx - 4, sy - 18, sx + max(bar, text_width(f"{km} km", NOTE)) + 4, sy + 5))
    boxes.add(line_box(x1 - 6, y0 + 16, text_width("N ↑", SIZE, True), SIZE, "end"))
    return [
        f'<rect x="{sx - 4:.1f}" y="{sy - 16:.1f}" width="{bar + 8:.1f}" height="21" '
        'fill="#fff" fill-opacity="0.8"/>'
        f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{sx + bar:.1f}" y2="{sy:.1f}" stroke="#000" '
        'stroke-width="3"/>',
        svg_text(sx, sy - 6, f"{km} km", f' class="furniture" font-size="{NOTE}"'),
        svg_text(x1 - 6, y0 + 16, "N ↑", ' class="furniture" text-anchor="end" font-weight="bold"'),
    ]


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    cur = ""
    for word in text.split(" "):
        trial = f"{cur} {word}".strip()
        if cur and text_width(trial, size) > width:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    if cur:
        lines.append(cur)
    return [fit(ln, width, size) for ln in lines]


def _legend(
    frame: MapFrame,
    places: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    top: float,
    keyed: list[str],
    unplaced: list[str],
    missing: list[str],
) -> list[str]:
    """Keys to the symbols, then notes: places not shown, the borders' source."""
    out: list[str] = []
    y = top + 6 + ASCENT * NOTE
    x = 6.0
    terr_area = any(p["territory"] and (p["rings"] or p["country"]) for p in places)
    items = []
    if any(g["territory"] for g in groups):
        items.append(("square", "territory of the finding"))
    elif terr_area:
        items.append(("area", "territory of the finding"))
    if any(not g["territory"] for g in groups):
        items.append(("circle", "place named in the facts"))
    for kind, text in items:
        w = 16 + text_width(text, NOTE)
        if x + w > frame.width - 4 and x > 6:
            x, y = 6.0, y + 14
        mid = y - 3.5
        if kind == "square":
            out.append(
                f'<rect x="{x + 1:.1f}" y="{mid - 5:.1f}" width="10" height="10" '
                f'fill="#fff" stroke="{TERRITORY}" stroke-width="2"/>'
            )
        elif kind == "area":
            out.append(
                f'<rect x="{x:.1f}" y="{mid - 5:.1f}" width="12" height="10" '
                f'fill="{TERRITORY}" fill-opacity="0.18" stroke="{TERRITORY}" '
                'stroke-width="1.6"/>'
            )
        else:
            out.append(f'<circle cx="{x + 6:.1f}" cy="{mid:.1f}" r="4.5" fill="{PLACE}"/>')
        out.append(svg_text(x + 16, y, text, f' class="legend" font-size="{NOTE}" fill="#333"'))
        x += w + 14
    notes = ["Numbered on the map: " + "; ".join(keyed) + "."] if keyed else []
    for head, names in (
        ("Outside this map", frame.outside),
        ("Not labelled for lack of room", unplaced),
        ("No position recorded", missing),
    ):
        if names:
            shown = [fit(n, 160, NOTE) for n in names[:8]]
            more = f"; and {len(names) - 8} more" if len(names) > 8 else ""
            notes.append(f"{head}: " + "; ".join(shown) + more + ".")
    notes.append("Borders: Natural Earth (public domain), for orientation only.")
    if items:
        y += 14
    for note in notes:
        for line in _wrap(note, frame.width - 12, NOTE):
            out.append(svg_text(6, y, line, f' class="note" font-size="{NOTE}" fill="#555"'))
            y += 13
    frame.height = int(math.ceil(y - 13 + DESCENT * NOTE + 6))
    return out
