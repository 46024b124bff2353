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
