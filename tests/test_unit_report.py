"""The unit report for the department that must act: verdict, then 本单位要做的事, losses, evidence to send,
follow-up; the 审核附件 after a page break; Word with the page's sections, header and page numbers."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "params" / "demo"


@pytest.fixture(scope="module")
def jiaxian():
    from xinyong.report import load_run

    d = DEMO / "jiaxian_county_dept"
    return load_run("jiaxian_county_dept", d / "2022Q2.xlsx", period="2022Q2",
                    history=[{"period": "2022Q1", "data": str(d / "2022Q1.xlsx")}])


@pytest.fixture(scope="module")
def linyi():
    from xinyong.report import load_run

    return load_run("linyi", DEMO / "linyi" / "2019.xlsx", period="2019")


def _h2(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)]


def test_page_one_is_the_verdict_then_what_to_do(jiaxian):
    from xinyong.report import UnitReport

    rep = UnitReport(jiaxian, "dept07")
    main = "".join(b.html for b in rep.main())
    heads = _h2(main)
    assert heads[:2] == ["结论", "本单位要做的事"]
    assert heads.index("本单位要做的事") < heads.index("失分与未知分") < heads.index("佐证材料") < heads.index("上期失分整改情况")
    todo = rep.analysis.todo()
    rows = todo.rows
    assert 3 <= len(rows) <= 5 and todo.n_all > len(rows)
    wins = rows["to_win"].tolist()
    assert wins == sorted(wins, reverse=True) and wins[0] == rep.analysis.actions()["to_win"].max()
    # written as actions: a verb first, never the evidence requirement copied
    assert all(re.match(r"(补报|提供|核实|整改|争取)", a) for a in rows["action"])
    assert not set(rows["action"]) & set(rows["evidence"])
    # 004 1.1 组织建设情况 has no data for dept07: its action is to send the data (“补报”)
    first = rows.iloc[0]
    assert first["item"] == "jiaxian_county_dept.1.1" and first["action"].startswith("补报")


def test_a_column_the_same_in_every_row_is_said_once(jiaxian):
    """004 names one 责任单位 for every item (“县社会信用体系建设领导小组各成员单位及有关单位”) and no 时限: said
    once above the table, not in each row."""
    from xinyong.report import UnitReport

    html = UnitReport(jiaxian, "dept07").action_list().html
    who = "县社会信用体系建设领导小组各成员单位及有关单位"
    assert html.count(who) == 1 and f"责任单位：{who}；时限：方案未写明。" in html
    table = html[html.index("<table"):]
    assert "<th>责任单位</th>" not in table and "<th>时限</th>" not in table and "方案未写明" not in table


def test_scored_but_without_evidence_is_said(jiaxian):
    """004 6.2 “事中”信用监管: “考核依据：文件资料、新闻报道：制度文件、行业信用评价办法、信用分级分类监管具体
    案例”. dept07 is scored 12 of 12 on it but registered no evidence: the page says “已计分但无佐证”."""
    from xinyong.report import UnitReport

    rep = UnitReport(jiaxian, "dept07")
    gaps = rep.analysis.evidence_gaps().set_index("item")
    row = gaps.loc["jiaxian_county_dept.6.2"]
    assert row["scored"] and row["points"] == 12.0 and "信用分级分类监管具体案例" in row["required"]
    assert gaps["scored"].iloc[0]  # the points standing on nothing come first
    html = rep.evidence_gaps().html
    n = int(gaps["scored"].sum())
    assert f"已计分但无佐证</b>：{n} 个条目已计" in html and "“事中”信用监管" in html
    # an item with evidence registered (3.2) is not listed
    assert "jiaxian_county_dept.3.2" not in gaps.index


def test_comparison_is_median_and_best_not_every_unit(linyi):
    """003's cross-county comparison: this county against the median and the best, per ranked sub-metric;
    no yes/no answer is ranked, and no other county's row is printed."""
    from xinyong.report import UnitReport

    rep = UnitReport(linyi, "county01")
    html = rep.comparison().html
    m = rep.analysis.peer_comparison()
    cat = linyi.scheme.input_catalogue
    full = linyi.comparison_table()
    assert len(m) and len(m) < len(full)
    head = re.findall(r"<th[^>]*>(.*?)</th>", html)
    assert "中位数" in head and "最好值" in head and "单位编号" not in head and "百分位" not in head
    assert not any(cat[i].type == "bool" for i in full[full["输入编号"].isin(list(cat))]["输入编号"]
                   if i in set(m["label"]))
    assert "county02" not in html and html.count("<tr>") == len(m) + len(rep.analysis.peers().sections) + 2
    # the best value of a sub-metric is the value the rank-1 county has
    first = m.iloc[0]
    rows = full[(full["条目编号"] == first["item"]) & (full["子指标"] == first["label"])]
    assert first["best"] == rows.loc[rows["名次"] == 1, "数值"].iloc[0]
    assert first["median"] == rows["中位数"].iloc[0]


def test_appendix_after_a_page_break_folded_on_screen(jiaxian):
    from xinyong.report import UnitReport

    blocks = UnitReport(jiaxian, "dept07").appendix()
    assert 'class="xy-appendix"' in blocks[0].html and "审核附件" in blocks[0].html
    assert all(b.html.startswith('<details class="xy-fold">') for b in blocks[1:])
    css = (ROOT / "lib" / "xinyong" / "report" / "templates" / "report.css").read_text(encoding="utf-8")
    assert re.search(r"\.xy-appendix \{ break-before: page;", css)


def test_word_unit_report_has_the_page_sections_header_and_page_field(jiaxian):
    from docx import Document

    from xinyong.report import UnitReport
    from xinyong.report.unit_docx import unit_docx

    rep = UnitReport(jiaxian, "dept07")
    html = "".join(b.html for b in rep.blocks())
    page = _h2(html) + ["复现信息"]
    doc = Document(io.BytesIO(unit_docx(jiaxian, "dept07")))
    heads = [re.sub(r"^[一二三四五六七八九十]+、", "", p.text) for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert heads == page
    sec = doc.sections[0]
    assert sec.header.paragraphs[0].text == "示例县人力资源和社会保障局 · 郏县县直单位季度考核 · 2022年第二季度"
    assert 'w:instr="PAGE"' in sec.footer._element.xml
    # the verdict is the page's sentences, word for word
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    for line in rep.analysis.verdict():
        assert line.text in text
    everything = text + "\n" + cells
    assert not re.search(r"\d\.\d{3,}", everything), "no number with more than two decimals"
    assert not re.search(r"\b(if|else|and|or|not)\b|==|>=|<=|\*\*", everything), "no Python operators"
    ids = {c for c in jiaxian.scheme.input_catalogue if "_" in c}
    assert not [i for i in ids if re.search(rf"(?<![A-Za-z0-9_]){i}(?![A-Za-z0-9_])", everything)], "no input ids"


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("pdfinfo") is None, reason="needs chromium and poppler")
def test_jiaxian_main_part_prints_on_three_a4_pages(jiaxian, tmp_path):
    """The department's part of a 郏县 unit report (before the 审核附件) prints on at most 3 A4 pages, and
    page 1 carries the verdict and the start of 本单位要做的事."""
    from xinyong.report import UnitReport
    from xinyong.report.exporter import PAGE_CSS
    from xinyong.report.narrative import TEMPLATES
    from xinyong.report.pdf import html_to_pdf
    from xinyong.report.tables import label_tables

    rep = UnitReport(jiaxian, "dept07")
    css = "\n".join((TEMPLATES / f).read_text(encoding="utf-8") for f in PAGE_CSS)
    body = "".join(b.html for b in rep.main())
    page = tmp_path / "main.html"
    page.write_text(f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>{css}</style></head>'
                    f'<body><main class="xy-report">{label_tables(body)}</main></body></html>', encoding="utf-8")
    pdf = html_to_pdf(page, tmp_path / "main.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages <= 3, pages
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "结论" in first and "本单位要做的事" in first
