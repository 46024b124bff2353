"""File and folder names that are safe on Windows, macOS and Linux, from ids and names people type.

``report.render.safe_name`` keeps ``\\w``, ``.`` and ``-`` and cuts at 150 UTF-8 bytes; for batch
outputs that is not enough: Windows refuses ``CON``/``NUL``/``COM1``… as a name's stem, and two different ids that clean to the
same text (``a/b`` and ``a:b``, or ``A`` and ``a`` on a case-insensitive disk) would overwrite each
other's report. :func:`safe_component` cleans one path component; :func:`unit_stems` gives every unit
of a run its own stem, adding a short hash of the id whenever cleaning changed the text or two stems
would collide.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Iterable

from ..util import cut_utf8

# Windows device names: reserved as the stem of any file name, with any extension, in any case.
# Windows also treats the superscript digits ¹²³ as digits here.
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])$", re.IGNORECASE)
_BAD = re.compile(r"[^\w\-]+", re.UNICODE)  # anything but letters (CJK too), digits, '_' and '-'
UNIT_MAX_BYTES = 90  # stem before the hash; ".failed.ipynb" and the hash still fit well under 255 bytes
DIR_MAX_BYTES = 64


def is_reserved(stem: str) -> bool:
    """True for a Windows device name (``CON``, ``nul``, ``COM1``, ``LPT²``…), ignoring any extension."""
    return bool(_RESERVED.match(stem.split(".")[0].rstrip(" ")))


def safe_component(text: object, max_bytes: int = DIR_MAX_BYTES, fallback: str = "_") -> str:
    """One path component: letters (Chinese kept), digits, ``_`` and ``-`` only.

    Removed or replaced: ``\\ / : * ? " < > |``, control and format characters (including bidi
    overrides), spaces, dots (so no ``..``, no trailing dot, no ``x.failed`` look-alike), a leading
    ``-`` (not an option to a shell command). A Windows device name gets a trailing ``_``. At most
    ``max_bytes`` UTF-8 bytes. Never empty.
    """
    s = unicodedata.normalize("NFC", "" if text is None else str(text))
    s = _BAD.sub("_", s)
    s = re.sub(r"_+", "_", s).strip("_").lstrip("-")
    s = cut_utf8(s, max_bytes).rstrip("_") or fallback
    if is_reserved(s):
        s += "_"
    return s


def short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


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
