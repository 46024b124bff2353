"""The charts' two paths: matplotlib's own (public API) and the fast one (report/_mpl_fast.py, private
API, quarantined). Every chart kind is drawn both ways on every run of the suite and must give the
same PNG bytes; on a matplotlib the fast path is not tested with, it must stand aside.

The comparison is byte for byte, not "near-identical pixels": the fast path keeps what matplotlib
computes (text metrics, glyph layouts, glyph bitmaps moved by whole pixels) and rasterises through the
same Agg calls, so on a tested release there is nothing that could honestly differ. A release that
changes the meaning of a private name shows here first.
"""
from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from xinyong.report import _mpl_fast, charts

NAMES = ["第一部分", "第二部分很长的名称需要换行显示出来", "附加分"]
TESTED = tuple(int(p) for p in matplotlib.__version__.split(".")[:2]) in _mpl_fast.TESTED


def _share(n: int = 4) -> pd.DataFrame:
    df = pd.DataFrame({"组织领导": np.linspace(20, 100, n), "信息归集与共享应用": np.linspace(100, 0, n),
                       "附加": [np.nan] + [50.0] * (n - 1)}, index=[f"单位{i}" for i in range(n)])
    return df


def _every_kind(pts=(7, 12.5, 5), unk=(0, 4, 0), totals=(70, 88)) -> dict[str, bytes]:
    periods = ["2021Q3", "2021Q4", "2022Q1", "2022Q2"][-len(totals):]
    share = _share()
    unknown = share * 0
    unknown.iloc[1, 0] = 3.0
    return {
        "section_bars": charts.section_bars(NAMES, list(pts), list(unk), [10, 20, 5], "甲：各部分得分与满分"),
        "peer_bars": charts.peer_bars(NAMES, list(pts), [5, 10, 2], [10, 18, 5], [10, 20, 5], "甲", "最高分单位：乙",
                                      "比较", unit_unknown=list(unk)),
        "trend_line": charts.trend_line(periods, list(totals), [50] * len(totals), "总分变化趋势", "甲"),
        "heat_map": charts.heat_map(share, "各单位各部分得分率", all_unknown=share.isna() & False,
                                    unknown=unknown),
        "grade_bars": charts.grade_bars(pd.Series([3, 5, 1], index=["优秀", "良好", "合格"]), "等级分布"),
    }


def _both_ways(monkeypatch, *args) -> tuple[dict, dict]:
    with monkeypatch.context() as m:
        m.setattr(charts, "FAST", False)
        public = _every_kind(*args)
    with monkeypatch.context() as m:
        m.setattr(charts, "FAST", True)
        fast = _every_kind(*args)
    return public, fast


@pytest.mark.skipif(not TESTED, reason="the fast path stands aside on this matplotlib (tested below)")
def test_every_chart_kind_draws_the_same_bytes_both_ways(monkeypatch):
    """Each kind, fresh caches, then a second set of data drawn from warm caches and kept figures (B's
    labels sit elsewhere, its scale reads differently, its trend is longer), then the first again."""
    a_in = ((7, 12.5, 5), (0, 4, 0), (70, 88))
    b_in = ((10, 3.25, 0), (0, 0, 5), (20, 140, 60, 90))
    _mpl_fast.clear()
    charts._KEPT.clear()
    for args in (a_in, b_in, a_in):
        public, fast = _both_ways(monkeypatch, *args)
        assert public.keys() == fast.keys()
        for kind in public:
            assert fast[kind] == public[kind], kind
    assert _mpl_fast.LAYOUTS and _mpl_fast.HEIGHTS and _mpl_fast.GLYPHS and _mpl_fast.METRICS  # used, not bypassed


def test_the_public_path_touches_no_private_matplotlib_name(monkeypatch):
    """Switched off, no chart reaches the fast module's canvas or its bars."""
    def refuse(*a, **k):
        raise AssertionError("fast path used while switched off")

    monkeypatch.setattr(_mpl_fast, "canvas_class", refuse)
    monkeypatch.setattr(_mpl_fast, "barh", refuse)
    monkeypatch.setattr(charts, "FAST", False)
    assert all(png.startswith(b"\x89PNG") for png in _every_kind().values())


def test_the_fast_path_stands_aside_on_an_untested_matplotlib(monkeypatch):
    monkeypatch.setattr(_mpl_fast, "TESTED", ((9, 99),))
    _mpl_fast.available.cache_clear()
    try:
        monkeypatch.setattr(charts, "FAST", True)
        assert not charts._fast()
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        assert charts._canvas_class() is FigureCanvasAgg
    finally:
        monkeypatch.undo()
        _mpl_fast.available.cache_clear()
    assert _mpl_fast.available() == TESTED


def test_caches_are_bounded():
    """A long batch draws many distinct texts: each cache empties itself at its limit instead of growing."""
    c = _mpl_fast.Bounded(3)
    for i in range(10):
        c.put(i, i)
        assert len(c) <= 3
    assert all(isinstance(x, _mpl_fast.Bounded) and x.limit > 0 for x in _mpl_fast.CACHES)
    assert charts._KEPT_MAX > 0


def test_kept_figures_draw_what_fresh_ones_draw():
    """A batch worker reuses each chart kind's figure for the next unit (charts._reuse). Drawing A, then B
    into the kept figure, then A again gives A's bytes exactly, and the same bytes as a fresh figure:
    nothing of B (bars, the 缺 marks, a legend entry, limits) stays behind."""
    def draw(pts, unk, totals):
        kinds = _every_kind(pts, unk, totals)
        return kinds["section_bars"], kinds["peer_bars"], kinds["trend_line"]

    a_in = ([7, 12.5, 5], [0, 4, 0], [70, 88])
    b_in = ([10, 3, 0], [0, 0, 5], [20, 140, 60, 90])  # more periods: wider x data limits
    charts._KEPT.clear()
    fresh_a = draw(*a_in)
    assert len(charts._KEPT) == 3
    b = draw(*b_in)
    again_a = draw(*a_in)
    assert again_a == fresh_a
    assert all(x != y for x, y in zip(b, fresh_a))
    charts._KEPT.clear()
    assert draw(*b_in) == b


@pytest.mark.skipif(not TESTED, reason="the fast path stands aside on this matplotlib")
def test_glyph_bitmaps_move_by_whole_pixels():
    """A string drawn again 3 and 40 pixels further right and 7 lower reuses its glyphs' bitmaps (no new
    cache entry) and gives matplotlib's pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.transforms import IdentityTransform

    def draw(canvas_class):
        fig = Figure(figsize=(3, 1), dpi=charts.DPI)
        for dx, dy in ((0, 0), (3, 0), (40, 7)):
            fig.text(10.3 + dx, 60.6 - dy, "得分率 92.5", transform=IdentityTransform(), fontsize=9)
        canvas = canvas_class(fig)
        canvas.draw()
        return bytes(canvas.buffer_rgba())

    charts.setup_fonts()
    plain = draw(FigureCanvasAgg)
    _mpl_fast.GLYPHS.clear()
    assert draw(_mpl_fast.canvas_class()) == plain
    assert len(_mpl_fast.GLYPHS) == len(set("得分率 92.5"))  # one bitmap per glyph, not one per glyph drawn


@pytest.mark.skipif(not TESTED, reason="the fast path stands aside on this matplotlib")
def test_bars_keep_data_limits():
    """_mpl_fast.barh sets the data limits once for all bars: the same limits as matplotlib's barh, which
    adds them bar by bar, for offsets, an empty bar and a NaN bar."""
    from matplotlib.figure import Figure

    y = np.arange(4)[::-1] + 0.26
    width, left = np.array([3.5, 0.0, np.nan, 12.25]), np.array([0.0, 2.0, 1.0, 0.5])
    limits = []
    for bar in (lambda ax, *a, **k: ax.barh(*a, **k), _mpl_fast.barh):
        ax = Figure().subplots()
        bar(ax, y, width, left=left, height=0.26)
        bar(ax, y - 0.26, width / 2, height=0.26)
        limits.append((ax.dataLim.get_points().tolist(), ax.get_ylim(), ax.get_xlim(), len(ax.patches)))
    assert limits[0] == limits[1]


def test_pyproject_declares_the_matplotlib_releases_the_fast_path_is_tested_with():
    """pyproject.toml's upper bound on matplotlib is the minor release after the newest one in
    _mpl_fast.TESTED: a release the fast path has not been run with is not installed by accident."""
    import re
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    req = next(r for r in project["project"]["dependencies"] if r.startswith("matplotlib"))
    upper = re.search(r"<\s*(\d+)\.(\d+)", req)
    assert upper, req
    newest = max(_mpl_fast.TESTED)
    assert (int(upper.group(1)), int(upper.group(2))) == (newest[0], newest[1] + 1), req
