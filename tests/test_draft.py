"""``xinyong new ID --from 细则.docx|.txt|.xlsx``: a draft scheme from the office's own document.

The wording → rule guesses each mimic a real clause of docs/seeds (cited by file and line); the
quotes of every draft are on their lines of the source text written beside it; the three readers; the
command line; and the worked example of docs/SCHEMES.md (“从办法原文起草”), built as a Word file here.
"""
from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pytest
import yaml
from conftest import SEEDS

import xinyong
from xinyong.cli import main
from xinyong.errors import SchemeError
from xinyong.scheme.document import read_document
from xinyong.scheme.draft import draft_scheme
from xinyong.scheme.new import write_draft


def one_item(*clause_lines: str, heading: str = "（一）基础工作（20分）"):
    d = draft_scheme([heading, *clause_lines], "t")
    assert len(d.items) == 1, [it.quote for it in d.items]
    return d.items[0]


# --- wording → rule ------------------------------------------------------------------------------

def test_per_event_deduction_with_a_most():
    """004 line 62: “按时按要求报送的得 7.5 分, 有迟报、错报的每条扣 0.5 分, 最高扣 7.5 分。”"""
    it = one_item("1．信用信息报送。按时按要求报送的得 7.5 分, 有迟报、错报的每条扣 0.5 分, 最高扣 7.5 分。")
    assert (it.kind, it.points) == ("deduction", 7.5)
    assert it.params == {"amount": "item_1_1_count", "per": 0.5, "max_deduction": 7.5}
    assert it.inputs[0].unit == "条" and "迟报、错报" in it.inputs[0].label
    assert any("每条扣0.5分" in n for n in it.notes)


def test_per_event_points_with_a_most():
    """004 line 68: “举办推介会、对接会等宣传活动，每次得1分，最多得5分”."""
    it = one_item("2．银企对接。举办推介会、对接会等宣传活动，每次得1分，最多得5分")
    assert (it.kind, it.points) == ("count_factor", 5)
    assert it.params == {"input": "item_1_1_count", "factor": 1, "cap": 5} and it.inputs[0].unit == "次"


def test_per_event_points_with_a_total():
    """004 line 107: “每覆盖一项得2分，共14分。” (共X分 is the cap)."""
    it = one_item("3．信用应用领域。每覆盖一项得2分，共14分。")
    assert (it.kind, it.points, it.params["factor"], it.params["cap"]) == ("count_factor", 14, 2, 14)
    assert it.inputs[0].unit == "项"


def test_judgement_from_zhuoqing():
    """001 line 82: “2)用于干部考核、任用和奖惩的酌情计分,最高得1分。”"""
    it = one_item("2)用于干部考核、任用和奖惩的酌情计分,最高得1分。")
    assert (it.kind, it.points, it.inputs) == ("judgement", 1, [])


def test_yes_no_threshold_from_not_done():
    """004 line 70: “出台的得2分，未制定的不得分。”"""
    it = one_item("制定信用产品应用实施办法。出台的得2分，未制定的不得分。")
    assert (it.kind, it.points) == ("threshold", 2)
    assert it.params == {"input": "item_1_1_done", "op": ">=", "value": 1, "points": 2}
    assert it.inputs[0].type == "bool"


@pytest.mark.parametrize("clause, value, unit", [
    # 000 lines 140, 32 and 50
    ("报送信息符合数据规范的比率达到80%（1分）", 80, "%"),
    ("信用建设牵头部门有2名以上专职人员负责信用工作（1分）。", 2, "名"),
    ("至少召开一次领导小组会议（0.5分）。", 1, "次"),
])
def test_at_least_is_a_threshold(clause, value, unit):
    it = one_item(clause)
    assert it.kind == "threshold" and it.params["op"] == ">=" and it.params["value"] == value
    assert it.inputs[0].type == ("percent" if unit == "%" else "integer") and it.inputs[0].unit == unit


def test_parts_added_up():
    """001 line 495: “有考核通知文件的,得0.5分;有考核结果文件的,得0.5分。” → two yes/no parts."""
    it = one_item("2)对辖区内各部门社会信用体系建设工作进行督查考核,有考核通知文件的,得0.5分;有考核结果文件的,得0.5分。")
    assert (it.kind, it.points) == ("capped_sum", 1)
    assert [p["expr"] for p in it.params["parts"]] == ["0.5 * item_1_1_part1", "0.5 * item_1_1_part2"]


def test_a_rule_it_cannot_read_is_judgement_and_says_so():
    """The tutorial's line 12 (a formula): “得分=已实施信用承诺的审批事项数/审批事项总数×25。”"""
    it = one_item("3．信用承诺（25分）。得分=已实施信用承诺的审批事项数/审批事项总数×25。")
    assert (it.kind, it.points) == ("judgement", 25)
    assert any("未能从措辞判断" in n for n in it.notes)


def test_section_cap_and_floor():
    """The tutorial's section headings (the seeds have no 扣完为止): “（二）信用应用（40分，本部分最高不超过40分）”,
    “（三）政务诚信（20分，本部分扣完为止）”."""
    d = draft_scheme(["（二）信用应用（40分，本部分最高不超过40分）", "每开展一次信用核查得1分，最高20分。",
                      "（三）政务诚信（20分，本部分扣完为止）", "每发生一起政务失信事件扣10分。"], "t")
    capped, floored = d.sections
    assert (capped.points, capped.cap_max, capped.cap_min) == (40, 40, None)
    assert (floored.points, floored.cap_max, floored.cap_min) == (20, None, 0)
    assert floored.items[0].kind == "deduction" and floored.items[0].inputs[0].unit == "起"


def test_veto_is_a_gate_on_a_yes_no_input():
    """002 line 4: “基础性指标共10项，要求必须完成，有一项未完成的则一票否决”."""
    line = "（硬指标分为基础性指标和引导性指标，基础性指标共10项，要求必须完成，有一项未完成的则一票否决；引导性指标按完成情况得分）"
    d = draft_scheme([line, "1．信用核查。每开展一次信用核查得1分，最高20分。"], "t")
    (gate,) = d.gates
    assert gate.line == 1 and gate.quote == line and gate.input.type == "bool"
    assert [it.line for it in d.items] == [2]  # the veto clause is not also an item


def test_veto_consequence_from_the_clause():
    """The tutorial's line 6: “实行一票否决，考核等次定为不合格，不参加排名。”; 004 line 41 names the bands."""
    from xinyong.scheme.draft import veto_consequence

    clause = "考核期内本单位发生政务失信事件且未整改到位的，实行一票否决，考核等次定为不合格，不参加排名。"
    assert veto_consequence(clause, ["优秀", "良好", "合格", "不合格"]) == {"grade": "不合格", "exclude_from_ranking": True}
    assert veto_consequence(clause, []) == {"exclude_from_ranking": True}  # no grades drafted: no band to name
    assert veto_consequence("有一项未完成的则一票否决，考核得分计0分", []) == {"total": 0}


def test_bonus_with_a_ceiling():
    """004 line 91: “七 | 工作创新 (附加分) | 5 | …每次得1分，满分5分。” and a scheme-wide “附加分最高5分”."""
    d = draft_scheme(["考核满分100分，另设附加分，附加分最高5分。",
                      "七\t工作创新 (附加分)\t5\t在社会信用体系建设工作中取得重要创新、突破进展得到省、市有关部门推广或在市级以上媒体"
                      "被宣传报道，每次得1分，满分5分。\t\t文件资料"], "t")
    (sec,) = d.sections
    assert sec.bonus and sec.points == 5 and d.bonus_cap.value == 5 and d.total.value == 100
    (it,) = sec.items
    assert it.bonus and (it.kind, it.points, it.params["factor"]) == ("count_factor", 5, 1)


def test_table_points_column_and_serial_number():
    """004 line 60 (序号 | 考核指标 | 分值 | …) and 003 line 72 (类别 | 分值 | 内容 | 指标): the 分值 column."""
    d4 = draft_scheme(["序号\t考核指标\t分值\t考核内容\t评分标准", "一\t领导机制建设\t5",
                       "1\t组织建设情况\t5\t明确分管社会信用体系建设工作单位领导。\t成立的得 5 分; 缺一项扣 1 分, 未成立的不得分。"], "t")
    assert [(s.name, s.points) for s in d4.sections] == [("领导机制建设", 5)]
    assert (d4.items[0].name, d4.items[0].points, d4.items[0].quote[:6]) == ("组织建设情况", 5, "成立的得 5")
    d3 = draft_scheme(["类别\t分值\t内容\t指标", "一、守信激励和失信治理 (85分)\t6\t重大诚信案例确认与弘扬\t突出诚信人物、优秀诚信企业数量"], "t")
    assert d3.sections[0].points == 85 and (d3.items[0].points, d3.items[0].kind) == (6, "judgement")


def test_grades_and_total():
    """004 line 41: “考核得分 90 分以上（含本数，下同）为优秀，80 分以上 90 分以下…，60 分以下为不合格。”"""
    d = draft_scheme(["按照考核工作指标逐项细化评分，满分为100分。",
                      "考核得分 90 分以上（含本数，下同）为优秀，80 分以上 90 分以下（不含本数，下同）为良好，"
                      "60 分以上 80 分以下为合格，60 分以下为不合格。", "（一）信用核查（20分）", "每开展一次信用核查得1分，最高20分。"], "t")
    assert d.total.value == 100 and d.total.quote == "满分为100分"
    assert d.grades == [("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", None)]


# --- lines and quotes ----------------------------------------------------------------------------

def quotes(scheme):
    out = [(scheme.source.line, scheme.source.quote)]
    out += [(s.source.line, s.source.quote) for s in scheme.walk_sections() if s.source]
    out += [(it.source.line, it.source.quote) for it in scheme.walk_items()]
    out += [(g.source.line, g.source.quote) for g in scheme.gates]
    out += [(c.source.line, c.source.quote) for g in scheme.gates for c in g.conditions]
    return out


@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("0*.txt")))
def test_every_quote_is_on_its_line_of_the_written_source(seed, tmp_path):
    out, source, draft = write_draft("d", SEEDS / seed, tmp_path / "d.yaml")
    assert source.name == "d.source.txt" and draft.items
    lines = source.read_text(encoding="utf-8").splitlines()
    assert lines == (SEEDS / seed).read_text(encoding="utf-8").splitlines()  # a text is kept line for line
    scheme = xinyong.load_scheme(out)
    for line, quote in quotes(scheme):
        assert quote in lines[line - 1], (line, quote)
    assert main(["check", str(out)]) == 0


# --- readers -------------------------------------------------------------------------------------

def test_docx_reader_keeps_order_and_writes_a_row_per_line(tmp_path):
    d = docx.Document()
    d.add_paragraph("某县考核细则")
    t = d.add_table(rows=2, cols=3)
    t.cell(0, 0).merge(t.cell(0, 1)).text = "一 信息归集"  # a merged cell comes back twice from python-docx
    t.cell(0, 2).text = "30"
    for k, text in enumerate(["1", "报送\n（分两段）", "每条扣1分"]):
        t.cell(1, k).text = text
    d.add_paragraph("附则")
    d.save(tmp_path / "x.docx")
    assert read_document(tmp_path / "x.docx") == ["某县考核细则", "一 信息归集\t30", "1\t报送 （分两段）\t每条扣1分", "附则"]


def test_docx_first_column_merged_down_is_the_section(tmp_path):
    """The other common Word layout: 一级指标 merged down its rows (“信息归集（40分）”, or a bare name)."""
    d = docx.Document()
    t = d.add_table(rows=5, cols=4)
    rows = [("一级指标", "二级指标", "分值", "评分标准"),
            ("", "双公示报送", "20", "迟报、错报的每条扣1分，最高扣10分。"),
            ("", "信用核查", "20", "每开展一次信用核查得2分，最高20分。"),
            ("", "信用承诺", "30", "制定信用承诺制度的得30分，未制定的不得分。"),
            ("", "工作成效", "30", "根据工作开展情况酌情计分。")]
    for r, row in enumerate(rows):
        for k, text in enumerate(row):
            t.cell(r, k).text = text
    t.cell(1, 0).merge(t.cell(2, 0)).text = "信息归集（40分）"
    t.cell(3, 0).merge(t.cell(4, 0)).text = "信用应用"
    d.save(tmp_path / "x.docx")
    lines = read_document(tmp_path / "x.docx")
    assert lines[1:3] == ["信息归集（40分）\t双公示报送\t20\t迟报、错报的每条扣1分，最高扣10分。",
                          "\t信用核查\t20\t每开展一次信用核查得2分，最高20分。"]  # the merged cell once
    draft = draft_scheme(lines, "t")
    assert [(s.name, s.points, [it.name for it in s.items]) for s in draft.sections] == [
        ("信息归集", 40, ["双公示报送", "信用核查"]), ("信用应用", None, ["信用承诺", "工作成效"])]
    assert [it.points for it in draft.items] == [20, 20, 30, 30]  # equal 分值 in two rows are both kept


def test_text_reader_utf8_bom_and_gbk(tmp_path):
    text = "（一）信用核查（20分）\n每开展一次信用核查得1分，最高20分。\n"
    (tmp_path / "u.txt").write_bytes(text.encode("utf-8-sig"))
    (tmp_path / "g.txt").write_bytes(text.encode("gbk"))
    want = text.splitlines()
    assert read_document(tmp_path / "u.txt") == want and read_document(tmp_path / "g.txt") == want


def test_xlsx_reader(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "考核指标", "分值", "评分标准"])
    ws.append([1, "信用核查", 20, "每开展一次信用核查得1分，\n最高20分。"])
    ws.append([None, None, None, None])
    ws.append([2, "工作成效", 7.5, "酌情计分"])
    wb.save(tmp_path / "x.xlsx")
    lines = read_document(tmp_path / "x.xlsx")
    assert lines == ["序号\t考核指标\t分值\t评分标准", "1\t信用核查\t20\t每开展一次信用核查得1分， 最高20分。", "2\t工作成效\t7.5\t酌情计分"]
    d = draft_scheme(lines, "t")
    assert [(it.points, it.kind) for it in d.items] == [(20, "count_factor"), (7.5, "judgement")]


def test_unreadable_documents_are_said_in_chinese(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(SchemeError, match="另存为 .docx 或 .txt"):
        read_document(tmp_path / "x.pdf")
    (tmp_path / "x.docx").write_bytes(b"not a zip")
    with pytest.raises(SchemeError, match="读取“x.docx”失败"):
        read_document(tmp_path / "x.docx")


# --- the command ---------------------------------------------------------------------------------

def test_new_from_refuses_an_existing_file_unless_forced(tmp_path, capsys):
    doc = tmp_path / "细则.txt"
    doc.write_text("（一）信用核查（20分）\n每开展一次信用核查得1分，最高20分。\n", encoding="gbk")
    out = tmp_path / "x.yaml"
    assert main(["new", "x", "--from", str(doc), "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert "已起草" in said and "待确认" in said
    text = out.read_text(encoding="utf-8")
    assert "# 待确认：按次得分（count_factor）" in text and (tmp_path / "x.source.txt").is_file()
    assert main(["new", "x", "--from", str(doc), "-o", str(out)]) == 2
    assert "文件已存在" in capsys.readouterr().err
    assert main(["new", "x", "--from", str(doc), "-o", str(out), "--force"]) == 0


def test_new_from_a_text_without_clauses(tmp_path, capsys):
    doc = tmp_path / "通知.txt"
    doc.write_text("关于做好信用工作的通知\n请各单位认真落实。\n", encoding="utf-8")
    assert main(["new", "x", "--from", str(doc), "-o", str(tmp_path / "x.yaml")]) == 2
    assert "没有找到评分条款" in capsys.readouterr().err and not (tmp_path / "x.yaml").exists()


# --- the worked example of docs/SCHEMES.md -------------------------------------------------------

ROWS = [  # 序号, 考核指标, 分值, 评分标准
    ("一", "信息归集", "40", ""),
    ("1", "“双公示”信息报送", "20", "按时报送的得20分，迟报、错报的每条扣1分，最高扣10分。"),
    ("2", "信用核查", "20", "每开展一次信用核查得2分，最高20分。"),
    ("二", "信用应用", "60", ""),
    ("3", "信用承诺制度", "30", "制定信用承诺制度的得30分，未制定的不得分。"),
    ("4", "工作成效", "30", "根据工作开展情况酌情计分。"),
    ("三", "附加分", "", ""),
    ("5", "工作创新", "", "工作经验获市级以上推广的，每项加1分，最高加5分。"),
    ("6", "一票否决", "", "考核期内发生重大政务失信事件的，实行一票否决。"),
]


def demo_docx(path):
    d = docx.Document()
    d.add_paragraph("示例县2025年度社会信用体系建设工作考核细则")
    d.add_paragraph("考核满分100分，另设附加分，附加分最高5分。")
    d.add_paragraph("考核得分90分以上为优秀，75分以上90分以下为良好，60分以上75分以下为合格，60分以下为不合格。")
    t = d.add_table(rows=1, cols=4)
    for k, name in enumerate(["序号", "考核指标", "分值", "评分标准"]):
        t.rows[0].cells[k].text = name
    for row in ROWS:
        cells = t.add_row().cells
        for k, text in enumerate(row):
            cells[k].text = text
    d.save(path)
    return path


UNITS = """unit_id,unit_name,unit_kind,item_1_1_count,item_1_2_count,item_2_1_done,item_3_1_count,veto_1_clear,judge:demo.2.2,why:demo.2.2
jia,甲局,县直单位,3,8,是,2,是,25,成效明显
yi,乙局,县直单位,0,12,否,7,否,20,一般
"""


@pytest.fixture()
def demo(tmp_path):
    y = tmp_path / "demo.yaml"
    assert main(["new", "demo", "--from", str(demo_docx(tmp_path / "细则.docx")), "-o", str(y)]) == 0
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    return y


def test_worked_example_drafts_checks_and_scores(demo, capsys):
    raw = yaml.safe_load(demo.read_text(encoding="utf-8"))
    items = {it["id"]: it for sec in raw["sections"] for it in sec["items"]}
    assert {k: (v["max_points"], v["rule"]["kind"]) for k, v in items.items()} == {
        "demo.1.1": (20, "deduction"), "demo.1.2": (20, "count_factor"),
        "demo.2.1": (30, "threshold"), "demo.2.2": (30, "judgement"), "demo.3.1": (5, "count_factor")}
    assert items["demo.3.1"]["bonus"] and raw["bonus_cap"]["max"] == 5 and raw["gates"][0]["kind"] == "veto"
    capsys.readouterr()
    assert main(["check", str(demo)]) == 0
    flat = "".join(capsys.readouterr().out.split())  # folded at the terminal's width or not
    # the quotes are on their lines, the totals add up; the veto's text says nothing of the ranking
    assert "1项发现" in flat and "[ranking_default]demo.veto_1" in flat and "按默认处理，被否决的单位不参加排名" in flat
    assert main(["template", str(demo), "-o", str(demo.parent / "2025.xlsx"), "--period", "2025"]) == 0
    assert main(["validate", str(demo), str(demo.parent / "units.csv")]) == 0
    s = xinyong.load_scheme(demo)
    from xinyong.intake import read_inputs
    res = xinyong.score(s, read_inputs(s, demo.parent / "units.csv", strict=True).frame)
    # 甲局: 20−3 + min(8×2, 20) + 30 + 25 = 88, bonus min(2, 5) → 90 优秀; 乙局: 20 + 20 + 0 + 20 + 5 = 65, vetoed
    assert float(res.unit("jia").total) == 90 and res.unit("jia").grade == "优秀"
    assert float(res.unit("yi").total) == 65 and res.unit("yi").grade == "不合格"


@pytest.mark.slow
def test_worked_example_report(demo):
    out = demo.parent / "reports"
    assert main(["report", str(demo), "--period", "2025", "--unit", "jia",
                 "--data", str(demo.parent / "units.csv"), "--out", str(out)]) == 0
    html = next(out.rglob("*.html")).read_text(encoding="utf-8")
    assert "甲局" in html and 'data-grade="优秀"' in html


def test_the_accuracy_table_in_the_docs_is_what_the_bench_prints():
    """docs/SCHEMES.md (“How good the drafts are”) shows bench/draft_accuracy.py's table as it is now."""
    import runpy

    from conftest import ROOT

    bench = runpy.run_path(str(ROOT / "bench" / "draft_accuracy.py"))
    table = bench["table"]([bench["measure"](seed, schemes) for seed, schemes in bench["shipped_by_seed"]().items()])
    doc = (ROOT / "docs" / "SCHEMES.md").read_text(encoding="utf-8")
    assert table in doc


def test_a_draft_that_does_not_load_is_not_written(tmp_path, monkeypatch, capsys):
    """The draft goes through the real loader first; a drafter bug is said in Chinese and nothing is written."""
    import xinyong.scheme.draft_yaml as writer

    real = writer.draft_yaml
    monkeypatch.setattr(writer, "draft_yaml", lambda *a: real(*a).replace("max_points: 20", "max_points: -1", 1))
    doc = tmp_path / "细则.txt"
    doc.write_text("（一）信用核查（20分）\n每开展一次信用核查得1分，最高20分。\n", encoding="utf-8")
    assert main(["new", "x", "--from", str(doc), "-o", str(tmp_path / "x.yaml")]) == 2
    assert "起草的方案文件未能通过校验，没有写出" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists() and not (tmp_path / "x.source.txt").exists()


def test_level_and_period_from_the_title(tmp_path):
    """004's title “郟县2022年社会信用体系建设工作季度考核办法” → quarter; the tutorial's “县直单位…” → 县直单位."""
    doc = tmp_path / "d.txt"
    doc.write_text("某县乡镇社会信用体系建设工作季度考核办法\n（一）信用核查（20分）\n每开展一次信用核查得1分，最高20分。\n",
                   encoding="utf-8")
    out, _, _ = write_draft("d", doc, tmp_path / "d.yaml")
    s = xinyong.load_scheme(out)
    assert (s.level, s.period_kind, s.unit_kinds) == ("乡镇", "quarter", ["乡镇"])


def test_the_worked_example_file_in_fixtures_drafts_as_built(tmp_path):
    """tests/fixtures/draft/示例县考核细则.docx is the worked example of docs/SCHEMES.md as an author opens it
    (made by :func:`demo_docx`): drafting it gives the same scheme as drafting a freshly built copy."""
    fixture = Path(__file__).parent / "fixtures" / "draft" / "示例县考核细则.docx"
    built = demo_docx(tmp_path / "built.docx")
    drafts = []
    for name, src in (("a", fixture), ("b", built)):
        out = tmp_path / name / "demo.yaml"
        out.parent.mkdir()
        assert main(["new", "demo", "--from", str(src), "-o", str(out)]) == 0
        drafts.append(out.read_text(encoding="utf-8").replace(src.name, "细则.docx"))
    assert drafts[0] == drafts[1]
    assert (fixture.parent / "units.csv").read_text(encoding="utf-8") == UNITS
