"""The 证据 sheet: the documents behind the scores (item, unit, title, link, date, and — when ``collect``
recorded it — the file's SHA-256)."""
from __future__ import annotations

import re
from pathlib import Path

from .. import evidence_paths as ep
from ..cells import parse_date, suggest, text
from ..sources import Grid
from ..template import EVIDENCE_COLUMNS, EVIDENCE_INFO_COLUMNS, EVIDENCE_REQUIRED
from .context import ReadContext


SHA256 = re.compile(r"[0-9a-f]{64}")


def read_evidence(ctx: ReadContext, g: Grid) -> None:
    cols = ctx.headers(g, {**EVIDENCE_COLUMNS, **EVIDENCE_INFO_COLUMNS}, EVIDENCE_REQUIRED)
    if any(k not in cols for k in EVIDENCE_REQUIRED):
        return
    ctx.evidence_sha256 = "sha256" in cols
    log, s = ctx.log, ctx.s
    targets = {it.id for it in s.walk_items()} | {sec.id for sec in s.walk_sections()}
    targets |= {c.id for gt in s.gates for c in gt.conditions} | {gt.id for gt in s.gates}
    for i in g.row_numbers(2):
        c = {k: g.value(i, j) for k, j in cols.items()}
        item, uid = text(c["item"]), text(c["unit_id"])
        title, link = text(c["title"]), text(c["link"])
        if not title and not link and not text(c["date"]):
            continue  # a row a unit's workbook lists as needing evidence, not filled: no evidence, no error
        bad = not all([ctx.clean_text(title, "文件标题", "document title", g.name, i, cols["title"], uid or None, True),
                       ctx.clean_text(link, "文件名或链接", "file name or link", g.name, i, cols["link"], uid or None)])
        if item not in targets:
            near = suggest(item, {x: x for x in targets}) if item else None
            log.error(("条目编号为空" if not item else f"未知的条目编号“{item}”") + (f"（是否为“{near}”？）" if near else ""),
                      f"unknown item {item!r}", sheet=g.name, row=i, col=cols["item"], unit=uid or None,
                      value=item or None, expected="本方案的条目编号")
            bad = True
        if uid not in ctx.units:
            log.error("单位编号为空" if not uid else f"单位编号“{uid}”不在“单位”表中", f"unknown unit id {uid!r}",
                      sheet=g.name, row=i, col=cols["unit_id"], unit=uid or None, value=uid or None,
                      expected="“单位”表中的单位编号")
            bad = True
        if not title:
            log.error("文件标题为空", "blank document title", sheet=g.name, row=i, col=cols["title"],
                      unit=uid or None, value=None, expected="佐证文件的标题")
            bad = True
        refused = _refused_link(ctx, link)
        if refused:
            log.note(f"证据链接已拒绝：{refused[0]}", f"evidence link refused: {refused[1]}", sheet=g.name, row=i,
                     col=cols["link"], unit=uid or None, value=link, expected=ep.EXPECTED)
        if not link:
            log.note("没有填写文件名或链接", "no file name or link", sheet=g.name, row=i, col=cols["link"],
                     unit=uid or None, value=None, expected="文件名或网址")
        date, ok = parse_date(c["date"])
        if not ok:
            log.error("日期无法识别", "unreadable date", sheet=g.name, row=i, col=cols["date"], unit=uid or None,
                      value=c["date"], expected="日期，如 2022-03-31")
            bad = True
        elif date is None:
            log.note("没有填写日期", "no date", sheet=g.name, row=i, col=cols["date"], unit=uid or None,
                     value=None, expected="日期，如 2022-03-31")
        sha = text(c["sha256"]).lower() if "sha256" in cols else ""
        if sha and not SHA256.fullmatch(sha):
            log.error("SHA-256 校验值应为 64 位十六进制数字", "malformed SHA-256", sheet=g.name, row=i,
                      col=cols["sha256"], unit=uid or None, value=c["sha256"], expected="64 位十六进制数字（0-9、a-f）")
            bad = True
        if not bad:
            row = {"item": item, "unit_id": uid, "title": title, "link": link or None, "date": date, "sheet_row": i}
            if "sha256" in cols:
                row["sha256"] = sha or None
            ctx.evidence.append(row)


def _refused_link(ctx: ReadContext, link: str) -> tuple[str, str] | None:
    """(why, detail) when the link is refused (:mod:`..evidence_paths`): by its text, or by what is on
    the disk below the workbook's folder where ``collect`` or a report would look for it. A refused
    link is a note, not an error: it stops no scoring, the file is simply never opened or copied."""
    got = ep.classify(link)
    if got.kind == ep.REFUSED:
        return got.why, got.detail
    if got.kind != ep.PATH or not ctx.log.file:
        return None
    book = Path(ctx.log.file)
    cands, _ = ep.return_candidates(book.stem, got.rel)
    found = ep.locate_first(book.parent, list(dict.fromkeys([got.rel, *cands])))
    return (found.why, found.detail) if found.state == ep.REFUSED else None
