"""What ``score`` returns: per unit × item points and status, per unit totals, gates, grade, rank."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import pandas as pd

from ..errors import XinyongError
from ..formula import Formula, parse
from ..labels import STATUS_ZH  # noqa: F401 (the words for STATUSES, beside them for library callers)
from ..scheme.model import Scheme

if TYPE_CHECKING:
    from .plan import EffectiveRule, Plan

STATUSES = ["scored", "missing_input", "pending_judgement", "not_applicable", "undefined"]
STATUS_DTYPE = pd.CategoricalDtype(STATUSES)  # one dtype for every column: built once, not per item
UNKNOWN_CODES = (1, 2, 4)  # missing, pending, undefined: their points are unknown, not zero
VIOLATION_COLUMNS = ["unit", "check", "severity", "message", "inputs", "values"]
CAP_COLUMNS = ["unit", "target", "name", "raw", "points", "max", "min", "quote"]


@dataclass
class ScoreResult:
    scheme: Scheme
    frame: pd.DataFrame  # numeric inputs used, one row per unit
    meta: pd.DataFrame  # unit_name, unit_kind, period, why:<item>
    points: pd.DataFrame  # units × item ids (NaN unless scored)
    status: pd.DataFrame  # units × item ids (status names)
    max_points: pd.DataFrame  # units × item ids (0 where not applicable)
    units: pd.DataFrame  # per unit totals, gates, grade, rank
    sections: pd.DataFrame  # units × section ids: known points
    sections_unknown: pd.DataFrame  # units × section ids: unknown points
    gates: pd.DataFrame  # long: unit, gate, condition, name, outcome
    readings_used: dict[str, str]  # reading id -> option id
    rules: dict[str, EffectiveRule]  # the compiled plan's rules (item id -> effective rule)
    ignored_columns: list[str] = field(default_factory=list)
    registry: Any = None
    scheme_options: dict[str, Any] = field(default_factory=dict)
    # one row per unit × cap that cut or raised its points: unit, target (section id or "@bonus"), name,
    # raw (sum before the cap), points (after), max, min, quote
    caps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CAP_COLUMNS))
    # the scheme's cross-input checks broken by the inputs scored (scoring/input_checks.py): unit, check,
    # severity, message, inputs, values — so a caller holding a DataFrame, not a file, sees them too
    violations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VIOLATION_COLUMNS))
    # units that did not report this period (contract A: 未报送): every item unknown, ranked after the others
    unreported: frozenset = frozenset()
    # gate condition id -> the test it was judged by: the plan's, under the chosen readings (a reading may
    # replace a condition's test), so a page writes the test in force, never the scheme's default
    gate_formulas: dict[str, Formula] = field(default_factory=dict)

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(cls, plan: Plan, frame, meta, P, S, MX, ignored, unreported=None):
        scheme = plan.scheme
        items = scheme.items
        ids = [it.id for it in items]
        idx = frame.index
        points = pd.DataFrame(P, index=idx, columns=ids)
        status = pd.DataFrame({i: pd.Categorical.from_codes(S[:, j], dtype=STATUS_DTYPE) for j, i in enumerate(ids)},
                              index=idx, columns=ids) if ids else pd.DataFrame(S, index=idx, columns=ids).astype(STATUS_DTYPE)
        maxp = pd.DataFrame(MX, index=idx, columns=ids)
        unknown = np.isin(S, UNKNOWN_CODES)
        Pz = np.nan_to_num(P)
        # Known points (unknown items count 0) and the best case (unknown items at their maximum), each
        # added up through the section caps and the bonus cap (scheme/totals.py): what a cap cuts off
        # is neither known nor unknown.
        lo = scheme.add_up(Pz)
        hi = scheme.add_up(Pz + MX * unknown)
        base, bonus = lo.base, lo.bonus
        unk = hi.total - lo.total
        units = pd.DataFrame({  # one frame from whole columns: a column insert each costs as much as the sums
            "unit_name": meta["unit_name"].fillna(pd.Series(idx, index=idx)).astype(str),
            "unit_kind": meta["unit_kind"].fillna("").astype(str),
            "base_total": base.round(6),
            "bonus": bonus.round(6),
            "total": (base + bonus).round(6),
            "unknown_points": unk.round(6),
            "max_possible": (base + bonus + unk).round(6),
            "max_applicable": scheme.add_up(MX).total.round(6),
            **{f"n_{name}": (S == code).sum(axis=1) for code, name in enumerate(STATUSES)},
        }, index=idx)
        # sections (every level): known and unknown points, after their caps
        sec_ids = [s.id for s in scheme.walk_sections()]
        sections = pd.DataFrame({sid: lo.sections[sid] for sid in sec_ids}, index=idx).round(6)
        sections_unknown = pd.DataFrame({sid: hi.sections[sid] - lo.sections[sid] for sid in sec_ids},
                                        index=idx).round(6)
        caps = _cap_rows(scheme, idx, lo)
        gates, units = _gates(scheme, frame, units, plan.gate_formulas)
        # A failed gate's consequence (scheme.gate_consequence: its own, or the default for a veto)
        # is applied here, before and after the grades, so the total, grade and rank columns every
        # output reads (report, overview, index, summary.json, scores.xlsx, brief) carry the verdict.
        failed, unsure = _gate_masks(scheme, units)
        units["total_before_gates"] = units["total"]
        for g in scheme.gates:
            c = scheme.gate_consequence(g, plan.scheme_opts)
            if c.total is not None and failed[g.id].any():
                m = failed[g.id]
                units.loc[m, ["total", "base_total", "max_possible"]] = float(c.total)
                units.loc[m, ["bonus", "unknown_points"]] = 0.0
        units = _grades(scheme, units, plan.scheme_opts)
        units = _grade_consequences(scheme, units, failed, unsure, plan.scheme_opts)
        silent = np.zeros(len(units), dtype=bool) if unreported is None else np.asarray(unreported, dtype=bool)
        excluded = silent.copy()  # a unit that did not report is not ranked among those that did
        for g in scheme.gates:
            if scheme.gate_consequence(g, plan.scheme_opts).exclude_from_ranking:
                excluded |= failed[g.id]
        # Units excluded from the ranking (002 veto: “有一项未完成的则一票否决”) come after every ranked
        # unit, among themselves by total; ``ranked`` says which is which.
        if silent.any() and scheme.grades is not None:  # a unit that did not report has no grade
            units["grade"] = units["grade"].astype(object)
            units.loc[silent, "grade"] = None
            if "grade_if_all_known_full" in units:
                units["grade_if_all_known_full"] = units["grade_if_all_known_full"].astype(object)
                units.loc[silent, "grade_if_all_known_full"] = None
            units.loc[silent, "grade_certain"] = True
        units["ranked"] = ~excluded
        key = units["total"].to_numpy(dtype=float) - np.where(excluded, 1e12, 0.0)
        units["rank"] = pd.Series(key, index=units.index).rank(ascending=False, method="min").astype(int)
        units["rank_best"], units["rank_worst"] = _rank_range(scheme, units, key, excluded, unsure, plan.scheme_opts)
        units["verdict"] = _verdicts(scheme, units.index, failed, plan.scheme_opts)
        units["n_units"] = len(units)
        return cls(scheme, frame, meta, points, status, maxp, units, sections, sections_unknown, gates,
                   dict(plan.readings), plan.rules, ignored, plan.registry, plan.scheme_opts, caps,
                   unreported=frozenset(str(u) for u in idx[silent]), gate_formulas=dict(plan.gate_formulas))

    # ------------------------------------------------------------------ views
    @property
    def unit_ids(self) -> list[str]:
        return list(self.units.index)

    @property
    def items(self) -> pd.DataFrame:
        """Long form: one row per unit × item."""
        sec_of = self.scheme.section_of()
        meta = pd.DataFrame([
            {"item": it.id, "name": it.name, "section": sec_of[it.id][0], "bonus": it.bonus}
            for it in self.scheme.walk_items()
        ])
        long = self.points.stack(future_stack=True).rename("points").reset_index()
        long.columns = ["unit", "item", "points"]
        long["status"] = self.status.stack(future_stack=True).astype(str).to_numpy()
        long["max"] = self.max_points.stack(future_stack=True).to_numpy()
        long["reading"] = long["item"].map(self.reading_text)
        return long.merge(meta, on="item", how="left")

    def reading_text(self, item_id: str) -> str:
        used = self.rules[item_id].readings
        return "；".join(f"{rid}={opt}" for rid, opt in used.items())

    def computation(self, unit: str, item_id: str) -> str:
        """The computation written out with this unit's numbers, e.g. ``2/3×(5−2.6)=1.6000``."""
        er = self.rules[item_id]
        st = str(self.status.at[unit, item_id])
        kind_name, params = er.kind, er.params
        ukind = str(self.units.at[unit, "unit_kind"])
        vr = er.variant_rules.get(ukind)
        if vr is not None:
            if vr.mode == "not_applicable":
                return f"不适用：{vr.note}"
            kind_name, params = vr.kind, vr.params
        if st == "missing_input":
            miss = [c for c in sorted(params.input_ids()) if pd.isna(self.frame.at[unit, c])]
            cat = self.scheme.input_catalogue
            return "缺少输入：" + "、".join(f"{cat[c].label}（{c}）" if c in cat else c for c in miss)
        if st == "pending_judgement":
            return "待评审赋分（尚未录入评审得分和理由）"
        cat = self.scheme.input_catalogue
        values = {c: self.frame.at[unit, c] for c in params.input_ids()}
        # a yes/no input as a truth value, so the written computation says 是/否, not 1/0
        values = {c: bool(v) if c in cat and cat[c].type == "bool" and not pd.isna(v) else v for c, v in values.items()}
        if kind_name == "judgement":
            values["__why__"] = self.meta.get(f"why:{item_id}", pd.Series(dtype="string")).get(unit, "") or ""
        pts = self.points.at[unit, item_id]
        kind = self.registry.get(kind_name)
        return kind.explain(values, params, float(pts) if not pd.isna(pts) else float("nan"))

    def description(self, unit: str, item_id: str) -> str:
        """The computation in words for a reader (:mod:`.describe`): input labels, units, 分, caps said
        in words; no ids, no program syntax. ``computation`` keeps the exact formula for auditors."""
        from .describe import Names

        er = self.rules[item_id]
        st = str(self.status.at[unit, item_id])
        kind_name, params = er.kind, er.params
        vr = er.variant_rules.get(str(self.units.at[unit, "unit_kind"]))
        if vr is not None:
            if vr.mode == "not_applicable":
                return f"不适用：{vr.note}" if vr.note else "不适用于本单位"
            kind_name, params = vr.kind, vr.params
        names = Names(self.scheme.input_catalogue)
        if st == "missing_input":
            miss = [c for c in sorted(params.input_ids()) if pd.isna(self.frame.at[unit, c])]
            return "缺少数据：" + "、".join(names.label(c) for c in miss) + "（未按零分计）"
        if st == "pending_judgement":
            return "待评审赋分（尚未录入评审得分和理由）"
        describe = self.registry.get(kind_name).describe
        if describe is None:
            return self.computation(unit, item_id)
        cat = self.scheme.input_catalogue
        values = {c: self.frame.at[unit, c] for c in params.input_ids()}
        # a yes/no input as a truth value, so the written computation says 是/否, not 1/0
        values = {c: bool(v) if c in cat and cat[c].type == "bool" and not pd.isna(v) else v for c, v in values.items()}
        if kind_name == "judgement":
            values["__why__"] = self.meta.get(f"why:{item_id}", pd.Series(dtype="string")).get(unit, "") or ""
        pts = self.points.at[unit, item_id]
        return describe(values, params, float(pts) if not pd.isna(pts) else float("nan"), names)

    def unit_items(self, unit: str) -> pd.DataFrame:
        """Every item of one unit with its computation text (for reports)."""
        unit = str(unit)
        if unit not in self.units.index:
            raise KeyError(f"未知单位：{unit}")
        sec_of = self.scheme.section_of()
        # the unit's row of each table read once (a label lookup per value cost more than the rest)
        status, points, maxima = (dict(zip(t.columns, t.loc[unit].tolist()))
                                  for t in (self.status, self.points, self.max_points))
        rows = []
        for it in self.scheme.walk_items():
            st = str(status[it.id])
            p = points[it.id]
            rows.append({
                "item": it.id, "name": it.name, "section": sec_of[it.id][0], "bonus": it.bonus,
                "max": float(maxima[it.id]), "points": None if pd.isna(p) else float(p),
                "status": st, "computation": self.computation(unit, it.id),
                "description": self.description(unit, it.id),
                "reading": self.reading_text(it.id), "kind": self.rules[it.id].kind,
                "responsible": "、".join(it.responsible), "evidence": it.evidence,
                "deadline": it.deadline or "", "source_file": it.source.file if it.source else "",
                "source_line": it.source.line if it.source else None,
                "source_quote": it.source.quote if it.source else "",
            })
        return pd.DataFrame(rows)

    def unit(self, unit: str) -> pd.Series:
        return self.units.loc[str(unit)]

    def gate_test(self, condition_id: str) -> Formula:
        """The test gate condition ``condition_id`` was judged by: the chosen reading's when one replaces
        it (quzhou ``basic.2``: “低于万分之一” read as ``< 0.01`` or, inclusive, ``<= 0.01``), else the scheme's."""
        f = (getattr(self, "gate_formulas", None) or {}).get(condition_id)
        if f is not None:
            return f
        g = self.gates  # a result pickled before the formulas were kept: its table has the test judged by
        shown = g.loc[g["condition"] == condition_id, "test"] if "test" in g else ()
        if len(shown):
            return parse(str(shown.iloc[0]))
        known = [c.id for gt in self.scheme.gates for c in gt.conditions]
        raise XinyongError(f"没有编号为 {condition_id} 的否决或认定条件（已有：{'、'.join(known) or '无'}）",
                           f"no gate condition {condition_id!r}", scheme=self.scheme.id)

    def gate_reading(self, condition_id: str) -> list[tuple[str, str]]:
        """(reading id, option id) of each chosen reading whose option sets the test of gate condition
        ``condition_id``, in the scheme's order; empty when no reading touches its test."""
        out = []
        for r in self.scheme.readings:
            opt = self.readings_used.get(r.id, r.chosen)
            if "test" in r.option(opt).set.get(condition_id, {}):
                out.append((r.id, opt))
        return out

    def cap_rows(self, unit: str) -> list[dict]:
        """The caps that changed this unit's points, as data for a report sentence (see ``caps``)."""
        c = getattr(self, "caps", None)  # a result pickled before caps existed has none
        return c[c["unit"] == str(unit)].to_dict("records") if c is not None and len(c) else []


def _cap_rows(scheme: Scheme, idx: pd.Index, t) -> pd.DataFrame:
    """Rows of ``ScoreResult.caps``: where a section cap/floor or the bonus cap changed the sum."""
    secs = {s.id: s for s in scheme.walk_sections()}
    rows = []
    for target in t.capped:
        if target == "@bonus":
            cap, name, raw, got = scheme.bonus_cap, "附加分", t.bonus_raw, t.bonus
        else:
            sec = secs[target]
            cap, name, raw, got = sec.cap, sec.name, t.sections_raw[target], t.sections[target]
        for k in np.flatnonzero(np.abs(raw - got) > 1e-9):
            rows.append({"unit": str(idx[k]), "target": target, "name": name, "raw": round(float(raw[k]), 6),
                         "points": round(float(got[k]), 6), "max": cap.max, "min": cap.min,
                         "quote": cap.source.quote if cap.source else None})
    return pd.DataFrame(rows, columns=CAP_COLUMNS)


def _gates(scheme: Scheme, frame: pd.DataFrame, units: pd.DataFrame, gate_formulas: Mapping[str, Formula]):
    """Each gate condition's outcome per unit: ``pass``/``fail`` when the known points (lo) and the best
    case (hi) agree, else ``unknown``; ``unknown`` too when an input it reads is missing. Computed on
    arrays (the formulas evaluate numpy columns as they do Series), one table built at the end."""
    idx, n = units.index, len(units)
    tot, base, bonus, unk = (units[c].to_numpy(dtype=float) for c in ("total", "base_total", "bonus", "unknown_points"))
    totals_lo = {"total": tot, "base_total": base, "bonus": bonus}
    totals_hi = {"total": units["max_possible"].to_numpy(dtype=float), "base_total": base + unk, "bonus": bonus + unk}
    rows: dict[str, list] = {"gate": [], "condition": [], "name": [], "outcome": [], "test": []}
    for g in scheme.gates:
        fails = np.zeros(n, dtype=bool)
        unknowns = np.zeros(n, dtype=bool)
        failed_names: dict[int, list[str]] = {}
        for c in g.conditions:
            f = gate_formulas[c.id]
            test = f.text
            read = [name for name in f.names if name in frame.columns]
            cols = {name: frame[name].to_numpy(dtype=float) for name in read}
            lo = np.broadcast_to(np.asarray(f({**cols, **totals_lo})).astype(bool), (n,))
            hi = np.broadcast_to(np.asarray(f({**cols, **totals_hi})).astype(bool), (n,))
            missing = np.zeros(n, dtype=bool)
            for col in cols.values():
                missing |= np.isnan(col)
            outcome = np.where(missing, "unknown", np.where(lo & hi, "pass", np.where(~lo & ~hi, "fail", "unknown")))
            for key, v in (("gate", g.id), ("condition", c.id), ("name", c.name), ("test", test)):
                rows[key].append(np.full(n, v, dtype=object))
            rows["outcome"].append(outcome)
            is_fail = outcome == "fail"
            fails |= is_fail
            unknowns |= outcome == "unknown"
            for k in np.flatnonzero(is_fail):
                failed_names.setdefault(int(k), []).append(c.id)
        units[f"gate:{g.id}"] = np.where(fails, "fail", np.where(unknowns, "unknown", "pass"))
        units[f"failed:{g.id}"] = pd.Series([failed_names.get(k, []) for k in range(n)], index=idx, dtype=object)
    if scheme.gates:
        vetoes = [g.id for g in scheme.gates if g.kind == "veto"]
        quals = [g.id for g in scheme.gates if g.kind == "qualification"]
        outcome = pd.Series("pass", index=units.index)
        for gid in vetoes + quals:
            outcome = outcome.where(~(units[f"gate:{gid}"] == "unknown") | (outcome == "fail"), "unknown")
            outcome = outcome.where(units[f"gate:{gid}"] != "fail", "fail")
        units["gate_outcome"] = outcome
    else:
        units["gate_outcome"] = "none"
    cols = ["unit", "gate", "condition", "name", "outcome", "test"]
    if not rows["gate"]:
        return pd.DataFrame(columns=cols), units
    k = len(rows["gate"])
    table = {"unit": idx.append([idx] * (k - 1)) if k > 1 else idx}
    table.update({key: np.concatenate(v) for key, v in rows.items()})
    return pd.DataFrame(table, columns=cols), units


def _rank_range(scheme: Scheme, units: pd.DataFrame, key: np.ndarray, excluded: np.ndarray, unsure,
                options=None) -> tuple:
    """Each unit's best and worst rank once every unknown point is known: the best if all its unknown
    points went for it and every other unit's against, the worst the other way round (ties share the
    better rank, as ``rank`` does). A veto not yet decided whose consequence leaves the unit unranked
    puts it last in its worst case and takes another unit out of the way in its best. Equal bounds: the
    rank is settled."""
    n = len(units)
    hi = units["max_possible"].to_numpy(dtype=float) - np.where(excluded, 1e12, 0.0)
    maybe_out = np.zeros(n, dtype=bool)
    for g in scheme.gates:
        if scheme.gate_consequence(g, options).exclude_from_ranking:
            maybe_out |= unsure[g.id] & ~excluded
    low = key - np.where(maybe_out, 1e12, 0.0)  # a unit at its lowest: unknown points lost, veto failed
    off = ~np.eye(n, dtype=bool)
    best = 1 + ((low[None, :] > hi[:, None]) & off).sum(axis=1)
    worst = 1 + ((hi[None, :] > low[:, None]) & off).sum(axis=1)
    return best.astype(int), worst.astype(int)


def consequence_text(c) -> str:
    """A gate consequence in words: “等级定为“不合格”，不参加排名”."""
    parts = []
    if c.total is not None:
        parts.append(f"总分计 {c.total:g} 分")
    if c.grade is not None:
        parts.append(f"等级定为“{c.grade}”")
    if c.grade_cap is not None:
        parts.append(f"等级最高为“{c.grade_cap}”")
    if c.exclude_from_ranking:
        parts.append("不参加排名")
    return "，".join(parts)


def vetoes_all(scheme: Scheme, gate, options: dict[str, Any] | None = None) -> bool:
    """Whether failing ``gate`` fails the assessment outright (a veto whose consequence leaves no
    grade above the lowest band), so a report may say “无论得分高低，本期考核不合格”."""
    if gate.kind != "veto":
        return False
    c = scheme.gate_consequence(gate, options)
    lowest = scheme.grades.bands[-1].label if scheme.grades is not None else None
    return c.grade_cap is None and (c.grade is None or c.grade == lowest)


def _gate_masks(scheme: Scheme, units: pd.DataFrame) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """gate id -> units that failed it; gate id -> units whose outcome is still unknown."""
    failed = {g.id: (units[f"gate:{g.id}"] == "fail").to_numpy() for g in scheme.gates}
    unsure = {g.id: (units[f"gate:{g.id}"] == "unknown").to_numpy() for g in scheme.gates}
    return failed, unsure


def _verdicts(scheme: Scheme, idx: pd.Index, failed: dict[str, np.ndarray], options=None) -> pd.Series:
    out = [[] for _ in idx]
    for g in scheme.gates:
        text = consequence_text(scheme.gate_consequence(g, options))
        if not text:
            continue
        for k in np.flatnonzero(failed[g.id]):
            out[k].append(f"未通过“{g.name}”：{text}")
    return pd.Series(["；".join(v) for v in out], index=idx, dtype=object)


def _grade_consequences(scheme: Scheme, units: pd.DataFrame, failed, unsure, options=None) -> pd.DataFrame:
    """Set or cap the grade of units that failed a gate; a gate not yet decided makes the grade
    uncertain when failing it would change the grade."""
    if scheme.grades is None:
        return units
    order = {b.label: k for k, b in enumerate(scheme.grades.bands)}  # 0 = highest

    def apply(grades: pd.Series, c) -> pd.Series:
        if c.grade is not None:
            return pd.Series(c.grade, index=grades.index)
        if c.grade_cap is not None:
            lower = grades.map(order).to_numpy() < order[c.grade_cap]
            return grades.where(~lower, c.grade_cap)
        return grades

    for g in scheme.gates:
        c = scheme.gate_consequence(g, options)
        if c.grade is None and c.grade_cap is None:
            continue
        m, u = failed[g.id], unsure[g.id]
        if m.any():
            for col in ("grade", "grade_if_all_known_full"):
                units.loc[m, col] = apply(units.loc[m, col], c)
            units.loc[m, "grade_certain"] = units.loc[m, "grade"] == units.loc[m, "grade_if_all_known_full"]
        if u.any():
            changes = (apply(units.loc[u, "grade"], c) != units.loc[u, "grade"]).to_numpy()
            units.loc[u, "grade_certain"] = units.loc[u, "grade_certain"].to_numpy() & ~changes
    return units


def _grades(scheme: Scheme, units: pd.DataFrame, scheme_opts: dict[str, Any]) -> pd.DataFrame:
    if scheme.grades is None:
        units["grade"] = None
        units["grade_certain"] = True
        return units
    basis = scheme_opts.get("grade_basis", scheme.grades.basis)
    lo = units["total"] if basis == "total" else units["base_total"]
    hi = lo + units["unknown_points"]

    def band(x: pd.Series) -> pd.Series:
        conds = []
        labels = []
        # rounding is unspecified (004 E8): compare on 6 decimals so 89.9999999 is not 90
        xr = np.round(x.to_numpy(dtype=float), 6)
        for b in scheme.grades.bands:
            labels.append(b.label)
            if b.min is None:
                conds.append(np.ones(len(xr), dtype=bool))
            else:
                conds.append(xr >= b.min if b.min_inclusive else xr > b.min)
        return pd.Series(np.select(conds, labels, default=labels[-1]), index=x.index)

    g_lo, g_hi = band(lo), band(hi)
    units["grade"] = g_lo
    units["grade_certain"] = g_lo == g_hi
    units["grade_if_all_known_full"] = g_hi
    return units
