"""Hostile returns: an evidence link must not copy the office's files into published reports.

The office runs ``validate``, ``collect``, ``report`` and ``batch`` on workbooks and ``<stem>_证据/``
folders that units send back, and publishes what they write. Every evidence path stays inside one
evidence root and reaches no link (``xinyong.intake.evidence_paths``): ``..``, absolute paths, drive
letters, UNC paths, device names, ``file:`` links, symlinks (to a file, to a folder, relative, even one
that stays inside the folder) and FIFOs are refused with a Chinese message at the cell (sheet 证据,
row, column D 文件名或链接); a legitimate file is still copied. The secret is a file of this test,
outside every root, so a leak is seen as its bytes in an output, whatever the machine.

And 复现信息 names the data file by name, never by the absolute path of the folder it was in.
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xinyong.demo import demo_folder
from xinyong.intake import evidence_paths as ep
from xinyong.intake import read_inputs

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or not hasattr(os, "mkfifo"),
                                reason="needs POSIX symlinks and FIFOs")

SECRET = b"SECRET-3f9c1e: root:x:0:0:the office's own file"
TOWN = "jiaxian_township"
DEPT = "jiaxian_county_dept"


# ------------------------------------------------------------------------------------------ helpers
def outside(tmp_path: Path) -> Path:
    """A folder outside every evidence root: the secret, and a folder holding it (a stand-in for /etc)."""
    d = tmp_path / "外部"
    (d / "etc").mkdir(parents=True)
    (d / "secret.txt").write_bytes(SECRET)
    (d / "etc" / "passwd").write_bytes(SECRET)
    return d


def plant(folder: Path, out: Path, climb: str) -> None:
    """The hostile contents of an evidence folder: links (absolute, relative climbing ``climb`` out, to a
    folder, one staying inside), a FIFO, and one legitimate file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ok.pdf").write_bytes(b"%PDF-1.4 legit evidence")
    os.symlink(out / "secret.txt", folder / "passwd.pdf")
    os.symlink(f"{climb}外部/secret.txt", folder / "rel.pdf")
    os.symlink(out / "etc", folder / "etc")
    os.symlink("ok.pdf", folder / "inside.pdf")
    os.mkfifo(folder / "fifo.pdf")


def hostile_links(out: Path, prefix: str, climb: str) -> dict[str, str]:
    """Title -> 文件名或链接 of the rows a hostile unit writes (``prefix``: where its folder is named)."""
    return {"合法": f"{prefix}ok.pdf", "上级目录": f"{climb}外部/secret.txt", "绝对路径": str(out / "secret.txt"),
            "盘符": "C:\\Users\\张三\\Desktop\\secret.pdf", "盘符相对": "C:secret.pdf",
            "网络共享": "\\\\server\\share\\secret.pdf", "设备名": f"{prefix}NUL.pdf",
            "文件链接": f"file://{out / 'secret.txt'}", "符号链接": f"{prefix}passwd.pdf",
            "相对链接": f"{prefix}rel.pdf", "目录链接": f"{prefix}etc/passwd", "内部链接": f"{prefix}inside.pdf",
            "管道": f"{prefix}fifo.pdf", "网址": "https://www.example.gov.cn/a.pdf"}


REFUSED_TITLES = {"上级目录", "绝对路径", "盘符", "盘符相对", "网络共享", "设备名", "文件链接", "符号链接", "相对链接",
                  "目录链接", "内部链接", "管道"}


def contents(path: Path) -> bytes:
    """A file's bytes, and every member of it when it is a zip (xlsx, docx): compressed bytes hide text."""
    data = path.read_bytes()
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                data += b"".join(z.read(n) for n in z.namelist())
        except zipfile.BadZipFile:
            pass
    return data


def leaked(folder: Path) -> list[str]:
    """The files below ``folder`` (links not followed) that hold the secret's bytes."""
    return [p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and not p.is_symlink() and SECRET in contents(p)]


def snapshot(root: Path, but: Path) -> dict[str, tuple[int, int]]:
    """Every path below ``root`` except those below ``but``: (size, mtime) — what a step may not touch."""
    out = {}
    for p in root.rglob("*"):
        if p == but or but in p.parents:
            continue
        st = p.lstat()
        out[p.relative_to(root).as_posix()] = (st.st_size, st.st_mtime_ns)
    return out


def town_period(tmp_path: Path) -> tuple[Path, Path, dict[int, str]]:
    """The township demo workbook with town01's hostile rows appended to 证据 and its files beside it.
    Returns (workbook, folder outside, sheet row -> title)."""
    out = outside(tmp_path)
    period = tmp_path / "数据" / "2022Q1.xlsx"
    period.parent.mkdir()
    shutil.copy(demo_folder() / TOWN / "2022Q1.xlsx", period)
    plant(period.parent / "证据" / "town01", out, "../../../")
    wb = openpyxl.load_workbook(period)
    ws = wb["证据"]
    item = next(ws.cell(r, 1).value for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value == "town01")
    rows = {}
    for title, link in hostile_links(out, "证据/town01/", "../").items():
        r = ws.max_row + 1
        ws.cell(r, 1, item), ws.cell(r, 2, "town01"), ws.cell(r, 3, title), ws.cell(r, 4, link)
        ws.cell(r, 5, "2022-03-31")
        rows[r] = title
    wb.save(period)
    return period, out, rows


# ------------------------------------------------------------------------------------------ the text
@pytest.mark.parametrize("link", ["../../../etc/passwd", "证据/../../x.pdf", ".. /x.pdf", "/etc/passwd", "/dev/zero",
                                  "\\etc\\passwd", "C:\\Users\\a\\x.pdf", "C:x.pdf", "c:/x.pdf", "\\\\srv\\share\\x.pdf",
                                  "//srv/share/x.pdf", "\\\\?\\C:\\x.pdf", "\\\\.\\PhysicalDrive0", "CON.pdf",
                                  "证据/nul/x.pdf", "com1.txt", "证据/LPT1", "证据/a.pdf:secret", "file:///etc/passwd",
                                  "FILE://srv/x.pdf", "a\x00.pdf", "证据/a\n.pdf", ep.REFUSED_MARK])
def test_refused_by_its_text(link):
    got = ep.classify(link)
    assert got.kind == ep.REFUSED and re.search(r"[\u4e00-\u9fff]", got.why) and got.rel is None, got


@pytest.mark.parametrize("link,kind,rel", [("会议纪要.pdf", ep.PATH, "会议纪要.pdf"), ("证据\\u1\\纪要.pdf", ep.PATH, "证据/u1/纪要.pdf"),
                                           ("./会议/纪要.pdf", ep.PATH, "会议/纪要.pdf"), ("https://x.gov.cn/a.pdf", ep.URL_KIND, None),
                                           ("郏信用办〔2022〕4号", ep.TEXT, None), ("档案室第 3 盒", ep.TEXT, None),
                                           ("CON", ep.TEXT, None), ("", ep.NONE, None)])
def test_legitimate_links_kept(link, kind, rel):
    """A device name is refused only as a path; as text (no folder, no extension) it is shown, never opened."""
    got = ep.classify(link)
    assert got.kind == kind and (got.rel.as_posix() if got.rel else None) == rel


# ------------------------------------------------------------------------------------------ the disk
@pytest.mark.parametrize("walk", [True, False], ids=["dir_fd", "lstat-then-open"])
def test_open_and_copy_never_follow_a_link(tmp_path, monkeypatch, walk):
    """Both ways of opening: walking with dir_fd and O_NOFOLLOW (POSIX), and lstat of every component
    then open and compare (where os.open takes no dir_fd: Windows)."""
    monkeypatch.setattr(ep, "_WALK", walk and ep._WALK)
    out = outside(tmp_path)
    root = tmp_path / "root"
    plant(root, out, "../")
    (root / "sub").mkdir()
    os.symlink(root / "sub", root / "sublink")
    (root / "sub" / "a.pdf").write_bytes(b"a")
    dest = tmp_path / "dest"
    for rel in ("passwd.pdf", "rel.pdf", "etc/passwd", "inside.pdf", "fifo.pdf", "sublink/a.pdf", "etc"):
        assert ep.locate(root, ep.PurePosixPath(rel)).state == ep.REFUSED, rel
        with pytest.raises(ep.Refused) as e:
            ep.copy_regular(root, ep.PurePosixPath(rel), dest / "x")
        assert re.search(r"已拒绝", e.value.why), rel
    assert not dest.exists() or not any(dest.iterdir())  # nothing written, not even a temporary file
    with pytest.raises(FileNotFoundError):
        ep.copy_regular(root, ep.PurePosixPath("none.pdf"), dest / "x")
    assert ep.copy_regular(root, ep.PurePosixPath("sub/a.pdf"), dest / "a.pdf") == ep.sha256_in(root, ep.PurePosixPath("sub/a.pdf"))
    assert (dest / "a.pdf").read_bytes() == b"a"
    # a link planted where the copy goes is replaced, not written through
    os.symlink(out / "secret.txt", dest / "b.pdf")
    ep.copy_regular(root, ep.PurePosixPath("ok.pdf"), dest / "b.pdf")
    assert not (dest / "b.pdf").is_symlink() and (out / "secret.txt").read_bytes() == SECRET
    # a hard link is a regular file: accepted (the module's decision)
    os.link(root / "ok.pdf", root / "hard.pdf")
    assert ep.locate(root, ep.PurePosixPath("hard.pdf")).state == ep.OK


# ------------------------------------------------------------------------------------------ validate
def test_validate_notes_every_refused_link_at_its_cell(tmp_path, capsys):
    from xinyong.cli import main

    period, out, rows = town_period(tmp_path)
    main(["validate", TOWN, str(period), "--format", "json"])
    got = json.loads(capsys.readouterr().out)
    refused = {p["row"]: p for p in got["problems"] if p["message"].startswith("证据链接已拒绝")}
    assert {rows[r] for r in refused} == REFUSED_TITLES
    for p in refused.values():
        assert (p["sheet"], p["column"], p["unit"], p["severity"]) == ("证据", "D", "town01", "note")
        assert "证据文件夹中的文件名" in p["expected"] and p["file"] == str(period)
    by_title = {rows[r]: p["message"] for r, p in refused.items()}
    assert "“..”" in by_title["上级目录"] and "符号链接" in by_title["内部链接"] and "不是普通文件" in by_title["管道"]
    assert "盘符" in by_title["盘符相对"] and "网络共享" in by_title["网络共享"] and "设备名" in by_title["设备名"]
    assert got["errors"] == 0  # a refused link stops no scoring: the file is simply never opened


# ------------------------------------------------------------------------------------------ report
def test_report_shows_refused_links_and_copies_only_the_legitimate_file(tmp_path):
    from xinyong import report as xr
    from xinyong.report.evidence import copy_unit_files, refused

    period, out, rows = town_period(tmp_path)
    before = snapshot(tmp_path, tmp_path / "报告")
    run = xr.load_run(TOWN, period, period="2022Q1")
    ev = run.data.evidence.set_index("title")
    assert set(ev.index[ev["state"] == "refused"]) == REFUSED_TITLES
    assert ev.at["合法", "state"] == "ok" and ev.at["网址", "state"] is None
    html = xr.UnitReport(run, "town01").evidence_table().html
    assert html.count("链接无效（已拒绝）") == len(REFUSED_TITLES) + 1  # each row, and the note above the table
    hrefs = re.findall(r'<a href="([^"]+)"', html)
    assert any(h.endswith("ok.pdf") for h in hrefs) and not any(re.search(r"secret|passwd|fifo|etc|inside|rel\.pdf", h)
                                                               for h in hrefs)
    assert str(tmp_path) not in html and "secret.txt" not in html  # the refused link as written is not shown
    report_dir = tmp_path / "报告"
    copies = copy_unit_files(run.data.evidence, "town01", report_dir)
    assert [p.name for p in copies] == ["ok.pdf"] and not leaked(report_dir)
    assert sorted(p.name for p in (report_dir / "证据" / "town01").iterdir()) == ["ok.pdf"]
    assert snapshot(tmp_path, report_dir) == before  # nothing written outside the report's folder
    probs = refused(run.data.evidence, period, "town01")
    assert {rows[p.row] for p in probs} == REFUSED_TITLES
    assert all((p.sheet, p.column, p.unit) == ("证据", "D", "town01") and p.message.startswith("证据链接已拒绝：")
               for p in probs)


# ------------------------------------------------------------------------------------------ collect
def test_collect_refuses_marks_and_tells_the_receipt(tmp_path):
    from xinyong.intake.submission import collect, read_manifest, split
    from xinyong.intake.template import UnitRow
    from xinyong.scheme import load_scheme
    from quarter_helpers import fill_return

    scheme = load_scheme(DEPT)
    demo = read_inputs(scheme, demo_folder() / DEPT / "2022Q2.xlsx").frame
    uid = str(demo.index[0])
    sent = split(scheme, "2022Q2", [UnitRow(uid, demo.at[uid, "unit_name"], demo.at[uid, "unit_kind"])],
                 tmp_path / "填报表", due="2022年7月5日")
    out = outside(tmp_path)
    back = tmp_path / "收回"
    links = hostile_links(out, "", "../../")
    rows = {r: title for r, title in enumerate(links, 2)}
    book = fill_return(scheme, sent.files[uid], {i: demo.at[uid, i] for i in scheme.input_catalogue}, back / "发改委.xlsx",
                       evidence=[(r, t, links[t]) for r, t in rows.items()])
    plant(back / "发改委_证据", out, "../../")
    shutil.copy(sent.folder / "报送名单.csv", back / "报送名单.csv")
    # returns that are links: to the unit's own workbook kept elsewhere, and a folder of them
    shutil.copy(book, out / "另一份.xlsx")
    os.symlink(out / "另一份.xlsx", back / "链接.xlsx")
    os.symlink(out, back / "链接目录")
    merged_dir = tmp_path / "汇总"
    merged_dir.mkdir()
    before = snapshot(tmp_path, merged_dir)
    res = collect(scheme, "2022Q2", back, merged_dir / "2022Q2.xlsx", read_manifest(back, scheme))
    assert snapshot(tmp_path, merged_dir) == before  # nothing written beside the returns or anywhere else
    assert not leaked(merged_dir)
    assert [(s.rel, s.refused) for s in res.refused] == [("链接.xlsx", "这是符号链接（快捷方式），不是交回的文件本身")]
    assert [s.rel for s in res.taken] == ["发改委.xlsx"]  # nothing read through 链接目录/
    assert sorted(p.relative_to(merged_dir).as_posix() for p in (merged_dir / "证据").rglob("*")) == \
        [f"证据/{uid}", f"证据/{uid}/ok.pdf"]
    # the refusals: errors at their cells, on the console and in 报送情况
    bad = [p for p in res.problems if p.message.startswith("证据链接已拒绝")]
    assert {rows[p.row] for p in bad} == REFUSED_TITLES
    assert all((p.sheet, p.column, p.unit, p.severity, p.file) == ("证据", "D", uid, "error", str(book)) for p in bad)
    receipt = res.receipts.set_index("单位编号").loc[uid]
    assert receipt["错误数"] == len(REFUSED_TITLES) and "证据链接已拒绝" in receipt["问题摘要"] and "行=3" in receipt["问题摘要"]
    assert "证据链接已拒绝" in res.receipts_csv.read_bytes().decode("utf-8-sig")
    # the merged 证据 sheet: the rows stay, a refused link is marked, the legitimate one points at its copy
    ws = openpyxl.load_workbook(res.output)["证据"]
    merged = {ws.cell(r, 3).value: ws.cell(r, 4).value for r in range(2, ws.max_row + 1) if ws.cell(r, 3).value}
    assert {t for t, link in merged.items() if link == ep.REFUSED_MARK} == REFUSED_TITLES
    assert merged["合法"] == f"证据/{uid}/ok.pdf" and merged["网址"] == links["网址"]
    # the next report on the merged workbook shows them refused and copies nothing else
    from xinyong import report as xr
    from xinyong.report.evidence import copy_unit_files

    run = xr.load_run(DEPT, res.output, period="2022Q2")
    ev = run.data.evidence.set_index("title")
    assert set(ev.index[ev["state"] == "refused"]) == REFUSED_TITLES
    html = xr.UnitReport(run, uid).evidence_table().html
    assert html.count("链接无效（已拒绝）") == len(REFUSED_TITLES) + 1
    assert [p.name for p in copy_unit_files(run.data.evidence, uid, tmp_path / "报告")] == ["ok.pdf"]
    assert not leaked(tmp_path / "报告")


# ------------------------------------------------------------------------------------------ rendered
@pytest.mark.slow
def test_rendered_report_and_batch_leak_neither_the_secret_nor_the_data_folder(tmp_path, capsys):
    """The real paths: ``xinyong report`` (papermill, nbconvert, Word) and one small batch. 复现信息 names
    the data file by name, and so do summary.json and the executed notebooks kept beside the pages (no
    absolute path: the tmp_path string occurs in no published page)."""
    from xinyong.batch.prepare import without_units
    from xinyong.batch.runner import run_batch
    from xinyong.cli import main

    period, out, rows = town_period(tmp_path)
    others = set(read_inputs(TOWN, period).frame.index) - {"town01", "town02"}
    period.write_bytes(without_units(period, others))
    ws = openpyxl.load_workbook(period)["证据"]
    rows = {r: ws.cell(r, 3).value for r in range(2, ws.max_row + 1)}  # the rows moved up
    before = snapshot(tmp_path, tmp_path / "发布")
    assert main(["report", TOWN, "--period", "2022Q1", "--unit", "town01", "--data", str(period),
                 "--out", str(tmp_path / "发布" / "报告"), "--format", "html,docx"]) == 0
    console = capsys.readouterr().out
    assert "证据链接已拒绝" in console and "个证据链接已拒绝" in console
    s = run_batch(TOWN, "2022Q1", period, tmp_path / "发布" / "批量", jobs=1, progress=False)
    assert not s.run_error and all(u.status == "ok" for u in s.units)
    assert {rows[p["row"]] for p in s.evidence_refused} == REFUSED_TITLES  # rows of the file given
    assert all((p["file"], p["sheet"], p["column"], p["unit"]) == ("2022Q1.xlsx", "证据", "D", "town01")
               for p in s.evidence_refused)
    assert snapshot(tmp_path, tmp_path / "发布") == before
    published = tmp_path / "发布"
    assert not leaked(published)
    copied = sorted(p.relative_to(published).as_posix() for p in published.rglob("证据/*/*"))
    assert copied == ["批量/jiaxian_township/2022Q1/units/证据/town01/ok.pdf",
                      "报告/证据/town01/ok.pdf"]
    pages = [p for p in published.rglob("*") if p.suffix in (".html", ".json", ".ipynb") and p.is_file()
             and not p.name.startswith(".")]
    assert {p.suffix for p in pages} == {".html", ".json", ".ipynb"}
    for p in pages:  # 复现信息, summary.json, the executed notebooks' parameters: names, never folders
        text = p.read_text(encoding="utf-8")
        assert str(tmp_path) not in text and json.dumps(str(tmp_path))[1:-1] not in text, p
    nb = json.loads(next(published.glob("报告/*.ipynb")).read_text(encoding="utf-8"))
    assert nb["metadata"]["papermill"]["parameters"]["data"] == "2022Q1.xlsx"
    injected = next(c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    assert 'data = "2022Q1.xlsx"' in "".join(injected["source"])
    report = next(published.glob("报告/*.html")).read_text(encoding="utf-8")
    # the last 复现信息 is the folded block's title (the 审核附件's lead names it first)
    prov = report.rsplit("复现信息", 1)[1].split("</details>", 1)[0]
    assert "2022Q1.xlsx" in prov and re.search(r"[0-9a-f]{64}", prov)
    # one row per refused link in the 审核附件's list, its note naming the mark, and the department's part
    # saying how many links were refused
    assert f"已登记的材料中有 {len(REFUSED_TITLES)} 个链接无效（已拒绝），详见审核附件" in report
    assert report.count("链接无效（已拒绝）") == len(REFUSED_TITLES) + 2
    docx = next(published.glob("报告/*.docx"))
    assert str(tmp_path).encode() not in contents(docx)


def test_published_notebook_names_its_files():
    """The executed notebook kept beside a report: papermill's parameters (injected cell and metadata)
    name the files, on any platform's paths; a notebook without them is left as it is."""
    from xinyong.report.render import published_notebook

    params = {"scheme": "/srv/方案/mini.yaml", "period": "2022Q1", "unit": "town01",
              "data": "C:\\Users\\张三\\Desktop\\2022Q1.xlsx", "run_file": None,
              "history": [{"period": "2021Q4", "data": "\\\\server\\share\\2021Q4.xlsx"}]}
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["injected-parameters"]}, "outputs": [],
                     "execution_count": 1, "source": "# Parameters\ndata = \"C:\\\\Users\\\\张三\\\\Desktop\\\\2022Q1.xlsx\"\n"}],
          "metadata": {"kernelspec": {"name": "python3", "language": "python"},
                       "papermill": {"parameters": params, "input_path": "/home/张三/site-packages/unit_report.ipynb",
                                     "output_path": "/tmp/xinyong-1/.x.ipynb"}},
          "nbformat": 4, "nbformat_minor": 5}
    out = published_notebook(json.dumps(nb))
    assert "张三" not in out and "server" not in out and "/srv" not in out and "/tmp" not in out
    got = json.loads(out)
    assert got["metadata"]["papermill"]["parameters"]["data"] == "2022Q1.xlsx"
    assert got["metadata"]["papermill"]["parameters"]["history"][0]["data"] == "2021Q4.xlsx"
    assert got["metadata"]["papermill"]["parameters"]["scheme"] == "mini.yaml"
    assert 'data = "2022Q1.xlsx"' in "".join(got["cells"][0]["source"])
    plain = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    assert published_notebook(plain) == plain and published_notebook("not json") == "not json"
