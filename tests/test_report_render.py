"""Rendered reports (issue 6): papermill runs the notebook, nbconvert writes one self-contained HTML.

Issue 6: "Render one demo report per scheme in the test suite and assert on the HTML: the total and
grade appear and equal the library's result, every item id appears, no `http://`/`https://` in any
src/href, the escaped unit name. Render one report to PNG in headless Chromium ... and check the chart
area is not blank." "Size target: a unit report under 2 MB."
"""
from __future__ import annotations

import html as htmlmod
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import xinyong
from xinyong.report import load_run
from xinyong.report.narrative import num
from xinyong.report.render import render_overview, render_unit_report

from conftest import MINI, ROOT, demo_runs

EVIL = "<script>alert(1)</script>"
MAX_BYTES = 2 * 1024 * 1024

pytestmark = pytest.mark.slow


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href")]


def parse(text: str) -> Links:
    p = Links()
    p.feed(text)
    return p


def assert_offline(text: str) -> None:
    p = parse(text)
    remote = [u for u in p.urls if re.match(r"\s*(https?:)?//", u, re.I)]
    assert not remote, remote[:3]
    assert "script" not in p.tags and "link" not in p.tags
    assert "http://" not in text and "https://" not in text


def assert_unit_html(text: str, run, unit: str) -> None:
    row = run.result.units.loc[unit]
    assert f'data-total="{num(row["total"])}"' in text
    if run.scheme.grades is not None:
        assert f'data-grade="{row["grade"]}"' in text
    for it in run.scheme.walk_items():
        assert f'id="item-{it.id}"' in text, it.id
    assert htmlmod.escape(str(row["unit_name"]), quote=False) in text
    assert_offline(text)


def mini_csv(tmp: Path) -> Path:
    p = tmp / "mini.csv"
    p.write_text(
        "unit_id,unit_name,unit_kind,npl_rate,has_a,has_b,approved,total_depts,share,events,judge:mini.2.2,why:mini.2.2\n"
        "a,甲市,城市,2.6,是,是,3,5,70,1,1.5,工作扎实\n"
        f"b,{EVIL},开发区,1,1,0,4,5,55,0,,\n"
        "c,丙市,城市,,0,1,5,5,90,3,2,<b>有创新</b>\n", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def mini_report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mini")
    data = mini_csv(tmp)
    timings: dict = {}
    path = render_unit_report(MINI, "2019", "b", data, tmp / "out", timings=timings)
    return path, load_run(MINI, data, period="2019"), timings


def test_mini_report_html(mini_report):
    path, run, _ = mini_report
    text = path.read_text(encoding="utf-8")
    assert_unit_html(text, run, "b")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and EVIL not in text
    assert path.stat().st_size < MAX_BYTES
    assert path.with_suffix(".ipynb").is_file()  # the executed notebook kept beside it for audit
    assert not list(path.parent.glob(".*.tmp")) and not list(path.parent.glob(".*.ipynb"))


def test_mini_report_hides_code(mini_report):
    text = mini_report[0].read_text(encoding="utf-8")
    assert "load_run" not in text and "from xinyong" not in text and "jp-InputArea" not in text


def test_overview_html_links_and_escaping(tmp_path):
    data = mini_csv(tmp_path)
    path = render_overview(MINI, "2019", data, tmp_path / "out", unit_links={"a": "mini_2019_a.html",
                                                                             "b": "https://evil.example/x"})
    text = path.read_text(encoding="utf-8")
    assert_offline(text)
    assert 'href="mini_2019_a.html"' in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    run = load_run(MINI, data, period="2019")
    for u, row in run.result.units.iterrows():
        assert re.search(rf'data-unit="{u}"[^>]*>{row["total"]:.2f}<', text)  # totals with two decimals


def test_failed_notebook_is_kept(tmp_path):
    data = mini_csv(tmp_path)
    with pytest.raises(xinyong.XinyongError, match="报告生成失败") as ei:
        render_unit_report(MINI, "2019", "no-such-unit", data, tmp_path / "out")
    assert Path(ei.value.fields["notebook"]).is_file()
    assert not (tmp_path / "out" / "mini_2019_no-such-unit.html").exists()


def test_cli_report(tmp_path):
    from xinyong.cli import main

    data = mini_csv(tmp_path)
    assert main(["report", str(MINI), "--period", "2019", "--unit", "甲市", "--data", str(data),
                 "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "mini_2019_a.html").is_file()
    assert main(["report", str(MINI), "--period", "2019", "--unit", "zz", "--data", str(data),
                 "--out", str(tmp_path / "o")]) == 2


def test_one_units_bad_data_stops_no_other_report(tmp_path, capsys):
    """Unit B's bad cell does not stop A's report nor the overview: ``report --unit A`` works and warns
    with B's located error, ``report --unit B`` fails with it, the overview lists B as 数据有误. The file
    names come from the scheme's id, not from the YAML file's name."""
    import shutil

    from xinyong.cli import main
    from xinyong.intake import UnitRow, build_template, save_workbook

    yaml = tmp_path / "考核细则（修订稿）.yaml"  # a file name an office gives; the scheme's id is mini
    shutil.copy(MINI, yaml)
    wb = build_template(xinyong.load_scheme(MINI), "2019", [UnitRow("a", "甲市", "城市"), UnitRow("b", "乙区", "开发区")])
    ws = wb["输入"]  # A unit_id, B npl_rate, C has_a, D has_b, E approved, F total_depts, G share, H events
    for r, vals in ((4, [2.6, "是", "是", 3, 5, 70, 1]), (5, [1, "也许", "否", 4, 5, 55, 0])):
        for j, v in enumerate(vals, start=2):
            ws.cell(r, j, v)
    data = save_workbook(wb, tmp_path / "2019.xlsx")
    out = tmp_path / "o"
    args = [str(yaml), "--period", "2019", "--data", str(data), "--out", str(out)]
    assert main(["report", *args, "--unit", "甲市"]) == 0
    err = capsys.readouterr().err
    assert "乙区（b） 的数据有误" in err and "输入!C5" in err and "也许" in err
    assert (out / "mini_2019_a.html").is_file() and not list(out.glob("考核细则*"))
    assert main(["report", *args, "--unit", "乙区"]) == 2
    err = capsys.readouterr().err
    assert "单位“乙区”的数据有 1 处错误" in err and "输入!C5" in err
    assert not (out / "mini_2019_b.html").exists()
    assert main(["overview", *args]) == 0
    page = (out / "mini_2019_overview.html").read_text(encoding="utf-8")
    assert "数据有误（未评分）" in page and "乙区" in page and "工作表=输入，行=5，列=C" in page
    from xinyong.util import sha256_file

    assert sha256_file(data) in page and ".inputs" not in page  # 复现信息: the file given, not the copy


def test_kernel_shutdown_noise_is_dropped_and_real_kernel_errors_are_kept(tmp_path, capfd):
    """“[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.” printed after ``xinyong report``: the
    kernel's log line when the interrupt jupyter_client sends on every shutdown finds it in a message
    handler (a race, so a render may or may not print it). The kernel writes that line to the stderr it
    shares with us; here a cell writes it, and a real complaint, to the kernel process's own stderr:
    the line is dropped, the complaint reaches ours."""
    import nbformat
    import papermill as pm

    from xinyong.report.kernel import QuietShutdownKernelManager, without_shutdown_noise
    from xinyong.report.render import KERNEL, KERNEL_ARGS

    noise = "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel."
    assert without_shutdown_noise(f"a\n{noise}\nb\n") == "a\nb\n"
    assert without_shutdown_noise("[IPKernelApp] ERROR | Exception in message handler:\n") != ""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        f"import sys\nprint({noise!r}, file=sys.__stderr__, flush=True)\n"
        "print('内核自己的错误', file=sys.__stderr__, flush=True)")]
    src = tmp_path / "k.ipynb"
    nbformat.write(nb, src)
    capfd.readouterr()
    pm.execute_notebook(str(src), str(tmp_path / "out.ipynb"), kernel_name=KERNEL, progress_bar=False,
                        extra_arguments=KERNEL_ARGS, kernel_manager_class=QuietShutdownKernelManager)
    err = capfd.readouterr().err
    assert "内核自己的错误" in err and "KeyboardInterrupt caught in kernel" not in err


# ----------------------------------------------------------------------------- one per shipped scheme
def _demo_runs():
    first = {}
    for r in demo_runs():  # the last period of each scheme, with its history
        first[r["scheme"]] = r
    return first


@pytest.mark.parametrize("sid", xinyong.SCHEME_IDS)
def test_demo_report_per_scheme(sid, tmp_path):
    r = _demo_runs().get(sid)
    assert r is not None, f"no demo data for {sid} in params/demo.yaml: run python scripts/make_demo.py"
    data = ROOT / r["data"]
    hist = [{"period": h["period"], "data": ROOT / h["data"]} for h in r.get("history", [])]
    run = load_run(sid, data, period=r["period"], history=hist)
    unit = run.result.units.sort_values("rank").index[-1]  # the weakest unit: most rows in the action list
    path = render_unit_report(sid, r["period"], unit, data, tmp_path, history=hist)
    text = path.read_text(encoding="utf-8")
    assert_unit_html(text, run, unit)
    assert path.stat().st_size < MAX_BYTES
    ov = render_overview(sid, r["period"], data, tmp_path, unit_links={unit: path.name}, history=hist)
    otext = ov.read_text(encoding="utf-8")
    assert_offline(otext)
    assert f'href="{path.name}"' in otext


# ----------------------------------------------------------------------------- headless Chromium
def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (make chromium)")
def test_report_renders_in_chromium(mini_report, tmp_path):
    """The page opens offline and the charts are drawn: the chart area holds the bar colour."""
    from matplotlib import image as mpimg

    from xinyong.report.fonts import font_path

    # The reader's machine has Microsoft YaHei / PingFang; this one may have no CJK font, so point
    # fontconfig at the font we ship, as the CSS stack names it.
    conf = tmp_path / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>
<include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>{font_path().parent}</dir>
<cachedir>{tmp_path / 'fc'}</cachedir></fontconfig>""", encoding="utf-8")
    png = tmp_path / "report.png"
    env = dict(os.environ, FONTCONFIG_FILE=str(conf), HOME=str(tmp_path))
    subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--hide-scrollbars", f"--screenshot={png}",
                    "--window-size=1200,3000", mini_report[0].as_uri()],
                   env=env, check=True, timeout=120, capture_output=True)
    img = mpimg.imread(png)[:, :, :3]
    assert img.shape[0] == 3000 and img.shape[1] == 1200
    keep = os.environ.get("XINYONG_KEEP_PNG")
    if keep:
        shutil.copy(png, keep)
    # charts.BLUE = #2f6db5; the first chart sits in the top half of the page
    blue = (abs(img[:, :, 0] - 0x2F / 255) < 0.04) & (abs(img[:, :, 1] - 0x6D / 255) < 0.04) & (abs(img[:, :, 2] - 0xB5 / 255) < 0.04)
    rows = blue.sum(axis=1)
    assert rows[:1500].sum() > 5000, "no bar colour in the chart area: the chart images did not render"
    chart_rows = img[rows > 50]
    assert chart_rows.std() > 0.1  # not a flat block


# ----------------------------------------------------------------------------- nbval on the committed notebooks
def test_committed_notebooks_pass_nbval():
    """The committed notebooks' outputs equal a fresh run (volatile cells: # NBVAL_IGNORE_OUTPUT)."""
    nbs = [str(ROOT / "notebooks" / n) for n in ("unit_report.ipynb", "overview.ipynb")]
    proc = subprocess.run([os.sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", *nbs,
                           "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg")],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert re.search(r"\b\d+ passed", proc.stdout)


def test_volatile_cells_are_the_ones_nbval_ignores():
    """The provenance cells (time, absolute paths, hashes, versions) must carry a marker nbval actually
    reads: a comment line that is exactly `# NBVAL_IGNORE_OUTPUT`. With text after the marker nbval
    silently compared them, and a clone at another path failed (CI, 2026-11-24)."""
    import nbformat
    from nbval.plugin import find_comment_markers

    for name in ("unit_report.ipynb", "overview.ipynb"):
        nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        ignored = [c for c in nb.cells if c.cell_type == "code"
                   and dict(find_comment_markers(c.source)).get("check") is False]
        assert [c.source.splitlines()[-1] for c in ignored] in (["rep.provenance()"], ["ov.provenance()"]), name
        assert all("provenance" not in c.source for c in nb.cells if c not in ignored), name


# ----------------------------------------------------------------------------- workbooks with history
def test_mini_workbooks_with_history(tmp_path):
    """Two quarters of filled workbooks (scripts/make_demo.py on the mini scheme): the report shows the
    change against the previous quarter, the trend chart and the evidence registered in the workbook."""
    import importlib.util

    from xinyong.intake import save_workbook

    spec = importlib.util.spec_from_file_location("make_demo", ROOT / "scripts" / "make_demo.py")
    md = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(md)
    scheme = xinyong.load_scheme(MINI)
    units = [("c1", "示例甲市", "城市"), ("c2", "示例乙市", "城市"), ("c3", "示例开发区", "开发区")]
    paths = {}
    for k, period in enumerate(("2022Q1", "2022Q2")):
        wb, _ = md.build(scheme, period, k, 2, unit_list=units)
        paths[period] = save_workbook(wb, tmp_path / f"{period}.xlsx") or tmp_path / f"{period}.xlsx"
    hist = [{"period": "2022Q1", "data": paths["2022Q1"]}]
    run = load_run(MINI, paths["2022Q2"], period="2022Q2", history=hist)
    path = render_unit_report(MINI, "2022Q2", "c1", paths["2022Q2"], tmp_path / "out", history=hist)
    text = path.read_text(encoding="utf-8")
    assert_unit_html(text, run, "c1")
    prev = run.history[0][1].units.loc["c1", "total"]
    assert f"与上一考核期（2022年第一季度，{prev:.2f} 分" in text
    assert "总分变化趋势" in text
    ev = run.data.evidence
    assert (ev["unit_id"] == "c1").any(), "the demo registers evidence for judged items"
    for title in ev.loc[ev["unit_id"] == "c1", "title"]:
        assert htmlmod.escape(str(title), quote=False) in text


def test_reproducible_html_apart_from_the_generation_time(mini_report, tmp_path):
    """Issue 8: "The same inputs give byte-identical scores and byte-identical HTML apart from one clearly
    marked generation-time line (test it: two runs, diff). Record package versions in each report."
    The second run writes to another folder, at another time, in another kernel."""
    import difflib

    first, _run, _t = mini_report
    data = first.parent.parent / "mini.csv"
    second = render_unit_report(MINI, "2019", "b", data, tmp_path / "again")
    a = first.read_text(encoding="utf-8").splitlines()
    b = second.read_text(encoding="utf-8").splitlines()
    diff = [ln for ln in difflib.unified_diff(a, b, lineterm="", n=0) if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
    assert all("生成时间" in ln for ln in diff), diff[:6]
    assert len(diff) <= 2
    text = "\n".join(a)
    for pkg in ("xinyong", "pandas", "matplotlib", "papermill", "nbconvert"):
        assert pkg in text
