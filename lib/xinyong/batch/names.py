"""File and folder names of a batch's outputs, from ids and names people type.

The rules of a safe name live once, in :func:`xinyong.safe.safe_file_name`; a batch uses its plain form
(letters, CJK included, digits, ``_`` and ``-``). Two different ids that clean to the same text (``a/b``
and ``a:b``, or ``A`` and ``a`` on a case-insensitive disk) would overwrite each other's report:
:func:`unit_stems` gives every unit of a run its own stem, adding a short hash of the id whenever
cleaning changed the text or two stems would collide.
"""
from __future__ import annotations

from typing import Iterable

from ..safe import is_reserved, safe_file_name, short_hash

__all__ = ["is_reserved", "safe_component", "short_hash", "unit_stems"]

UNIT_MAX_BYTES = 90  # stem before the hash; ".failed.ipynb" and the hash still fit well under 255 bytes
DIR_MAX_BYTES = 64


def safe_component(text: object, max_bytes: int = DIR_MAX_BYTES, fallback: str = "_") -> str:
    """One path component of a batch's output: :func:`xinyong.safe.safe_file_name`, plain form."""
    return safe_file_name(text, max_bytes, plain=True, fallback=fallback)


def unit_stems(units: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    """unit id -> file stem for every unit of a run, unique even on a case-insensitive disk.

    The stem is ``<id>_<name>`` cleaned (``<id>`` alone when the name is blank or the id itself). When
    cleaning changed the text, or two stems would be equal ignoring case, the stem ends with ``-`` and 8
    hex digits of the id's sha256, so it stays the same from run to run for the same id and name.
    """
    pairs = list(units)
    raw: dict[str, str] = {}
    stems: dict[str, str] = {}
    for uid, name in pairs:
        uid = str(uid)
        name = "" if name is None else str(name).strip()
        r = uid if not name or name == uid else f"{uid}_{name}"
        raw[uid] = r
        stems[uid] = safe_component(r, UNIT_MAX_BYTES, fallback="unit")
    seen: dict[str, list[str]] = {}
    for uid, s in stems.items():
        seen.setdefault(s.casefold(), []).append(uid)
    out = {}
    for uid, s in stems.items():
        clash = len(seen[s.casefold()]) > 1
        out[uid] = f"{s}-{short_hash(uid)}" if clash or s != raw[uid] else s
    return out
