"""The command line: bilingual help, `inputs` table and CSV, known errors without tracebacks."""
import subprocess

import pandas as pd

from xinyong.cli import main

from conftest import MINI as MINI_PATH, ROOT

MINI = str(MINI_PATH)
XY = str(ROOT / ".venv" / "bin" / "xinyong")


def test_help_is_chinese_and_english():
    out = subprocess.run([XY, "--help"], capture_output=True, text=True, check=True).stdout
    assert "信用体系建设考核评估" in out and "Social credit" in out
    assert "inputs" in out and "check" in out


def test_inputs_csv_lists_every_input(tmp_path):
    out = tmp_path / "inputs.csv"
    assert main(["inputs", MINI, "--csv", str(out)]) == 0
    df = pd.read_csv(out, encoding="utf-8-sig")
    assert len(df) == 7
    row = df.set_index("input").loc["npl_rate"]
    assert (row.label, row.unit, row.range, row["items"]) == ("不良贷款率", "%", "[0, 100] %", "mini.1.1, mini.gate.2")


def test_inputs_table_on_terminal(capsys):
    assert main(["inputs", MINI]) == 0
    assert "共 7 个输入" in capsys.readouterr().out


def test_unknown_scheme_is_a_sentence_not_a_traceback():
    r = subprocess.run([XY, "inputs", "nosuch"], capture_output=True, text=True)
    assert r.returncode == 2
    assert "未知的方案" in r.stderr and "Traceback" not in r.stderr


def test_commands_come_from_one_list_and_print_to_the_consoles_given(tmp_path):
    """Issue 11: "Commands registered from one explicit list, the console passed in; no module below
    `cli.py` imports it" (that last part: tests/test_layers.py). A fresh app built from ``COMMANDS``
    has every command, in the order of ``--help``, and prints only to the consoles it was handed."""
    import io

    import typer
    from rich.console import Console
    from typer.testing import CliRunner

    from xinyong import cli
    from xinyong.cli_util import Consoles

    assert [c.name for c in cli.app.registered_commands] == [
        "inputs", "check", "new", "kinds", "template", "validate", "report", "overview", "warn", "annual", "notebook",
        "batch"]
    out, err = io.StringIO(), io.StringIO()
    app = typer.Typer()
    for register in cli.COMMANDS:
        register(app, Consoles(out=Console(file=out), err=Console(file=err)))
    assert [c.name for c in app.registered_commands] == [c.name for c in cli.app.registered_commands]
    empty = tmp_path / "runs.yaml"
    empty.write_text("runs: []\n", encoding="utf-8")
    runner = CliRunner()
    for args in (["kinds"], ["batch", "--all", str(empty), "--out", str(tmp_path / "o")]):
        r = runner.invoke(app, args)
        assert (r.exit_code, r.output) == (0, ""), r.output  # nothing went to the process's own stdout
    assert "piecewise" in out.getvalue() and "没有任何运行" in out.getvalue() and err.getvalue() == ""
