"""The intake bench's workbooks read by this code and by an older revision, side by side (`make bench-intake-ab`).

    .venv/bin/python bench/intake_ab.py --old c271ce5 [--rounds 2] [--real-rows 100000] [--write]

The three workbooks of bench/intake_bench.py (formatted-empty, the same units plain, real rows) are built
once; each is then read in a fresh process by the older revision's ``lib`` (``git archive``) and by this
checkout's, alternating, so both see the same machine. Per read: the CPU time of ``read_inputs`` in the
child (``time.process_time``), its wall time, the child's peak RSS, and a hash of what it gave (the frame,
the evidence and every problem), which must be the same for both. ``--write`` puts the table into
bench/README.md between the intake-ab markers, with the machine and the load average. Only the ratios of
one invocation compare: the machine's speed varies over a day.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MARK_START, MARK_END = "<!-- intake-ab:start -->", "<!-- intake-ab:end -->"

CHILD = r"""
import hashlib, json, sys, time
import xinyong
from xinyong.intake import read_inputs
scheme = xinyong.load_scheme(sys.argv[2])
w0, c0 = time.perf_counter(), time.process_time()
res = read_inputs(scheme, sys.argv[1])
cpu, wall = time.process_time() - c0, time.perf_counter() - w0
got = res.frame.to_csv() + res.evidence.to_csv() + repr([(p.message, p.sheet, p.row, p.column, p.unit, repr(p.value))
                                                          for p in res.problems])
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
print(json.dumps({"cpu": cpu, "wall": wall, "rss": hwm, "units": len(res.frame), "problems": res.n_problems,
                  "hash": hashlib.sha256(got.encode()).hexdigest()[:12]}))
"""


def read(path: Path, scheme: str, lib: Path | None) -> dict:
    env = dict(os.environ)
    if lib is not None:
        env["PYTHONPATH"] = str(lib) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), scheme], capture_output=True, text=True,
                         check=True, env=env, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="the revision to compare with (git rev)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--real-rows", type=int, default=100_000)
    ap.add_argument("--write", action="store_true", help="write the table into bench/README.md")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    import intake_bench as ib
    from run import machine

    old_dir = Path(tempfile.mkdtemp(prefix="xy-old-"))
    subprocess.run(f"git archive {args.old} lib | tar -x -C {old_dir}", shell=True, check=True, cwd=ROOT)
    new_rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "lib"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    new_label = new_rev + (" + changes" if dirty else "")
    tmp = Path(tempfile.mkdtemp(prefix="xy-intake-ab-"))
    cases = [("formatted-empty", ib.build(tmp / "empty.xlsx", 200, ib.EMPTY_TO)),
             ("same units, no formatted rows", ib.build(tmp / "plain.xlsx", 200, None)),
             ("real rows", ib.build(tmp / "real.xlsx", args.real_rows, None))]
    loads = []
    rows = []
    for k in range(args.rounds):
        order = [(args.old, old_dir / "lib"), (new_label, None)]
        for name, path in cases:
            for label, lib in (order if k % 2 == 0 else order[::-1]):
                loads.append(os.getloadavg()[0])
                r = read(path, ib.SCHEME, lib)
                r.update(round=k + 1, case=name, label=label)
                rows.append(r)
                print(f"round {k + 1} {name:30s} {label:14s} CPU {r['cpu']:6.2f} s  wall {r['wall']:6.2f} s  "
                      f"peak {r['rss']:4.0f} MiB  hash {r['hash']}", flush=True)
    shutil.rmtree(old_dir, ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)
    lines = [MARK_START, "## Intake side by side (bench/intake_ab.py)", "", *machine(), "",
             f"The intake bench's three workbooks ({args.real_rows:,} real rows), each read by `read_inputs` in a fresh "
             f"process, the older revision's `lib` and this checkout's alternating; CPU is the child's "
             f"`process_time` around the read. Load average (1 min) during the runs: {min(loads):.2f}–{max(loads):.2f}.",
             "", "| round | workbook | code | CPU (s) | wall (s) | peak RSS (MiB) | units | problems | result hash |",
             "|---:|---|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['round']} | {r['case']} | {r['label']} | {r['cpu']:.2f} | {r['wall']:.2f} | {r['rss']:.0f} | "
                     f"{r['units']:,} | {r['problems']} | `{r['hash']}` |")
    lines.append("")
    for name, _ in cases:
        old = [r for r in rows if r["case"] == name and r["label"] == args.old]
        new = [r for r in rows if r["case"] == name and r["label"] != args.old]
        same = {r["hash"] for r in old} == {r["hash"] for r in new} and len({r["hash"] for r in old}) == 1
        ratio = sum(r["cpu"] for r in new) / max(sum(r["cpu"] for r in old), 1e-9)
        lines.append(f"- {name}: CPU new / old {ratio:.2f}; the same result: {'yes' if same else 'NO'}.")
    from readme_section import print_section

    print_section(lines, MARK_START, MARK_END, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
