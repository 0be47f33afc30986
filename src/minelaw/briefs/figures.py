"""Figures of case briefs as inline SVG: a timeline and a location map.

Drawn from the knowledge base only (``ml:date`` / ``ml:claimedOn`` and GeoSPARQL
``geo:asWKT "POINT(lon lat)"`` literals, OGC 12-063r5 and GeoSPARQL 1.1 section 8):
no tiles, web fonts or scripts, so a brief stays one self-contained file
(DESIGN.md section 7).  The map uses an equirectangular projection scaled by the
cosine of the mean latitude, which is accurate enough at the scale of a district;
its scale bar uses 111.32 km per degree of latitude.  Every label is XML-escaped.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from html import escape
from typing import Any

_POINT = re.compile(
    r"^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\)\s*$", re.I
)
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def parse_point(wkt: str) -> tuple[float, float] | None:
    """``POINT(lon lat)`` (optionally with a CRS IRI first) -> (lon, lat); None otherwise."""
    m = _POINT.match(wkt or "")
    if not m:
        return None
    lon, lat = float(m.group(1)), float(m.group(2))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat


def _short(text: str, n: int = 38) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" '
        f'font-family="{FONT}" font-size="11">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


# --- timeline --------------------------------------------------------------------------
def timeline_svg(
    events: Sequence[dict[str, Any]], markers: Sequence[dict[str, str]] = (), width: int = 760
) -> str:
    """A horizontal timeline.

    ``events``: dicts with ``date`` (ISO), ``label``, ``n`` (the fact number shown in the
    brief) and ``claim`` (drawn as a diamond rather than a circle).  ``markers``: dated
    vertical lines with a ``label`` (e.g. the relevant date of the finding).
    """
    pts = [(dt.date.fromisoformat(e["date"][:10]), e) for e in events if e.get("date")]
    marks = [(dt.date.fromisoformat(m["date"][:10]), m) for m in markers if m.get("date")]
    dates = [d for d, _ in pts] + [d for d, _ in marks]
    if not dates:
        return ""
    lo, hi = min(dates), max(dates)
    span = max((hi - lo).days, 60)
    pad = max(span // 12, 15)
    lo, hi = lo - dt.timedelta(days=pad), hi + dt.timedelta(days=pad)
    left, right = 30, width - 30
    rows = max(1, min(len(pts), 6))
    height = 70 + rows * 32
    axis_y = 40

    def x(d: dt.date) -> float:
        return left + (right - left) * (d - lo).days / max((hi - lo).days, 1)

    body = [
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
        f'<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="#333" '
        'stroke-width="1.5"/>',
    ]
    months = (hi.year - lo.year) * 12 + hi.month - lo.month
    step = 1 if months <= 14 else 3 if months <= 40 else 12
    tick = dt.date(lo.year, lo.month, 1)
    while tick <= hi:
        if tick >= lo and (tick.month - 1) % step == 0:
            tx = x(tick)
            text = str(tick.year) if step == 12 or tick.month == 1 else tick.strftime("%b %Y")
            body.append(
                f'<line x1="{tx:.1f}" y1="{axis_y - 4}" x2="{tx:.1f}" y2="{axis_y + 4}" '
                'stroke="#333"/>'
                f'<text x="{tx:.1f}" y="{axis_y - 8}" text-anchor="middle" fill="#444">'
                f"{escape(text)}</text>"
            )
        tick = dt.date(tick.year + tick.month // 12, tick.month % 12 + 1, 1)
    for d, m in marks:
        mx = x(d)
        body.append(
            f'<line x1="{mx:.1f}" y1="{axis_y - 20}" x2="{mx:.1f}" y2="{height - 6}" '
            'stroke="#a33" stroke-dasharray="4 3"/>'
            f'<text x="{mx + 3:.1f}" y="{axis_y - 22}" fill="#a33">{escape(m["label"])}</text>'
        )
    for i, (d, e) in enumerate(sorted(pts, key=lambda p: (p[0], str(p[1].get("n"))))):
        ex = x(d)
        row_y = axis_y + 26 + (i % rows) * 32
        body.append(
            f'<line x1="{ex:.1f}" y1="{axis_y}" x2="{ex:.1f}" y2="{row_y - 6}" '
            'stroke="#999" stroke-width="0.8"/>'
        )
        if e.get("claim"):
            body.append(
                f'<path d="M{ex:.1f} {axis_y - 6} l6 6 l-6 6 l-6 -6 z" fill="#c80" stroke="#fff"/>'
            )
        else:
            body.append(f'<circle cx="{ex:.1f}" cy="{axis_y}" r="5" fill="#246" stroke="#fff"/>')
        anchor = "end" if ex > width * 0.7 else "start"
        tx = ex + (-4 if anchor == "end" else 4)
        body.append(
            f'<text x="{tx:.1f}" y="{row_y}" text-anchor="{anchor}">'
            f'<tspan font-weight="bold">[{escape(str(e.get("n", "")))}]</tspan> '
            f"{escape(_short(str(e.get('label', ''))))}</text>"
            f'<text x="{tx:.1f}" y="{row_y + 12}" text-anchor="{anchor}" fill="#666" '
            f'font-size="10">{escape(str(e.get("when", d.isoformat())))}</text>'
        )
    return _svg(width, height, "Timeline of the dated facts in this brief", body)


# --- map -------------------------------------------------------------------------------
def _nice_step(value: float) -> float:
    for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 45):
        if value / s <= 6:
            return s
    return 90


def map_svg(places: Sequence[dict[str, Any]], width: int = 560) -> str:
    """A location map: ``places`` are dicts with ``label``, ``lon``, ``lat`` and optionally
    ``territory`` (drawn as a square: the territory of the finding) and ``n`` (a key)."""
    pts = [p for p in places if p.get("lon") is not None and p.get("lat") is not None]
    if not pts:
        return ""
    lons = [float(p["lon"]) for p in pts]
    lats = [float(p["lat"]) for p in pts]
    k = math.cos(math.radians(sum(lats) / len(lats)))
    half = max((max(lons) - min(lons)) * k, (max(lats) - min(lats)) / 0.62, 0.1) / 2 * 1.35 + 0.05
    cx, cy = (max(lons) + min(lons)) / 2, (max(lats) + min(lats)) / 2
    west, east = cx - half / k, cx + half / k
    south, north = cy - half, cy + half
    margin = 36
    size = width - 2 * margin
    ratio = 0.62  # the map is wider than high; the latitude range shrinks to match
    south, north = cy - half * ratio, cy + half * ratio
    sizey = size * ratio
    height = int(sizey + 2 * margin)

    def px(lon: float, lat: float) -> tuple[float, float]:
        return (
            margin + (lon - west) / (east - west) * size,
            margin + (north - lat) / (north - south) * sizey,
        )

    body = [
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
        f'<rect x="{margin}" y="{margin}" width="{size}" height="{sizey:.1f}" fill="#f4f6f2" '
        'stroke="#888"/>',
    ]
    step = _nice_step(north - south)
    g = math.ceil(south / step) * step
    while g <= north:
        _, gy = px(west, g)
        body.append(
            f'<line x1="{margin}" y1="{gy:.1f}" x2="{margin + size}" y2="{gy:.1f}" '
            'stroke="#ccc" stroke-width="0.6"/>'
            f'<text x="{margin - 4}" y="{gy + 3:.1f}" text-anchor="end" fill="#666" '
            f'font-size="9">{g:.2f}°N</text>'.replace(".00°", "°")
        )
        g += step
    g = math.ceil(west / step) * step
    while g <= east:
        gx, _ = px(g, south)
        body.append(
            f'<line x1="{gx:.1f}" y1="{margin}" x2="{gx:.1f}" y2="{margin + sizey:.1f}" '
            'stroke="#ccc" stroke-width="0.6"/>'
            f'<text x="{gx:.1f}" y="{margin + sizey + 12:.1f}" text-anchor="middle" fill="#666" '
            f'font-size="9">{g:.2f}°E</text>'.replace(".00°", "°")
        )
        g += step
    # scale bar: a round number of km close to a quarter of the map's width
    km_width = (east - west) * k * 111.32
    km = next((s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if s >= km_width / 5), 1000)
    bar = km / km_width * size
    sx, sy = margin + 10, margin + sizey - 14
    body.append(
        f'<rect x="{sx - 4}" y="{sy - 14}" width="{bar + 8:.1f}" height="22" fill="#fff" '
        'fill-opacity="0.8"/>'
        f'<line x1="{sx}" y1="{sy}" x2="{sx + bar:.1f}" y2="{sy}" stroke="#000" '
        'stroke-width="3"/>'
        f'<text x="{sx}" y="{sy - 5}" font-size="10">{km} km</text>'
    )
    body.append(
        f'<text x="{margin + size - 6}" y="{margin + 16}" text-anchor="end" '
        'font-weight="bold">N ↑</text>'
    )
    for p in sorted(pts, key=lambda p: (not p.get("territory"), str(p["label"]))):
        x, y = px(float(p["lon"]), float(p["lat"]))
        if p.get("territory"):  # the square of the finding's territory
            body.append(
                f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="none" '
                'stroke="#a33" stroke-width="2"/>'
            )
        else:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="#246" stroke="#fff"/>')
        anchor = "end" if x > margin + size * 0.7 else "start"
        tx = x + (-9 if anchor == "end" else 9)
        key = f"[{p['n']}] " if p.get("n") else ""
        text = escape(key + _short(str(p["label"]), 30))
        for halo in (' stroke="#fff" stroke-width="3" fill="#fff"', ""):  # white halo, then text
            body.append(
                f'<text x="{tx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}"{halo}>{text}</text>'
            )
    return _svg(width, height, "Map of the places in this brief", body)
