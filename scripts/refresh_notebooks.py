"""Run the two committed notebooks with their default parameters and store their outputs in place, as nbval
expects them (`tests/test_report_render.py::test_committed_notebooks_pass_nbval`). Run after a change to what
a report prints: `python scripts/refresh_notebooks.py`."""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parents[1] / "lib" / "xinyong" / "notebooks"


def main() -> int:
    for name in ("unit_report.ipynb", "overview.ipynb"):
        path = HERE / name
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(HERE)}}).execute()
        for cell in nb.cells:  # no timings stored: the committed file changes only when outputs do
            cell.metadata.pop("execution", None)
        nbformat.write(nb, path)
        print(f"refreshed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
