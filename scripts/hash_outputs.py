"""Fingerprint a batch output tree so two runs can be compared for refactors that must not change a byte.

    python scripts/hash_outputs.py outputs > before.txt   # … change the code, re-run make demo …
    python scripts/hash_outputs.py outputs | diff before.txt -
    python scripts/hash_outputs.py --mask-provenance outputs   # also ignore the folded 复现信息 block

``--mask-provenance`` is for comparisons across a change of the data files' bytes or location (their
paths and SHA-256 are all that block shows besides versions); every other byte must still match.

HTML is hashed after masking date-times (the generation-time line, the index's 最近更新); summary.json
without its clock fields (times, and the CPU seconds each report took); scores.xlsx by cell values (the zip carries a timestamp). Executed notebooks
are skipped: their HTML is what a reader gets, and they carry kernel timings.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

from openpyxl import load_workbook

STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
CLOCK = {"started", "finished", "updated", "seconds", "cpu"}  # cpu: a report's measured CPU seconds
PROVENANCE = re.compile(r'<details class="xy-provenance".*?</details>', re.S)
MASK_PROVENANCE = False


def _drop_clock(obj):
    if isinstance(obj, dict):
        return {k: _drop_clock(v) for k, v in obj.items() if k not in CLOCK}
    if isinstance(obj, list):
        return [_drop_clock(v) for v in obj]
    return obj


def fingerprint(path: Path) -> str | None:
    if path.suffix == ".html":
        text = STAMP.sub("<time>", path.read_text(encoding="utf-8"))
        data = (PROVENANCE.sub("<provenance>", text) if MASK_PROVENANCE else text).encode()
    elif path.name == "summary.json":
        data = json.dumps(_drop_clock(json.loads(path.read_text(encoding="utf-8"))), sort_keys=True).encode()
    elif path.suffix == ".xlsx":
        wb = load_workbook(path, read_only=True)
        data = STAMP.sub("<time>", repr([(ws.title, list(ws.iter_rows(values_only=True))) for ws in wb.worksheets])).encode()
        wb.close()
    else:
        return None
    return hashlib.sha256(data).hexdigest()[:16]


def main(root: str) -> None:
    base = Path(root)
    for p in sorted(base.rglob("*")):
        if p.is_file() and ".work" not in p.parts and (h := fingerprint(p)):
            print(h, p.relative_to(base).as_posix())


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--mask-provenance" in args:
        args.remove("--mask-provenance")
        MASK_PROVENANCE = True
    main(args[0] if args else "outputs")
