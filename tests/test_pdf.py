"""A report printed to A4 PDF by headless Chromium, glyphs from the fonts the package ships (issue 16)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("pdftotext") is None,
                       reason="needs Debian's chromium and poppler-utils (make test installs both as root)"),
]


def test_report_page_prints_to_a4_pdf_with_its_text(tmp_path):
    import nbformat

    from xinyong.report.pdf import html_to_pdf
    from xinyong.report.render import to_html

    nb = nbformat.read(ROOT / "notebooks" / "unit_report.ipynb", as_version=4)
    html = tmp_path / "r.html"
    html.write_text(to_html(nb, "示例县 · 2022年第二季度"), encoding="utf-8")
    pdf = html_to_pdf(html, tmp_path / "r.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "A4" in info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # the unit's name, its total and the item table's heading survive as text (not as pictures of glyphs)
    assert "示例县" in text and "逐项得分" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [ln.split() for ln in fonts.splitlines()[2:] if ln.strip()]
    assert rows and all("yes" in r for r in rows), fonts  # every font embedded


def test_missing_browser_is_a_chinese_error(monkeypatch, tmp_path):
    from xinyong.errors import XinyongError
    from xinyong.report import pdf

    monkeypatch.setattr(pdf, "BROWSERS", ())
    with pytest.raises(XinyongError, match="未找到 Chromium"):
        pdf.find_browser("no-such-browser-xyz")
