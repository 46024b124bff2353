"""One SHA-256 per demo workbook of the scores ``score()`` gives it: proof that a change to scoring changed no result.

    python bench/score_hashes.py > before.txt   # … change lib/xinyong/scoring …
    python bench/score_hashes.py | diff before.txt -

Every workbook params/demo.yaml names (each run's data and its history files, each once) is read through
intake and scored with its units that did not report; the hash covers the points and status of every
unit × item, the per-unit totals (known, bonus, unknown, possible, applicable), grades, ranks, verdicts,
section points, the gate outcomes, and the inputs and unit facts kept (frame, meta) and the cross-input checks broken (violations). Then every scheme once more on 200 synthetic units (bench/scoring.py's
generator: inputs across their ranges, ~2% missing, unit kinds taken in turn so that variants run). Floats are hashed by their exact bits (``float.hex``), so a
change in the last bit shows; each table's column dtypes are hashed too.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib")) if str(ROOT / "lib") not in sys.path else None

import xinyong  # noqa: E402
from xinyong.intake import read_inputs  # noqa: E402


def _cell(v) -> str:
    if isinstance(v, (float, np.floating)):
        return "nan" if np.isnan(v) else float(v).hex()
    if v is None or v is pd.NA:
        return "<NA>"
    return repr(v)


def _table(h, name: str, df: pd.DataFrame) -> None:
    h.update(f"#{name}|{list(map(str, df.columns))}|{list(map(str, df.dtypes))}|{list(map(str, df.index))}\n".encode())
    for row in df.itertuples(index=False, name=None):
        h.update(("|".join(_cell(v) for v in row) + "\n").encode())


def fingerprint(result) -> str:
    h = hashlib.sha256()
    _table(h, "points", result.points)
    _table(h, "status", result.status.astype(str))
    h.update(repr(result.status.dtypes.tolist()).encode())
    _table(h, "max_points", result.max_points)
    _table(h, "units", result.units)
    _table(h, "sections", result.sections)
    _table(h, "sections_unknown", result.sections_unknown)
    _table(h, "gates", result.gates)
    _table(h, "caps", result.caps)
    _table(h, "meta", result.meta)
    _table(h, "frame", result.frame)
    _table(h, "violations", result.violations)
    return h.hexdigest()


def workbooks(demo_yaml: Path) -> list[tuple[str, str, str]]:
    """(scheme, period, data path) of every run and history file, each once, in the file's order."""
    seen, out = set(), []
    for run in yaml.safe_load(demo_yaml.read_text(encoding="utf-8"))["runs"]:
        for period, data in [(run["period"], run["data"])] + [(h["period"], h["data"]) for h in run.get("history", [])]:
            key = (run["scheme"], str(period), data)
            if key not in seen:
                seen.add(key)
                out.append(key)
    return out


def main() -> None:
    schemes: dict[str, object] = {}
    for scheme_id, period, data in workbooks(ROOT / "params" / "demo.yaml"):
        scheme = schemes.setdefault(scheme_id, xinyong.load_scheme(scheme_id))
        res = read_inputs(scheme, ROOT / data)
        frame = res.frame.drop(index=[u for u in res.unit_errors if u in res.frame.index])
        result = xinyong.score(scheme, frame, unreported=res.unreported)
        print(f"{fingerprint(result)}  {scheme_id} {period} {data}")
    sys.path.insert(0, str(ROOT / "bench"))
    from scoring import synthetic_units

    for scheme_id in xinyong.SCHEME_IDS:
        scheme = schemes.get(scheme_id) or xinyong.load_scheme(scheme_id)
        df = synthetic_units(scheme, 200, seed=7, missing=0.05)
        if scheme.unit_kinds:
            df["unit_kind"] = [([""] + list(scheme.unit_kinds))[i % (len(scheme.unit_kinds) + 1)] for i in range(len(df))]
        print(f"{fingerprint(xinyong.score(scheme, df))}  {scheme_id} synthetic 200")


if __name__ == "__main__":
    main()
