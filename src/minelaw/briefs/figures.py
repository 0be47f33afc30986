"""Figures of case briefs as inline SVG: a timeline and a location map.

Drawn from the knowledge base only (``ml:date`` / ``ml:claimedOn`` and GeoSPARQL
``geo:asWKT`` literals, OGC 12-063r5 and GeoSPARQL 1.1 section 8) over country borders
from Natural Earth (public domain, vendored: :mod:`minelaw.briefs.basemap`): no tiles, web
fonts or scripts, so a brief stays one self-contained file (DESIGN.md section 7).

The timeline stacks its labels in lanes (widths estimated by :mod:`minelaw.briefs.layout`)
so that no two labels overlap and none crosses the relevant-date line (a label shortens to
fit beside it; only where no side of its point has room does a label cross it, over a gap);
claims are diamonds and events circles, with a legend.  The map
(:mod:`minelaw.briefs.mapdraw`) uses an equirectangular projection scaled by the cosine of
the middle latitude, accurate enough at the scale of a district; its scale bar uses 111.32
km per degree.  The finding's territory is its polygon (WKT ``POLYGON``/``MULTIPOLYGON``),
the shaded country for a place of kind country, or a square; places sharing a position
share one label; labels are placed greedily around their point, with leader lines when
moved; a country, or a place without geometry, is never a point.
Every text is XML-escaped, and the full text of a shortened label is kept in its ``<title>``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from .basemap import Ring, label_point, parse_polygon
from .context import select, values_of
from .layout import (
    ASCENT,
    DESCENT,
    SIZE,
    Box,
    fit,
    line_box,
    overlaps,
    svg_doc,
    svg_text,
    text_width,
)
from .mapdraw import MapFrame, draw_map

_POINT = re.compile(
    r"^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\)\s*$", re.I
)
MAP_WIDTH = 440  # the brief's style sheet shows the map at most 26rem (416 px) wide


def parse_point(wkt: str) -> tuple[float, float] | None:
    """``POINT(lon lat)`` (optionally with a CRS IRI first) -> (lon, lat); None otherwise."""
    m = _POINT.match(wkt or "")
    if not m:
        return None
    lon, lat = float(m.group(1)), float(m.group(2))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat


def _number(n: Any) -> tuple[int, str]:
    s = str(n if n is not None else "")
    return (int(s), s) if s.isdigit() else (1 << 30, s)


# --- timeline --------------------------------------------------------------------------
LANE = 30  # vertical distance between label lanes: two lines (11 and 10 px) and a gap
LABEL_MAX = 180.0  # the widest a timeline label may be, in pixels
MARK_W = 6.0  # half-width of a marker on the axis


@dataclass
class _Label:
    """One event's label on the timeline, once placed."""

    ex: float
    claim: bool
    key: str
    text: str
    full: str
    when: str
    anchor: str = "start"
    tx: float = 0.0
    box: Box = (0.0, 0.0, 0.0, 0.0)
    behind: int = 0  # leader lines passing behind this label's box, or its own behind others


def timeline_svg(
    events: Sequence[dict[str, Any]], markers: Sequence[dict[str, str]] = (), width: int = 760
) -> str:
    """A horizontal timeline.

    ``events``: dicts with ``date`` (ISO), ``label`` (a short text: the event's label or the
    claim's summary), ``n`` (the fact number shown in the brief), ``claim`` (drawn as a
    diamond rather than a circle) and ``when`` (the date as the brief writes it).
    ``markers``: dated vertical lines with a ``label`` (e.g. the relevant date of the
    finding).  Labels sit in lanes below the axis, none over another, over a leader line or
    across a marker's line; the full text of a shortened label is its ``<title>``.
    """
    pts = sorted(
        ((dt.date.fromisoformat(e["date"][:10]), e) for e in events if e.get("date")),
        key=lambda p: (p[0], _number(p[1].get("n"))),
    )
    marks = [(dt.date.fromisoformat(m["date"][:10]), m) for m in markers if m.get("date")]
    dates = [d for d, _ in pts] + [d for d, _ in marks]
    if not dates:
        return ""
    lo, hi = min(dates), max(dates)
    span = max((hi - lo).days, 60)
    pad = max(span // 12, 15)
    lo, hi = lo - dt.timedelta(days=pad), hi + dt.timedelta(days=pad)
    left, right = 24, width - 24

    def x(d: dt.date) -> float:
        return left + (right - left) * (d - lo).days / max((hi - lo).days, 1)

    mark_x = [x(d) for d, _ in marks]
    top, rows = _marker_labels(marks, mark_x, width)
    tick_y = 4 + rows * 15 + ASCENT * SIZE
    axis_y = tick_y + 9
    first = axis_y + 14 + ASCENT * SIZE  # the baseline of lane 0
    max_w = min(LABEL_MAX, (right - left) * 0.4)
    layouts = [
        _lanes(pts, x, mark_x, axis_y, first, width, max_w, rtl, cover)
        for rtl in (True, False)
        for cover in (1.0, 0.0)
    ]
    # the layout with the fewest leader lines behind labels (each counts as two lanes)
    labels = min(
        layouts,
        key=lambda lay: (
            2 * sum(lb.behind for lb in lay) + max((lb.box[3] for lb in lay), default=0) / LANE
        ),
    )
    bottom = max([lb.box[3] for lb in labels] + [axis_y + 10])
    legend_y = bottom + 12 + ASCENT * SIZE
    height = int(math.ceil(legend_y + DESCENT * SIZE + 6))
    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>']
    body += _ticks(lo, hi, x, tick_y, axis_y, width, mark_x)
    for mx in mark_x:  # behind the labels: where one must cross it, its box makes a gap
        body.append(
            f'<line x1="{mx:.1f}" y1="{tick_y - ASCENT * SIZE - 1:.1f}" x2="{mx:.1f}" '
            f'y2="{bottom + 4:.1f}" stroke="#a33" stroke-dasharray="4 3"/>'
        )
    body += top
    body.append(
        f'<line x1="{left}" y1="{axis_y:.1f}" x2="{right}" y2="{axis_y:.1f}" stroke="#333" '
        'stroke-width="1.5"/>'
    )
    for lb in labels:
        body.append(
            f'<line x1="{lb.ex:.1f}" y1="{axis_y + MARK_W + 1:.1f}" x2="{lb.ex:.1f}" '
            f'y2="{lb.box[1]:.1f}" stroke="#999" stroke-width="0.8"/>'
        )
    for lb in labels:
        body.append(_claim_mark(lb.ex, axis_y) if lb.claim else _event_mark(lb.ex, axis_y))
    for lb in labels:
        base = lb.box[1] + ASCENT * SIZE
        key = f'<tspan font-weight="bold">{escape(lb.key)}</tspan> ' if lb.key else ""
        title = f"{lb.key} {lb.full}".strip() + f" ({lb.when})"
        b = lb.box
        body.append(
            f'<g class="label {"claim" if lb.claim else "event"}"><title>{escape(title)}</title>'
            f'<rect x="{b[0] - 2:.1f}" y="{b[1]:.1f}" width="{b[2] - b[0] + 4:.1f}" '
            f'height="{b[3] - b[1]:.1f}" fill="#fff"/>'
            f'<text x="{lb.tx:.1f}" y="{base:.1f}" text-anchor="{lb.anchor}">'
            f"{key}{escape(lb.text)}</text>"
            + svg_text(
                lb.tx, base + 13, lb.when, f' text-anchor="{lb.anchor}" fill="#555" font-size="10"'
            )
            + "</g>"
        )
    body += _timeline_legend(
        legend_y,
        any(lb.claim for lb in labels),
        any(not lb.claim for lb in labels),
        [str(m.get("label", "")) for _, m in marks],
    )
    return svg_doc(width, height, "Timeline of the dated facts in this brief", body)


def _marker_labels(
    marks: list[tuple[dt.date, dict[str, str]]], mark_x: list[float], width: int
) -> tuple[list[str], int]:
    """The markers' labels above the tick labels, one row more for each that would meet
    another; returns the SVG and the number of rows."""
    out: list[str] = []
    rows: list[list[Box]] = []
    for (d, m), mx in zip(marks, mark_x, strict=True):
        full = str(m.get("label", ""))
        label = fit(full, width / 3)
        w = text_width(label)
        anchor = "start" if mx + 4 + w <= width - 2 else "end"
        tx = mx + 4 if anchor == "start" else mx - 4
        r = 0
        while True:
            if r == len(rows):
                rows.append([])
            box = line_box(tx, 4 + ASCENT * SIZE + r * 15, w, SIZE, anchor)
            if not any(overlaps(box, b, 4) for b in rows[r]):
                rows[r].append(box)
                break
            r += 1
        out.append(
            f'<g class="label marker"><title>{escape(full)}: {escape(d.isoformat())}</title>'
            + svg_text(tx, box[3] - DESCENT * SIZE, label, f' text-anchor="{anchor}" fill="#a33"')
            + "</g>"
        )
    return out, len(rows)


def _lanes(
    pts: list[tuple[dt.date, dict[str, Any]]],
    x: Callable[[dt.date], float],
    mark_x: list[float],
    axis_y: float,
    first: float,
    width: int,
    max_w: float,
    rtl: bool,
    cover: float,
) -> list[_Label]:
    """Greedy lanes, from the right (``rtl``) or the left: each label takes the lane and side
    of its point (right unless the label would leave the figure) where its box meets no other
    label and keeps clear of the markers' lines (unless neither side of its point can), at
    the least cost: its lane, plus four for each leader line that would pass behind a label
    (which only happens where labels are too dense for any other way), plus ``cover`` for
    each point still to be placed that the label would cover."""
    out: list[_Label] = []
    boxes: list[Box] = []
    leaders: list[tuple[float, float]] = []  # x and bottom of each leader line
    # the boxes by lane: a box can only meet boxes of the lanes within ``near`` of its own
    # (a box is ASCENT * SIZE + 13 + DESCENT * 10 high and overlaps() pads by 4), so the test
    # looks there only -- the same answer as testing every box, without the cubic cost
    by_lane: dict[int, list[Box]] = {}
    near = int((ASCENT * SIZE + 13 + DESCENT * 10 + 4) // LANE) + 1
    top_lane = -1  # the deepest lane taken so far
    order = sorted(pts, key=lambda p: ((-1 if rtl else 1) * x(p[0]), _number(p[1].get("n"))))
    for i, (d, e) in enumerate(order):
        ex = x(d)
        pending = [x(p[0]) for p in order[i + 1 :]]
        key = f"[{e['n']}]" if e.get("n") not in (None, "") else ""
        full = " ".join(str(e.get("label", "")).split())
        key_w = text_width(key, bold=True) + (text_width(" ") if key else 0)
        text = fit(full, max_w - key_w)
        lb = _Label(ex, bool(e.get("claim")), key, text, full, str(e.get("when") or d))
        w = max(key_w + text_width(text), text_width(lb.when, 10))
        options = [("start", ex + 3), ("end", ex - 3)]
        if ex + 3 + w > width - 2:
            options.reverse()

        def box_of(anchor: str, tx: float, lane: int, w: float = w) -> Box:
            base = first + lane * LANE
            x0 = tx if anchor == "start" else tx - w
            return x0, base - ASCENT * SIZE, x0 + w, base + 13 + DESCENT * 10

        def clear(b: Box) -> bool:
            return not any(b[0] - 2 <= mx <= b[2] + 2 for mx in mark_x)

        def fits(a: str, tx: float, w: float) -> bool:
            b = box_of(a, tx, 0, w)
            return b[0] >= 2 and b[2] <= width - 2 and clear(b)

        strict = any(fits(a, tx, w) for a, tx in options)
        if not strict:  # shorten the label to fit between its point and the line, if it can
            right = min([mx for mx in mark_x if mx > ex] + [width + 1.0]) - ex - 9
            left = ex - max([mx for mx in mark_x if mx < ex] + [-1.0]) - 9
            room = max(right, left)
            short = fit(full, room - key_w)
            w2 = max(key_w + text_width(short), text_width(lb.when, 10))
            readable = short == full or len(short.rstrip("…")) >= 5
            if readable and any(fits(a, tx, w2) for a, tx in options):
                lb.text, w, strict = short, w2, True
        best: tuple[float, str, float, Box, int, int] | None = None
        # what the cost reads that does not depend on the lane, once per label and side: the
        # leader lines and pending points under the box's width, the boxes across the point
        across = [o[1] for o in boxes if o[0] - 2 <= ex <= o[2] + 2]
        under: list[tuple[list[float], int]] = []
        for anchor, tx in options:
            b = box_of(anchor, tx, 0, w)
            under.append(
                (
                    [bottom for lx, bottom in leaders if b[0] - 2 <= lx <= b[2] + 2],
                    sum(b[0] - 2 <= px <= b[2] + 2 for px in pending),
                )
            )
        # below the lanes ``near`` past the deepest taken, no box is met and no leader line
        # reaches, so the cost only grows by one a lane: the first of them is the last to try;
        # and no lane deeper than the best cost so far can cost less (the cost is at least
        # the lane)
        for lane in range(min(len(out) + 1, top_lane + near + 2)):
            if best is not None and lane >= best[0]:
                break
            for rank, (anchor, tx) in enumerate(options):
                b = box_of(anchor, tx, lane, w)
                if b[0] < 2 or b[2] > width - 2 or (strict and not clear(b)):
                    continue
                if any(
                    overlaps(b, o, 4)
                    for k in range(lane - near, lane + near + 1)
                    for o in by_lane.get(k, ())
                ):
                    continue
                bottoms, covers = under[rank]
                behind = sum(bottom > b[1] for bottom in bottoms)
                behind += sum(top < b[1] for top in across)
                cost = lane + 4 * behind + 0.5 * rank + cover * covers
                if best is None or cost < best[0]:
                    best = (cost, anchor, tx, b, behind, lane)
        if best is None:  # wider than the figure on both sides: right of its point
            fallback = len(out) + 1
            best = (0, "start", ex + 3, box_of("start", ex + 3, fallback, w), 0, fallback)
        _, lb.anchor, lb.tx, lb.box, lb.behind, taken = best
        by_lane.setdefault(taken, []).append(lb.box)
        top_lane = max(top_lane, taken)
        boxes.append(lb.box)
        leaders.append((ex, lb.box[1]))
        out.append(lb)
    return out


def _claim_mark(ex: float, y: float) -> str:
    return (
        f'<path d="M{ex:.1f} {y - MARK_W:.1f}l{MARK_W:g} {MARK_W:g}l-{MARK_W:g} {MARK_W:g}'
        f'l-{MARK_W:g} -{MARK_W:g}z" fill="#c80" stroke="#333" stroke-width="0.8"/>'
    )


def _event_mark(ex: float, y: float) -> str:
    return f'<circle cx="{ex:.1f}" cy="{y:.1f}" r="4.5" fill="#246" stroke="#fff"/>'


def _ticks(
    lo: dt.date,
    hi: dt.date,
    x: Callable[[dt.date], float],
    tick_y: float,
    axis_y: float,
    width: int,
    mark_x: list[float],
) -> list[str]:
    """Month or year ticks, as dense as their labels allow; a label that the figure's edge
    would cut, or a marker's line cross, is left out (its tick stays)."""
    per_month = (x(hi) - x(lo)) * 30.44 / max((hi - lo).days, 1)
    step = next((s for s in (1, 2, 3, 6) if per_month * s >= text_width("Sep 2020") + 12), 0)
    if not step:
        step = 12 * next((s for s in (1, 2, 5, 10, 20, 50) if per_month * 12 * s >= 44), 100)
    out: list[str] = []
    tick = dt.date(lo.year, lo.month, 1)
    while tick <= hi:
        due = (
            tick.month == 1 and tick.year % (step // 12) == 0
            if step >= 12
            else ((tick.year * 12 + tick.month - 1) % step == 0)
        )
        if tick >= lo and due:
            tx = x(tick)
            text = str(tick.year) if step >= 12 else tick.strftime("%b %Y")
            out.append(
                f'<line x1="{tx:.1f}" y1="{axis_y - 4:.1f}" x2="{tx:.1f}" y2="{axis_y + 4:.1f}" '
                'stroke="#333"/>'
            )
            half = text_width(text) / 2
            if (
                tx - half >= 2
                and tx + half <= width - 2
                and not any(tx - half - 3 <= mx <= tx + half + 3 for mx in mark_x)
            ):
                out.append(
                    svg_text(tx, tick_y, text, ' class="axis" text-anchor="middle" fill="#444"')
                )
        tick = dt.date(tick.year + tick.month // 12, tick.month % 12 + 1, 1)
    return out


def _timeline_legend(y: float, claims: bool, events: bool, marks: list[str]) -> list[str]:
    out: list[str] = []
    x = 8.0
    items = [("claim", "claim (dated by its statement)")] if claims else []
    items += [("event", "event or record")] if events else []
    items += [("mark", m) for m in marks[:1]]
    for kind, text in items:
        mid = y - 4
        if kind == "claim":
            out.append(_claim_mark(x + 6, mid))
        elif kind == "event":
            out.append(_event_mark(x + 6, mid))
        else:
            out.append(
                f'<line x1="{x + 6:.1f}" y1="{mid - 7:.1f}" x2="{x + 6:.1f}" y2="{mid + 7:.1f}" '
                'stroke="#a33" stroke-dasharray="4 3"/>'
            )
        out.append(svg_text(x + 16, y, text, ' class="legend" fill="#333"'))
        x += 16 + text_width(text) + 18
    return out


# --- map -------------------------------------------------------------------------------
def _is_country(kind: Any) -> bool:
    return str(kind or "").rstrip("/#").lower().endswith("country")


def map_places(
    store: Any, iris: set[str], territory: str, labels: dict[str, str]
) -> list[dict[str, Any]]:
    """What :func:`map_svg` needs for the places named in a brief and the finding's
    territory: label, position (a WKT point, or the label point of a polygon), the
    polygon's WKT, the kind of place (``ml:placeKind``) and the coordinate precision."""
    all_iris = set(iris) | {territory}
    rows = select(
        store,
        f"""SELECT ?p ?kind ?wkt ?prec WHERE {{ VALUES ?p {{ {values_of(all_iris)} }}
              OPTIONAL {{ ?p ml:placeKind ?kind }}
              OPTIONAL {{ ?p geo:hasGeometry ?g . ?g geo:asWKT ?wkt
                          OPTIONAL {{ ?g ml:coordinatePrecision ?prec }} }} }}
            ORDER BY ?p ?wkt""",
    )
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        p = r["p"]
        d = out.setdefault(
            p,
            {
                "label": labels.get(p) or p.rsplit("/", 1)[-1].rsplit("#", 1)[-1],
                "lon": None,
                "lat": None,
                "wkt": "",
                "kind": "",
                "territory": p == territory,
                "prec": "",
            },
        )
        d["kind"] = d["kind"] or r.get("kind", "")
        wkt = r.get("wkt", "")
        pt = parse_point(wkt)
        if pt and d["lon"] is None:
            d["lon"], d["lat"], d["prec"] = pt[0], pt[1], r.get("prec", "")
        elif not pt and not d["wkt"] and parse_polygon(wkt):
            d["wkt"] = wkt
            d["prec"] = d["prec"] or r.get("prec", "")
    return [out[p] for p in sorted(out)]


def map_svg(places: Sequence[dict[str, Any]], width: int = MAP_WIDTH) -> str:
    """A location map over Natural Earth's country borders.

    ``places``: dicts with ``label`` and ``lon``/``lat`` (a point), optionally ``wkt`` (a
    ``POLYGON`` or ``MULTIPOLYGON``, drawn as an area), ``kind`` (a place of kind
    ``...country`` is named, not drawn as a point), ``territory`` (the finding's territory:
    highlighted) and ``n`` (a key shown before the label).  Places without a usable
    position are named under the map; no map when nothing can be drawn.
    """
    normal = [_normal(p) for p in places]
    pl = [p for p in normal if p is not None]
    missing = sorted(
        {
            " ".join(str(p.get("label", "")).split())
            for p, q in zip(places, normal, strict=True)
            if q is None
        }
    )
    frame = MapFrame.fit(pl, width)
    if frame is None:
        return ""
    body = draw_map(frame, pl, missing)
    return svg_doc(width, frame.height, "Map of the places in this brief", body)


def _normal(p: dict[str, Any]) -> dict[str, Any] | None:
    """One place as the map draws it; None when it has no usable position."""
    rings: list[Ring] | None = parse_polygon(str(p.get("wkt") or "")) if p.get("wkt") else None
    lon, lat = p.get("lon"), p.get("lat")
    if lon is None or lat is None:
        if not rings:
            return None
        lon, lat = label_point(rings)
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or math.isnan(lon + lat):
        return None
    return {
        "label": " ".join(str(p.get("label", "")).split()),
        "lon": lon,
        "lat": lat,
        "rings": rings,
        "country": _is_country(p.get("kind")),
        "territory": bool(p.get("territory")),
        "n": p.get("n"),
    }


__all__ = ["MAP_WIDTH", "map_places", "map_svg", "parse_point", "timeline_svg"]
