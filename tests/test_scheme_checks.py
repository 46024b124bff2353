"""Cross-input checks of the six shipped schemes (issue 12 §3): where a scheme's inputs are a part and
its whole, the part may not exceed the whole — 已整改到位数 ≤ 失信事件数 (002 基础性指标 3), 容缺受理事项 ≤
全部审批事项 (001 10.1), 已建档公务员 ≤ 公务员总量 (001 3.1) — and the demo data satisfies every check."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import xinyong
from xinyong.intake import read_inputs
from xinyong.scoring.input_checks import check_inputs

ROOT = Path(__file__).resolve().parents[1]

# scheme -> (check id, a row that breaks it, a row that keeps it)
CASES = [
    ("quzhou", "quzhou.check.gov_events",  # 衢州 city_c had 23 rectified of 2 events
     dict(gov_events_total=2, gov_events_rectified=23), dict(gov_events_total=2, gov_events_rectified=2)),
    ("quzhou", "quzhou.check.tolerance_items",  # 36 容缺受理 of 20 审批事项
     dict(tolerance_commitment_items=36, approval_items_total=20), dict(tolerance_commitment_items=20, approval_items_total=20)),
    ("city2019", "city2019.check.civil_servants",
     dict(civil_servants_archived=501, civil_servants_total=500), dict(civil_servants_archived=0, civil_servants_total=500)),
    ("city2019", "city2019.check.tolerance_depts",
     dict(tolerance_depts=31, approval_depts_total=30), dict(tolerance_depts=30, approval_depts_total=30)),
    ("wangyi", "wangyi.check.platform_depts",
     dict(platform_depts_connected=17, platform_depts_total=1), dict(platform_depts_connected=17, platform_depts_total=20)),
    ("wangyi", "wangyi.check.debtor_natural",
     dict(dishonest_debtor_natural=38, natural_persons_total=27), dict(dishonest_debtor_natural=3, natural_persons_total=27)),
    ("linyi", "linyi.check.auto_joint_domains",
     dict(auto_joint_domains=23, joint_domains=21), dict(auto_joint_domains=21, joint_domains=21)),
]


@pytest.mark.parametrize("sid,check,bad,good", CASES, ids=[c[1] for c in CASES])
def test_part_may_not_exceed_whole(sid, check, bad, good):
    s = xinyong.load_scheme(sid)
    frame = pd.DataFrame([bad, good], index=["bad", "good"])
    got = [(v.unit, v.check, v.severity) for v in check_inputs(s, frame) if v.check == check]
    assert got == [("bad", check, "error")]


def test_which_schemes_have_checks():
    """004 附件1/附件2 read no part and whole of the same count (their inputs are independent counts and
    yes/no facts), so they carry no check; the other four do."""
    n = {sid: len(xinyong.load_scheme(sid).checks) for sid in xinyong.SCHEME_IDS}
    assert n == {"wangyi": 4, "city2019": 9, "quzhou": 10, "linyi": 1, "jiaxian_county_dept": 0, "jiaxian_township": 0}


def test_warnings_do_not_stop_a_unit():
    """001 10.6 退出率: exits after 2018-12-15 may come from entities listed later, so more exits than the
    stock of that day is a warning to verify, not an error."""
    s = xinyong.load_scheme("city2019")
    (v,) = check_inputs(s, pd.DataFrame([dict(blacklist_exits=34, operating_blacklist_entities=15)], index=["c"]))
    assert (v.check, v.severity) == ("city2019.check.blacklist_exits", "warning")


def test_the_demo_data_passes_every_check():
    runs = yaml.safe_load((ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))["runs"]
    files = {(r["scheme"], r["data"]) for r in runs}
    assert {sid for sid, _ in files} == set(xinyong.SCHEME_IDS)
    for sid, data in sorted(files):
        res = read_inputs(sid, ROOT / data)
        assert not [p for p in res.problems if p.detail.startswith("check ")], (sid, data)


def test_a_violation_reads_in_the_analysts_words():
    """What `validate` prints for 002 基础性指标 3 (已整改到位数 ≤ 失信事件数): 应为 is the check's own sentence,
    never the formula with input ids, and the counts are written as counts (23, not 23.0)."""
    from xinyong.cli_util import shown_value
    from xinyong.scoring.input_checks import check_problems

    s = xinyong.load_scheme("quzhou")
    frame = pd.DataFrame([dict(gov_events_total=2, gov_events_rectified=23)], index=["c"])
    (p,) = [p for p in check_problems(s, frame) if "gov_events" in p.detail]
    chk = next(c for c in s.checks if c.id == "quzhou.check.gov_events")
    assert p.expected == chk.message and "<=" not in p.expected and "gov_" not in p.expected
    assert shown_value(p.value) in ("23", "2") and "23.0" not in p.message and "= 23" in p.message
    assert shown_value(1.0) == "1" and shown_value(0.5) == "0.5" and shown_value("百分之三") == "'百分之三'"
