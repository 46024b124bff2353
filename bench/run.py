"""`make bench`: run the benchmarks and write bench/README.md with the machine they ran on."""
from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def machine() -> list[str]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        pass
    import numpy, pandas
    import xinyong

    return [
        f"- CPU: {cpu} ({os.cpu_count()} cores)",
        f"- Memory: {mem}",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()}, pandas {pandas.__version__}, numpy {numpy.__version__}, xinyong {xinyong.__version__}",
        f"- Date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
    ]


def demo_time(jobs: int = 2) -> list[str]:
    """`xinyong batch --all params/demo.yaml` into a fresh folder, then again unchanged (resume)."""
    import json
    import shutil
    import tempfile
    import time

    root = HERE.parent
    exe = Path(sys.executable).parent / "xinyong"
    out = Path(tempfile.mkdtemp(prefix="xy-demo-"))
    try:
        t0 = time.perf_counter()
        r1 = subprocess.run([str(exe), "batch", "--all", "params/demo.yaml", "--jobs", str(jobs), "--out", str(out)],
                            cwd=root, capture_output=True, text=True)
        t1 = time.perf_counter() - t0
        t0 = time.perf_counter()
        r2 = subprocess.run([str(exe), "batch", "--all", "params/demo.yaml", "--jobs", str(jobs), "--out", str(out)],
                            cwd=root, capture_output=True, text=True)
        t2 = time.perf_counter() - t0
        units = overviews = 0
        for f in out.rglob("summary.json"):
            s = json.loads(f.read_text(encoding="utf-8"))
            units += len(s.get("units", []))
            overviews += 1
        return ["## `make demo` (the batch over params/demo.yaml)", "",
                f"{units} unit reports and {overviews} overviews, {jobs} workers, fresh output folder.", "",
                "| run | time (s) | exit |", "|---|---:|---:|",
                f"| first run | {t1:.1f} | {r1.returncode} |", f"| again, unchanged (resume) | {t2:.1f} | {r2.returncode} |", ""]
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--schemes", default="city2019,jiaxian_county_dept")
    ap.add_argument("--batch", action="store_true", help="also run the batch benchmark (minutes)")
    ap.add_argument("--batch-units", type=int, default=100)
    ap.add_argument("--demo", action="store_true", help="also time the demo batch (what make demo runs)")
    ap.add_argument("--profile", action="store_true", help="also profile one report (stages)")
    ap.add_argument("--intake", action="store_true", help="also read large workbooks (bench/intake_bench.py)")
    args = ap.parse_args()

    from scoring import measure

    lines = ["# Benchmarks", "", "Written by `make bench` (bench/run.py). Numbers are from the machine below;",
             "targets: scoring 10,000 units of `city2019` under 1 s (vectorised, linear in units).", "",
             "## Machine", "", *machine(), "", "## Scoring (best of 3, peak memory by tracemalloc)", "",
             "| scheme | units | items | inputs | best (s) | median (s) | µs / unit | peak MiB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    results = []
    for sid in args.schemes.split(","):
        for n in [int(x) for x in args.sizes.split(",")]:
            r = measure(sid, n)
            results.append(r)
            print(f"{sid:22s} {n:>7d} units: {r['best_s']:.3f}s  peak {r['peak_mib']:.0f} MiB", flush=True)
            lines.append(f"| {sid} | {n:,} | {r['items']} | {r['inputs']} | {r['best_s']:.3f} | {r['median_s']:.3f} | "
                         f"{r['us_per_unit']:.1f} | {r['peak_mib']:.0f} |")
    lines += ["", "Growth: time per unit stays flat as units grow ×10 and ×100 when scoring is linear; "
              "the fixed cost per item (one vectorised pass each) dominates small runs.", ""]
    by = {(r["scheme"], r["units"]): r for r in results}
    for sid in args.schemes.split(","):
        sizes = sorted(n for s, n in by if s == sid)
        if len(sizes) >= 2:
            a, b = by[(sid, sizes[-2])], by[(sid, sizes[-1])]
            lines.append(f"- {sid}: {sizes[-2]:,} → {sizes[-1]:,} units ({sizes[-1] / sizes[-2]:.0f}×) took "
                         f"{b['best_s'] / a['best_s']:.1f}× the time.")
    if args.batch:
        from batch_bench import run as run_batch_bench

        lines += ["", *run_batch_bench(args.batch_units)]
    if args.demo:
        lines += ["", *demo_time()]
    if args.profile:
        from profile_report import run as profile

        lines += ["", *profile()]
    if args.intake:
        from intake_bench import run as intake

        lines += ["", *intake()]
    # the findings written by hand stay in NOTES.md (dated, kept across runs); the README links them
    lines += ["", "The findings behind these numbers — what was measured, tried, kept and dropped, dated — "
              "are in [NOTES.md](NOTES.md)."]
    # sections other scripts write between their markers (make bench-demo's, warm_reports --charts both)
    # are kept: this run did not measure them
    readme = HERE / "README.md"
    kept = re.findall(r"<!-- ([\w-]+):start -->.*?<!-- \1:end -->", readme.read_text(encoding="utf-8"), re.S) if readme.exists() else []
    old = readme.read_text(encoding="utf-8") if kept else ""
    for name in kept:
        block = old[old.index(f"<!-- {name}:start -->"):old.index(f"<!-- {name}:end -->") + len(f"<!-- {name}:end -->")]
        lines += ["", block]
    readme.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {HERE / 'README.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
