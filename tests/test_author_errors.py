"""Errors for people who write scheme files (issue 12 §5): Chinese, file and line, the node (条目, 输入,
部分 …) and the field, the valid fields or values, and the closest valid name for a misspelling."""
from __future__ import annotations

from pathlib import Path

import pytest

import xinyong
from xinyong.errors import SchemeError
from xinyong.scoring.plan import compile

MINI = (Path(__file__).parent / "fixtures" / "mini.yaml").read_text(encoding="utf-8")


def error(tmp_path, text: str, compiled: bool = False) -> SchemeError:
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(SchemeError) as ei:
        s = xinyong.load_scheme(p)
        if compiled:
            compile(s)
    return ei.value


def line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_misspelt_item_field_suggests_and_lists(tmp_path):
    text = MINI.replace("        name: 比例\n        max_points: 2\n", "        name: 比例\n        max_point: 2\n")
    e = error(tmp_path, text)
    assert e.message.startswith(f"方案文件格式错误：bad.yaml 第{line_of(text, 'max_point: 2')}行 条目 mini.1.3 字段 max_point：")
    assert "未知字段“max_point”，是否想写“max_points”？" in e.message
    assert "可用字段：id、name、max_points、bonus、rule" in e.message
    assert "Extra inputs" not in e.message


def test_an_input_is_called_an_input_not_an_item(tmp_path):
    text = MINI.replace('  - {id: npl_rate, label: 不良贷款率, unit: "%", type: percent}',
                        '  - {id: npl_rate, label: 不良贷款率, unit: "%", type: percent, max: abc}')
    e = error(tmp_path, text)
    assert e.message == "方案文件格式错误：bad.yaml 第9行 输入 npl_rate 字段 max：应为数字，实际为“abc”"


def test_misspelt_key_beats_the_missing_one(tmp_path):
    e = error(tmp_path, MINI.replace("  - {id: has_a, label: 条件A, type: bool}", "  - {id: has_a, lable: 条件A, type: bool}"))
    assert "输入 has_a 字段 lable：未知字段“lable”，是否想写“label”？可用字段：id、label、unit、type、min、max、note" in e.message


def test_wrong_value_lists_the_values(tmp_path):
    e = error(tmp_path, MINI.replace("kind: qualification", "kind: qualify"))
    assert "门槛 mini.gate 字段 kind：取值“qualify”无效，是否想写“qualification”？可用取值：veto、qualification" in e.message


def test_section_field(tmp_path):
    e = error(tmp_path, MINI.replace("    name: 第二部分\n", "    name: 第二部分\n    declared_pionts: 3\n"))
    assert "部分 mini.2 字段 declared_pionts：未知字段“declared_pionts”，是否想写“declared_points”？" in e.message


def test_rule_parameter_suggests_and_lists(tmp_path):
    e = error(tmp_path, MINI.replace("{amount: events, per: 0.5}", "{amount: events, per: 0.5, max_deductoin: 1}"),
              compiled=True)
    assert e.fields["item"] == "mini.2.1" and e.fields["field"] == "rule.params.max_deductoin"
    assert "是否想写“max_deduction”？可用字段：amount、per、step、step_mode、full、floor、max_deduction" in e.message
    assert "max_points" not in e.message.split("可用字段：")[1]  # filled from the item, not written


def test_rule_kind_suggests(tmp_path):
    e = error(tmp_path, MINI.replace("kind: stepwise", "kind: stepwse"), compiled=True)
    assert "未知的规则类型 stepwse，是否想写 stepwise？" in e.message


def test_model_checks_speak_chinese(tmp_path):
    e = error(tmp_path, MINI.replace("        name: 比例\n        max_points: 2\n", "        name: 比例\n"))
    assert "条目 mini.1.3 字段 max_points：缺少 max_points（条目满分）" in e.message
