"""CPU per unit report in one warm process, as a batch worker renders them (from a saved run file).

    .venv/bin/python bench/warm_reports.py [N] [SCHEME [PERIOD]]

Scores the demo's run of ``SCHEME`` (default ``jiaxian_county_dept``) for ``PERIOD`` (default: the
scheme's last period in ``params/demo.yaml``), with its history, once; saves the run file, warms the
engine, renders one report to warm up, then N more; prints CPU seconds per report (``process_time``,
which a loaded machine inflates less than wall time), papermill/nbconvert wall timings, HTML size and
the process's peak RSS.
To compare with older code, put its ``lib`` first on ``PYTHONPATH`` and alternate runs.
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def main(n: int, scheme: str = "jiaxian_county_dept", period: str | None = None) -> None:
    import xinyong
    from xinyong.report import load_run, save_run
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

    one(units[0])
    n = min(n, len(units) - 1)
    t0, tim, x = time.process_time(), {}, None
    for u in units[1:n + 1]:
        x = one(u)
        for k, v in x.timings.items():
            tim[k] = tim.get(k, 0.0) + v
    print(f"{scheme} {period}: CPU per report {(time.process_time() - t0) / n:.3f} s; wall per report "
          + ", ".join(f"{k} {v / n:.3f} s" for k, v in tim.items()) + f"; HTML {len(x.html) // 1024} KiB; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10, *sys.argv[2:4])
