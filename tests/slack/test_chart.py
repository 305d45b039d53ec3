"""The weekly chart: a PNG drawn with Pillow, read back here pixel by pixel, and the monospace text fallback."""

import io
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from PIL import Image

from bot.coaching.scorecard import Moment, weekly_split
from bot.slack.chart import (
    CJK,
    FONTS,
    HANDS_LINE,
    INK,
    LAST,
    PLOT_H,
    REGULAR,
    ROW,
    THIS,
    WEEKS,
    ChartData,
    _fitted,
    _runs,
    bar_chart_png,
    chart_png,
    unicode_bars,
)

Colour = tuple[int, int, int]
WHITE = (255, 255, 255)

WEEK = [
    ("Unblocked someone", 7, 5),
    ("Code review", 12, 9),
    ("Mentoring: 1:1s & pairing", 4, 6),
    ("Design docs (RFCs)", 3, 1),
    ("Hiring / interviews", 2, 2),
]
EIGHT = [(5, 4), (7, 3), (6, 6), (9, 2), (4, 5), (8, 3), (10, 4), (12, 3)]
NAMES = ["Zoë Ångström", "李小龍", "Nguyễn Thị Minh Khai", "Đặng", "Søren Kierkegård", "Наталья", "Ελένη", "김민준"]
NAMES += ["さくら", "שירה", "أحمد", "Ñandú", "Ŀŀ ĳ ǅ", "e\u0301cole (combining accent)"]
EMOJI = ["🎉", "☕ chats 🎉", "👩‍💻 pairing", "🇫🇷 France", "👍🏽", "1️⃣ first", "🫠", "🎉🎉🎉", "\U0001faff", "❤️‍🔥"]
ODD = ["", " ", "\x00\t\n", "\u200b\u200d", "\ud800 lone surrogate", "\u202eright-to-left override", "x" * 500]


def image(png: bytes) -> Image.Image:
    """Decode (and first verify) a PNG, as full colour."""
    Image.open(io.BytesIO(png)).verify()
    decoded = Image.open(io.BytesIO(png))
    assert decoded.format == "PNG"
    return decoded.convert("RGB")


def rows_with(picture: Image.Image, colour: Colour) -> list[tuple[int, int, int]]:
    """(y, first x, run length) of the longest run of colour, for each row that has it."""
    found = []
    raw = picture.tobytes()
    target = bytes(colour)
    for y in range(picture.height):
        line = raw[y * picture.width * 3 : (y + 1) * picture.width * 3]
        best, x = (0, 0), 0
        while x < picture.width:
            if line[x * 3 : x * 3 + 3] == target:
                end = x
                while end < picture.width and line[end * 3 : end * 3 + 3] == target:
                    end += 1
                best = max(best, (end - x, -x))
                x = end
            else:
                x += 1
        if best[0]:
            found.append((y, -best[1], best[0]))
    return found


def bands(picture: Image.Image, colour: Colour, min_run: int = 1) -> list[tuple[int, int, int, int]]:
    """Consecutive rows holding a run of colour at least min_run long: (top, bottom, x, longest run)."""
    grouped: list[tuple[int, int, int, int]] = []
    for y, x, run in rows_with(picture, colour):
        if run < min_run:
            continue
        if grouped and grouped[-1][1] == y - 1:
            top, _, x0, run0 = grouped[-1]
            grouped[-1] = (top, y, x0, max(run0, run))
        else:
            grouped.append((y, y, x, run))
    return grouped


def count(picture: Image.Image, colour: Colour) -> int:
    raw, target = picture.tobytes(), bytes(colour)
    return sum(raw[i : i + 3] == target for i in range(0, len(raw), 3))


# --- the PNG ------------------------------------------------------------------------------------------------------


def test_png_decodes_at_least_1200_wide_on_white() -> None:
    png = chart_png(ChartData("Your week, 13–20 Nov 2026", WEEK, EIGHT))
    decoded = Image.open(io.BytesIO(png))
    assert decoded.mode == "P"  # paletted: small and exact
    picture = image(png)
    assert picture.width >= 1200
    assert picture.getpixel((0, 0)) == WHITE
    assert picture.getpixel((picture.width - 1, picture.height - 1)) == WHITE
    assert 10_000 < len(png) < 120_000


def test_this_weeks_bars_scale_with_the_counts() -> None:
    picture = image(chart_png(ChartData("Week", WEEK)))
    found = bands(picture, THIS, min_run=30)  # the legend's swatch is 24 px wide
    assert len(found) == len(WEEK)
    assert {x for _, _, x, _ in found} == {found[0][2]}  # all start at the same x
    runs = [run for _, _, _, run in found]
    assert runs.index(max(runs)) == 1  # "Code review", 12
    for (_, now, _), run in zip(WEEK, runs, strict=True):
        assert run == pytest.approx(max(runs) * now / 12, abs=1)
    assert all(bottom - top + 1 == 26 for top, bottom, _, _ in found)


def test_last_weeks_bar_is_thinner_just_under_this_weeks() -> None:
    picture = image(chart_png(ChartData("Week", WEEK)))
    bars, ghosts = bands(picture, THIS, min_run=30), bands(picture, LAST, min_run=30)
    assert len(ghosts) == len(WEEK)
    for (_, now, before), bar, ghost in zip(WEEK, bars, ghosts, strict=True):
        assert bar[1] < ghost[0] <= bar[1] + 8
        assert ghost[1] - ghost[0] < bar[1] - bar[0]
        assert ghost[2] == bar[2]
        assert ghost[3] == pytest.approx(bar[3] * before / now, abs=1)


def test_height_grows_by_a_row_a_category_and_the_trend_adds_a_panel() -> None:
    heights = [image(chart_png(ChartData("t", [(f"row {i}", i, 1) for i in range(n)]))).height for n in range(1, 12)]
    assert {b - a for a, b in pairwise(heights)} == {ROW}
    with_trend = image(chart_png(ChartData("t", [("row", 1, 1)], EIGHT))).height
    assert with_trend - heights[0] > PLOT_H


def test_the_trend_draws_leadership_against_hands_on() -> None:
    rising = [(n, 2) for n in range(1, 9)]
    picture = image(chart_png(ChartData("Week", [("Review", 1, 1)], rising)))
    plot = picture.crop((0, picture.height - PLOT_H - 100, picture.width, picture.height))  # below the legend
    blue, orange = rows_with(plot, THIS), rows_with(plot, HANDS_LINE)
    assert blue
    assert orange
    # Leadership rises from left to right: its leftmost pixel is lower than its rightmost.
    left_y = min(blue, key=lambda row: row[1])[0]
    right_y = max(blue, key=lambda row: row[1] + row[2])[0]
    assert left_y - right_y > PLOT_H / 2
    # Hands-on is a flat line, below leadership's end.
    flat = [y for y, _, run in orange if run > 100]
    assert flat
    assert max(flat) - min(flat) < 12
    assert right_y < min(flat)


def test_an_empty_week_and_empty_weeks_draw() -> None:
    for data in (
        ChartData("Week", []),
        ChartData("", []),
        ChartData("Quiet week", [], [(0, 0)] * WEEKS),
        ChartData("Quiet", [("Review", 0, 0), ("Hiring", 0, 0)], [(0, 0)]),
        ChartData("New lead", [("Review", 1, 0)], [(3, 1)]),
        ChartData("Negative", [("Review", -3, -1)], [(-1, -2), (2, 1)]),
    ):
        picture = image(chart_png(data))
        assert picture.width >= 1200
    assert count(image(chart_png(ChartData("Quiet", [("Review", 0, 0)]))), THIS) < 30 * 30  # only the legend


def test_last_week_alone_draws_only_ghost_bars() -> None:
    picture = image(chart_png(ChartData("Week", [("Review", 0, 4), ("Hiring", 0, 2)])))
    assert bands(picture, THIS, min_run=30) == []
    ghosts = bands(picture, LAST, min_run=30)
    assert len(ghosts) == 2
    assert ghosts[0][3] == pytest.approx(2 * ghosts[1][3], abs=1)


@pytest.mark.parametrize("text", NAMES + EMOJI + ODD)
def test_any_label_or_title_draws_without_error(text: str) -> None:
    png = chart_png(ChartData(text, [(text, 3, 1), ("Review", 1, 2)], EIGHT))
    assert image(png).width >= 1200


def test_accented_and_non_latin_names_are_drawn_not_dropped() -> None:
    blank = count(image(chart_png(ChartData("t", [("", 1, 1)]))), INK)
    for name in NAMES:
        assert count(image(chart_png(ChartData("t", [(name, 1, 1)]))), INK) > blank + 40, name
        assert "".join(text for _, text in _runs(name, False)).replace(" ", "") == name.replace(" ", "").replace(
            "e\u0301", "é"
        )


def test_each_script_is_set_in_a_font_that_has_it() -> None:
    assert _runs("Zoë 李小龍 Nguyễn", False) == ((REGULAR, "Zoë "), (CJK, "李小龍 "), (REGULAR, "Nguyễn"))
    assert _runs("김민준 さくら", False) == ((CJK, "김민준 さくら"),)


def test_emoji_the_fonts_lack_are_left_out_and_spaces_collapse() -> None:
    assert _runs("☕ chats 🎉", False) == ((REGULAR, "☕ chats"),)  # DejaVu has the cup, not the party popper
    assert _runs("👩‍💻  pairing\x00with\tZoë", False) == ((REGULAR, "pairing with Zoë"),)
    assert _runs("🎉🎉", False) == ((REGULAR, "…"),)  # something was there: say so
    assert _runs("  ", False) == ()


def test_long_labels_are_cut_with_an_ellipsis_and_keep_the_width() -> None:
    long = image(chart_png(ChartData("t" * 300, [("x" * 300, 1, 1), ("Ж" * 300, 2, 1), ("龍" * 300, 3, 1)])))
    assert long.width == 1200
    cut = _fitted("x" * 300, 24, False, 400.0)
    assert cut[-1][1].endswith("…")
    assert 5 < len("".join(text for _, text in cut)) < 300


def test_huge_counts_do_not_break_it() -> None:
    rows = [(f"Category number {i}", 10**12 - i, 10**11 * i) for i in range(11)]
    assert image(chart_png(ChartData("Big", rows, [(10**9, 10**8)] * WEEKS))).width == 1200
    assert image(chart_png(ChartData("Many weeks", rows, [(i, 52 - i) for i in range(52)]))).width == 1200


def test_same_input_same_bytes() -> None:
    data = ChartData("Zoë's week 🎉", [*WEEK, ("李小龍", 1, 0)], EIGHT)
    assert chart_png(data) == chart_png(ChartData(data.title, list(data.bars), list(data.weekly)))
    assert chart_png(data) != chart_png(ChartData(data.title, data.bars, [*EIGHT[:-1], (12, 4)]))


def test_bar_chart_png_is_the_chart_from_its_parts() -> None:
    assert bar_chart_png("t", WEEK) == chart_png(ChartData("t", WEEK))
    assert bar_chart_png("t", WEEK, EIGHT) == chart_png(ChartData("t", WEEK, EIGHT))


def test_fonts_ship_with_their_licences() -> None:
    assert {path.name for path in FONTS.iterdir()} >= {
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DroidSansFallback.ttf",
        "LICENSE-DejaVu.txt",
        "LICENSE-DroidSansFallback.txt",
    }
    assert "Bitstream Vera" in (FONTS / "LICENSE-DejaVu.txt").read_text()
    assert "Apache License" in (FONTS / "LICENSE-DroidSansFallback.txt").read_text()


# --- the eight weeks ----------------------------------------------------------------------------------------------

UNTIL = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)


def moment(at: datetime, *categories: str) -> Moment:
    return Moment(entry_id=0, created_at=at, text="", categories=frozenset(categories))


def ago(weeks: int, days: int) -> datetime:
    return UNTIL - timedelta(weeks=weeks, days=days)


def test_weekly_split_counts_each_week_oldest_first() -> None:
    moments = [
        moment(ago(0, 1), "mentoring"),
        moment(ago(0, 2), "hands_on"),
        moment(ago(0, 3), "hands_on", "mentoring"),  # pairing that teaches: leadership, as on the scorecard
        moment(ago(0, 4)),  # unfiled: neither
        moment(ago(1, 1), "unblocking"),
        moment(ago(7, 1), "hands_on"),
    ]
    assert weekly_split(moments, UNTIL) == [(0, 1), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (1, 0), (2, 1)]


def test_weekly_split_bounds_match_the_scorecards_weeks() -> None:
    moments = [
        moment(UNTIL, "mentoring"),  # the next scorecard's
        moment(UNTIL - timedelta(microseconds=1), "mentoring"),  # this week's last moment
        moment(UNTIL - timedelta(days=7), "mentoring"),  # this week's first
        moment(UNTIL - timedelta(days=7, microseconds=1), "hands_on"),  # last week's last
        moment(UNTIL - timedelta(days=56), "mentoring"),  # the oldest week's first
        moment(UNTIL - timedelta(days=56, microseconds=1), "mentoring"),  # too old
    ]
    weeks = weekly_split(moments, UNTIL)
    assert len(weeks) == WEEKS
    assert weeks[-1] == (2, 0)
    assert weeks[-2] == (0, 1)
    assert weeks[0] == (1, 0)
    assert weekly_split([], UNTIL, weeks=3) == [(0, 0)] * 3


# --- the text fallback --------------------------------------------------------------------------------------------


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
