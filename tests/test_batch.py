"""Batch runs (issue "Quarterly batch runs"): every unit's report in parallel, isolated failures,
atomic and resumable outputs, safe file names, summary.json and scores.xlsx.

The data is the mini scheme (tests/fixtures/mini.yaml) with four units whose ids and names are hostile
on purpose: ``a/b:c`` (甲市), ``CON`` (named ``<script>alert(1)</script>``), ``..`` (a name full of
``*?"<>|`` and 120 more characters) and ``d`` (丁市) whose 条件A is “也许”, which intake refuses.
Expected scores are worked out by hand from the rules of mini.yaml (see ``test_summary_json``).
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from xinyong.batch import run_batch
from xinyong.batch.names import is_reserved, safe_component, unit_stems

from conftest import MINI, ROOT

EVIL = "<script>alert(1)</script>"
LONG_NAME = '丙市*?"<>|' + "很长的名称" * 24
HEADER = ["unit_id", "unit_name", "unit_kind", "npl_rate", "has_a", "has_b", "approved", "total_depts", "share",
          "events", "judge:mini.2.2", "why:mini.2.2"]
ROWS = [
    ["a/b:c", "甲市", "城市", "2.6", "是", "是", "3", "5", "70", "1", "1.5", "工作扎实"],
    ["CON", EVIL, "开发区", "1", "1", "0", "4", "5", "55", "0", "", ""],
    ["..", LONG_NAME, "城市", "", "0", "1", "5", "5", "90", "3", "2", "有创新"],
    ["d", "丁市", "城市", "1.5", "也许", "是", "2", "5", "60", "0", "", ""],
]
GOOD = ["a/b:c", "CON", ".."]
FORBIDDEN = set('\\/:*?"<>|')


def write_csv(path: Path, rows=ROWS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xinyong.cli", "batch", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def batch_args(data: Path, out: Path, jobs: int = 2) -> list[str]:
    return ["--scheme", str(MINI), "--period", "2019", "--data", str(data), "--out", str(out), "--jobs", str(jobs)]


def summary(out: Path) -> dict:
    return json.loads((out / "mini" / "2019" / "summary.json").read_text(encoding="utf-8"))


def by_id(s: dict) -> dict:
    return {u["id"]: u for u in s["units"]}


def mtimes(run_dir: Path) -> dict[str, int]:
    return {p.relative_to(run_dir).as_posix(): p.stat().st_mtime_ns for p in run_dir.rglob("*")
            if p.is_file() and p.suffix in (".html", ".ipynb", ".xlsx")}


def sheet_values(path: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """One uninterrupted batch through the command line, jobs=2."""
    base = tmp_path_factory.mktemp("batch")
    data = write_csv(base / "data" / "units.csv")
    out = base / "out"
    r = cli(*batch_args(data, out))
    return {"base": base, "data": data, "out": out, "run": out / "mini" / "2019", "proc": r}


# ------------------------------------------------------------------------------------------ isolation
@pytest.mark.slow
def test_broken_unit_fails_alone_and_exit_code_is_1(first):
    """Issue: "a unit whose data is invalid ... is written as a failed report ... never stops the others.
    Exit code non-zero (1) when any unit failed; the CLI prints which."""
    r, run = first["proc"], first["run"]
    assert r.returncode == 1, r.stderr
    assert "失败：d（丁市）" in r.stderr and "条件A" in r.stderr
    s = summary(first["out"])
    units = by_id(s)
    assert [u["id"] for u in s["units"]] == ["a/b:c", "CON", "..", "d"]
    assert {u: units[u]["status"] for u in units} == {"a/b:c": "ok", "CON": "ok", "..": "ok", "d": "failed"}
    for uid in GOOD:
        assert (run / units[uid]["html"]).is_file() and (run / units[uid]["notebook"]).is_file()
    d = units["d"]
    assert d["error_kind"] == "data" and "条件A" in d["error"]
    (p,) = d["problems"]
    assert (p["row"], p["column"], p["input"], p["value"]) == (5, "E", "has_a", "也许")
    page = (run / d["html"]).read_text(encoding="utf-8")
    assert d["html"].endswith(".failed.html") and "数据有误" in page and "也许" in page and "第 5 行" in d["error"]
    assert not list((run / "units").glob("d_*.html")) or all(x.name.endswith(".failed.html")
                                                              for x in (run / "units").glob("d_*"))
    # the overview ranks the three valid units and links their reports; 丁市 is not ranked but listed
    # under 单位情况 with its error (issue 16 §5: nobody silently dropped)
    ov = (run / "overview.html").read_text(encoding="utf-8")
    ranking = ov[ov.index('class="xy-ranking"'):ov.index('class="xy-roster"')]
    roster = ov[ov.index('class="xy-roster"'):]
    assert "丁市" not in ranking and "甲市" in ranking
    assert "丁市" in roster and "数据有误（未评分）" in roster and "也许" in roster
    for uid in GOOD:
        href = "units/" + __import__("urllib.parse").parse.quote(Path(units[uid]["html"]).name)
        assert f'href="{href}"' in ov
    assert s["counts"] == {"ok": 3, "failed": 1, "skipped": 0} and s["exit_code"] == 1


@pytest.mark.slow
def test_summary_json(first):
    """Hand-computed from mini.yaml (the ids are the hostile ones of the module docstring):

    a/b:c 城市: 1.1 piecewise “2 <= x < 5 → 2/3*(5-x)”: 2/3*(5-2.6)=1.6; 1.2 all_of(是,是)=1; 1.3
    approved/total_depts*2 = 3/5*2 = 1.2; 1.4 stepwise 1.5+0.5*floor((70-50)/10) = 2.5; 2.1 deduction
    2-0.5*1 = 1.5; 2.2 judgement 1.5; 2.3 bonus pending (2 unknown). Total 9.3 → 优秀 (min 9); gate
    condition npl_rate < 1.8 fails (2.6) → fail.
    CON 开发区: 1.1 x=1 < 2 → 2; 1.2 not applicable; 1.3 4/5*2=1.6; 1.4 1.5+0.5*floor(0.5)=1.5; 2.1 2;
    2.2 and 2.3 pending (4 unknown). Total 7.1 → 合格.
    .. 城市: 1.1 missing (2 unknown); 1.2 0; 1.3 2; 1.4 1.5+0.5*4=3.5; 2.1 2-1.5=0.5; 2.2 2; 2.3 pending.
    Total 8.0 → 合格. Ranks: a/b:c 1, .. 2, CON 3 (d is not scored).
    """
    s = summary(first["out"])
    u = by_id(s)
    got = {k: (u[k]["total"], u[k]["grade"], u[k]["rank"], u[k]["unknown_points"]) for k in GOOD}
    assert got == {"a/b:c": (pytest.approx(9.3), "优秀", 1, 2.0), "CON": (pytest.approx(7.1), "合格", 3, 4.0),
                   "..": (pytest.approx(8.0), "合格", 2, 4.0)}
    assert u["a/b:c"]["gate_outcome"] == "fail" and u["CON"]["gate_outcome"] == "unknown"
    assert u["d"]["total"] is None and u["d"]["rank"] is None
    for k in GOOD:
        assert u[k]["seconds"] > 0 and u[k]["error"] is None and u[k]["name"] == dict(
            (r[0], r[1]) for r in ROWS)[k]
        assert 0 < u[k]["cpu"] < 60  # the worker's CPU seconds for the report (a process time, not a clock)
    assert s["scheme"] == "mini" and s["period"] == "2019" and s["overview"]["status"] == "ok"
    assert set(s["units"][0]) >= {"id", "name", "status", "total", "grade", "rank", "gate_outcome", "unknown_points",
                                  "html", "error", "seconds"}


@pytest.mark.slow
def test_scores_xlsx(first):
    """scores.xlsx: units × items points with totals, grades, ranks; Chinese headers, frozen header."""
    path = first["run"] / "scores.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["得分", "状态", "说明"]
    ws = wb["得分"]
    assert ws.freeze_panes == "D2"
    head = [c.value for c in ws[1]]
    assert head[:6] == ["排名", "单位编号", "单位名称", "单位类型", "报告状态", "总分"]
    assert "等级" in head and "否决/认定" in head and head[-1] == "错误"
    assert "mini.1.1 不良贷款率（2分）" in head and "mini.2.3 附加（2分，附加）" in head
    assert ws.column_dimensions["C"].width >= 20
    rows = {r[1]: dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == ["a/b:c", "..", "CON", "d"]  # by rank, the failed unit last
    a = rows["a/b:c"]
    assert (a["排名"], a["总分"], a["等级"], a["报告状态"]) == (1, pytest.approx(9.3), "优秀", "正常")
    assert a["mini.1.1 不良贷款率（2分）"] == pytest.approx(1.6) and a["mini.1.3 比例（2分）"] == pytest.approx(1.2)
    assert a["mini.2.3 附加（2分，附加）"] is None  # pending: blank, not 0
    assert rows[".."]["mini.1.1 不良贷款率（2分）"] is None
    assert rows["d"]["报告状态"] == "失败" and rows["d"]["总分"] is None and "条件A" in rows["d"]["错误"]
    st = wb["状态"]
    shead = [c.value for c in st[1]]
    srows = {r[1]: dict(zip(shead, r)) for r in st.iter_rows(min_row=2, values_only=True)}
    assert srows[".."]["mini.1.1 不良贷款率（2分）"] == "缺少数据"
    assert srows["CON"]["mini.1.2 两个条件（1分）"] == "不适用"
    # the look: every data cell bordered, points as 0.00, the failed unit's row tinted on both sheets
    row_of = {r[1].value: r for r in ws.iter_rows(min_row=2)}
    for cell in row_of["a/b:c"]:
        assert cell.border.left.style == "thin" and cell.fill.fgColor.rgb != "00FDECEA"
    assert row_of["a/b:c"][head.index("总分")].number_format == "0.00"
    assert row_of["a/b:c"][head.index("mini.1.1 不良贷款率（2分）")].number_format == "0.00"
    assert row_of["a/b:c"][head.index("单位名称")].number_format == "General"
    for sheet in (ws, st):
        failed = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "d")
        assert all(c.fill.fgColor.rgb == "00FDECEA" and c.border.left.style == "thin" for c in failed)


# ------------------------------------------------------------------------------------------ names
@pytest.mark.slow
def test_output_names_are_safe_and_inside(first):
    """Issue: file names safe on Windows (no \\/:*?"<>|, no control chars, no reserved names, no
    trailing dot/space, '..' neutralised, Chinese kept, length-limited)."""
    out, run = first["out"].resolve(), first["run"]
    files = [p for p in out.rglob("*")]
    assert files
    for p in files:
        assert p.resolve().is_relative_to(out)
        name = p.name
        assert not (set(name) & FORBIDDEN), name
        assert all(ord(ch) >= 32 for ch in name)
        assert not is_reserved(name) and not name.endswith((".", " "))
        assert len(name.encode("utf-8")) <= 200
    names = sorted(p.name for p in (run / "units").iterdir())
    assert any(n.startswith("a_b_c_甲市") for n in names)  # Chinese kept
    assert any(n.startswith("CON_") for n in names)
    assert not any(n.startswith("..") for n in names)
    long = [n for n in names if "很长的名称" in n]
    assert long and all(len(n.encode("utf-8")) < 130 for n in long)


@pytest.mark.parametrize("text,bad", [
    ("a/b", "/"), ("a\\b", "\\"), ("c:d", ":"), ("x*?", "*"), ('q"<>|', '"'), ("..", "."), ("CON", None),
    ("nul", None), ("com1", None), ("LPT9", None), ("COM¹", None), ("tab\there", "\t"), ("end.", "."), ("end ", " "),
    ("\u202eevil", "\u202e"), ("", None), ("-rf", None),
])
def test_safe_component(text, bad):
    s = safe_component(text)
    assert s and not is_reserved(s) and not s.startswith("-") and not s.endswith((".", " "))
    if bad:
        assert bad not in s
    assert not (set(s) & FORBIDDEN) and all(ord(ch) >= 32 for ch in s)


def test_safe_component_keeps_chinese_and_limits_bytes():
    assert safe_component("郏县2022Q1") == "郏县2022Q1"
    s = safe_component("长" * 200, max_bytes=64)
    assert len(s.encode("utf-8")) <= 64 and set(s) == {"长"}


def test_unit_stems_unique_and_stable():
    """Two ids that clean to the same text, or differ only in case, get distinct stems; a clean id keeps
    its plain name; the stems do not depend on the other units once they do not clash."""
    st = unit_stems([("a/b", "甲"), ("a:b", "甲"), ("X", ""), ("x", None), ("ok", "乙市")])
    assert len(set(s.casefold() for s in st.values())) == 5
    assert st["ok"] == "ok_乙市"
    assert st["a/b"] != st["a:b"] and st["a/b"].startswith("a_b_甲-")
    assert unit_stems([("a/b", "甲")])["a/b"] == st["a/b"]


# ------------------------------------------------------------------------------------------ pages
@pytest.mark.slow
def test_pages_are_chinese_offline_and_escaped(first):
    """Issue: "All Chinese-first, self-contained (inline CSS, no network ...), HTML-escaped"."""
    out, run = first["out"], first["run"]
    pages = [out / "index.html", run / "index.html", *(run / "units").glob("*.failed.html")]
    assert len(pages) == 3
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert '<html lang="zh-CN">' in text and "<style>" in text
        assert '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif' in text
        assert "http://" not in text and "https://" not in text
        assert "<script" not in text.lower() and "<link" not in text.lower()
    index = (run / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert "失败的单位（1 个）" in index and "丁市" in index and "打开报告" in index
    assert 'href="overview.html"' in index and 'href="scores.xlsx"' in index
    # the leader brief beside the overview, linked from the run's index (issue 16 §7)
    assert 'href="brief.html"' in index
    brief = (run / "brief.html").read_text(encoding="utf-8")
    assert "考核结果的通报" in brief and "http" not in brief and "<script" not in brief
    top = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="mini/2019/index.html"' in top and 'href="mini/2019/overview.html"' in top and "测试方案" in top
    # the top index shows results: the 通报 and its Word copy; how the run went is on runs.html
    assert 'href="mini/2019/brief.html"' in top and 'href="mini/2019/brief.docx"' in top and 'href="runs.html"' in top
    assert "报告正常" in (out / "runs.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------ resume
@pytest.mark.slow
def test_two_units_with_identical_rows_get_two_reports(tmp_path):
    """Two units whose rows differ only in the id (same name, same values, so the same content): each
    gets its own report at its own path, and the run's index links both. A report coming back from a
    worker is matched to its task by the task (unit id included), never by a key two units can share."""
    from urllib.parse import quote

    same = ["同名单位", "城市", "2.6", "是", "是", "3", "5", "70", "1", "1.5", "工作扎实"]
    data = write_csv(tmp_path / "data" / "units.csv", [["x1", *same], ["x2", *same]])
    s = run_batch(MINI, "2019", data, tmp_path / "out", jobs=1, progress=False)
    assert s.counts == {"ok": 2, "failed": 0, "skipped": 0}
    x1, x2 = s.unit("x1"), s.unit("x2")
    assert x1.html != x2.html and x1.notebook != x2.notebook
    for u in (x1, x2):
        assert (s.run_dir / u.html).is_file() and (s.run_dir / u.notebook).is_file()
        assert f'"{u.id}"' in (s.run_dir / u.notebook).read_text(encoding="utf-8")  # its own unit parameter
    index = (s.run_dir / "index.html").read_text(encoding="utf-8")
    for u in (x1, x2):
        assert f'href="units/{quote(Path(u.html).name)}"' in index


def test_results_are_matched_to_their_task_by_unit_not_by_key(tmp_path):
    """In this process, without a cluster: two reports with one cache key (units whose rows are identical
    but for the id) come back; each is written to its own unit's paths and recorded under its own unit."""
    from xinyong.batch.cache import Cache
    from xinyong.batch.progress import Progress
    from xinyong.batch.publish import Publisher
    from xinyong.batch.task import Task, TaskResult

    tasks = [Task(kind="unit", scheme="mini", period="2019", unit=u, data="d.csv", history=(), readings=(),
                  bundle="b", key="same-key", html=f"units/{u}.html", ipynb=f"units/{u}.ipynb",
                  failed_ipynb=f"units/{u}.failed.ipynb", output_dir=str(tmp_path / "units")) for u in ("x1", "x2")]
    cache = Cache(tmp_path)
    publisher = Publisher(tmp_path, cache, {"x1": "x1", "x2": "x2"}, Progress(False, 2, "", 0, 0))
    for t in reversed(tasks):  # in the order they finish, not the order submitted
        publisher(t, TaskResult("ok", html=f"<p>{t.unit}</p>", notebook=f'{{"unit": "{t.unit}"}}'))
    assert [(tmp_path / "units" / f"{u}.html").read_text() for u in ("x1", "x2")] == ["<p>x1</p>", "<p>x2</p>"]
    assert set(publisher.results) == {("unit", "x1"), ("unit", "x2")}
    assert cache.hit("x1", "same-key", "x1") and cache.hit("x2", "same-key", "x2")


def test_one_format_check_for_the_command_line_and_run_batch():
    """``--format`` and ``run_batch(formats=…)`` go through one list and one check (report/formats.py)."""
    from xinyong.batch.formats import batch_formats
    from xinyong.cli_util import parse_formats
    from xinyong.errors import XinyongError

    with pytest.raises(XinyongError) as cli_error:
        parse_formats("html,odt")
    with pytest.raises(XinyongError) as batch_error:
        batch_formats(["html", "odt"])
    assert cli_error.value.message == batch_error.value.message == "不支持的格式：odt（可选：html、docx、pdf）"
    assert batch_formats(["docx", "html", "docx"]) == ("html", "docx")


def copy_outputs(first, tmp_path) -> tuple[Path, Path]:
    out = tmp_path / "out"
    shutil.copytree(first["out"], out)  # copy2: modification times kept
    return out, out / "mini" / "2019"


@pytest.mark.slow
def test_second_run_skips_everything(first, tmp_path):
    """Issue: "a second run skips everything (check summary statuses and that HTML mtimes are unchanged)".
    The invalid unit is checked again (it costs no kernel) and stays failed. How fast the skipping run is
    is measured by ``make bench`` ("again, unchanged (resume)" in bench/README.md), not asserted here: a
    wall-clock comparison on a loaded machine tests the machine, not the code."""
    out, run = copy_outputs(first, tmp_path)
    before = mtimes(run) | {"../../index.html": (out / "index.html").stat().st_mtime_ns}
    r = cli(*batch_args(first["data"], out))
    assert r.returncode == 1
    s = summary(out)
    assert {u["id"]: u["status"] for u in s["units"]} == {"a/b:c": "skipped", "CON": "skipped", "..": "skipped",
                                                          "d": "failed"}
    assert s["overview"]["status"] == "skipped"
    after = mtimes(run) | {"../../index.html": (out / "index.html").stat().st_mtime_ns}
    assert after == before


@pytest.mark.slow
def test_touching_one_unit_rerenders_only_that_unit(first, tmp_path):
    """Issue: "touching one unit's data re-runs only that unit". Here a/b:c's judgement reason changes:
    its own report shows it, no other report does (scores are unchanged)."""
    out, run = copy_outputs(first, tmp_path)
    rows = [list(r) for r in ROWS]
    rows[0][11] = "工作扎实，材料齐全"
    data = write_csv(tmp_path / "data" / "units.csv", rows)
    before = mtimes(run)
    r = cli(*batch_args(data, out))
    assert r.returncode == 1
    s = summary(out)
    u = by_id(s)
    assert {k: v["status"] for k, v in u.items()} == {"a/b:c": "ok", "CON": "skipped", "..": "skipped", "d": "failed"}
    after = mtimes(run)
    changed = {k for k in before if after.get(k) != before[k]}
    assert {u["a/b:c"]["html"], u["a/b:c"]["notebook"]} <= changed
    for k in ("CON", ".."):
        assert u[k]["html"] not in changed and u[k]["notebook"] not in changed
    assert "工作扎实，材料齐全" in (run / u["a/b:c"]["html"]).read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_changed_score_rerenders_the_units_that_show_it(first, tmp_path):
    """A unit report shows its rank among all units, the group median and the best unit's name: when
    ``..``'s 失信事件数 goes from 3 to 2 (2.1: 2-0.5*2 = 1 instead of 0.5, total 8.5), every valid
    unit's report shows something new, so all three are rendered again (the cache key holds every
    unit's scores, not their raw inputs)."""
    out, run = copy_outputs(first, tmp_path)
    rows = [list(r) for r in ROWS]
    rows[2][9] = "2"
    data = write_csv(tmp_path / "data" / "units.csv", rows)
    r = cli(*batch_args(data, out))
    assert r.returncode == 1
    u = by_id(summary(out))
    assert {k: v["status"] for k, v in u.items()} == {"a/b:c": "ok", "CON": "ok", "..": "ok", "d": "failed"}
    assert u[".."]["total"] == pytest.approx(8.5)


@pytest.mark.slow
def test_killed_batch_resumes_to_the_same_outputs(first, tmp_path):
    """Issue: "a run killed with SIGKILL in the middle (subprocess, kill after the first report appears),
    then resumed, ends with the same set of outputs and the same scores as an uninterrupted run, and no
    temp files left". The kill comes once the batch has recorded its first finished report."""
    out = tmp_path / "out"
    run = out / "mini" / "2019"
    p = subprocess.Popen([sys.executable, "-m", "xinyong.cli", "batch", *batch_args(first["data"], out, jobs=1)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 240
    n = 0
    while time.monotonic() < deadline and n == 0:
        if p.poll() is not None:
            pytest.fail("the batch ended before it could be killed")
        try:
            n = len(json.loads((run / ".cache.json").read_text(encoding="utf-8"))["units"])
        except (OSError, ValueError, KeyError):
            time.sleep(0.05)
    assert n >= 1
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    assert not (run / "summary.json").exists()  # it was killed in the middle
    # whatever is published is whole; the staging folder .work/ holds in-flight files (papermill's
    # notebook being written) that the resumed run clears — asserted below
    published = [f for f in run.rglob("*") if ".work" not in f.relative_to(run).parts]
    for f in published:
        if f.suffix == ".html":
            assert f.read_text(encoding="utf-8").rstrip().endswith("</html>"), f
        elif f.suffix == ".ipynb":
            json.loads(f.read_text(encoding="utf-8"))

    r = cli(*batch_args(first["data"], out))
    assert r.returncode == 1, r.stderr
    s, ref = summary(out), summary(first["out"])
    statuses = {u["id"]: u["status"] for u in s["units"]}
    assert statuses["d"] == "failed" and "skipped" in statuses.values()
    assert {statuses[k] for k in GOOD} <= {"ok", "skipped"}

    def listing(d: Path) -> list[str]:
        return sorted(x.relative_to(d).as_posix() for x in d.rglob("*"))

    assert listing(out) == listing(first["out"])
    assert not [x for x in listing(out) if x.endswith(".tmp") or "/.work" in x or x.endswith(".lock")]
    keys = ("id", "name", "total", "grade", "rank", "gate_outcome", "unknown_points", "html", "error")
    assert [{k: u[k] for k in keys} for u in s["units"]] == [{k: u[k] for k in keys} for u in ref["units"]]
    for sheet in ("得分", "状态"):
        assert sheet_values(run / "scores.xlsx", sheet) == sheet_values(first["run"] / "scores.xlsx", sheet)


def _start_and_wait_for_a_report(args: list[str], run: Path) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-m", "xinyong.cli", "batch", *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if p.poll() is not None:
            pytest.fail("the batch ended before it could be stopped")
        try:
            if json.loads((run / ".cache.json").read_text(encoding="utf-8"))["units"]:
                return p
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    p.kill()
    pytest.fail("no report within 240 s")


@pytest.mark.slow
def test_sigterm_is_handled_like_ctrl_c(first, tmp_path):
    """Issue 13, point 4: "SIGTERM is handled like Ctrl-C: a Chinese message, finished reports kept, no
    .lock/.work left" — and no worker process left running."""
    import psutil

    out = tmp_path / "out"
    run = out / "mini" / "2019"
    p = _start_and_wait_for_a_report(batch_args(first["data"], out, jobs=1), run)
    children = psutil.Process(p.pid).children(recursive=True)
    assert children  # the local cluster's worker
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130 and "已中断" in err and "Traceback" not in err
    assert not (run / ".lock").exists() and not (run / ".work").exists()
    assert not [f for f in run.rglob("*.tmp")]
    done = json.loads((run / ".cache.json").read_text(encoding="utf-8"))["units"]
    assert done
    for entry in done.values():  # every report the cache calls finished is there, whole
        html = run / "units" / f"{entry['stem']}.html"
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")
        json.loads(html.with_suffix(".ipynb").read_text(encoding="utf-8"))
    psutil.wait_procs(children, timeout=30)
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.slow
def test_sigterm_stops_every_run_of_all_in_progress(tmp_path):
    """``--all`` keeps two runs in progress at once (one reads and scores while the other's reports
    render): SIGTERM stops both, each folder is left clean (no .lock, .work or temporary file), the
    reports the cache calls finished are whole, and the command says 已中断 with exit code 130."""
    rows = [[f"u{k}", f"单位{k}", "城市", "2", "是", "是", "3", "5", "70", "1", "", ""] for k in range(12)]
    pf = tmp_path / "runs.yaml"
    pf.write_text("runs:\n" + "".join(
        f"  - {{scheme: {MINI}, period: '{y}', data: {write_csv(tmp_path / f'{y}.csv', rows)}}}\n"
        for y in ("2019", "2020", "2021")), encoding="utf-8")
    out = tmp_path / "out"
    p = _start_and_wait_for_a_report(["--all", str(pf), "--out", str(out), "--jobs", "1"], out / "mini" / "2019")
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130 and "已中断" in err and "Traceback" not in err
    runs = [d for d in (out / "mini").iterdir() if d.is_dir()]
    assert runs
    for run in runs:
        assert not (run / ".lock").exists() and not (run / ".work").exists(), run
        assert not [f for f in run.rglob("*.tmp")]
        cache = run / ".cache.json"
        for entry in (json.loads(cache.read_text(encoding="utf-8"))["units"].values() if cache.exists() else ()):
            assert (run / "units" / f"{entry['stem']}.html").read_text(encoding="utf-8").rstrip().endswith("</html>")


# ------------------------------------------------------------------------------------------ notebook errors
@pytest.mark.slow
def test_notebook_error_is_a_failed_report_the_others_are_written(tmp_path):
    """Issue: "a unit ... whose notebook raises is written as a failed report: the executed notebook with
    the error (render keeps .failed.ipynb) and a short Chinese HTML saying what failed"."""
    import nbformat

    from xinyong.settings import Settings

    nbdir = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", nbdir)
    nb = nbformat.read(nbdir / "unit_report.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('if unit == "CON":\n    raise ValueError("测试：故意出错")'))
    nbformat.write(nb, nbdir / "unit_report.ipynb")
    data = write_csv(tmp_path / "units.csv", ROWS[:2])
    s = run_batch(MINI, "2019", data, tmp_path / "out", jobs=2, progress=False, settings=Settings(notebooks=nbdir))
    assert s.exit_code == 1
    assert [(u.id, u.status) for u in s.units] == [("a/b:c", "ok"), ("CON", "failed")]
    con = s.unit("CON")
    assert con.error_kind == "notebook" and "ValueError" in con.error and "测试：故意出错" in con.error
    kept = s.run_dir / con.notebook
    assert kept.name.endswith(".failed.ipynb") and "测试：故意出错" in kept.read_text(encoding="utf-8")
    page = (s.run_dir / con.html).read_text(encoding="utf-8")
    assert "报告笔记本执行出错" in page and "测试：故意出错" in page and kept.name.replace(".failed", "") != kept.name
    assert f'href="{__import__("urllib.parse").parse.quote(kept.name)}"' in page
    assert not (s.run_dir / con.html.replace(".failed.html", ".html")).exists()
    assert (s.run_dir / s.unit("a/b:c").html).is_file() and s.overview["status"] == "ok"
    # the overview (first rendered alongside the units) is rendered again to link CON's failure page
    ov = (s.run_dir / "overview.html").read_text(encoding="utf-8")
    assert f'href="units/{__import__("urllib.parse").parse.quote(Path(con.html).name)}"' in ov
    assert json.loads((s.run_dir / ".cache.json").read_text(encoding="utf-8"))["units"].keys() == {"a/b:c"}


# ------------------------------------------------------------------------------------------ kernel start
def _task(tmp_path: Path):
    from xinyong.batch.task import Bundle, Task

    bundle = Bundle.make(b"run", {"unit_report.ipynb": "{}", "overview.ipynb": "{}"})
    task = Task(kind="unit", scheme=str(MINI), period="2019", unit="a", data="x.csv", history=(), readings=(),
                bundle=bundle.digest, key="k" * 40, html="units/a.html", ipynb="units/a.ipynb",
                failed_ipynb="units/a.failed.ipynb", output_dir=str(tmp_path), engine="kernel")
    return task, bundle


def _fake_render(fail_with: list[BaseException]):
    from xinyong.report.render import Rendered

    calls = []

    def render(notebook, params, title, name="report", engine="kernel", work_dir=None, source=None):
        calls.append(params["unit"])
        assert Path(params["run_file"]).read_bytes() == b"run"  # the scattered run, as a local file
        if fail_with:
            raise fail_with.pop(0)
        return Rendered("<html></html>", "{}")

    return render, calls


def test_kernel_that_fails_to_start_is_retried(tmp_path, monkeypatch):
    """papermill#511: a kernel dying at start-up (port taken: ZMQError "Address already in use", seen by
    papermill as "Kernel died before replying to kernel_info") is retried with back-off."""
    import errno

    import zmq

    from xinyong.batch import worker
    from xinyong.report import render as rmod

    clash = RuntimeError("Kernel died before replying to kernel_info")
    try:
        raise RuntimeError("kernel start failed") from zmq.error.ZMQError(errno.EADDRINUSE)
    except RuntimeError as exc:
        chained = exc
    assert worker.kernel_start_failure(zmq.error.ZMQError(errno.EADDRINUSE)) and worker.kernel_start_failure(chained)
    fake, calls = _fake_render([clash, chained])
    monkeypatch.setattr(rmod, "render", fake)
    monkeypatch.setattr(worker, "BACKOFF", 0.0)
    r = worker.run_task(*_task(tmp_path))
    assert (r.status, r.attempts, len(calls)) == ("ok", 3, 3)
    assert (r.html, r.notebook) == ("<html></html>", "{}")
    assert not list(tmp_path.iterdir())  # the worker writes no output: the client does


def test_kernel_retries_are_bounded_and_cell_errors_are_not_retried(tmp_path, monkeypatch):
    from xinyong.batch import worker
    from xinyong.report import render as rmod

    monkeypatch.setattr(worker, "BACKOFF", 0.0)
    fake, calls = _fake_render([RuntimeError("Kernel died before replying to kernel_info")] * 10)
    monkeypatch.setattr(rmod, "render", fake)
    r = worker.run_task(*_task(tmp_path))
    assert (r.status, r.error_kind, r.attempts) == ("failed", "kernel", worker.KERNEL_RETRIES)
    assert len(calls) == worker.KERNEL_RETRIES and "内核启动失败" in r.error

    fake, calls = _fake_render([rmod.ReportError("报告生成失败：第 3 个单元出错", "cell 3", cell_index=3,
                                                 ename="ValueError", evalue="x", notebook_text='{"failed": 1}')])
    monkeypatch.setattr(rmod, "render", fake)
    r = worker.run_task(*_task(tmp_path))
    assert (r.status, r.error_kind, r.attempts, len(calls)) == ("failed", "notebook", 1, 1)
    assert r.notebook == '{"failed": 1}'  # the failed notebook comes back to the client

    fake, calls = _fake_render([ValueError("boom")])
    monkeypatch.setattr(rmod, "render", fake)
    r = worker.run_task(*_task(tmp_path))
    assert (r.status, r.error_kind, r.attempts) == ("failed", "error", 1)


def test_a_task_of_another_run_is_refused(tmp_path):
    from xinyong.batch import worker
    from xinyong.batch.task import Bundle

    task, _ = _task(tmp_path)
    with pytest.raises(ValueError, match="belongs to run"):
        worker.run_task(task, Bundle.make(b"other run", {}))


# ------------------------------------------------------------------------------------------ intake
def test_invalid_units_are_cut_from_a_workbook_copy(tmp_path):
    """Errors are attributed to units by their ``unit`` field, which intake fills from the unit id on the
    problem's row (as for a formula cell); the notebooks read a copy without those units' rows on every
    sheet; an error that belongs to no unit stops the run."""
    import xinyong
    from xinyong.errors import InputError
    from xinyong.intake import UnitRow, build_template, read_inputs
    from xinyong.batch.prepare import read_period

    scheme = xinyong.load_scheme(MINI)
    wb = build_template(scheme, "2019", [UnitRow("a", "甲市", "城市"), UnitRow("b", "乙区", "开发区"),
                                         UnitRow("c", "丙市", "城市")])
    ws = wb["输入"]  # A unit_id, B npl_rate, C has_a, D has_b, E approved, F total_depts, G share, H events
    for r, vals in ((4, [2.6, "是", "是", 3, 5, 70, 1]), (5, [1, "也许", "否", 4, 5, 55, 0]),
                    (6, [3, "否", "是", 5, 5, 90, 3])):
        for j, v in enumerate(vals, start=2):
            ws.cell(r, j, v)
    ws["G6"] = "=80+10"  # a formula: refused, located by sheet and row only
    ev = wb["证据"]
    for r, (uid, title) in enumerate((("a", "甲市总结"), ("b", "乙区总结"), ("c", "丙市总结")), start=2):
        ev.append(["mini.2.2", uid, title, f"{uid}.pdf", "2019-12-31"])
    src = tmp_path / "2019.xlsx"
    wb.save(src)  # a department's file, written by openpyxl: a formula stays a formula
    pi = read_period(scheme, "2019", src, tmp_path / "work")
    assert set(pi.bad) == {"b", "c"}
    assert pi.bad["b"][0].column == "C" and pi.bad["c"][0].column == "G" and pi.bad["c"][0].unit == "c"
    assert pi.path != src.resolve() and pi.path.name == "2019.xlsx"
    clean = read_inputs(scheme, pi.path)
    assert clean.errors == [] and list(clean.frame.index) == ["a"]
    assert clean.frame.at["a", "npl_rate"] == 2.6 and clean.period == "2019"
    assert clean.evidence["title"].tolist() == ["甲市总结"]
    assert read_inputs(scheme, src).errors  # the given file is untouched

    ws["J1"] = "no_such_input"  # a column nobody owns
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(InputError) as ei:
        read_period(scheme, "2019", tmp_path / "bad.xlsx", tmp_path / "work")
    assert "不属于任何单位" in ei.value.message and any("no_such_input" in str(p.value) for p in ei.value.problems)


# ------------------------------------------------------------------------------------------ run_all, CLI
@pytest.mark.slow  # a fresh Python process (or a real batch): seconds of imports; runs in make test
def test_run_all_records_runs_that_cannot_start_and_goes_on(tmp_path):
    """--all: a run whose file is missing or whose scheme is unknown is reported; the others run; paths
    in the params file may be relative to its parent folder (params/demo.yaml is relative to the repo)."""
    from xinyong.batch import load_params, run_all

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "empty.csv").write_text("", encoding="utf-8")
    pf = tmp_path / "params" / "runs.yaml"
    pf.parent.mkdir()
    mini = os.path.relpath(MINI, tmp_path)
    pf.write_text(f"runs:\n  - {{scheme: {mini}, period: '2019', data: data/empty.csv}}\n"
                  f"  - {{scheme: nosuch, period: '2020', data: data/empty.csv}}\n"
                  f"  - {{scheme: {mini}, period: '2019', data: data/empty.csv}}\n", encoding="utf-8")
    runs = load_params(pf)
    assert runs[0]["data"] == (tmp_path / "data" / "empty.csv").resolve()
    out = tmp_path / "out"
    s1, s2, s3 = run_all(pf, out, jobs=1, progress=False)
    assert s1.exit_code == 1 and "文件为空" in str(s1.run_error["problems"])
    # the same folder twice: run one after the other (two runs are in progress at once), never locked out
    assert "文件为空" in str(s3.run_error["problems"]) and "另一个批处理" not in s3.run_error["message"]
    assert "未知的方案" in s2.run_error["message"]
    index = (out / "mini" / "2019" / "index.html").read_text(encoding="utf-8")
    assert "本考核期未能生成报告" in index and "文件为空" in index
    top = (out / "index.html").read_text(encoding="utf-8")
    assert "查看错误" in top and 'href="mini/2019/index.html"' in top
    r = cli("--all", str(pf), "--out", str(out), "--jobs", "1")
    assert r.returncode == 1 and "文件为空" in r.stderr and "未知的方案" in r.stderr


def test_cli_arguments(tmp_path, capsys):
    """In this process: ``python -m xinyong.cli batch`` as a subprocess is run by the test above and the
    batches marked slow; starting three more interpreters only to check arguments costs seconds."""
    from xinyong.cli import main

    empty = tmp_path / "p.yaml"
    empty.write_text("runs: []\n", encoding="utf-8")
    assert main(["batch", "--all", str(empty), "--out", str(tmp_path / "o")]) == 0
    assert "没有任何运行" in capsys.readouterr().out
    assert "暂无报告" in (tmp_path / "o" / "index.html").read_text(encoding="utf-8")
    assert main(["batch", "--scheme", str(MINI), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--period" in err and "Traceback" not in err
    assert main(["batch", "--all", str(empty), "--scheme", str(MINI)]) == 2


def test_demo_params_name_existing_files():
    """params/demo.yaml: it lists runs, and every data file of every run exists."""
    from xinyong.batch import load_params

    runs = load_params(ROOT / "params" / "demo.yaml")
    assert runs, "params/demo.yaml lists no runs: run python scripts/make_demo.py"
    for r in runs:
        assert Path(r["data"]).is_file() and all(Path(h["data"]).is_file() for h in r["history"])


@pytest.mark.slow  # a fresh Python process (or a real batch): seconds of imports; runs in make test
def test_one_batch_at_a_time_per_run_folder(tmp_path):
    """A second batch on the same run folder is refused while the first holds it; a lock file left by a
    killed batch (no process holds the OS lock any more) is taken over."""
    from xinyong.batch.lock import RunLock
    from xinyong.errors import XinyongError

    run = tmp_path / "mini" / "2019"
    with RunLock(run):
        assert (run / ".lock").read_text() == str(os.getpid())
        code = ("import sys; sys.path.insert(0, %r)\nfrom pathlib import Path\nfrom xinyong.batch.lock import RunLock\n"
                "try:\n    RunLock(Path(%r)).__enter__()\nexcept Exception as e:\n    print(e.message)\n")
        r = subprocess.run([sys.executable, "-c", code % (str(ROOT / "lib"), str(run))], capture_output=True, text=True)
        assert "另一个批处理" in r.stdout and str(os.getpid()) in r.stdout
    assert not (run / ".lock").exists()
    (run / ".lock").write_text("999999")  # left by a batch killed with SIGKILL
    with RunLock(run):
        assert (run / ".lock").read_text() == str(os.getpid())
    with pytest.raises(XinyongError):
        with RunLock(run):
            RunLock(run).__enter__()  # flock is per open file: a second open in the same process is refused too


def test_problem_values_of_any_cell_type_go_into_summary_json():
    """A refused cell may hold a date or a time (openpyxl gives datetime objects): summary.json still writes."""
    import datetime as dt

    from xinyong.batch.model import BatchSummary, UnitOutcome
    from xinyong.batch.outputs import problem_rows, summary_json
    from xinyong.errors import Problem

    rows = problem_rows([Problem("应为数值，不是日期", "date", file="/x/2019.xlsx", sheet="输入", row=4, column="B",
                                 value=dt.datetime(2019, 3, 1, 8, 30)),
                         Problem("x", value=dt.time(8, 30)), Problem("y", value=float("nan"))])
    assert [r["value"] for r in rows] == ["2019-03-01T08:30:00", "08:30:00", None] and rows[0]["file_name"] == "2019.xlsx"
    s = BatchSummary("mini", "测试方案", "2019", Path("."), "x.xlsx",
                     units=[UnitOutcome("u", "甲", "城市", "failed", "u", problems=rows)])
    assert json.loads(summary_json(s))["units"][0]["problems"][0]["value"] == "2019-03-01T08:30:00"
