"""The 通报 (notice of results): its sections in a 通报's order, the 暂列 range computed by hand, the run's
options in its title and 落款, the Word copy's 公文 layout (GB/T 9704) and plain words, and the top index
that shows each period's results.

The 暂列 case is ``tests/fixtures/every_construct.yaml`` (see ``test_words.py``'s table, by hand from
``every_construct_source.txt``): 丙局 has 49 known points and 30 unknown. The rule of a rank under unknown
points: its best rank is the one it has if every unknown point is won (and every other unit's lost), its
worst if none is. With all 30, 丙局 has 79 — below 甲局's 101, above 戊局's 76.5 — so 2nd at best; with none,
49, 4th (乙局, vetoed, is not ranked). 丁局 (64.5, nothing unknown) is 3rd, or 4th if 丙局 wins its 30.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from xinyong.report.load import load_run
from xinyong.report.notice import NoticeOptions, notice, notice_html
from xinyong.report.notice_docx import notice_docx

FIX = Path(__file__).parent / "fixtures"
DEMO = Path(__file__).resolve().parents[1] / "params" / "demo"
OPTIONS = NoticeOptions(issuer="某县信用办", date=dt.date(2023, 1, 10), to="各县直单位", rectify_by=dt.date(2023, 2, 10),
                        number="某信用办〔2023〕2号")


@pytest.fixture(scope="module")
def run():
    return load_run(FIX / "every_construct.yaml", FIX / "every_construct.csv", period="2025")


@pytest.fixture(scope="module")
def q4():
    """郏县县直单位 2022Q4 with the three quarters before it (30 units; 工业和信息化局 last)."""
    d = DEMO / "jiaxian_county_dept"
    return load_run("jiaxian_county_dept", d / "2022Q4.xlsx", period="2022Q4",
                    history=[{"period": p, "data": d / f"{p}.xlsx"} for p in ("2022Q1", "2022Q2", "2022Q3")])


def text_of(html: str) -> str:
    html = re.sub(r"<(style|head)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def docx_text(data: bytes) -> tuple[str, object]:
    import docx

    doc = docx.Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts), doc


# ------------------------------------------------------------------------------------------ sections
def test_sections_in_a_notices_order(run):
    """A 通报: title, 文号, 主送, 一、总体情况, 二、排名, 三、存在问题 (（一）共性 then （二）个性), 四、下一步工作, 落款."""
    page = text_of(notice_html(run, OPTIONS))
    marks = ["关于2025年度", "的通报", "某信用办〔2023〕2号", "各县直单位：", "一、总体情况", "二、排名", "三、存在问题",
             "（一）共性问题", "（二）个性问题", "四、下一步工作", "某县信用办", "2023年1月10日"]
    where = [page.find(m) for m in marks[:-2]] + [page.rfind(m) for m in marks[-2:]]  # 落款: the last words
    assert -1 not in where, dict(zip(marks, where))
    assert where == sorted(where), dict(zip(marks, where))
    words, _ = docx_text(notice_docx(run, OPTIONS))
    wpos = [words.find(m) for m in marks[:-2]] + [words.rfind(m) for m in marks[-2:]]
    assert -1 not in wpos and wpos == sorted(wpos)


def test_the_rank_that_unknown_points_can_move_is_provisional_with_its_range(run):
    """By hand (module docstring): 丙局 暂列 4 (2–4), 丁局 暂列 3 (3–4), 戊局 暂列 2 (2–3); 甲局 1 settled; 乙局,
    vetoed with “不参加排名” [6], 不参加. The range is the analysis's (rank_best/rank_worst), not recomputed."""
    rows = {r.unit: r for r in notice(run).rows}
    assert (rows["bing"].place, rows["bing"].place_range) == ("暂列 4", "（2–4）")
    assert (rows["ding"].place, rows["ding"].place_range) == ("暂列 3", "（3–4）")
    assert (rows["wu"].place, rows["wu"].place_range) == ("暂列 2", "（2–3）")
    assert (rows["jia"].place, rows["jia"].place_range) == ("1", "")
    assert rows["yi"].place == "不参加" and rows["yi"].mark == "（一票否决）"
    # 丙局's grade is 不合格 on what is known, 良好 if it wins its 30: never printed as a plain grade
    assert rows["bing"].grade == "不合格" and not rows["bing"].grade_settled
    page = text_of(notice_html(run))
    assert "暂列 4 （2–4） 丙局 49.00 不合格 （未定）" in page
    words, _ = docx_text(notice_docx(run))
    assert "不合格（未定）" in words and "暂列 4（2–4）" in words


def test_overall_figures_and_thresholds(run):
    """一、总体情况: units, average and median of the units that reported, each grade with its threshold."""
    n = notice(run)
    first, grades = n.overall[0], n.overall[1]
    totals = [101, 91, 49, 64.5, 76.5]
    assert f"平均得分 {sum(totals) / 5:.2f} 分" in first and "中位数 76.50 分" in first
    assert "优秀（" in grades and "分及以上）1 个" in grades and "不合格（" in grades
    assert "丙局的等级暂未确定" in grades and "30.00 分" in grades


def test_individual_problems_name_the_condition_and_the_other_reading(q4):
    """The issue's case: 示例县工业和信息化局 56.71, last, 不合格 four quarters running, and under the other
    reading of 增速 (004 三.1 “得分=7*增速”) 61.00, 合格 — said in words, × not *."""
    n = notice(q4, OPTIONS)
    said = dict(n.individual)["示例县工业和信息化局"]
    assert said.startswith("得 56.71 分，第 30 名（末位），等级为“不合格”")
    assert "已连续 4 个考核期低于合格" in said
    assert "总分为 61.00 分，等级为“合格”" in said and "7×增速" in said and "*" not in said
    # 良好 units whose unknown points could lift them are 良好（未定）, and the top index's facts name them
    unsettled = [r for r in n.rows if not r.grade_settled]
    assert len(unsettled) == 7 and set(n.unsettled) == {r.name for r in unsettled}
    assert n.lowest == "示例县工业和信息化局（56.71 分，不合格）"
    # the common problems are base items lost by many units; 四 names the deadline and the office
    assert n.common[0].startswith("一是“信用贷款规模年增速”") and "29 个单位失分" in n.common[0]
    assert "2023年2月10日前" in n.next_steps[0][1] and "某县信用办" in n.next_steps[0][1]


# ------------------------------------------------------------------------------------------ options
def test_options_reach_the_title_and_the_signature(q4):
    n = notice(q4, OPTIONS)
    assert n.title == "关于2022年第四季度郏县县直单位季度考核结果的通报"
    assert (n.number, n.to, n.issuer, n.date) == ("某信用办〔2023〕2号", "各县直单位", "某县信用办", "2023年1月10日")
    plain = notice(q4, today=dt.date(2023, 3, 1))  # the defaults: the scheme's office, today, a 文号 to fill in
    assert plain.issuer == "郏县社会信用体系建设领导小组办公室" and plain.date == "2023年3月1日"
    assert plain.number == "郏信用办〔　　〕号" and plain.to == "各参评单位"
    assert "下一考核期数据报送前" in plain.next_steps[0][1]


def test_params_file_block_and_command_line_options(tmp_path):
    from xinyong.batch.params import load_params
    from xinyong.cli_util import notice_options
    from xinyong.errors import XinyongError

    pf = tmp_path / "p.yaml"
    pf.write_text("notice: {issuer: 甲办, date: 2023-01-10, rectify_by: 2023年2月10日}\n"
                  "runs:\n- {scheme: mini, period: '2019', data: d.xlsx}\n"
                  "- {scheme: mini, period: '2020', data: d.xlsx, notice: {issuer: 乙办}}\n", encoding="utf-8")
    a, b = (r["notice"] for r in load_params(pf))
    assert (a.issuer, a.date, a.rectify_by) == ("甲办", dt.date(2023, 1, 10), dt.date(2023, 2, 10))
    assert (b.issuer, b.date) == ("乙办", dt.date(2023, 1, 10))  # a run's block overrides key by key
    cli = notice_options("丙办", None, None, "2023-03-01", None)
    assert cli.over(a) == NoticeOptions(issuer="丙办", date=dt.date(2023, 1, 10), rectify_by=dt.date(2023, 3, 1))
    with pytest.raises(XinyongError, match="rectify_by（整改期限） 应为日期"):
        notice_options(None, None, None, "下月底", None)
    pf.write_text("notice: {issuer: 甲办, sender: x}\nruns: []\n", encoding="utf-8")
    with pytest.raises(XinyongError, match="未知的键：sender"):
        load_params(pf)


# ------------------------------------------------------------------------------------------ Word
def test_word_copy_is_a_plain_gbt9704_document(q4, run):
    """GB/T 9704: A4, margins 37/35/28/26 mm, 仿宋 三号 body, a page number field in the footer; real
    paragraphs and a real table; no Python operators, no input ids, no number with more than two decimals."""
    from docx.shared import Pt

    for r in (q4, run):
        words, doc = docx_text(notice_docx(r, OPTIONS))
        sec = doc.sections[0]
        assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
        assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == \
            [37, 35, 28, 26]
        assert doc.styles["Normal"].font.size == Pt(16) and "仿宋" in doc.styles["Normal"].font.name
        footer = sec.footer.paragraphs[0]
        assert 'w:instr="PAGE"' in footer._p.xml and footer.text.startswith("—")
        assert len(doc.tables) == 1 and len(doc.tables[0].rows) == len(r.result.units) + 1
        assert not re.search(r"==|!=|>=|<=|\*|\bif\b|\belse\b|\band\b|\bor\b|→", words), words
        ids = sorted(r.scheme.input_catalogue, key=len, reverse=True)
        assert not re.search(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, ids)) + r")(?![A-Za-z0-9_])", words)
        assert not re.findall(r"\d+\.\d{3,}", words)
        assert not re.search(r"\b" + re.escape(r.scheme.id) + r"\.", words)  # no item ids either


# ------------------------------------------------------------------------------------------ top index
def test_top_index_shows_each_periods_results(tmp_path, q4):
    """Per scheme × period: the 通报 (HTML, Word, PDF), the lowest unit, vetoed units, units 未定; the
    batch status (报告正常 / 失败 / 最近更新) on the analysts' run index it links to."""
    from xinyong.batch import outputs

    run_dir = tmp_path / "jiaxian_county_dept" / "2022Q4"
    run_dir.mkdir(parents=True)
    n = notice(q4)
    (run_dir / "brief.html").write_text(notice_html(q4), encoding="utf-8")
    summary = {"scheme": "jiaxian_county_dept", "scheme_title": "县直单位考核", "period": "2022Q4", "units": [],
               "updated": "2023-01-10T09:30:00",
               "overview": {"status": "ok", "html": "overview.html", "brief_docx": "brief.docx", "brief_pdf": "brief.pdf",
                            "notice": n.facts()}}
    (run_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    outputs.write_top_pages(tmp_path)
    top = (tmp_path / "index.html").read_text(encoding="utf-8")
    for href in ("jiaxian_county_dept/2022Q4/brief.html", "jiaxian_county_dept/2022Q4/brief.docx",
                 "jiaxian_county_dept/2022Q4/brief.pdf", "runs.html"):
        assert f'href="{href}"' in top, href
    assert "示例县工业和信息化局（56.71 分，不合格）" in top and "7 个：示例县医疗保障局" in top
    assert "报告正常" not in top and "最近更新" not in top
    runs = (tmp_path / "runs.html").read_text(encoding="utf-8")
    assert "报告正常" in runs and "最近更新" in runs and "2023-01-10 09:30" in runs


def test_a_page_records_its_options():
    """A batch writes the 通报 again when its options change, even if no score did: the page says which
    options made it."""
    from xinyong.report.notice import options_key, recorded_key

    run = load_run(FIX / "every_construct.yaml", FIX / "every_construct.csv", period="2025")
    assert recorded_key(notice_html(run, OPTIONS)) == options_key(OPTIONS) != options_key(None)
    assert recorded_key(notice_html(run)) == options_key(NoticeOptions())
    assert recorded_key("<html></html>") is None


# ------------------------------------------------------------------------------------------ commands
@pytest.mark.slow
def test_overview_command_writes_the_notice_with_its_options(tmp_path):
    """`xinyong overview … --format html,docx --issuer … --date … --rectify-by … --to … --number …`."""
    from xinyong.cli import main

    data = DEMO / "quzhou" / "2019.xlsx"
    assert main(["overview", "quzhou", "--period", "2019", "--data", str(data), "--out", str(tmp_path),
                 "--format", "html,docx", "--issuer", "衢州市信用办", "--date", "2020-01-15",
                 "--rectify-by", "2020-02-28", "--to", "各县（市、区）信用办", "--number", "衢信用办〔2020〕1号"]) == 0
    page = text_of((tmp_path / "quzhou_2019_brief.html").read_text(encoding="utf-8"))
    words, _ = docx_text((tmp_path / "quzhou_2019_brief.docx").read_bytes())
    for said in (page, words):
        assert "关于2019年度衢州示范城市创建硬指标考核结果的通报" in said and "衢信用办〔2020〕1号" in said
        assert "各县（市、区）信用办：" in said and "2020年2月28日前" in said
        assert re.search(r"衢州市信用办\s+2020年1月15日", said)  # 落款: the office, the date under it
    assert main(["overview", "quzhou", "--period", "2019", "--data", str(data), "--out", str(tmp_path),
                 "--date", "明天"]) != 0  # a bad date is a located Chinese error, not a traceback


@pytest.mark.slow
def test_batch_writes_the_notice_again_when_only_its_options_change(tmp_path):
    from conftest import MINI
    from test_roster import workbook
    from xinyong.batch import run_batch
    from xinyong.scheme import load_scheme

    data = workbook(load_scheme(MINI), tmp_path / "data" / "2019.xlsx")
    out = tmp_path / "out"
    run_batch(MINI, "2019", data, out, jobs=1, progress=False)
    brief = out / "mini" / "2019" / "brief.html"
    assert "（发文机关）" in brief.read_text(encoding="utf-8")  # the mini scheme names no office: a blank to fill in
    again = run_batch(MINI, "2019", data, out, jobs=1, progress=False, notice=NoticeOptions(issuer="测试办"))
    assert again.counts["ok"] == 0  # no report rendered again …
    assert "测试办" in brief.read_text(encoding="utf-8")  # … but the 通报 says who issues it now
    assert again.overview["notice"]["lowest"]


def test_each_unit_is_named_once_among_the_individual_problems():
    """000 (wangyi): both units fail a 认定条件 and the scheme has no grades; the last of them is named once,
    for its failed condition — not a second time as the 末位."""
    run = load_run("wangyi", DEMO / "wangyi" / "2020.xlsx", period="2020")
    names = [n for n, _ in notice(run).individual]
    assert sorted(names) == sorted(run.result.units["unit_name"]) and len(names) == len(set(names))
    assert all("未满足认定条件" in t for _, t in notice(run).individual)
