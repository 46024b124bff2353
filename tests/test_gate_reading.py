"""A gate condition is shown with the test it was judged by: a reading that replaces the test changes the
page's 判定式 and sentence as it changes the score.

002 附件1 基础性指标2: “统一社会信用代码重错码率低于万分之一。” Reading B2 asks whether exactly 0.01% is
“低于”: ``strict`` (the scheme's choice, ``< 0.01``: it is not), ``inclusive`` (``<= 0.01``: it is), ``zero``
(``== 0``, after 附件2's “重错码率＜0”). The demo's city_a is set to exactly 0.01%, where strict and
inclusive disagree, so a page writing the scheme's default test under ``inclusive`` would say
“要求低于 0.01%：达到” — a sentence that contradicts itself.
"""
from __future__ import annotations

import html
import io
import pickle
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "params" / "demo" / "quzhou" / "2019.xlsx"
COND, GATE, UNIT = "quzhou.basic.2", "quzhou.basic", "city_a"
INCLUSIVE = "不超过 0.01%（恰好万分之一也算达到）"  # B2 inclusive's label
ZERO = "按附件2“重错码率＜0”的意图，只有重错码率为 0 才算达到"  # B2 zero's label

# readings -> (test judged by, 判定式 in words, the unit's sentence, outcome, the label of the option that
# replaced the scheme's test, and the note the gate table prints for it beside the sentence)
CASES = {
    "default": ({}, "duplicate_error_code_rate < 0.01", "“统一社会信用代码重错码率” < 0.01%",
                "统一社会信用代码重错码率 0.01%，要求低于 0.01%：未达到", "fail", "", ""),
    "inclusive": ({"B2": "inclusive"}, "duplicate_error_code_rate <= 0.01", "“统一社会信用代码重错码率” ≤ 0.01%",
                  "统一社会信用代码重错码率 0.01%，要求不高于 0.01%：达到", "pass", INCLUSIVE,
                  "按所选解读“不超过 0.01%（恰好万分之一也算达到）”判定"),
    "zero": ({"B2": "zero"}, "duplicate_error_code_rate == 0", "“统一社会信用代码重错码率” = 0%",
             "统一社会信用代码重错码率 0.01%，要求等于 0%：未达到", "fail", ZERO,
             "按所选解读“按附件2‘重错码率＜0’的意图，只有重错码率为 0 才算达到”判定"),  # quotes inside made single
}


@pytest.fixture(scope="module")
def at_the_boundary():
    """The demo's three cities, city_a's 重错码率 set to exactly 0.01% (万分之一)."""
    from xinyong.report import load_run

    res = load_run("quzhou", DEMO, period="2019").result
    df = res.frame.join(res.meta.drop(columns=["period"], errors="ignore")).reset_index()
    df.loc[df["unit_id"] == UNIT, "duplicate_error_code_rate"] = 0.01
    return df


def _run(df, readings):
    from xinyong.report import load_run

    return load_run("quzhou", df, period="2019", readings=readings)


def _gate_row(page: str) -> str:
    """The text of basic.2's row of the HTML gate table, tags dropped."""
    row = re.search(rf'<tr class="gate-\w+"><td class="id" title="{re.escape(COND)}".*?</tr>', page, re.S)
    assert row, "no row for basic.2 in the gate table"
    return html.unescape(re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", row.group(0))))


@pytest.mark.parametrize("case", list(CASES))
def test_gate_table_shows_the_test_in_force(at_the_boundary, case):
    """002 附件1 基础性指标2 “低于万分之一” under reading B2: the score, the 判定式, the sentence and the
    outcome shown all come from the same test — the chosen option's."""
    from xinyong.labels import GATE_OUTCOME_ZH
    from xinyong.report.analysis import UnitAnalysis
    from xinyong.report.sections import gates_html

    readings, text, words, sentence, outcome, option, note = CASES[case]
    run = _run(at_the_boundary, readings)
    res = run.result
    assert res.gate_test(COND).text == text
    g = res.gates[(res.gates["unit"] == UNIT) & (res.gates["condition"] == COND)]
    assert g["outcome"].tolist() == [outcome] and g["test"].tolist() == [text]
    # the other nine conditions pass on the demo data: the veto is decided by this one
    assert res.units.at[UNIT, f"gate:{GATE}"] == outcome
    assert bool(res.units.at[UNIT, "ranked"]) == (outcome == "pass")

    a = UnitAnalysis(run, UNIT)
    row = a.gate_conditions().set_index("condition").loc[COND]
    assert (row["test"], row["sentence"], row["outcome"], row["reading"]) == (text, sentence, outcome, option)
    shown = _gate_row(gates_html(run, UNIT, a))
    assert GATE_OUTCOME_ZH[outcome] in shown.split(sentence)[0]  # the 判定 column, before the sentence
    assert sentence in shown and f"判定式 {words} " in shown
    assert (note in shown) if note else "按所选解读" not in shown  # the scheme's own test needs no note
    verdict = " ".join(str(v) for v in a.verdict())
    if outcome == "fail":  # the verdict quotes the same sentence as the reason for the veto
        assert f"一票否决：未达到“基础性指标（一票否决）”中的 1 项条件：统一社会信用代码重错码率低于万分之一（{sentence}）" in verdict
        assert "本期不参加排名" in verdict
    else:
        assert "各项条件均已满足" in verdict and "不参加排名" not in verdict


@pytest.mark.parametrize("case", ["default", "inclusive"])
def test_word_gate_table_shows_the_test_in_force(at_the_boundary, case):
    """The Word report's gate table: basic.2's row says the chosen option's test and the outcome scored."""
    import docx

    from xinyong.labels import GATE_OUTCOME_ZH
    from xinyong.report.unit_docx import unit_docx

    readings, _, _, sentence, outcome, _, note = CASES[case]
    run = _run(at_the_boundary, readings)
    d = docx.Document(io.BytesIO(unit_docx(run, UNIT)))
    rows = [[c.text for c in r.cells] for t in d.tables for r in t.rows]
    gate_rows = [r for r in rows if r[:3] == ["2", "统一社会信用代码重错码率低于万分之一", GATE_OUTCOME_ZH[outcome]]]
    assert gate_rows and gate_rows[0][3] == sentence + (f"（{note}）" if note else "")
    other = CASES["inclusive" if case == "default" else "default"][3]
    assert not any(other in cell for r in rows for cell in r)  # the other option's sentence appears nowhere


def test_result_keeps_the_gate_tests_across_pickling(at_the_boundary):
    """A result sent back from a batch worker still knows which test judged each condition, and which
    reading set it."""
    res = pickle.loads(pickle.dumps(_run(at_the_boundary, {"B2": "inclusive"}).result))
    assert res.gate_test(COND).text == "duplicate_error_code_rate <= 0.01"
    assert res.gate_reading(COND) == [("B2", "inclusive")]
    assert res.gate_reading("quzhou.basic.1") == []
    from xinyong.errors import XinyongError

    with pytest.raises(XinyongError, match="quzhou.basic.99"):
        res.gate_test("quzhou.basic.99")


def test_a_reading_that_decides_the_veto_is_said_in_the_verdict(at_the_boundary):
    """002 附件1 基础性指标2 under reading B2, city_a at exactly 0.01%: vetoed under the scheme's ``strict``,
    not under ``inclusive``. 衢州 has no grades, so a reading that changes a grade says nothing here; the
    verdict says that the other reading decides the veto (and, under ``inclusive``, the reverse), and the
    total it names is the unit's total under that option."""
    from xinyong.report.analysis import UnitAnalysis

    strict = UnitAnalysis(_run(at_the_boundary, {}), UNIT)
    lines = [v for v in strict.verdict() if v.key == "reading"]
    changes = strict.reading_gate_changes()
    assert [(c["label"], c["gate"]) for c in changes] == [(INCLUSIVE, "pass")]
    assert len(lines) == 1 and f"若按“{INCLUSIVE}”理解" in lines[0].text and lines[0].text.endswith("不会被一票否决。")
    total = strict.readings()[1].set_index(["reading", "option"]).at[("B2", "inclusive"), "total"]
    assert f"总分为 {total:.2f} 分" in lines[0].text

    inclusive = UnitAnalysis(_run(at_the_boundary, {"B2": "inclusive"}), UNIT)
    said = [v.text for v in inclusive.verdict() if v.key == "reading"]
    # the scheme's own reading (strict) vetoes it, and zero does too
    assert len(said) == 2 and all(t.endswith("将被一票否决。") for t in said), said
    # a unit far from the boundary: no reading decides its veto, nothing is said
    other = UnitAnalysis(_run(at_the_boundary, {}), "city_b")
    assert other.reading_gate_changes() == [] and not [v for v in other.verdict() if v.key == "reading"]


def test_the_notice_says_the_reading_that_decides_a_vetoed_units_veto(at_the_boundary):
    """The 通报's 个性问题 names the vetoed city_a (002 附件1 基础性指标2) and says that under reading B2's
    ``inclusive`` it would not be vetoed — the same sentence the unit's verdict says."""
    from xinyong.report.analysis import UnitAnalysis
    from xinyong.report.notice import notice

    run = _run(at_the_boundary, {})
    said = next(v.text for v in UnitAnalysis(run, UNIT).verdict() if v.key == "reading")
    text = "".join(body for _, body in notice(run).individual)
    assert said.removesuffix("。") in text and "不会被一票否决" in text
