"""A real dask cluster: ``dask scheduler`` and two ``dask worker`` processes started as separate commands.

Issue 13, point 5: "A test starts dask scheduler and two dask worker processes as separate commands on
127.0.0.1, runs a batch with --scheduler, compares its outputs with a local run, kills one worker with
SIGKILL mid-run and checks nothing is lost."

The workers share nothing with the client but the installed package: reports come back as text and
the client writes them.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_batch import HEADER, MINI, ROOT, write_csv

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?( [+-]\d{4})?")

# eight good units and one whose data intake refuses (so the run also has a failure page)
ROWS = [[f"u{i}", f"第{i}市", "城市", f"{1 + i / 10}", "是", "是" if i % 2 else "否", str(2 + i % 4), "5",
         str(50 + 5 * i), str(i % 3), "", ""] for i in range(8)] + [
        ["bad", "坏市", "城市", "1.5", "也许", "是", "2", "5", "60", "0", "", ""]]
assert len(ROWS[0]) == len(HEADER)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(*args: str, log: Path) -> subprocess.Popen:
    fh = open(log, "w")
    # a session of its own: SIGKILL to the group takes the nanny and its worker process together
    return subprocess.Popen([str(BIN / "dask"), *args], stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT,
                            start_new_session=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    logs = tmp_path_factory.mktemp("cluster")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = {"scheduler": _start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard",
                                 log=logs / "scheduler.log")}
    for name in ("w1", "w2"):
        procs[name] = _start("worker", address, "--name", name, "--nthreads", "1", "--nworkers", "1",
                             "--host", "127.0.0.1", "--no-dashboard", log=logs / f"{name}.log")
    from distributed import Client

    try:
        with Client(address, timeout="60s") as c:
            c.wait_for_workers(2, timeout=180)
        yield {"address": address, "procs": procs, "logs": logs}
    finally:
        for p in procs.values():
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in procs.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def _batch(data: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "xinyong.cli", "batch", "--scheme", str(MINI), "--period", "2019",
                             "--data", str(data), "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def fingerprint(run: Path) -> dict[str, str]:
    """Every HTML page with its date-times masked (the generation time) and the output folder's own
    path masked (a report's provenance shows the data copy under ``<run>/.inputs/``), every
    notebook's existence, and summary.json without its clock and timing fields."""
    out = {}
    for f in sorted(run.rglob("*")):
        rel = f.relative_to(run).as_posix()
        if f.suffix == ".html":
            out[rel] = STAMP.sub("<t>", f.read_text(encoding="utf-8")).replace(str(run), "<run>")
        elif f.suffix == ".ipynb":
            out[rel] = "ipynb"
        elif f.name == "summary.json":
            s = json.loads(f.read_text(encoding="utf-8"))
            units = [{k: v for k, v in u.items() if k not in ("seconds", "cpu", "attempts")} for u in s["units"]]
            out[rel] = json.dumps([units, s["counts"], s["overview"].get("status")], sort_keys=True)
    return out


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    base = tmp_path_factory.mktemp("local")
    data = write_csv(base / "units.csv", ROWS)
    p = _batch(data, base / "out", "--jobs", "2")
    _, err = p.communicate(timeout=900)
    assert p.returncode == 1, err  # the bad unit
    return {"data": data, "run": base / "out" / "mini" / "2019"}


def test_batch_on_an_existing_cluster_equals_a_local_run(cluster, local, tmp_path):
    p = _batch(local["data"], tmp_path / "out", "--scheduler", cluster["address"])
    _, err = p.communicate(timeout=900)
    assert p.returncode == 1, err
    run = tmp_path / "out" / "mini" / "2019"
    got, want = fingerprint(run), fingerprint(local["run"])
    assert sorted(got) == sorted(want)
    assert got == want
    s = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    assert s["counts"] == {"ok": 8, "failed": 1, "skipped": 0}


def test_a_worker_killed_mid_run_loses_nothing(cluster, local, tmp_path):
    out = tmp_path / "out"
    run = out / "mini" / "2019"
    p = _batch(local["data"], out, "--scheduler", cluster["address"])
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and p.poll() is None:
        try:
            if json.loads((run / ".cache.json").read_text(encoding="utf-8"))["units"]:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    assert p.poll() is None, "the batch ended before a worker could be killed"
    victim = cluster["procs"]["w1"]
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    _, err = p.communicate(timeout=900)
    assert p.returncode == 1, err
    s = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    assert s["counts"] == {"ok": 8, "failed": 1, "skipped": 0}  # only the unit with bad data failed
    assert s["overview"]["status"] == "ok"
    assert fingerprint(run) == fingerprint(local["run"])
