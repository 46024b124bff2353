"""Property tests (hypothesis) over every scheme shipped: for any valid input, every item's points
are within [0, max], totals equal the sum of their parts, missing is never zero, scoring is
deterministic."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xinyong
from xinyong.scheme.loader import SCHEME_IDS
from xinyong.scoring.plan import compile

from conftest import MINI

# Each shipped scheme takes 2-10 s here (50 scorings, each paying the engine's fixed cost per item), so
# those run with `make test`; the mini scheme (gate, bonus, unit kinds, judgement) stays in test-fast.
SCHEMES = [*(pytest.param(s, marks=pytest.mark.slow) for s in SCHEME_IDS), str(MINI)]


def value_strategy(spec):
    if spec.type == "bool":
        return st.sampled_from([0.0, 1.0, np.nan])
    lo = spec.min if spec.min is not None else 0.0
    hi = spec.max if spec.max is not None else max(lo, 0) + 1e6
    if spec.type == "integer":
        return st.one_of(st.integers(int(np.ceil(lo)), int(min(hi, 1e6))).map(float), st.just(np.nan))
    return st.one_of(st.floats(lo, hi, allow_nan=False, allow_infinity=False), st.just(np.nan))


@st.composite
def unit_frames(draw, scheme):
    n = draw(st.integers(1, 4))
    cat = scheme.input_catalogue
    judges = compile(scheme).judgement_caps
    rows = []
    for k in range(n):
        row = {"unit_id": f"u{k}", "unit_name": f"单位{k}"}
        if scheme.unit_kinds:
            row["unit_kind"] = draw(st.sampled_from(scheme.unit_kinds))
        for iid, spec in cat.items():
            row[iid] = draw(value_strategy(spec))
        for item_id, caps in judges.items():
            mx = caps.get(row.get("unit_kind", ""), caps[""])
            if draw(st.booleans()):
                row[f"judge:{item_id}"] = draw(st.floats(0, mx, allow_nan=False))
                row[f"why:{item_id}"] = "依据材料评定"
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("scheme_id", SCHEMES)
def test_scoring_properties(scheme_id):
    scheme = xinyong.load_scheme(scheme_id)
    item_ids = [it.id for it in scheme.walk_items()]
    bonus = [it.id for it in scheme.walk_items() if it.bonus]
    min_pts = {it.id: it.min_points for it in scheme.walk_items()}

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(unit_frames(scheme))
    def check(df):
        r = xinyong.score(scheme, df)
        P, M, S = r.points[item_ids], r.max_points[item_ids], r.status[item_ids]
        scored = S == "scored"
        # every scored item within [min, max]; everything else has no points (never a silent 0)
        lo = pd.DataFrame({c: [min_pts[c]] * len(P) for c in item_ids}, index=P.index)
        assert ((P >= lo - 1e-9) & (P <= M + 1e-9))[scored].fillna(True).all().all()
        assert P[~scored].isna().all().all()
        # totals equal the sum of their parts
        base = P.drop(columns=bonus).fillna(0).sum(axis=1)
        assert np.allclose(r.units["base_total"], base, atol=1e-6)
        assert np.allclose(r.units["total"], r.units["base_total"] + r.units["bonus"], atol=1e-6)
        top = [s.id for s in scheme.sections]
        assert np.allclose(r.sections[top].sum(axis=1), r.units["total"], atol=1e-6)
        unknown = (M * S.isin(["missing_input", "pending_judgement", "undefined"])).sum(axis=1)
        assert np.allclose(r.units["unknown_points"], unknown, atol=1e-6)
        # deterministic
        r2 = xinyong.score(scheme, df)
        pd.testing.assert_frame_equal(r.points, r2.points)
        pd.testing.assert_frame_equal(r.units, r2.units)

    check()
