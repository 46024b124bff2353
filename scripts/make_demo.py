#!/usr/bin/env python
"""Regenerate the demo workbooks in params/demo/ and the run list params/demo.yaml.

    python scripts/make_demo.py            # every scheme whose YAML exists
    python scripts/make_demo.py --only quzhou --out /tmp/demo

The data are fictional (every name starts with 示例) but shaped like real submissions: a seeded numpy
generator gives each unit a quality that rises over the year; values are drawn per input from its
type and range, in the direction that earns points (found by scoring probe rows through the engine,
so nothing here hard-codes a scheme's rules); numerators never exceed their denominators, nor a part
its whole where the scheme's ``checks`` say so (``part <= whole``); gate
conditions (100% conversion and the like) are met by every unit but the ones meant to fail. Some
inputs are left blank (缺失), some judgements are left for the assessor (待评审), judged items carry a
justification and evidence, one 002 city fails the veto, one 004 unit ends below the lowest grade
line, and one unit has a 0/0 ratio (无法计算), so every status appears in the reports.
Same seed, same bytes: workbook properties and zip entry times are fixed.
"""
from __future__ import annotations

import argparse
import os
import ast
import datetime as dt
import itertools
import sys
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

import xinyong  # noqa: E402
from xinyong.intake.template import (  # noqa: E402
    INPUT_FIRST_DATA_ROW, NO, YES, UnitRow, build_template, judgement_slots, ordered_inputs,
    save_workbook, slots_for,
)
from xinyong.safe import put  # noqa: E402
from xinyong.scheme.loader import scheme_path  # noqa: E402
from xinyong.scheme.values import is_percent  # noqa: E402
from xinyong.util import atomic_write_text  # noqa: E402

STAMP = dt.datetime(2023, 1, 1)
QUARTERS = ["2022Q1", "2022Q2", "2022Q3", "2022Q4"]

DEPTS = ["发展和改革委员会", "财政局", "教育局", "公安局", "民政局", "司法局", "人力资源和社会保障局", "自然资源局",
         "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局",
         "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "林业局",
         "行政审批服务局", "城市管理局", "退役军人事务局", "科学技术局", "工业和信息化局", "人民法院",
         "人民检察院", "税务局"]
TOWNS = ["城关镇", "东城街道", "西城街道", "安乐镇", "青石镇", "白水镇", "柳林镇", "河湾乡", "石桥乡", "桃园镇",
         "龙泉镇", "新集乡", "双庙乡", "高庄镇", "平安乡"]
COUNTIES = ["东城区", "西城区", "南湖区", "北山区", "青河县", "石门县", "平原县", "安泰县", "云岭县", "桃源县",
            "临江县", "高阳县"]


def _units(scheme_id: str) -> list[tuple[str, str, str]]:
    """(unit id, name, natural kind) per scheme."""
    if scheme_id == "jiaxian_county_dept":
        return [(f"dept{k:02d}", f"示例县{n}", "县直单位") for k, n in enumerate(DEPTS, 1)]
    if scheme_id == "jiaxian_township":
        return [(f"town{k:02d}", f"示例县{n}", "街道" if n.endswith("街道") else ("乡" if n.endswith("乡") else "镇"))
                for k, n in enumerate(TOWNS, 1)]
    if scheme_id == "wangyi":
        return [("district", "示例市示例区", "城区"), ("devzone", "示例市经济技术开发区", "开发区")]
    if scheme_id in ("city2019", "quzhou"):
        return [("city_a", "示例甲市", "城市"), ("city_b", "示例乙市", "城市"), ("city_c", "示例丙市", "城市")]
    if scheme_id == "linyi":
        return [(f"county{k:02d}", f"示例市{n}", n[-1]) for k, n in enumerate(COUNTIES, 1)]
    raise KeyError(scheme_id)


PLAN = {  # scheme -> periods
    "jiaxian_county_dept": QUARTERS, "jiaxian_township": QUARTERS, "wangyi": ["2020"],
    "city2019": ["2019"], "quzhou": ["2019"], "linyi": ["2019"],
}
WEAK = {"jiaxian_county_dept": "dept27", "jiaxian_township": "town13"}  # end below the lowest grade line
VETO_FAIL = {"quzhou": "city_c"}
UNDEFINED = {"jiaxian_township": "town05", "city2019": "city_b"}  # linyi has no ratio formula (all judged)


def pick_kind(kinds: list[str], natural: str) -> str:
    if not kinds:
        return ""
    if natural in kinds:
        return natural
    for k in kinds:
        if natural in k or k in natural:
            return k
    if natural in ("乡", "镇"):
        for k in kinds:
            if "乡" in k or "镇" in k:
                return k
    return kinds[0]


def seed(*parts: str) -> int:
    return zlib.crc32("/".join(parts).encode("utf-8"))


# ------------------------------------------------------------------------------ what earns points
def _formula_texts(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _formula_texts(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _formula_texts(v)


def ratio_pairs(scheme) -> list[tuple[str, str]]:
    """(numerator, denominator) input pairs written as ``a/b`` in the scheme's formulas."""
    cat = scheme.input_catalogue
    texts = [t for it in scheme.walk_items() if it.rule for t in _formula_texts(it.rule.params)]
    texts += [c.test for g in scheme.gates for c in g.conditions]
    pairs = []
    for t in texts:
        try:
            tree = ast.parse(t, mode="eval")
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and isinstance(node.left, ast.Name) \
                    and isinstance(node.right, ast.Name) and node.left.id in cat and node.right.id in cat:
                if (node.left.id, node.right.id) not in pairs:
                    pairs.append((node.left.id, node.right.id))
    return pairs


def _span(spec) -> tuple[float, float]:
    lo = spec.min if spec.min is not None else 0.0
    hi = spec.max if spec.max is not None else lo + (100.0 if is_percent(spec) else 40.0)
    return lo, hi


def _probe_value(spec, level: str) -> float:
    if spec.type == "bool":
        return {"low": 0.0, "mid": 1.0, "high": 1.0}[level]
    lo, hi = _span(spec)
    x = lo + (hi - lo) * {"low": 0.1, "mid": 0.5, "high": 0.9}[level]
    return float(round(x)) if spec.type == "integer" else x


PROBE_FRACTIONS = (0.01, 0.1, 0.5, 0.9, 0.99)


def _probe_levels(spec) -> list[float]:
    if spec.type == "bool":
        return [0.0, 1.0]
    if spec.type == "integer" and spec.max is None:
        lo = spec.min or 0.0
        return [lo, lo + 1, lo + 3, lo + 10, lo + 30]
    lo, hi = _span(spec)
    levels = [lo + (hi - lo) * f for f in PROBE_FRACTIONS]
    return [float(round(x)) for x in levels] if spec.type == "integer" else levels


def directions(scheme, kind: str) -> dict[str, int]:
    """+1 when a higher value earns points (or passes gates), -1 when lower does, 0 when neither.

    Each input is swept over a few levels with the others held at mid-range, and the points at the
    top of the sweep are compared with those at the bottom: scoring functions with a plateau (a
    rate below 2% earns full marks) are only visible near the ends of the range.
    """
    specs = ordered_inputs(scheme)
    base = {s.id: _probe_value(s, "mid") for s in specs}
    rows = {"base": base}
    for s in specs:
        for k, v in enumerate(_probe_levels(s)):
            rows[f"{k}:{s.id}"] = {**base, s.id: v}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame["unit_kind"] = kind or None
    r = xinyong.score(scheme, frame)
    pts = r.units["total"]
    passes = (r.gates[r.gates["outcome"] == "pass"].groupby("unit").size()
              .reindex(frame.index, fill_value=0) if len(r.gates) else pd.Series(0, index=frame.index))
    out = {}
    for s in specs:
        n = len(_probe_levels(s))
        for metric in (pts, passes):
            v = [float(metric[f"{k}:{s.id}"]) for k in range(n)]
            half = max(1, n // 2)
            d = int(np.sign(round(sum(v[-half:]) - sum(v[:half]), 9)))
            if d:
                break
        out[s.id] = d
    return out


# ------------------------------------------------------------------------------ values
def draw(spec, direction: int, q: float, rng: np.random.Generator) -> float:
    """One plausible value for a unit of quality ``q`` (0 poor … 1 excellent)."""
    good = q + rng.normal(0, 0.08)
    if spec.type == "bool":
        p = 0.3 + 0.65 * q
        hit = rng.random() < p
        return float(hit) if direction >= 0 else float(not hit)
    lo, hi = _span(spec)
    if is_percent(spec) and hi - lo > 200:  # a growth rate allowed up to 100000%: draw within 0–100%
        lo, hi = max(lo, 0.0), min(hi, max(lo, 0.0) + 100.0)
    if is_percent(spec):
        if direction > 0:
            x = lo + (hi - lo) * np.clip(0.55 + 0.43 * good, 0, 1)
        elif direction < 0:
            x = lo + min(hi - lo, 12.0) * np.clip(0.9 - 0.85 * good, 0, 1)
        else:
            x = lo + (hi - lo) * rng.uniform(0.3, 0.9)
        return round(float(np.clip(x, lo, hi)), 2)
    if spec.type == "integer":
        if spec.max is not None and spec.max - lo <= 20:  # a small scale such as a count out of 5
            x = lo + (hi - lo) * np.clip(good if direction >= 0 else 1 - good, 0, 1)
        elif direction < 0:
            x = rng.poisson(max(0.2, 4.0 * (1 - q)))
        elif direction > 0:
            x = rng.poisson(6 + 24 * q)
        else:
            x = rng.integers(12, 40)
        return float(np.clip(round(float(x)), lo, hi))
    unit = spec.unit or ""
    scale = {"元": 2e6, "万元": 500.0, "亿元": 20.0}.get(unit, (hi - lo) if spec.max is not None else 20.0)
    frac = np.clip(0.5 + 0.45 * good if direction >= 0 else 0.5 - 0.45 * good, 0.02, 1)
    return round(float(np.clip(lo + scale * frac, lo, hi)), 2)


def unit_values(scheme, dirs, q: float, rng) -> dict[str, float]:
    specs = {s.id: s for s in ordered_inputs(scheme)}
    vals = {i: draw(s, dirs.get(i, 0), q, rng) for i, s in specs.items()}
    for num, den in ratio_pairs(scheme):
        sn, sd = specs[num], specs[den]
        if sn.type == "bool" or sd.type == "bool":
            continue
        d = vals[den] if vals[den] > 0 else float(rng.integers(8, 40))
        share = np.clip(0.55 + 0.45 * q + rng.normal(0, 0.06), 0, 1) if dirs.get(num, 0) >= 0 \
            else np.clip(0.3 * (1 - q) + rng.normal(0, 0.03), 0, 1)
        n = d * share
        if sn.type == "integer":
            n = float(round(n))
        vals[den] = float(round(d)) if sd.type == "integer" else round(d, 2)
        vals[num] = float(np.clip(n, *_span(sn))) if sn.type != "integer" else float(min(n, vals[den]))
    return vals


REASONS_HIGH = ["{name}：方案、台账和总结材料齐全，工作有特色做法，酌情给予{p:g}分。",
                "{name}：按时完成并报送佐证材料，质量较好，给予{p:g}分。"]
REASONS_MID = ["{name}：已开展工作，但材料不够完整，酌情给予{p:g}分。",
               "{name}：完成主要任务，部分佐证缺少日期和签章，给予{p:g}分。"]
REASONS_LOW = ["{name}：工作推进滞后，佐证材料不足，酌情给予{p:g}分。"]


def reason(name: str, p: float, cap: float, rng) -> str:
    pool = REASONS_HIGH if p >= 0.8 * cap else (REASONS_MID if p >= 0.5 * cap else REASONS_LOW)
    return pool[int(rng.integers(len(pool)))].format(name=name, p=p)


def period_dates(period: str) -> tuple[dt.date, dt.date]:
    year = int(period[:4])
    if "Q" in period:
        k = int(period[-1])
        start = dt.date(year, 3 * k - 2, 1)
        end = (dt.date(year + (k == 4), (3 * k) % 12 + 1, 1)) - dt.timedelta(days=1)
        return start, end
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# ------------------------------------------------------------------------------ one workbook
def build(scheme, period: str, k_period: int, n_periods: int, unit_list=None) -> tuple[object, pd.DataFrame]:
    """The filled workbook for one period and the frame it encodes (for checking statuses)."""
    unit_list = unit_list or _units(scheme.id)
    units = [UnitRow(uid, name, pick_kind(list(scheme.unit_kinds), nat)) for uid, name, nat in unit_list]
    wb = build_template(scheme, period, units, title_note="示例数据：单位和数字均为虚构，仅用于演示。")
    urng = np.random.default_rng(seed(scheme.id, "units"))
    q0 = {u.unit_id: float(np.clip(urng.beta(5, 2.2), 0.2, 0.95)) for u in units}
    growth = {u.unit_id: float(urng.uniform(0.04, 0.1)) for u in units}
    rng = np.random.default_rng(seed(scheme.id, period))
    specs = ordered_inputs(scheme)
    dirs_by_kind = {u.unit_kind: None for u in units}
    for k in dirs_by_kind:
        dirs_by_kind[k] = directions(scheme, k)
    slots = judgement_slots(scheme)
    p_missing = 0.03 - 0.02 * (k_period / max(1, n_periods - 1)) if n_periods > 1 else 0.03
    p_pending = 0.45 - 0.3 * (k_period / max(1, n_periods - 1)) if n_periods > 1 else 0.25
    weak, veto, undef = WEAK.get(scheme.id), VETO_FAIL.get(scheme.id), UNDEFINED.get(scheme.id)
    pairs = ratio_pairs(scheme)
    rows = {}
    judge_rows = {}
    for u in units:
        q = q0[u.unit_id] + growth[u.unit_id] * k_period
        if u.unit_id == weak:
            q = 0.05 + 0.02 * k_period
        q = float(np.clip(q, 0, 1))
        vals = unit_values(scheme, dirs_by_kind[u.unit_kind], q, rng)
        if u.unit_id == undef and pairs:
            num, den = pairs[0]
            vals[num], vals[den] = 0.0, 0.0  # 本期无应办事项: 0/0 is 无法计算, not zero
        for s in specs:
            if u.unit_id not in (weak, veto) and rng.random() < p_missing:
                vals[s.id] = np.nan
        rows[u.unit_id] = vals
        for item, slot in slots_for(slots, u.unit_kind).items():
            if slot.only_under or (u.unit_id != weak and rng.random() < p_pending):
                continue
            frac = np.clip(q + rng.normal(0, 0.1), 0.1, 1.0)
            p = float(np.floor(slot.cap * frac * 2) / 2)  # assessors give half points
            judge_rows[(u.unit_id, item)] = (p, reason(slot.name, p, slot.cap, rng))
    if judge_rows and all((u.unit_id, i) in judge_rows for u in units
                          for i, sl in slots_for(slots, u.unit_kind).items() if not sl.only_under):
        del judge_rows[sorted(judge_rows)[int(rng.integers(len(judge_rows)))]]  # one is always 待评审
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame["unit_kind"] = [u.unit_kind or None for u in units]
    for u in units:
        if u.unit_id != weak:
            _force_gates_pass(scheme, frame, u.unit_id)
    if veto:
        _force_veto_fail(scheme, frame, veto, rng)
    if weak and scheme.grades is not None:
        _force_low(scheme, frame, weak, dirs_by_kind)
    _satisfy_checks(scheme, frame)
    _ensure_some_missing(frame, specs, rng, keep=(weak, veto))
    _write(wb, scheme, units, frame, judge_rows, period, rng)
    return wb, frame


def _force_gates_pass(scheme, frame, unit) -> None:
    """A unit of ordinary quality meets the gate conditions (100% conversion, error rate under 0.01%):
    values drawn from a range seldom hit such exact targets, so each failing condition's inputs (up to
    four) are set to the ends of their ranges, every combination in turn, until the condition passes;
    if none does they are put back. Conditions on missing inputs stay unknown (missing data is never
    made up)."""
    if not scheme.gates:
        return
    cat = scheme.input_catalogue
    r = xinyong.score(scheme, frame.loc[[unit]])
    failing = set(r.gates.loc[r.gates["outcome"] == "fail", "condition"]) if len(r.gates) else set()
    for g in scheme.gates:
        for c in g.conditions:
            if c.id not in failing:
                continue
            ids = [i for i in c.input_ids if i in cat and pd.notna(frame.at[unit, i])][:4]
            old = {i: frame.at[unit, i] for i in ids}
            ends = [(1.0, 0.0) if cat[i].type == "bool" else tuple(reversed(_span(cat[i]))) for i in ids]
            for combo in itertools.product(*ends):  # both ends of every input, at most 16 trials
                for i, v in zip(ids, combo):
                    frame.at[unit, i] = v
                t = xinyong.score(scheme, frame.loc[[unit]]).gates
                if (t.loc[t["condition"] == c.id, "outcome"] == "pass").all():
                    break
            else:
                for i, v in old.items():
                    frame.at[unit, i] = v


def _force_veto_fail(scheme, frame, unit, rng) -> None:
    """Make ``unit`` fail one veto condition by moving that condition's inputs to their other extreme."""
    cat = scheme.input_catalogue
    for g in scheme.gates:
        if g.kind != "veto":
            continue
        for c in g.conditions:
            ids = [i for i in c.input_ids if i in cat]
            for i in ids:
                spec = cat[i]
                for level in ("low", "high"):
                    trial = frame.copy()
                    trial.at[unit, i] = _probe_value(spec, level) if spec.type != "integer" else \
                        (0.0 if level == "low" else float(max(5, (spec.max or 5))))
                    out = xinyong.score(scheme, trial).units.at[unit, f"gate:{g.id}"]
                    if out == "fail":
                        frame.at[unit, i] = trial.at[unit, i]
                        return
    print(f"  note: could not make {unit} fail a veto of {scheme.id}", file=sys.stderr)


def _force_low(scheme, frame, unit, dirs_by_kind) -> None:
    """Push the weak unit's inputs to the unrewarded end until its grade is the lowest band."""
    lowest = scheme.grades.bands[-1].label
    kind = frame.at[unit, "unit_kind"] or ""
    dirs = dirs_by_kind.get(kind) or {}
    for s in ordered_inputs(scheme):
        if xinyong.score(scheme, frame.loc[[unit]]).units.at[unit, "grade"] == lowest:
            return
        d = dirs.get(s.id, 0)
        if d:
            frame.at[unit, s.id] = _probe_value(s, "low" if d > 0 else "high")


def part_whole_checks(scheme) -> list[tuple[str, str]]:
    """(part, whole) input pairs of the scheme's checks written ``part <= whole``."""
    out = []
    for chk in scheme.checks:
        t = ast.parse(chk.test, mode="eval").body
        if isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], ast.LtE) \
                and isinstance(t.left, ast.Name) and isinstance(t.comparators[0], ast.Name):
            out.append((t.left.id, t.comparators[0].id))
    return out


def _satisfy_checks(scheme, frame) -> None:
    """Every unit meets the scheme's part ≤ whole checks (issue 12: 衢州 city_c had 23 rectified of 2
    events). A whole smaller than its part is raised to the part — a count of departments or events
    drawn too small, the more plausible error — within its range; if the range forbids it, or raising
    it would change a gate's outcome (a unit meant to pass the veto must still pass), the part is
    lowered to the whole. Repeated while anything changes, since a whole may be another's part."""
    cat = scheme.input_catalogue
    pairs = part_whole_checks(scheme)
    for _ in range(5):
        changed = False
        for part, whole in pairs:
            a, b = frame[part].astype(float), frame[whole].astype(float)
            bad = (a > b) & a.notna() & b.notna()
            for u in frame.index[bad]:
                hi = cat[whole].max if cat[whole].max is not None else float("inf")
                before = _gate_outcomes(scheme, frame, u)
                old_whole = frame.at[u, whole]
                if frame.at[u, part] <= hi:
                    frame.at[u, whole] = frame.at[u, part]
                if frame.at[u, part] > frame.at[u, whole] or _gate_outcomes(scheme, frame, u) != before:
                    frame.at[u, whole] = old_whole  # raising the whole would move a gate: lower the part
                    frame.at[u, part] = frame.at[u, whole]
                changed = True
        if not changed:
            return


def _gate_outcomes(scheme, frame, unit) -> dict:
    if not scheme.gates:
        return {}
    g = xinyong.score(scheme, frame.loc[[unit]]).gates
    return dict(zip(g["condition"], g["outcome"]))


def _ensure_some_missing(frame, specs, rng, keep) -> None:
    cols = [s.id for s in specs]
    if cols and not frame[cols].isna().any().any():
        cand = [u for u in frame.index if u not in keep]
        if cand:
            frame.at[cand[int(rng.integers(len(cand)))], cols[int(rng.integers(len(cols)))]] = np.nan


def _write(wb, scheme, units, frame, judge_rows, period, rng) -> None:
    ws = wb["输入"]
    header = {ws.cell(1, j).value: j for j in range(1, ws.max_column + 1)}
    specs = {s.id: s for s in ordered_inputs(scheme)}
    for r, u in enumerate(units, INPUT_FIRST_DATA_ROW):
        assert ws.cell(r, 1).value == u.unit_id
        for i, s in specs.items():
            v = frame.at[u.unit_id, i]
            if pd.isna(v):
                continue
            put(ws, r, header[i], (YES if v else NO) if s.type == "bool" else (int(v) if s.type == "integer" else float(v)))
    wj = wb["评审"]
    for r in range(2, wj.max_row + 1):
        key = (wj.cell(r, 1).value, wj.cell(r, 2).value)
        if key in judge_rows:
            p, why = judge_rows[key]
            put(wj, r, 5, p)
            put(wj, r, 6, why)
    start, end = period_dates(period)
    names = {u.unit_id: u.unit_name for u in units}
    items = {it.id: it for it in scheme.walk_items()}
    ev = []
    for (uid, item), _ in sorted(judge_rows.items()):
        ev.append((item, uid))
    for it in items.values():  # a few rule-scored items also get their document
        if it.evidence and it.id not in {i for i, _ in ev}:
            for u in units:
                if rng.random() < 0.15:
                    ev.append((it.id, u.unit_id))
    we = wb["证据"]
    for r, (item, uid) in enumerate(ev, 2):
        day = start + dt.timedelta(days=int(rng.integers(0, (end - start).days + 1)))
        put(we, r, 1, item)
        put(we, r, 2, uid)
        put(we, r, 3, f"{names[uid]}关于“{items[item].name}”工作情况的报告（示例）")
        put(we, r, 4, f"佐证材料/{period}/{uid}/{item}.pdf")
        put(we, r, 5, day.isoformat())


# ------------------------------------------------------------------------------ driver
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "params", help="folder holding demo/ and demo.yaml")
    ap.add_argument("--only", action="append", help="scheme id (repeatable)")
    args = ap.parse_args(argv)
    runs = []
    for sid, periods in PLAN.items():
        if args.only and sid not in args.only:
            continue
        if not scheme_path(sid).exists():
            print(f"skip {sid}: lib/xinyong/scheme/data/{sid}.yaml does not exist yet", file=sys.stderr)
            continue
        scheme = xinyong.load_scheme(sid)
        paths = {}
        for k, period in enumerate(periods):
            wb, _ = build(scheme, period, k, len(periods))
            path = args.out / "demo" / sid / f"{period}.xlsx"
            save_workbook(wb, path, stamp=STAMP)
            paths[period] = path
            print(f"wrote {path}")
        for period in periods:
            runs.append({"scheme": sid, "period": period, "data": _rel(paths[period]),
                         "history": [{"period": p, "data": _rel(paths[p])} for p in periods if p != period]})
    if args.only and (args.out / "demo.yaml").exists():  # keep the runs of schemes not regenerated now
        old = yaml.safe_load((args.out / "demo.yaml").read_text(encoding="utf-8")) or {}
        keep = [r for r in old.get("runs", []) if r["scheme"] not in args.only]
        order = list(PLAN)
        runs = sorted(keep + runs, key=lambda r: (order.index(r["scheme"]) if r["scheme"] in order else len(order),
                                                  PLAN.get(r["scheme"], []).index(r["period"])
                                                  if r["period"] in PLAN.get(r["scheme"], []) else 0))
    text = "# Generated by scripts/make_demo.py; regenerate, do not edit. Paths are relative to the repo root.\n"
    text += yaml.safe_dump({"runs": runs}, sort_keys=False, allow_unicode=True)
    atomic_write_text(args.out / "demo.yaml", text)
    return 0


def _rel(p: Path) -> str:
    try:
        return Path(os.path.abspath(p)).relative_to(ROOT).as_posix()  # params/demo is a link: keep its name
    except ValueError:
        return p.as_posix()


if __name__ == "__main__":
    sys.exit(main())
