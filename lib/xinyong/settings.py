"""The process's settings: built once, at the top (the command line, from its options and the
environment), frozen, and passed down as an argument. Code below the command line reads no environment
variable; a library caller builds its own :class:`Settings` (or takes the defaults).

=========================  ==============================================================================
variable                   setting
=========================  ==============================================================================
``XINYONG_NOTEBOOKS``      ``notebooks``: a folder of report notebooks used instead of the packaged ones
``XINYONG_CHROMIUM``       ``chromium``: the browser that prints PDFs (a name on ``PATH`` or a path)
``XINYONG_SCHEDULER``      ``scheduler``: an existing dask cluster for the batch (``tcp://host:8786``)
``XINYONG_BATCH_VERBOSE``  ``batch_verbose``: local batch workers keep their terminal output (any
                           non-empty value)
``XINYONG_CHARTS``         ``fast_charts``: ``public`` draws charts with matplotlib's own code only;
                           ``fast`` (the default) with the fast path (report/_mpl_fast.py)
=========================  ==============================================================================
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from .errors import XinyongError

CHARTS = ("fast", "public")


@dataclass(frozen=True)
class Settings:
    debug: bool = False  # tracebacks instead of the short Chinese message (``--debug``)
    notebooks: Path | None = None
    chromium: str | None = None
    scheduler: str | None = None
    batch_verbose: bool = False
    fast_charts: bool = True  # bench/README.md, "Charts: the fast path or matplotlib's own"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], **given: Any) -> "Settings":
        """Settings from ``environ`` (the command line passes ``os.environ``), then ``given`` (its options,
        which win). An unknown ``XINYONG_CHARTS`` is a Chinese error naming the known values."""
        charts = (environ.get("XINYONG_CHARTS") or "fast").strip().lower()
        if charts not in CHARTS:
            raise XinyongError(f"环境变量 XINYONG_CHARTS 的值“{charts}”无效，可用：{'、'.join(CHARTS)}",
                               f"XINYONG_CHARTS={charts!r}; known: {', '.join(CHARTS)}")
        found = cls(
            notebooks=Path(environ["XINYONG_NOTEBOOKS"]) if environ.get("XINYONG_NOTEBOOKS") else None,
            chromium=environ.get("XINYONG_CHROMIUM") or None,
            scheduler=environ.get("XINYONG_SCHEDULER") or None,
            batch_verbose=bool(environ.get("XINYONG_BATCH_VERBOSE")),
            fast_charts=charts == "fast",
        )
        return replace(found, **{k: v for k, v in given.items() if v is not None})


DEFAULT = Settings()
