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
    """004 names one 责任单位 for every item (“县社会信用体系建设领导小组各成员单位及有关单位”): said once above the
    table, not in each row. It names no 时限 anywhere: no 时限 column and no “时限：方案未写明” line either."""
    from xinyong.report import UnitReport

    html = UnitReport(jiaxian, "dept07").action_list().html
    who = "县社会信用体系建设领导小组各成员单位及有关单位"
    assert html.count(who) == 1 and f"责任单位：{who}。" in html
    assert "时限" not in html and "方案未写明" not in html
    table = html[html.index("<table"):]
    assert "<th>责任单位</th>" not in table
    # the 审核附件's item table says it once too, not in each of its rows
    items = UnitReport(jiaxian, "dept07").item_table().html
    assert items.count(who) == 1 and "<th class=\"c-who\">" not in items


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
    assert re.search(r"<w:instrText[^>]*>\s*PAGE\s*<", sec.footer._element.xml), "a PAGE field numbers the pages"
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


# ------------------------------------------------------------------ every construct, read as a department would
FIX = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="module")
def every():
    from xinyong.report import load_run

    return load_run(FIX / "every_construct.yaml", FIX / "every_construct.csv", period="2025")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_failed_veto_comes_first_in_what_to_do(every):
    """every_construct_source.txt [6] “考核期内发生重大失信事件的，实行一票否决…考核等次定为不合格，不参加排名”:
    乙局 had 1. No number of points undoes that, so 本单位要做的事 starts with the condition (“一票否决”, not
    points) and says the points below do not change this period's result; the headline says 一票否决."""
    from docx import Document

    from xinyong.report import UnitReport
    from xinyong.report.unit_docx import unit_docx

    rep = UnitReport(every, "yi")
    t = rep.analysis.todo()
    first = t.rows.iloc[0]
    assert first["stake"] == "一票否决" and first["to_win"] is None
    assert first["action"] == "达到“考核期内没有重大失信事件”" and "重大失信事件数 1起" in first["facts"]
    assert (t.rows["stake"].iloc[1:] == "").all() and t.rows["to_win"].iloc[1:].notna().all()
    assert "不改变本期的否决结果" in t.vetoed and "等级定为“不合格”，不参加排名" in t.vetoed
    html = _text(rep.action_list().html)
    assert "1 达到“考核期内没有重大失信事件”" in html and t.vetoed in html
    assert re.search(r"<p class=\"xy-headline\">.*一票否决.*不参加排名", rep.summary().html, re.S)
    # the conditions' table is in the 审核附件 only: the verdict and the first action already say the failure
    main = "".join(b.html for b in rep.main())
    assert "xy-gates" not in main and any("xy-gates" in b.html for b in rep.appendix())
    doc = Document(io.BytesIO(unit_docx(every, "yi")))
    cells = [[c.text for c in r.cells] for tb in doc.tables for r in tb.rows]
    assert ["1", "达到“考核期内没有重大失信事件”", first["facts"], "一票否决"] in cells
    assert t.vetoed in "\n".join(p.text for p in doc.paragraphs)


def test_a_unit_that_passed_every_gate_has_no_gate_row(every):
    from xinyong.report import UnitReport

    t = UnitReport(every, "jia").analysis.todo()
    assert (t.rows["stake"] == "").all() and t.vetoed == ""
    assert "一票否决" not in UnitReport(every, "jia").summary().html.split("</p>")[0]


def test_an_assessors_reason_is_kept_whole_beside_the_action(every):
    """[19] “根据工作开展情况酌情计分”: 丁局's assessor wrote “按期完成”. The action's 本期情况 keeps the reason
    (a reason starting “按” once read as the start of a formula and was cut to “理由”)."""
    t = every_todo(every, "ding")
    facts = t.rows.set_index("item").at["every_construct.4.1", "facts"]
    assert facts == "评审赋分 16.00 分（满分 20 分），理由：按期完成"


def every_todo(run, unit):
    from xinyong.report.analysis import UnitAnalysis

    return UnitAnalysis(run, unit).todo()


def test_a_scheme_that_asks_no_evidence_says_so(every):
    """The test scheme names no evidence, no 责任单位 and no 时限: the page says “方案没有要求佐证材料” (never
    “均已登记”), and shows no column that would read “方案未写明” in every row."""
    from xinyong.report import UnitReport

    rep = UnitReport(every, "jia")
    t = rep.analysis.todo()
    assert t.columns == () and t.same == {}
    main = "".join(b.html for b in rep.main())
    assert "方案未写明" not in main and "均已登记" not in main and "方案没有要求佐证材料" in main
    ev = rep.evidence_table().html
    assert "方案没有要求佐证材料" in ev and "<table" not in ev and "方案未写明" not in ev
    items = rep.item_table().html
    assert "c-who" not in items  # no 责任单位 column: the scheme names none
    gates = rep.gates().html
    assert "<th>责任单位</th>" not in gates


def test_losses_note_a_shared_cap_whatever_is_unknown(every):
    """[13] “本部分最高不超过30分”: 丙局's 信用核查 and 联合奖惩 lose 6 + 9 = 15 but 信用应用 can rise only
    from 20 to 30. Its 30 unknown points (数据归集, 工作成效) are not lost and must not hide that the losses
    add up to more than can be won back (28 listed, 23 recoverable)."""
    from xinyong.report.analysis import UnitAnalysis

    lost, total, shared = UnitAnalysis(every, "bing").losses()
    assert total == pytest.approx(28) and shared


def test_a_loss_under_a_floor_says_why(every):
    """[16] “本部分扣完为止”: 丁局's 政务失信 is 20 − 24 = −4, counted 0, so full marks would add 20, not 24;
    the losses table says so beside the item."""
    from xinyong.report import UnitReport

    rep = UnitReport(every, "ding")
    lost, _, _ = rep.analysis.losses()
    row = lost.set_index("item").loc["every_construct.3.1"]
    assert row["lost"] == pytest.approx(20) and row["points"] == pytest.approx(-4)
    assert row["why"] == "本部分扣完为止，已按 0 分计"
    assert "政务失信（本部分扣完为止，已按0分计）" in _text(rep.losses().html).replace(" ", "")


def test_a_section_with_every_point_unknown_is_not_zero(every):
    """丙局's 综合评价 is one judgement item still to review: its heading row says 未知, never “得分 0.00 / 20”."""
    from docx import Document

    from xinyong.report import UnitReport
    from xinyong.report.unit_docx import unit_docx

    html = _text(UnitReport(every, "bing").item_table().html)
    assert "综合评价 — 得分未知（满分 20" in html and "综合评价 — 得分 0.00" not in html
    doc = Document(io.BytesIO(unit_docx(every, "bing")))
    rows = [[c.text for c in r.cells] for tb in doc.tables for r in tb.rows]
    assert any(r[1].endswith("综合评价") and r[3] == "未知" for r in rows if len(r) >= 4)


def test_a_rank_still_open_moves_as_暂列():
    """示例县安乐镇 2022年第二季度 has 45 points unknown: 暂列第 15 名 (1–15). Against last quarter's 4th the
    verdict says 暂列名次下降 11 位, not a settled fall."""
    from xinyong.report import load_run
    from xinyong.report.analysis import UnitAnalysis

    d = DEMO / "jiaxian_township"
    run = load_run("jiaxian_township", d / "2022Q2.xlsx", period="2022Q2",
                   history=[{"period": "2022Q1", "data": str(d / "2022Q1.xlsx")}])
    a = UnitAnalysis(run, "town04")
    st = a.standing()
    assert not st.rank_settled
    change = next(v.text for v in a.verdict() if v.key == "change")
    assert "暂列名次下降" in change and "，名次下降" not in change


def test_a_reading_not_scored_otherwise_is_not_an_unknown_total(jiaxian):
    """004's readings on “计数类条目统计的是本季度内的数量还是累计” change only what is filled in, not a rule:
    no total is computed for their other option. The 审核附件 says “未另行计算” and why — never “未知”, which
    on this page means points still to come."""
    from xinyong.report import UnitReport

    rep = UnitReport(jiaxian, "dept07")
    _, options = rep.analysis.readings()
    assert options["total"].isna().any()
    html = rep.readings_and_defects().html
    cells = re.findall(r'<td class="num">(.*?)</td>', html.split("有歧义的条款")[1], re.S)
    assert cells and not [c for c in cells if c.startswith("未知")]
    assert html.count("未另行计算") == int(options["total"].isna().sum()) + 1  # each cell, and the note once


def test_word_opens_with_the_pages_headline(every):
    """A leader reading the Word file sees what the page's headline shows, first: score, 一票否决, grade, rank."""
    from docx import Document

    from xinyong.report.unit_docx import unit_docx

    paras = [p.text for p in Document(io.BytesIO(unit_docx(every, "yi"))).paragraphs if p.text.strip()]
    assert paras[3] == "91.00 分 / 满分 105 · 一票否决 · 不合格 · 不参加排名"
    paras = [p.text for p in Document(io.BytesIO(unit_docx(every, "bing"))).paragraphs if p.text.strip()]
    assert paras[3] == "49.00 分 / 满分 105 · 不合格（未定） · 暂列第 4 名（第 2–4 名）"


def test_a_failed_recognition_is_in_the_headline_of_a_scheme_without_grades():
    """王益区 “省级信用建设示范县和示范园区认定条件” 2. “第三方综合评分达到85分以上”: 示例市经济技术开发区 has
    45.5. The scheme has no grades to carry it, so the headline says 未通过认定, and 本单位要做的事 starts
    with the condition."""
    from xinyong.report import UnitReport, load_run

    run = load_run("wangyi", DEMO / "wangyi" / "2020.xlsx", period="2020")
    rep = UnitReport(run, "devzone")
    assert rep.analysis.headline_marks() == ["未通过认定"]
    head = rep.summary().html.split("</p>")[0]
    assert "未通过认定" in head and "一票否决" not in head
    first = rep.analysis.todo().rows.iloc[0]
    assert first["stake"] == "认定条件" and first["action"] == "达到“综合评分达到85分以上”"


def test_the_scheme_files_field_names_and_codes_are_not_on_the_page(linyi):
    """003's reading D1 (“子指标没有标明方向”) was written for the scheme's author: its option names the file's
    field (“（meta.sub_metrics.direction）”) and its reason the coded directions (“记为 lower”, “（none）”).
    A reader sees the option's words and the direction as the comparison table heads it."""
    from xinyong.report import UnitReport
    from xinyong.report.narrative import in_words

    say = in_words(linyi.scheme)
    assert say("按指标含义确定方向（meta.sub_metrics.direction）") == "按指标含义确定方向"
    assert say("不单独计分；记录在 meta.target 中。") == "不单独计分；记录在方案文件中。"
    html = UnitReport(linyi, "county05").readings_and_defects().html
    assert "meta." not in html and not re.search(r"记为\s*(lower|higher)|（none）", html)
    assert "记为“越低越好”" in html and "记为“越高越好”" in html
