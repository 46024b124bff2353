"""Reports as Word documents (issue 16 §8): python-docx reads back the unit's name, total, grade and the
item table; a missing item reads 未知, never 0; body 仿宋, headings 黑体."""
from __future__ import annotations

import io
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
    assert "2019年度" in ov.paragraphs[0].text


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
