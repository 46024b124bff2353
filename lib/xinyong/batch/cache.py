"""Cache keys: a unit's report is rendered again only when something it shows could have changed.

A unit's key is the sha256 of canonical JSON of:

- its own input row (values, judgements and their reasons, name, kind) and its evidence rows, and the
  same for every earlier period given as history;
- the scheme file's bytes and those of the schemes it imports, the notebook's bytes, the xinyong
  version and a digest of the package's code and report templates (so an edited template re-renders
  even before the version moves), the readings chosen, the data file's name (the report header shows it);
- the *scored* results of every unit of the run and of each history period (totals, points, statuses,
  gates, grades, ranks): a unit report shows its rank among all units, the median and the best unit of
  its group and the trend of the median, so another unit's score is part of what it shows. Another
  unit's raw inputs, evidence or reasons are not, so editing those re-renders only that unit.

Keys live in ``<run dir>/.cache.json``, written atomically after every unit, so a killed batch loses
at most the units in flight.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ..util import atomic_write_text

CACHE_NAME = ".cache.json"
FORMAT = 1
PACKAGE = Path(__file__).resolve().parents[1]  # lib/xinyong
CODE_SUFFIXES = (".py", ".j2", ".css", ".json", ".tpl")


def plain(v: Any) -> Any:
    """A JSON value that means the same thing every time: NaN/NA -> None, numpy -> Python."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) else (f if math.isfinite(f) else str(f))
    if isinstance(v, str):
        return v
    if isinstance(v, (dt.date, dt.datetime, dt.time, pd.Timestamp)):
        return v.isoformat()
    if isinstance(v, Mapping):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset, np.ndarray)):
        items = [plain(x) for x in v]
        return sorted(items, key=repr) if isinstance(v, (set, frozenset)) else items
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)


def canonical(obj: Any) -> bytes:
    return json.dumps(plain(obj), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for p in parts:
        b = p if isinstance(p, bytes) else canonical(p)
        h.update(len(b).to_bytes(8, "big"))
        h.update(b)
    return h.hexdigest()


def table(df: pd.DataFrame) -> dict:
    """A frame as plain data, row order and column order kept."""
    return {"columns": [str(c) for c in df.columns], "index": [str(i) for i in df.index],
            "data": [[plain(x) for x in row] for row in df.astype(object).itertuples(index=False, name=None)]}


def frame_rows(frame: pd.DataFrame) -> dict[str, dict]:
    """unit id -> its input row (every column) as plain data."""
    cols = [str(c) for c in frame.columns]
    return {str(uid): dict(zip(cols, (plain(x) for x in row)))
            for uid, row in zip(frame.index, frame.astype(object).itertuples(index=False, name=None))}


def evidence_rows(evidence: pd.DataFrame) -> dict[str, list[dict]]:
    """unit id -> its evidence rows in file order, without the sheet row (another unit's rows move it)."""
    out: dict[str, list[dict]] = {}
    if evidence is None or not len(evidence):
        return out
    for r in evidence.astype(object).to_dict(orient="records"):
        out.setdefault(str(r.get("unit_id")), []).append(
            {k: plain(v) for k, v in r.items() if k not in ("sheet_row", "unit_id")})
    return out


def result_digest(result: Any) -> str:
    """Everything scored for every unit of one period."""
    return digest(table(result.units), table(result.points), table(result.status.astype(str)), table(result.max_points),
                  table(result.sections), table(result.sections_unknown), table(result.gates),
                  dict(result.readings_used))


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The package's code and templates (not ``batch/`` itself, not the scheme data: those are keyed apart)."""
    h = hashlib.sha256()
    for p in sorted(PACKAGE.rglob("*")):
        rel = p.relative_to(PACKAGE).as_posix()
        if (not p.is_file() or p.suffix not in CODE_SUFFIXES or "__pycache__" in rel or rel.startswith("batch/")
                or rel.startswith("scheme/data/")):
            continue
        h.update(rel.encode("utf-8") + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def scheme_files(scheme_arg: Any, scheme: Any) -> list[Path]:
    """The scheme file and, recursively, the files of the schemes it imports."""
    from ..scheme import load_scheme
    from ..scheme.loader import scheme_path

    p = Path(str(scheme_arg))
    first = p if (p.suffix in (".yaml", ".yml") or p.exists()) else scheme_path(str(scheme_arg))
    out, todo, seen = [first.resolve()], list(scheme.imports or []), set()
    while todo:
        sid = todo.pop(0)
        if sid in seen:
            continue
        seen.add(sid)
        path = scheme_path(sid)
        out.append(path.resolve())
        todo += list(load_scheme(sid).imports or [])
    return out


def static_digest(files: Iterable[Path], notebook: Path, readings: Mapping[str, str] | None) -> str:
    from .. import __version__

    return digest({"format": FORMAT, "version": __version__, "code": code_digest(),
                   "readings": dict(readings or {})},
                  *[f.read_bytes() for f in files], notebook.read_bytes())


class Cache:
    """``.cache.json``: unit id -> {key, stem} of its last good report; the overview's key."""

    def __init__(self, run_dir: Path):
        self.path = run_dir / CACHE_NAME
        self.units: dict[str, dict] = {}
        self.overview: str | None = None
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if raw.get("format") == FORMAT:
                self.units = {str(k): v for k, v in (raw.get("units") or {}).items() if isinstance(v, dict)}
                self.overview = raw.get("overview")
        except (OSError, ValueError, AttributeError):
            pass  # no cache or an unreadable one: everything is rendered

    def hit(self, uid: str, key: str, stem: str) -> bool:
        e = self.units.get(uid)
        return bool(e) and e.get("key") == key and e.get("stem") == stem

    def set(self, uid: str, key: str, stem: str) -> None:
        self.units[uid] = {"key": key, "stem": stem}
        self.save()

    def drop(self, uid: str) -> None:
        if self.units.pop(uid, None) is not None:
            self.save()

    def keep_only(self, uids: Iterable[str]) -> None:
        keep = set(uids)
        gone = [u for u in self.units if u not in keep]
        for u in gone:
            del self.units[u]
        if gone:
            self.save()

    def save(self) -> None:
        atomic_write_text(self.path, json.dumps({"format": FORMAT, "units": self.units, "overview": self.overview},
                                                ensure_ascii=False, indent=1, sort_keys=True))
