"""Every analysis of the overview of one scheme × period: :class:`OverviewAnalysis`, and the roster's rows
and sentences (every unit of the file and what became of it)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import where
from ..labels import UNIT_STATE_ZH, num, period_zh, rank_zh
from .frames import EPS, UNKNOWN_STATUSES, counted_sections, object_frame, reported_median
from .load import Run
from .verdict import consequence_sentence


ROSTER_COLUMNS = ["unit", "name", "state", "state_zh", "rank", "place", "total", "unknown", "n_problems", "problems"]


def invalid_rows(invalid: Any, max_problems: int = 5) -> list[dict]:
    """Roster rows (:meth:`OverviewAnalysis.roster`) of the units left out for invalid rows
    (:class:`~.load.InvalidUnit`): each with its errors, where as :func:`xinyong.errors.where` writes it
    (without the file, which the page names, and the unit, which the row names)."""
    rows = []
    for u in invalid:
        probs = [{"message": p.message, "where": where({**p.as_dict(), "unit": None}, file=False),
                  "value": p.value, "expected": p.expected} for p in u.problems[:max_problems]]
        rows.append({"unit": u.unit, "name": u.name or u.unit, "state": "invalid", "state_zh": UNIT_STATE_ZH["invalid"],
                     "rank": None, "place": None, "total": None, "unknown": None, "n_problems": len(u.problems),
                     "problems": probs})
    return rows


def state_counts(roster: pd.DataFrame) -> dict[str, int]:
    """Units per state (scored, invalid, unreported: every key, in that order) of a roster frame."""
    return {k: int((roster["state"] == k).sum()) for k in UNIT_STATE_ZH}


def roster_sentence(counts: dict[str, int]) -> str:
    """The 单位情况 section's sentence: how many units the file has, in which state, and what became of
    the ones not scored (:func:`state_counts`)."""
    text = (f"本期数据文件共有 {sum(counts.values())} 个单位："
            + "，".join(f"{UNIT_STATE_ZH[k]} {n} 个" for k, n in counts.items() if n) + "。")
    if counts.get("invalid"):
        text += "数据有误的单位未参与计分和排名，错误及所在位置见下表；改正数据文件后重新生成即可。"
    if counts.get("unreported"):
        text += "未报送的单位没有任何数据，各条目均为“未知”（不按零分计算），不参加排名。"
    return text


def units_line(counts: dict[str, int]) -> str:
    """The header's 参加单位: “30 个”, or with the units not scored “32 个（已评分 30 个，数据有误未评分 1 个，…）”."""
    text = f"{sum(counts.values())} 个"
    if counts.get("invalid") or counts.get("unreported"):
        text += (f"（已评分 {counts.get('scored', 0)} 个"
                 + (f"，数据有误未评分 {counts['invalid']} 个" if counts.get("invalid") else "")
                 + (f"，未报送 {counts['unreported']} 个" if counts.get("unreported") else "") + "，见“单位情况”）")
    return text


GRADES_NOTE = "“等级未定”：尚有未知分数，补齐后等级可能提高。"


class OverviewAnalysis:
    """Every analysis of the overview of one scheme × period."""

    def __init__(self, run: Run):
        self.run = run
        self.res = run.result
        self.scheme = run.scheme

    def ranking(self) -> pd.DataFrame:
        """Every unit by rank, then name: unit, name, kind, rank, ranked, rank_best, rank_worst, rank_settled,
        rank_text (:func:`xinyong.labels.rank_zh`), total, base, bonus, unknown, grade, grade_certain,
        gate_outcome; ``delta`` (total − previous total, 6 decimals) and ``rank_move``
        (previous rank − rank: positive is up) when the previous period has the unit, else None."""
        u = self.res.units.sort_values(["rank", "unit_name"])
        prev = self.run.previous()
        rows = []
        for uid, r in u.iterrows():
            ranked = bool(r.get("ranked", True)) and uid not in self.res.unreported
            best, worst = int(r.get("rank_best", r["rank"])), int(r.get("rank_worst", r["rank"]))
            row = {"unit": uid, "name": r["unit_name"], "kind": r["unit_kind"], "rank": int(r["rank"]),
                   "ranked": ranked, "rank_best": best, "rank_worst": worst, "rank_settled": best == worst,
                   "rank_text": "未报送" if uid in self.res.unreported else rank_zh(ranked, r["rank"], best, worst),
                   "total": float(r["total"]), "base": float(r["base_total"]), "bonus": float(r["bonus"]),
                   "unknown": float(r["unknown_points"]), "grade": r.get("grade"),
                   "grade_certain": bool(r.get("grade_certain", True)), "gate_outcome": r["gate_outcome"],
                   "delta": None, "rank_move": None}
            silent = uid in self.res.unreported or (prev is not None and uid in prev[1].unreported)
            if prev is not None and uid in prev[1].units.index and not silent:  # no change from or to 未报送
                pu = prev[1].units.loc[uid]
                row["delta"] = round(float(r["total"]) - float(pu["total"]), 6)
                if ranked and bool(pu.get("ranked", True)):  # a place outside the ranking is no rank to move from
                    row["rank_move"] = int(pu["rank"]) - int(r["rank"])
            rows.append(row)
        return object_frame(rows, ["unit", "name", "kind", "rank", "ranked", "rank_best", "rank_worst", "rank_settled",
                             "rank_text", "total", "base", "bonus", "unknown", "grade", "grade_certain", "gate_outcome",
                             "delta", "rank_move"])

    def ranking_note(self) -> str:
        """What the ranking's columns mean, as the table under it is printed: ties, 不参加, 暂列 and its
        range, 未报送, 未知, the period 较上期 compares with — each only when the table has one."""
        rk = self.ranking()
        silent = rk["unit"].isin(list(self.res.unreported))
        prev = self.run.previous()
        text = "按总分排名（并列同名次）"
        if (~rk["ranked"].astype(bool) & ~silent).any():
            text += "；因一票否决不参加排名的单位列在参加排名的单位之后，名次栏为“不参加”"
        if (~rk["rank_settled"].astype(bool)).any():
            text += "；“暂列”的名次还可能因未知分数变化，括号内为补齐后可能的名次范围"
        if silent.any():
            text += "；未报送的单位不参加排名，列在最后"
        text += "。“未知”为缺少数据或待评审条目的满分合计，不按零分计算。"
        if prev is not None:
            text += f"“较上期”与{period_zh(prev[0])}比较。"
        return text

    def place(self, r: Any) -> str:
        """A ranking row's place as the table prints it: 1, “暂列 2（2–3）”, 不参加, — (未报送)."""
        if r.unit in self.res.unreported:
            return "—"
        if not r.ranked:
            return "不参加"
        return str(r.rank) if r.rank_settled else f"暂列 {r.rank}（{r.rank_best}–{r.rank_worst}）"

    def heat_caption(self) -> str:
        """The heat map's caption: what a cell is, and how many points of the table are unknown and how
        they are drawn (never as 0)."""
        unk, allu = self.unknown(), self.all_unknown()
        total_unknown = float(unk.to_numpy().sum())
        text = "热力图：行为单位（按排名），列为方案的各部分；数值为得分占已知满分的百分比"
        if total_unknown > 0:
            text += (f"。全表共有 {num(total_unknown)} 分未知（缺数据或待评审），不按零分计："
                     f"灰色斜线“缺”为该部分分数全部未知（{int(allu.to_numpy().sum())} 格），"
                     f"带“※”的格有部分分数未知（{int(((unk.to_numpy() > 1e-9) & ~allu.to_numpy()).sum())} 格）")
        return text

    def movement_note(self) -> str:
        """The 环比变化 section's first line; "" without a previous period."""
        prev = self.run.previous()
        return "" if prev is None else f"{period_zh(self.run.period)}与{period_zh(prev[0])}比较，按总分变化从大到小排列。"

    def gate_summary(self) -> str:
        """How many units failed each condition, and what failing it does (its consequence)."""
        from .narrative import quoted

        counts = "；".join(f"{quoted(name)}未通过：{n} 个单位" for name, n in self.gate_fail_counts().items())
        cons = "".join(f"{quoted(g.name)}未通过的单位，{c}。" for g in self.scheme.gates
                       if (c := consequence_sentence(self.scheme, g, self.res.scheme_options)))
        return (counts + "。" if counts else "") + cons

    def movement(self) -> pd.DataFrame:
        """The ranking's units that were in the previous period, the largest rise first (ties by rank)."""
        rank = self.ranking()
        moved = rank[rank["delta"].notna()]
        order = sorted(range(len(moved)), key=lambda k: (-(moved["delta"].iloc[k] or 0), moved["rank"].iloc[k]))
        return moved.iloc[order]

    def grades(self) -> pd.DataFrame | None:
        """Per band of the scheme (best first): label, n units, of which ``uncertain`` (unknown points could
        move them), share of all units in percent. None when the scheme has no grades."""
        if self.scheme.grades is None:
            return None
        labels = [b.label for b in self.scheme.grades.bands]
        u = self.res.units.drop(index=list(self.res.unreported))  # no grade: they did not report
        counts = u["grade"].value_counts().reindex(labels, fill_value=0)
        uncertain = u.loc[~u["grade_certain"].astype(bool), "grade"].value_counts().reindex(labels, fill_value=0)
        return object_frame([{"label": lab, "n": int(counts[lab]), "uncertain": int(uncertain[lab]),
                        "share": counts[lab] / max(len(u), 1) * 100} for lab in labels],
                      ["label", "n", "uncertain", "share"])

    def shares(self) -> pd.DataFrame:
        """The heat-map matrix: units (index: unit id, in ranking order) × top-level sections (columns:
        section ids), points as a percentage of the *known* maximum (the maximum applicable to the unit
        less its unknown points), each section counted as the document counts it (:func:`counted_sections`:
        through its cap, the bonus against its ceiling). NaN where nothing of the section applies to the
        unit, and where all of it is unknown (:meth:`unknown` tells the two apart): a missing item is never a 0."""
        pts, unk, mx = counted_sections(self.res)
        known = mx - unk
        df = pts / known.where(known > EPS) * 100
        return df.loc[self._order()]

    def _order(self) -> pd.Index:
        return self.res.units.sort_values(["rank", "unit_name"]).index

    def unknown(self) -> pd.DataFrame:
        """Beside :meth:`shares`, same shape: the section's points still unknown (missing data, pending
        judgements), and ``all_unknown`` cells where nothing of the section is known."""
        return counted_sections(self.res)[1].loc[self._order()]

    def all_unknown(self) -> pd.DataFrame:
        """True where the section applies to the unit and every point of it is unknown."""
        _, unk, mx = counted_sections(self.res)
        return ((mx > EPS) & ((mx - unk) <= EPS)).loc[self._order()]

    def trend(self) -> pd.DataFrame:
        """Per period (history, then this one): the highest and the median total of all units."""
        periods = [p for p, _ in self.run.history] + [self.run.period]
        res_all = [h for _, h in self.run.history] + [self.res]
        return pd.DataFrame({"period": periods, "top": [float(r.units["total"].max()) for r in res_all],
                             "median": [reported_median(r) for r in res_all]},
                            columns=["period", "top", "median"])

    def averages(self) -> dict:
        """The mean and median total of the units that reported (a 未报送 unit's 0 is not a score), this
        period and the previous one: mean, median, n, prev_period, prev_mean, prev_median (None when
        there is no previous period)."""
        def of(res: Any) -> tuple[float, float, int]:
            t = res.units["total"].drop(index=[u for u in res.unreported if u in res.units.index]).astype(float)
            return (float(t.mean()) if len(t) else float("nan"), reported_median(res), len(t))

        mean, median, n = of(self.res)
        prev = self.run.previous()
        pm, pmed, _ = of(prev[1]) if prev is not None else (None, None, 0)
        return {"mean": mean, "median": median, "n": n, "prev_period": prev[0] if prev is not None else None,
                "prev_mean": pm, "prev_median": pmed}

    def full_marks(self) -> pd.Series:
        """Per unit (index: unit id): the most its total can be, every applicable item at its maximum,
        through the section caps and the bonus ceiling (its 满分)."""
        return counted_sections(self.res)[2].sum(axis=1).round(6)

    def gate_failures(self) -> pd.DataFrame:
        """Every unit × gate condition not passed: unit, name (the unit's), condition, cond_name, outcome."""
        g = self.res.gates
        names = self.res.units["unit_name"]
        rows = [{"unit": r.unit, "name": names[r.unit], "condition": r.condition, "cond_name": r.name,
                 "outcome": r.outcome} for r in g[g["outcome"] != "pass"].itertuples()]
        return object_frame(rows, ["unit", "name", "condition", "cond_name", "outcome"])

    def gate_fail_counts(self) -> pd.Series:
        """Per gate (index: the gate's name): number of units failing it."""
        return pd.Series({gt.name: int((self.res.units[f"gate:{gt.id}"] == "fail").sum()) for gt in self.scheme.gates},
                         dtype=object)

    def lost_items(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` base items where most points were lost across all units, ties by item id: item, name,
        lost (per unit, what full marks on the item would add to its total through the section caps,
        summed over units, scored items only), units_losing, unknown (points of the item still unknown
        across units: never counted as lost), max (the item's largest maximum). Bonus items are never
        losses."""
        res = self.res
        st, pts, mx = res.status, res.points, res.max_points
        scored = (st == "scored").to_numpy()
        P = np.nan_to_num(pts.to_numpy(dtype=float))
        MX = mx.to_numpy(dtype=float)
        now = self.scheme.add_up(P).total
        unknown = mx.where(st.isin(list(UNKNOWN_STATUSES))).sum()
        rows = []
        for j, it in enumerate(self.scheme.items):
            if it.bonus or not scored[:, j].any():
                continue
            up = P.copy()
            up[:, j] = np.maximum(P[:, j], MX[:, j])
            gain = np.where(scored[:, j], self.scheme.add_up(up).total - now, 0.0)
            lost = float(np.clip(gain, 0, None).sum())
            if lost > EPS:
                rows.append({"item": it.id, "name": it.name, "lost": round(lost, 6),
                             "units_losing": int((gain > EPS).sum()), "unknown": float(unknown[it.id]),
                             "max": float(mx[it.id].max())})
        df = pd.DataFrame(rows, columns=["item", "name", "lost", "units_losing", "unknown", "max"])
        return df.sort_values(["lost", "item"], ascending=[False, True]).head(n).reset_index(drop=True)

    # ------------------------------------------------------------------ every unit of the file
    def roster(self, max_problems: int = 5) -> pd.DataFrame:
        """Every unit of the period's file and what became of it, so nobody is silently dropped: the
        scored units in ranking order (those marked 未报送 are scored as all unknown and ranked last), then
        the units whose rows are invalid (``Run.invalid``, left out of scoring by a batch).

        Columns: unit, name, state (scored | unreported | invalid), state_zh, rank (scored and ranked only),
        place (the rank as the ranking prints it: “4”, “暂列第 4 名（第 2–4 名）”, “不参加排名”), total,
        unknown, n_problems, problems (up to ``max_problems`` of {message, where, value, expected}, where
        as :func:`xinyong.errors.where` writes it, without the file and the unit the row already names)."""
        rows = []
        silent = self.res.unreported
        for r in self.ranking().itertuples():
            state = "unreported" if r.unit in silent else "scored"
            rows.append({"unit": r.unit, "name": r.name, "state": state, "state_zh": UNIT_STATE_ZH[state],
                         "rank": r.rank if state == "scored" and r.ranked else None,
                         "place": ("不参加排名" if not r.ranked else r.rank_text.removeprefix("第 ").removesuffix(" 名"))
                         if state == "scored" else None, "total": r.total if state == "scored" else None,
                         "unknown": r.unknown, "n_problems": 0, "problems": []})
        return object_frame(rows + invalid_rows(self.run.invalid, max_problems), ROSTER_COLUMNS)

    def state_counts(self) -> dict[str, int]:
        """How many units of the file are in each state (scored, invalid, unreported), all three keys."""
        return state_counts(self.roster(0))

    def receipts(self) -> pd.DataFrame | None:
        """The workbook's 报送情况 sheet (who sent which file, when, with how many problems), or None;
        ``name`` is the unit's name as the sheet or, failing that, the scoring knows it."""
        rc = self.run.data.receipts
        if rc is None or not len(rc):
            return None
        names = self.res.units["unit_name"]
        rc = rc.copy()
        rc["name"] = [n or (names.get(u) if u in names.index else None) or u or "—"
                      for u, n in zip(rc["unit_id"], rc["unit_name"])]
        return rc
