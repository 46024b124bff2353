"""Chinese text of the reports: a jinja2 environment over ``templates/`` with HTML autoescaping.

Autoescaping is what makes user text safe: unit names, evidence titles and justifications come
from workbooks people fill in, and a unit named ``<script>…`` must print as text. Only chart
``<img>`` tags, built by :mod:`.charts` from our own bytes, are marked safe.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from markupsafe import Markup, escape

from ..labels import grade_attr, grade_class, num, pct, period_zh, score2

TEMPLATES = Path(__file__).parent / "templates"


def short_id(node_id: object) -> str:
    """``jiaxian_county_dept.3.1.1`` → ``3.1.1``: the document's own numbering, for table cells (the full
    id stays in the cell's title and the row's anchor). Word segments the scheme file adds to group
    things (``quzhou.basic.1`` → ``1``) are not numbering and are dropped too."""
    s = "" if node_id is None else str(node_id)
    head, dot, rest = s.partition(".")
    if not (dot and rest and not head.isdigit()):
        return s
    parts = [p for p in rest.split(".") if not (p.isascii() and p.isalpha() and p.islower() and len(p) >= 3)]
    return ".".join(parts) or rest


def section_label(section: Any, mark: str = "（附加）") -> str:
    """A section's name for tables and charts, with ``mark`` when it carries bonus points and its name
    does not say so already (004 七 is printed “工作创新（附加分）”)."""
    return section.name + (mark if section.bonus and "附加" not in section.name else "")


def quoted(text: object) -> str:
    """Text in Chinese double quotes; quotes inside become single (“‘事中’信用监管”, not ““事中”信用监管”)."""
    s = "" if text is None else str(text)
    return "“" + s.replace("“", "‘").replace("”", "’") + "”"


def srcref(file: object, line: object = None) -> Markup:
    """Where a quote stands in the source text, for readers: “第 56 行” on the page, the source file's
    name in the hover title only (a file name like ``004_619cf5f0c270bef6.txt`` means nothing to a reader)."""
    if not file:
        return Markup("")
    where = f"第 {int(line)} 行" if line not in (None, "") and line == line else "原文"
    title = f"{file}" + (f" 第 {int(line)} 行" if line not in (None, "") and line == line else "")
    return Markup(f'<span class="src" title="{escape(title)}">{escape(where)}</span>')


BLOCK_TAG = re.compile(r"</?(p|div|br|li|ol|ul|tr|h[1-6])\b[^>]*>", re.I)
ANY_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def clause(text: object) -> Markup:
    """A quoted clause as text: the source's HTML markup (003 is an HTML page: ``<p>…</p><ol …>``) becomes
    line breaks, other tags are dropped, entities are decoded; never printed as tags."""
    import html as htmlmod

    s = "" if text is None else str(text)
    s = BLOCK_TAG.sub("\n", s)
    s = htmlmod.unescape(ANY_TAG.sub("", s))
    lines = [ln.strip() for ln in s.splitlines() if ln.strip()]
    return Markup("<br/>").join(escape(ln) for ln in lines)


def in_words(scheme: Any):
    """A function that rewrites the scheme author's notes for readers: each input id in the text
    (``xinyidai_amount``) becomes its Chinese label in quotes (“信易贷金额”)."""
    cat = getattr(scheme, "input_catalogue", {}) or {}
    ids = sorted(cat, key=len, reverse=True)
    if not ids:
        return lambda text: text
    pat = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, ids)) + r")(?![A-Za-z0-9_])")

    def say(text: Any) -> Any:
        if not isinstance(text, str):
            return text
        text = re.sub(r"[（(]\s*(" + pat.pattern + r")\s*[)）]", "", text)  # “…记录（mandatory_conditions_met）” → “…记录”
        return pat.sub(lambda m: quoted(cat[m.group(1)].label), text)

    return say


def scheme_label(scheme: Any) -> str:
    """A scheme argument as a short label for file names: the id, or a YAML file's stem."""
    s = str(scheme)
    return Path(s).stem if s.endswith((".yaml", ".yml")) else s


def citation(scheme: Any) -> str:
    """The document a scheme encodes, as it is cited: its number and title when the scheme records them
    (郏信用办〔2022〕4号 关于印发…的通知), else its title in 《》."""
    doc = (getattr(scheme, "meta", None) or {}).get("document")
    return str(doc) if doc else f"《{scheme.title}》"


@lru_cache(maxsize=1)
def env() -> Environment:
    e = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"], default=True),
                    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    e.filters["num"] = num
    e.filters["s2"] = score2
    e.filters["pz"] = period_zh
    e.globals["srcref"] = srcref
    e.globals["citation"] = citation
    e.filters["clause"] = clause
    e.filters["pct"] = pct
    e.filters["sid"] = short_id
    e.filters["q"] = quoted
    e.filters["tone"] = grade_class
    e.filters["tone_attr"] = grade_attr
    return e


def render(template: str, **ctx) -> str:
    return env().get_template(template).render(**ctx)
