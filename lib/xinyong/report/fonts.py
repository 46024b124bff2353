"""Chinese glyphs for matplotlib from the font the ``mplfonts`` package ships (no network, no system fonts).

``mplfonts`` carries Noto Sans CJK SC inside the wheel. We register that one file with matplotlib's
font manager for this process only: its ``use_font``/global install would write into matplotlib's
data directory, which a batch worker or a read-only environment must not do.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FONT_FILE = "NotoSansCJKsc-Regular.otf"


def font_path() -> Path:
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / FONT_FILE
    if not path.is_file():
        from ..errors import XinyongError

        raise XinyongError(f"找不到中文字体文件：{path}（请重新安装 mplfonts）",
                           f"CJK font missing: {path}; reinstall mplfonts")
    return path


@lru_cache(maxsize=1)
def setup_fonts() -> str:
    """Register the CJK font once per process and make it the first sans-serif family."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, rcParams

    path = font_path()
    fm = font_manager.fontManager
    fm.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    # The shipped file, not a system font of the same family name: a machine with Debian's fonts-noto-cjk
    # has "Noto Sans CJK SC" too (a .ttc), which matplotlib preferred, so the same report drew other
    # pixels on another machine. Other files of that name are dropped from this process's font list.
    # matplotlib remembers each font it found keyed on the font rcParams too (findfont's documented cache
    # key), so naming the family first below is what makes it look again in the list filtered here.
    fm.ttflist = [f for f in fm.ttflist if f.name != name or Path(f.fname) == path]
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [name] + [f for f in rcParams["font.sans-serif"] if f != name]
    rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212 glyph at the size we use
    rcParams["svg.hashsalt"] = "xinyong"
    return name
