"""A report page as an A4 PDF, printed by headless Chromium with the CJK fonts embedded.

Why Chromium: the reports are HTML designed for the browser (print CSS included), and Chromium prints
exactly what a reader sees on screen; WeasyPrint would need Pango from the system and lays out CSS
differently, LibreOffice would print the Word version, not the page. Debian's ``chromium`` package is
what the browser tests already use. Glyphs do not depend on the machine's fonts: the page is printed
with ``@font-face`` rules pointing at the CJK fonts the ``mplfonts`` wheel ships (local files, no
network), so a server with no Chinese font still gives a PDF with every glyph embedded.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import XinyongError
from ..util import atomic_write_bytes
from .fonts import font_path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-pdf-header-footer")
SERIF = "NotoSerifCJKsc-Regular.otf"  # 宋体-like body text, as government documents are set
SANS = "SimHei.ttf"  # 黑体 headings
SANS_LATIN = "NotoSansCJKsc-Regular.otf"  # the headings' digits and Latin letters (see LATIN)
# SimHei's Latin glyphs are all half an em wide, the period as wide as a digit: “56.71” in a heading, a
# verdict or a bold cell printed as “56. 71”. The 黑体 family takes the Basic Latin and Latin-1 range
# (digits, the period, the comma, the space) from Noto Sans CJK SC, whose Latin is proportional, and
# only the Chinese from SimHei.
LATIN = "U+0000-00FF"
MONO = "NotoSansMonoCJKsc-Regular.otf"  # 第 56 行, item ids, formulas: a monospace face that has the Chinese glyphs

# Every element, not only the common ones, is set in a shipped CJK face: a rule such as ``code`` or ``.src``
# (Consolas, monospace) otherwise fell to the machine's monospace font, which has no Chinese glyph, and
# “第 56 行” printed as boxes. The faces after the first catch a glyph the first lacks (never a system font).
# The page number sits in the bottom margin (a CSS margin box: Chromium prints no header or footer of its
# own), “— 1 —” as in a government document.
# A notebook cell whose block is empty (no gates, no comparison) prints nothing, not its wrappers' height:
# after a table that filled the last page, they added a blank page.
# Charts: at the width of the page a bar chart is taller than the space left under the summary, and the
# page broke before it, leaving page 1 half empty; capped in height, it fits there (the overview's heat
# map, a row per unit, keeps its size).
PRINT_RULES = """
* { font-family: "xy-serif", "xy-sans", serif !important; }
h1, h2, h3, h4, th, strong, b, .xy-verdict, .xy-total, .verdict { font-family: "xy-sans", "xy-serif", sans-serif !important; }
code, pre, kbd, samp, .src, td.id, .xy-table td.id { font-family: "xy-mono", "xy-sans", monospace !important; }
@page {
  size: A4; margin: 16mm 14mm 18mm;
  @bottom-center { content: "— " counter(page) " —"; font-family: "xy-serif", serif; font-size: 9pt; color: #444; }
}
.xy-charts img.chart, .xy-grades img.chart { max-height: 62mm; width: auto; max-width: 100%; }
.xy-movement img.chart { max-height: 40mm; width: auto; max-width: 100%; }
main:has(.xy-ranking) .xy-charts img.chart { max-height: none; }
h1, h2, h3 { break-after: avoid; }
.jp-Cell:not(:has(.jp-OutputArea-output *)) { display: none; }
"""


def find_browser(chromium: str | None = None) -> str:
    """``chromium`` (``Settings.chromium``: a name on ``PATH`` or a path) if it is there, else the first
    of :data:`BROWSERS` found on ``PATH``."""
    for name in ((chromium,) if chromium else ()) + BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    raise XinyongError("未找到 Chromium 浏览器，无法生成 PDF（Debian/Ubuntu：apt install chromium；"
                       "或设置 XINYONG_CHROMIUM 指向 chrome 可执行文件）",
                       "no chromium/chrome on PATH; set XINYONG_CHROMIUM")


def print_css() -> str:
    """@font-face rules for the shipped fonts, the families the printed page uses, page numbers."""
    fonts = font_path().parent

    def face(family: str, file: str, only: str | None = None) -> str:
        scope = f" unicode-range: {only};" if only else ""
        return f'@font-face {{ font-family: "{family}"; src: url("{(fonts / file).as_uri()}");{scope} }}\n'

    return (face("xy-serif", SERIF) + face("xy-sans", SANS) + face("xy-sans", SANS_LATIN, LATIN)
            + face("xy-mono", MONO) + PRINT_RULES)


# A link to another file of the run (href="units/…", "../overview.html"): Chromium would write it into the
# PDF as an absolute file: address inside the temporary folder the page is printed from — a dead link that
# names a server path. A forwarded PDF has no sibling files to open, so such links print as plain text;
# links within the page (#…) and to the web stay.
LOCAL_HREF = re.compile(r"""(<a\b[^>]*?)\s+href=(["'])(?!#|https?:|mailto:)[^"']*\2""", re.IGNORECASE)


def without_local_links(html: str) -> str:
    """``html`` with the ``href`` of every link to a local file removed (the text stays)."""
    return LOCAL_HREF.sub(r"\1", html)


def html_to_pdf(html: str | os.PathLike, pdf: str | os.PathLike, timeout: float = 120,
                chromium: str | None = None) -> Path:
    """Print ``html`` (a self-contained page) to ``pdf`` (A4), atomically, with :func:`find_browser`'s
    browser."""
    src = Path(html)
    text = without_local_links(src.read_text(encoding="utf-8"))
    style = f"<style>\n{print_css()}</style>\n"
    text = text.replace("</head>", style + "</head>", 1) if "</head>" in text else style + text
    with tempfile.TemporaryDirectory(prefix="xinyong-pdf-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(text, encoding="utf-8")
        out = Path(tmp) / "page.pdf"
        cmd = [find_browser(chromium), *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={out}",
               page.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise XinyongError(f"生成 PDF 超时（{timeout:g} 秒）：{src.name}", f"chromium timed out on {src}") from None
        if proc.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            raise XinyongError(f"生成 PDF 失败：{src.name}", f"chromium exit {proc.returncode}: {proc.stderr[-500:]}")
        return atomic_write_bytes(Path(pdf), out.read_bytes())
