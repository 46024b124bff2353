"""Batch benchmark: `xinyong batch` against the naive loop a user would script, on the same data.

Naive = for each unit, sequentially: `papermill notebooks/unit_report.ipynb ... -p unit U` then
`jupyter nbconvert --to html`, each a new process (what the papermill and nbconvert docs show).
Ours = `xinyong batch` (parallel workers, in-process papermill + nbconvert), then the same batch
again unchanged (resume: cache hits). Report sizes: median and largest HTML.
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SCHEME = "jiaxian_county_dept"


def make_data(n: int, where: Path) -> Path:
    sys.path.insert(0, str(Path(__file__).parent))
    import xinyong
    from scoring import synthetic_units

    scheme = xinyong.load_scheme(SCHEME)
    df = synthetic_units(scheme, n, seed=7, missing=0.05)
    df["unit_name"] = [f"示例单位{i:03d}" for i in range(n)]
    df["unit_kind"] = "县直单位" if "县直单位" in scheme.unit_kinds else df.get("unit_kind")
    for spec in scheme.input_catalogue.values():  # what an analyst's file holds: 是/否, whole counts
        if spec.id in df and spec.type == "bool":
            df[spec.id] = df[spec.id].map({1.0: "是", 0.0: "否", True: "是", False: "否"})
        elif spec.id in df and spec.type == "integer":
            df[spec.id] = df[spec.id].astype("Int64")
    path = where / "bench_units.csv"
    df.to_csv(path, index=False, encoding="utf-8")
    return path


def naive(data: Path, units: list[str], out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for u in units:
        nb = out / f"{u}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(ROOT / "notebooks" / "unit_report.ipynb"), str(nb),
                        "-p", "scheme", SCHEME, "-p", "period", "2022Q4", "-p", "unit", u, "-p", "data", str(data),
                        "-p", "output_dir", str(out), "-y", "history: []",  # the notebook's default history is demo data
                        "--cwd", str(ROOT / "notebooks"), "--no-progress-bar", "-k", "python3"],
                       check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(nb)], check=True, capture_output=True)
    return time.perf_counter() - t0


def ours(data: Path, out: Path, jobs: int) -> tuple[float, int]:
    t0 = time.perf_counter()
    r = subprocess.run([str(BIN / "xinyong"), "batch", "--scheme", SCHEME, "--period", "2022Q4", "--data", str(data),
                        "--out", str(out), "--jobs", str(jobs)], capture_output=True, text=True)
    return time.perf_counter() - t0, r.returncode


def run(n_units: int = 100, naive_units: int | None = None, jobs: int = 2) -> list[str]:
    tmp = Path(tempfile.mkdtemp(prefix="xy-bench-"))
    try:
        data = make_data(n_units, tmp)
        import pandas as pd

        units = pd.read_csv(data)["unit_id"].astype(str).tolist()
        # The naive loop is timed on a sample and scaled: it is strictly sequential, so per-unit
        # time is constant; running all 100 would take most of the benchmark budget.
        k = naive_units or min(n_units, 20)
        t_naive_k = naive(data, units[:k], tmp / "naive")
        t_naive = t_naive_k / k * n_units
        t_ours, rc = ours(data, tmp / "ours", jobs)
        t_rerun, rc2 = ours(data, tmp / "ours", jobs)
        sizes = sorted(p.stat().st_size for p in (tmp / "ours").rglob("*.html") if p.name not in ("index.html",))
        med = statistics.median(sizes) / 2**20 if sizes else float("nan")
        big = sizes[-1] / 2**20 if sizes else float("nan")
        return [
            "## Batch: 100 unit reports vs the naive papermill loop", "",
            f"Scheme `{SCHEME}`, {n_units} synthetic units, {jobs} workers. Naive loop timed on {k} units and "
            f"scaled linearly ({t_naive_k:.1f} s for {k}).", "",
            "| run | time (s) | per unit (s) | speed-up vs naive |", "|---|---:|---:|---:|",
            f"| naive: papermill + jupyter nbconvert per unit, sequential | {t_naive:.1f} | {t_naive / n_units:.2f} | 1.0× |",
            f"| `xinyong batch` (exit {rc}) | {t_ours:.1f} | {t_ours / n_units:.2f} | {t_naive / t_ours:.1f}× |",
            f"| `xinyong batch` again, unchanged (resume; exit {rc2}) | {t_rerun:.1f} | {t_rerun / n_units:.3f} | {t_naive / t_rerun:.0f}× |",
            "", f"Report size: median {med:.2f} MiB, largest {big:.2f} MiB (target ≤ 2 MB).", "",
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    print("\n".join(run(int(sys.argv[1]) if len(sys.argv) > 1 else 100)))
