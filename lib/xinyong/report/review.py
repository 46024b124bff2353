"""What is still to be reviewed and what evidence is still missing, as data for the
unit report's evidence block and the overview.

A judgement item without an assessor's points is 待评审: its points are unknown (never zero) until
someone enters points and a reason (``xinyong review``). An item whose scheme text requires evidence
and for which the 证据 sheet has no row is listed as missing, item by item. A unit that did not report
(未报送, ``ScoreResult.unreported``) is not "to be reviewed": it has nothing to review.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..labels import score2
from .analysis import UnitAnalysis
from .evidence import href, targets
from .load import Run


@dataclass(frozen=True)
class UnitReview:
    """One unit's evidence and review state, for its report."""

    rows: list[dict]  # per applicable item: item, name, required, supplied (list of dicts), flag
    missing: list[dict]  # items requiring evidence with no 证据 row: item, name, required, max
    pending: list[dict]  # judgement items without points: item, name, max
    pending_points: float  # their maximum, all unknown
    n_files_missing: int  # registered files that are not there
    n_refused: int  # registered links refused (outside the evidence folder, a symlink, not a file)
    hashes: list[dict]  # title, name, sha256, sha_ok — for the folded details only


def _supplied(mine: pd.DataFrame, copies: dict[str, str]) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """The unit's 证据 rows, read once and grouped by item (sheet order within an item): what each item's
    row in the report shows, and the file hashes for the folded details."""
    by_item: dict[str, list[dict]] = {}
    hashes: dict[str, list[dict]] = {}
    if not len(mine):
        return by_item, hashes
    cols = [mine[c].tolist() if c in mine.columns else [None] * len(mine)
            for c in ("item", "title", "date", "link", "file", "state", "why", "sha_ok", "sha256")]
    for item, title, date, link, file, state, why, sha_ok, sha in zip(*cols):
        link = link if isinstance(link, str) else ""
        d = {"title": title, "date": "" if pd.isna(date) else str(date), "link": link,
             "kind": "text", "href": None, "name": link, "sha_ok": sha_ok, "why": None}
        if state == "ok" and file in copies:
            d.update(kind="file", href=href(copies[file]), name=copies[file].rsplit("/", 1)[-1])
        elif state == "refused":  # the link as written is not shown: it may name a path of the unit's PC
            d.update(kind="refused", link="", name="", why=why if isinstance(why, str) else None)
        elif state == "missing":
            d.update(kind="missing", name=link)
        elif link:
            d["kind"] = "url" if "://" in link else "text"
        if isinstance(sha, str) and sha:
            hashes.setdefault(item, []).append({"title": title, "name": d["name"], "sha256": sha,
                                                "sha_ok": d["sha_ok"]})
        by_item.setdefault(item, []).append(d)
    return by_item, hashes


def unit_review(run: Run, unit: str, analysis: UnitAnalysis | None = None) -> UnitReview:
    """``analysis``: the report's own :class:`UnitAnalysis` of ``unit``, when it has one (its item
    table is then not built a second time)."""
    a = analysis if analysis is not None else UnitAnalysis(run, unit)
    ev = run.data.evidence
    mine = ev[ev["unit_id"].astype(str) == a.unit] if len(ev) else ev
    by_item, hashes_of = _supplied(mine, targets(ev, a.unit))
    rows, missing, pending, hashes = [], [], [], []
    n_gone = n_refused = 0
    it = a.unit_items
    for item, name, status, mx, evidence in zip(it["item"].tolist(), it["name"].tolist(), it["status"].tolist(),
                                                it["max"].tolist(), it["evidence"].tolist()):
        if status == "not_applicable":
            continue
        if status == "pending_judgement":
            pending.append({"item": item, "name": name, "max": float(mx)})
        supplied = by_item.get(item, [])
        hashes += hashes_of.get(item, [])
        n_gone += sum(d["kind"] == "missing" for d in supplied)
        n_refused += sum(d["kind"] == "refused" for d in supplied)
        flag = bool(evidence) and not supplied
        if flag:
            missing.append({"item": item, "name": name, "required": evidence, "max": float(mx)})
        rows.append({"item": item, "name": name, "required": evidence, "supplied": supplied, "flag": flag})
    return UnitReview(rows, missing, pending, sum(p["max"] for p in pending), n_gone, n_refused, hashes)


def awaiting_review(run: Run) -> pd.DataFrame:
    """Units with judgement items still without points (未报送 units left out), most pending first.

    Columns: unit, name, n_pending, points (their maximum, unknown), items (names), n_missing_evidence."""
    res = run.result
    gone = set(getattr(res, "unreported", ()) or ())
    st = res.status
    ev = run.data.evidence
    have = set(zip(ev["unit_id"].astype(str), ev["item"].astype(str))) if len(ev) else set()
    needs = {it.id for it in run.scheme.walk_items() if it.evidence}
    names = {it.id: it.name for it in run.scheme.walk_items()}
    rows = []
    for u in res.units.index:
        if u in gone:
            continue
        srow = st.loc[u].astype(str)
        pend = [i for i in srow.index if srow[i] == "pending_judgement"]
        if not pend:
            continue
        n_miss = sum(1 for i in srow.index if i in needs and srow[i] != "not_applicable" and (str(u), i) not in have)
        rows.append({"unit": u, "name": str(res.units.at[u, "unit_name"]), "n_pending": len(pend),
                     "points": float(res.max_points.loc[u, pend].sum()), "items": [names[i] for i in pend],
                     "n_missing_evidence": n_miss})
    rows.sort(key=lambda r: (-r["n_pending"], -r["points"], r["unit"]))
    return pd.DataFrame(rows, columns=["unit", "name", "n_pending", "points", "items", "n_missing_evidence"])


def review_sentence(waiting: pd.DataFrame, has_grades: bool) -> str:
    """The 待评审 section's sentence over :func:`awaiting_review`'s frame, in HTML and in Word alike."""
    if not len(waiting):
        return "所有单位的酌情评分条目均已评审。"
    return (f"{len(waiting)} 个单位还有酌情评分条目没有评审得分，共 {score2(float(waiting['points'].sum()))} 分未知："
            f"这些分数不按零分计，排名{'和等级' if has_grades else ''}在评审完成前可能变化。")


def has_judgement(run: Run) -> bool:
    """Whether any rule of the run is an assessor's judgement (a 待评审 section has something to say)."""
    return any(r.kind == "judgement" or any(v.is_judgement for v in r.variant_rules.values())
               for r in run.result.rules.values())
