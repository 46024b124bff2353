"""Reports: parameterized notebooks executed by papermill, converted to self-contained Chinese HTML.

The notebooks in ``notebooks/`` only call this package: :func:`load_run` scores a period,
:class:`UnitReport` / :class:`Overview` build the blocks, :func:`render_unit_report` /
:func:`render_overview` run the notebook and write ``.ipynb`` + ``.html`` side by side. What the
blocks say is computed by :class:`UnitAnalysis` / :class:`OverviewAnalysis` as data frames, which any
other writer (Word, PDF) can take as they are.
"""
from .analysis import OverviewAnalysis, UnitAnalysis
from .fonts import setup_fonts
from .load import Run, load_run, read_run_file, save_run, sha256_of
from .overview import Overview
from .sections import Block, UnitReport

__all__ = ["check_lang", "Block", "Overview", "OverviewAnalysis", "Run", "UnitAnalysis", "UnitReport", "load_run",
           "read_run_file", "render_overview", "render_unit_report", "save_run", "setup_fonts", "sha256_of"]


# papermill and nbconvert load lazily: the notebook kernel imports this package and needs neither.
def render_unit_report(*args, **kwargs):
    from .render import render_unit_report as f

    return f(*args, **kwargs)


def render_overview(*args, **kwargs):
    from .render import render_overview as f

    return f(*args, **kwargs)


LANGS = ("zh",)


def check_lang(lang: str) -> None:
    """Reports are Chinese; the parameter exists so a second language can be added without new notebooks."""
    if lang not in LANGS:
        from ..errors import XinyongError

        raise XinyongError(f"不支持的报告语言：{lang}（目前只有 zh）", f"unsupported report language {lang!r}; have {LANGS}")
