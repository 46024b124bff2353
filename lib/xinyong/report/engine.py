"""A papermill engine that runs a notebook in this process, in a fresh namespace: ``xinyong-warm``.

Why: a fresh kernel per report costs ≈ 0.5 s to start and ≈ 0.4 s to import pandas, matplotlib and
xinyong again, for ≈ 0.3 s of report blocks. A batch worker that keeps its imports and runs every
notebook in-process pays those once per worker, not once per report.

How (the ploomber-engine design, ``ploomber_engine/ipython.py``): one IPython ``InteractiveShell``
per process, whose display hook and display publisher append nbformat outputs to the cell being run
instead of printing; ``sys.stdout``/``sys.stderr`` become stream outputs; a failing cell gets the
same ``error`` output a kernel sends (``ename``, ``evalue``, the structured traceback) and stops the
notebook, so papermill raises its ``PapermillExecutionError`` exactly as with a kernel.

Isolation, per notebook (what a fresh kernel would give and a warm process must restore):

* the user namespace is reset (``InteractiveShell.reset``) and the execution count starts at 1;
* the working directory is papermill's ``cwd`` for the notebook, and restored afterwards;
* matplotlib's rcParams are put back to the state recorded after warm-up (``report.fonts`` sets
  them once per process, the state every report then sees);
* warnings are shown again in every notebook (``warnings.catch_warnings`` resets the "once" registry).

The alternative considered — forking a warm parent into a real kernel per notebook — gives OS-level
isolation, but a forked ipykernel must rebuild its ZMQ sockets, heartbeat and event loop after the
fork (nothing in ipykernel supports that), and fork is unsafe in a process that holds threads (a
dask worker does). The in-process shell needs none of that; what it gives up (a notebook that
changes process-global state beyond the four points above would leak into the next one) is checked,
not assumed, by ``tests/test_engine_warm.py``: for every scheme, A after B is byte-identical to A
alone, and equal to the kernel engine's HTML.

Registered through the ``papermill.engine`` entry point in ``pyproject.toml``; papermill loads it
when it is imported, so nothing here registers itself as a side effect of import.
"""
from __future__ import annotations

import contextlib
import gc
import os
import sys
import warnings
from typing import Any

ENGINE_NAME = "xinyong-warm"


# nbformat.v4.new_output's defaults, field for field (its error output starts as a NotImplementedError
# placeholder; the shell below always passes the real ename, evalue and traceback)
_DEFAULTS = {
    "stream": {"name": "stdout", "text": ""},
    "display_data": {"metadata": {}, "data": {}},
    "execute_result": {"metadata": {}, "data": {}, "execution_count": None},
    "error": {"ename": "NotImplementedError", "evalue": "", "traceback": []},
}


def _output(output_type: str, **fields):
    """An output as ``nbformat.v4.new_output`` builds it (same defaults, same ``NotebookNode``s), without
    its schema check of each output (≈ 1.5 ms each, ≈ 12 outputs a report): the whole executed notebook
    is checked once when papermill writes it (``nbformat.writes`` validates)."""
    from nbformat import NotebookNode, from_dict

    out = NotebookNode(output_type=output_type)
    out.update(from_dict({**_DEFAULTS[output_type], **fields}))
    return out


def _shell_classes():
    """The shell and its hooks, built on first use (IPython is imported only when a notebook runs)."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class Hook(DisplayHook):
        """The value of a cell's last expression → an ``execute_result`` output (as a kernel sends it)."""

        def start_displayhook(self) -> None: ...

        def write_output_prompt(self) -> None: ...

        def write_format_data(self, format_dict, md_dict=None) -> None:
            self.shell.outputs.append(_output(
                "execute_result", data=format_dict, metadata=md_dict or {},
                execution_count=self.shell.execution_count))

        def finish_displayhook(self) -> None: ...

    class Publisher(DisplayPublisher):
        """``display(...)`` → a ``display_data`` output."""

        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
            self.shell.outputs.append(_output("display_data", data=data, metadata=metadata or {}))

        def clear_output(self, wait=False) -> None:
            self.shell.outputs.clear()

    class WarmShell(InteractiveShell):
        outputs: list = []

        def init_history(self) -> None:  # no SQLite history file (and no thread writing it)
            from IPython.core.history import HistoryManager

            self.history_manager = HistoryManager(shell=self, parent=self, enabled=False)
            self.configurables.append(self.history_manager)

        def _showtraceback(self, etype, evalue, stb) -> None:
            # what ipykernel's shell publishes for an error: ename, evalue and the structured traceback
            self.outputs.append(_output("error", ename=etype.__name__ if etype else "Error",
                                                       evalue=str(evalue), traceback=list(stb)))

        def enable_gui(self, gui=None) -> None: ...

    return WarmShell, Hook, Publisher


class _Stream:
    """``sys.stdout``/``sys.stderr`` during a cell: consecutive writes join one stream output."""

    def __init__(self, shell: Any, name: str):
        self.shell, self.name = shell, name
        self.encoding = "utf-8"

    def write(self, text: str) -> int:
        if text:
            outs = self.shell.outputs
            if outs and outs[-1].get("output_type") == "stream" and outs[-1].get("name") == self.name:
                outs[-1]["text"] += text
            else:
                outs.append(_output("stream", name=self.name, text=text))
        return len(text)

    def flush(self) -> None: ...

    def isatty(self) -> bool:
        return False


class _State:
    settled = False  # the first notebook's leftovers frozen (_settle)
    shell: Any = None
    rc: dict | None = None
    main: Any = None  # the process's own ``__main__`` module (the shell's user module replaces it)


def warm_up() -> None:
    """Create the shell and import what every report imports, once per process (a batch worker calls
    this when it starts; otherwise the first notebook does)."""
    if _State.shell is not None:
        return
    WarmShell, Hook, Publisher = _shell_classes()
    # cache_size=0: no Out/_ history of results, so a reset needs no gc.collect() (IPython runs a full
    # collection when it flushes that cache: ≈ 0.3 s per notebook with pandas and matplotlib loaded);
    # the notebooks never read ``_`` or ``Out``
    main = sys.modules.get("__main__")
    shell = WarmShell.instance(display_pub_class=Publisher, displayhook_class=Hook, cache_size=0)
    # IPython puts its user module in sys.modules["__main__"] (so pickle finds classes a notebook
    # defines). Left there, it breaks what the process does outside notebooks: multiprocessing's spawn
    # (a dask nanny starting a worker) re-imports the parent's __main__ from it. It is the user module
    # only while a notebook runs (_notebook_scope), as in a kernel.
    _State.main = main
    _restore_main()
    shell.outputs = []
    import matplotlib

    from . import overview, sections  # noqa: F401 — the imports every report notebook makes
    from .fonts import setup_fonts

    setup_fonts()
    _State.rc = dict(matplotlib.rcParams)
    _State.shell = shell
    # what the imports built lives as long as the process: moved out of the collector's sight, so a
    # full collection (which Python starts on its own every so many allocations) walks only what the
    # notebooks allocate — 0.05 s instead of ≈ 0.4 s with pandas, matplotlib and IPython loaded
    gc.collect()
    gc.freeze()
    # a report allocates and drops a few hundred thousand objects (artists, frames, notebook nodes);
    # at Python's default (a young-generation pass every 700 net allocations, an older one every ten of
    # those) the collector took ≈ 13 % of a warm report's CPU (timed with gc.callbacks). Young passes
    # every 10,000: garbage cycles wait a little longer (peak memory: bench/README.md, "Report CPU")
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], YOUNG_GC), *thresholds[1:])


YOUNG_GC = 10_000


def _settle() -> None:
    """After the process's first notebook: what it left alive (the modules a notebook run imports —
    papermill's and nbconvert's, jinja's templates —, the charts' kept figures and text caches) is the
    warm state every later report runs in, ≈ 190,000 objects. Moved out of the collector's sight like
    the warm-up's, so an occasional full collection walks only what later notebooks allocate (≈ 0.3 s
    per full pass before). Once per process; the notebook's own garbage is collected first."""
    if not _State.settled:
        _State.settled = True
        gc.collect()
        gc.freeze()


def _restore_main() -> None:
    if _State.main is not None:
        sys.modules["__main__"] = _State.main
    else:
        sys.modules.pop("__main__", None)


def _language_info() -> dict:
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


@contextlib.contextmanager
def _notebook_scope(cwd: str | None):
    """What one notebook may change in this process, put back to the warm state before and after."""
    import matplotlib

    shell = _State.shell
    shell.reset(new_session=False)
    shell.execution_count = 1
    dict.update(matplotlib.rcParams, _State.rc)
    old_cwd = os.getcwd()
    old_out, old_err = sys.stdout, sys.stderr
    sys.modules["__main__"] = shell.user_module
    try:
        with warnings.catch_warnings():
            warnings.resetwarnings()
            if cwd:
                os.chdir(cwd)
            yield shell
    finally:
        sys.stdout, sys.stderr = old_out, old_err
        _restore_main()
        os.chdir(old_cwd)
        shell.reset(new_session=False)  # drop the notebook's objects now, not at the next notebook
        shell.outputs = []


class WarmEngine:
    """papermill engine ``xinyong-warm``: cells run in this process's warm IPython shell.

    papermill's ``Engine`` interface without subclassing it, so that importing this module never
    imports papermill: papermill loads its entry points while it is itself being imported, and a
    module that imported papermill at its top would be found half-initialised at that moment (when
    it was imported first). papermill's own ``Engine.execute_notebook`` does the bookkeeping.
    """

    @classmethod
    def execute_notebook(cls, nb, kernel_name, **kwargs):
        from papermill.engines import Engine

        return Engine.execute_notebook.__func__(cls, nb, kernel_name, **kwargs)

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        from papermill.utils import nb_kernel_name

        return nb_kernel_name(nb, name)

    @classmethod
    def nb_language(cls, nb, language=None):
        from papermill.utils import nb_language

        return nb_language(nb, language)

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, cwd=None, **kwargs):
        warm_up()
        nb = nb_man.nb
        # papermill saves the whole notebook at every cell's start and end (for a kernel that may die
        # mid-run); in-process, a crash takes the caller down too, so one save at the end is enough
        # (papermill's notebook_complete; on error its raise_for_execution_errors saves again)
        output_path, nb_man.output_path = nb_man.output_path, None
        try:
            cls._cells(nb_man, nb, cwd)
        finally:
            nb_man.output_path = output_path
            _settle()
        nb.metadata["language_info"] = _language_info()
        return nb

    @staticmethod
    def _cells(nb_man, nb, cwd) -> None:
        with _notebook_scope(cwd) as shell:
            for index, cell in enumerate(nb.cells):
                nb_man.cell_start(cell, index)  # markdown cells too, as papermill's nbclient engine does
                if cell.get("cell_type") != "code":
                    nb_man.cell_complete(cell, cell_index=index)
                    continue
                shell.outputs = []
                count = shell.execution_count
                saved = sys.stdout, sys.stderr
                sys.stdout, sys.stderr = _Stream(shell, "stdout"), _Stream(shell, "stderr")
                try:
                    result = shell.run_cell(cell.source, store_history=True, silent=False)
                finally:
                    sys.stdout, sys.stderr = saved
                cell.execution_count = count
                cell.outputs = shell.outputs
                shell.outputs = []
                failed = not result.success
                if failed:
                    nb_man.cell_exception(cell, cell_index=index)
                nb_man.cell_complete(cell, cell_index=index)
                if failed:
                    break
