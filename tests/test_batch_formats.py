"""``xinyong batch --format html,docx,pdf`` (issue 16 §8): every unit report, the overview and the leader
brief also as Word and PDF beside the HTML, made on the client after the HTML; an unchanged re-run
touches none of them; a format no longer asked for is removed (it would go stale)."""
from __future__ import annotations

import io
import shutil
import subprocess

import pytest

from conftest import MINI
from test_roster import scheme, workbook  # noqa: F401 — the fixture and the workbook of the roster tests

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("pdftotext") is None,
                       reason="needs Debian's chromium and poppler-utils (make test installs both as root)"),
]


def test_batch_writes_word_and_pdf_and_skips_them_when_unchanged(scheme, tmp_path):  # noqa: F811
    from docx import Document

    from xinyong.batch import run_batch

    data = workbook(scheme, tmp_path / "data" / "2019.xlsx")
    out = tmp_path / "out"
    s = run_batch(MINI, "2019", data, out, jobs=2, progress=False, formats=("html", "docx", "pdf"))
    run_dir = out / "mini" / "2019"
    a = s.unit("a")
    assert a.docx and a.pdf and s.unit("b").docx is None  # the invalid unit has no report to convert
    doc = Document(io.BytesIO((run_dir / a.docx).read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "甲市" in text and "总分 7.80 分" in text and "不良贷款率" in cells
    pdf = subprocess.run(["pdftotext", str(run_dir / a.pdf), "-"], capture_output=True, text=True).stdout
    assert "甲市" in pdf and "7.80" in pdf
    c_pdf = subprocess.run(["pdftotext", str(run_dir / s.unit("c").pdf), "-"], capture_output=True, text=True).stdout
    assert "未报送。" in c_pdf
    for name in ("overview.docx", "overview.pdf", "brief.pdf"):
        assert (run_dir / name).stat().st_size > 1000
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="overview.pdf"' in index and ">Word</a>" in index
    files = sorted(p for p in run_dir.rglob("*") if p.suffix in (".docx", ".pdf"))
    stamps = {p: p.stat().st_mtime_ns for p in files}

    again = run_batch(MINI, "2019", data, out, jobs=1, progress=False, formats=("html", "docx", "pdf"))
    assert again.counts["skipped"] == 2
    assert {p: p.stat().st_mtime_ns for p in files} == stamps

    run_batch(MINI, "2019", data, out, jobs=1, progress=False)
    # asked for HTML only, the reports' Word and PDF go; the 通报 keeps its own (the document an office sends)
    assert sorted(p.name for p in run_dir.rglob("*") if p.suffix in (".docx", ".pdf")) == ["brief.docx", "brief.pdf"]


def test_annual_page_as_word_and_pdf_follows_the_formats(tmp_path):
    """The year's page (two 郏县 township quarters) with --format html,docx,pdf: Word and PDF beside it, the PDF
    reads as the page does (CJK text, the year's title); asked for HTML only again, both are removed."""
    from types import SimpleNamespace

    from conftest import ROOT
    from xinyong.batch.annual_pages import write_annual_pages
    from xinyong.report.load import read_data
    from xinyong.scheme import load_scheme
    from xinyong.scoring import score

    town = load_scheme("jiaxian_township")
    runs = []
    for p in ("2022Q1", "2022Q2"):
        d = read_data(town, ROOT / "params" / "demo" / "jiaxian_township" / f"{p}.xlsx", p)
        (tmp_path / p).mkdir()
        runs.append(SimpleNamespace(run_error=None, result=score(town, d.frame), scheme=town.id, period=p,
                                    run_dir=tmp_path / p, overview={}, updated="2022-07-05T10:00:00"))
    page, = write_annual_pages(runs, ("html", "docx", "pdf"))
    assert page.name == "annual-2022.html"
    text = subprocess.run(["pdftotext", str(page.with_suffix(".pdf")), "-"], capture_output=True, text=True).stdout
    assert "2022年度汇总" in text and "年度排名与各季度结果" in text
    assert page.with_suffix(".docx").stat().st_size > 0
    write_annual_pages(runs, ("html",))
    assert not page.with_suffix(".pdf").exists() and not page.with_suffix(".docx").exists()
