"""Peak memory and CPU of one overview of N synthetic units, rendered as a warm batch worker renders it.

    .venv/bin/python bench/overview_memory.py 2000

Scores N units of ``jiaxian_county_dept`` (bench/batch_bench.py's synthetic data), saves the run file,
warms the engine, then renders overview.ipynb with the ``warm`` engine and prints the CPU time, the
process's peak resident set (``ru_maxrss``) before and after, and the HTML size. To compare with older
code, put its ``lib`` first on ``PYTHONPATH``.
"""
from __future__ import annotations

import gc
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch_bench import make_data  # noqa: E402


def main(n: int) -> None:
    from xinyong.report import load_run, save_run
    from xinyong.report.engine import warm_up
    from xinyong.report.render import OVERVIEW_NOTEBOOK, overview_params, render

    d = Path(tempfile.mkdtemp(prefix="xy-ov-"))
    data = make_data(n, d)
    run = load_run("jiaxian_county_dept", data, period="2022Q4")
    rf = save_run(run, d / "run.pkl")
    del run
    gc.collect()
    warm_up()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.process_time()
    r = render(OVERVIEW_NOTEBOOK, overview_params("jiaxian_county_dept", "2022Q4", str(data), run_file=str(rf)),
               "overview", engine="warm")
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"units {n}: overview CPU {time.process_time() - t0:.1f} s, peak RSS before {before:.0f} MiB, "
          f"after {after:.0f} MiB, HTML {len(r.html) / 1e6:.2f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
