"""The weekly chart: a PNG checked by decoding it here, and the monospace text fallback."""

import struct
import zlib
from dataclasses import dataclass
from itertools import pairwise

import pytest

from bot.slack.chart import BAR, GHOST, TEXT, bar_chart_png, unicode_bars

SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Image:
    width: int
    height: int
    palette_size: int
    rows: list[bytes]  # palette indices, filter byte removed


@dataclass
class Band:
    """Consecutive pixel rows holding one colour; x and run describe its longest horizontal run."""

    top: int
    bottom: int
    x: int
    run: int


def decode(png: bytes) -> Image:
    """A minimal PNG reader: enough to validate the chunks and get the palette indices back."""
    assert png[:8] == SIGNATURE
    chunks: list[tuple[bytes, bytes]] = []
    pos = 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + data) == crc, kind
        chunks.append((kind, data))
        pos += 12 + length
    assert pos == len(png)
    kinds = [kind for kind, _ in chunks]
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
    assert kinds.index(b"PLTE") < kinds.index(b"IDAT")
    width, height, depth, colour_type, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour_type, compression, filtering, interlace) == (8, 3, 0, 0, 0)
    palette = dict(chunks)[b"PLTE"]
    assert len(palette) % 3 == 0
    assert palette[:3] == b"\xff\xff\xff"  # index 0 is the white background
    raw = zlib.decompress(b"".join(data for kind, data in chunks if kind == b"IDAT"))
    stride = width + 1
    assert len(raw) == height * stride
    rows = []
    for y in range(height):
        line = raw[y * stride : (y + 1) * stride]
        assert len(line) == width + 1
        assert line[0] == 0  # filter type None on every scanline
        rows.append(line[1:])
    assert max(max(row) for row in rows) < len(palette) // 3
    return Image(width, height, len(palette) // 3, rows)


def longest_run(row: bytes, colour: int) -> tuple[int, int]:
    """(start x, length) of the longest run of colour in a row; (-1, 0) if absent."""
    best = (-1, 0)
    x = row.find(colour)
    while x != -1:
        end = x
        while end < len(row) and row[end] == colour:
            end += 1
        if end - x > best[1]:
            best = (x, end - x)
        x = row.find(colour, end)
    return best


def bands(image: Image, colour: int) -> list[Band]:
    """Group the rows containing colour into vertical bands, top to bottom."""
    found: list[Band] = []
    for y, row in enumerate(image.rows):
        x, run = longest_run(row, colour)
        if run == 0:
            continue
        if found and found[-1].bottom == y - 1:
            found[-1].bottom = y
            if run > found[-1].run:
                found[-1].x, found[-1].run = x, run
        else:
            found.append(Band(y, y, x, run))
    return found


def count(image: Image, colour: int) -> int:
    return sum(row.count(colour) for row in image.rows)


WEEK = [
    ("Unblocked someone", 7, 5),
    ("Code review", 12, 9),
    ("Mentoring: 1:1s & pairing", 4, 6),
    ("Design docs (RFCs)", 3, 1),
    ("Hiring / interviews", 2, 2),
]


def test_png_is_valid_with_a_bar_per_non_zero_row() -> None:
    image = decode(bar_chart_png("Where your week went", WEEK))
    assert image.width == 640
    assert image.palette_size == 5
    bars = bands(image, BAR)
    # One band per bar, then the legend swatch, which sits left of the bars in the bottom rows.
    assert len(bars) == len(WEEK) + 1
    legend = bars[-1]
    assert legend.x < bars[0].x
    assert legend.bottom > image.height - 40
    assert {band.x for band in bars[:-1]} == {bars[0].x}


def test_longest_bar_is_the_largest_count_and_bars_scale() -> None:
    image = decode(bar_chart_png("Week", WEEK))
    runs = [band.run for band in bands(image, BAR)[:-1]]
    assert runs.index(max(runs)) == 1  # "Code review", 12
    assert sorted(runs) == [runs[i] for i in (4, 3, 2, 0, 1)]
    for (_, now, _), run in zip(WEEK, runs, strict=True):
        assert run == pytest.approx(max(runs) * now / 12, abs=1)


def test_ghost_bar_shows_last_week_under_each_bar() -> None:
    image = decode(bar_chart_png("Week", WEEK))
    bars, ghosts = bands(image, BAR)[:-1], bands(image, GHOST)[:-1]
    assert len(ghosts) == len(WEEK)
    for (_, now, before), bar, ghost in zip(WEEK, bars, ghosts, strict=True):
        assert bar.bottom < ghost.top < bar.bottom + 6  # just under its own bar
        assert ghost.bottom - ghost.top + 1 < bar.bottom - bar.top + 1  # and thinner
        assert ghost.x == bar.x
        assert ghost.run == pytest.approx(bar.run * before / now, abs=1)


def test_count_is_drawn_just_after_the_bar() -> None:
    image = decode(bar_chart_png("Week", WEEK))
    for band in bands(image, BAR)[:-1]:
        end = band.x + band.run
        text_x = min(row.find(TEXT, end) for row in image.rows[band.top : band.bottom + 1] if TEXT in row[end:])
        assert end < text_x <= end + 12


def test_height_grows_by_a_fixed_step_per_row() -> None:
    heights = [decode(bar_chart_png("Week", [(f"row {i}", i, 1) for i in range(n)])).height for n in range(1, 13)]
    steps = {b - a for a, b in pairwise(heights)}
    assert len(steps) == 1
    assert steps.pop() > 14  # at least a line of scale-2 text per row


def test_all_zero_chart_has_no_bars_but_is_valid() -> None:
    image = decode(bar_chart_png("Quiet week", [("Review", 0, 0), ("Hiring", 0, 0)]))
    bars = bands(image, BAR)
    assert len(bars) == 1  # only the legend swatch
    assert bars[0].bottom > image.height - 40
    assert len(bands(image, GHOST)) == 1


def test_last_week_only_draws_ghosts() -> None:
    image = decode(bar_chart_png("Week", [("Review", 0, 4), ("Hiring", 0, 2)]))
    assert len(bands(image, BAR)) == 1
    ghosts = bands(image, GHOST)[:-1]
    assert [g.run > 0 for g in ghosts] == [True, True]
    assert ghosts[0].run == pytest.approx(2 * ghosts[1].run, abs=1)


def test_no_bars_says_nothing_logged() -> None:
    image = decode(bar_chart_png("Week", []))
    assert image.width == 640
    assert count(image, BAR) == 0
    assert count(image, GHOST) == 0
    empty_title = decode(bar_chart_png("", []))
    # Title and message are both drawn: removing the title removes only some of the text.
    assert 0 < count(empty_title, TEXT) < count(image, TEXT)


def test_unknown_characters_draw_a_fallback_glyph() -> None:
    emoji = decode(bar_chart_png("🎉 Café", [("☕ chats 🎉", 3, 1), ("\x00\t\n", 1, 0)]))
    blank = decode(bar_chart_png(" Caf", [("  chats  ", 3, 1), ("   ", 1, 0)]))
    assert (emoji.width, emoji.height) == (blank.width, blank.height)
    assert count(emoji, TEXT) > count(blank, TEXT)


def test_title_glyphs_are_5x7_at_scale_2() -> None:
    image = decode(bar_chart_png("H1%", []))
    title = bands(image, TEXT)[0]
    assert title.bottom - title.top + 1 == 14
    left = min(row.find(TEXT) for row in image.rows[title.top : title.bottom + 1] if TEXT in row)

    def art(x0: int) -> list[str]:
        rows = image.rows[title.top : title.bottom + 1]
        assert all(rows[2 * r] == rows[2 * r + 1] for r in range(7))  # each glyph row drawn twice
        return ["".join("#" if rows[2 * r][x0 + 2 * c] == TEXT else "." for c in range(5)) for r in range(7)]

    assert art(left) == ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"]
    assert art(left + 12) == ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."]
    assert art(left + 24) == ["##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"]


def test_lowercase_uses_the_uppercase_glyphs() -> None:
    assert bar_chart_png("t", [("code review", 1, 1)]) == bar_chart_png("t", [("CODE REVIEW", 1, 1)])


def test_long_labels_are_cut_with_dots() -> None:
    long = bar_chart_png("t", [("x" * 100, 1, 1)])
    assert long == bar_chart_png("t", [("x" * 33 + "...", 1, 1)])
    widest = decode(bar_chart_png("t", [("x" * 36, 1, 1)])).width
    assert decode(long).width == widest <= 700


def test_many_rows_and_big_counts() -> None:
    rows = [(f"Category number {i}", 10**6 - i, 10**5 * i) for i in range(12)]
    image = decode(bar_chart_png("x" * 200, rows))
    assert len(bands(image, BAR)) == 13


def test_unicode_bars_exact() -> None:
    bars = [("Review", 4, 3), ("1:1s", 2, 0), ("Hiring", 0, 1)]
    assert unicode_bars(bars, width=4) == (
        "Review ████ 4 (last week 3)\n1:1s   ██   2 (last week 0)\nHiring      0 (last week 1)"
    )


def test_unicode_bars_partial_cells() -> None:
    assert unicode_bars([("a", 3, 0), ("b", 8, 0)], width=2) == "a ▊  3 (last week 0)\nb ██ 8 (last week 0)"


def test_unicode_bars_scale_to_width() -> None:
    lines = unicode_bars([("a", 10, 0), ("b", 5, 0), ("c", 1, 0)]).splitlines()
    assert [line.count("█") for line in lines] == [12, 6, 1]
    assert lines[2].split()[1] == "█▎"  # 1.2 cells rounds to 10 eighths: a full block and a quarter


def test_unicode_bars_zero_counts() -> None:
    assert unicode_bars([("a", 0, 0), ("bb", 0, 2)], width=3) == "a      0 (last week 0)\nbb     0 (last week 2)"
    assert unicode_bars([]) == ""


def test_unicode_bars_cut_long_labels() -> None:
    line = unicode_bars([("y" * 40, 1, 1)], width=1)
    assert line == "y" * 27 + "… █ 1 (last week 1)"
