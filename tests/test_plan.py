"""The compiled plan (issue 11): overrides merged once, variant rules typed, judgement caps per unit
kind, rule problems located by file:line and item."""
from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pandas as pd
import pytest

import xinyong
from xinyong.errors import SchemeError, XinyongError
from xinyong.intake.template import judgement_slots
from xinyong.scoring.kinds import FormulaParams, JudgementParams, StepwiseParams, ThresholdParams
from xinyong.scoring.plan import EffectiveRule, Plan, VariantRule, compile

HERE = Path(__file__).parent
MINI_TEXT = (HERE / "fixtures" / "mini.yaml").read_text(encoding="utf-8")

# mini with variants of every mode: 开发区 units are judged on 比例 (mini.1.3) by a threshold out of 1,
# and assessed on 酌情 (mini.2.2) out of 1 instead of 2
VARIANTS = MINI_TEXT.replace(
    '''        rule: {kind: formula, params: {expr: "approved/total_depts*2"}}
        inputs: [approved, total_depts]
''', '''        rule: {kind: formula, params: {expr: "approved/total_depts*2"}}
        inputs: [approved, total_depts]
        variants:
          开发区: {mode: rule, max_points: 1, note: 开发区只看是否过半, rule: {kind: threshold, params: {input: approved, op: ">=", value: 5}}}
''').replace(
    '''        name: 酌情
        max_points: 2
        rule: {kind: judgement}
''', '''        name: 酌情
        max_points: 2
        rule: {kind: judgement}
        variants:
          开发区: {mode: judgement, max_points: 1, note: 开发区减半}
''')


@pytest.fixture(scope="module")
def mini():
    return xinyong.load_scheme(HERE / "fixtures" / "mini.yaml")


@pytest.fixture()
def variants(tmp_path):
    p = tmp_path / "variants.yaml"
    p.write_text(VARIANTS, encoding="utf-8")
    return xinyong.load_scheme(p)


def test_plan_holds_typed_rules_for_every_item_in_document_order(mini):
    plan = compile(mini)
    assert list(plan.rules) == [it.id for it in mini.walk_items()]
    er = plan.rules["mini.1.3"]
    assert isinstance(er, EffectiveRule) and er.kind == "formula" and isinstance(er.params, FormulaParams)
    assert er.params.expr == "approved/total_depts*2" and er.max_points == 2.0
    # a judgement rule reads the item's own judge: column
    assert plan.rules["mini.2.2"].params == JudgementParams(column="judge:mini.2.2", max_points=2.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.rules = {}


def test_variant_rules_are_typed(variants):
    """mini.1.2 开发区 “开发区不评估”: not applicable; the added 开发区 variants: a rule and a judgement."""
    rules = compile(variants).rules
    assert rules["mini.1.2"].variant_rules == {"开发区": VariantRule("开发区", "not_applicable", note="开发区不评估")}
    vr = rules["mini.1.3"].variant_rules["开发区"]
    assert (vr.unit_kind, vr.mode, vr.kind, vr.max_points, vr.note) == ("开发区", "rule", "threshold", 1.0, "开发区只看是否过半")
    assert isinstance(vr.params, ThresholdParams) and vr.params.value == 5 and vr.params.max_points == 1.0
    vj = rules["mini.2.2"].variant_rules["开发区"]
    assert vj.is_judgement and vj.params == JudgementParams(column="judge:mini.2.2", max_points=1.0)
    assert not vr.is_judgement and not rules["mini.1.2"].variant_rules["开发区"].is_judgement


def test_judgement_caps_per_unit_kind(variants):
    """酌情 (mini.2.2) is out of 2 for a 城市 and out of 1 for a 开发区; 附加 (mini.2.3) out of 2 for all."""
    plan = compile(variants)
    assert plan.judgement_caps == {"mini.2.2": {"": 2.0, "开发区": 1.0}, "mini.2.3": {"": 2.0}}
    slots = judgement_slots(plan)
    assert {k: {i: s.cap for i, s in d.items()} for k, d in slots.items()} == {
        "城市": {"mini.2.2": 2.0, "mini.2.3": 2.0}, "开发区": {"mini.2.2": 1.0, "mini.2.3": 2.0},
        "": {"mini.2.2": 2.0, "mini.2.3": 2.0}}
    # and the engine checks an assessor's points against the cap of the unit's kind
    frame = pd.DataFrame([{"unit_id": "k", "unit_kind": "开发区", "judge:mini.2.2": 1.5, "why:mini.2.2": "材料齐全"}])
    with pytest.raises(xinyong.InputError):
        xinyong.score(plan, frame)
    res = xinyong.score(plan, frame.assign(**{"judge:mini.2.2": 1.0}))
    assert res.points.at["k", "mini.2.2"] == 1.0 and res.max_points.at["k", "mini.2.2"] == 1.0


def test_a_readings_overrides_are_merged_into_the_rule(mini):
    """mini A2 “每多10%是阶梯还是连续”: the chosen option sets stepwise mode floor; the alternative,
    asked for by reading id or by the item id it targets, sets continuous; the item's own params stay."""
    assert compile(mini).rules["mini.1.4"].params.mode == "floor"
    for key in ("A2", "mini.1.4"):
        plan = compile(mini, {key: "continuous"})
        er = plan.rules["mini.1.4"]
        assert isinstance(er.params, StepwiseParams) and er.params.mode == "continuous"
        assert (er.params.threshold, er.params.per_step, er.max_points) == (50, 0.5, 4.0)
        assert er.readings == {"A2": "continuous"} and plan.readings == {"A2": "continuous"}
    with pytest.raises(XinyongError):
        compile(mini, {"A2": "sideways"})


def test_a_reading_that_changes_the_kind_drops_the_old_params():
    """wangyi W1 (2.1.1 “广泛推行告知承诺、容缺受理、绿色通道等便利化管理和服务措施（2分）”): all named
    (all_of, chosen), any named (any_of with its own inputs) or an assessor's judgement (listed in the
    template only under W1=judgement until chosen)."""
    s = xinyong.load_scheme("wangyi")
    assert compile(s).rules["wangyi.2.1.1"].kind == "all_of"
    anyof = compile(s, {"W1": "any_named"}).rules["wangyi.2.1.1"]
    assert anyof.kind == "any_of" and anyof.params.inputs == ["pre_notify_commit", "pre_tolerate_missing", "pre_green_channel"]
    judged = compile(s, {"W1": "judgement"})
    er = judged.rules["wangyi.2.1.1"]
    assert er.kind == "judgement" and er.params.column == "judge:wangyi.2.1.1" and er.params.guidance
    slot = compile(s).judge_slots[""]["wangyi.2.1.1"]
    assert (slot.cap, slot.only_under) == (2.0, "W1=judgement")
    assert judged.judge_slots[""]["wangyi.2.1.1"].only_under == ""
    assert compile(s).judgement_caps["wangyi.2.1.1"] == {"": 2.0}  # accepted, so it can be prepared


def test_gate_tests_come_from_the_chosen_reading():
    """quzhou B2 “重错码率低于万分之一”: strict (chosen) or inclusive."""
    s = xinyong.load_scheme("quzhou")
    assert compile(s).gate_tests["quzhou.basic.2"] == "duplicate_error_code_rate < 0.01"
    assert compile(s, {"B2": "inclusive"}).gate_tests["quzhou.basic.2"] == "duplicate_error_code_rate <= 0.01"


def test_scoring_a_plan_is_scoring_the_scheme_under_its_readings(mini):
    frame = pd.DataFrame([{"unit_id": "a", "share": 75, "npl_rate": 2.6}])
    a = xinyong.score(compile(mini, {"A2": "continuous"}), frame)
    b = xinyong.score(mini, frame, readings={"A2": "continuous"})
    pd.testing.assert_frame_equal(a.points, b.points)
    assert a.readings_used == b.readings_used == {"A2": "continuous"}
    with pytest.raises(XinyongError):
        xinyong.score(compile(mini), frame, readings={"A2": "continuous"})


def test_unknown_kind_names_file_line_and_item(tmp_path):
    text = MINI_TEXT.replace('rule: {kind: formula, params: {expr: "approved/total_depts*2"}}',
                             'rule: {kind: formulae, params: {expr: "approved/total_depts*2"}}')
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    scheme = xinyong.load_scheme(path)  # pure YAML -> model: the loader does not know rule kinds
    with pytest.raises(SchemeError) as ei:
        compile(scheme)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "id: mini.1.3" in l)
    e = ei.value
    assert e.fields == {"file": str(path), "line": line, "item": "mini.1.3", "field": "rule.kind"}
    assert e.message.startswith(f"方案文件有误：bad.yaml 第{line}行 条目 mini.1.3 字段 rule.kind：条目 mini.1.3 使用了未知的规则类型 formulae")
    assert f"bad.yaml:{line} mini.1.3.rule.kind" in e.detail


def test_every_rule_problem_is_reported_at_once(tmp_path):
    text = (MINI_TEXT.replace("kind: stepwise", "kind: magic")
            .replace('expr: "approved/total_depts*2"', 'expr: "approved/all_depts*2"'))
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemeError) as ei:
        compile(xinyong.load_scheme(path))
    # mini.1.3's rule, mini.1.4's rule and both A2 options on mini.1.4 (they keep its unknown kind)
    assert ei.value.message.endswith("（另有 3 处）")
    for where in ("mini.1.3.rule.params", "mini.1.4.rule.kind", "mini.1.4.readings.A2.stepwise.kind",
                  "mini.1.4.readings.A2.continuous.kind"):
        assert where in ei.value.detail


def test_a_variant_rule_is_checked_too(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(VARIANTS.replace("kind: threshold", "kind: thresh"), encoding="utf-8")
    with pytest.raises(SchemeError) as ei:
        compile(xinyong.load_scheme(path))
    assert ei.value.fields["item"] == "mini.1.3" and ei.value.fields["field"] == "variants.开发区.rule.kind"


def test_two_chosen_readings_that_clash_on_one_item_are_located(tmp_path):
    """Each option is valid alone (A2 sets stepwise's mode; the added B9 makes the item any_of), so
    only their combination, merged when compiling, can fail: the error names the item, not a traceback."""
    text = MINI_TEXT + """  - id: B9
    question: 任一即可？
    chosen: anyof
    why: 测试两个解读同时作用于一个条目
    options:
      - {id: anyof, label: 任一, set: {mini.1.4: {kind: any_of, inputs: [share]}}}
      - {id: keep, label: 不变, set: {}}
"""
    path = tmp_path / "clash.yaml"
    path.write_text(text, encoding="utf-8")
    scheme = xinyong.load_scheme(path)
    with pytest.raises(SchemeError) as ei:
        compile(scheme)
    assert ei.value.fields["item"] == "mini.1.4" and ei.value.fields["field"] == "rule"
    assert "条目 mini.1.4 的规则参数无效" in ei.value.message
    assert compile(scheme, {"B9": "keep"}).rules["mini.1.4"].kind == "stepwise"


def test_a_scheme_built_in_code_compiles_and_its_errors_still_name_the_item(mini):
    clone = mini.model_copy(deep=True)
    assert compile(clone).rules.keys() == compile(mini).rules.keys()
    clone.item("mini.1.3").rule.kind = "magic"
    clone._origin = None
    with pytest.raises(SchemeError) as ei:
        compile(clone)
    assert ei.value.fields["item"] == "mini.1.3" and "file" not in ei.value.fields


def test_plan_and_results_pickle(mini):
    """Batch workers send results back; a result carries the plan's rules."""
    plan = compile(mini)
    again = pickle.loads(pickle.dumps(plan))
    assert isinstance(again, Plan) and again.rules["mini.1.4"] == plan.rules["mini.1.4"]
    assert again.scheme.origin == mini.origin


def test_the_plan_holds_every_formula_parsed_and_keeps_them_through_pickle():
    """Formulas are parsed when the plan is compiled: each rule's on its params (a piecewise segment's, a
    capped_sum part's), every gate test under the chosen readings, every cross-input check; a pickled plan
    (a run file, a batch worker's copy) evaluates the same, and explaining a unit never rewrites a shared
    tree. 001 9.3's “部门数量/部门总量*2，最高得2分” is a formula rule of this kind."""
    import ast

    from xinyong.formula import Formula

    s = xinyong.load_scheme("quzhou")
    plan = compile(s)
    assert set(plan.gate_formulas) == {c.id for g in s.gates for c in g.conditions}
    assert all(isinstance(f, Formula) for f in plan.gate_formulas.values())
    assert set(plan.check_formulas) == {c.id for c in s.checks}
    p = FormulaParams(expr="approved / total * 2", max_points=2)
    back = pickle.loads(pickle.dumps(p))
    assert back == p and back.input_ids() == {"approved", "total"}
    kind = plan.registry.get("formula")
    before = ast.dump(p._expr.tree)
    text = kind.explain({"approved": 3.0, "total": 4.0}, p, 1.5)
    assert text == kind.explain({"approved": 3.0, "total": 4.0}, p, 1.5) == "3/4×2=1.5000"
    assert ast.dump(p._expr.tree) == before
