"""One table per concept and one formatter family (issue 11: "label tables and formatters live in one
module"); one rendering of a problem's location (``errors.where``)."""
from __future__ import annotations

import math

import numpy as np

from xinyong import labels
from xinyong.errors import Problem, where
from xinyong.scoring.result import STATUSES


def test_every_status_and_gate_outcome_has_a_word():
    assert list(labels.STATUS_ZH) == STATUSES
    assert set(labels.GATE_OUTCOME_ZH) == {"pass", "fail", "unknown", "none"}
    assert set(labels.GATE_KIND_ZH) == set(labels.GATE_KIND_EXPLAIN_ZH) == {"veto", "qualification"}
    assert labels.label(labels.STATUS_ZH, "new_code") == "new_code"  # never a KeyError in a report


def test_the_tables_are_the_ones_everybody_uses():
    from xinyong.batch import outputs
    from xinyong.report import sections
    from xinyong.scoring import kinds, result

    assert result.STATUS_ZH is labels.STATUS_ZH
    assert outputs.GATE_OUTCOME_ZH is labels.GATE_OUTCOME_ZH and outputs.num is labels.num
    assert sections.FINDING_ZH is labels.FINDING_ZH
    assert kinds.fmt is labels.fmt and kinds.pts is labels.pts


def test_numbers_as_reports_and_computations_write_them():
    assert [labels.num(x) for x in (12.5, 3, 0.25, 1 / 3, -0.00001, None, math.nan, "x")] == \
        ["12.5", "3", "0.25", "0.3333", "0", "—", "—", "x"]
    assert [labels.fmt(x) for x in (12.0, 2.6, True, np.bool_(False), None, math.nan, 1 / 3)] == \
        ["12", "2.6", "是", "否", "缺失", "缺失", "0.3333"]
    assert labels.fmt(-0.00001) == "-0"  # kept as it always printed (num writes 0)
    assert [labels.pts(x) for x in (2.5, 0, math.nan)] == ["2.5000", "0.0000", "缺失"]
    assert [labels.pct(x) for x in (100 / 3, 50, np.float64(2 / 3 * 100))] == ["33.3", "50.0", "66.7"]
    assert [labels.brief(x) for x in (12.5, 3.0, 1 / 3)] == ["12.5", "3", "0.33"]


def test_where_a_problem_is():
    p = Problem("超出范围", file="a.xlsx", sheet="输入", row=5, column="C", unit="dept07")
    assert p.where() == where(p) == "文件=a.xlsx，工作表=输入，行=5，列=C，单位=dept07"
    assert where(p.as_dict(), file=False) == "工作表=输入，行=5，列=C，单位=dept07"
    assert where(Problem("缺少工作表", sheet="单位")) == "工作表=单位"
    assert where({"message": "x"}) == ""
