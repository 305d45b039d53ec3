"""The weekly chart as a PNG drawn with Pillow, and the same bars as monospace text for the fallback.

The PNG is 1,200 px wide (crisp at 2x on high-density screens) with two panels: each category this week against
last, then leadership against hands-on moments over the last eight weeks. Text is set in DejaVu Sans, with Droid
Sans Fallback for Chinese, Japanese and Korean; both ship in fonts/ with their licences. A character neither font
has (most emoji) is left out rather than drawn as an empty box, so no label can break the chart."""

from __future__ import annotations

import io
import struct
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

Bar = tuple[str, int, int]  # (label, this week, last week)
Week = tuple[int, int]  # (leadership moments, hands-on moments) of one week
WEEKS = 8  # weeks in the trend line
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class ChartData:
    """What the chart draws: a title, the categories this week against last, and the weekly trend."""

    title: str
    bars: Sequence[Bar]  # (label, this week, last week) per category, in the order to draw them
    weekly: Sequence[Week] = ()  # (leadership, hands-on) per week, oldest first, this week last; () leaves it out


# --- fonts -------------------------------------------------------------------------------------------------------

FONTS = Path(__file__).with_name("fonts")
REGULAR, BOLD, CJK = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DroidSansFallback.ttf"
MISSING = "…"  # stands for a label whose every character is missing from the fonts


@lru_cache(maxsize=32)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / name), size)


@lru_cache(maxsize=4)
def _coverage(name: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The code points a font maps, as sorted (starts, ends) from its format-12 Unicode cmap subtable."""
    data = (FONTS / name).read_bytes()
    (tables,) = struct.unpack_from(">H", data, 4)
    offsets = {}
    for i in range(tables):
        tag, _, offset, _ = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        offsets[tag] = offset
    cmap = offsets[b"cmap"]
    (subtables,) = struct.unpack_from(">H", data, cmap + 2)
    for i in range(subtables):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        at = cmap + offset
        if (platform, encoding) == (3, 10) and struct.unpack_from(">H", data, at)[0] == 12:
            (groups,) = struct.unpack_from(">I", data, at + 12)
            spans = [struct.unpack_from(">II", data, at + 16 + 12 * g) for g in range(groups)]
            return tuple(start for start, _ in spans), tuple(end for _, end in spans)
    raise ValueError(f"{name} has no full Unicode cmap")


def _covers(name: str, char: str) -> bool:
    starts, ends = _coverage(name)
    i = bisect_right(starts, ord(char)) - 1
    return i >= 0 and ord(char) <= ends[i]


Run = tuple[str, str]  # (font file, text)


@lru_cache(maxsize=4096)
def _runs(text: str, bold: bool) -> tuple[Run, ...]:
    """Text split into runs of one font each: DejaVu where it has the glyph, else the CJK font, else left out.

    Control characters become spaces, format characters (zero-width joiners and the like) go, and spaces are
    collapsed, so "☕ chats 🎉" draws as "☕ chats" and a label of emoji alone as "…"."""
    primary = BOLD if bold else REGULAR
    chars: list[tuple[str, str]] = []
    for char in unicodedata.normalize("NFC", text):
        kind = unicodedata.category(char)
        if char.isspace() or kind in ("Cc", "Zs"):
            if chars and chars[-1][1] != " ":
                chars.append((chars[-1][0], " "))
            continue
        if kind in ("Cf", "Cs", "Co", "Cn"):
            continue
        if kind.startswith("M") and chars and _covers(chars[-1][0], char):
            chars.append((chars[-1][0], char))  # a combining mark stays with its base's font
        elif _covers(primary, char):
            chars.append((primary, char))
        elif _covers(CJK, char):
            chars.append((CJK, char))
    while chars and chars[-1][1] == " ":
        chars.pop()
    if not chars:
        return ((primary, MISSING),) if text.strip() else ()
    runs: list[Run] = []
    for font, char in chars:
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return tuple(runs)


def _width(runs: Sequence[Run], size: int) -> float:
    return sum(_font(font, size).getlength(text) for font, text in runs)


@lru_cache(maxsize=4096)
def _fitted(text: str, size: int, bold: bool, limit: float) -> tuple[Run, ...]:
    """The runs of text, cut with an ellipsis where needed to fit `limit` px."""
    runs = _runs(text, bold)
    if _width(runs, size) <= limit:
        return runs
    flat = [(font, char) for font, part in runs for char in part]
    primary = BOLD if bold else REGULAR

    def cut(n: int) -> tuple[Run, ...]:
        kept: list[Run] = []
        for font, char in flat[:n]:
            if kept and kept[-1][0] == font:
                kept[-1] = (font, kept[-1][1] + char)
            else:
                kept.append((font, char))
        if kept:
            kept[-1] = (kept[-1][0], kept[-1][1].rstrip())
        return (*(run for run in kept if run[1]), (primary, "…"))

    low, high = 0, len(flat)  # cut(low) fits (nothing but the ellipsis), cut(high) does not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _width(cut(middle), size) <= limit else (low, middle)
    return cut(low)


# --- drawing -----------------------------------------------------------------------------------------------------

WIDTH = 1200
MARGIN = 48
TITLE, HEAD, LABEL, SMALL = 36, 26, 24, 20  # font sizes, px
INK, MUTED, GRID = (33, 37, 41), (108, 117, 125), (222, 226, 230)
THIS, LAST = (46, 111, 186), (170, 196, 230)  # this week's bar, last week's
LEAD_LINE, HANDS_LINE = (46, 111, 186), (221, 120, 45)
ROW = 66  # per category: this week's bar (26), a gap (6), last week's (12), spacing
BAR_H, GHOST_GAP, GHOST_H = 26, 6, 12
PLOT_H = 260
SUPERSAMPLE = 2  # the lines are drawn at twice the size and reduced, which smooths them


def _text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    runs: Sequence[Run],
    size: int,
    fill: tuple[int, int, int],
    align: str = "left",
) -> None:
    """Draw runs on a common baseline at xy, left, centre or right aligned."""
    x = xy[0]
    if align != "left":
        x -= _width(runs, size) * (0.5 if align == "center" else 1.0)
    for font, text in runs:
        face = _font(font, size)
        draw.text((x, xy[1]), text, font=face, fill=fill, anchor="ls")
        if len(runs) > 1:
            x += face.getlength(text)


def _label(text: str, size: int = LABEL, *, bold: bool = False, limit: float = WIDTH) -> tuple[Run, ...]:
    return _fitted(text, size, bold, float(limit))


def _legend(
    draw: ImageDraw.ImageDraw, right: float, baseline: float, items: Sequence[tuple[str, tuple[int, int, int], int]]
) -> None:
    """Swatches and their names, right-aligned at `right`; each item is (name, colour, swatch height)."""
    widths = [_width(_label(name, SMALL), SMALL) for name, _, _ in items]
    x = right - sum(widths) - len(items) * 34 - (len(items) - 1) * 24
    for (name, colour, height), width in zip(items, widths, strict=True):
        middle = baseline - 7
        draw.rectangle((x, middle - height / 2, x + 24, middle + height / 2 - 1), fill=colour)
        _text(draw, (x + 34, baseline), _label(name, SMALL), SMALL, MUTED)
        x += 34 + width + 24


def _nice_ticks(peak: int) -> list[int]:
    """Gridline values from 0 to at least peak (and at least 4), five or fewer steps of 1, 2 or 5 times 10^k."""
    step = 1
    while peak > 5 * step:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2  # 1, 2, 5, 10, 20, 50, ...
    top = max(step * -(-peak // step), 4 if step == 1 else step)
    return list(range(0, top + 1, step))


def _bars_panel(draw: ImageDraw.ImageDraw, top: int, bars: Sequence[Bar]) -> int:
    """This week against last per category, from `top`; return the y below it."""
    baseline = top + HEAD
    _text(draw, (MARGIN, baseline), _label("This week against last week", HEAD, bold=True), HEAD, INK)
    _legend(draw, WIDTH - MARGIN, baseline, [("This week", THIS, BAR_H // 2), ("Last week", LAST, GHOST_H // 2 + 2)])
    y = top + 52
    if not bars:
        _text(draw, (MARGIN, y + 28), _label("Nothing logged this week", LABEL), LABEL, MUTED)
        return y + 56
    now = [max(0, n) for _, n, _ in bars]
    before = [max(0, n) for _, _, n in bars]
    labels = [_label(text, LABEL, limit=WIDTH * 0.42) for text, _, _ in bars]  # the longest category fits
    label_w = max(_width(runs, LABEL) for runs in labels)
    value_w = max(_width(_label(str(n), LABEL, bold=True), LABEL) for n in (*now, *before))
    bar_x = MARGIN + round(label_w) + 24
    area = max(120, WIDTH - MARGIN - round(value_w) - 12 - bar_x)  # huge counts may run off the edge, not fail
    peak = max(*now, *before, 1)

    def length(n: int) -> int:
        return 0 if n == 0 else max(3, round(n * area / peak))  # a small count never looks like nothing

    for runs, this, last in zip(labels, now, before, strict=True):
        text_y = y + BAR_H - 5
        _text(draw, (MARGIN, text_y), runs, LABEL, INK)
        draw.line((bar_x - 1, y - 6, bar_x - 1, y + ROW - 14), fill=GRID, width=2)
        if this:
            draw.rectangle((bar_x, y, bar_x + length(this) - 1, y + BAR_H - 1), fill=THIS)
        _text(draw, (bar_x + length(this) + 10, text_y), _label(str(this), LABEL, bold=True), LABEL, INK)
        ghost_y = y + BAR_H + GHOST_GAP
        if last:
            draw.rectangle((bar_x, ghost_y, bar_x + length(last) - 1, ghost_y + GHOST_H - 1), fill=LAST)
        _text(draw, (bar_x + length(last) + 10, ghost_y + GHOST_H), _label(str(last), SMALL), SMALL, MUTED)
        y += ROW
    return y


def _weeks_ago(back: int) -> str:
    return {0: "this week", 1: "last week"}.get(back, f"{back} wk ago")


def _trend_panel(image: Image.Image, draw: ImageDraw.ImageDraw, top: int, weekly: Sequence[Week]) -> None:
    """Leadership against hands-on per week, oldest on the left, from `top`."""
    weekly = [(max(0, lead), max(0, hands)) for lead, hands in weekly]
    heading = "Leadership against hands-on" + (f", last {len(weekly)} weeks" if len(weekly) > 1 else "")
    _text(draw, (MARGIN, top + HEAD), _label(heading, HEAD, bold=True), HEAD, INK)
    _legend(draw, WIDTH - MARGIN, top + HEAD, [("Leadership", LEAD_LINE, 4), ("Hands-on", HANDS_LINE, 4)])
    ticks = _nice_ticks(max(max(pair) for pair in weekly))
    left, right = MARGIN + 52, WIDTH - MARGIN - 56
    plot_top, plot_bottom = top + 78, top + 78 + PLOT_H

    def y_of(value: int) -> float:
        return plot_bottom - value * PLOT_H / ticks[-1]

    def x_of(i: int) -> float:
        return right if len(weekly) == 1 else left + 16 + i * (right - left - 32) / (len(weekly) - 1)

    for tick in ticks:
        y = round(y_of(tick))
        draw.line((left, y, right, y), fill=GRID if tick else MUTED, width=1)
        _text(draw, (left - 12, y + 7), _label(str(tick), SMALL), SMALL, MUTED, align="right")
    every = -(-len(weekly) // WEEKS)  # beyond eight weeks, every other week (or fewer) is named
    for i in range(len(weekly)):
        if (len(weekly) - 1 - i) % every == 0:
            name = _label(_weeks_ago(len(weekly) - 1 - i), SMALL)
            _text(draw, (x_of(i), plot_bottom + 30), name, SMALL, MUTED, align="center")
    if not any(lead or hands for lead, hands in weekly):
        middle = ((left + right) / 2, plot_top + PLOT_H / 2)
        _text(draw, middle, _label("Nothing filed in these weeks"), LABEL, MUTED, align="center")

    # The lines and dots, drawn at twice the size on a copy of the plot area and reduced back: smooth edges.
    box = (left - 10, plot_top - 10, right + 10, plot_bottom + 10)
    k = SUPERSAMPLE
    layer = image.crop(box).resize(((box[2] - box[0]) * k, (box[3] - box[1]) * k), Image.Resampling.NEAREST)
    ink = ImageDraw.Draw(layer)
    for column, colour in ((1, HANDS_LINE), (0, LEAD_LINE)):  # leadership on top where they cross
        points = [((x_of(i) - box[0]) * k, (y_of(pair[column]) - box[1]) * k) for i, pair in enumerate(weekly)]
        if len(points) > 1:
            ink.line(points, fill=colour, width=4 * k, joint="curve")
        for px, py in points:
            dot = (px - 6 * k, py - 6 * k, px + 6 * k, py + 6 * k)
            ink.ellipse(dot, fill=colour, outline=(255, 255, 255), width=k)
    image.paste(layer.reduce(k), box[:2])

    # This week's two figures at the ends of their lines; when they would overlap, the larger goes above.
    (lead, hands), end = weekly[-1], x_of(len(weekly) - 1) + 14
    lead_y, hands_y = y_of(lead), y_of(hands)
    if abs(lead_y - hands_y) < 24:
        low = min(max(lead_y, hands_y), plot_bottom - 8.0)
        lead_y, hands_y = (low - 24, low) if lead >= hands else (low, low - 24)
    _text(draw, (end, lead_y + 8), _label(str(lead), LABEL, bold=True), LABEL, LEAD_LINE)
    _text(draw, (end, hands_y + 8), _label(str(hands), LABEL, bold=True), LABEL, HANDS_LINE)


# The cached fonts are shared: FreeType allows one thread at a time on a face. A chart takes milliseconds and a
# scorecard sends at most one, so drawing them one at a time costs nothing.
_DRAWING = threading.Lock()


def chart_png(data: ChartData) -> bytes:
    """The chart as a PNG, 1,200 px wide: the bars, then the weekly trend when `data.weekly` has any weeks."""
    with _DRAWING:
        return _draw(data)


def _draw(data: ChartData) -> bytes:
    bars_h = 52 + (len(data.bars) * ROW if data.bars else 56)
    trend_h = 24 + 78 + PLOT_H + 44 if data.weekly else 0
    height = MARGIN + 64 + bars_h + trend_h + MARGIN - 16
    image = Image.new("RGB", (WIDTH, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    _text(draw, (MARGIN, MARGIN + 30), _label(data.title, TITLE, bold=True, limit=WIDTH - 2 * MARGIN), TITLE, INK)
    y = _bars_panel(draw, MARGIN + 64, data.bars)
    if data.weekly:
        _trend_panel(image, draw, y + 24, data.weekly)
    out = io.BytesIO()
    image.quantize(palette=_palette(), dither=Image.Dither.NONE).save(out, "PNG", compress_level=3)
    return out.getvalue()


@lru_cache(maxsize=1)
def _palette() -> Image.Image:
    """White, the colours the chart draws in, and 41 shades from white to each: every anti-aliased edge is on white,
    so the PNG can be paletted (about half the size of full colour, and fast) with no visible loss."""
    pure = [(255, 255, 255), INK, MUTED, GRID, THIS, LAST, HANDS_LINE]
    colours: list[tuple[int, ...]] = list(pure)
    for colour in pure[1:]:
        colours += [(*(round(255 + (c - 255) * k / 42) for c in colour),) for k in range(1, 42)]
    probe = Image.new("RGB", (len(pure), 1))
    for x, colour in enumerate(pure):
        probe.putpixel((x, 0), colour)
    while True:
        # Pillow matches colours through a cache of boxes (8 levels of red and blue, 4 of green), so a shade near a
        # fill colour can take its place: such shades are left out until every fill comes out exact.
        palette = Image.new("P", (1, 1))
        palette.putpalette([channel for colour in colours for channel in colour])
        mapped = probe.quantize(palette=palette, dither=Image.Dither.NONE).convert("RGB")
        wrong = {mapped.getpixel((x, 0)) for x, colour in enumerate(pure) if mapped.getpixel((x, 0)) != colour}
        if not wrong:
            return palette
        colours = [colour for colour in colours if colour not in wrong or colour in pure]


def bar_chart_png(title: str, bars: Sequence[Bar], weekly: Sequence[Week] = ()) -> bytes:
    """The chart from its parts (see ChartData)."""
    return chart_png(ChartData(title, bars, weekly))


_EIGHTHS = " ▏▎▍▌▋▊▉"


def _cut(text: str, limit: int, ellipsis: str) -> str:
    """Shorten text to at most limit characters, marking the cut."""
    return text if len(text) <= limit else text[: max(0, limit - len(ellipsis))] + ellipsis


def unicode_bars(bars: Sequence[Bar], width: int = 12) -> str:
    """Render bars as monospace lines: padded label, block bar scaled to width cells, counts."""
    if not bars:
        return ""
    labels = [_cut(label, 28, "…") for label, _, _ in bars]
    pad = max(len(label) for label in labels)
    peak = max(max(0, now) for _, now, _ in bars)
    lines = []
    for label, (_, now, before) in zip(labels, bars, strict=True):
        # Work in eighths of a cell so partial blocks carry the remainder.
        eighths = round(max(0, now) * width * 8 / peak) if peak else 0
        bar = "█" * (eighths // 8) + _EIGHTHS[eighths % 8].strip()
        lines.append(f"{label.ljust(pad)} {bar.ljust(width)} {now} (last week {before})")
    return "\n".join(lines)
