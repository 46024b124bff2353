"""Run a report notebook with papermill and convert it to one self-contained HTML file, in-process.

``render_unit_report`` / ``render_overview`` depend on their arguments and on two environment
variables, nothing else held in the process (so a batch worker calls them from any process):
``$XINYONG_NOTEBOOKS`` (another folder of report notebooks, see :func:`notebook_path`) and
``$XINYONG_MEMO_DIR``, which the kernel inherits (:mod:`.load`'s scoring memo: same results, computed
once per batch). Each starts its own kernel, writes ``<name>.ipynb`` (the executed notebook, kept for
audit) and ``<name>.html`` atomically into ``output_dir``, and returns the HTML path. If a cell fails, the failed notebook is kept as ``<name>.failed.ipynb`` before the error is
raised, so nothing is lost.
"""
from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import XinyongError
from ..util import atomic_write_bytes, cut_utf8

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"  # package data; the repository's notebooks/ links here
UNIT_NOTEBOOK = "unit_report.ipynb"
OVERVIEW_NOTEBOOK = "overview.ipynb"
KERNEL = "python3"


class ReportError(XinyongError):
    """A report notebook failed; ``notebook`` is the kept failed .ipynb."""


# The kernel's own start-up chatter (e.g. "running over TCP without encryption", about a kernel that only
# listens on 127.0.0.1 for its parent) would reach the analyst's terminal once per report.
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]


def notebook_path(name: str) -> Path:
    env = os.environ.get("XINYONG_NOTEBOOKS")
    base = Path(env) if env else NOTEBOOKS
    path = base / name
    if not path.is_file():
        raise XinyongError(f"找不到报告模板笔记本：{path}", f"report notebook not found: {path}")
    return path


def safe_name(*parts: Any) -> str:
    """A file name from ids and periods: keeps letters (CJK too), digits, '-', '.', joins with '_'."""
    text = "_".join(str(p) for p in parts if p not in (None, ""))
    text = re.sub(r"[^\w.\-]+", "_", text, flags=re.UNICODE).strip("._")
    # at most 150 UTF-8 bytes (not characters: 150 CJK characters would be 450 bytes, over the
    # 255-byte name limit of Linux file systems once ".failed.ipynb" is added)
    text = cut_utf8(text, 150).rstrip("._")
    return text or "report"


def _scheme_label(scheme: Any) -> str:
    s = str(scheme)
    return Path(s).stem if s.endswith((".yaml", ".yml")) else s


def _abs(p: Any) -> Any:
    return str(Path(p).resolve()) if isinstance(p, (str, os.PathLike)) else p


def _history(history: Sequence[Mapping[str, Any]] | None) -> list[dict]:
    return [{"period": str(h["period"]), "data": _abs(h["data"])} for h in (history or [])]


def _execute(notebook: str, params: dict, out_dir: Path, name: str, timings: dict) -> Any:
    import papermill as pm

    src = notebook_path(notebook)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".ipynb", dir=out_dir)
    os.close(fd)
    t0 = time.perf_counter()
    try:
        nb = pm.execute_notebook(str(src), tmp, parameters=params, kernel_name=KERNEL, progress_bar=False,
                                 log_output=False, cwd=str(src.parent), report_mode=False,
                                 extra_arguments=KERNEL_ARGS)
    except pm.PapermillExecutionError as exc:
        failed = out_dir / f"{name}.failed.ipynb"
        os.replace(tmp, failed)
        raise ReportError(f"报告生成失败：第 {exc.exec_count} 个单元出错（{exc.ename}: {exc.evalue}），"
                          f"已保留出错的笔记本 {failed.name}",
                          f"{notebook} failed at cell {exc.cell_index}: {exc.ename}: {exc.evalue}",
                          notebook=str(failed)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    Path(tmp).unlink(missing_ok=True)
    timings["execute"] = time.perf_counter() - t0
    return nb


def to_html(nb: Any, title: str | None = None) -> str:
    """nbconvert with our exporter: inputs and prompts hidden, stderr dropped, CSS inline, no network.
    Without ``title`` the page takes the one the report's header carries (what a reader can read)."""
    from .exporter import XinyongExporter

    info = {"title": title} if title else {}
    body, _ = XinyongExporter().from_notebook_node(nb, resources={"xinyong": info})
    return body


def _finish(nb: Any, out_dir: Path, name: str, title: str | None, timings: dict) -> Path:
    import nbformat

    t0 = time.perf_counter()
    html = to_html(nb, title)
    timings["convert"] = time.perf_counter() - t0
    atomic_write_bytes(out_dir / f"{name}.ipynb", nbformat.writes(nb).encode("utf-8"))
    return atomic_write_bytes(out_dir / f"{name}.html", html.encode("utf-8"))


def render_unit_report(scheme: str | os.PathLike, period: str, unit: str, data: str | os.PathLike,
                       output_dir: str | os.PathLike, history: Sequence[Mapping[str, Any]] | None = None,
                       readings: Mapping[str, str] | None = None, timings: dict | None = None) -> Path:
    """Render one unit's report; returns the HTML path (the executed .ipynb sits beside it)."""
    out_dir = Path(output_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    name = safe_name(_scheme_label(scheme), period, unit)
    timings = {} if timings is None else timings
    params = {"scheme": _abs(scheme) if str(scheme).endswith((".yaml", ".yml")) else str(scheme),
              "period": str(period), "unit": str(unit), "data": _abs(data), "history": _history(history),
              "readings": dict(readings or {}), "lang": "zh"}
    t0 = time.perf_counter()
    nb = _execute(UNIT_NOTEBOOK, params, out_dir, name, timings)
    path = _finish(nb, out_dir, name, None, timings)
    timings["total"] = time.perf_counter() - t0
    return path


def render_overview(scheme: str | os.PathLike, period: str, data: str | os.PathLike, output_dir: str | os.PathLike,
                    unit_links: Mapping[str, str] | None = None, history: Sequence[Mapping[str, Any]] | None = None,
                    readings: Mapping[str, str] | None = None, timings: dict | None = None) -> Path:
    """Render the overview of one scheme × period; ``unit_links`` maps unit id -> relative href."""
    out_dir = Path(output_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    name = safe_name(_scheme_label(scheme), period, "overview")
    timings = {} if timings is None else timings
    params = {"scheme": _abs(scheme) if str(scheme).endswith((".yaml", ".yml")) else str(scheme),
              "period": str(period), "data": _abs(data), "history": _history(history),
              "unit_links": {str(k): str(v) for k, v in (unit_links or {}).items()},
              "readings": dict(readings or {}), "lang": "zh"}
    t0 = time.perf_counter()
    nb = _execute(OVERVIEW_NOTEBOOK, params, out_dir, name, timings)
    path = _finish(nb, out_dir, name, None, timings)
    timings["total"] = time.perf_counter() - t0
    return path


def refresh_committed_notebooks(names: Sequence[str] = (UNIT_NOTEBOOK, OVERVIEW_NOTEBOOK)) -> list[Path]:
    """Execute the notebooks in ``notebooks/`` in place with their default parameters (the demo data).

    The committed notebooks carry these outputs; ``pytest --nbval`` re-runs them and compares (the
    pymagicc way). nbclient rather than papermill here, so no run timestamps enter the committed file.
    """
    import nbformat
    from nbclient import NotebookClient

    out = []
    for name in names:
        path = notebook_path(name)
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, kernel_name=KERNEL, resources={"metadata": {"path": str(path.parent)}},
                       timeout=600, extra_arguments=KERNEL_ARGS).execute()
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        atomic_write_bytes(path, (nbformat.writes(nb) + "\n").encode("utf-8"))
        out.append(path)
    return out
