"""Scoring benchmark: synthetic units on whole schemes, time and peak memory, growth with units."""
from __future__ import annotations

import gc
import time
import tracemalloc

import numpy as np
import pandas as pd

import xinyong
from xinyong.scoring.plan import compile


def synthetic_units(scheme, n: int, seed: int = 0, missing: float = 0.02) -> pd.DataFrame:
    """n units with every input drawn inside its range, ~2% missing, judgements filled."""
    rng = np.random.default_rng(seed)
    cols = {"unit_id": [f"u{i:06d}" for i in range(n)]}
    kind = scheme.unit_kinds[0] if scheme.unit_kinds else ""
    if kind:
        cols["unit_kind"] = np.full(n, kind)
    for iid, spec in scheme.input_catalogue.items():
        if spec.type == "bool":
            v = rng.integers(0, 2, n).astype(float)
        else:
            lo = spec.min if spec.min is not None else 0.0
            hi = spec.max if spec.max is not None else lo + 1000.0
            v = rng.uniform(lo, hi, n)
            if spec.type == "integer":
                v = np.floor(v)
        v[rng.random(n) < missing] = np.nan
        cols[iid] = v
    for item_id, caps in compile(scheme).judgement_caps.items():
        mx = caps.get(kind, caps[""])
        cols[f"judge:{item_id}"] = np.round(rng.uniform(0, mx, n), 1)
        cols[f"why:{item_id}"] = np.full(n, "材料齐全")
    return pd.DataFrame(cols)


def measure(scheme_id: str, n: int, repeats: int = 3) -> dict:
    scheme = xinyong.load_scheme(scheme_id)
    df = synthetic_units(scheme, n)
    xinyong.score(scheme, df.head(10))  # warm caches (formula parsing, imports)
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        xinyong.score(scheme, df)
        times.append(time.perf_counter() - t0)
    gc.collect()
    tracemalloc.start()
    xinyong.score(scheme, df)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"scheme": scheme_id, "units": n, "items": len(scheme.items), "inputs": len(scheme.input_catalogue),
            "best_s": min(times), "median_s": sorted(times)[len(times) // 2], "peak_mib": peak / 2**20,
            "us_per_unit": min(times) / n * 1e6}
