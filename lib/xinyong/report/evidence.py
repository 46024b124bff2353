"""Evidence files in reports (issue 14 §3): which evidence links are local files, whether they exist,
where a report's copy of them goes, and the copying.

A 证据 row's 文件名或链接 may be a URL (kept as written), a local path relative to the data file's folder
(``collect`` writes ``证据/<单位编号>/<file>``, contract C), or some other text (a document number, an
archive shelf: shown as written). A local file is copied beside the report that links it, into
``证据/<unit>/<file name>`` under the report's folder, so the report opens with working links from a
share or a USB stick, without the data folder. Whether a file exists (and, when ``collect`` recorded
its SHA-256, whether it is still the same file) is decided once, where the data is read
(:func:`resolve`), so a batch worker on another machine renders the same page without the files.
"""
from __future__ import annotations

import filecmp
import os
import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import quote

import pandas as pd

from ..safe import safe_file_name, short_hash, temp_prefix
from ..util import sha256_file

EVIDENCE_DIR = "证据"  # beside the report's HTML: <folder of the report>/证据/<unit>/<file>
URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:(//)?")  # http://…, https://…, mailto:…, file://…
HAS_EXT = re.compile(r"\.[A-Za-z0-9]{1,6}$")


def local_path(link: object) -> PurePosixPath | None:
    """``link`` as a path relative to the data file's folder, or None when it is not one: a URL, an
    absolute path (another computer's disk means nothing here), or text that names no file (no
    folder and no extension: "郏信用办〔2022〕4号", "档案室第 3 盒")."""
    if not isinstance(link, str) or not link.strip():
        return None
    s = link.strip().replace("\\", "/")
    if URL.match(s) and not PureWindowsPath(link.strip()).drive:
        return None
    if s.startswith("/") or PureWindowsPath(link.strip()).drive:
        return None
    p = PurePosixPath(s)
    if not ("/" in s or HAS_EXT.search(p.name)):
        return None
    return p



def resolve(evidence: pd.DataFrame, base: Path | None) -> pd.DataFrame:
    """The evidence frame with ``file`` (absolute path of a local file, or None), ``exists`` (the file
    is there; None when the link is no local file) and ``sha_ok`` (the file's SHA-256 equals the one
    recorded; None when nothing was recorded or the file is missing). ``base``: the data file's folder."""
    ev = evidence.copy()
    files, exists, ok = [], [], []
    recorded = ev["sha256"] if "sha256" in ev.columns else pd.Series([None] * len(ev), index=ev.index)
    for link, sha in zip(ev["link"] if len(ev) else [], recorded):
        rel = local_path(link) if base is not None else None
        if rel is None:
            files.append(None), exists.append(None), ok.append(None)
            continue
        path = (Path(base) / rel).resolve()
        there = path.is_file()
        files.append(str(path)), exists.append(there)
        ok.append(sha256_file(path) == str(sha).lower() if there and isinstance(sha, str) and sha else None)
    ev["file"] = pd.Series(files, index=ev.index, dtype=object)
    ev["exists"] = pd.Series(exists, index=ev.index, dtype=object)
    ev["sha_ok"] = pd.Series(ok, index=ev.index, dtype=object)
    return ev


def unit_folder(unit: str) -> str:
    """The unit's folder name under :data:`EVIDENCE_DIR`: :func:`xinyong.safe.safe_file_name` (plain form),
    with a short hash of the id when cleaning changed it, so two ids never share a folder."""
    s = safe_file_name(unit, 64, plain=True, fallback="unit")
    return s if s == str(unit) else f"{s}-{short_hash(str(unit))}"


def targets(evidence: pd.DataFrame, unit: str) -> dict[str, str]:
    """Absolute source path -> the copy's path relative to the report's folder (``证据/<unit>/<name>``),
    for the unit's local files that exist, in file order. Two different files with one name become
    ``name.pdf`` and ``name (2).pdf``; one file named by two rows is copied once."""
    if "file" not in evidence.columns or not len(evidence):
        return {}
    mine = evidence[(evidence["unit_id"].astype(str) == str(unit)) & (evidence["exists"] == True)]  # noqa: E712
    out: dict[str, str] = {}
    used: set[str] = set()
    for f in mine["file"]:
        if f in out:
            continue
        name, k = Path(f).name, 1
        while name.lower() in used:
            k += 1
            name = f"{Path(f).stem} ({k}){Path(f).suffix}"
        used.add(name.lower())
        out[f] = f"{EVIDENCE_DIR}/{unit_folder(unit)}/{name}"
    return out


def href(rel: str) -> str:
    return "/".join(quote(p) for p in rel.split("/"))


def copy_unit_files(evidence: pd.DataFrame, unit: str, report_dir: Path) -> list[Path]:
    """Copy the unit's evidence files into ``report_dir/证据/<unit>/``; files already there with the same
    bytes are left alone (an unchanged re-run changes nothing), files there that the unit no longer names
    are removed. Returns the copies' paths."""
    want = targets(evidence, unit)
    folder = Path(report_dir) / EVIDENCE_DIR / unit_folder(unit)
    out = []
    for src, rel in want.items():
        dest = Path(report_dir) / rel
        if not (dest.is_file() and filecmp.cmp(src, dest, shallow=False)):
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=temp_prefix(dest.name), suffix=".tmp", dir=dest.parent)
            os.close(fd)
            try:
                shutil.copyfile(src, tmp)
                os.replace(tmp, dest)
            finally:
                Path(tmp).unlink(missing_ok=True)
        out.append(dest)
    if folder.is_dir():
        keep = {p.name for p in out}
        for p in folder.iterdir():
            if p.is_file() and p.name not in keep:
                p.unlink()
        if not any(folder.iterdir()):
            folder.rmdir()
    return out


def prune_units(report_dir: Path, units: set[str]) -> None:
    """Remove the evidence folders of units no longer in the run (only folders under ``证据/``)."""
    root = Path(report_dir) / EVIDENCE_DIR
    if not root.is_dir():
        return
    keep = {unit_folder(u) for u in units}
    for d in root.iterdir():
        if d.is_dir() and d.name not in keep:
            shutil.rmtree(d, ignore_errors=True)
    if not any(root.iterdir()):
        root.rmdir()
