"""Documents an office sends as they are: on a phone and on paper.

A leader opens a page in WeChat, 390 px wide: no page of a batch (the top index, a run's index, the unit
report, the overview, the brief, the year's page) scrolls sideways — wide tables stack one block per row,
each cell after its column's name (report/tables.py writes the names, report/templates/page.css stacks).
Printed (report/pdf.py), every glyph is in a shipped CJK face (“第 56 行” had printed as boxes in the
machine's monospace font), page 1 is not left half empty by a chart pushed to page 2, and each page has
its number.
"""
from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from xinyong.report.tables import label_tables

ROOT = Path(__file__).resolve().parents[1]
HAVE_BROWSER = shutil.which("chromium") is not None and shutil.which("pdftotext") is not None


# ----------------------------------------------------------------------------- the cells' labels (fast)
RANKING = """<table class="xy-table"><thead><tr><th>名次</th><th>单位</th><th>类型</th><th>总分</th><th>附加分</th><th>报告</th></tr></thead>
<tbody>
<tr><td>1</td><td>示例县人力资源和社会保障局</td><td>县直单位</td><td>94.36</td><td>5.00</td><td><a href="a.html">查看</a></td></tr>
<tr><td>2</td><td>示例县公安局</td><td>县直单位</td><td>94.03</td><td>5.00</td><td><a href="b.html">查看</a></td></tr>
<tr><td>3</td><td>示例县行政审批服务局</td><td>县直单位</td><td>90.93</td><td>5.00</td><td><a href="c.html">查看</a></td></tr>
</tbody></table>"""


def _cells(html: str) -> list[str]:
    return re.findall(r"<td[^>]*>", html)


def test_each_cell_gets_its_columns_name_and_a_wide_table_stacks():
    out = label_tables(RANKING)
    assert re.sub(r' data-[\w-]+(="[^"]*")?', "", out) == RANKING  # attributes only: the text is the same
    first_row = _cells(out)[:6]
    assert [re.search(r'data-label="([^"]*)"', c).group(1) for c in first_row] == ["名次", "单位", "类型", "总分", "附加分", "报告"]
    table = re.match(r"<table[^>]*>", out).group(0)
    assert 'data-cols="6"' in table and "data-stack" in table


def test_a_column_the_same_in_every_row_is_said_once():
    """类型 “县直单位” and 附加分 5.00 on every row: marked, and the table says what they are; 报告 reads
    “查看” on every row but links to different reports, so it is not the same."""
    out = label_tables(RANKING)
    note = re.search(r'data-same-note="([^"]*)"', out).group(1)
    assert note == "各行相同：类型 县直单位；附加分 5.00"
    same = [c for c in _cells(out) if "data-same" in c.replace("data-same-note", "")]
    assert len(same) == 6 and all('data-label="类型"' in c or 'data-label="附加分"' in c for c in same)
    # short columns share a line when stacked; the unit's name does not
    assert all("data-short" in c for c in _cells(out)[0:1] + _cells(out)[3:4])
    assert "data-short" not in _cells(out)[1]


def test_tables_without_a_header_row_and_narrow_tables_are_left_alone():
    meta = '<table class="xy-meta"><tr><th>考核期</th><td>2022年第二季度</td></tr></table>'
    assert label_tables(meta) == meta
    narrow = "<table><tr><th>单位</th><th>总分</th></tr><tr><td>甲</td><td>1</td></tr></table>"
    out = label_tables(narrow)  # header as a first row of <th> (the brief's tables): labelled, not stacked
    assert '<td data-label="单位"' in out and "data-stack" not in out and "data-same" not in out


def test_a_table_in_a_cell_counts_as_the_cells_text():
    """The readings' options sit in a table inside a cell: the outer cell is long, not “short” and empty."""
    page = ("<table><thead><tr><th>问题</th><th>各种解读下的总分</th></tr></thead><tbody><tr><td>增速</td>"
            "<td><table class=\"xy-mini\"><tr><td>增速按小数计：得分=7×增速%/100</td><td>82.95</td></tr></table></td>"
            "</tr></tbody></table>")
    out = label_tables(page)
    outer = re.search(r'<td data-label="各种解读下的总分"[^>]*>', out).group(0)
    assert "data-short" not in outer


# ----------------------------------------------------------------------------- in a browser (slow)
@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """A 郏县 township run (two quarters: the brief compares, the year's page has two columns)."""
    from xinyong.batch import run_batch
    from xinyong.batch.annual_pages import write_annual_pages
    from xinyong.report.load import read_data
    from xinyong.scheme import load_scheme
    from xinyong.scoring import score

    demo = ROOT / "params" / "demo" / "jiaxian_township"
    out = tmp_path_factory.mktemp("pages")
    s = run_batch("jiaxian_township", "2022Q2", demo / "2022Q2.xlsx", out, jobs=2, progress=False,
                  history=[{"period": "2022Q1", "data": demo / "2022Q1.xlsx"}])
    run_dir = out / "jiaxian_township" / "2022Q2"
    town = load_scheme("jiaxian_township")
    runs = []
    for p in ("2022Q1", "2022Q2"):
        d = read_data(town, demo / f"{p}.xlsx", p)
        (out / "annual" / p).mkdir(parents=True)
        runs.append(SimpleNamespace(run_error=None, result=score(town, d.frame), scheme=town.id, period=p,
                                    run_dir=out / "annual" / p, overview={}, updated="2022-07-05T10:00:00"))
    annual, = write_annual_pages(runs, ("html",))
    longest = max((u for u in s.units if u.html), key=lambda u: len(u.name or ""))
    return {"top index": out / "index.html", "run index": run_dir / "index.html",
            "unit report": run_dir / longest.html, "overview": run_dir / "overview.html",
            "brief": run_dir / "brief.html", "annual": annual}


def _measure_module():
    spec = importlib.util.spec_from_file_location("measure_width", ROOT / "scripts" / "measure_width.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not HAVE_BROWSER, reason="needs Debian's chromium and poppler-utils")
def test_every_page_fits_a_phone(pages):
    """scrollWidth of each page laid out in a 390 px iframe (scripts/measure_width.py); on main the
    brief needed 607 px, the overview 489, a unit report 449, the year's page 609."""
    widths = _measure_module().measure(list(pages.values()), 390)
    by_kind = {kind: widths[str(p)] for kind, p in pages.items()}
    assert len(by_kind) == 6, by_kind
    assert {k: w for k, w in by_kind.items() if w > 390} == {}


def _pdf_text(pdf: Path, page: int | None = None) -> str:
    args = ["pdftotext", *(["-f", str(page), "-l", str(page)] if page else []), str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


CJK_FONTS = ("SimHei", "NotoSerifCJK", "NotoSansCJK", "NotoSansMonoCJK", "SourceHan")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not HAVE_BROWSER, reason="needs Debian's chromium and poppler-utils")
def test_printed_pages_have_every_glyph_page_numbers_and_a_full_first_page(pages, tmp_path):
    from xinyong.report.pdf import html_to_pdf

    for kind in ("unit report", "overview", "brief"):
        pdf = html_to_pdf(pages[kind], tmp_path / f"{kind}.pdf")
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        named = {ln.split()[0].split("+")[-1] for ln in fonts.splitlines()[2:] if ln.strip() and not ln.startswith("[none]")}
        # a named font is a TrueType one (SimHei); the OpenType CJK faces are embedded as unnamed Type 3
        # fonts. A system font (DejaVu Sans Mono: no Chinese glyph) would be named here.
        assert named and all(n.startswith(CJK_FONTS) for n in named), (kind, named)
        text = _pdf_text(pdf)
        assert "\u25af" not in text and "\ufffd" not in text, kind
        n_pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                                   text=True).stdout).group(1))
        for p in range(1, n_pages + 1):  # “— 1 —” in the bottom margin of every page
            assert re.search(rf"—\s*{p}\s*—", _pdf_text(pdf, p)), (kind, p)
        if kind == "unit report":
            # the header's source reference “（第 56 行：…）”, in the monospace face
            assert re.search(r"第\s*\d+\s*行", text)
            # page 1 (header, summary, then the first chart) carries at least half as much as page 2;
            # with the chart pushed to page 2 it carried a third
            assert len(_pdf_text(pdf, 1)) >= 0.5 * len(_pdf_text(pdf, 2)), (kind, n_pages)


# ----------------------------------------------------------------------------- a grade's colour (fast)
def test_a_grade_has_one_colour_everywhere():
    """不合格 red and 优秀 green in the unit report's summary, the overview's and the brief's ranking, the
    year's page, the run index and the grade chart; 良好 and 合格 in the text's own colour."""
    from xinyong.labels import grade_class, grade_tone
    from xinyong.report import charts

    assert [grade_tone(g) for g in ("优秀", "良好", "合格", "不合格", "不达标", "差", None, float("nan"))] == \
        ["good", "", "", "bad", "bad", "bad", "", ""]
    assert grade_class("不合格") == "g-bad" and grade_class("良好") == ""
    assert charts.GRADE_COLOURS["bad"] == charts.RED
    css = {name: (ROOT / "lib" / "xinyong" / path).read_text(encoding="utf-8")
           for name, path in (("report", "report/templates/report.css"), ("brief", "report/templates/brief.css"), ("notice", "report/templates/notice.css"),
                              ("batch", "batch/templates/batch.css"))}
    for name, text in css.items():  # the same red and green on every page, and in the charts
        assert ".g-bad" in text and ".g-good" in text, name
        assert "--bad: #c0392b" in text and "--good: #2e7d4f" in text, name
    assert charts.GRADE_COLOURS["good"] == "#2e7d4f" and charts.RED == "#c0392b"
    templates = ROOT / "lib" / "xinyong"
    for path in ("report/templates/summary.html.j2", "report/templates/overview_ranking.html.j2",
                 "report/templates/notice.html.j2", "report/templates/annual.html.j2",
                 "batch/templates/run_index.html.j2"):
        assert "|tone" in (templates / path).read_text(encoding="utf-8"), path


def test_every_grade_colour_has_a_key():
    """“Every colour has a legend” (STYLE.md, the DHIS2 scorecard's legends): above the coloured grades of
    the overview's ranking and grade table, the year's table and their Word copies, one line says which
    colour is which grade, and what the grey 未定 tag means; the grade chart draws the uncoloured grades in
    the key's dark swatch (no longer the blue of links)."""
    from xinyong.labels import grade_legend
    from xinyong.report import charts
    from xinyong.report.narrative import legend_html

    key = grade_legend(["优秀", "良好", "合格", "不合格"])
    assert key == [("■ 优秀", "good"), ("■ 不合格", "bad"), ("■ 良好、合格", ""),
                   ("未定：尚有分数未知，补齐后等级可能变化", "unsettled")]
    assert grade_legend(["合格", "不合格"], unsettled=False) == [("■ 不合格", "bad"), ("■ 合格", "")]
    html = str(legend_html(key))
    assert '<span class="g-good">■ 优秀</span>' in html and '<span class="g-bad">■ 不合格</span>' in html
    assert '<span class="tag">未定</span> 尚有分数未知' in html
    assert charts.GRADE_COLOURS[""] == charts.SLATE != charts.BLUE
    templates = ROOT / "lib" / "xinyong" / "report" / "templates"
    for name in ("overview_ranking.html.j2", "overview_grades.html.j2", "annual.html.j2"):
        assert "legend_html(" in (templates / name).read_text(encoding="utf-8"), name
