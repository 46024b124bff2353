"""Issue 13 benchmarks: the dask batch (warm and kernel engines) against the naive loop, side by side.

    python bench/dask_bench.py naive --units 100 --sample 20   # naive loop, 2-way (xargs -P 2) and sequential
    python bench/dask_bench.py batch --units 100 --engine warm # one batch; time, CPU per report, worker memory
    python bench/dask_bench.py demo                            # `make demo` from a fresh outputs folder

CPU per report: user + system time of the batch process and everything it started (its workers and,
with the kernel engine, their kernels; ``RUSAGE_CHILDREN`` after the batch has exited), divided by the
reports written. Peak memory per worker: the largest resident set of any process under the batch
other than the batch process itself, sampled every 0.2 s (psutil).
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
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
SCHEME = "jiaxian_county_dept"
sys.path.insert(0, str(HERE))


def make_data(n: int, where: Path) -> Path:
    from batch_bench import make_data as mk

    return mk(n, where)


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], shell: bool = False) -> dict:
    """Run ``cmd``; wall time, CPU of it and its descendants, peak RSS of its largest descendant."""
    import psutil

    c0 = _cpu_children()
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, shell=shell)
    peak = {"worker": 0, "client": 0}
    stop = threading.Event()

    def sample() -> None:
        try:
            me = psutil.Process(p.pid)
        except psutil.NoSuchProcess:
            return
        while not stop.is_set():
            try:
                peak["client"] = max(peak["client"], me.memory_info().rss)
                for c in me.children(recursive=True):
                    try:
                        peak["worker"] = max(peak["worker"], c.memory_info().rss)
                    except psutil.NoSuchProcess:
                        pass
            except psutil.NoSuchProcess:
                return
            stop.wait(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = p.communicate()
    stop.set()
    th.join()
    return {"seconds": time.perf_counter() - t0, "cpu": _cpu_children() - c0, "rc": p.returncode,
            "peak_worker_mib": peak["worker"] / 2**20, "peak_client_mib": peak["client"] / 2**20,
            "stderr": err[-2000:]}


def naive_cmd(data: Path, out: Path, unit: str) -> str:
    nb = out / f"{unit}.ipynb"
    return (f"{BIN / 'papermill'} {ROOT / 'notebooks' / 'unit_report.ipynb'} {nb} -p scheme {SCHEME} -p period 2022Q4 "
            f"-p unit {unit} -p data {data} -p output_dir {out} -y 'history: []' --cwd {ROOT / 'notebooks'} "
            f"--no-progress-bar -k python3 >/dev/null 2>&1 && {BIN / 'jupyter'} nbconvert --to html {nb} >/dev/null 2>&1")


def naive(data: Path, units: list[str], out: Path, parallel: int) -> dict:
    """papermill then jupyter nbconvert per unit, each a new process; ``parallel`` at a time (xargs -P)."""
    out.mkdir(parents=True, exist_ok=True)
    script = out / "one.sh"
    script.write_text("#!/bin/sh\n" + naive_cmd(data, out, "$1") + "\n")
    script.chmod(0o755)
    listing = out / "units.txt"
    listing.write_text("\n".join(units) + "\n")
    return timed(f"xargs -P {parallel} -n 1 {script} < {listing}", shell=True)


def batch(data: Path, out: Path, engine: str, jobs: int = 2) -> dict:
    r = timed([str(BIN / "xinyong"), "batch", "--scheme", SCHEME, "--period", "2022Q4", "--data", str(data),
               "--out", str(out), "--jobs", str(jobs), "--engine", engine, "--no-progress"])
    s = json.loads((out / SCHEME / "2022Q4" / "summary.json").read_text(encoding="utf-8"))
    r["reports"] = s["counts"]["ok"] + (1 if s["overview"].get("status") == "ok" else 0)
    r["counts"] = s["counts"]
    return r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["naive", "batch", "demo"])
    ap.add_argument("--units", type=int, default=100)
    ap.add_argument("--sample", type=int, default=20)
    ap.add_argument("--engine", default="warm")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--rerun", action="store_true", help="run the batch again unchanged and time that too")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="xy-b13-"))
    try:
        res: dict = {"what": a.what, "units": a.units, "engine": a.engine, "jobs": a.jobs,
                     "load_before": os.getloadavg()}
        if a.what == "naive":
            import pandas as pd

            data = make_data(a.units, tmp)
            units = pd.read_csv(data)["unit_id"].astype(str).tolist()[: a.sample]
            res["sample"] = len(units)
            res["parallel2"] = naive(data, units, tmp / "p2", 2)
            res["sequential"] = naive(data, units, tmp / "p1", 1)
        elif a.what == "batch":
            data = make_data(a.units, tmp)
            res["first"] = batch(data, tmp / "out", a.engine, a.jobs)
            if a.rerun:
                res["again"] = batch(data, tmp / "out", a.engine, a.jobs)
        else:
            cmd = [str(BIN / "xinyong"), "batch", "--all", "params/demo.yaml", "--jobs", str(a.jobs), "--engine",
                   a.engine, "--out", str(tmp / "outputs"), "--no-progress"]
            res["first"] = timed(cmd)
            res["again"] = timed(cmd)
        res["load_after"] = os.getloadavg()
        print(json.dumps(res, ensure_ascii=False, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
