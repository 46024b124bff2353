"""Evidence files in reports: which evidence links are local files, whether they exist,
where a report's copy of them goes, and the copying.

A 证据 row's 文件名或链接 may be a URL (kept as written), a local path relative to the data file's folder
(``collect`` writes ``证据/<单位编号>/<file>``, contract C), or some other text (a document number, an
archive shelf: shown as written). A local file is copied beside the report that links it, into
``证据/<unit>/<file name>`` under the report's folder, so the report opens with working links from a
share or a USB stick, without the data folder. Whether a file exists (and, when ``collect`` recorded
its SHA-256, whether it is still the same file) is decided once, where the data is read
(:func:`resolve`), so a batch worker on another machine renders the same page without the files.

Every path stays inside the evidence root (the data file's folder) and reaches no link:
:mod:`xinyong.intake.evidence_paths` is the one check ``validate``, ``collect``, ``report`` and
``batch`` share. A refused link is shown as 链接无效（已拒绝） with its reason, never linked or copied.
"""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import pandas as pd

from ..intake import evidence_paths as ep
from ..safe import safe_file_name, short_hash
from ..util import sha256_file

EVIDENCE_DIR = "证据"  # beside the report's HTML: <folder of the report>/证据/<unit>/<file>


def local_path(link: object) -> PurePosixPath | None:
    """``link`` as a path below the evidence root, or None when it is not one: a URL, a refused path
    (absolute, ``..``, a drive, a share, a device: :func:`..intake.evidence_paths.classify`), or text
    that names no file (no folder and no extension: "郏信用办〔2022〕4号", "档案室第 3 盒")."""
    got = ep.classify(link)
    return got.rel if got.kind == ep.PATH else None


def resolve(evidence: pd.DataFrame, base: Path | None) -> pd.DataFrame:
    """The evidence frame with, per row: ``state`` — ok (a regular file below ``base``, reached through
    no link), missing, refused (the link, or what it reaches, is refused: ``why`` says why), or None
    when the link names no local file —; ``root`` and ``rel`` (where the file is: the root and the path
    below it, for copying); ``file`` (``root/rel``, the row's key, never shown); ``exists`` (state ok;
    None when no local file) and ``sha_ok`` (the file's SHA-256 equals the one recorded; None when
    nothing was recorded or the file is not there). ``base``: the evidence root, the data file's folder."""
    ev = evidence.copy()
    cols: dict[str, list] = {k: [] for k in ("state", "why", "root", "rel", "file", "exists", "sha_ok")}
    recorded = ev["sha256"] if "sha256" in ev.columns else pd.Series([None] * len(ev), index=ev.index)
    root = str(Path(base).resolve()) if base is not None else None
    for link, sha in zip(ev["link"] if len(ev) else [], recorded):
        got = ep.classify(link)
        row = dict.fromkeys(cols)
        if got.kind == ep.REFUSED:
            row.update(state=ep.REFUSED, why=got.why, exists=False)
        elif got.kind == ep.PATH and root is not None:
            found = ep.locate(root, got.rel)
            row.update(state=found.state, why=found.why or None, root=root, rel=got.rel.as_posix(),
                       file=str(Path(root).joinpath(*got.rel.parts)), exists=found.state == ep.OK)
            if found.state == ep.OK and isinstance(sha, str) and sha:
                try:
                    row["sha_ok"] = ep.sha256_in(root, got.rel) == sha.lower()
                except ep.Refused as e:
                    row.update(state=ep.REFUSED, why=e.why, exists=False)
                except OSError:
                    row.update(state=ep.MISSING, exists=False)
        for k, v in row.items():
            cols[k].append(v)
    for k, v in cols.items():
        ev[k] = pd.Series(v, index=ev.index, dtype=object)
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
    mine = mine[mine["state"] == ep.OK] if "state" in mine.columns else mine.iloc[:0]
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
    """Copy the unit's evidence files into ``report_dir/证据/<unit>/``, each opened below its root
    without following a link (:func:`..intake.evidence_paths.copy_regular`; a file that has become a
    link or gone since :func:`resolve` looked is skipped); files already there with the same bytes are
    left alone (an unchanged re-run changes nothing), files there that the unit no longer names are
    removed. Returns the copies' paths."""
    want = targets(evidence, unit)
    where = {f: (root, rel) for f, root, rel in zip(evidence.get("file", []), evidence.get("root", []),
                                                    evidence.get("rel", [])) if f in want}
    folder = Path(report_dir) / EVIDENCE_DIR / unit_folder(unit)
    out = []
    for src, rel in want.items():
        root, below = where[src]
        below = PurePosixPath(below)
        dest = Path(report_dir) / rel
        try:
            if not (_regular(dest) and sha256_file(dest) == ep.sha256_in(root, below)):
                ep.copy_regular(root, below, dest)
        except (ep.Refused, FileNotFoundError):  # a link or gone since resolve() looked: not copied
            continue
        out.append(dest)
    if folder.is_dir():
        keep = {p.name for p in out}
        for p in folder.iterdir():
            if (p.is_symlink() or p.is_file()) and p.name not in keep:
                p.unlink()
        if not any(folder.iterdir()):
            folder.rmdir()
    return out


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


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


def refused(evidence: pd.DataFrame, file: str | os.PathLike | None, unit: str | None = None) -> list:
    """The refused links (of ``unit``, or of every unit) as located problems — file, sheet 证据, row,
    column 文件名或链接 — for the console of ``report`` and ``batch``."""
    from ..errors import Problem
    from ..intake.problems import col_letter
    from ..intake.template import EVIDENCE_COLUMNS, SHEET_EVIDENCE

    if "state" not in evidence.columns or not len(evidence):
        return []
    col = col_letter(list(EVIDENCE_COLUMNS).index("link") + 1)
    rows = evidence[evidence["state"] == ep.REFUSED]
    if unit is not None:
        rows = rows[rows["unit_id"].astype(str) == str(unit)]
    sheet_rows = rows["sheet_row"] if "sheet_row" in rows.columns else [None] * len(rows)
    return [Problem(f"证据链接已拒绝：{why}", "evidence link refused", file=str(file) if file else None,
                    sheet=SHEET_EVIDENCE, row=int(r) if r is not None and pd.notna(r) else None, column=col,
                    unit=str(u), input=item, value=link, expected=ep.EXPECTED, severity="note")
            for u, item, link, why, r in zip(rows["unit_id"], rows["item"], rows["link"], rows["why"], sheet_rows)]
