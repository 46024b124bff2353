"""The process's settings: one frozen Settings built by the command line from its options and the
environment, passed down as an argument; no module below the command line reads the environment."""
from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import nbformat
import pytest

from xinyong.errors import XinyongError
from xinyong.settings import Settings

PKG = Path(__file__).resolve().parents[1] / "lib" / "xinyong"
ROOT = PKG.parents[1]
DEMO = ROOT / "params" / "demo" / "jiaxian_county_dept"
TOP = {"cli.py", "cli_util.py"}  # the command line: the only readers of the environment


def test_settings_from_the_environment_and_the_options():
    env = {"XINYONG_NOTEBOOKS": "/nb", "XINYONG_CHROMIUM": "chrome", "XINYONG_SCHEDULER": "tcp://h:8786",
           "XINYONG_BATCH_VERBOSE": "1", "XINYONG_CHARTS": "public", "PATH": "/bin"}
    s = Settings.from_environment(env, debug=True, scheduler="tcp://other:8786")
    assert s == Settings(debug=True, notebooks=Path("/nb"), chromium="chrome", scheduler="tcp://other:8786",
                         batch_verbose=True, fast_charts=False)
    assert Settings.from_environment({}) == Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.debug = False  # type: ignore[misc]
    with pytest.raises(XinyongError, match="XINYONG_CHARTS"):
        Settings.from_environment({"XINYONG_CHARTS": "quick"})


def _reads_environment(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                a.name in ("environ", "getenv") for a in node.names):
            lines.append(node.lineno)
    return lines


def test_no_module_below_the_command_line_reads_the_environment():
    found = {str(p.relative_to(PKG)): lines for p in sorted(PKG.rglob("*.py")) if p.name not in TOP or p.parent != PKG
             if (lines := _reads_environment(ast.parse(p.read_text(encoding="utf-8"))))}
    assert found == {}


def test_the_environment_reaches_the_notebook_command_through_the_settings(tmp_path, monkeypatch):
    """XINYONG_NOTEBOOKS, read once by the command line, decides which notebook ``xinyong notebook`` copies."""
    from xinyong.cli import main
    from xinyong.report.render import UNIT_NOTEBOOK, notebook_path

    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    nb = nbformat.read(notebook_path(UNIT_NOTEBOOK), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("本地修改的笔记本"))
    nbformat.write(nb, nbdir / UNIT_NOTEBOOK)
    out = tmp_path / "r.ipynb"
    args = ["notebook", "jiaxian_county_dept", "--period", "2022Q2", "--unit", "dept03",
            "--data", str(DEMO / "2022Q2.xlsx"), "-o", str(out)]
    monkeypatch.setenv("XINYONG_NOTEBOOKS", str(nbdir))
    assert main(args) == 0
    assert "本地修改的笔记本" in out.read_text(encoding="utf-8")
    monkeypatch.delenv("XINYONG_NOTEBOOKS")
    assert main(args) == 0
    assert "本地修改的笔记本" not in out.read_text(encoding="utf-8")


def test_debug_is_this_invocations_not_the_processes(capsys):
    """``--debug`` once does not leave tracebacks switched on for the next call of ``main`` (it was a
    module-level dict)."""
    from xinyong.cli import main

    with pytest.raises(XinyongError):
        main(["--debug", "check", "no-such-scheme"])
    assert main(["check", "no-such-scheme"]) == 2
    assert "未知的方案" in capsys.readouterr().err
