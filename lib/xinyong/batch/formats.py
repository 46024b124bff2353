"""Word and PDF beside a run's HTML pages (``xinyong batch --format html,docx,pdf``).

Made here on the client once the HTML is written: the .docx from the scored run's analysis frames (the
numbers the HTML shows), the PDF printed by headless Chromium from the written HTML (what a reader sees
on screen, A4, fonts embedded). Like the HTML, a file is made again only when its page was rendered in
this invocation or it is missing, so an unchanged re-run touches nothing; a format no longer asked for
is removed (it could go stale).
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..report.formats import output_formats
from ..util import atomic_write_bytes
from . import outputs
from .model import UnitOutcome

BRIEF = "brief.html"  # the 通报 (notice of results), beside overview.html
OTHER = ("docx", "pdf")


def batch_formats(formats: Iterable[str], chromium: str | None = None) -> tuple[str, ...]:
    """The formats a batch was asked for, checked before any work: a batch that cannot print (with
    ``chromium``, ``Settings.chromium``, or a browser on ``PATH``) says so at once."""
    out = tuple(output_formats(formats))
    if "pdf" in out:
        from ..report.pdf import find_browser

        find_browser(chromium)
    return out


# (HTML page, rendered in this invocation, Word maker or None: a page with no Word version)
Page = tuple[Path, bool, "Callable[[], bytes] | None"]


def write_other_formats(pages: list[Page], gone: list[Path], formats: Sequence[str], jobs: int,
                        chromium: str | None = None) -> bool:
    """Word and PDF of ``pages`` as asked (PDFs printed by ``chromium`` or the first browser on ``PATH``),
    ``gone`` removed; returns whether anything was written or removed."""
    from ..report.pdf import html_to_pdf

    prints: list[tuple[Path, Path]] = []
    changed = False
    for html, fresh, make in pages:
        for fmt in OTHER:
            target = html.with_suffix("." + fmt)
            if fmt not in formats or not html.exists() or (fmt == "docx" and make is None):
                gone.append(target)
            elif fresh or not target.exists():
                if fmt == "docx":
                    atomic_write_bytes(target, make())
                    changed = True
                else:
                    prints.append((html, target))
    for p in gone:
        if p.exists():
            p.unlink()
            changed = True
    if prints:  # Chromium is a process per page: as many at once as the batch has workers
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max(1, min(jobs, len(prints)))) as pool:
            list(pool.map(partial(html_to_pdf, chromium=chromium), [h for h, _ in prints], [t for _, t in prints]))
    return changed or bool(prints)


def run_pages(run: Any, outcomes: Iterable[UnitOutcome], run_dir: Path, overview_new: bool,
              empty: tuple[bool, Callable[[], bytes]] | None = None) -> tuple[list[Page], list[Path]]:
    """A run's pages that have Word and PDF versions, and the versions of pages that have none any more.
    ``empty``: (page rendered now, Word maker) of the overview of a run with no scoreable unit (``run`` is
    None): it is printed and written as Word like any overview; the 通报 has nothing to say then.
    The 通报 is apart (:func:`notice_pages`): it has formats of its own (:func:`notice_formats`)."""
    from functools import partial

    from ..report.docx import overview_docx
    from ..report.unit_docx import unit_docx

    pages: list[Page] = []
    gone: list[Path] = []
    for u in outcomes:
        base = run_dir / outputs.UNITS_DIR / u.stem
        if u.status == "failed" or not u.html:
            gone += [base.with_name(f"{u.stem}.docx"), base.with_name(f"{u.stem}.pdf")]
            continue
        pages.append((run_dir / u.html, u.status == "ok", partial(unit_docx, run, u.id)))
    if run is not None:
        pages.append((run_dir / "overview.html", overview_new, partial(overview_docx, run)))
    else:
        if empty is not None:
            pages.append((run_dir / "overview.html", empty[0], empty[1]))
        else:
            gone += [run_dir / f"overview.{x}" for x in OTHER]
    return pages, gone


def notice_formats(formats: Sequence[str], chromium: str | None = None) -> tuple[str, ...]:
    """The files of a run's 通报: HTML and Word always (it is the document an office edits and sends), and
    the PDF when the batch prints PDFs or a browser to print it is there (``chromium`` or one on ``PATH``)."""
    from ..errors import XinyongError
    from ..report.pdf import find_browser

    if "pdf" in formats:
        return ("html", "docx", "pdf")
    try:
        find_browser(chromium)
    except XinyongError:
        return ("html", "docx")
    return ("html", "docx", "pdf")


def notice_pages(run: Any, run_dir: Path, fresh: bool, notice: Any = None) -> tuple[list[Page], list[Path]]:
    """The 通报's page with its Word maker (``notice``: its options), or its Word and PDF to remove when the
    run has nothing to say (``run`` is None)."""
    from ..report.notice_docx import notice_docx

    page = run_dir / BRIEF
    if run is None:
        return [], [page.with_suffix("." + x) for x in OTHER]
    return [(page, fresh, partial(notice_docx, run, notice))], []


def record_other_formats(outcomes: Iterable[UnitOutcome], overview: dict, run_dir: Path) -> None:
    """Each report's Word and PDF files, as they now are, in the run's record."""
    for u in outcomes:
        for fmt in OTHER:
            f = (run_dir / u.html).with_suffix("." + fmt) if u.status != "failed" and u.html else None
            setattr(u, fmt, f.relative_to(run_dir).as_posix() if f is not None and f.exists() else None)
    if overview.get("status") in ("ok", "skipped", "empty"):
        overview.update({f"{stem}_{fmt}": f"{stem}.{fmt}" for stem in ("overview", "brief")
                         for fmt in OTHER if (run_dir / f"{stem}.{fmt}").exists()})

