"""Figures of briefs (minelaw.briefs.figures): readable timeline and map, hostile labels.

The busy figures are drawn from synthetic data (many places and dates, clusters, shared
positions, a country, a place without geometry, a far outlier, a polygon territory and
hostile labels) and from every brief of the bundled KB, then measured in a real browser
(Debian's chromium driven by Playwright, one browser for the module): no two labels' boxes
(``getBBox``) overlap, no text leaves the viewBox, and no timeline label crosses the
relevant-date line.  The same checks run without a browser on boxes computed from the
emitted SVG with the figures' own width estimate.  Skipped without playwright or chromium
(``.ci/run`` installs both; MINELAW_NO_SKIP=1 turns the skip into a failure).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from minelaw.briefs import basemap
from minelaw.briefs.figures import map_svg, timeline_svg
from minelaw.briefs.layout import ASCENT, DESCENT, text_width

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = [
    "<script>alert('x')</script>",
    "a \"quoted\" & 'apostrophed' label ]]> <!-- -->",
    "</text></svg><img src=x onerror=alert(1)>",
]
LONG = (
    "A very long label that goes on describing the event in such detail that no timeline "
    "could ever show it on one line without cutting it, which is why it has a title"
)
NAMES = [
    "Qaville",
    "Qabridge North",
    "Old Qa Mill",
    "Ridge 1021",
    "Lower Qaford",
    "Քաղաք",  # a non-Latin script (Unicode block U+0530)
    "Город",  # another (U+0400)
    "Qəşəqər Qaşı",  # Latin with diacritics and a schwa
    "East Qa Heights and their slopes",
    "Qa Junction",
    "Saint Qa",
    "Qamouth",
]


def busy_events() -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """25 dated facts over three years: a week-long cluster, one day with three facts,
    long and hostile labels, claims and events; the relevant date inside the cluster."""
    start = dt.date(2020, 9, 27)
    days = [0, 1, 2, 2, 2, 3, 5, 6, 40, 44, 90, 200, 201, 260, 400, 402, 404, 500, 620, 621]
    days += [700, 850, 900, 1000, 1001]
    labels = NAMES + HOSTILE + [LONG] * 3 + [f"Claim number {i}" for i in range(7)]
    events = []
    for i, (d, label) in enumerate(zip(days, labels, strict=False), 1):
        date = start + dt.timedelta(days=d)
        events.append(
            {
                "date": date.isoformat(),
                "label": label,
                "n": i,
                "claim": i % 3 == 0,
                "when": f"{date.day} {date:%B %Y}",
            }
        )
    return events, [{"date": "2020-09-29", "label": "relevant date"}]


def busy_places() -> list[dict[str, Any]]:
    """Places around (20.5 E, 45.5 N): points close together, three sharing a position, a
    country inside the frame, a place without geometry, a far outlier and a polygon."""
    pts = [
        (20.10, 45.20),
        (20.12, 45.21),
        (20.14, 45.19),
        (20.30, 45.40),
        (20.31, 45.41),
        (20.50, 45.50),
        (20.52, 45.52),
        (20.70, 45.30),
        (20.90, 45.80),
        (20.95, 45.82),
        (21.00, 45.10),
        (20.40, 45.90),
    ]
    places: list[dict[str, Any]] = [
        {"label": name, "lon": lon, "lat": lat, "prec": ""}
        for name, (lon, lat) in zip(NAMES, pts, strict=True)
    ]
    places += [{"label": h, "lon": 20.60, "lat": 45.65} for h in HOSTILE]  # one position
    places += [
        {"label": "QQA (whole country)", "lon": 20.75, "lat": 45.6, "kind": "place-kind-country"},
        {"label": "Nowhere recorded", "lon": None, "lat": None},
        {"label": "Far Qa Outpost", "lon": 40.0, "lat": 30.0},
        {
            "label": "Qa Territory " + LONG,
            "territory": True,
            "wkt": "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POLYGON((20.2 45.3, "
            "20.6 45.3, 20.7 45.6, 20.3 45.7, 20.2 45.3),(20.35 45.4, 20.45 45.4, 20.4 45.5, "
            "20.35 45.4))",
        },
    ]
    return places


# --- boxes -------------------------------------------------------------------------------
def _groups_estimated(svg: str) -> tuple[tuple[float, float], list[tuple[str, tuple]]]:
    """Boxes of the labels and other texts, from the SVG and the figures' width estimate."""
    root = ET.fromstring(svg)
    vb = [float(v) for v in root.get("viewBox", "").split()]
    groups: list[tuple[str, tuple]] = []

    def box(t: ET.Element, size: float) -> tuple[float, float, float, float]:
        size = float(t.get("font-size", size))
        text = "".join(t.itertext())
        bold = t.get("font-weight") == "bold"
        w = text_width(text, size, bold)
        if t.find(f"{SVG}tspan") is not None:  # "[n]" in bold, then the label
            head = "".join(t.find(f"{SVG}tspan").itertext())  # type: ignore[union-attr]
            w = text_width(head, size, True) + text_width(text[len(head) :], size)
        x, y = float(t.get("x", 0)), float(t.get("y", 0))
        anchor = t.get("text-anchor", "start")
        x0 = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
        return x0, y - ASCENT * size, x0 + w, y + DESCENT * size

    def walk(el: ET.Element, size: float) -> None:
        size = float(el.get("font-size", size))
        for child in el:
            if child.tag == f"{SVG}g" and "label" in (child.get("class") or "").split():
                bs = [box(t, size) for t in child.iter(f"{SVG}text")]
                name = child.findtext(f"{SVG}title") or ""
                groups.append((name, _union(bs)))
            elif child.tag == f"{SVG}text":
                groups.append(("".join(child.itertext()), box(child, size)))
            elif child.tag == f"{SVG}g":
                walk(child, size)

    walk(root, float(root.get("font-size", 11)))
    return (vb[2], vb[3]), groups


def _union(bs: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return (
        min(b[0] for b in bs),
        min(b[1] for b in bs),
        max(b[2] for b in bs),
        max(b[3] for b in bs),
    )


def _assert_readable(
    size: tuple[float, float], groups: list[tuple[str, tuple]], tol: float
) -> None:
    w, h = size
    for name, b in groups:
        assert b[0] >= -tol and b[1] >= -tol and b[2] <= w + tol and b[3] <= h + tol, (
            f"text {name!r} at {b} leaves the viewBox 0 0 {w} {h}"
        )
    for i, (na, a) in enumerate(groups):
        for nb, b in groups[i + 1 :]:
            overlap = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
            assert overlap[0] <= tol or overlap[1] <= tol, f"{na!r} {a} overlaps {nb!r} {b}"


def _assert_clear_of_markers(svg: str, groups: list[tuple[str, tuple]], gaps: bool) -> None:
    """No label below the axis crosses a marker's line (the legend's sample is short), or,
    with ``gaps``, one that does is drawn over it on an opaque box (the line has a gap)."""
    axis = float(re.findall(r'<line x1="24" y1="([\d.]+)"[^>]*stroke-width="1.5"', svg)[0])
    lines = re.findall(
        r'<line x1="([\d.]+)" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)" '
        r'stroke="#a33" stroke-dasharray',
        svg,
    )
    marks = [float(x) for x, y1, y2 in lines if float(y2) - float(y1) > 30]
    if not marks:  # a finding whose conduct is undated has no relevant-date line to keep clear
        assert "relevant date" not in svg, "a relevant date in the legend but no marker line"
        return
    crossing = [
        name
        for mx in marks
        for name, b in groups
        if b[1] > axis and b[3] < float(lines[0][2]) and b[0] < mx < b[2]
    ]
    if not gaps:
        assert crossing == [], f"labels cross the relevant-date line: {crossing}"
    n_labels = len(re.findall(r'<g class="label (?:claim|event)">', svg))
    assert svg.index('stroke="#a33" stroke-dasharray') < svg.index('<g class="label')
    assert len(re.findall(r'fill="#fff"/><text', svg)) == n_labels  # opaque, over the line


# --- without a browser -----------------------------------------------------------------
def test_busy_timeline_estimated_boxes() -> None:
    events, markers = busy_events()
    svg = timeline_svg(events, markers)
    size, groups = _groups_estimated(svg)
    assert sum(1 for n, _ in groups if n.startswith("[")) == len(events)
    _assert_readable(size, groups, 0.01)
    _assert_clear_of_markers(svg, groups, gaps=False)


def test_busy_map_estimated_boxes() -> None:
    svg = map_svg(busy_places())
    size, groups = _groups_estimated(svg)
    _assert_readable(size, groups, 0.01)


def test_timeline_labels_are_short_texts_with_full_titles_and_shapes() -> None:
    events, markers = busy_events()
    svg = timeline_svg(events, markers)
    root = ET.fromstring(svg)
    labels = [g for g in root.iter(f"{SVG}g") if "label" in (g.get("class") or "")]
    titles = [g.findtext(f"{SVG}title") or "" for g in labels]
    assert any(LONG in t for t in titles)  # the full text is kept
    shown = ["".join(t.itertext()) for g in labels for t in g.iter(f"{SVG}text")]
    assert not any(LONG in s for s in shown) and any(s.endswith("…") for s in shown)
    # claims are diamonds (paths) and events circles, and the legend says so
    n_claims = sum(bool(e["claim"]) for e in events)
    assert len(re.findall(r'<path d="M[^"]*z" fill="#c80"', svg)) == n_claims + 1
    assert len(re.findall(r'<circle [^>]*fill="#246"', svg)) == len(events) - n_claims + 1
    legend = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "legend"]
    assert legend[:2] == ["claim (dated by its statement)", "event or record"]


def test_hostile_labels_are_escaped() -> None:
    events, markers = busy_events()
    for svg in (timeline_svg(events, markers), map_svg(busy_places())):
        root = ET.fromstring(svg)  # well-formed: nothing broke out of its element
        assert not [el for el in root.iter() if el.tag.split("}")[-1] in ("script", "img")]
        assert "<script" not in svg and "onerror=alert(1)>" not in svg.replace("&gt;", "")
        text = " ".join(root.itertext())
        assert "<script>alert('x')</script>" in text


def test_map_merges_shared_positions_and_skips_countries_and_unplaced() -> None:
    svg = map_svg(busy_places())
    root = ET.fromstring(svg)
    groups = [g for g in root.iter(f"{SVG}g") if "label" in (g.get("class") or "")]
    titles = [g.findtext(f"{SVG}title") or "" for g in groups]
    assert ", ".join(sorted(HOSTILE)) in titles  # one label for the shared position
    assert "QQA (whole country)" in titles
    country = next(g for g in groups if g.findtext(f"{SVG}title") == "QQA (whole country)")
    assert "country" in (country.get("class") or "")
    # points: the 12 places, the shared position once; not the country, outlier or territory
    assert len(re.findall(r'<circle [^>]*r="4.5" fill="#246" stroke', svg)) == 12 + 1
    notes = " ".join(t.text or "" for t in root.iter(f"{SVG}text") if t.get("class") == "note")
    assert "Outside this map: Far Qa Outpost." in notes
    assert "No position recorded: Nowhere recorded." in notes
    assert "Natural Earth" in notes
    # the territory is its polygon (with its hole), highlighted, and named in bold
    assert re.search(r'<path d="M[^"]+z[^"]*M[^"]+z" fill="#a33" fill-opacity="0.18"', svg)
    terr = next(g for g in groups if (g.findtext(f"{SVG}title") or "").startswith("Qa Terr"))
    assert terr.find(f"{SVG}text").get("font-weight") == "bold"  # type: ignore[union-attr]
    # country borders from Natural Earth are drawn and clipped to the frame
    assert len(re.findall(r'fill="#f3f2ec"', svg)) >= 2


def test_map_of_a_country_territory_shades_its_borders() -> None:
    places = [
        {
            "label": "QQB",
            "lon": 10.0,
            "lat": 51.0,
            "kind": "mlv:place-kind-country",
            "territory": True,
        },
        {"label": "Qa Town", "lon": 9.5, "lat": 50.5},
    ]
    svg = map_svg(places)
    assert re.search(r'fill="#a33" fill-opacity="0.14"', svg)  # the country's own borders
    assert len(re.findall(r"<circle ", svg)) == 2  # Qa Town and the legend; not the country
    assert map_svg([{"label": "QQC", "lon": 10.0, "lat": 51.0, "kind": "country"}]) == ""


def test_axis_labels_name_hemispheres() -> None:
    svg = map_svg(
        [{"label": "A", "lon": -0.3, "lat": -0.2}, {"label": "B", "lon": 0.4, "lat": 0.3}]
    )
    axis = re.findall(r'class="axis"[^>]*>([^<]+)<', svg)
    assert (
        "0°" in axis and any(a.endswith("°W") for a in axis) and any(a.endswith("°S") for a in axis)
    )


# --- geometry ---------------------------------------------------------------------------
def test_topojson_decoding_with_quantization_and_reversed_arcs() -> None:
    topo = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.25], "translate": [10, 20]},
        "arcs": [[[0, 0], [4, 0], [0, 4]], [[4, 4], [-4, 0], [0, -4]]],
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"name": "Square"}},
                    {"type": "MultiPolygon", "arcs": [[[~1, ~0]]], "id": "9"},
                    {"type": "Point", "coordinates": [0, 0]},
                ],
            }
        },
    }
    square, back = basemap.decode_topology(topo)
    assert square.name == "Square" and back.name == "9"
    assert square.rings[0] == [(10, 20), (12, 20), (12, 21), (10, 21), (10, 20)]
    assert back.rings[0] == [(10, 20), (10, 21), (12, 21), (12, 20), (10, 20)]
    assert square.bbox == (10, 20, 12, 21)
    assert basemap.contains(square.rings, 11, 20.5) and not basemap.contains(square.rings, 13, 20)


def test_vendored_natural_earth_countries_decode() -> None:
    cs = basemap.countries()
    assert len(cs) > 200 and all(c.rings for c in cs)
    # the file's bounding box is reproduced by the decoding (copies of rings that cross the
    # antimeridian, shifted by 360 degrees, aside)
    raw = json.loads(
        (Path(basemap.__file__).parent / "data" / "world-atlas" / "countries-50m.json").read_text()
    )
    w, s, e, n = raw["bbox"]
    pts = [p for c in cs for r in c.rings for p in r if -180.01 <= p[0] <= 180.01]
    assert min(p[0] for p in pts) == pytest.approx(w, abs=0.01)
    assert max(p[0] for p in pts) == pytest.approx(e, abs=0.01)
    assert min(p[1] for p in pts) == pytest.approx(s, abs=0.01)
    assert max(p[1] for p in pts) == pytest.approx(n, abs=0.01)
    # land on both sides of the antimeridian, and round the south pole, is inside a country;
    # the open ocean is not
    for lon, lat in ((130.5, 65.5), (-175.0, 66.0), (178.5, -17.8), (0.0, -85.0)):
        assert any(basemap.contains(c.rings, lon, lat) for c in cs), (lon, lat)
    assert not any(basemap.contains(c.rings, -150.0, 0.0) for c in cs)


def test_rings_across_the_antimeridian_are_unwrapped() -> None:
    across = [(170.0, 0.0), (-170.0, 0.0), (-170.0, 10.0), (170.0, 10.0), (170.0, 0.0)]
    copies = basemap._unwrap(across)
    assert [r[1][0] for r in copies] == [-170.0, 190.0]  # east and west copies, continuous
    assert all(
        basemap.contains([r], 179.0, 5.0) or basemap.contains([r], -179.0, 5.0) for r in copies
    )
    # a coast round the south pole, eastwards, as a spherical ring (no points at the pole)
    polar = [(-170.0 + 20 * i, -70.0) for i in range(18)] + [(-170.0, -70.0)]
    closed = basemap._unwrap(polar)
    assert basemap.contains(closed, 10.0, -80.0) and not basemap.contains(closed, 10.0, -60.0)
    assert basemap.contains(closed, -175.0, -80.0) and basemap.contains(closed, 175.0, -89.0)


@pytest.mark.parametrize(
    ("wkt", "rings"),
    [
        ("POLYGON((1 2, 3 4, 5 1, 1 2))", 1),
        (
            "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> "
            "POLYGON Z((1 2 0, 3 4 0, 5 1 0, 1 2 0))",
            1,
        ),
        (
            "MULTIPOLYGON(((1 2, 3 4, 5 1, 1 2)),((10 10, 11 10, 11 11, 10 10),(10.2 10.1, "
            "10.5 10.1, 10.5 10.3, 10.2 10.1)))",
            3,
        ),
        ("POLYGON EMPTY", 0),
        ("POLYGON((1 2, 400 3, 4 4, 1 2))", 0),
        ("POLYGON((1 2, 1 2, 1 2))", 0),
        ("POLYGON((1 x, 2 3, 4 4, 1 x))", 0),
        ("POINT(1 2)", 0),
        ("POLYGON((" + ", ".join(f"{i % 90} {i % 80}" for i in range(200_002)) + "))", 0),
    ],
)
def test_parse_polygon(wkt: str, rings: int) -> None:
    got = basemap.parse_polygon(wkt)
    assert (len(got) if got else 0) == rings


def test_clip_ring_to_a_box() -> None:
    ring = [(-5.0, -5.0), (5.0, -5.0), (5.0, 5.0), (-5.0, 5.0)]
    clipped = basemap.clip_ring(ring, (0, 0, 10, 10))
    assert sorted(set(clipped)) == [(0, 0), (0, 5), (5, 0), (5, 5)]
    assert basemap.clip_ring([(20.0, 20.0), (30.0, 20.0), (30.0, 30.0)], (0, 0, 10, 10)) == []


# --- in a browser ----------------------------------------------------------------------
CHROMIUM = os.environ.get("MINELAW_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MEASURE = """svg => {
  const u = bs => [Math.min(...bs.map(b => b.x)), Math.min(...bs.map(b => b.y)),
                   Math.max(...bs.map(b => b.x + b.width)),
                   Math.max(...bs.map(b => b.y + b.height))];
  const vb = svg.viewBox.baseVal, seen = new Set(), out = [];
  for (const g of svg.querySelectorAll('g.label')) {
    const ts = [...g.querySelectorAll('text')];
    ts.forEach(t => seen.add(t));
    out.push([g.querySelector('title').textContent, u(ts.map(t => t.getBBox()))]);
  }
  for (const t of svg.querySelectorAll('text'))
    if (!seen.has(t)) out.push([t.textContent, u([t.getBBox()])]);
  return [[vb.width, vb.height], out];
}"""


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Any]:
    api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM}")
    with api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        yield page
        browser.close()


def _measure(
    page: Any, svgs: list[str]
) -> list[tuple[tuple[float, float], list[tuple[str, tuple]]]]:
    page.set_content(
        "<!doctype html><meta charset='utf-8'><body>"
        + "".join(f"<div style='width:760px'>{s}</div>" for s in svgs)
        + "</body>"
    )
    out = []
    for el in page.query_selector_all("body > div > svg"):
        size, groups = el.evaluate(MEASURE)
        out.append((tuple(size), [(n, tuple(b)) for n, b in groups]))
    return out


def test_busy_figures_in_a_browser(browser_page: Any) -> None:
    events, markers = busy_events()
    timeline, mapfig = timeline_svg(events, markers), map_svg(busy_places())
    (t_size, t_groups), (m_size, m_groups) = _measure(browser_page, [timeline, mapfig])
    assert len(t_groups) > len(events) and len(m_groups) > 12
    _assert_readable(t_size, t_groups, 0.5)
    _assert_clear_of_markers(timeline, t_groups, gaps=False)
    _assert_readable(m_size, m_groups, 0.5)


def test_bundled_kb_briefs_figures_in_a_browser(browser_page: Any, store) -> None:  # type: ignore[no-untyped-def]
    from minelaw.briefs.render import brief_context
    from minelaw.reasoning.findings import collect, compute

    ctx = collect(store)
    briefs = [
        brief_context(f, store, ctx, generated=dt.date(2024, 1, 31))
        for f in compute(store, ctx=ctx)
    ]
    busiest = max(briefs, key=lambda b: len(b["facts"]))
    assert len(busiest["facts"]) >= 8
    svgs = [s for b in briefs for s in (b["timeline_svg"], b["map_svg"]) if s]
    assert len(svgs) >= 2
    for svg, (size, groups) in zip(svgs, _measure(browser_page, svgs), strict=True):
        _assert_readable(size, groups, 0.5)
        if "Timeline" in svg[:400]:
            _assert_clear_of_markers(svg, groups, gaps=True)
            # claims are labelled by their summary, not by their identifier
            assert not re.search(r"\]</tspan> claim-", svg)


def test_vendored_base_map_names_no_state() -> None:
    """The vendored borders carry geometry only: no country's name or code (neutrality)."""
    raw = json.loads(
        (Path(basemap.__file__).parent / "data" / "world-atlas" / "countries-50m.json").read_text()
    )
    geoms = raw["objects"]["countries"]["geometries"]
    assert geoms and all(set(g) <= {"type", "arcs"} for g in geoms)
    assert all(c.name == "" for c in basemap.countries())


@pytest.mark.parametrize(
    "box",
    [
        (45.0, 39.5, 47.0, 40.5),  # a district
        (44.0, 38.5, 50.0, 42.0),  # a country
        (-10.0, 35.0, 30.0, 60.0),  # a continent: many rings wholly inside
        (179.0, 60.0, 179.9, 70.0),  # at the antimeridian
    ],
)
def test_map_borders_skip_rings_outside_the_frame_without_changing_the_map(box) -> None:  # type: ignore[no-untyped-def]
    """The base map's borders drawn with each ring's bounding box (rings wholly outside the
    frame skipped, rings wholly inside not clipped) are the borders clipped ring by ring."""
    from minelaw.briefs import mapdraw
    from minelaw.briefs.basemap import countries

    w, s, e, n = box
    ring = [(w, s), (e, s), (e, n), (w, n), (w, s)]
    place = {
        "territory": True,
        "country": False,
        "rings": [ring],
        "points": [],
        "lon": (w + e) / 2,
        "lat": (s + n) / 2,
    }
    frame = mapdraw.MapFrame.fit([place], 640)
    assert frame is not None
    fast = [
        mapdraw._project(frame, c.rings, mapdraw._ring_boxes(i)) for i, c in enumerate(countries())
    ]
    slow = [mapdraw._project(frame, c.rings) for c in countries()]
    assert fast == slow
    assert any(fast), "the frame shows some border"
