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
    assert not [p for p in run_dir.rglob("*") if p.suffix in (".docx", ".pdf")]
