"""Charts for the reports (matplotlib, Agg), returned as PNG bytes: :func:`img` embeds them in a page as
a base64 ``<img>`` tag, a Word writer puts the same bytes in the document.

PNGs are written without metadata (no "Software", no date) so the same data gives the same bytes: nbval
compares the committed notebook's outputs with a fresh run.

Everything here is matplotlib's public API. What is not — text and glyph caches, bars' limits set at
once — is in :mod:`._mpl_fast`, taken when :data:`FAST` is on and the installed matplotlib is one it is
tested with; both paths draw the same bytes (tests/test_charts_paths.py).
"""
from __future__ import annotations

import base64
import html
import io
import unicodedata

import numpy as np
import pandas as pd

from ..labels import brief, grade_tone
from .fonts import setup_fonts

DPI = 110
BLUE, GREY, ORANGE, GREEN, RED = "#2f6db5", "#c9ced6", "#e07b24", "#3a9a5b", "#c0392b"
# a grade with no colour of its own (良好, 合格) is drawn near the text's own colour, as its legend shows it
SLATE = "#4a5563"
MISSING = "#7a7a7a"  # unknown points: hatched in this grey, never a colour of the score scale
# a grade's colour, as the pages draw its name (labels.grade_tone: the top grade green, a failing one red)
GRADE_COLOURS = {"good": "#2e7d4f", "bad": RED, "": SLATE}
HEAT_ROWS = 120  # beyond this many units the heat map's rows get thinner (its height stays bounded)


def _em(ch: str) -> float:
    """Width of one character in ems: CJK (and full-width) glyphs are square, the rest about half."""
    return 1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.62


def text_inches(text: str, size: float) -> float:
    """Width in inches of the widest line of ``text`` at ``size`` points (an estimate from character
    classes, generous rather than tight: it sizes the margins without drawing the figure first)."""
    return max((sum(_em(c) for c in line) for line in str(text).split("\n")), default=0.0) * size / 72


_KEPT: dict[tuple, tuple] = {}  # (chart kind, geometry, thread) -> (figure, axes), reused by the next chart
_KEPT_MAX = 24


def _reuse(fig, ax) -> None:
    """Empty a kept figure for the next chart of its kind: every artist a chart function adds goes
    (bars, texts, lines, the legend), the property cycle and data limits start again, the title and axis
    labels are blank. What a chart function sets on every call (limits, visibility of the x axis and of
    the spines, label pads) it sets again. A fresh axes costs about as much as drawing one (five tick
    artists per axis, the spines, the axis machinery); the next chart of the same kind and size does not
    pay it again. ``test_kept_figures_draw_what_fresh_ones_draw`` holds the bytes equal."""
    for c in list(ax.containers):
        c.remove()
    for a in [*ax.patches, *ax.texts, *ax.lines, *ax.collections, *ax.images]:
        a.remove()
    for lg in list(fig.legends):
        lg.remove()
    ax.set_prop_cycle(None)
    ax.relim()
    ax.set_title("")
    ax.set_xlabel("")
    ax.set_ylabel("")


def _fig(w: float, h: float, left: float, right: float, top: float, bottom: float, kind: str | None = None):
    """A figure of ``w`` × ``h`` inches whose axes leave the given margins (inches) for labels.

    ``kind``: the chart function's name when it may reuse the figure its last call of the same size
    left (:func:`_reuse`); a batch worker draws the same three charts, mostly of one size, for every
    unit of a scheme.

    The margins are computed from the labels (``text_inches``) instead of by matplotlib's constrained
    layout or ``bbox_inches="tight"``: each of those measures every text by drawing the figure, and
    together they drew each chart three times; now it is drawn once, when saved (≈ half a report's CPU).
    matplotlib's object API: no pyplot (its import costs ~0.5 s per process; its global figure
    registry is not needed when a figure is only ever saved to PNG)."""
    setup_fonts()
    import threading

    from matplotlib.figure import Figure

    key = (kind, w, h, left, right, top, bottom, threading.get_ident())
    if kind is not None and key in _KEPT:
        fig, ax = _KEPT[key]
        _reuse(fig, ax)
        return fig, ax
    fig = Figure(figsize=(w, h), dpi=DPI)
    left, right = min(left, 0.6 * w), min(right, 0.2 * w)
    top, bottom = min(top, 0.3 * h), min(bottom, 0.45 * h)
    fig.subplots_adjust(left=left / w, right=1 - right / w, top=1 - top / h, bottom=bottom / h)
    ax = fig.subplots()
    if kind is not None:
        if len(_KEPT) >= _KEPT_MAX:
            del _KEPT[next(iter(_KEPT))]
        _KEPT[key] = fig, ax
    return fig, ax


# On by default: matplotlib's own path costs 1.46x the CPU per unit report for the same bytes (bench/README.md,
# "Charts: the fast path or matplotlib's own"). Set by set_fast_path, from Settings.fast_charts.
FAST = True


def set_fast_path(on: bool) -> None:
    """Draw with :mod:`._mpl_fast` (text and glyph caches, bars' limits at once) or with matplotlib's own
    canvas and ``barh``. The same bytes either way on the matplotlib versions the fast path is tested
    with; elsewhere the fast path is not taken whatever this says. Called once by the process that
    owns the charts (the command line, a batch worker's start-up), from its settings."""
    global FAST
    FAST = bool(on)


def _fast() -> bool:
    from . import _mpl_fast

    return FAST and _mpl_fast.available()


def _canvas_class():
    """The canvas a chart is drawn on: the fast path's, or matplotlib's own Agg canvas."""
    if _fast():
        from . import _mpl_fast

        return _mpl_fast.canvas_class()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return FigureCanvasAgg


def png_bytes(fig) -> bytes:
    """The figure drawn once by Agg and written as a 256-colour PNG.

    Charts are flat colours and anti-aliased text: an adaptive palette (Pillow's fast octree) keeps them
    looking the same at about a quarter of the bytes of matplotlib's RGBA PNG, and encodes faster. The
    octree averages the white background to (254, 254, 254); the background's palette entry is put back
    to white so the chart sits on the page without a faint box. No metadata: same data, same bytes."""
    from PIL import Image

    canvas = _canvas_class()(fig)
    canvas.draw()
    rgb = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    img = rgb.quantize(256, method=Image.Quantize.FASTOCTREE)
    bg = img.getpixel((0, 0))
    palette = img.getpalette()
    if rgb.getpixel((0, 0)) == (255, 255, 255):
        palette[3 * bg:3 * bg + 3] = [255, 255, 255]
        img.putpalette(palette)
    buf = io.BytesIO()
    img.save(buf, format="png", compress_level=6, dpi=(DPI, DPI))
    return buf.getvalue()


def img(png: bytes, alt: str) -> str:
    """PNG bytes as an ``<img>`` tag with the image inline (a report loads nothing from the network)."""
    b64 = base64.b64encode(png).decode("ascii")
    return f'<img class="chart" alt="{html.escape(alt)}" src="data:image/png;base64,{b64}"/>'


def to_img(fig, alt: str) -> str:
    return img(png_bytes(fig), alt)


TITLE = 0.42      # inches above the axes for an 11 pt title
TICKS_X = 0.32    # below the axes: 10 pt tick labels and their ticks
LABEL_X = 0.22    # one 10 pt axis label
LEGEND = 0.3      # one row of 8 pt legend entries


def _legend_below(fig, ax) -> None:
    """The legend under the plot, in one row: inside the axes it covered bars and their labels."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=len(labels), fontsize=8,
               frameon=False, borderaxespad=0.2)


def _short(text: str, n: int = 14) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _wrap(text: str, n: int = 12, lines: int = 3) -> str:
    """A label on up to ``lines`` lines of ``n`` characters (Chinese has no spaces to break at), so long
    item names are read whole instead of cut; only beyond that is the end replaced by …"""
    parts = [text[i:i + n] for i in range(0, len(text), n)] or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][:-1] + "…"
    return "\n".join(parts)


def _height(labels: list[str], per_bar: float) -> float:
    """Inches for the bars: each at least ``per_bar``, more where its wrapped label takes more lines."""
    return sum(max(per_bar, 0.17 * (_wrap(s).count("\n") + 1) + 0.1) for s in labels)


def _ylabels(labels: list[str], size: float) -> float:
    """Left margin (inches) for y tick labels of ``size`` points: the widest label plus tick and pad."""
    return max((text_inches(s, size) for s in labels), default=0.0) + 0.16


NAME_PAD = 5  # points between a bar's name and the axes


def _names(ax, at, labels: list[str], size: float, axis: str = "y") -> None:
    """The bars' (or a map's rows' and columns') names beside the axes, each a plain text at its place:
    left of the axes for ``axis="y"``, under them, centred, for ``axis="x"``.

    Not ticks: a matplotlib tick is five artists (two marks, a grid line, two labels) built and laid
    out at every draw, about three times the cost of the one text a reader sees; names need no marks."""
    from matplotlib.transforms import offset_copy

    fig = ax.get_figure()
    if axis == "x":
        ax.set_xticks([])
        where = offset_copy(ax.get_xaxis_transform(), fig=fig, y=-NAME_PAD, units="points")
        for xi, s in zip(at, labels):
            ax.text(xi, 0, s, transform=where, ha="center", va="top", fontsize=size)
        return
    ax.set_yticks([])
    where = offset_copy(ax.get_yaxis_transform(), fig=fig, x=-NAME_PAD, units="points")
    for yi, s in zip(at, labels):
        ax.text(0, yi, s, transform=where, ha="right", va="center_baseline", fontsize=size)


MARK, MARK_PAD = 3.5, 3.5  # tick mark length and the gap to its label, in points (matplotlib's defaults)


def _scale(ax, axis: str, values, labels: list[str], size: float = 10) -> float:
    """An axis's tick marks and labels drawn as one marker line and one text per label; returns the
    labels' reach from the spine in points (for the axis label's pad).

    Looks like matplotlib's ticks (same length, width, gap and size) at a fraction of the cost: each
    matplotlib tick is five artists built and laid out at every draw."""
    from matplotlib.lines import TICKDOWN, TICKLEFT
    from matplotlib.transforms import offset_copy

    values = list(values)
    fig = ax.get_figure()
    if axis == "x":
        ax.set_xticks([])
        base, marker, xy = ax.get_xaxis_transform(), TICKDOWN, [(v, 0) for v in values]
        at = offset_copy(base, fig=fig, y=-(MARK + MARK_PAD), units="points")
        kw = dict(ha="center", va="top")
        reach = MARK + MARK_PAD + size * 1.2
    else:
        ax.set_yticks([])
        base, marker, xy = ax.get_yaxis_transform(), TICKLEFT, [(0, v) for v in values]
        at = offset_copy(base, fig=fig, x=-(MARK + MARK_PAD), units="points")
        kw = dict(ha="right", va="center_baseline")
        reach = MARK + MARK_PAD + max((text_inches(s, size) for s in labels), default=0.0) * 72
    xs, ys = zip(*xy) if xy else ((), ())
    ax.plot(xs, ys, linestyle="", marker=marker, markersize=MARK, markeredgewidth=0.8, color="black",
            transform=base, clip_on=False)
    for (x, y), s in zip(xy, labels):
        ax.text(x, y, s, transform=at, fontsize=size, **kw)
    return reach


def _barh(ax, y, width, **kw):
    """``ax.barh``, or on the fast path the same bars with their data limits set at once."""
    if _fast():
        from . import _mpl_fast

        return _mpl_fast.barh(ax, y, width, **kw)
    return ax.barh(y, width, **kw)


def section_bars(labels: list[str], points: list[float], unknown: list[float], maxima: list[float], title: str) -> bytes:
    """Score by section against its maximum: known points, points still unknown, points lost."""
    n = len(labels)
    wrapped = [_wrap(s) for s in labels]
    bottom = 0.12 + LEGEND  # no x axis: each bar is labelled with its points and maximum
    fig, ax = _fig(7.2, _height(labels, 0.42) + TITLE + bottom, left=_ylabels(wrapped, 9), right=0.12,
                   top=TITLE, bottom=bottom, kind="section_bars")
    y = np.arange(n)[::-1]
    pts, unk, mx = (np.asarray(v, float) for v in (points, unknown, maxima))
    _barh(ax, y, mx, color=GREY, label="满分", height=0.62)
    _barh(ax, y, pts, color=BLUE, label="得分", height=0.62)
    if unk.any():
        _barh(ax, y, unk, left=pts, color="white", edgecolor=MISSING, hatch="////", linewidth=0.6,
                label="未知（缺数据/待评审）", height=0.62)
    for yi, p, m in zip(y, pts, mx):
        ax.text(m + mx.max() * 0.01, yi, f"{brief(p)} / {brief(m)}", va="center", fontsize=8)
    _names(ax, y, wrapped, 9)
    ax.set_xlim(0, mx.max() * 1.18 if n else 1)
    ax.xaxis.set_visible(False)
    ax.set_title(title, fontsize=11)
    _legend_below(fig, ax)
    ax.spines[["top", "right", "bottom"]].set_visible(False)
    return png_bytes(fig)


def peer_bars(labels: list[str], unit: list[float], median: list[float], best: list[float], maxima: list[float],
              unit_label: str, best_label: str, title: str, unit_unknown: list[float] | None = None) -> bytes:
    """The unit's share of maximum per section beside the group's median and its best unit. The unit's
    unknown points are drawn after its known share, hatched grey and marked 缺: never left out as if 0."""
    n = len(labels)
    wrapped = [_wrap(s) for s in labels]
    bottom = TICKS_X + LABEL_X + LEGEND
    fig, ax = _fig(7.2, _height(labels, 0.5) + TITLE + bottom, left=_ylabels(wrapped, 9), right=0.12,
                   top=TITLE, bottom=bottom, kind="peer_bars")
    mx = np.where(np.asarray(maxima, float) > 0, np.asarray(maxima, float), np.nan)
    y = np.arange(n)[::-1]
    h = 0.26
    for off, vals, col, lab in ((h, best, GREEN, best_label), (0, median, GREY, "组内中位数"), (-h, unit, BLUE, unit_label)):
        _barh(ax, y + off, np.nan_to_num(np.asarray(vals, float) / mx * 100), height=h, color=col, label=_short(lab, 20))
    unk = np.nan_to_num(np.asarray(unit_unknown if unit_unknown is not None else [0.0] * n, float) / mx * 100)
    if unk.any():
        left = np.nan_to_num(np.asarray(unit, float) / mx * 100)
        _barh(ax, y - h, unk, left=left, height=h, color="white", edgecolor=MISSING, hatch="////", linewidth=0.6,
                label="本单位未知（缺数据/待评审）")
        for yi, lf, u in zip(y, left, unk):
            if u > 0:
                ax.text(lf + u + 1, yi - h, "缺", va="center", fontsize=7, color=MISSING)
    _names(ax, y, wrapped, 9)
    ax.set_xlim(0, 108)
    reach = _scale(ax, "x", range(0, 101, 20), [str(v) for v in range(0, 101, 20)])
    ax.set_xlabel("得分率（%）", labelpad=reach + 4)
    ax.set_title(title, fontsize=11)
    _legend_below(fig, ax)
    ax.spines[["top", "right"]].set_visible(False)
    return png_bytes(fig)


def _label_below(total: float, median: float, top: float) -> bool:
    """Whether a trend point's value goes below it: above, unless the median's line passes just above the
    point (within an eighth of the axis), where the label sat on the grey line; never below a point too
    close to the axis to leave room for it."""
    known = total == total and median == median
    return known and total < median < total + top * 0.12 and total > top * 0.12


def trend_line(periods: list[str], totals: list[float], medians: list[float], title: str, unit_label: str) -> bytes:
    """Totals over the periods (written as people write them: 2022年第一季度)."""
    from ..labels import period_zh

    periods = [period_zh(p) for p in periods]
    # the last period's name is centred under its point: half of it hangs into the right margin
    fig, ax = _fig(7.2, 2.8, left=_ylabels(["0000"], 10) + LABEL_X,
                   right=max(0.2, text_inches(periods[-1] if periods else "", 10) / 2 + 0.05),
                   top=TITLE, bottom=TICKS_X + LEGEND, kind="trend_line")
    x = np.arange(len(periods))
    ax.plot(x, medians, color=GREY, marker="o", label="全体中位数")
    ax.plot(x, totals, color=BLUE, marker="o", linewidth=2, label=_short(unit_label, 20))
    top = max(max(totals, default=0), max(medians, default=0), 1) * 1.15
    for xi, t, m in zip(x, totals, medians):
        below = _label_below(t, m, top)
        ax.annotate(brief(t), (xi, t), textcoords="offset points", xytext=(0, -7 if below else 6), ha="center",
                    va="top" if below else "baseline", fontsize=8)
    ax.set_ylim(0, top)
    _scale(ax, "x", x, periods)
    from matplotlib.ticker import MaxNLocator

    # the values matplotlib's own locator picks for an axis this tall (AutoLocator's steps)
    ticks = [v for v in MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(0, top) if 0 <= v <= top]
    reach = _scale(ax, "y", ticks, [brief(v) for v in ticks])
    ax.set_ylabel("总分", labelpad=reach + 4)
    ax.set_title(title, fontsize=11)
    _legend_below(fig, ax)
    ax.spines[["top", "right"]].set_visible(False)
    return png_bytes(fig)


def heat_map(share: pd.DataFrame, title: str, all_unknown: pd.DataFrame | None = None,
             unknown: pd.DataFrame | None = None) -> bytes:
    """Units × sections, share of the known maximum in percent. A section whose points are all unknown is
    a hatched grey cell marked 缺 (never a red 0); one with some unknown points carries a ※; a section
    that does not apply to the unit stays blank."""
    from matplotlib.patches import Rectangle

    nr, nc = share.shape
    xl = [_wrap(str(c), 6) for c in share.columns]
    step = -(-nr // HEAT_ROWS)  # a name on every row up to HEAT_ROWS units, on every step-th row beyond
    yl = [_short(str(i), 14) for i in share.index[::step]]
    left, bottom = _ylabels(yl, 8), max((s.count("\n") + 1 for s in xl), default=1) * 0.14 + 0.16
    row = 0.32 if nr <= HEAT_ROWS else 0.32 * HEAT_ROWS / nr  # the picture's height stays bounded
    # at least 2.5 in tall: the colour bar beside it carries its vertical label
    fig, ax = _fig(min(left + 0.8 * nc + 1.0, 12), max(row * nr, 2.5) + TITLE + bottom, left=left, right=0.9,
                   top=TITLE, bottom=bottom)
    data = share.to_numpy(float)
    # nearest: each cell one flat colour (with more rows than pixels, matplotlib would otherwise blend
    # neighbouring units into each other)
    im = ax.imshow(np.ma.masked_invalid(data), cmap="RdYlGn", vmin=0, vmax=100, aspect="auto",
                   interpolation="nearest")
    allu = all_unknown.to_numpy(bool) if all_unknown is not None else np.zeros(data.shape, bool)
    some = (unknown.to_numpy(float) > 1e-9) & ~allu if unknown is not None else np.zeros(data.shape, bool)
    for i, j in zip(*np.nonzero(allu)):
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#eeeeee", edgecolor=MISSING, hatch="////",
                               linewidth=0))
    _names(ax, range(nc), xl, 8, axis="x")  # plain texts, not ticks (37 ticks on a 30 × 7 map)
    _names(ax, range(0, nr, step), yl, 8)
    if nr * nc <= 600:
        for i in range(nr):
            for j in range(nc):
                if allu[i, j]:
                    ax.text(j, i, "缺", ha="center", va="center", fontsize=7, color="#333333")
                elif not np.isnan(data[i, j]):
                    ax.text(j, i, f"{data[i, j]:.0f}" + ("※" if some[i, j] else ""), ha="center", va="center",
                            fontsize=6.5)
    # at the top: beside a tall map (many units) a centred bar would sit out of sight, mid-page
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02, anchor=(0.0, 1.0), label="得分率（%，按已知部分）")
    ax.set_title(title, fontsize=11)
    return png_bytes(fig)


def grade_bars(counts: pd.Series, title: str) -> bytes:
    fig, ax = _fig(5.0, 2.4, left=_ylabels(["000"], 10) + LABEL_X, right=0.12, top=TITLE, bottom=TICKS_X)
    ax.bar(range(len(counts)), counts.to_numpy(), color=[GRADE_COLOURS[grade_tone(g)] for g in counts.index])
    ax.set_xticks(range(len(counts)), [str(i) for i in counts.index], fontsize=9)
    for i, v in enumerate(counts.to_numpy()):
        ax.text(i, v, f"{v}", ha="center", va="bottom", fontsize=9)
    ax.set_ylabel("单位数")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    return png_bytes(fig)
