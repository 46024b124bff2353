"""The rule registry: explicit register/get, duplicate and signature checks, documented kinds."""
import pandas as pd
import pytest

from xinyong.errors import UnknownRuleKind, XinyongError
from xinyong.scoring.kinds import BUILTIN, ThresholdParams, explain_threshold, default_registry, threshold
from xinyong.scoring.registry import Registry, RuleParams


def test_unknown_kind_lists_the_known_ones():
    with pytest.raises(UnknownRuleKind) as ei:
        default_registry().get("magic")
    assert "threshold" in ei.value.message


def test_duplicate_registration_is_refused():
    reg = Registry()
    reg.register("threshold", threshold, ThresholdParams, explain_threshold, "达标")
    with pytest.raises(XinyongError):
        reg.register("threshold", threshold, ThresholdParams, explain_threshold, "达标")


def test_params_annotation_must_match_model():
    class Other(RuleParams):
        pass

    reg = Registry()
    with pytest.raises(XinyongError):
        reg.register("t", threshold, Other, explain_threshold, "x")


def test_undocumented_function_is_refused():
    def f(frame: pd.DataFrame, p: ThresholdParams) -> pd.Series:
        return frame.iloc[:, 0]

    with pytest.raises(XinyongError):
        Registry().register("f", f, ThresholdParams, explain_threshold, "x")


def test_every_builtin_docstring_quotes_a_seed_clause():
    for name, func, *_ in BUILTIN:
        doc = func.__doc__
        assert "“" in doc or name == "judgement" and "酌情" in doc, name


def test_fresh_registry_is_independent_of_default():
    reg = Registry()
    assert "threshold" not in reg
    assert "threshold" in default_registry()
