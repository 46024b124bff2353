"""Reports as Word documents (issue 16 §8): python-docx reads back the unit's name, total, grade and the
item table; a missing item reads 未知, never 0; body 仿宋, headings 黑体."""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "params" / "demo"


@pytest.fixture(scope="module")
def jiaxian():
    from xinyong.report import load_run

    return load_run("jiaxian_county_dept", DEMO / "jiaxian_county_dept" / "2022Q2.xlsx", period="2022Q2")


def _doc(data: bytes):
    import docx

    return docx.Document(io.BytesIO(data))


def test_unit_docx_holds_verdict_and_items(jiaxian):
    from xinyong.report.unit_docx import unit_docx

    row = jiaxian.result.units.loc["dept07"]
    d = _doc(unit_docx(jiaxian, "dept07"))
    text = "\n".join(p.text for p in d.paragraphs)
    assert d.paragraphs[0].text == row["unit_name"]
    assert "2022年第二季度" in text  # 2022Q2 as a person writes it
    assert f"总分 {row['total']:.2f} 分" in text
    # 004 附件1: 90 以上优秀, 80–90 良好, 60–80 合格; the sentences are the HTML summary's
    from xinyong.report.analysis import UnitAnalysis, grade_sentence, rank_sentence

    st = UnitAnalysis(jiaxian, "dept07").standing()
    assert f"“{row['grade']}”" in text and grade_sentence(st) in text
    assert rank_sentence(st) in text and f"第 {int(row['rank'])} 名" in text
    items = next(t for t in d.tables if [c.text for c in t.rows[0].cells] == ["编号", "条目", "满分", "得分", "状态", "计算过程"])
    # one row per item (a section's subtotal row has no item number, as on the page)
    assert sum(bool(r.cells[0].text) for r in items.rows[1:]) == len(jiaxian.result.unit_items("dept07"))
    # dept07 has a missing input: its item reads 未知 with the status, never 0
    st = jiaxian.result.status.loc["dept07"]
    missing = [i for i in st.index if st[i] == "missing_input"]
    assert missing
    by_name = {r.cells[1].text: r for r in items.rows[1:]}
    for item_id in missing:
        r = by_name[jiaxian.scheme.item(item_id).name]
        assert r.cells[3].text == "未知" and r.cells[4].text == "缺少数据"
    assert d.inline_shapes, "the chart of the parts is in the document"


def test_fonts_are_set_as_government_documents_are(jiaxian):
    from docx.oxml.ns import qn

    from xinyong.report.unit_docx import unit_docx

    d = _doc(unit_docx(jiaxian, "dept01"))
    fonts = d.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "仿宋"
    head = d.paragraphs[0].runs[0]._element.rPr.rFonts
    assert head.get(qn("w:eastAsia")) == "黑体"


def test_vetoed_unit_says_so_and_overview_lists_every_unit():
    from xinyong.report import load_run
    from xinyong.report.docx import overview_docx
    from xinyong.report.unit_docx import unit_docx

    run = load_run("quzhou", DEMO / "quzhou" / "2019.xlsx", period="2019")
    failed = run.result.units.index[run.result.units["gate_outcome"] == "fail"]
    assert len(failed) == 1  # the demo data has exactly one city failing 002's veto
    text = "\n".join(p.text for p in _doc(unit_docx(run, failed[0])).paragraphs)
    # 002: 有一项未完成的则一票否决 — not ranked, and no place printed as if it were a rank
    assert "一票否决：未达到“基础性指标（一票否决）”中的 1 项条件：" in text and "本期不参加排名" in text
    assert "排名第" not in text and "位）" not in text
    ov = _doc(overview_docx(run))
    rows = ov.tables[0].rows[1:]
    assert len(rows) == len(run.result.units)
    assert rows[-1].cells[1].text == run.result.units.loc[failed[0], "unit_name"]  # ranked after every city that passed
    assert "2019年度" in ov.paragraphs[1].text  # under the scheme's title, as the page's header


def test_period_words():
    from xinyong.labels import period_zh

    assert period_zh("2022Q2") == "2022年第二季度"
    assert period_zh("2019") == "2019年度"
    assert period_zh("2022-03") == "2022年3月"
    assert period_zh("上半年") == "上半年"


@pytest.mark.slow
def test_report_and_overview_commands_write_docx_and_brief(tmp_path):
    """`xinyong report/overview --format html,docx` (issue 16 §8): the Word files beside the HTML, and the
    通报 (HTML and Word) beside the overview."""
    from xinyong.cli import main

    data = DEMO / "quzhou" / "2019.xlsx"
    assert main(["report", "quzhou", "--period", "2019", "--unit", "city_c", "--data", str(data),
                 "--out", str(tmp_path), "--format", "html,docx"]) == 0
    assert (tmp_path / "quzhou_2019_city_c.docx").is_file() and (tmp_path / "quzhou_2019_city_c.html").is_file()
    assert main(["overview", "quzhou", "--period", "2019", "--data", str(data), "--out", str(tmp_path),
                 "--format", "docx"]) == 0
    assert (tmp_path / "quzhou_2019_overview.docx").is_file()
    brief = (tmp_path / "quzhou_2019_brief.html").read_text(encoding="utf-8")
    assert "考核结果的通报" in brief and "（一票否决）" in brief
    assert (tmp_path / "quzhou_2019_brief.docx").is_file()


def test_unknown_format_is_refused():
    from xinyong.errors import XinyongError
    from xinyong.report.commands import parse_formats

    assert parse_formats("pdf,docx,pdf") == ["html", "pdf", "docx"]
    with pytest.raises(XinyongError, match="不支持的格式：odt"):
        parse_formats("html,odt")


# ------------------------------------------------------------------ Word matches the page (overview, year)
NUMBERED = re.compile(r"^[一二三四五六七八九十]+、")


def _headings(doc) -> list[str]:
    """The section headings of a Word file, without their numbers 一、二、."""
    return [NUMBERED.sub("", p.text) for p in doc.paragraphs if p.style.name == "Heading 1"]


def _page_field(section) -> bool:
    """Whether the footer of ``section`` numbers its pages with a PAGE field (fldChar/instrText or fldSimple)."""
    xml = section.footer.part.element.xml
    return bool(re.search(r"<w:instrText[^>]*>\s*PAGE\s*<", xml) or re.search(r'w:fldSimple[^>]*w:instr="\s*PAGE', xml))


def _a4(section) -> bool:
    return abs(section.page_width.mm - 210) < 0.5 and abs(section.page_height.mm - 297) < 0.5


@pytest.fixture(scope="module")
def jiaxian_with_history():
    from xinyong.report import load_run

    d = DEMO / "jiaxian_county_dept"
    return load_run("jiaxian_county_dept", d / "2022Q2.xlsx", period="2022Q2",
                    history=[{"period": "2022Q1", "data": d / "2022Q1.xlsx"}])


def test_word_overview_has_the_pages_sections_and_sentences_a_header_and_page_numbers(jiaxian_with_history):
    """The overview in Word has the page's sections in the page's order (its <h2>s), the same sentences
    (the ranking's note, the heat map's caption: OverviewAnalysis says them once), the colour key, a
    header naming scheme and period, and page numbers as a PAGE field, on A4."""
    from xinyong.report.analysis import OverviewAnalysis
    from xinyong.report.docx import overview_docx
    from xinyong.report.overview import Overview

    run = jiaxian_with_history
    page = "".join(b.html for b in Overview(run).blocks())
    page_sections = re.findall(r"<h2>([^<]+)</h2>", page)
    d = _doc(overview_docx(run))
    assert _headings(d) == page_sections and len(page_sections) >= 6, (_headings(d), page_sections)
    text = "\n".join(p.text for p in d.paragraphs)
    oa = OverviewAnalysis(run)
    for sentence in (oa.ranking_note(), oa.heat_caption(), oa.movement_note()):
        assert sentence in text and html.escape(sentence, quote=False).replace("“", "“") in page
    assert "颜色：■ 优秀" in text and "颜色：" in page
    sec = d.sections[0]
    assert "郏县县直单位季度考核" in sec.header.paragraphs[0].text and "2022年第二季度" in sec.header.paragraphs[0].text
    assert _page_field(sec) and _a4(sec)
    # the grade column in colour: 不合格 red (labels.grade_tone), as on the page
    reds = [r for t in d.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs
            if r.text.startswith("不合格")]
    assert reds and all(str(r.font.color.rgb) == "C0392B" for r in reds)


def test_word_year_has_the_pages_sections_and_sentences(township_year):
    from xinyong.report.annual import annual_html
    from xinyong.report.docx import annual_docx

    a = township_year
    page = annual_html(a)
    d = _doc(annual_docx(a))
    assert _headings(d) == re.findall(r"<h2>([^<]+)</h2>", page)
    text = "\n".join(p.text for p in d.paragraphs)
    for sentence, _ in a.verdict():
        assert sentence in text and sentence in page
    assert a.table_note() in text and a.table_note() in page
    sec = d.sections[0]
    assert f"{a.year}年度汇总" in sec.header.paragraphs[0].text and _page_field(sec) and _a4(sec)


@pytest.fixture(scope="module")
def township_year():
    from xinyong.report.annual import annual_data
    from xinyong.report.load import read_data
    from xinyong.scheme import load_scheme
    from xinyong.scoring import score

    town = load_scheme("jiaxian_township")
    res = [(p, score(town, read_data(town, DEMO / "jiaxian_township" / f"{p}.xlsx", p).frame)) for p in ("2022Q1", "2022Q2")]
    return annual_data(town, "2022", res)


# ---------------------------------------------------------------- every Word file a batch writes (slow)
OPERATORS = re.compile(r"(?<![A-Za-z])(?:if|else)(?![A-Za-z])|>=|<=|==|!=|\*\*")
LONG_DECIMALS = re.compile(r"(?<![\d.])\d+\.\d{3,}(?![\d.])")


def _word_text(path: Path) -> str:
    d = _doc(path.read_bytes())
    parts = [p.text for p in d.paragraphs]
    parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
    for s in d.sections:
        parts += [p.text for p in s.header.paragraphs] + [p.text for p in s.footer.paragraphs]
    return "\n".join(parts)


@pytest.mark.slow
def test_every_word_file_a_batch_writes_reads_as_prose(tmp_path):
    """Issue 25 (Done when): the Word files have no Python operators (if, else, >=, ==, **), no input ids
    (the scheme's snake_case identifiers) and no number with more than two decimals — every .docx of a
    small batch (unit reports, overview, brief, the year) and each has page numbers, and a running header but
    the 通报's."""
    from types import SimpleNamespace

    from xinyong.batch import run_batch
    from xinyong.batch.annual_pages import write_annual_pages
    from xinyong.report.load import read_data
    from xinyong.scheme import load_scheme
    from xinyong.scoring import score

    demo = DEMO / "jiaxian_township"
    out = tmp_path / "out"
    run_batch("jiaxian_township", "2022Q2", demo / "2022Q2.xlsx", out, jobs=2, progress=False,
              history=[{"period": "2022Q1", "data": demo / "2022Q1.xlsx"}], formats=("html", "docx"))
    town = load_scheme("jiaxian_township")
    runs = []
    for p in ("2022Q1", "2022Q2"):
        (tmp_path / "year" / p).mkdir(parents=True)
        runs.append(SimpleNamespace(run_error=None, result=score(town, read_data(town, demo / f"{p}.xlsx", p).frame),
                                    scheme=town.id, period=p, run_dir=tmp_path / "year" / p, overview={},
                                    updated="2022-07-05T10:00:00"))
    write_annual_pages(runs, ("html", "docx"))
    files = sorted([*out.rglob("*.docx"), *(tmp_path / "year").glob("*.docx")])
    assert any(f.name == "overview.docx" for f in files) and any(f.name.startswith("annual-") for f in files)
    assert len(files) > 10
    ids = sorted({c for c in town.input_catalogue if re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+", c)}, key=len, reverse=True)
    assert ids
    id_re = re.compile(r"(?<![A-Za-z0-9_])(?:" + "|".join(map(re.escape, ids)) + r")(?![A-Za-z0-9_])")
    found = {}
    for f in files:
        text = _word_text(f)
        bad = OPERATORS.findall(text) + LONG_DECIMALS.findall(text) + id_re.findall(text)
        if bad:
            found[f.relative_to(tmp_path).as_posix()] = bad[:5]
    assert found == {}
    assert any(f.name == "brief.docx" for f in files)
    for f in files:
        sec = _doc(f.read_bytes()).sections[0]
        assert _page_field(sec) and _a4(sec), f
        # a 通报 is a 公文: GB/T 9704 gives it no running header (its 版头 is on page 1); every other file has one
        assert bool(sec.header.paragraphs[0].text) == (f.name != "brief.docx"), f
