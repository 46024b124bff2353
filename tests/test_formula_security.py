"""Adversarial formulas: the restricted evaluator refuses everything outside its whitelist."""
import numpy as np
import pandas as pd
import pytest

from xinyong.errors import FormulaError
from xinyong.formula import parse


@pytest.mark.parametrize("text", [
    "__import__('os').system('echo hacked')",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "a.real",
    "open('/etc/passwd')",
    "eval('1+1')",
    "exec('x=1')",
    "getattr(x, 'y')",
    "[i for i in range(10)]",
    "lambda: 1",
    "x[0]",
    "'abc'",
    "{'a': 1}",
    "_x + 1",
    "min(x, key=abs)",
    "(x := 3)",
    "f'{x}'",
])
def test_forbidden_constructs_raise_formula_error_naming_the_formula(text):
    with pytest.raises(FormulaError) as ei:
        parse(text)
    assert "公式" in ei.value.message


def test_power_is_capped():
    f = parse("x ** 1000")
    with pytest.raises(FormulaError):
        f({"x": 2.0})


def test_overlong_formula_refused():
    with pytest.raises(FormulaError):
        parse("+".join(["1"] * 3000))


def test_undeclared_names_are_reported():
    with pytest.raises(FormulaError) as ei:
        parse("a / b * 2", allowed_names={"a"})
    assert "b" in ei.value.message


def test_vectorised_arithmetic_comparisons_and_booleans():
    x = pd.Series([1.0, 2.0, 3.0])
    y = pd.Series([0.0, 2.0, 6.0])
    assert parse("x / y * 2")({"x": x, "y": y}).tolist()[1:] == [2.0, 1.0]
    assert np.isnan(parse("x / y")({"x": x, "y": y}).iloc[0])  # 1/0 is undefined, not inf
    assert parse("1 <= x < 3")({"x": x}).tolist() == [True, True, False]
    assert parse("x >= 2 and y > 3")({"x": x, "y": y}).tolist() == [False, False, True]
    assert parse("not (x > 1)")({"x": x}).tolist() == [True, False, False]
    assert list(parse("min(x, 2) + max(y, 1)")({"x": x, "y": y})) == [2.0, 4.0, 8.0]
    assert list(parse("where(y == 0, 1, x / y)")({"x": x, "y": y})) == [1.0, 1.0, 0.5]


def test_scalar_division_by_zero_is_nan_not_an_exception():
    assert np.isnan(parse("a / b")({"a": 1.0, "b": 0.0}))
