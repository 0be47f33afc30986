"""Text measurement and label placement for the figures of a brief (SVG 1.1 text boxes).

Widths are estimated from the advance widths of DejaVu Sans and DejaVu Sans Bold (the first
font the figures ask for; Helvetica and Arial, the fallbacks, are narrower, so the estimate
errs on the wide side): a table for printable ASCII, the base letter for accented Latin
letters (Unicode canonical decomposition, UAX #15), zero for combining marks, a full em for
wide East Asian characters (UAX #11) and 0.72 em (0.8 em bold) for any other letter.
:class:`Boxes` is the obstacle set of a greedy label placement: a label takes the first
candidate position whose box is inside the bounds and meets no box or segment placed before.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from html import escape

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 (SVG user units, y down)
Segment = tuple[float, float, float, float]  # x0, y0, x1, y1

# advance widths of U+0020..U+007E in hundredths of an em (DejaVu Sans 2.37, 2048 units/em)
_REGULAR = (
    "32 40 46 84 64 95 78 27 39 39 50 84 32 36 32 34 64 64 64 64 64 64 64 64 64 64 34 34 84 84 "
    "84 53 100 68 69 70 77 63 58 77 75 29 29 66 56 86 75 79 60 79 69 63 61 73 68 99 69 61 69 39 "
    "34 39 84 50 50 61 63 55 63 62 35 63 63 28 28 58 28 97 63 61 63 63 41 52 39 63 59 82 59 59 "
    "52 64 34 64 84"
)
_BOLD = (
    "35 46 52 84 70 100 87 31 46 46 52 84 38 42 38 37 70 70 70 70 70 70 70 70 70 70 40 40 84 84 "
    "84 58 100 77 76 73 83 68 68 82 84 37 37 77 64 100 84 85 73 85 77 72 68 81 77 110 77 72 73 46 "
    "37 46 84 50 50 67 72 59 72 68 44 72 71 34 34 67 34 104 71 69 72 72 49 60 48 71 65 92 65 65 "
    "58 71 37 71 84"
)
_WIDTHS = {
    False: {chr(32 + i): int(w) / 100 for i, w in enumerate(_REGULAR.split())},
    True: {chr(32 + i): int(w) / 100 for i, w in enumerate(_BOLD.split())},
}
SAFETY = 1.04  # other renderers' kerning and hinting


def _char_em(ch: str, bold: bool) -> float:
    table = _WIDTHS[bold]
    if ch in table:
        return table[ch]
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0.0
    base = unicodedata.normalize("NFD", ch)[0]
    if base in table:
        return table[base]
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    return 0.8 if bold else 0.72


def text_width(text: str, size: float = 11.0, bold: bool = False) -> float:
    """Estimated advance width of ``text`` at ``size`` pixels, in pixels."""
    return sum(_char_em(ch, bold) for ch in text) * size * SAFETY


def fit(text: str, max_width: float, size: float = 11.0, bold: bool = False) -> str:
    """``text`` on one line, cut at a word (or character) and ended with an ellipsis when it
    is wider than ``max_width``."""
    text = " ".join(str(text).split())
    if text_width(text, size, bold) <= max_width:
        return text
    budget = max_width - text_width("…", size, bold)
    out, used = "", 0.0
    for ch in text:
        w = _char_em(ch, bold) * size * SAFETY
        if used + w > budget:
            break
        out, used = out + ch, used + w
    cut = out.rstrip()
    space = cut.rfind(" ")
    if space > len(cut) * 0.6:  # prefer a word boundary when it costs little
        cut = cut[:space].rstrip(" ,;:-")
    return (cut or text[:1]) + "…"


ASCENT, DESCENT = 0.93, 0.24  # DejaVu Sans, in em: the box a browser gives a line of text


def line_box(x: float, y: float, width: float, size: float, anchor: str = "start") -> Box:
    """The box of one line of text whose baseline starts (or ends, or centres) at (x, y)."""
    x0 = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
    return x0, y - ASCENT * size, x0 + width, y + DESCENT * size


def overlaps(a: Box, b: Box, pad: float = 0.0) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def inside(a: Box, bounds: Box) -> bool:
    return a[0] >= bounds[0] and a[1] >= bounds[1] and a[2] <= bounds[2] and a[3] <= bounds[3]


def crosses(seg: Segment, box: Box) -> bool:
    """Does the segment meet the box?  (Liang-Barsky clipping.)"""
    x0, y0, x1, y1 = seg
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in (
        (-dx, x0 - box[0]),
        (dx, box[2] - x0),
        (-dy, y0 - box[1]),
        (dy, box[3] - y0),
    ):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


class Boxes:
    """What labels must keep clear of: boxes (labels, markers, furniture) and segments
    (leader lines), inside ``bounds``.  A candidate's leader line must meet no box either:
    it starts outside its own marker's box."""

    def __init__(self, bounds: Box, pad: float = 1.5) -> None:
        self.bounds = bounds
        self.pad = pad
        self.boxes: list[Box] = []
        self.segments: list[Segment] = []

    def free(self, box: Box, leader: Segment | None = None) -> bool:
        if not inside(box, self.bounds):
            return False
        if any(overlaps(box, b, self.pad) for b in self.boxes):
            return False
        if any(crosses(s, box) for s in self.segments):
            return False
        return leader is None or not any(crosses(leader, b) for b in self.boxes)

    def add(self, box: Box, leader: Segment | None = None) -> None:
        self.boxes.append(box)
        if leader is not None:
            self.segments.append(leader)


def union(boxes: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


# --- SVG text -----------------------------------------------------------------------------
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
SIZE = 11  # the figures' font size, in SVG user units


def svg_doc(width: int, height: int, title: str, body: Sequence[str]) -> str:
    """A self-contained SVG element (inline in HTML) with an accessible name."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" '
        f'font-family="{FONT}" font-size="{SIZE}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def svg_text(x: float, y: float, text: str, extra: str = "") -> str:
    """A ``<text>`` element; ``text`` is escaped, ``extra`` is trusted attribute markup."""
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'
