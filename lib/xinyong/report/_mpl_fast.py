"""The charts' fast path: the one place that uses matplotlib's private API (quarantined here).

matplotlib's own Agg canvas measures and shapes every text again for every figure and rasterises every
glyph again at every draw; :func:`ax.barh` updates the axes' data limits bar by bar. A unit report's three
charts spend about half their CPU there. This module keeps what depends only on the string, the font
properties and the dpi (text metrics, font heights, glyph layouts, glyph bitmaps) across figures, and
sets the limits of all bars at once. It draws the same bytes as matplotlib's public path:
``tests/test_charts_paths.py`` draws every chart kind both ways, on every run of the suite.

The private names it leans on (matplotlib 3.11's): ``RendererAgg._prepare_font``, ``FT2Font._layout``,
``FT2Font._set_transform``, ``FT2Font._render_glyph``, ``RendererAgg._draw_text_glyphs_and_boxes``, the
renderer hook ``_get_font_height_metrics``, ``fontManager._find_fonts_by_props``,
``Axes._update_patch_limits`` and ``Rectangle._convert_units``. A name can keep existing and change its
meaning, so :func:`available` is true only on the matplotlib versions the suite is run with
(:data:`TESTED`, the same range as pyproject.toml's bound); elsewhere the charts take the public path.

Every cache is bounded (:class:`Bounded`); the glyph layouts and bitmaps are per thread, because
matplotlib's font objects are.
"""
from __future__ import annotations

import math
import sys
import threading
from functools import lru_cache

import numpy as np

TESTED = ((3, 11),)  # (major, minor) of the matplotlib releases the suite runs this module with


class Bounded(dict):
    """A dict that empties itself when it reaches ``limit`` entries (the entries are cheap to rebuild;
    emptying keeps a long batch's memory flat without an eviction order to maintain)."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def put(self, key, value):
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value


METRICS = Bounded(8192)   # (text, font properties, dpi) -> (width, height, descent) in pixels
LAYOUTS = Bounded(8192)   # (text, font properties, dpi, hinting, features, language, thread) -> glyphs
HEIGHTS = Bounded(256)    # (font properties, dpi) -> (ascent, descent, line gap) in pixels
GLYPHS = Bounded(20000)   # (font, size, dpi, glyph, angle, antialiased, hinting, subpixel x, y, thread) -> bitmap
CACHES = (METRICS, LAYOUTS, HEIGHTS, GLYPHS)


def clear() -> None:
    for c in CACHES:
        c.clear()


@lru_cache(maxsize=1)
def available() -> bool:
    """True on a tested matplotlib that still has every private name this module calls."""
    import matplotlib
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import fontManager
    from matplotlib.ft2font import FT2Font
    from matplotlib.patches import Rectangle

    version = tuple(int(p) for p in matplotlib.__version__.split(".")[:2] if p.isdigit())
    names = ((RendererAgg, "_draw_text_glyphs_and_boxes"), (RendererAgg, "_prepare_font"),
             (FT2Font, "_layout"), (FT2Font, "_set_transform"), (FT2Font, "_render_glyph"),
             (fontManager, "_find_fonts_by_props"), (Axes, "_update_patch_limits"), (Rectangle, "_convert_units"))
    return (version in TESTED and all(hasattr(o, n) for o, n in names)
            and getattr(sys.modules["matplotlib.ft2font"], "RenderMode", None) is not None)


def _font_height_metrics(prop, dpi: float) -> tuple:
    """(ascent, descent, line gap) in pixels as matplotlib 3.11's ``Text._get_layout`` reads them from
    the font's OS/2 or hhea table (the same arithmetic, so the same floats); (None, None, None) when the
    font has neither table (``_get_layout`` then measures "lp", as without this)."""
    from matplotlib.font_manager import fontManager, get_font

    font = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, linegap_key, ascent_key, descent_key in (
            ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"), ("hhea", "lineGap", "ascent", "descent")):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        fontsize = prop.get_size_in_points()
        units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
        scale = 1 / units_per_em * fontsize * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[linegap_key] * scale
    return None, None, None


@lru_cache(maxsize=1)
def canvas_class():
    """An Agg canvas whose renderer keeps text metrics, layouts and glyph bitmaps for the whole process.

    Measuring a string (FreeType shaping with the CJK font) costs about a millisecond, and matplotlib
    measures each text several times per draw (layout, legend, title placement), per renderer; every
    figure gets a new renderer. The metrics depend only on the string, the font properties and the
    dpi: one cache serves every chart. Drawing a text shapes it again (``FT2Font._layout``: ≈ 0.8 ms a
    text, ≈ 55 texts a unit report): the glyphs and their offsets are kept too. FreeType places a
    glyph at a position in 64ths of a pixel; moved by whole pixels its bitmap is the same, so a bitmap
    is kept per glyph, size, angle and position within the pixel. Call only when :func:`available`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag

    class Renderer(RendererAgg):
        def get_text_width_height_descent(self, s, prop, ismath):
            if ismath:
                return super().get_text_width_height_descent(s, prop, ismath)
            got = METRICS.get((s, prop, self.dpi))  # FontProperties compare by their (hashed) properties
            if got is None:
                got = METRICS.put((s, prop.copy(), self.dpi), super().get_text_width_height_descent(s, prop, ismath))
            return got

        def _get_font_height_metrics(self, prop):
            """The font's ascent, descent and line gap at ``prop``'s size, which ``Text._get_layout``
            reads from the font's tables for every text at every layout (≈ 0.8 ms, ≈ 100 layouts a unit
            report); matplotlib asks a renderer for them first when it has this method."""
            got = HEIGHTS.get((prop, self.dpi))
            if got is None:
                got = HEIGHTS.put((prop.copy(), self.dpi), _font_height_metrics(prop, self.dpi))
            return got

        def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
            if ismath:
                return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
            features = mtext.get_fontfeatures() if mtext is not None else None
            language = mtext.get_language() if mtext is not None else None
            flags = get_hinting_flag()
            key = (s, prop, self.dpi, flags, None if features is None else tuple(features),
                   language if language is None or isinstance(language, str) else tuple(language),
                   threading.get_ident())
            glyphs = LAYOUTS.get(key)
            if glyphs is None:
                font = self._prepare_font(prop)
                glyphs = LAYOUTS.put((s, prop.copy(), *key[2:]), tuple(
                    (it.ft_object, it.glyph_index, it.x, it.y)
                    for it in font._layout(s, flags=flags, features=features, language=language)))
            self._draw_glyphs(gc, x, y, angle, prop.get_size_in_points(), glyphs, flags)

        def _draw_glyphs(self, gc, x, y, angle, size, glyphs, flags) -> None:
            draw_glyphs(self, gc, x, y, angle, size, glyphs, flags)

    class Canvas(FigureCanvasAgg):
        def get_renderer(self):
            w, h = self.get_width_height(physical=True)
            key = w, h, self.figure.dpi
            if getattr(self, "_xinyong_key", None) != key:
                self.renderer = Renderer(w, h, self.figure.dpi)
                self._xinyong_key = key
            return self.renderer

    return Canvas


def draw_glyphs(renderer, gc, x, y, angle, size, glyphs, flags) -> None:
    """matplotlib 3.11's ``_draw_text_glyphs_and_boxes`` for a text's glyphs, each glyph's bitmap
    kept (``test_glyph_bitmaps_move_by_whole_pixels``). ``renderer``: the fast canvas's Agg renderer."""
    from matplotlib.ft2font import RenderMode

    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    aa = bool(gc.get_antialiased())
    thread = threading.get_ident()
    matrix = None
    height = renderer.height
    for font, glyph, gx, gy in glyphs:  # gy is upwards, y downwards
        px = round(0x40 * (x + gx * cos - gy * sin))
        py = round(0x40 * (height - y + gx * sin + gy * cos))  # FreeType's y is upwards
        key = (font, size, renderer.dpi, glyph, angle, aa, flags, px & 63, py & 63, thread)
        got = GLYPHS.get(key)
        if got is None:
            if matrix is None:
                matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
            font.set_size(size, renderer.dpi)
            font._set_transform(matrix, [px, py])
            bitmap = font._render_glyph(glyph, flags, RenderMode.NORMAL if aa else RenderMode.MONO)
            buffer = np.array(bitmap.buffer)
            if not aa:
                buffer *= 0xff
            got = GLYPHS.put(key, (buffer, bitmap.left - (px >> 6), bitmap.top - (py >> 6)))
        buffer, left, top = got
        # draw_text_image's y is downwards and the bitmap's bottom side
        renderer._renderer.draw_text_image(buffer, left + (px >> 6),
                                           int(height) - (top + (py >> 6)) + buffer.shape[0], 0, gc)


def barh(ax, y, width, **kw):
    """``ax.barh`` with the data limits updated once for all its bars, not once per bar.

    Adding a patch updates the axes' data limits from its path (Bézier extrema, transform arithmetic:
    ≈ 1.5 ms a bar, more than drawing it). A bar's extent is its rectangle: the same corners go into
    the limits in one call, so autoscaling comes out the same (``test_bars_keep_data_limits``)."""
    ax._update_patch_limits = _no_limits  # the instance's attribute shadows the method while barh runs
    try:
        bars = ax.barh(y, width, **kw)
    finally:
        del ax._update_patch_limits
    ext = np.array([r._convert_units() for r in bars.patches], float).reshape(-1, 4)
    ext = ext[(ext[:, 2] != ext[:, 0]) | (ext[:, 3] != ext[:, 1])]  # as matplotlib: empty bars do not count
    if len(ext):
        x0, y0, x1, y1 = ext.T
        ax.update_datalim(np.column_stack([np.r_[x0, x1, x1, x0], np.r_[y0, y0, y1, y1]]))
    return bars


def _no_limits(patch) -> None: ...
