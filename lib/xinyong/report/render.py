"""Run a report notebook with papermill and convert it to one self-contained HTML file, in-process.

``render_unit_report`` / ``render_overview`` are pure functions of their arguments: each executes its
notebook, writes ``<name>.ipynb`` (the executed notebook, kept for audit) and ``<name>.html``
atomically into ``output_dir``, and returns the HTML path. If a cell fails, the failed notebook is kept
as ``<name>.failed.ipynb`` before the error is raised, so nothing is lost.

:func:`render` is the core they share and what a batch worker calls: it returns the HTML and the
executed notebook as text and writes no file (a worker on another machine sends both back); a
failure raises :class:`ReportError` carrying the failed notebook's text.

Engines (``engine=``): ``"kernel"`` starts a fresh Jupyter kernel per notebook (papermill's own
engine; what single reports and JupyterLab use); ``"warm"`` runs it in this process with a fresh
namespace (``report/engine.py``), for batch workers that keep their imports between reports.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PureWindowsPath
from typing import Any, Mapping, Sequence

from ..errors import XinyongError
from ..safe import safe_file_name, temp_prefix
from ..util import atomic_write_bytes
from .narrative import scheme_label

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"  # package data; the repository's notebooks/ links here
UNIT_NOTEBOOK = "unit_report.ipynb"
OVERVIEW_NOTEBOOK = "overview.ipynb"
KERNEL = "python3"


ENGINES = {"warm": "xinyong-warm", "kernel": "nbclient"}  # our names -> papermill engine names


def check_engine(engine: str) -> str:
    """``engine`` when it is one of :data:`ENGINES`, else an error that lists them (the batch checks
    before any work, a report when it renders)."""
    if engine not in ENGINES:
        raise XinyongError(f"未知的执行引擎“{engine}”，可用：{'、'.join(ENGINES)}",
                           f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    return engine


class ReportError(XinyongError):
    """A report notebook failed (modelled on papermill's ``PapermillExecutionError``).

    Fields: ``template`` (the notebook's file name in the notebooks folder), ``cell_index`` (0-based, in
    the executed notebook, papermill's injected-parameters cell included), ``exec_count``, ``ename``,
    ``evalue``, ``traceback`` (text, ANSI colours removed), ``notebook`` (path of the kept failed
    .ipynb, once written) and ``notebook_text`` (the failed executed notebook as JSON, so a worker
    without a shared file system can send it back; dropped once the file is written).
    """

    @property
    def cell_index(self) -> int | None:
        return self.fields.get("cell_index")

    @property
    def ename(self) -> str | None:
        return self.fields.get("ename")

    @property
    def evalue(self) -> str | None:
        return self.fields.get("evalue")

    @property
    def notebook_text(self) -> str | None:
        return self.fields.get("notebook_text")

    def __str__(self) -> str:
        where = ", ".join(f"{k}={self.fields[k]}" for k in ("template", "cell_index", "ename") if k in self.fields)
        return " ".join(x for x in (self.message, f"[{where}]" if where else "", f"({self.detail})" if self.detail else "") if x)


@dataclass(frozen=True)
class Rendered:
    """One executed report: its HTML and its executed notebook (nbformat JSON), both as text."""

    html: str
    notebook: str
    timings: dict = field(default_factory=dict, compare=False)


# The kernel's own start-up chatter (e.g. "running over TCP without encryption", about a kernel that only
# listens on 127.0.0.1 for its parent) would reach the analyst's terminal once per report.
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]


def notebook_path(name: str, folder: str | os.PathLike | None = None) -> Path:
    """The report notebook ``name``: in ``folder`` when given (``Settings.notebooks``, a changed copy of
    the notebooks), else the packaged one."""
    path = (Path(folder) if folder else NOTEBOOKS) / name
    if not path.is_file():
        raise XinyongError(f"找不到报告模板笔记本：{path}", f"report notebook not found: {path}")
    return path


def safe_name(*parts: Any) -> str:
    """A file stem from ids and periods joined with '_' (:func:`xinyong.safe.safe_file_name`, plain form):
    at most 150 UTF-8 bytes, so ".failed.ipynb" and a temporary file's affixes still fit in 255."""
    return safe_file_name("_".join(str(p) for p in parts if p not in (None, "")), 150, plain=True,
                          fallback="report")


def _abs(p: Any) -> Any:
    return str(Path(p).resolve()) if isinstance(p, (str, os.PathLike)) else p


def _history(history: Sequence[Mapping[str, Any]] | None) -> list[dict]:
    return [{"period": str(h["period"]), "data": _abs(h["data"])} for h in (history or [])]


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _execute(notebook: str, params: dict, work: Path, name: str, timings: dict, engine: str,
             source: str | None = None, notebooks: str | os.PathLike | None = None) -> tuple[Any, str]:
    """Execute ``notebook`` (or its text ``source``) with ``params`` into ``work``: (the executed notebook,
    its text as papermill wrote it). A failed cell raises :class:`ReportError` with the failed notebook's
    text (papermill wrote it before raising).

    The warm engine asks papermill not to save the notebook as cells run (``request_save_on_cell_execute``):
    in-process, a crash takes the caller down too, so papermill's one write at the end (or on error)
    is enough — each save is a schema check and a JSON dump of the whole notebook. A fresh kernel
    keeps papermill's saves: a kernel that dies mid-run leaves the notebook as far as it got."""
    import nbformat
    import papermill as pm

    check_engine(engine)
    if source is None:
        src = notebook_path(notebook, notebooks)
    else:  # the text a batch client sent: executed from the work folder (parameters carry absolute paths)
        src = work / Path(notebook).name
        src.write_text(source, encoding="utf-8")
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(name), suffix=".ipynb", dir=work)
    os.close(fd)
    t0 = time.perf_counter()
    try:
        nb = pm.execute_notebook(str(src), tmp, parameters=params, kernel_name=KERNEL, progress_bar=False,
                                 log_output=False, cwd=str(src.parent), report_mode=False,
                                 engine_name=ENGINES[engine], extra_arguments=KERNEL_ARGS,
                                 request_save_on_cell_execute=engine != "warm", **_kernel_manager(engine))
        text = Path(tmp).read_text(encoding="utf-8")
    except pm.PapermillExecutionError as exc:
        text = Path(tmp).read_text(encoding="utf-8") if Path(tmp).exists() else nbformat.writes(nbformat.v4.new_notebook())
        raise ReportError(f"报告生成失败：第 {exc.exec_count} 个单元出错（{exc.ename}: {exc.evalue}）",
                          f"{notebook} failed at cell {exc.cell_index}: {exc.ename}: {exc.evalue}",
                          template=notebook, cell_index=exc.cell_index, exec_count=exc.exec_count,
                          ename=exc.ename, evalue=exc.evalue,
                          traceback=_ANSI.sub("", "\n".join(exc.traceback or []))[-4000:],
                          notebook_text=text) from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    timings["execute"] = time.perf_counter() - t0
    return nb, text


def _kernel_manager(engine: str) -> dict:
    """A fresh kernel runs under :class:`.kernel.QuietShutdownKernelManager` (its stderr kept, the
    shutdown's “KeyboardInterrupt caught in kernel.” dropped); the warm engine starts no kernel."""
    if engine != "kernel":
        return {}
    from .kernel import QuietShutdownKernelManager

    return {"kernel_manager_class": QuietShutdownKernelManager}


def _named(value: Any) -> Any:
    """``value`` with every absolute path in it (a string, or inside a list or dict) cut to its name."""
    if isinstance(value, str):
        if os.path.isabs(value) or PureWindowsPath(value).is_absolute() or PureWindowsPath(value).drive:
            return PureWindowsPath(value).name if "\\" in value else Path(value).name
        return value
    if isinstance(value, list):
        return [_named(v) for v in value]
    if isinstance(value, dict):
        return {k: _named(v) for k, v in value.items()}
    return value


def published_notebook(text: str) -> str:
    """The executed notebook as it is written beside its report, which is published with it: the
    parameters papermill injected (and recorded in the notebook's metadata, with its input and output
    paths) name files instead of locating them — an absolute path tells every reader the office's
    folders (``C:\\Users\\<name>\\…``). The data file is identified by the SHA-256 in 复现信息; to
    re-run the notebook, give it the files again. Text that is not a notebook is returned as it is."""
    try:  # plain JSON: nbformat's reader validates the whole notebook, a second per report
        nb = json.loads(text)
    except ValueError:  # not a notebook (a worker's placeholder): nothing to mask
        return text
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    pm = meta.get("papermill") if isinstance(meta, dict) else None
    if not isinstance(pm, dict) or not isinstance(pm.get("parameters"), dict):
        return text
    params = _named(dict(pm["parameters"]))
    pm["parameters"] = params
    for key in ("input_path", "output_path"):
        if isinstance(pm.get(key), str):
            pm[key] = _named(pm[key])
    from papermill.translators import translate_parameters

    spec = meta.get("kernelspec") or {}
    language = spec.get("language") or (meta.get("language_info") or {}).get("name", "python")
    for cell in nb.get("cells", []):
        if "injected-parameters" in (cell.get("metadata") or {}).get("tags", []):
            source = translate_parameters(spec.get("name", KERNEL), language, params, "Parameters").rstrip("\n")
            cell["source"] = source.splitlines(keepends=True)
    return json.dumps(nb, ensure_ascii=False, indent=1, sort_keys=True) + "\n"  # as nbformat writes


@lru_cache(maxsize=1)
def _exporter() -> Any:
    """One exporter per process: building it loads and compiles the templates (≈ 0.25 s); converting
    with it keeps no state between notebooks (checked by tests/test_engine_warm.py)."""
    from .exporter import XinyongExporter

    return XinyongExporter()


def to_html(nb: Any, title: str | None = None) -> str:
    """nbconvert with our exporter (``jupyter nbconvert --to xinyong`` gives the same page): inputs and
    prompts hidden, stderr dropped, CSS inline, no network. Without ``title`` the page takes the one the
    report's header carries (the unit's name, the period in words — what a reader can read)."""
    body, _ = _exporter().from_notebook_node(nb, resources={"xinyong": {"title": title} if title else {}})
    return body


def _params(scheme: Any, period: str, data: Any, history: Any, readings: Any, run_file: Any) -> dict:
    return {"scheme": _abs(scheme) if str(scheme).endswith((".yaml", ".yml")) else str(scheme),
            "period": str(period), "data": _abs(data), "history": _history(history),
            "readings": dict(readings or {}), "run_file": None if run_file is None else _abs(run_file)}


def unit_params(scheme: Any, period: str, unit: str, data: Any, history: Any = None, readings: Any = None,
                run_file: Any = None) -> dict:
    """The unit notebook's parameters."""
    p = _params(scheme, period, data, history, readings, run_file)
    return {"scheme": p["scheme"], "period": p["period"], "unit": str(unit), "data": p["data"],
            "history": p["history"], "readings": p["readings"], "lang": "zh",
            "run_file": p["run_file"]}


def overview_params(scheme: Any, period: str, data: Any, unit_links: Mapping[str, str] | None = None,
                    history: Any = None, readings: Any = None, run_file: Any = None) -> dict:
    p = _params(scheme, period, data, history, readings, run_file)
    return {"scheme": p["scheme"], "period": p["period"], "data": p["data"], "history": p["history"],
            "unit_links": {str(k): str(v) for k, v in (unit_links or {}).items()},
            "readings": p["readings"], "lang": "zh", "run_file": p["run_file"]}


def render(notebook: str, params: dict, title: str | None, name: str = "report", engine: str = "kernel",
           work_dir: str | os.PathLike | None = None, source: str | None = None,
           notebooks: str | os.PathLike | None = None) -> Rendered:
    """Execute ``notebook`` with ``params`` and convert it; nothing is left on disk.

    ``notebook``: a file name in the notebooks folder; ``source``: its text, when the caller read it
    (a batch worker executes exactly the notebook its client hashed); ``notebooks``: the folder to take
    it from instead of the packaged notebooks (:func:`notebook_path`). ``work_dir`` holds papermill's
    temporary output (default: the system's temp folder). A failed cell raises :class:`ReportError`
    (with ``notebook_text``); other errors propagate.
    """

    timings: dict = {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="xinyong-", dir=work_dir) as work:
        params = dict(params)
        nb, text = _execute(notebook, params, Path(work), name, timings, engine, source, notebooks)
    t1 = time.perf_counter()
    html = to_html(nb, title)
    timings["convert"] = time.perf_counter() - t1
    timings["total"] = time.perf_counter() - t0
    return Rendered(html, text, timings)


def _write(out_dir: Path, name: str, notebook: str, params: dict, title: str | None, engine: str, timings: dict,
           notebooks: str | os.PathLike | None) -> Path:
    try:
        r = render(notebook, params, title, name, engine, work_dir=out_dir, notebooks=notebooks)
    except ReportError as exc:
        failed = atomic_write_bytes(out_dir / f"{name}.failed.ipynb",
                                    published_notebook(exc.fields.pop("notebook_text")).encode("utf-8"))
        exc.fields["notebook"] = str(failed)
        exc.message += f"，已保留出错的笔记本 {failed.name}"
        raise
    timings.update(r.timings)
    atomic_write_bytes(out_dir / f"{name}.ipynb", published_notebook(r.notebook).encode("utf-8"))
    return atomic_write_bytes(out_dir / f"{name}.html", r.html.encode("utf-8"))


def render_unit_report(scheme: str | os.PathLike, period: str, unit: str, data: str | os.PathLike,
                       output_dir: str | os.PathLike, history: Sequence[Mapping[str, Any]] | None = None,
                       readings: Mapping[str, str] | None = None, timings: dict | None = None,
                       run_file: str | os.PathLike | None = None, engine: str = "kernel",
                       notebooks: str | os.PathLike | None = None) -> Path:
    """Render one unit's report; returns the HTML path (the executed .ipynb sits beside it)."""
    out_dir = Path(output_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    params = unit_params(scheme, period, unit, data, history, readings, run_file)
    return _write(out_dir, safe_name(scheme_label(scheme), period, unit), UNIT_NOTEBOOK, params,
                  None, engine, {} if timings is None else timings, notebooks)


def render_overview(scheme: str | os.PathLike, period: str, data: str | os.PathLike, output_dir: str | os.PathLike,
                    unit_links: Mapping[str, str] | None = None, history: Sequence[Mapping[str, Any]] | None = None,
                    readings: Mapping[str, str] | None = None, timings: dict | None = None,
                    run_file: str | os.PathLike | None = None, engine: str = "kernel",
                    notebooks: str | os.PathLike | None = None) -> Path:
    """Render the overview of one scheme × period; ``unit_links`` maps unit id -> relative href."""
    out_dir = Path(output_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    params = overview_params(scheme, period, data, unit_links, history, readings, run_file)
    return _write(out_dir, safe_name(scheme_label(scheme), period, "overview"), OVERVIEW_NOTEBOOK, params,
                  None, engine, {} if timings is None else timings, notebooks)


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
