"""Weekly bar charts as a tiny paletted PNG or as monospace text, with no imaging dependencies."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from functools import lru_cache

Bar = tuple[str, int, int]  # (label, this week, last week)

# Palette indices. Text rows are built as 0/1 bytes, so white must be 0 and text must be 1.
WHITE, TEXT, BAR, GHOST, GRID = range(5)
_PALETTE = bytes((255, 255, 255, 33, 37, 41, 46, 111, 186, 190, 210, 235, 200, 200, 200))

# 5x7 glyphs, one base-32 digit per row (bit 4 = left column). Lowercase falls back to these
# uppercase shapes: one case keeps the table small and still reads clearly at scale 2.
_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-+/&'()%?!_"
_CODES = (
    "ehhvhhh uhhuhhu ehggghe uhhhhhu vgguggv vgguggg ehgnhhf hhhvhhh e44444e 72222ic hikokih ggggggv hrllhhh "
    "hhpljhh ehhhhhe uhhuggg ehhhlid uhhukih fgge11u v444444 hhhhhhe hhhhha4 hhhllla hha4ahh hha4444 v1248gv "
    "ehjlphe 4c4444e eh1248v v2421he 26aiv22 vgu11he 68guhhe v124888 ehhehhe ehhf12c 0000000 00000cc 0000c48 "
    "0cc0cc0 0cc0c48 000v000 044v440 01248g0 cik8lid c480000 2488842 8422248 op248j3 eh12404 4444404 000000v"
)
_BOX = "0vhhhv0"  # drawn for anything the font lacks (emoji, accents)

_SCALE = 2
_ADVANCE = 6 * _SCALE  # 5 px glyph + 1 px spacing, scaled
_TEXT_H = 7 * _SCALE
_MARGIN = 16
_ROW_H = 30  # text/bar band (14) + gap (2) + ghost bar (5) + spacing
_GHOST_Y, _GHOST_H = 16, 5
_MIN_WIDTH, _MIN_BAR_AREA = 640, 160
_MAX_LABEL = 36


def _glyph_rows(code: str) -> tuple[bytes, ...]:
    """Pre-scale one glyph horizontally into 7 rows of 0/1 pixel bytes, spacing included."""
    rows = []
    for digit in code:
        bits = int(digit, 32)
        rows.append(b"".join(b"\x01\x01" if bits >> (4 - i) & 1 else b"\x00\x00" for i in range(5)) + b"\x00\x00")
    return tuple(rows)


# Built once at import so rendering text is only joins and slice assignments.
_GLYPHS = {ch: _glyph_rows(code) for ch, code in zip(_CHARS, _CODES.split(), strict=True)}
_FALLBACK = _glyph_rows(_BOX)


def _cut(text: str, limit: int, ellipsis: str) -> str:
    """Shorten text to at most limit characters, marking the cut."""
    return text if len(text) <= limit else text[: max(0, limit - len(ellipsis))] + ellipsis


@lru_cache(maxsize=2048)
def _text_rows(text: str) -> tuple[bytes, ...]:
    """Return the 7 pixel rows of text; cached because labels and counts repeat across charts."""
    glyphs = [_GLYPHS.get(ch.upper(), _FALLBACK) for ch in text]
    return tuple(b"".join(g[r] for g in glyphs) for r in range(7))


def _band(base: bytes, stamps: Sequence[tuple[int, str]]) -> list[bytes]:
    """Return _TEXT_H scanlines: base with each (x, text) drawn at scale 2."""
    width = len(base) - 1  # scanlines carry the filter byte first
    texts = [(x, [row[: max(0, width - x)] for row in _text_rows(text)]) for x, text in stamps]
    lines: list[bytes] = []
    for r in range(7):
        line = bytearray(base)
        for x, rows in texts:
            line[1 + x : 1 + x + len(rows[r])] = rows[r]
        lines += [bytes(line)] * _SCALE  # vertical scaling reuses the same row object
    return lines


def _paint(base: bytes, x0: int, x1: int, colour: int) -> bytes:
    """Return a copy of the scanline with pixels x0..x1-1 set to colour."""
    line = bytearray(base)
    line[1 + x0 : 1 + x1] = bytes((colour,)) * max(0, x1 - x0)
    return bytes(line)


def _chunk(kind: bytes, data: bytes) -> bytes:
    """Frame one PNG chunk with its length and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, lines: list[bytes]) -> bytes:
    """Encode filter-prefixed palette scanlines as an 8-bit colour-type-3 PNG."""
    header = struct.pack(">IIBBBBB", width, len(lines), 8, 3, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"PLTE", _PALETTE)
        + _chunk(b"IDAT", zlib.compress(b"".join(lines), 6))
        + _chunk(b"IEND", b"")
    )


def bar_chart_png(title: str, bars: Sequence[Bar]) -> bytes:
    """Render bars as a PNG: label, this week's solid bar with its count, last week's ghost bar."""
    labels = [_cut(label, _MAX_LABEL, "...") for label, _, _ in bars]
    this = [max(0, n) for _, n, _ in bars]
    last = [max(0, n) for _, _, n in bars]
    label_w = max((len(label) for label in labels), default=0) * _ADVANCE
    num_w = max((len(str(n)) for n in this), default=1) * _ADVANCE
    bar_x = _MARGIN + label_w + 10
    width = max(_MIN_WIDTH, bar_x + _MIN_BAR_AREA + 6 + num_w + _MARGIN)
    bar_area = width - _MARGIN - num_w - 6 - bar_x
    top = _MARGIN + _TEXT_H + 14

    blank = bytes(width + 1)
    lines = [blank] * _MARGIN
    lines += _band(blank, [(_MARGIN, _cut(title, (width - 2 * _MARGIN) // _ADVANCE, "..."))])
    lines += [blank] * (top - len(lines))
    if not bars:
        lines += _band(blank, [(_MARGIN, "nothing logged")])
        return _png(width, lines + [blank] * _MARGIN)

    axis = _paint(blank, bar_x - 2, bar_x - 1, GRID)
    peak = max(max(this), max(last))

    def length(n: int) -> int:
        # Non-zero counts get at least 2 px so a small week never looks like nothing.
        return 0 if n == 0 or peak == 0 else max(2, round(n * bar_area / peak))

    for label, now, before in zip(labels, this, last, strict=True):
        solid = length(now)
        lines += _band(_paint(axis, bar_x, bar_x + solid, BAR), [(_MARGIN, label), (bar_x + solid + 6, str(now))])
        lines += [axis] * (_GHOST_Y - _TEXT_H)
        lines += [_paint(axis, bar_x, bar_x + length(before), GHOST)] * _GHOST_H
        lines += [axis] * (_ROW_H - _GHOST_Y - _GHOST_H)

    # Legend: a solid swatch for this week, a thin ghost swatch for last week, as drawn above.
    lines += [blank] * 8
    legend = _paint(blank, _MARGIN, _MARGIN + 24, BAR)
    swatch_x = _MARGIN + 32 + len("this week") * _ADVANCE + 16
    band = _band(legend, [(_MARGIN + 32, "this week"), (swatch_x + 32, "last week")])
    for y in range(5, 5 + _GHOST_H):  # centred in the text band
        band[y] = _paint(band[y], swatch_x, swatch_x + 24, GHOST)
    lines += band + [blank] * _MARGIN
    return _png(width, lines)


_EIGHTHS = " ▏▎▍▌▋▊▉"


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
