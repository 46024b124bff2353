"""CPU per unit report in one warm process, as a batch worker renders them (from a saved run file).

    .venv/bin/python bench/warm_reports.py [N] [SCHEME [PERIOD]] [--charts fast|public|both] [--rounds R]

Scores the demo's run of ``SCHEME`` (default ``jiaxian_county_dept``) for ``PERIOD`` (default: the
scheme's last period in ``params/demo.yaml``), with its history, once; saves the run file, warms the
engine, renders one report to warm up, then N more; prints CPU seconds per report (``process_time``,
which a loaded machine inflates less than wall time), papermill/nbconvert wall timings, HTML size and
the process's peak RSS.

``--charts``: the charts' fast path (report/_mpl_fast.py) or matplotlib's own (``public``); ``both``
alternates them in this one process, R rounds of N reports each way, and prints the CPU per report
and per chart of each side by side with their ratio (same machine, same load, same warm state);
``--write`` puts that table into bench/README.md between its charts-paths markers.
To compare with older code, put its ``lib`` first on ``PYTHONPATH`` and alternate runs.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
MARK_START, MARK_END = "<!-- charts-paths:start -->", "<!-- charts-paths:end -->"
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")  # as scripts/hash_outputs.py masks it


def main(n: int, scheme: str = "jiaxian_county_dept", period: str | None = None, charts_mode: str = "fast",
         rounds: int = 3, write: bool = False) -> None:
    import xinyong
    from xinyong.report import charts, load_run, save_run
    from xinyong.report.engine import warm_up
    from xinyong.report.render import UNIT_NOTEBOOK, render, unit_params

    runs = yaml.safe_load((ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))["runs"]
    r = [x for x in runs if x["scheme"] == scheme and (period is None or str(x["period"]) == period)][-1]
    period = str(r["period"])
    data = str(ROOT / r["data"])
    hist = [{"period": str(h["period"]), "data": str(ROOT / h["data"])} for h in r.get("history") or []]
    run = load_run(scheme, data, period=period, history=hist)
    rf = save_run(run, Path(tempfile.mkdtemp(prefix="xy-warm-")) / "run.pkl")
    units = [str(u) for u in run.units.index]
    warm_up()
    src = (Path(xinyong.__file__).parent / "notebooks" / UNIT_NOTEBOOK).read_text(encoding="utf-8")

    def one(u: str):
        return render(UNIT_NOTEBOOK, unit_params(scheme, period, u, data, history=hist, run_file=str(rf)),
                      None, engine="warm", source=src)

    charts.set_fast_path(charts_mode != "public")
    one(units[0])
    n = min(n, len(units) - 1)
    if charts_mode == "both":
        return _side_by_side(one, units[1:n + 1], rounds, scheme, period, write)
    t0, tim, x = time.process_time(), {}, None
    for u in units[1:n + 1]:
        x = one(u)
        for k, v in x.timings.items():
            tim[k] = tim.get(k, 0.0) + v
    print(f"{scheme} {period} (charts: {charts_mode}): CPU per report {(time.process_time() - t0) / n:.3f} s; "
          "wall per report " + ", ".join(f"{k} {v / n:.3f} s" for k, v in tim.items())
          + f"; HTML {len(x.html) // 1024} KiB; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")


def _side_by_side(one, units: list[str], rounds: int, scheme: str, period: str, write: bool) -> None:
    """Fast and public charts alternated, ``rounds`` times each: CPU per report, and the charts' own CPU
    per chart (``png_bytes`` and the chart functions timed by wrapping them), medians of the rounds."""
    from xinyong.report import _mpl_fast, charts

    load = os.getloadavg()
    kinds = ("section_bars", "peer_bars", "trend_line", "heat_map", "grade_bars")
    spent = {"cpu": 0.0, "charts": 0}

    def timed(fn):
        def wrapper(*a, **k):
            t0 = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                spent["cpu"] += time.process_time() - t0
                spent["charts"] += 1
        return wrapper

    originals = {k: getattr(charts, k) for k in kinds}
    for k, fn in originals.items():
        setattr(charts, k, timed(fn))
    per_report = {"fast": [], "public": []}
    per_chart = {"fast": [], "public": []}
    same = True
    try:
        for _ in range(rounds):
            for mode in ("fast", "public"):
                charts.set_fast_path(mode == "fast")
                spent.update(cpu=0.0, charts=0)
                t0 = time.process_time()
                pages = [STAMP.sub("<time>", one(u).html) for u in units]  # the generation time masked
                per_report[mode].append((time.process_time() - t0) / len(units))
                per_chart[mode].append(spent["cpu"] / max(spent["charts"], 1))
                if mode == "fast":
                    fast_pages = pages
                else:
                    same = same and pages == fast_pages
    finally:
        for k, fn in originals.items():
            setattr(charts, k, fn)
        charts.set_fast_path(True)
    med = {m: (statistics.median(per_report[m]), statistics.median(per_chart[m])) for m in per_report}
    import matplotlib

    from run import machine

    lines = [MARK_START, "## Charts: the fast path or matplotlib's own (bench/warm_reports.py --charts both --write)", "",
             *machine(), f"- matplotlib {matplotlib.__version__}; fast path "
             f"{'available' if _mpl_fast.available() else 'NOT available on it: both sides are the public path'}",
             f"- load average at the start: {' '.join(f'{x:.2f}' for x in load)}", "",
             f"`{scheme}` {period}: {len(units)} unit reports, rendered {rounds} times each way in one warm process "
             "(the warm engine, as a batch worker renders them), the two ways alternated. CPU is `process_time`; "
             "a chart's CPU is its chart function's, drawing and PNG encoding included.", "",
             "| charts | CPU per unit report (s), by round | median | CPU per chart (ms), median |", "|---|---|---:|---:|"]
    for m in ("fast", "public"):
        lines.append(f"| {m} | {' / '.join(f'{x:.3f}' for x in per_report[m])} | {med[m][0]:.3f} | {med[m][1] * 1000:.1f} |")
    lines += ["", f"public ÷ fast: **{med['public'][0] / med['fast'][0]:.2f}× per unit report**, "
                  f"{med['public'][1] / med['fast'][1]:.2f}× per chart. The reports' HTML (generation time masked) is "
                  f"{'identical' if same else 'DIFFERENT'} both ways.", MARK_END]
    text = "\n".join(lines)
    print(text)
    if write:
        from readme_section import put_section

        put_section(text, MARK_START, MARK_END)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=10)
    ap.add_argument("scheme", nargs="?", default="jiaxian_county_dept")
    ap.add_argument("period", nargs="?", default=None)
    ap.add_argument("--charts", choices=("fast", "public", "both"), default="fast")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="with --charts both: the table into bench/README.md")
    a = ap.parse_args()
    main(a.n, a.scheme, a.period, a.charts, a.rounds, a.write)
