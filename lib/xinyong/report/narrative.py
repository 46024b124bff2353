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

from ..labels import delta2, grade_attr, grade_class, move_zh, num, num2, pct, period_zh, score2
from ..scheme.model import Scheme

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


NOTES_ASIDE = re.compile(r"[（(][^（）()]*SEED_NOTES[^（）()]*[)）]")  # “（SEED_NOTES 写作“6.3”，…）”
COMMAND = re.compile(r"`?xinyong (\w+)`?")  # “由 `xinyong check` 报告” → “由方案核对报告”
NOTES_REF = re.compile(r"SEED_NOTES\s*(?:§\s*\d+|[A-Z]\d+)?\s*")  # “SEED_NOTES A9”, “SEED_NOTES §1”
# an aside that is only a field or value of the scheme file: “（meta.sub_metrics.direction）”, “（none）”
CODE_ASIDE = re.compile(r"[（(]\s*[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*\s*[)）]")
# a path into the scheme file (“记录在 meta.target 中”): the reader's word for it is the scheme file
FIELD_PATH = re.compile(r"\s*(?<![A-Za-z0-9_.])(?:meta|params|rule|consequence|grades)(?:\.[a-z_]+)+(?![A-Za-z0-9_.])\s*")
# a comparison direction as the scheme file codes it, said as a table heads it: “记为 lower” → “记为“越低越好””
DIRECTION = re.compile(r"记为\s*(lower|higher)(?![A-Za-z])")
DIRECTION_ZH = {"lower": "记为“越低越好”", "higher": "记为“越高越好”"}


def in_words(scheme: Any):
    """A function that rewrites the scheme author's notes for readers: each input id in the text
    (``xinyidai_amount``) becomes its Chinese label in quotes (“信易贷金额”), a scheme field's name
    (``min_points``) its Chinese words (:data:`xinyong.labels.FIELD_ZH`), and the author's references to
    the review notes (“SEED_NOTES A9”, an aside naming them) are dropped or become “审读笔记”, an aside that
    is only a field or value of the scheme file (“（meta.sub_metrics.direction）”) is dropped and a coded
    comparison direction (“记为 lower”) said in words."""
    from ..labels import FIELD_ZH

    cat = getattr(scheme, "input_catalogue", {}) or {}
    words = {**{k: quoted(v.label) for k, v in cat.items()}, **{k: quoted(v) for k, v in FIELD_ZH.items()}}
    ids = sorted(words, key=len, reverse=True)
    pat = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, ids)) + r")(?![A-Za-z0-9_])")
    aside = re.compile(r"[（(]\s*(" + pat.pattern + r")\s*[)）]")

    def say(text: Any) -> Any:
        if not isinstance(text, str):
            return text
        text = NOTES_ASIDE.sub("", text)
        text = NOTES_REF.sub("审读笔记", text)
        text = COMMAND.sub(lambda m: "方案核对" if m.group(1) == "check" else "本软件", text)
        text = aside.sub("", text)  # “…记录（mandatory_conditions_met）” → “…记录”
        text = DIRECTION.sub(lambda m: DIRECTION_ZH[m.group(1)], text)
        text = CODE_ASIDE.sub("", pat.sub(lambda m: words[m.group(1)], text))
        text = FIELD_PATH.sub("方案文件", text)
        return text

    return say


# a raw float (five decimals or more), or a computed result printed with four (“=2.0000”, “→ 2.7104”); a
# coefficient the document writes (0.002) is neither
LONG_NUMBER = re.compile(r"(?<![\d.])(-?\d+\.\d{5,})(?![\d.])|(?<=[=→] )(-?\d+\.\d{3,4})(?![\d.])|(?<==)(-?\d+\.\d{3,4})(?![\d.])")
OPERATORS = ((">=", "≥"), ("<=", "≤"), ("!=", "≠"), ("==", "="), (" and ", " 且 "), (" or ", " 或 "), ("not ", "非 "),
             ("**", "^"), ("*", "×"))


def for_readers(scheme: Any):
    """A function that makes free text fit a reader's page — a scheme author's prose that quotes a formula
    (“得分=7*增速”), a computation text a rule kind wrote — the inputs by their names (:func:`in_words`),
    comparison and logic in the signs a person writes (≥, 且), and every number with more than two decimals
    rounded to two (2.778030681704397 → 2.78, 2.0000 → 2.00). Only a fallback, by text: a formula itself is
    written from its parsed tree (:meth:`xinyong.formula.Formula.to_words`, through
    :meth:`xinyong.scoring.describe.Names.formula`), which knows its brackets, choices and functions."""
    say = in_words(scheme)

    def two(m: re.Match) -> str:
        return f"{float(m.group(0)):.2f}"

    def text(t: Any) -> Any:
        if not isinstance(t, str):
            return t
        t = say(t)
        for a, b in OPERATORS:
            t = t.replace(a, b)
        return LONG_NUMBER.sub(two, t)

    return text


def scheme_label(scheme: Any) -> str:
    """A scheme argument as a short label for file names and page titles: the scheme's id — for a YAML
    file, the ``id:`` written in it, not the file's name (``考核细则（修订稿）.yaml`` is not a name to
    give every report); the file's stem only when the file does not load (its error comes later)."""
    if isinstance(scheme, Scheme):
        return scheme.id
    s = str(scheme)
    if not s.endswith((".yaml", ".yml")):
        return s
    from ..errors import XinyongError
    from ..scheme import load_scheme

    try:
        return load_scheme(s).id
    except (XinyongError, OSError):
        return Path(s).stem


def citation(scheme: Any) -> str:
    """The document a scheme encodes, as it is cited: its number and title when the scheme records them
    (郏信用办〔2022〕4号 关于印发…的通知), else its title in 《》."""
    doc = (getattr(scheme, "meta", None) or {}).get("document")
    return str(doc) if doc else f"《{scheme.title}》"


def legend_html(legend: list[tuple[str, str]]) -> Markup:
    """The key to the grade colours (:func:`xinyong.labels.grade_legend`) as a line above a table: each
    swatch in its grade's colour, 未定 in grey."""
    def part(text: str, tone: str) -> str:
        if tone == "unsettled":  # the tag the tables put beside an unsettled grade, then what it means
            tag, _, said = text.partition("：")
            return f'<span class="tag">{escape(tag)}</span> {escape(said)}'
        return f'<span class="g-{tone}">{escape(text)}</span>' if tone else str(escape(text))

    parts = [part(text, tone) for text, tone in legend]
    return Markup('<p class="xy-legend">颜色：' + "　".join(parts) + "</p>")


@lru_cache(maxsize=1)
def env() -> Environment:
    e = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"], default=True),
                    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    e.filters["num"] = num
    e.filters["s2"] = score2
    e.filters["d2"] = delta2
    e.filters["move"] = move_zh
    e.filters["n2"] = num2
    e.filters["pz"] = period_zh
    e.globals["srcref"] = srcref
    e.globals["citation"] = citation
    e.globals["legend_html"] = legend_html
    e.filters["clause"] = clause
    e.filters["pct"] = pct
    e.filters["sid"] = short_id
    e.filters["q"] = quoted
    e.filters["tone"] = grade_class
    e.filters["tone_attr"] = grade_attr
    return e


def render(template: str, **ctx) -> str:
    return env().get_template(template).render(**ctx)
