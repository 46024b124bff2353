"""Every rule kind at its breakpoints: just below, at, just above each threshold.

The kinds are exercised directly (frame, params) so the tests pin the kind, not a scheme file.
"""
import numpy as np
import pandas as pd
import pytest

from xinyong.scoring.kinds import default_registry
from xinyong.scoring.registry import Columns

REG = default_registry()


def run(kind, values: dict, max_points, **params):
    k = REG.get(kind)
    p = k.parse_params(params, max_points)
    frame = pd.DataFrame(values, dtype=float)
    out = np.asarray(k.func(Columns.of(frame), p), dtype=float)  # what the engine passes
    # a DataFrame reads the same (registry.Columns' contract), to the bit
    np.testing.assert_array_equal(np.asarray(k.func(frame, p), dtype=float), out)
    return np.round(out, 10).tolist(), p


def explain(kind, row: dict, max_points, **params):
    k = REG.get(kind)
    p = k.parse_params(params, max_points)
    frame = Columns.of(pd.DataFrame({c: [v] for c, v in row.items()}, dtype=float))
    pts = np.asarray(k.func(frame, p), dtype=float)[0]
    return k.explain(row, p, pts)


def test_piecewise_npl_rate_breakpoints():
    """001 七 7.1.1: “如果地区不良贷款率<2%，2分；如果2% ≤ 地区不良贷款率<5%，得分 = 2/3*(5-地区不良贷款率*100)；
    如果地区不良贷款率 ≥ 5%，0分”."""
    segs = [{"when": "x < 2", "expr": "2"}, {"when": "2 <= x < 5", "expr": "2/3*(5-x)"}, {"when": "x >= 5", "expr": "0"}]
    out, _ = run("piecewise", {"r": [1.99, 2.0, 2.01, 2.6, 4.99, 5.0, 5.01]}, 2, input="r", segments=segs)
    assert out == pytest.approx([2, 2, 2 / 3 * 2.99, 1.6, 2 / 3 * 0.01, 0, 0])
    assert explain("piecewise", {"r": 2.6}, 2, input="r", segments=segs) == "x=2.6，2 ≤ 2.6 < 5：2/3×(5−2.6)=1.6000"


def test_threshold_inclusive_and_strict():
    """000 1.2.5: “……比率达到50%（1分）” is inclusive; 002 #2 “低于万分之一” is strict."""
    out, _ = run("threshold", {"x": [49.99, 50, 50.01]}, 1, input="x", op=">=", value=50)
    assert out == [0, 1, 1]
    out, _ = run("threshold", {"x": [0.0099, 0.01, 0.0101]}, 1, input="x", op="<", value=0.01)
    assert out == [1, 0, 0]


def test_stepwise_floor_and_continuous():
    """001 9.1: “超过50%……得1.5分，在此基础上每多10%，加0.5分，最高得4分”."""
    params = dict(input="s", threshold=50, strict=True, base=1.5, step=10, per_step=0.5)
    xs = {"s": [49.99, 50, 50.01, 59.99, 60, 60.01, 100]}
    out, _ = run("stepwise", xs, 4, **params)
    assert out == [0, 0, 1.5, 1.5, 2.0, 2.0, 4.0]
    out, _ = run("stepwise", xs, 4, mode="continuous", **params)
    assert out == pytest.approx([0, 0, 1.5005, 1.9995, 2.0, 2.0005, 4.0])


def test_deduction_step_modes_and_floor():
    """001 8.1.1: “存量代码转换率为100%的得1分，每降低1%扣0.2分”; floored at 0 (A3)."""
    xs = {"rate": [100, 99.5, 99, 98.99, 90, 0]}
    out, _ = run("deduction", xs, 1, amount="100 - rate", per=0.2)
    assert out == pytest.approx([1, 1, 0.8, 0.8, 0, 0])
    out, _ = run("deduction", xs, 1, amount="100 - rate", per=0.2, step_mode="ceiling")
    assert out == pytest.approx([1, 0.8, 0.8, 0.6, 0, 0])
    out, _ = run("deduction", xs, 1, amount="100 - rate", per=0.2, step_mode="pro_rata")
    assert out == pytest.approx([1, 0.9, 0.8, 0.798, 0, 0])


def test_deduction_floating_steps_are_exact():
    """001 8.1.2: “重错码率为0的得1分，每增加0.01%扣0.1分”: 0.03% is three whole steps, not 2.999…"""
    out, _ = run("deduction", {"d": [0.0, 0.009, 0.01, 0.03, 0.1, 0.2]}, 1, amount="d", per=0.1, step=0.01)
    assert out == pytest.approx([1, 1, 0.9, 0.7, 0.0, 0.0])


def test_deduction_per_record_with_cap():
    """004 附件1 二.1: “有迟报、错报的每条扣0.5分，最高扣7.5分”."""
    out, _ = run("deduction", {"n": [0, 1, 14, 15, 16, 40]}, 7.5, amount="n", per=0.5)
    assert out == [7.5, 7.0, 0.5, 0, 0, 0]


def test_count_factor_cap():
    """000 1.3.1: “每个部门得0.1分……（最高3分）”."""
    out, _ = run("count_factor", {"n": [0, 29, 30, 31]}, 3, input="n", factor=0.1)
    assert out == pytest.approx([0, 2.9, 3, 3])


def test_formula_cap_and_undefined():
    """001 9.3: “已经实施容缺受理的部门数量/具有行政审批权力的部门总量*2，最高得2分”."""
    out, _ = run("formula", {"a": [0, 10, 20, 5], "b": [20, 20, 20, 0]}, 2, expr="a/b*2")
    assert out[:3] == [0, 1, 2]
    assert np.isnan(out[3])  # 5/0: undefined, the engine marks the item 'undefined'
    out, _ = run("formula", {"a": [5], "b": [0]}, 2, expr="a/b*2", undefined_points=0)
    assert out == [0]


def test_all_of_any_of_and_expect_false():
    """001 七 政策环境: “如果以下任一条为是，得0分；如果均为否，得1分”; 001 2.1: “有其一即可”."""
    v = {"a": [0, 1, 0, 1], "b": [0, 0, 1, 1]}
    assert run("all_of", v, 1, inputs=["a", "b"], expect=False)[0] == [1, 0, 0, 0]
    assert run("all_of", v, 1, inputs=["a", "b"])[0] == [0, 0, 0, 1]
    assert run("any_of", v, 2, inputs=["a", "b"])[0] == [0, 2, 2, 2]


def test_checklist_add_deduct_require_bonus():
    """004 附件1 一.1: “成立的得5分；缺一项扣1分，未成立的不得分”; 001 6.1 “额外加0.3分”."""
    v = {"e1": [1, 1, 0, 1], "e2": [1, 0, 0, 1], "e3": [1, 1, 0, 1], "ok": [1, 1, 1, 0]}
    out, _ = run("checklist", v, 5, items=["e1", "e2", "e3"], per_item=1, mode="deduct", require="ok")
    assert out == [5, 4, 2, 0]
    out, p = run("checklist", v, 5, items=["e1", "e2", "e3"], per_item=1)
    assert out == [3, 2, 0, 3]
    assert p.reach({}) == 3  # 004 附件2 三.3: “每项得1分，共5分” with three elements
    out, _ = run("checklist", v, 1.8, items=["e1", "e2", "e3"], per_item=0.15, bonus_all=0.3)
    assert out == pytest.approx([0.75, 0.3, 0, 0.75])


def test_capped_sum_parts_and_total_cap():
    """001 10.1: four ratios summed, “最高得4分”; A8: each ratio capped at 1."""
    parts = [{"label": "r1", "expr": "a", "cap": 1}, {"label": "r2", "expr": "b", "cap": 1}]
    out, _ = run("capped_sum", {"a": [0.5, 1.5, 3], "b": [0.2, 0.9, 3]}, 4, parts=parts)
    assert out == pytest.approx([0.7, 1.9, 2])
    parts_nocap = [{"label": "r1", "expr": "a"}, {"label": "r2", "expr": "b"}]
    out, _ = run("capped_sum", {"a": [0.5, 1.5, 3], "b": [0.2, 0.9, 3]}, 4, parts=parts_nocap)
    assert out == pytest.approx([0.7, 2.4, 4])


def test_capped_sum_deduction_part():
    """A three-part item whose third part is “满分2分，每缺席一次扣0.5分” (the 乡镇 考核细则's 会议出席):
    written as the text says (full, per, amount), not as a hand-made max(2-0.5*n, 0)."""
    parts = [{"label": "制度", "expr": "2 * a"}, {"label": "台账", "expr": "1 * b"},
             {"label": "出席", "full": 2, "per": 0.5, "amount": "absent"}]
    v = {"a": [1, 1, 0, 1], "b": [1, 0, 0, 1], "absent": [0, 1, 3, 9]}
    out, p = run("capped_sum", v, 5, parts=parts)
    assert out == [5, 3.5, 0.5, 3]  # 9 absences: the part stops at 0, the others keep their points
    hand = [{"label": "出席", "expr": "max(2 - 0.5 * absent, 0)"}]
    assert run("capped_sum", {"absent": [0, 1, 3, 9]}, 2, parts=hand)[0] == run(
        "capped_sum", {"absent": [0, 1, 3, 9]}, 2, parts=parts[2:])[0]
    assert p.input_ids() == {"a", "b", "absent"}
    most = [{"label": "迟报", "full": 3, "per": 0.5, "amount": "late", "max_deduction": 1}]
    assert run("capped_sum", {"late": [1, 5]}, 3, parts=most)[0] == [2.5, 2]  # “最多扣1分”
    assert run("capped_sum", {"absent": [np.nan]}, 2, parts=parts[2:])[0] != [2.0]  # blank is not 0 absences
    text = explain("capped_sum", {"a": 1.0, "b": 0.0, "absent": 3.0}, 5, parts=parts)
    assert "出席 2−0.5×3（扣分量 3）=0.5000" in text and text.endswith("→ 2.5000")


def test_capped_sum_per_event_part():
    """One part “每开展一次信用核查得1分，最高5分” beside a yes/no part: ``each`` × ``count``, capped."""
    parts = [{"label": "制度", "expr": "2 * a"}, {"label": "核查", "each": 1, "count": "n", "cap": 5}]
    out, p = run("capped_sum", {"a": [1, 0, 1], "n": [3, 9, 0]}, 7, parts=parts)
    assert out == [5, 5, 2] and p.input_ids() == {"a", "n"}
    assert explain("capped_sum", {"a": 1.0, "n": 9.0}, 7, parts=parts).startswith("制度 2×1=2.0000；核查 1×9=5.0000(上限5)")


@pytest.mark.parametrize("part, says", [
    ({"label": "出席", "full": 2, "per": 0.5}, "缺少 amount"),
    ({"label": "出席", "expr": "a", "per": 0.5}, "只能写一种"),
    ({"label": "出席", "expr": "a", "max_deduction": 1}, "只用于扣分写法"),
    ({"label": "出席"}, "缺少计分写法"),
    ({"label": "核查", "each": 1}, "缺少 count"),
    ({"label": "核查", "each": 1, "count": "n", "per": 0.5}, "只能写一种"),
])
def test_capped_sum_part_written_one_way(part, says):
    with pytest.raises(Exception, match=says):
        REG.get("capped_sum").parse_params({"parts": [part]}, 2)


def test_condition_two_rates():
    """000 1.4.2: “中小微企业和农户信用信息建档比率80%以上……（3分）”."""
    out, _ = run("condition", {"s": [79.99, 80, 95], "f": [90, 80, 79.99]}, 3, test="s >= 80 and f >= 80")
    assert out == [0, 3, 0]


def test_requires_pays_else_points_only_for_what_was_provided():
    """“通过平台报送的得2分，其他方式提供的得1分”. Written ``condition: {test: by_platform, points: 2,
    else_points: 1}``, the 1 point goes to a unit that answered 否 to 平台 and provided nothing at all
    (a blank is missing, never 否: the engine marks that item missing; but 否 is an answer). With
    ``requires: [provided]`` (已报送，任何方式) the unit that provided nothing gets 0."""
    v = {"by_platform": [1, 0, 0], "provided": [1, 1, 0]}
    assert run("condition", v, 2, test="by_platform", points=2, else_points=1)[0] == [2, 1, 1]  # the defect
    out, p = run("condition", v, 2, test="by_platform", points=2, else_points=1, requires=["provided"])
    assert out == [2, 1, 0] and p.input_ids() == {"by_platform", "provided"}
    out, p = run("threshold", {"rate": [90, 50, 50], "provided": [1, 1, 0]}, 2, input="rate", op=">=", value=80,
                 else_points=1, requires=["provided"])
    assert out == [2, 1, 0] and p.input_ids() == {"rate", "provided"}
    assert explain("condition", {"by_platform": 0.0, "provided": 0.0}, 2, test="by_platform", points=2,
                   else_points=1, requires=["provided"]) == "前提“provided”不成立 → 0"


def test_requires_blank_is_missing_not_zero():
    import xinyong
    from xinyong.scheme.model import Scheme

    sch = Scheme.model_validate({
        "id": "prov", "title": "报送", "source": {"file": "x.txt", "quote": "q"},
        "inputs": [{"id": "by_platform", "label": "通过平台报送", "type": "bool"},
                   {"id": "provided", "label": "已报送（任何方式）", "type": "bool"}],
        "sections": [{"id": "prov.1", "name": "报送", "items": [{
            "id": "prov.1.1", "name": "报送方式", "max_points": 2, "inputs": ["by_platform", "provided"],
            "rule": {"kind": "condition", "params": {"test": "by_platform", "points": 2, "else_points": 1,
                                                     "requires": ["provided"]}},
            "source": {"file": "x.txt", "quote": "通过平台报送的得2分，其他方式提供的得1分"}}]}]})
    r = xinyong.score(sch, pd.DataFrame({"unit_id": ["a", "b", "c"], "by_platform": [0, 0, np.nan],
                                         "provided": [1, np.nan, np.nan]}))
    assert r.points["prov.1.1"].tolist()[0] == 1 and np.isnan(r.points["prov.1.1"].tolist()[1:]).all()
    assert r.status["prov.1.1"].tolist() == ["scored", "missing_input", "missing_input"]
    counted = sch.model_copy(deep=True)
    counted.inputs[1] = counted.inputs[1].model_copy(update={"type": "integer"})
    with pytest.raises(xinyong.XinyongError, match="requires 只能是“是/否”输入"):
        xinyong.score(counted, pd.DataFrame({"unit_id": ["a"], "by_platform": [1], "provided": [1]}))


def test_judgement_clips_to_range():
    out, _ = run("judgement", {"judge:x": [0, 1.5, 2]}, 2, column="judge:x")
    assert out == [0, 1.5, 2]


def test_formula_division_by_zero_is_undefined_not_full_marks():
    """001 9.3: “……部门数量/具有行政审批权力的部门总量*2，最高得2分”: with no such department (0), 1/0 is no
    score at all (NaN, status 未能计算), never the cap that an infinity would clip to; 0/0 likewise."""
    out, _ = run("formula", {"a": [1.0, 0.0, 3.0], "b": [0.0, 0.0, 6.0]}, 2, expr="a/b*2")
    assert np.isnan(out[0]) and np.isnan(out[1]) and out[2] == 1.0
    out, _ = run("formula", {"a": [1.0, 3.0], "b": [0.0, 6.0]}, 2, expr="a/b*2", undefined_points=0)
    assert out == [0.0, 1.0]


def test_columns_take_reads_only_the_rows_of_the_mask():
    """A variant's units (the engine's ``cols.take(mask)``) see their own rows, in order, and nothing else."""
    cols = Columns.of(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [10.0, np.nan, 30.0, 40.0]}))
    sub = cols.take(np.array([False, True, False, True]))
    assert len(cols) == 4 and len(sub) == 2 and sub.columns == ["x", "y"]
    assert sub["x"].tolist() == [2.0, 4.0] and np.isnan(sub["y"][0]) and sub["y"][1] == 40.0
    out, _ = run("count_factor", {"x": [1.0, 2.0, 3.0, 4.0]}, 3, input="x", factor=1.0)
    assert np.asarray(REG.get("count_factor").func(sub, REG.get("count_factor").parse_params(
        {"input": "x", "factor": 1.0}, 3))).tolist() == [2.0, 3.0] and out == [1.0, 2.0, 3.0, 3.0]
