"""`make demo`'s batch, this code against an older revision, side by side (`make bench-demo`).

    .venv/bin/python bench/demo_ab.py --old 57e2b57 [--rounds 2] [--jobs 2] [--write]

Each round runs ``xinyong batch --all params/demo.yaml --jobs 2 --engine warm`` into an empty folder once
with the older revision's ``lib`` first on ``PYTHONPATH`` (``git archive``; the batch's workers inherit
it) and once with this checkout's, alternating, so both see the same machine. Per run: wall time, CPU
(user + system of the command and every process it started: workers included), CPU per report (the
whole batch's CPU / reports), and — where the code records it (``cpu`` in summary.json) — the workers'
CPU per unit report and per overview. ``--write`` puts the table into bench/README.md between the
demo-ab markers, with the machine and the load average at each run. The machine's speed varies over a
day; only the ratios of one invocation compare.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MARK_START, MARK_END = "<!-- demo-ab:start -->", "<!-- demo-ab:end -->"


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def one(lib: Path | None, jobs: int) -> dict:
    out = Path(tempfile.mkdtemp(prefix="xy-demo-ab-"))
    env = dict(os.environ)
    if lib is not None:
        env["PYTHONPATH"] = str(lib) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    exe = Path(sys.executable).parent / "xinyong"
    load = os.getloadavg()
    c0, t0 = _children_cpu(), time.perf_counter()
    r = subprocess.run([str(exe), "batch", "--all", "params/demo.yaml", "--jobs", str(jobs), "--engine", "warm",
                        "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    units = overviews = 0
    unit_cpu: list[float] = []
    ov_cpu: list[float] = []
    for f in out.rglob("summary.json"):
        s = json.loads(f.read_text(encoding="utf-8"))
        for u in s.get("units", []):
            units += u.get("status") == "ok"
            if u.get("cpu") is not None:
                unit_cpu.append(u["cpu"])
        ov = s.get("overview") or {}
        overviews += ov.get("status") == "ok"
        if ov.get("cpu") is not None:
            ov_cpu.append(ov["cpu"])
    shutil.rmtree(out, ignore_errors=True)
    return {"wall": wall, "cpu": cpu, "exit": r.returncode, "reports": units + overviews, "units": units,
            "overviews": overviews, "load": load,
            "unit_cpu": sum(unit_cpu) / len(unit_cpu) if unit_cpu else None,
            "ov_cpu": sum(ov_cpu) / len(ov_cpu) if ov_cpu else None}


def machine() -> str:
    sys.path.insert(0, str(HERE))
    from run import machine as m

    return "\n".join(m())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", required=True, help="the revision to compare with (git rev)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--write", action="store_true", help="write the table into bench/README.md")
    args = ap.parse_args()
    old_dir = Path(tempfile.mkdtemp(prefix="xy-old-"))
    subprocess.run(f"git archive {args.old} lib | tar -x -C {old_dir}", shell=True, check=True, cwd=ROOT)
    new_rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "lib"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    new_label = new_rev + (" + changes" if dirty else "")
    rows = []
    for k in range(args.rounds):
        for label, lib in ((args.old, old_dir / "lib"), (new_label, None)):
            r = one(lib, args.jobs)
            r["label"], r["round"] = label, k + 1
            rows.append(r)
            print(f"round {k + 1} {label}: wall {r['wall']:.1f} s, CPU {r['cpu']:.1f} s, reports {r['reports']}, "
                  f"exit {r['exit']}, load {' '.join(f'{x:.2f}' for x in r['load'])}", flush=True)
    shutil.rmtree(old_dir, ignore_errors=True)

    def f(x: float | None, nd: int = 2) -> str:
        return "—" if x is None else f"{x:.{nd}f}"

    lines = [MARK_START, "## `make demo` side by side (bench/demo_ab.py, `make bench-demo`)", "", machine(), "",
             f"`xinyong batch --all params/demo.yaml --jobs {args.jobs} --engine warm` into an empty folder, the old "
             "revision's `lib` first on `PYTHONPATH` (its workers inherit it) and this checkout's, alternating. CPU is "
             "user + system time of the command and every process it started (the workers included); the workers' "
             "CPU per unit report and per overview come from summary.json where the code records them.", "",
             "| round | code | load average at start | wall (s) | CPU (s) | CPU per report (s) | worker CPU per unit report (s) | per overview (s) | reports | exit |",
             "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['round']} | {r['label']} | {' '.join(f'{x:.2f}' for x in r['load'])} | {r['wall']:.1f} | "
                     f"{r['cpu']:.1f} | {r['cpu'] / max(1, r['reports']):.2f} | {f(r['unit_cpu'])} | {f(r['ov_cpu'])} | "
                     f"{r['reports']} | {r['exit']} |")
    old = [r for r in rows if r["label"] == args.old]
    new = [r for r in rows if r["label"] != args.old]
    if old and new:
        def mean(rs: list[dict], k: str) -> float:
            return sum(r[k] for r in rs) / len(rs)

        lines += ["", f"Ratio new / old (means over {args.rounds} rounds): wall {mean(new, 'wall') / mean(old, 'wall'):.2f}, "
                      f"CPU {mean(new, 'cpu') / mean(old, 'cpu'):.2f}."]
    from readme_section import print_section

    print_section(lines, MARK_START, MARK_END, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
