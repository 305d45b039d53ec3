"""Weekly chart benchmark: the Pillow chart against the previous hand-written PNG code, and matplotlib if installed.

    python bench/chart.py [--runs 50] [--save DIR]

Each implementation runs in a fresh interpreter of its own, so its import cost and memory are its own: the time
to import it, the first chart (fonts loaded), then the median and 95th percentile of `--runs` charts of each
sample, the PNG's size and dimensions, the peak of Python allocations while drawing one chart (tracemalloc), and
the process's peak resident memory above the bare interpreter (ru_maxrss; includes the import). Install size is
what the library and the packages it needs take in this environment (their files' sizes from the install records).

The samples: `typical` (5 categories, 8 weeks), `full` (all 11 categories, accented, Chinese, Vietnamese, Cyrillic
and emoji labels, one too long to fit, 8 weeks) and `empty` (nothing logged, 8 empty weeks). The previous code
draws the bars only: it has no weekly line. The matplotlib candidate draws the same two panels at the same width
with matplotlib's own DejaVu Sans and the shipped CJK font as its fallback. `--save DIR` writes every PNG there.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import struct
import subprocess
import sys
import time
import tracemalloc
import warnings
import zlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

Bar = tuple[str, int, int]
Week = tuple[int, int]
Sample = tuple[str, Sequence[Bar], Sequence[Week]]

WEEKLY = [(5, 4), (7, 3), (6, 6), (9, 2), (4, 5), (8, 3), (10, 4), (12, 3)]
SAMPLES: dict[str, Sample] = {
    "typical": (
        "Your week, 13–20 Nov 2026",
        [
            ("Unblocking", 7, 5),
            ("Mentoring and coaching", 12, 9),
            ("Context sharing and documentation", 4, 6),
            ("Hands-on code", 3, 1),
            ("Hiring and onboarding", 2, 2),
        ],
        WEEKLY,
    ),
    "full": (
        "Zoë Ångström's week, 27 Nov – 4 Dec 2026 🎉",
        [
            ("Mentoring and coaching", 14, 9),
            ("Unblocking Nguyễn and 李小龍", 11, 12),
            ("Context sharing and documentation", 9, 4),
            ("Delegation ☕", 8, 8),
            ("Decisions left to the team 🚀", 6, 2),
            ("Systemic fix", 5, 7),
            ("Alignment and translation (Ålesund ↔ Zürich)", 4, 1),
            ("Trust and conflict — Đặng Thị Ngọc Hân", 3, 0),
            ("Architecture and risk caught early, before the design review of the payments service", 2, 3),
            ("Наём и адаптация", 1, 1),
            ("Hands-on code 👩‍💻", 0, 5),
        ],
        WEEKLY,
    ),
    "empty": ("Your week, 13–20 Nov 2026", [], [(0, 0)] * 8),
}

# Import name, and the distribution whose files (with its requirements') make its install size.
LIBRARIES = {"pillow": ("bot.slack.chart", "pillow"), "matplotlib": ("matplotlib", "matplotlib"), "previous": ("", "")}


# --- the previous implementation: bot/slack/chart.py's bar_chart_png before the Pillow chart, unchanged ----------

WHITE, TEXT, BAR, GHOST, GRID = range(5)
_PALETTE = bytes((255, 255, 255, 33, 37, 41, 46, 111, 186, 190, 210, 235, 200, 200, 200))
_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-+/&'()%?!_"
_CODES = (
    "ehhvhhh uhhuhhu ehggghe uhhhhhu vgguggv vgguggg ehgnhhf hhhvhhh e44444e 72222ic hikokih ggggggv hrllhhh "
    "hhpljhh ehhhhhe uhhuggg ehhhlid uhhukih fgge11u v444444 hhhhhhe hhhhha4 hhhllla hha4ahh hha4444 v1248gv "
    "ehjlphe 4c4444e eh1248v v2421he 26aiv22 vgu11he 68guhhe v124888 ehhehhe ehhf12c 0000000 00000cc 0000c48 "
    "0cc0cc0 0cc0c48 000v000 044v440 01248g0 cik8lid c480000 2488842 8422248 op248j3 eh12404 4444404 000000v"
)
_BOX = "0vhhhv0"
_SCALE = 2
_ADVANCE = 6 * _SCALE
_TEXT_H = 7 * _SCALE
_MARGIN = 16
_ROW_H = 30
_GHOST_Y, _GHOST_H = 16, 5
_MIN_WIDTH, _MIN_BAR_AREA = 640, 160
_MAX_LABEL = 36


def _glyph_rows(code: str) -> tuple[bytes, ...]:
    rows = []
    for digit in code:
        bits = int(digit, 32)
        rows.append(b"".join(b"\x01\x01" if bits >> (4 - i) & 1 else b"\x00\x00" for i in range(5)) + b"\x00\x00")
    return tuple(rows)


_GLYPHS = {ch: _glyph_rows(code) for ch, code in zip(_CHARS, _CODES.split(), strict=True)}
_FALLBACK = _glyph_rows(_BOX)


def _cut(text: str, limit: int, ellipsis: str) -> str:
    return text if len(text) <= limit else text[: max(0, limit - len(ellipsis))] + ellipsis


@lru_cache(maxsize=2048)
def _text_rows(text: str) -> tuple[bytes, ...]:
    glyphs = [_GLYPHS.get(ch.upper(), _FALLBACK) for ch in text]
    return tuple(b"".join(g[r] for g in glyphs) for r in range(7))


def _band(base: bytes, stamps: Sequence[tuple[int, str]]) -> list[bytes]:
    width = len(base) - 1
    texts = [(x, [row[: max(0, width - x)] for row in _text_rows(text)]) for x, text in stamps]
    lines: list[bytes] = []
    for r in range(7):
        line = bytearray(base)
        for x, rows in texts:
            line[1 + x : 1 + x + len(rows[r])] = rows[r]
        lines += [bytes(line)] * _SCALE
    return lines


def _paint(base: bytes, x0: int, x1: int, colour: int) -> bytes:
    line = bytearray(base)
    line[1 + x0 : 1 + x1] = bytes((colour,)) * max(0, x1 - x0)
    return bytes(line)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, lines: list[bytes]) -> bytes:
    header = struct.pack(">IIBBBBB", width, len(lines), 8, 3, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"PLTE", _PALETTE)
        + _chunk(b"IDAT", zlib.compress(b"".join(lines), 6))
        + _chunk(b"IEND", b"")
    )


def previous_bar_chart_png(title: str, bars: Sequence[Bar]) -> bytes:
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
        return 0 if n == 0 or peak == 0 else max(2, round(n * bar_area / peak))

    for label, now, before in zip(labels, this, last, strict=True):
        solid = length(now)
        lines += _band(_paint(axis, bar_x, bar_x + solid, BAR), [(_MARGIN, label), (bar_x + solid + 6, str(now))])
        lines += [axis] * (_GHOST_Y - _TEXT_H)
        lines += [_paint(axis, bar_x, bar_x + length(before), GHOST)] * _GHOST_H
        lines += [axis] * (_ROW_H - _GHOST_Y - _GHOST_H)

    lines += [blank] * 8
    legend = _paint(blank, _MARGIN, _MARGIN + 24, BAR)
    swatch_x = _MARGIN + 32 + len("this week") * _ADVANCE + 16
    band = _band(legend, [(_MARGIN + 32, "this week"), (swatch_x + 32, "last week")])
    for y in range(5, 5 + _GHOST_H):
        band[y] = _paint(band[y], swatch_x, swatch_x + 24, GHOST)
    lines += band + [blank] * _MARGIN
    return _png(width, lines)


# --- the matplotlib candidate: the same two panels, 1,200 px wide -----------------------------------------------


def matplotlib_renderer() -> Callable[[str, Sequence[Bar], Sequence[Week]], bytes]:
    """Import matplotlib (Agg, no pyplot) with the shipped CJK font as DejaVu Sans's fallback; return a renderer."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font_manager.fontManager.addfont(str(ROOT / "bot/slack/fonts/DroidSansFallback.ttf"))
    matplotlib.rcParams.update(
        {"font.family": ["DejaVu Sans", "Droid Sans Fallback"], "font.size": 11, "axes.spines.top": False}
    )
    this_c, last_c, lead_c, hands_c = "#2e6fba", "#aac4e6", "#2e6fba", "#dd782d"

    def render(title: str, bars: Sequence[Bar], weekly: Sequence[Week]) -> bytes:
        # Laid out by hand in inches (no tight_layout): a label column on the left, the plots to its right.
        bars_in, trend_in = 0.75 + 0.33 * max(1, len(bars)), 2.3
        height = 0.55 + bars_in + trend_in
        figure = Figure(figsize=(6, height), dpi=200)  # 1,200 px wide
        FigureCanvasAgg(figure)
        figure.text(0.04, 1 - 0.3 / height, title, fontweight="bold", fontsize=13, va="center")
        top = figure.add_axes((0.40, (trend_in + 0.1) / height, 0.53, (bars_in - 0.55) / height))
        bottom = figure.add_axes((0.09, 0.35 / height, 0.84, (trend_in - 0.85) / height))
        labels = [label if len(label) <= 34 else label[:33] + "…" for label, _, _ in bars]
        ys = range(len(bars))
        top.barh([y - 0.12 for y in ys], [n for _, n, _ in bars], height=0.5, color=this_c, label="This week")
        top.barh([y + 0.28 for y in ys], [n for _, _, n in bars], height=0.22, color=last_c, label="Last week")
        top.set_yticks(list(ys), labels, fontsize=9)
        top.tick_params(axis="y", length=0)
        top.invert_yaxis()
        top.xaxis.set_visible(False)
        for side in ("top", "right", "bottom"):
            top.spines[side].set_visible(False)
        for y, (_, now, before) in enumerate(bars):
            top.annotate(str(now), (now, y - 0.12), xytext=(3, 0), textcoords="offset points", va="center", size=9)
            top.annotate(
                str(before), (before, y + 0.28), xytext=(3, 0), textcoords="offset points", va="center", size=7
            )
        if not bars:
            top.text(0, 0.5, "Nothing logged this week", transform=top.transAxes, color="#6c757d")
            top.set_axis_off()
        figure.text(0.04, (trend_in + bars_in - 0.2) / height, "This week against last week", fontweight="bold")
        top.legend(loc="lower right", frameon=False, ncols=2, bbox_to_anchor=(1, 1.02), fontsize=8)
        xs = list(range(len(weekly)))
        bottom.plot(xs, [w[0] for w in weekly], "-o", color=lead_c, lw=2, ms=4, label="Leadership")
        bottom.plot(xs, [w[1] for w in weekly], "-o", color=hands_c, lw=2, ms=4, label="Hands-on")
        names = [{0: "this week", 1: "last week"}.get(len(xs) - 1 - i, f"{len(xs) - 1 - i} wk ago") for i in xs]
        bottom.set_xticks(xs, names, fontsize=7)
        bottom.set_ylim(bottom=0, top=max(4, *(max(w) for w in weekly)) * 1.1)
        bottom.grid(axis="y", color="#dee2e6")
        for side in ("top", "right"):
            bottom.spines[side].set_visible(False)
        heading = f"Leadership against hands-on, last {len(xs)} weeks"
        figure.text(0.04, (trend_in - 0.2) / height, heading, weight="bold")
        bottom.legend(loc="lower right", frameon=False, ncols=2, bbox_to_anchor=(1, 1.02), fontsize=8)
        out = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Glyph ... missing from font(s)": emoji draw as boxes
            figure.savefig(out, format="png")
        return out.getvalue()

    return render


# --- measuring ---------------------------------------------------------------------------------------------------


def install_size(dist: str) -> tuple[int, list[str]]:
    """Bytes on disk of a distribution and everything it requires (extras left out), and their names."""
    seen: dict[str, int] = {}

    def visit(name: str) -> None:
        key = name.lower().replace("_", "-")
        if key in seen:
            return
        try:
            found = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            return
        seen[key] = sum(f.size or 0 for f in found.files or ())
        for requirement in found.requires or ():
            head, _, marker = requirement.partition(";")
            if "extra" in marker:
                continue
            visit(head.split("[")[0].split("<")[0].split(">")[0].split("=")[0].split("!")[0].split("~")[0].strip())

    visit(dist)
    return sum(seen.values()), sorted(seen)


def child(library: str, runs: int, save: str | None) -> dict[str, Any]:
    """Measure one implementation in this (fresh) process."""
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    render: Callable[[str, Sequence[Bar], Sequence[Week]], bytes]
    if library == "pillow":
        from bot.slack.chart import ChartData, chart_png

        def render(title: str, bars: Sequence[Bar], weekly: Sequence[Week]) -> bytes:
            return chart_png(ChartData(title, bars, weekly))

    elif library == "matplotlib":
        render = matplotlib_renderer()
    else:

        def render(title: str, bars: Sequence[Bar], _weekly: Sequence[Week]) -> bytes:
            return previous_bar_chart_png(title, bars)  # it had no weekly line

    imported = time.perf_counter()
    first = render(*SAMPLES["full"])
    first_ms = (time.perf_counter() - imported) * 1000
    samples: dict[str, dict[str, Any]] = {}
    for name, sample in SAMPLES.items():
        png = render(*sample)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            again = render(*sample)
            times.append((time.perf_counter() - t0) * 1000)
        tracemalloc.start()
        render(*sample)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        width, height = struct.unpack(">II", png[16:24])
        samples[name] = {
            "median_ms": statistics.median(times),
            "p95_ms": statistics.quantiles(times, n=20)[-1],
            "bytes": len(png),
            "size": f"{width}x{height}",
            "deterministic": again == png,
            "traced_peak_kb": peak / 1024,
        }
        if save:
            Path(save, f"chart-{library}-{name}.png").write_bytes(png)
    del first
    rss_end = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "import_ms": (imported - started) * 1000,
        "first_ms": first_ms,
        "rss_mb": (rss_end - rss_start) / 1024,
        "samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--save", help="a folder to write every PNG drawn to")
    parser.add_argument("--child", choices=sorted(LIBRARIES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.runs, args.save)))
        return
    if args.save:
        Path(args.save).mkdir(parents=True, exist_ok=True)

    print(f"Python {sys.version.split()[0]}, {args.runs} charts a sample after a warm-up, one process a library")
    results: dict[str, dict[str, Any]] = {}
    for library in ("previous", "pillow", "matplotlib"):
        dist = LIBRARIES[library][1]
        if dist:
            try:
                version = metadata.version(dist)
            except metadata.PackageNotFoundError:
                print(f"{library}: not installed, left out (pip install {dist} to compare)")
                continue
        command = [sys.executable, __file__, "--child", library, "--runs", str(args.runs)]
        done = subprocess.run(command + (["--save", args.save] if args.save else []), capture_output=True, text=True)
        if done.returncode:
            print(f"{library}: failed\n{done.stderr}")
            continue
        results[library] = json.loads(done.stdout)
        results[library]["version"] = version if dist else "bot/slack/chart.py before Pillow"
        results[library]["install"] = install_size(dist) if dist else (0, [])

    print()
    print(f"{'':12} {'sample':8} {'median':>9} {'p95':>9} {'PNG':>9} {'size':>10} {'py peak':>9} same bytes")
    for library, result in results.items():
        for name, s in result["samples"].items():
            print(
                f"{library:12} {name:8} {s['median_ms']:7.2f}ms {s['p95_ms']:7.2f}ms {s['bytes'] / 1024:7.1f}KB"
                f" {s['size']:>10} {s['traced_peak_kb']:7.0f}KB {'yes' if s['deterministic'] else 'NO'}"
            )
    print()
    print(f"{'':12} {'import':>9} {'1st chart':>10} {'peak RSS':>10} {'install':>9}  version; installs")
    for library, result in results.items():
        size, names = result["install"]
        print(
            f"{library:12} {result['import_ms']:7.0f}ms {result['first_ms']:8.0f}ms {result['rss_mb']:8.1f}MB"
            f" {size / 2**20:7.1f}MB  {result['version']}; {', '.join(names) or 'nothing'}"
        )
    fonts = sum(f.stat().st_size for f in (ROOT / "bot/slack/fonts").glob("*.ttf"))
    print(f"\nfonts shipped in bot/slack/fonts (used by the Pillow chart): {fonts / 2**20:.1f} MB")


if __name__ == "__main__":
    main()
