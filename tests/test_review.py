"""Issue 14 §4 (review) and §3 (evidence files, report side).

004 附件2 四、五 score 诚信宣传教育, 公务员诚信教育 and 诚信案例宣传 by an assessor ("酌情计分"): the review
workbook asks for those, per township, with their caps (10 points each); a judgement without a reason is
refused at its cell; an item without points stays 待评审 (unknown, never 0). Evidence files named in the
证据 sheet are linked from the unit report to copies beside it; a file that is not there is 文件缺失.
"""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest

from xinyong.errors import InputError
from xinyong.intake import read_inputs
from xinyong.intake.review_workbook import REVIEW_COLUMNS, apply_review, write_review
from xinyong.scheme.values import judge_col, why_col

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "lib" / "xinyong" / "demo" / "jiaxian_township" / "2022Q1.xlsx"
SCHEME = "jiaxian_township"
COL = {k: openpyxl.utils.get_column_letter(j) for j, k in enumerate(REVIEW_COLUMNS, 1)}


@pytest.fixture()
def period(tmp_path) -> Path:
    p = tmp_path / "数据" / "2022Q1.xlsx"
    p.parent.mkdir()
    shutil.copy(DEMO, p)
    return p


def review_rows(path: Path) -> list[dict]:
    ws = openpyxl.load_workbook(path)["评审"]
    heads = [c.value for c in ws[1]]
    return [dict(zip(heads, r), _row=i) for i, r in enumerate(ws.iter_rows(min_row=2, values_only=True), 2)]


def pending_row(path: Path) -> dict:
    return next(r for r in review_rows(path) if r["得分"] is None and r["理由"] is None)


def fill(path: Path, out: Path, cells: dict[str, object]) -> Path:
    wb = openpyxl.load_workbook(path)
    ws = wb["评审"]
    for ref, v in cells.items():
        ws[ref] = v
    wb.save(out)
    return out


def test_review_workbook_lists_judgement_items_with_caps_and_existing_points(period, tmp_path):
    w = write_review(SCHEME, period, tmp_path / "评审.xlsx", period="2022Q1")
    rows = review_rows(w.path)
    data = read_inputs(SCHEME, period)
    # 004 附件2: three judgement items per township (四.1, 四.2, 五.1), each 10 points
    assert len(rows) == 3 * len(data.frame) == w.n_rows
    assert {r["条目编号"] for r in rows} == {"jiaxian_township.4.1", "jiaxian_township.4.2", "jiaxian_township.5.1"}
    assert {r["满分"] for r in rows} == {10}
    for r in rows:  # prefilled from the period workbook's 评审 sheet, blank where nothing was entered
        before = data.frame.at[r["单位编号"], judge_col(r["条目编号"])]
        assert (r["得分"] is None) == (before != before)
        if r["得分"] is not None:
            assert r["得分"] == before and r["理由"] == data.frame.at[r["单位编号"], why_col(r["条目编号"])]
    assert w.n_pending == sum(r["得分"] is None for r in rows) > 0
    wb = openpyxl.load_workbook(w.path)
    dv = wb["评审"].data_validations.dataValidation
    assert dv and all(v.formula1 == "0" and v.formula2 == "10" for v in dv)
    assert wb["评审"].protection.sheet and not wb["评审"][f"{COL['points']}2"].protection.locked
    assert "没有理由的得分不予采用" in "".join(str(c.value) for c in wb["说明"]["A"] if c.value)
    # the items whose required evidence has no 证据 row, per unit (rule-scored ones too)
    miss = list(wb["缺少佐证"].iter_rows(min_row=2, values_only=True))
    assert len(miss) == w.n_missing > 0
    ev = set(zip(data.evidence["unit_id"], data.evidence["item"]))
    assert all((m[0], m[2]) not in ev and m[5] for m in miss)


def test_round_trip_write_fill_apply_read(period, tmp_path):
    w = write_review(SCHEME, period, tmp_path / "评审.xlsx", period="2022Q1")
    r = pending_row(w.path)
    filled = fill(w.path, tmp_path / "filled.xlsx", {f"{COL['points']}{r['_row']}": 7.5,
                                                     f"{COL['why']}{r['_row']}": "宣传活动 3 次，台账完整",
                                                     f"{COL['assessor']}{r['_row']}": "张三",
                                                     f"{COL['reviewed']}{r['_row']}": "2022-07-05"})
    merged = tmp_path / "merged.xlsx"
    done = apply_review(SCHEME, filled, period, merged)
    assert [(c.unit_id, c.item, c.before, c.after) for c in done.changes] == [
        (r["单位编号"], r["条目编号"], (None, None), (7.5, "宣传活动 3 次，台账完整"))]
    back = read_inputs(SCHEME, merged)
    assert back.ok
    assert back.frame.at[r["单位编号"], judge_col(r["条目编号"])] == 7.5
    assert back.frame.at[r["单位编号"], why_col(r["条目编号"])] == "宣传活动 3 次，台账完整"
    # the other judgements are as they were
    before = read_inputs(SCHEME, period).frame
    cols = [c for c in before.columns if c.startswith("judge:")]
    diff = (before[cols].fillna(-1) != back.frame[cols].fillna(-1)).sum().sum()
    assert diff == 1
    # who judged and when are kept in the period workbook (columns the reader knows)
    ws = openpyxl.load_workbook(merged)["评审"]
    heads = [c.value for c in ws[1]]
    row = next(x for x in ws.iter_rows(min_row=2, values_only=True)
               if x[heads.index("单位编号")] == r["单位编号"] and x[heads.index("条目编号")] == r["条目编号"])
    assert row[heads.index("评审人")] == "张三" and str(row[heads.index("评审日期")])[:10] == "2022-07-05"
    assert not any("未知列" in p.message for p in back.problems)


def test_judgement_without_reason_is_refused_at_its_cell_and_nothing_is_written(period, tmp_path):
    w = write_review(SCHEME, period, tmp_path / "评审.xlsx", period="2022Q1")
    r = pending_row(w.path)
    filled = fill(w.path, tmp_path / "filled.xlsx", {f"{COL['points']}{r['_row']}": 6})
    data_before = period.read_bytes()
    with pytest.raises(InputError) as e:
        apply_review(SCHEME, filled, period)
    errs = [p for p in e.value.problems if p.severity == "error"]
    assert len(errs) == 1
    p = errs[0]
    assert (p.file, p.sheet, p.row, p.column, p.unit) == (str(filled), "评审", r["_row"], COL["why"], r["单位编号"])
    assert "没有填写理由" in p.message
    assert period.read_bytes() == data_before


def test_points_above_cap_unknown_unit_and_item_are_refused(period, tmp_path):
    w = write_review(SCHEME, period, tmp_path / "评审.xlsx", period="2022Q1")
    r = pending_row(w.path)
    n = len(review_rows(w.path)) + 2
    filled = fill(w.path, tmp_path / "filled.xlsx", {
        f"{COL['points']}{r['_row']}": 12, f"{COL['why']}{r['_row']}": "很好",
        f"{COL['unit_id']}{n}": "town99", f"{COL['item']}{n}": "jiaxian_township.4.1",
        f"{COL['points']}{n}": 5, f"{COL['why']}{n}": "理由",
        f"{COL['unit_id']}{n + 1}": "town01", f"{COL['item']}{n + 1}": "jiaxian_township.4.9",
        f"{COL['points']}{n + 1}": 5, f"{COL['why']}{n + 1}": "理由"})
    with pytest.raises(InputError) as e:
        apply_review(SCHEME, filled, period, tmp_path / "m.xlsx")
    at = {(p.row, p.column): p.message for p in e.value.problems if p.severity == "error"}
    assert "超过满分 10" in at[(r["_row"], COL["points"])]
    assert "town99" in at[(n, COL["unit_id"])]
    assert "未知的条目编号" in at[(n + 1, COL["item"])]
    assert not (tmp_path / "m.xlsx").exists()


def test_review_of_another_period_is_refused(period, tmp_path):
    w = write_review(SCHEME, period, tmp_path / "评审.xlsx", period="2022Q1")
    wb = openpyxl.load_workbook(w.path)
    wb["说明"]["B3"] = "2022Q2"
    wb.save(tmp_path / "q2.xlsx")
    with pytest.raises(InputError) as e:
        apply_review(SCHEME, tmp_path / "q2.xlsx", period, tmp_path / "m.xlsx")
    assert any(p.sheet == "说明" and "考核期" in p.message for p in e.value.problems)


def test_still_to_review_in_unit_report_and_overview():
    from xinyong import report as xr
    from xinyong.report.review import awaiting_review, unit_review

    run = xr.load_run(SCHEME, DEMO, period="2022Q1")
    st = run.result.status
    pend = {u: [i for i in st.columns if str(st.at[u, i]) == "pending_judgement"] for u in st.index}
    aw = awaiting_review(run)
    assert set(aw["unit"]) == {u for u, v in pend.items() if v}
    for r in aw.itertuples():
        assert r.n_pending == len(pend[r.unit]) and r.points == 10 * r.n_pending
        # unknown, never zero: the points of a pending item are not counted
        assert all(run.result.points.at[r.unit, i] != run.result.points.at[r.unit, i] for i in pend[r.unit])
    u = aw.iloc[0]["unit"]
    rv = unit_review(run, u)
    assert [p["item"] for p in rv.pending] == pend[u]
    html = xr.UnitReport(run, u).evidence_table().html
    assert "待评审" in html and "不按零分计" in html
    ov = xr.Overview(run).ranking().html
    assert "待评审" in ov and str(run.result.units.at[u, "unit_name"]) in ov.split("待评审", 1)[1]


# ---------------------------------------------------------------------------------------------- evidence
def with_files(period: Path) -> tuple[Path, dict[str, bytes]]:
    """The period workbook with a SHA-256 column and town01's evidence pointing at files beside it:
    one there, one missing, one changed since it was collected."""
    folder = period.parent / "证据" / "town01"
    folder.mkdir(parents=True)
    files = {"a 报告.pdf": b"%PDF-1.4 a", "c.pdf": b"%PDF-1.4 c now"}
    for n, b in files.items():
        (folder / n).write_bytes(b)
    wb = openpyxl.load_workbook(period)
    ws = wb["证据"]
    ws.cell(1, 6, "SHA-256")
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value == "town01"]
    assert len(rows) >= 3
    a, b, c = rows[:3]
    ws.cell(a, 4, "证据/town01/a 报告.pdf")
    ws.cell(a, 6, hashlib.sha256(files["a 报告.pdf"]).hexdigest())
    ws.cell(b, 4, "证据\\town01\\b.pdf")  # typed on Windows
    ws.cell(c, 4, "证据/town01/c.pdf")
    ws.cell(c, 6, hashlib.sha256(b"%PDF-1.4 c as collected").hexdigest())
    wb.save(period)
    return period, files


def test_evidence_frame_has_sha256_only_with_the_column(period):
    assert "sha256" not in read_inputs(SCHEME, period).evidence.columns
    with_files(period)
    ev = read_inputs(SCHEME, period).evidence
    assert "sha256" in ev.columns and ev["sha256"].notna().sum() == 2


def test_malformed_sha256_is_located(period):
    with_files(period)
    wb = openpyxl.load_workbook(period)
    wb["证据"]["F2"] = "abc"
    wb.save(period)
    res = read_inputs(SCHEME, period)
    assert [(p.sheet, p.row, p.column) for p in res.errors] == [("证据", 2, "F")]


def test_evidence_links_are_copied_beside_the_report_and_work(period, tmp_path):
    from xinyong import report as xr
    from xinyong.report.evidence import copy_unit_files

    with_files(period)
    run = xr.load_run(SCHEME, period, period="2022Q1")
    html = xr.UnitReport(run, "town01").evidence_table().html
    out = tmp_path / "报告"
    copies = copy_unit_files(run.data.evidence, "town01", out)
    assert sorted(p.name for p in copies) == ["a 报告.pdf", "c.pdf"]
    hrefs = re.findall(r'<a href="([^"]+)"', html)
    assert len(hrefs) == 2
    for h in hrefs:  # relative to the report's folder, and the file is there
        target = out / unquote(h)
        assert target.is_file() and target.read_bytes() == (period.parent / "证据" / "town01" / target.name).read_bytes()
    assert html.count("文件缺失") == 2  # the note and the missing file b.pdf, which is not linked
    assert "b.pdf" not in "".join(hrefs)
    assert "文件与收集时不一致" in html  # c.pdf changed since collect hashed it
    # hashes only in the folded details
    sha = hashlib.sha256(b"%PDF-1.4 a").hexdigest()
    assert html.index(sha) > html.index("<details") and html.count(sha) == 1
    # an unchanged re-run leaves the copies alone; a file no longer named is removed
    mtime = copies[0].stat().st_mtime_ns
    (out / "证据" / "town01" / "old.pdf").write_bytes(b"x")
    copy_unit_files(run.data.evidence, "town01", out)
    assert copies[0].stat().st_mtime_ns == mtime and not (out / "证据" / "town01" / "old.pdf").exists()


def test_missing_evidence_listed_item_by_item(period):
    from xinyong import report as xr
    from xinyong.report.review import unit_review

    run = xr.load_run(SCHEME, period, period="2022Q1")
    ev = run.data.evidence
    have = set(ev.loc[ev["unit_id"] == "town01", "item"])
    need = [it for it in run.scheme.walk_items() if it.evidence
            and str(run.result.status.at["town01", it.id]) != "not_applicable"]
    rv = unit_review(run, "town01")
    assert [m["item"] for m in rv.missing] == [it.id for it in need if it.id not in have]
    html = xr.UnitReport(run, "town01").evidence_table().html
    assert f"尚缺的佐证材料</b>：方案要求佐证材料、但尚未登记任何材料的条目共 {len(rv.missing)} 个" in html
    for m in rv.missing:  # each a row of the table, flagged 无材料, with what the scheme requires
        row = re.search(rf'title="{re.escape(m["item"])}">[^<]*</td>.*?</tr>', html, re.S).group(0)
        assert m["name"] in row and m["required"] in row and "无材料" in row


@pytest.mark.parametrize("link,local", [("证据/u/a.pdf", True), ("a.pdf", True), ("证据\\u\\a.pdf", True),
                                        ("https://x.gov.cn/a.pdf", False), ("C:\\docs\\a.pdf", False),
                                        ("/home/a.pdf", False), ("郏信用办〔2022〕4号", False), ("", False)])
def test_which_links_are_local_files(link, local):
    from xinyong.report.evidence import local_path

    assert (local_path(link) is not None) == local


@pytest.mark.slow
def test_batch_copies_evidence_beside_the_unit_reports(period, tmp_path):
    """The batch's reports are rendered by workers from the scored run; the client copies the files
    (units/证据/<unit>/…) and the links in each written report resolve to them."""
    from xinyong.batch.prepare import without_units
    from xinyong.batch.runner import run_batch

    with_files(period)
    keep = {"town01", "town02"}
    others = set(read_inputs(SCHEME, period).frame.index) - keep
    period.write_bytes(without_units(period, others))
    s = run_batch(SCHEME, "2022Q1", period, tmp_path / "out", jobs=1, progress=False)
    assert not s.run_error and all(u.status == "ok" for u in s.units)
    page = s.run_dir / next(u.html for u in s.units if u.id == "town01")
    html = page.read_text(encoding="utf-8")
    hrefs = [h for h in re.findall(r'<a href="([^"]+)"', html) if h.startswith("%E8%AF%81")]
    assert len(hrefs) == 2
    for h in hrefs:
        assert (page.parent / unquote(h)).is_file()
    assert "文件缺失" in html
    assert not (s.run_dir / "units" / "证据" / "town02").exists()  # town02 names no local file
