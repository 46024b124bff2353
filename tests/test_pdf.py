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


def test_links_to_the_runs_other_files_print_as_text_not_as_dead_file_addresses(tmp_path):
    """A 通报's unit names link to the unit reports beside it; printed, such a link would point into the
    temporary folder the page is printed from (file:///tmp/xinyong-pdf-…), a dead link naming a server
    path. The PDF keeps the text and the web link, and drops the local one."""
    import re

    from xinyong.report.pdf import html_to_pdf

    html = tmp_path / "brief.html"
    html.write_text('<html><head><meta charset="utf-8"></head><body><p><a href="units/dept01_甲.html">甲局</a> '
                    "<a class='x' href='../overview.html'>总览</a> <a href=\"https://www.creditchina.gov.cn/\">信用中国</a>"
                    "</p></body></html>", encoding="utf-8")
    data = html_to_pdf(html, tmp_path / "brief.pdf").read_bytes()
    uris = re.findall(rb"/URI\s*\(([^)]*)\)", data)
    assert uris == [b"https://www.creditchina.gov.cn/"], uris
    text = subprocess.run(["pdftotext", str(tmp_path / "brief.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "甲局" in text and "总览" in text


def test_missing_browser_is_a_chinese_error(monkeypatch, tmp_path):
    from xinyong.errors import XinyongError
    from xinyong.report import pdf

    monkeypatch.setattr(pdf, "BROWSERS", ())
    with pytest.raises(XinyongError, match="未找到 Chromium"):
        pdf.find_browser("no-such-browser-xyz")


def _ink_runs(png: Path) -> list[tuple[int, int]]:
    """The columns of ink of the first line of text on a rendered page, as (first, after last) runs."""
    from PIL import Image

    im = Image.open(png).convert("L")
    w, h = im.size
    px = im.load()
    band: list[int] = []
    for y in range(h):
        if any(px[x, y] < 128 for x in range(w)):
            if band and y - band[-1] > 5:
                break
            band.append(y)
    ink = [any(px[x, y] < 128 for y in band) for x in range(w)]
    runs, x = [], 0
    while x < w:
        if ink[x]:
            start = x
            while x < w and ink[x]:
                x += 1
            runs.append((start, x))
        x += 1
    return runs


@pytest.mark.slow
def test_a_number_in_the_bold_face_prints_without_a_gap(tmp_path):
    """SimHei (the 黑体 of headings, verdicts, bold cells) sets every Latin glyph half an em wide, the period
    as wide as a digit: “56.71” printed as “56. 71”. The printed 黑体 takes digits and the period from a
    proportional face (report/pdf.py LATIN): the number extracts whole and, drawn, the space after the
    period is no wider than twice the space between two digits (it was four times as wide)."""
    from xinyong.report.pdf import html_to_pdf

    page = tmp_path / "n.html"
    page.write_text('<html><head></head><body><h1 style="font-size:72px">56.71</h1>'
                    "<p class=\"verdict\">示例县工业和信息化局 56.71 分</p></body></html>", encoding="utf-8")
    pdf = html_to_pdf(page, tmp_path / "n.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.split().count("56.71") == 2, text
    subprocess.run(["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-gray", "-png", str(pdf), str(tmp_path / "n")],
                   check=True)
    runs = _ink_runs(next(tmp_path.glob("n-*.png")))
    assert len(runs) == 5, runs  # 5, 6, the period, 7, 1
    gaps = [b[0] - a[1] for a, b in zip(runs, runs[1:])]
    assert gaps[2] <= 2 * max(gaps[0], 1), gaps
