"""``score()`` CPU per scheme, old code against this tree's, side by side in one process.

    python bench/scoring_ab.py                 # old = the merge base with main
    python bench/scoring_ab.py --old 8a5de4e   # any revision

The old revision's ``lib/xinyong`` is exported (``git archive``) into a temporary folder as the package
``xinyong_old`` (the package imports itself relatively, so it runs under that name) and imported beside
``xinyong``. Each scheme is scored on its first demo workbook (what the golden tests score: a few units)
and on 2,000 synthetic units (bench/scoring.py), old and new taking turns call by call, so that a machine
shared with other work slows both alike; the median CPU time (``time.process_time``) of each is printed as
a Markdown table with the ratio old/new.
"""
from __future__ import annotations

import argparse
import importlib
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "lib"), str(ROOT / "bench")]

import xinyong  # noqa: E402
from scoring import synthetic_units  # noqa: E402
from xinyong.intake import read_inputs  # noqa: E402


def import_old(rev: str, where: Path):
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "lib/xinyong"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(where, filter="data")
    (where / "lib" / "xinyong").rename(where / "lib" / "xinyong_old")
    sys.path.insert(0, str(where / "lib"))
    return importlib.import_module("xinyong_old")


def cpu(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.process_time()
        fn()
        out.append(time.process_time() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", default=None, help="revision of the old code (default: merge-base HEAD main)")
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    rev = args.old or subprocess.run(["git", "-C", str(ROOT), "merge-base", "HEAD", "main"], check=True,
                                     capture_output=True, text=True).stdout.strip()
    demo = {}
    for run in yaml.safe_load((ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))["runs"]:
        demo.setdefault(run["scheme"], run["data"])
    with tempfile.TemporaryDirectory() as tmp:
        old = import_old(rev, Path(tmp))
        print(f"old = {rev[:10]}, new = working tree; median of {args.rounds} calls each, CPU ms per score()\n")
        print("| scheme | units | items | old (ms) | new (ms) | old / new |")
        print("|---|---:|---:|---:|---:|---:|")
        for sid in xinyong.SCHEME_IDS:
            new_s, old_s = xinyong.load_scheme(sid), old.load_scheme(sid)
            frames = [read_inputs(new_s, ROOT / demo[sid]).frame] if sid in demo else []
            frames.append(synthetic_units(new_s, 2000, seed=1))
            for frame in frames:
                xinyong.score(new_s, frame), old.score(old_s, frame)  # warm: formula parsing, imports
                t_old, t_new = [], []
                for _ in range(args.rounds):  # taking turns: a load from elsewhere slows both alike
                    t_old += cpu(lambda: old.score(old_s, frame), 1)
                    t_new += cpu(lambda: xinyong.score(new_s, frame), 1)
                a, b = statistics.median(t_old) * 1e3, statistics.median(t_new) * 1e3
                print(f"| {sid} | {len(frame):,} | {len(new_s.items)} | {a:.0f} | {b:.0f} | {a / b:.1f}× |", flush=True)


if __name__ == "__main__":
    main()
