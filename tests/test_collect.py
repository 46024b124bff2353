"""Issue 14 §1–§3 (intake side): per-unit workbooks out (``template --split``), returns back in (``collect``).

The quarter of 004 郏县 附件1 (县直单位): "考核方法采取资料查阅、实地查看、系统数据统计等方式进行" — five
departments of the demo data get their own workbook; four return it (one with a word in a number cell,
one with evidence files, one as a GBK CSV), one does not.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from xinyong.demo import demo_folder
from xinyong.intake import read_inputs
from xinyong.intake.submission import CollectError, collect, read_manifest, read_units, split
from xinyong.intake.submission.answers import answers_for
from xinyong.intake.submission.split import safe_filename, unit_file_names
from xinyong.intake.template import UnitRow, save_workbook
from xinyong.errors import InputError
from xinyong.scheme import load_scheme
from xinyong.scoring.plan import compile

from quarter_helpers import T0, fill_return

SCHEME = "jiaxian_county_dept"
PERIOD = "2022Q2"


@pytest.fixture(scope="module")
def scheme():
    return load_scheme(SCHEME)


@pytest.fixture(scope="module")
def demo(scheme):
    return read_inputs(scheme, demo_folder() / SCHEME / f"{PERIOD}.xlsx").frame


@pytest.fixture(scope="module")
def sent(scheme, demo, tmp_path_factory):
    units = [UnitRow(u, demo.at[u, "unit_name"], demo.at[u, "unit_kind"]) for u in demo.index[:5]]
    return split(scheme, PERIOD, units, tmp_path_factory.mktemp("split") / "填报表", due="2022年7月5日")


def fill(scheme, demo, sent, uid: str, dest: Path, stamp=T0, bad: tuple[str, str] | None = None,
         evidence: list[tuple[int, str, str]] = ()) -> Path:
    """Fill ``uid``'s workbook as the unit would (its demo values), save it under ``dest``."""
    values = {i: demo.at[uid, i] for i in scheme.input_catalogue}
    if bad:
        values[bad[0]] = bad[1]
    return fill_return(scheme, sent.files[uid], values, dest, stamp=stamp, evidence=evidence)


def as_gbk_csv(path: Path, dest: Path) -> Path:
    """The 输入 sheet saved as CSV by Excel on a Chinese Windows (GBK)."""
    ws = openpyxl.load_workbook(path, data_only=True)["输入"]
    lines = [",".join("" if v is None else str(v) for v in row) for row in ws.iter_rows(values_only=True)]
    dest.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return dest


@pytest.fixture(scope="module")
def quarter(scheme, demo, sent, tmp_path_factory):
    """dept01 returned clean; dept02 with 三次 in a count; dept03 with two evidence files (one missing);
    dept04 as a GBK CSV; dept05 nothing."""
    back = tmp_path_factory.mktemp("back")
    fill(scheme, demo, sent, "dept01", back / "发改委.xlsx")
    fill(scheme, demo, sent, "dept02", back / "财政" / "随便起的名字.xlsx", bad=("bank_enterprise_events", "三次"))
    wb3 = fill(scheme, demo, sent, "dept03", back / "教育局.xlsx",
               evidence=[(2, "教育局信用工作领导小组文件", "领导小组.pdf"), (3, "双公示报送台账", "台账/双公示.xlsx"),
                         (4, "信用贷款数据", "不存在.pdf")])
    (back / "教育局_证据" / "台账").mkdir(parents=True)
    (back / "教育局_证据" / "领导小组.pdf").write_bytes(b"%PDF-1.4 leading group")
    (back / "教育局_证据" / "台账" / "双公示.xlsx").write_bytes(b"PK not really a workbook")
    tmp = fill(scheme, demo, sent, "dept04", back / "tmp.xlsx")
    as_gbk_csv(tmp, back / "公安局.csv")
    tmp.unlink()
    assert wb3.exists()
    out = tmp_path_factory.mktemp("merged") / f"{PERIOD}.xlsx"
    res = collect(scheme, PERIOD, back, out, read_manifest(sent.folder, scheme))
    return back, res


# ------------------------------------------------------------------------------------------ §1 split
def test_split_one_locked_workbook_per_unit(scheme, sent):
    assert sorted(sent.files) == ["dept01", "dept02", "dept03", "dept04", "dept05"]
    for uid, path in sent.files.items():
        assert path.name.endswith("_2022年第二季度.xlsx") and path.name == safe_filename(path.stem) + ".xlsx"
        wb = openpyxl.load_workbook(path)
        units = wb["单位"]
        assert [c.value for c in units[2]] == [uid, sent.answers[uid].unit.unit_name, "县直单位"]
        assert units.max_row == 2  # only its own unit
        assert units.protection.sheet and not units.protection.password  # locked, no password
        assert units["A2"].protection.locked
        inputs = wb["输入"]
        assert inputs["A4"].value == uid and inputs["A4"].protection.locked and inputs.protection.sheet
        assert not inputs["B4"].protection.locked  # the row to fill is open
        assert inputs.max_row == 4
        readme = {r[0]: r[1] for r in wb["说明"].iter_rows(max_row=12, max_col=2, values_only=True)}
        assert readme["方案编号"] == SCHEME and readme["考核期"] == PERIOD and readme["单位编号"] == uid
        assert readme["交回时限"] == "2022年7月5日"
        assert wb["评审"].max_row == 1  # the assessor's, not the unit's


def test_split_evidence_rows_and_instructions(scheme, sent):
    wb = openpyxl.load_workbook(sent.files["dept01"])
    ev = wb["证据"]
    head = [c.value for c in ev[1]]
    assert head[:5] == ["条目编号", "单位编号", "文件标题", "文件名或链接", "日期"]
    assert head[5:] == ["条目名称", "佐证要求", "资料盒", "完成时限"]
    items = [it for it in scheme.walk_items() if it.evidence]
    assert [ev.cell(r, 1).value for r in range(2, 2 + len(items))] == [it.id for it in items]
    assert ev.cell(2, 7).value.startswith(items[0].evidence)
    assert ev.cell(2, 3).protection.locked is False and ev.cell(2, 7).protection.locked
    text = "\n".join(str(r[0]) for r in wb["说明"].iter_rows(values_only=True) if r[0])
    stem = sent.files["dept01"].stem
    assert f"{stem}_证据" in text and "绝不会按 0 分计算" in text and "2022年7月5日前" in text


def test_blank_split_workbook_reads_without_problem(scheme, sent):
    res = read_inputs(scheme, sent.files["dept03"])
    assert res.errors == [] and list(res.frame.index) == ["dept03"] and res.period == PERIOD
    assert res.evidence.empty  # the prefilled rows are not evidence until filled
    assert res.frame.drop(columns=["unit_name", "unit_kind", "period"]).isna().all().all()


def test_manifest_lists_who_was_sent_what(scheme, sent):
    m = read_manifest(sent.folder, scheme)
    assert m.scheme_id == SCHEME and m.period == PERIOD and m.ids == list(sent.files)
    assert m.files == {u: p.name for u, p in sent.files.items()}


def test_file_names_are_windows_safe():
    assert safe_filename('a/b:c*?"<>|d. ') == "a_b_c______d"
    assert safe_filename("CON") == "_CON"
    names = unit_file_names([UnitRow("u1", "局/办", ""), UnitRow("u2", "局/办", "")], "2022Q2")
    assert names == {"u1": "局_办_2022年第二季度_u1.xlsx", "u2": "局_办_2022年第二季度_u2.xlsx"}


def test_units_file_gbk_and_located_errors(scheme, tmp_path):
    good = tmp_path / "units.csv"
    good.write_bytes("单位编号,单位名称,单位类型\r\nd1,郏县财政局,\r\nd2,郏县教育局,县直单位\r\n".encode("gbk"))
    m = read_units(good, scheme)
    assert [(u.unit_id, u.unit_name, u.unit_kind) for u in m.units] == [
        ("d1", "郏县财政局", "县直单位"), ("d2", "郏县教育局", "县直单位")]  # one kind: blank means it
    bad = tmp_path / "bad.csv"
    bad.write_bytes("单位编号,单位名称,单位类型\r\nd1,郏县财政局,乡镇\r\n,郏县教育局,\r\nd1,重复,\r\nd:3,,\r\n"
                    .encode("gbk"))
    with pytest.raises(InputError) as e:
        read_units(bad, scheme)
    got = {(p.row, p.column): p.message for p in e.value.problems}
    assert "未知的单位类型“乡镇”" in got[(2, "C")]
    assert got[(3, "A")] == "单位编号为空"
    assert "重复（第 2 行已有）" in got[(4, "A")]
    assert "不能用于文件夹名" in got[(5, "A")] and got[(5, "B")] == "单位名称为空"


def test_answers_by_kind_and_by_responsible_unit():
    """000 王益区: 1.4.2 “开发区只评估中小微企业…” (a variant of its own: no 农户 inputs for a 开发区); an item
    whose 参与单位 is one named body goes to that body when it is a unit of the file, else to every unit."""
    s = load_scheme("wangyi")
    plan = compile(s)
    dz = answers_for(plan, UnitRow("k", "某开发区", "开发区"), [UnitRow("k", "某开发区", "开发区")])
    cq = answers_for(plan, UnitRow("c", "某城区", "城区"), [UnitRow("c", "某城区", "城区")])
    farmer = {"farmer_platform", "farmer_filing_rate"}
    assert farmer <= {i.id for i in cq.inputs} and not farmer & {i.id for i in dz.inputs}
    assert len(dz.items) == len(cq.items) == len(list(s.walk_items()))  # nothing assigned elsewhere
    it = next(i for i in s.walk_items() if i.responsible == ["区行政审批局"])
    units = [UnitRow("c", "王益区", "城区"), UnitRow("sp", "王益区行政审批局", "城区")]
    assert it.id in [i.id for i in answers_for(plan, units[1], units).items]
    other = answers_for(plan, units[0], units)
    assert it.id in other.elsewhere and it.id not in [i.id for i in other.items]
    assert next(e for e in cq.evidence if e.item_id == "wangyi.1.1.1").box == "1号（基础工作）"


# ------------------------------------------------------------------------------------------ §2 collect
def test_merged_data_equals_what_was_filled(scheme, demo, quarter):
    _, res = quarter
    merged = read_inputs(scheme, res.output)
    assert merged.errors == []
    inputs = list(scheme.input_catalogue)
    got = merged.frame.loc[["dept01", "dept02", "dept03", "dept04"], inputs].astype(float)
    want = demo.loc[["dept01", "dept02", "dept03", "dept04"], inputs].astype(float)
    want.loc["dept02", "bank_enterprise_events"] = np.nan  # the cell with 三次: missing, never zero
    pd.testing.assert_frame_equal(got, want, check_names=False)
    # and the merged workbook scores as the demo data does for the units returned without error
    from xinyong import score

    mine, theirs = score(scheme, merged.frame).units, score(scheme, demo).units
    for u in ("dept01", "dept03", "dept04"):
        assert mine.at[u, "total"] == pytest.approx(theirs.at[u, "total"]), u


def test_unreported_unit(quarter):
    _, res = quarter
    assert len(res.submissions) == 4  # the files inside 教育局_证据/ are evidence, not returns
    assert res.unreported == ("dept05",)
    wb = openpyxl.load_workbook(res.output)
    units = {r[0]: r for r in wb["单位"].iter_rows(min_row=2, values_only=True)}
    assert wb["单位"]["D1"].value == "报送状态"
    assert units["dept05"][3] == "未报送" and units["dept01"][3] == "已报送"
    for sheet, col in (("输入", 1), ("评审", 1), ("证据", 2)):
        ids = [r[col - 1] for r in wb[sheet].iter_rows(min_row=2, values_only=True)]
        assert "dept05" not in ids, sheet


def test_located_error_and_receipt(quarter):
    back, res = quarter
    err = [p for p in res.problems if p.unit == "dept02" and p.severity == "error"]
    assert len(err) == 1
    p = err[0]
    assert (Path(p.file), p.sheet, p.row, p.column, p.value) == (back / "财政" / "随便起的名字.xlsx", "输入", 4, "L", "三次")
    r = res.receipts.set_index("单位编号")
    assert list(res.receipts.columns) == ["单位编号", "单位名称", "报送状态", "文件名", "收到时间", "SHA-256", "错误数", "问题摘要"]
    assert r.at["dept02", "文件名"] == "财政/随便起的名字.xlsx" and r.at["dept02", "错误数"] == 1
    assert "“三次”不是数字" in r.at["dept02", "问题摘要"] and r.at["dept02", "问题摘要"].endswith("（工作表=输入，行=4，列=L）")
    assert r.at["dept01", "SHA-256"] == hashlib.sha256((back / "发改委.xlsx").read_bytes()).hexdigest()
    assert dt.datetime.fromisoformat(r.at["dept01", "收到时间"])
    assert r.at["dept05", "报送状态"] == "未报送" and r.at["dept05", "问题摘要"] == "未交回"
    sheet = pd.read_excel(res.output, sheet_name="报送情况", dtype=str, engine="openpyxl")
    assert list(sheet["单位编号"]) == ["dept01", "dept02", "dept03", "dept04", "dept05"]
    assert res.receipts_csv.read_bytes().startswith(b"\xef\xbb\xbf")


def test_gbk_csv_return(quarter):
    _, res = quarter
    sub = next(s for s in res.taken if s.units == ["dept04"])
    assert sub.path.suffix == ".csv" and sub.result.encoding == "gb18030"
    assert any("CSV 文件不含考核期" in p.message for p in sub.problems)


# ------------------------------------------------------------------------------------------ §3 evidence
def test_evidence_copied_with_hashes(quarter):
    back, res = quarter
    ev = res.evidence.set_index("title")
    folder = res.output.parent
    for title, src in (("教育局信用工作领导小组文件", "领导小组.pdf"), ("双公示报送台账", "台账/双公示.xlsx")):
        rel = ev.at[title, "link"]
        assert rel == f"证据/dept03/{src}"
        copied = folder / rel
        assert copied.read_bytes() == (back / "教育局_证据" / src).read_bytes()
        assert ev.at[title, "sha256"] == hashlib.sha256(copied.read_bytes()).hexdigest()
    missing = [p for p in res.problems if "不存在" in p.message]
    assert [(p.sheet, p.row, p.column, p.unit, p.value) for p in missing] == [("证据", 4, "D", "dept03", "不存在.pdf")]
    wb = openpyxl.load_workbook(res.output)
    ws = wb["证据"]
    assert [c.value for c in ws[1]][:6] == ["条目编号", "单位编号", "文件标题", "文件名或链接", "日期", "SHA-256"]
    rows = {r[2]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["教育局信用工作领导小组文件"][3] == "证据/dept03/领导小组.pdf" and len(rows["教育局信用工作领导小组文件"][5]) == 64


# ------------------------------------------------------------------------------------------ refusals
def test_twice_refused_unless_latest(scheme, demo, sent, tmp_path):
    back = tmp_path / "back"
    first = fill(scheme, demo, sent, "dept01", back / "第一次.xlsx", stamp=T0)
    second = fill(scheme, demo, sent, "dept01", back / "改过" / "第二次.xlsx", stamp=T0 + dt.timedelta(hours=2),
                  bad=("reports_submitted", 9))
    m = read_manifest(sent.folder, scheme)
    with pytest.raises(CollectError) as e:
        collect(scheme, PERIOD, back, tmp_path / "m.xlsx", m)
    assert {Path(p.file) for p in e.value.problems} == {first, second}
    assert all("第一次.xlsx" in p.message and "改过/第二次.xlsx" in p.message for p in e.value.problems)
    assert not (tmp_path / "m.xlsx").exists()
    res = collect(scheme, PERIOD, back, tmp_path / "m.xlsx", m, latest=True)
    assert [s.path for s in res.taken] == [second]
    assert read_inputs(scheme, res.output).frame.at["dept01", "reports_submitted"] == 9
    assert "第一次.xlsx 未采用" in res.receipts.set_index("单位编号").at["dept01", "问题摘要"]


def test_other_scheme_period_or_unit_refused(scheme, demo, sent, tmp_path):
    back = tmp_path / "back"
    fill(scheme, demo, sent, "dept01", back / "ok.xlsx")
    ws = load_scheme("jiaxian_township")
    tw = split(ws, PERIOD, [UnitRow("dept02", "示例县财政局", "乡镇")], tmp_path / "tw")
    shutil.copy(tw.files["dept02"], back / "乡镇表.xlsx")
    q1 = split(scheme, "2022Q1", [UnitRow("dept03", "示例县教育局", "县直单位")], tmp_path / "q1")
    shutil.copy(q1.files["dept03"], back / "一季度.xlsx")
    stranger = split(scheme, PERIOD, [UnitRow("dept99", "外单位", "县直单位")], tmp_path / "x")
    wb = openpyxl.load_workbook(stranger.files["dept99"])
    wb["输入"]["C4"] = "是"
    save_workbook(wb, back / "外单位.xlsx", stamp=T0)
    res = collect(scheme, PERIOD, back, tmp_path / "m.xlsx", read_manifest(sent.folder, scheme))
    why = {s.path.name: s.refused for s in res.refused}
    assert why["乡镇表.xlsx"] == "这是《郏县乡镇（街道）季度考核》的填报表，不是本次收取的《郏县县直单位季度考核》"
    assert why["一季度.xlsx"] == "这是2022年第一季度的填报表，本次收取的是2022年第二季度"
    assert "“dept99”（外单位）不在报送名单中" in why["外单位.xlsx"]
    assert [s.path.name for s in res.taken] == ["ok.xlsx"]
    r = res.receipts.set_index("单位编号")
    assert r.at["dept03", "报送状态"] == "未报送" and "一季度.xlsx 已拒收" in r.at["dept03", "问题摘要"]
    assert r.at["dept99", "报送状态"] == "已拒收"


def test_unreadable_file_refused_with_the_readers_reason(scheme, sent, tmp_path):
    back = tmp_path / "back"
    back.mkdir()
    (back / "旧格式.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    res = collect(scheme, PERIOD, back, tmp_path / "m.xlsx", read_manifest(sent.folder, scheme))
    assert [s.path.name for s in res.refused] == ["旧格式.xls"]
    assert any("另存为 .xlsx" in p.message for p in res.problems)
    assert res.unreported == tuple(sent.files)


def test_blank_template_in_folder_is_not_a_return(scheme, demo, sent, tmp_path):
    """The office may drop the returns into the folder it sent from: the blank workbooks left there are
    not returns, so no unit is 'returned twice'."""
    back = tmp_path / "填报表"
    shutil.copytree(sent.folder, back)
    fill(scheme, demo, sent, "dept01", back / "收回" / "发改委.xlsx")
    res = collect(scheme, PERIOD, back, back / "汇总.xlsx", read_manifest(back, scheme))
    assert [s.units for s in res.taken] == [["dept01"]]
    assert res.unreported == ("dept02", "dept03", "dept04", "dept05")
    assert sum(s.blank for s in res.submissions) == 5
    again = collect(scheme, PERIOD, back, back / "汇总.xlsx", read_manifest(back, scheme))  # its own output skipped
    assert again.refused == [] and again.receipts.equals(res.receipts)
    shutil.copy(back / "汇总.xlsx", back / "收回" / "上次的汇总.xlsx")
    third = collect(scheme, PERIOD, back, back / "汇总.xlsx", read_manifest(back, scheme))
    assert [s.refused for s in third.refused] == ["这是汇总后的工作簿（有“报送情况”表），不是单位交回的填报表"]


def test_cli_split_and_collect(scheme, demo, tmp_path, capsys):
    from xinyong.cli import main

    units = tmp_path / "units.csv"
    units.write_bytes("单位编号,单位名称,单位类型\r\ndept01,示例县发展和改革委员会,县直单位\r\ndept02,示例县财政局,县直单位\r\n"
                      .encode("gbk"))
    assert main(["template", SCHEME, "--period", PERIOD, "--units", str(units), "--split", "-o", str(tmp_path / "out")]) == 0
    sent = type("S", (), {"files": {u: next((tmp_path / "out").glob(f"{n}*.xlsx")) for u, n in
                                    (("dept01", "示例县发展"), ("dept02", "示例县财政局"))}})
    fill(scheme, demo, sent, "dept01", tmp_path / "out" / "收回" / "a.xlsx")
    code = main(["collect", SCHEME, str(tmp_path / "out"), "--period", PERIOD, "-o", str(tmp_path / "q2.xlsx")])
    out = capsys.readouterr().out
    assert code == 0 and "未报送（1 个单位）：示例县财政局（dept02）" in out
    assert main(["collect", SCHEME, str(tmp_path / "out"), "--period", "2022Q3", "-o", str(tmp_path / "q3.xlsx")]) == 2
    assert "报送名单是2022年第二季度的" in capsys.readouterr().err


def test_development_zone_return_has_no_note_for_inputs_it_was_not_asked(tmp_path):
    """000 王益区 1.4.1/1.4.2 “开发区只评估中小微企业…”: a 开发区's workbook has no 农户 columns, and collect
    does not note their absence; the merged workbook has them blank (missing) for it."""
    s = load_scheme("wangyi")
    units = [UnitRow("wy", "王益区", "城区"), UnitRow("kf", "王益开发区", "开发区")]
    sent = split(s, "2020", units, tmp_path / "out")
    wb = openpyxl.load_workbook(sent.files["kf"])
    ws = wb["输入"]
    heads = [c.value for c in ws[1]]
    assert "farmer_platform" not in heads
    ws.cell(4, heads.index("sme_platform") + 1, "是")
    save_workbook(wb, tmp_path / "back" / "kf.xlsx", stamp=T0)
    res = collect(s, "2020", tmp_path / "back", tmp_path / "2020.xlsx", read_manifest(sent.folder, s))
    assert res.problems == [] and res.unreported == ("wy",)
    frame = read_inputs(s, res.output).frame
    assert frame.at["kf", "sme_platform"] == 1 and np.isnan(frame.at["kf", "farmer_platform"])
