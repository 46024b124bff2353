"""The engine on the tiny fixture scheme: statuses, totals, gates, grades, readings."""
import pandas as pd
import pytest

import xinyong

from conftest import MINI


@pytest.fixture(scope="module")
def scheme():
    return xinyong.load_scheme(MINI)


def frame():
    return pd.DataFrame([
        dict(unit_id="a", unit_name="甲市", unit_kind="城市", npl_rate=2.6, has_a="是", has_b=1, approved=12,
             total_depts=20, share=75, events=1, **{"judge:mini.2.2": 1.5, "why:mini.2.2": "材料齐全",
                                                      "judge:mini.2.3": 1, "why:mini.2.3": "创新案例"}),
        dict(unit_id="b", unit_name="乙区", unit_kind="开发区", npl_rate=None, has_a=0, has_b=1, approved=0,
             total_depts=0, share=50, events=9),
    ])


def test_unit_a_by_hand(scheme):
    """1.1: 2/3×(5−2.6)=1.6; 1.2: both yes → 1; 1.3: 12/20×2=1.2; 1.4: 1.5+0.5×⌊25/10⌋=2.5;
    2.1: 2−0.5×1=1.5; 2.2 judged 1.5 → base 9.3; bonus 1 → total 10.3."""
    r = xinyong.score(scheme, frame())
    u = r.unit("a")
    assert u.base_total == pytest.approx(9.3)
    assert u.bonus == pytest.approx(1.0)
    assert u.total == pytest.approx(10.3)
    assert u.unknown_points == 0
    assert u.grade == "优秀"
    assert r.computation("a", "mini.1.1") == "x=2.6，2 ≤ 2.6 < 5：2/3×(5−2.6)=1.6000"


def test_missing_is_never_zero(scheme):
    r = xinyong.score(scheme, frame())
    st = r.status.loc["b"]
    assert st["mini.1.1"] == "missing_input"
    assert st["mini.1.2"] == "not_applicable"
    assert st["mini.1.3"] == "undefined"
    assert st["mini.2.2"] == "pending_judgement"
    assert pd.isna(r.points.at["b", "mini.1.1"])
    # unknown: 1.1 (2) + 1.3 (2) + 2.2 (2) + 2.3 (2)
    assert r.unit("b").unknown_points == pytest.approx(8.0)
    assert not r.unit("b").grade_certain


def test_gate_unknown_when_input_missing_and_fail_when_known(scheme):
    r = xinyong.score(scheme, frame())
    assert r.unit("a")["gate:mini.gate"] == "fail"
    assert r.unit("a")["failed:mini.gate"] == ["mini.gate.2"]
    assert r.unit("b")["gate:mini.gate"] == "unknown"


def test_reading_override_changes_only_its_item(scheme):
    base = xinyong.score(scheme, frame())
    alt = xinyong.score(scheme, frame(), readings={"A2": "continuous"})
    assert alt.points.at["a", "mini.1.4"] == pytest.approx(1.5 + 0.5 * 2.5)
    assert base.points.at["a", "mini.1.4"] == pytest.approx(2.5)
    same = [c for c in base.points.columns if c != "mini.1.4"]
    pd.testing.assert_frame_equal(base.points[same], alt.points[same])


def test_long_form_inputs_give_the_same_scores(scheme):
    wide = frame().set_index("unit_id")
    long = wide.drop(columns=["unit_name", "unit_kind"]).astype(object).stack().rename("value").reset_index()
    long.columns = ["unit", "input", "value"]
    kinds = wide["unit_kind"].rename("unit_kind")
    long = long.merge(kinds, left_on="unit", right_index=True)
    r1 = xinyong.score(scheme, frame())
    r2 = xinyong.score(scheme, long)
    pd.testing.assert_frame_equal(r1.points.sort_index(), r2.points.sort_index(), check_names=False)


def test_out_of_range_and_wrong_type_name_unit_input_value_range(scheme):
    bad = frame().astype(object)
    bad.loc[0, "npl_rate"] = 120
    bad.loc[1, "events"] = "三件"
    with pytest.raises(xinyong.InputError) as ei:
        xinyong.score(scheme, bad)
    probs = {(p.unit, p.input): p for p in ei.value.problems}
    assert probs[("a", "npl_rate")].value == 120
    assert probs[("a", "npl_rate")].expected == "0 到 100 之间的数（%）"
    assert "超出允许范围" in probs[("a", "npl_rate")].message
    assert probs[("b", "events")].value == "三件"
    assert "应为数值" in probs[("b", "events")].message


def test_judgement_without_justification_is_refused(scheme):
    bad = frame()
    bad.loc[0, "why:mini.2.2"] = ""
    with pytest.raises(xinyong.InputError) as ei:
        xinyong.score(scheme, bad)
    assert any(p.input == "judge:mini.2.2" and "理由" in p.message for p in ei.value.problems)


def test_judgement_cap_follows_the_unit_kind(tmp_path):
    """000 “开发区酌情计分”: a 开发区 judged on a variant's own maximum is checked against that maximum,
    while a 城市 judged on the base rule keeps the item's maximum (the cap is per unit kind)."""
    text = MINI.read_text(encoding="utf-8").replace(
        "        variants:\n          开发区: {mode: not_applicable, note: 开发区不评估}\n",
        "        variants:\n          开发区: {mode: judgement, max_points: 0.5, note: 开发区酌情计分}\n")
    assert "max_points: 0.5" in text
    p = tmp_path / "mini_var.yaml"
    p.write_text(text, encoding="utf-8")
    s = xinyong.load_scheme(p)
    df = frame()
    df["judge:mini.1.2"] = [None, 0.5]
    df["why:mini.1.2"] = [None, "开发区材料"]
    r = xinyong.score(s, df)
    assert r.points.loc["b", "mini.1.2"] == 0.5 and r.max_points.loc["b", "mini.1.2"] == 0.5
    assert r.points.loc["a", "mini.1.2"] == 1  # 城市: the all_of rule, not the judgement
    df.loc[1, "judge:mini.1.2"] = 0.8  # within the base cap 1 but above the 开发区 cap 0.5
    with pytest.raises(xinyong.InputError) as ei:
        xinyong.score(s, df)
    (prob,) = [q for q in ei.value.problems if q.input == "judge:mini.1.2"]
    assert prob.unit == "b" and "0.5" in prob.expected
