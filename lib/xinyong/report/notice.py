"""The 通报 (notice of results) of one scheme × period: what an office sends to the units it assessed.

A 通报 has a title “关于…考核结果的通报”, a 文号, the units it is sent to (主送), 一、总体情况 (how many,
average and median with the change from the previous period, the grade counts with each grade's threshold,
the grades not yet settled and why), 二、排名, 三、存在问题 (common problems, then each unit below 合格, vetoed
or not reported), 四、下一步工作 (what to do by the deadline) and the issuing office and date (落款).

:func:`notice` computes every figure and every sentence once (:mod:`.notice_builder`), from the analysis layer
(:class:`~.analysis.OverviewAnalysis`, :class:`~.analysis.UnitAnalysis` and their sentence functions);
:func:`notice_html` and :func:`xinyong.report.notice_docx.notice_docx` only print what it returns.
Who issues it, when, to whom and by when units must rectify are the run's options
(:class:`NoticeOptions`: a params-file block, ``--issuer/--date/--to/--rectify-by``); what they leave out
takes a default a reader recognises as one (the scheme's issuing office, today, “各参评单位”, a 文号 with
blanks to fill in).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Mapping

from .load import Run
from .notice_builder import NoticeBuilder
from .notice_model import Notice, NoticeOptions, NoticeRow, date_zh, notice_title

__all__ = ["Notice", "NoticeOptions", "NoticeRow", "date_zh", "notice", "notice_html", "notice_page", "notice_title",
           "options_key", "recorded_key"]


def notice(run: Run, options: NoticeOptions | None = None, today: dt.date | None = None) -> Notice:
    """The 通报 of ``run``: every figure and sentence, computed once, for the HTML and the Word writer."""
    return NoticeBuilder(run, options or NoticeOptions(), today or dt.date.today()).build()


def options_key(options: NoticeOptions | None) -> str:
    """The options as one line (a page records it: a batch writes the 通报 again when they change)."""
    o = options or NoticeOptions()
    return ";".join(f"{k}={getattr(o, k) or ''}" for k in NoticeOptions.KEYS)


def notice_page(n: Notice, links: Mapping[str, str] | None = None, key: str = "") -> str:
    """The HTML page of a built :class:`Notice` (self-contained; A4 when printed, two pages for 30 units).
    ``links``: unit id → its report, for the names in the ranking; ``key``: :func:`options_key`."""
    from markupsafe import Markup

    from .narrative import TEMPLATES, render
    from .tables import label_tables

    css = Markup((TEMPLATES / "notice.css").read_text(encoding="utf-8"))  # a stylesheet: its ">" stays ">"
    return label_tables(render("notice.html.j2", n=n, css=css, links=dict(links or {}), key=key))


def notice_html(run: Run, options: NoticeOptions | None = None, links: Mapping[str, str] | None = None,
                today: dt.date | None = None) -> str:
    """The 通报 of ``run`` as one self-contained HTML page (:func:`notice`, then :func:`notice_page`)."""
    return notice_page(notice(run, options, today), links, options_key(options))


def recorded_key(page: str) -> str | None:
    """The options a written 通报 page was made with (:func:`options_key`), None when it records none."""
    m = re.search(r'<meta name="xinyong-notice" content="([^"]*)"', page)
    if not m:
        return None
    import html

    return html.unescape(m[1])
