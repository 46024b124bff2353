"""Nothing of the program on a reader's page: the unit reports, overviews and briefs of the demo (and of the
every_construct test scheme) are scanned for developer text — identifiers with underscores (input ids,
scheme fields), SEED_NOTES, program comparisons (``>=``), command names (``xinyong …``), raw floats —
outside the folded 复现信息, where file names and hashes may stay.

A number with more than two decimals is allowed only where the scheme file itself writes it (a formula's
coefficient, 0.002): it is the document's number, not a float the program left unrounded."""
from __future__ import annotations

import html as htmlmod
import re
from pathlib import Path

import pytest

import xinyong
from xinyong.report.notice import notice_html as brief_html
from xinyong.report.load import load_run
from xinyong.report.overview import Overview
from xinyong.report.sections import UnitReport

FIX = Path(__file__).parent / "fixtures"
DEMO = Path(xinyong.__file__).parent / "demo"

PATTERNS = {
    "identifier": re.compile(r"(?<![A-Za-z0-9_./\-])[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+(?![A-Za-z0-9_.])"),
    "SEED_NOTES": re.compile(r"SEED_NOTES"),
    "comparison": re.compile(r">=|<=|==|!="),
    "command": re.compile(r"xinyong "),
    "float": re.compile(r"(?<![\d.])\d+\.\d{3,}(?![\d])"),
}
FOLDED = re.compile(r'<details class="xy-provenance">.*?</details>', re.S)


def visible(page: str) -> str:
    """The text a reader sees: no styles, scripts, tags or attributes (ids in ``title=`` are for hovering
    auditors), and not the folded 复现信息."""
    page = FOLDED.sub("", page)
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    return htmlmod.unescape(re.sub(r"<[^>]+>", " ", page))


def developer_text(page: str, scheme_text: str = "") -> list[tuple[str, str]]:
    hits = []
    text = visible(page)
    for name, pat in PATTERNS.items():
        for m in pat.finditer(text):
            if name == "float" and m.group(0) in scheme_text:
                continue
            hits.append((name, text[max(0, m.start() - 40):m.end() + 20]))
    return hits


def test_the_scan_finds_what_it_looks_for():
    """The scan itself: each kind of developer text is found, the folded 复现信息 is not read."""
    page = ('<p>缺少输入：信息条数（org_established）；SEED_NOTES A9；code_conversion_rate >= 100；'
            '由 xinyong check 查出；0.8768893408790717/1×0.002/100</p>'
            '<details class="xy-provenance"><summary>复现信息</summary>data_file.csv 9051d876</details>')
    kinds = [k for k, _ in developer_text(page, scheme_text="0.002")]
    assert sorted(set(kinds)) == ["SEED_NOTES", "command", "comparison", "float", "identifier"]
    assert kinds.count("float") == 1  # 0.002 is the scheme's own number
    assert not developer_text('<details class="xy-provenance">min_points 0.12345</details>')


def scheme_text(scheme) -> str:
    """Everything the scheme writes (its numbers may be printed as written)."""
    return scheme.model_dump_json()


def pages(run, units) -> dict[str, str]:
    out = {"brief": brief_html(run), "overview": "".join(b.html for b in Overview(run).blocks())}
    for u in units:
        out[u] = "".join(b.html for b in UnitReport(run, u).blocks())
    return out


def test_every_construct_pages_hold_no_developer_text():
    scheme = FIX / "every_construct.yaml"
    run = load_run(scheme, FIX / "every_construct.csv", period="2025")
    text = scheme_text(run.scheme)
    found = {name: developer_text(p, text) for name, p in pages(run, run.result.unit_ids).items()}
    assert {k: v for k, v in found.items() if v} == {}


# one period of each demo scheme, with its history (the follow-up and the trend), a few units each
DEMO_RUNS = [("wangyi", "2020", []), ("city2019", "2019", []), ("quzhou", "2019", []), ("linyi", "2019", []),
             ("jiaxian_county_dept", "2022Q4", ["2022Q1", "2022Q2", "2022Q3"]),
             ("jiaxian_township", "2022Q4", ["2022Q1", "2022Q2", "2022Q3"])]


@pytest.mark.slow
@pytest.mark.parametrize("scheme_id,period,history", DEMO_RUNS, ids=[r[0] for r in DEMO_RUNS])
def test_demo_pages_hold_no_developer_text(scheme_id, period, history):
    ext = ".xlsx"
    run = load_run(scheme_id, DEMO / scheme_id / f"{period}{ext}", period=period,
                   history=[{"period": p, "data": DEMO / scheme_id / f"{p}{ext}"} for p in history])
    text = scheme_text(run.scheme)
    units = list(run.result.unit_ids)
    # the vetoed, the unknown and the best and worst units: where the words differ most
    pick = set(units[:2] + units[-2:])
    u = run.result.units
    pick |= set(u.index[u["gate_outcome"] == "fail"][:2]) | set(u.index[u["unknown_points"] > 0][:2])
    found = {name: developer_text(p, text) for name, p in pages(run, sorted(pick)).items()}
    assert {k: v[:5] for k, v in found.items() if v} == {}
