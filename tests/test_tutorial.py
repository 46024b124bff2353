"""The tutorial of docs/SCHEMES.md runs (issue 12 §6): its source text, scheme and data are the files of
tests/fixtures/authoring, and its commands — new, check, inputs, template, validate, report — give
what the tutorial says, down to the table of totals worked out by hand."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import xinyong
from xinyong.cli import main
from xinyong.intake import read_inputs

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "SCHEMES.md").read_text(encoding="utf-8")
FIXTURE = Path(__file__).parent / "fixtures" / "authoring"


def block(name: str) -> str:
    m = re.search(rf"<!-- tutorial:{re.escape(name)} -->\n```\w+\n(.*?)```", DOC, re.S)
    assert m, name
    return m.group(1)


@pytest.fixture()
def folder(tmp_path):
    for name in ("source.txt", "shifan.yaml", "units.csv"):
        (tmp_path / name).write_text(block(name), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("name", ["source.txt", "shifan.yaml", "units.csv"])
def test_the_tutorial_shows_the_fixture_files(name):
    assert block(name) == (FIXTURE / name).read_text(encoding="utf-8")


def test_the_tutorial_commands(folder, capsys):
    y, csv = str(folder / "shifan.yaml"), str(folder / "units.csv")
    assert main(["new", "shifan", "-o", str(folder / "start.yaml")]) == 0
    assert main(["check", y]) == 0
    out = capsys.readouterr().out
    assert "0 项发现" in out and "引文未核对" not in out  # every quote found on its line of source.txt
    assert main(["inputs", y]) == 0
    assert main(["template", y, "-o", str(folder / "2024.xlsx"), "--period", "2024"]) == 0
    assert main(["validate", y, csv]) == 0


def test_the_table_of_totals(folder):
    """The tutorial's table (总分, 等级, 名次 per unit) is what the library computes."""
    rows = re.search(r"<!-- tutorial:results -->\n(.*?)\n\n", DOC, re.S).group(1).splitlines()[2:]
    want = {}
    for r in rows:
        cells = [c.strip() for c in r.strip("|").split("|")]
        want[cells[0]] = (float(cells[5]), float(cells[7]), cells[8], int(cells[9]))
    s = xinyong.load_scheme(folder / "shifan.yaml")
    res = xinyong.score(s, read_inputs(s, folder / "units.csv", strict=True).frame)
    got = {u: (float(r.base_total), float(r.total), r.grade, int(r["rank"])) for u, r in res.units.iterrows()}
    assert got == want


@pytest.mark.slow
def test_the_tutorial_report(folder):
    """Step 5: the report of 乙局 says 不合格 and why."""
    out = folder / "reports"
    assert main(["report", str(folder / "shifan.yaml"), "--period", "2024", "--unit", "yi",
                 "--data", str(folder / "units.csv"), "--out", str(out)]) == 0
    html = next(out.rglob("*.html")).read_text(encoding="utf-8")
    assert 'data-grade="不合格"' in html and "等级定为“不合格”，不参加排名" in html
    assert "本期不参加排名，列于参加排名的 3 个单位之后" in html and "第 4 位" not in html
