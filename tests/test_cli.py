"""The command line: bilingual help, `inputs` table and CSV, known errors without tracebacks."""
import subprocess
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from xinyong.cli import main

from conftest import MINI as MINI_PATH, ROOT

MINI = str(MINI_PATH)
XY = str(ROOT / ".venv" / "bin" / "xinyong")


@pytest.mark.slow  # a fresh Python process (or a real batch): seconds of imports; runs in make test
def test_help_is_chinese_and_english():
    out = subprocess.run([XY, "--help"], capture_output=True, text=True, check=True).stdout
    assert "信用体系建设考核评估" in out and "Social credit" in out
    assert "inputs" in out and "check" in out
    assert "用法 Usage: xinyong" in out and "命令 Commands:" in out and "显示本帮助并退出" in out
    assert "Show this message and exit" not in out


def test_every_help_page_is_chinese_down_to_its_footer():
    """Issue 15 §5: "The command line speaks Chinese throughout (help footer included)" and "exit codes
    documented in --help": every command's help has the Chinese usage line, section titles, help-option
    text and the exit-code table; typer's English words are gone."""
    from typer.testing import CliRunner

    from xinyong import cli
    from xinyong.cli_util import EXIT_CODES

    runner = CliRunner()
    for name in [None] + [c.name for c in cli.app.registered_commands]:
        r = runner.invoke(cli.app, ([name] if name else []) + ["--help"], env={"COLUMNS": "100"})
        assert r.exit_code == 0, (name, r.output)
        out = r.output
        assert out.startswith("用法 Usage: xinyong"), (name, out[:80])
        assert "选项 Options:" in out and "显示本帮助并退出" in out and "退出码 Exit codes:" in out, name
        for code, _ in EXIT_CODES:
            assert f"\n  {code} " in out, (name, code)
        for english in ("Show this message", "\nOptions:", "\nArguments:", "[required]", "[default:"):
            assert english not in out, (name, english)
        if name == "validate":
            assert "参数 Arguments:" in out and "[必填]" in out and "[默认：table]" in out


def test_exit_code_table_covers_every_code_the_commands_use():
    """Every ``typer.Exit(n)`` in the package, the usage errors' 2 and the internal error's 1 are in
    the one table ``--help`` shows."""
    import re

    from xinyong.cli_util import EXIT_CODES

    used = {0, 1, 2}  # cli.main: success; internal error; XinyongError, InputError and usage errors
    for f in (ROOT / "lib" / "xinyong").rglob("*.py"):
        used |= {int(n) for n in re.findall(r"typer\.Exit\((\d+)\)", f.read_text(encoding="utf-8"))}
    assert used == {code for code, _ in EXIT_CODES}


def test_usage_errors_are_chinese_sentences_with_exit_2(capsys):
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert "错误：缺少参数 scheme（方案编号或文件" in err and "Missing argument 'scheme'" in err
    assert "用法 Usage: xinyong validate" in err and "查看帮助：xinyong validate --help" in err
    assert main(["validat", "x"]) == 2
    err = capsys.readouterr().err
    assert "没有这个命令：validat（是否为 'validate'？）" in err
    assert main(["inputs", MINI, "--nosuch"]) == 2
    assert "没有这个选项：--nosuch" in capsys.readouterr().err
    assert main(["batch", "--jobs", "x"]) == 2
    assert "--jobs/-j 的值无效" in capsys.readouterr().err
    assert main([]) == 2  # no command: the help (click's exit code for it)
    err = capsys.readouterr().err
    assert err.startswith("用法 Usage: xinyong") and "错误：" not in err and "命令 Commands:" in err
    assert main(["inputs", MINI, "--format", "xml"]) == 2
    assert "--format 只能是 table、json" in capsys.readouterr().err


BAD_CSV = ROOT / "tests" / "badinput" / "gbk_errors.csv"  # 3 errors (D2, F2, E3) and 1 note (row 1)


@pytest.mark.slow  # a fresh Python process (or a real batch): seconds of imports; runs in make test
def test_narrow_terminal_gets_one_problem_per_block():
    """Issue 15 §5: "narrow terminals get one problem per block (key: value lines) instead of a table
    squeezed to a few characters". At 50 columns: no table borders, no line wider than the terminal, each
    problem a head line (severity · cell) with its message whole on ``问题：`` lines."""
    import os
    import subprocess
    import sys

    from rich.cells import cell_len

    # a real process, as a user's terminal starts it: the console takes its width from COLUMNS when the
    # command starts (inside one test process, e.g. under pytest-xdist, COLUMNS is fixed at import)
    r = subprocess.run([sys.executable, "-m", "xinyong", "validate", MINI, str(BAD_CSV)], capture_output=True,
                       text=True, env={**os.environ, "COLUMNS": "50"})
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert not any(ch in r.stdout for ch in "┃│┏") and max(cell_len(ln) for ln in lines) <= 50
    heads = [ln for ln in lines if ln.startswith(("错误 · ", "提示 · "))]
    assert heads == ["提示 · 第 1 行", "错误 · 第 2 行 D", "错误 · 第 2 行 F", "错误 · 第 3 行 E"]
    block = lines[lines.index("错误 · 第 2 行 D"):lines.index("错误 · 第 2 行 F")]
    assert block[1:5] == ["  输入/条目：npl_rate", "  单位：     a", "  值：       '百分之三'", "  应为：     0 到 100 之间的数（%）"]
    message = "".join(ln.strip().removeprefix("问题：").strip() for ln in block if ln.startswith("  问题") or
                      (ln.startswith("    ") and block[block.index(ln) - 1].startswith("  问题")))
    assert message == "“不良贷款率”：应为数值，“百分之三”不是数字"


def test_wide_terminal_keeps_the_table():
    import io

    from rich.console import Console

    from xinyong.cli_util import problems_view
    from xinyong.errors import Problem

    ps = [Problem("“不良贷款率”：应为数值", "text in a number column", sheet="输入", row=4, column="B", unit="a",
                  input="npl_rate", value="三", expected="0 到 100 之间的数（%）")]
    for width, table in ((200, True), (60, False)):
        buf = io.StringIO()
        Console(file=buf, width=width).print(problems_view(ps, "f.xlsx：1 个错误"))
        assert ("┃ 级别" in buf.getvalue()) is table and ("错误 · 输入!B4" in buf.getvalue()) is not table
        # Chinese only on the terminal: the English detail is for --csv / --format json
        assert "text in a number column" not in buf.getvalue() and "detail" not in buf.getvalue()
    # a command that reads many files (collect) names each problem's file, relative to the folder read
    buf = io.StringIO()
    Console(file=buf, width=60).print(problems_view([replace(ps[0], file="/r/财政局/交回.xlsx")], "x", folder=Path("/r")))
    assert "错误 · 财政局/交回.xlsx · 输入!B4" in buf.getvalue()


def test_format_json_for_scripts(capsys):
    """Issue 15 §5: ``--format json`` on ``inputs``, ``check``, ``validate`` (keys: README "Command line")."""
    import json

    assert main(["validate", MINI, str(BAD_CSV), "--format", "json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"file", "ok", "errors", "notes", "units", "evidence", "status_counts", "problems"}
    assert (data["ok"], data["errors"], data["notes"]) == (False, 3, 1)
    p = data["problems"][1]
    assert set(p) == {"severity", "file", "sheet", "row", "column", "cell", "unit", "input", "value", "expected",
                      "message", "detail"}
    assert (p["severity"], p["row"], p["column"], p["unit"], p["input"], p["value"]) == (
        "error", 2, "D", "a", "npl_rate", "百分之三")
    assert main(["inputs", MINI, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["scheme"], len(data["inputs"])) == ("mini", 7)
    assert data["inputs"][0] == {"input": "npl_rate", "label": "不良贷款率", "unit": "%", "type": "percent",
                                 "min": 0.0, "max": 100.0, "range": "0 到 100 之间的数（%）", "items": ["mini.1.1", "mini.gate.2"]}
    assert main(["check", MINI, "--format", "json"]) == 0
    findings = json.loads(capsys.readouterr().out)
    assert findings and {"scheme", "code", "target", "message", "detail"} <= set(findings[0])


def test_validate_csv_headers_chinese_or_english(tmp_path):
    out = tmp_path / "p.csv"
    assert main(["validate", MINI, str(BAD_CSV), "--csv", str(out)]) == 2
    zh = pd.read_csv(out, encoding="utf-8-sig")
    assert list(zh.columns) == ["级别", "文件", "工作表", "行", "列", "单位", "输入或条目", "值", "应为", "问题", "英文说明"]
    assert list(zh["级别"]) == ["提示", "错误", "错误", "错误"] and list(zh["列"].fillna("")) == ["", "D", "F", "E"]
    assert main(["validate", MINI, str(BAD_CSV), "--csv", str(out), "--lang", "en"]) == 2
    en = pd.read_csv(out, encoding="utf-8-sig")
    assert list(en.columns[:5]) == ["severity", "file", "sheet", "row", "column"] and en["severity"][1] == "error"


def test_inputs_csv_lists_every_input(tmp_path):
    """Issue 15 §5: CSV headers in Chinese, ``--lang en`` for the English names."""
    out = tmp_path / "inputs.csv"
    assert main(["inputs", MINI, "--csv", str(out), "--lang", "en"]) == 0
    df = pd.read_csv(out, encoding="utf-8-sig")
    assert len(df) == 7
    row = df.set_index("input").loc["npl_rate"]
    assert (row.label, row.unit, row.range, row["items"]) == ("不良贷款率", "%", "0 到 100 之间的数（%）", "mini.1.1, mini.gate.2")
    assert row.type == "percent"
    assert main(["inputs", MINI, "--csv", str(out)]) == 0
    zh = pd.read_csv(out, encoding="utf-8-sig")
    assert list(zh.columns) == ["输入编号", "名称", "计量单位", "类型", "最小值", "最大值", "取值范围", "使用它的条目"]
    assert zh.set_index("输入编号").loc["npl_rate", "类型"] == "百分比"


def test_inputs_table_on_terminal(capsys):
    assert main(["inputs", MINI]) == 0
    assert "共 7 个输入" in capsys.readouterr().out


@pytest.mark.slow  # a fresh Python process (or a real batch): seconds of imports; runs in make test
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
        "inputs", "check", "new", "kinds", "template", "validate", "collect", "review", "report", "overview", "warn",
        "annual", "notebook", "batch"]
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


def test_piped_output_is_not_folded():
    """Output sent to a file or a pipe (no COLUMNS) keeps each line whole: rich's default of 80 columns folded
    `check --all`'s sentences mid-word ("（source.file \\n相对于方案文件）")."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    r = subprocess.run([sys.executable, "-m", "xinyong", "check", "--all"], capture_output=True, text=True,
                       env=env, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    unverified = [ln for ln in r.stdout.splitlines() if "引文未核对" in ln]
    assert unverified and all(ln.rstrip().endswith("相对于方案文件）") for ln in unverified), unverified
