"""How a scheme adds item points up: sections bottom-up, each section's cap, then the bonus cap.

One function for every caller — the scoring result (per unit, vectorised over units), the scheme's
own maxima (:attr:`Scheme.base_max`: the item maxima added up the same way) and the checker — so a
cap the document states (“本部分最高20分”, “扣完为止”, “附加分最高5分”) is applied in exactly one
place and every output reads the capped numbers.

A capped section holds only base items or only bonus items (the loader refuses a mix), so the cut a
cap makes is taken off the base or off the bonus without having to choose between them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# The scheme model calls this module (Scheme.add_up); importing the model back would be a cycle, so
# a section is told from an item by what it has (sub-sections), and the types are written as Any.
Scheme = Section = Any


@dataclass
class Totals:
    """Sums over units (arrays of length n)."""

    base: np.ndarray
    bonus: np.ndarray
    sections: dict[str, np.ndarray]  # section id -> points after its cap (and its sub-sections' caps)
    sections_raw: dict[str, np.ndarray]  # section id -> sum of its children before its own cap
    bonus_raw: np.ndarray  # bonus before the scheme's bonus cap
    capped: list[str] = field(default_factory=list)  # ids of capped sections (+ "@bonus"), document order

    @property
    def total(self) -> np.ndarray:
        return self.base + self.bonus


def section_is_bonus(sec: "Section") -> bool:
    """A section counts as bonus when it is marked so or every item in it is a bonus item."""
    items = list(sec.walk_items())
    return bool(sec.bonus or (items and all(i.bonus for i in items)))


def add_up(scheme: "Scheme", points) -> Totals:
    P = np.nan_to_num(np.atleast_2d(np.asarray(points, dtype=float)))
    n = P.shape[0]
    col = {it.id: j for j, it in enumerate(scheme.walk_items())}
    sections: dict[str, np.ndarray] = {}
    raw: dict[str, np.ndarray] = {}
    capped: list[str] = []

    def rec(sec: "Section") -> tuple[np.ndarray, np.ndarray]:
        base, bonus = np.zeros(n), np.zeros(n)
        for child in sec.children():
            if hasattr(child, "sections"):  # a Section; an Item has none
                b, o = rec(child)
            else:
                v = P[:, col[child.id]]
                b, o = (np.zeros(n), v) if child.bonus else (v, np.zeros(n))
            base, bonus = base + b, bonus + o
        s = base + bonus
        raw[sec.id] = s
        if sec.cap is not None:
            capped.append(sec.id)
            cut = np.clip(s, sec.cap.min, sec.cap.max) - s
            if section_is_bonus(sec):
                bonus = bonus + cut
            else:
                base = base + cut
        sections[sec.id] = base + bonus
        return base, bonus

    base, bonus = np.zeros(n), np.zeros(n)
    for sec in scheme.sections:
        b, o = rec(sec)
        base, bonus = base + b, bonus + o
    bonus_raw = bonus
    if scheme.bonus_cap is not None and scheme.bonus_cap.max is not None:
        capped.append("@bonus")
        bonus = np.minimum(bonus, scheme.bonus_cap.max)
    return Totals(base, bonus, sections, raw, bonus_raw, capped)
