"""Where one unit report's time goes: kernel start, imports, loading and scoring, each block, conversion.

Each stage is timed on its own, in the way the batch runs it (a fresh kernel per report), so the
table says which stage to cut. Run by `make bench` (bench/run.py) or alone:

    .venv/bin/python bench/profile_report.py [SCHEME PERIOD]
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = ["header", "provenance", "summary", "charts", "item_table", "evidence_table", "action_list",
          "readings_and_defects"]


def _demo_run(scheme: str, period: str) -> dict:
    runs = yaml.safe_load((ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))["runs"]
    r = next(x for x in runs if x["scheme"] == scheme and x["period"] == period)
    return {"data": str(ROOT / r["data"]),
            "history": [{"period": h["period"], "data": str(ROOT / h["data"])} for h in r["history"]]}


def kernel_start(n: int = 3) -> float:
    """Start a python3 kernel and wait until it answers (what papermill does before the first cell)."""
    from jupyter_client.manager import start_new_kernel

    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        km, kc = start_new_kernel(kernel_name="python3", extra_arguments=["--IPKernelApp.log_level=ERROR"])
        times.append(time.perf_counter() - t0)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return statistics.median(times)


def import_time(stmt: str, n: int = 3) -> float:
    """A fresh interpreter's time to run ``stmt`` minus its time to start (median of n)."""
    def once(code: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        return time.perf_counter() - t0

    base = statistics.median(once("pass") for _ in range(n))
    return statistics.median(once(stmt) for _ in range(n)) - base


def in_process(scheme: str, period: str, unit: str | None, memo: bool) -> dict[str, float]:
    """Load, score and each block, in a fresh interpreter (font and matplotlib set-up counted once, as in
    a kernel). ``memo``: as in a batch, the notebook reads the run its client scored (``run_file``)."""
    code = f"""
import json, os, time
t = {{}}
t0 = time.perf_counter()
from xinyong import report as xr
t["import xinyong.report"] = time.perf_counter() - t0
run_args = {_demo_run(scheme, period)!r}
t0 = time.perf_counter()
run = xr.load_run({scheme!r}, run_args["data"], period={period!r}, history=run_args["history"], run_file=RUN_FILE)
t["load_run (read + score + history)"] = time.perf_counter() - t0
rep = xr.UnitReport(run, {unit!r} or str(run.units.index[0]))
for b in {BLOCKS!r}:
    t0 = time.perf_counter(); getattr(rep, b)(); t["block: " + b] = time.perf_counter() - t0
print(json.dumps(t))
"""
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as d:
        run_file = None
        if memo:
            from xinyong.report import load_run, save_run

            a = _demo_run(scheme, period)
            run_file = str(save_run(load_run(scheme, a["data"], period=period, history=a["history"]),
                                    Path(d) / "run.pkl"))
        out = subprocess.run([sys.executable, "-c", f"RUN_FILE = {run_file!r}\n" + code], check=True,
                             capture_output=True, text=True, env=env, cwd=ROOT)
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def whole_report(scheme: str, period: str, unit: str | None) -> dict[str, float]:
    """One report through render_unit_report (papermill + nbconvert), with its own timings."""
    from xinyong.report.render import render_unit_report

    args = _demo_run(scheme, period)
    timings: dict = {}
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        html = render_unit_report(scheme, period, unit or "dept01", args["data"], d, history=args["history"],
                                  timings=timings)
        timings["total"] = time.perf_counter() - t0
        timings["html_bytes"] = html.stat().st_size
    return timings


def run(scheme: str = "jiaxian_county_dept", period: str = "2022Q4", unit: str | None = "dept01") -> list[str]:
    rows = [("kernel start (jupyter_client, python3)", kernel_start()),
            ("import pandas", import_time("import pandas")),
            ("import matplotlib.pyplot (not used by the reports any more)", import_time("import matplotlib.pyplot")),
            ("import xinyong.report", import_time("import xinyong.report"))]
    cold = in_process(scheme, period, unit, memo=False)
    warm = in_process(scheme, period, unit, memo=True)
    whole = whole_report(scheme, period, unit)
    lines = [f"## Where one report's time goes (`{scheme}` {period}, unit {unit}; bench/profile_report.py)", "",
             "| stage | seconds |", "|---|---:|"]
    lines += [f"| {name} | {sec:.3f} |" for name, sec in rows]
    lines += ["", "In the report kernel (fresh interpreter). *Alone*: no memo, as `xinyong report` runs it. "
              "*In a batch*: the notebook reads the run its client scored once (`run_file`: scores, history, alternative totals, findings).", "",
              "| stage | alone (s) | in a batch (s) |", "|---|---:|---:|"]
    lines += [f"| {k} | {cold[k]:.3f} | {warm.get(k, float('nan')):.3f} |" for k in cold]
    lines += [f"| **sum** | {sum(cold.values()):.3f} | {sum(warm.values()):.3f} |", "",
              f"One whole report via papermill + nbconvert, alone: {whole['total']:.2f} s "
              f"(execute {whole.get('execute', float('nan')):.2f} s, convert {whole.get('convert', float('nan')):.2f} s, "
              f"HTML {whole['html_bytes'] / 2**10:.0f} KiB).", ""]
    return lines


if __name__ == "__main__":
    print("\n".join(run(*sys.argv[1:3]) if len(sys.argv) > 2 else run()))
