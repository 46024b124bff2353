"""Each rule kind's computation in plain Chinese (issue 16 §1): golden inputs, exact sentences; no input
ids, no program operators, no raw floats."""
from __future__ import annotations

import re

import pytest

from xinyong.scheme.model import InputSpec
from xinyong.scoring import kinds as K
from xinyong.scoring.describe import Names

CAT = {
    "late": InputSpec(id="late", label="迟报条数", unit="条", type="integer"),
    "cases": InputSpec(id="cases", label="案例数", unit="个", type="integer"),
    "growth": InputSpec(id="growth", label="信用贷款增速", type="percent"),
    "listed": InputSpec(id="listed", label="被列入失信名单", type="bool"),
    "a": InputSpec(id="a", label="建立制度", type="bool"),
    "b": InputSpec(id="b", label="公开结果", type="bool"),
    "staff": InputSpec(id="staff", label="专职人员数", unit="人", type="integer"),
    "share": InputSpec(id="share", label="户籍人口占比", type="percent"),
    "npl": InputSpec(id="npl", label="不良贷款率", type="percent"),
}
N = Names(CAT)
PROGRAM = re.compile(r"\b(if|else|and|or|not)\b|==|>=|<=|\*|\b(late|cases|growth|listed|staff|share|npl)\b|\d\.\d{3,}")


def say(kind: str, params: dict, values: dict, points: float) -> str:
    reg = K.default_registry()
    p = reg.get(kind).parse_params(params, params.pop("max_points", 10))
    text = reg.get(kind).describe(values, p, points, N)
    assert not PROGRAM.search(text), text
    return text


def test_count_factor_with_cap():  # 004 “每提供1个具体案例的得4分”, capped
    t = say("count_factor", {"input": "cases", "factor": 2, "max_points": 8}, {"cases": 4.0}, 8.0)
    assert t == "案例数 4个 × 每个 2 分 = 8 分 → 得 8.00 分"
    t = say("count_factor", {"input": "cases", "factor": 2, "max_points": 8}, {"cases": 5.0}, 8.0)
    assert t == "案例数 5个 × 每个 2 分 = 10 分（计算值 10 分，超过本项上限 8 分，按 8 分计） → 得 8.00 分"


def test_deduction_per_item():  # 004 “迟报、错报的每条扣0.5分”
    t = say("deduction", {"amount": "late", "per": 0.5, "max_points": 7.5}, {"late": 3.0}, 6.0)
    assert t == "迟报条数 3条；每条扣 0.5 分：7.5 − 1.5 = 6 分 → 得 6.00 分"


def test_deduction_until_nothing_left():  # “扣完为止”
    t = say("deduction", {"amount": "late", "per": 1, "max_points": 2}, {"late": 5.0}, 0.0)
    assert "（扣完为止，最低 0 分）" in t and t.endswith("得 0.00 分")


def test_formula_in_words():
    t = say("formula", {"expr": "7 * growth / 100", "max_points": 7}, {"growth": 12.0}, 0.84)
    assert t == "信用贷款增速 12%：按文件公式计算 → 得 0.84 分"


def test_threshold_bool_and_number():
    assert say("threshold", {"input": "listed", "op": "==", "value": 0, "max_points": 2}, {"listed": 0.0}, 2.0) \
        == "被列入失信名单：否（要求为“否”）→ 得 2.00 分"
    assert say("threshold", {"input": "staff", "op": ">=", "value": 2, "max_points": 1}, {"staff": 1.0}, 0.0) \
        == "专职人员数 1人，要求不低于 2人：未达到 → 得 0.00 分"


def test_condition_and_sets():
    t = say("condition", {"test": "listed == 0", "max_points": 2}, {"listed": 1.0}, 0.0)
    assert t == "被列入失信名单：是；评分条件“被列入失信名单” = 否：不成立 → 得 0.00 分"
    # 000 1.4.2 “中小微企业和农户信用信息建档比率80%以上”: the condition in words, percentages as such
    t = say("condition", {"test": "growth >= 80 and share >= 80", "max_points": 3}, {"growth": 86.444, "share": 51.9}, 0.0)
    assert t == "信用贷款增速 86.44%，户籍人口占比 51.9%；评分条件“信用贷款增速” ≥ 80% 且 “户籍人口占比” ≥ 80%：不成立 → 得 0.00 分"
    t = say("all_of", {"inputs": ["a", "b"], "max_points": 1}, {"a": 1.0, "b": 0.0}, 0.0)
    assert t == "2 项条件须全部满足，1 项为“是”；未满足：公开结果 → 得 0.00 分"
    t = say("any_of", {"inputs": ["a", "b"], "max_points": 1}, {"a": 1.0, "b": 0.0}, 1.0)
    assert t.startswith("2 项条件满足其一即可，1 项为“是”")


def test_checklist_add_and_deduct():
    t = say("checklist", {"items": ["a", "b"], "per_item": 0.5, "max_points": 1}, {"a": 1.0, "b": 1.0}, 1.0)
    assert t == "2 项中具备 2 项 × 每项 0.5 分 = 1 分 → 得 1.00 分"
    t = say("checklist", {"items": ["a", "b"], "per_item": 0.5, "mode": "deduct", "max_points": 1},
            {"a": 1.0, "b": 0.0}, 0.5)
    assert t == "2 项中缺 1 项，每项扣 0.5 分：1 − 0.5 = 0.5 分 → 得 0.50 分"


def test_stepwise_and_piecewise():  # 001 9.1: 超过50%得1.5分，每增加10个百分点加0.5分
    t = say("stepwise", {"input": "share", "threshold": 50, "base": 1.5, "step": 10, "per_step": 0.5,
                         "max_points": 4}, {"share": 87.26}, 3.0)
    assert t == "户籍人口占比 87.26%，超过 50% 得 1.5 分，再每多 10% 加 0.5 分：1.5 + 0.5 × 3 = 3 分 → 得 3.00 分"
    t = say("piecewise", {"input": "npl", "segments": [{"when": "x < 2", "expr": "2"}, {"when": "x >= 2", "expr": "0"}],
                          "max_points": 2}, {"npl": 1.2}, 2.0)
    assert t == "不良贷款率 1.2%，按文件的分段标准 → 得 2.00 分"


def test_capped_sum_names_the_part_over_its_cap():  # 004 三.3: 案例每个4分，最高8分
    t = say("capped_sum", {"parts": [{"label": "分级分类监管案例", "expr": "4 * cases", "cap": 8}], "max_points": 12},
            {"cases": 17.0}, 8.0)
    assert t == "分级分类监管案例（案例数 17个）计 68 分，超过该项上限 8 分，按 8 分计；合计 8 分 → 得 8.00 分"


def test_capped_sum_deduction_part_in_words():  # “满分2分，每迟报一条扣0.5分” as one part of an item
    t = say("capped_sum", {"parts": [{"label": "建立制度", "expr": "2 * a"},
                                     {"label": "按时报送", "full": 2, "per": 0.5, "amount": "late"}],
                           "max_points": 4}, {"a": 1.0, "late": 3.0}, 2.5)
    assert t == ("建立制度（建立制度：是） 2 分；按时报送（迟报条数 3条）满分 2 分，每条扣 0.5 分：2 − 1.5 = 0.5 分；"
                 "合计 2.5 分 → 得 2.50 分")


def test_capped_sum_per_event_part_in_words():  # “每提供1个案例得4分，最高8分” as one part of an item
    t = say("capped_sum", {"parts": [{"label": "案例", "each": 4, "count": "cases", "cap": 8}], "max_points": 8},
            {"cases": 3.0}, 8.0)
    assert t == "案例（案例数 3个）每个得 4 分：12 分，超过该项上限 8 分，按 8 分计；合计 8 分 → 得 8.00 分"


def test_judgement_with_reason():
    t = say("judgement", {"column": "judge:x", "max_points": 4}, {"__why__": "材料齐全"}, 3.5)
    assert t == "评审赋分 3.50 分（满分 4 分），理由：材料齐全"


def test_every_builtin_kind_has_words():
    reg = K.default_registry()
    assert all(reg.get(k).describe is not None for k in reg.names())
