"""What a reader sees carries no program text (issue 16 §3, done-when): in one unit report of every shipped
scheme, its overview and its leader brief, the visible text — everything outside folded <details>,
<style>, <script> and attributes — holds no input id, scheme id, period code, seed file name, HTML tag or
Python operator. The pages load no script, so their DOM is the parsed HTML."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from conftest import ROOT, demo_runs
from xinyong.report import Overview, UnitReport, load_run
from xinyong.report.notice import notice_html as brief_html
from xinyong.scheme.loader import SCHEME_IDS

SEED_FILE = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b")
PERIOD_CODE = re.compile(r"\b\d{4}Q[1-4]\b")
TAG_TEXT = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?>")
OPERATORS = re.compile(r"==|!=|>=|<=|\bif\b|\belse\b|\band\b|\bor\b|\*")


class Visible(HTMLParser):
    """Text a reader sees without unfolding anything."""

    HIDDEN = {"style", "script", "details", "title", "head"}
    # elements without an end tag: pushed, they would never be popped and hide everything after them
    VOID = {"meta", "link", "br", "img", "hr", "input", "col", "base", "wbr", "source"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.quote = 0
        self.stack: list[tuple[bool, bool]] = []
        self.parts: list[str] = []
        self.own: list[str] = []  # outside the quoted clauses of the document

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        # an evidence file's name is the unit's own data (what it submitted), shown as given
        classes = (dict(attrs).get("class") or "").split()
        # an evidence file's name is the unit's own data (what it submitted), shown as given
        self.stack.append((tag in self.HIDDEN or "evlink" in classes, "quote" in classes))
        self.depth += self.stack[-1][0]
        self.quote += self.stack[-1][1]

    def handle_endtag(self, tag):
        if self.stack:
            hidden, quote = self.stack.pop()
            self.depth -= hidden
            self.quote -= quote

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)
            if not self.quote:
                self.own.append(data)


QUOTED = re.compile(r"“[^“”]*”")


def unquoted(text: str) -> str:
    """Without what is inside Chinese quotes, nested ones too: the readings quote the document's own
    formulas (“得分=7*增速”), which are its words, not program text."""
    while (new := QUOTED.sub("", text)) != text:
        text = new
    return text


def visible(html: str, own: bool = False) -> str:
    """The visible text; ``own``: without the document's quoted clauses (its “得分=7*增速” is not ours)."""
    p = Visible()
    p.feed(html)
    return " ".join(p.own if own else p.parts)


def runs_by_scheme():
    out = {}
    for r in demo_runs():
        out.setdefault(r["scheme"], r)  # the first period of each scheme, with its history
    return out


@pytest.mark.slow
@pytest.mark.parametrize("scheme", SCHEME_IDS)
def test_no_program_text_on_the_reader_surface(scheme):
    r = runs_by_scheme()[scheme]
    hist = [{"period": h["period"], "data": ROOT / h["data"]} for h in r["history"]]
    run = load_run(scheme, ROOT / r["data"], period=r["period"], history=hist)
    unit = run.result.units.index[-1]  # the last ranked: the vetoed city of 002, the weakest unit elsewhere
    pages = {
        "unit": "".join(b.html for b in UnitReport(run, unit).blocks()),
        "overview": "".join(b.html for b in Overview(run).blocks()),
        "brief": brief_html(run),
    }
    input_ids = sorted(run.scheme.input_catalogue, key=len, reverse=True)
    ids = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, input_ids + list(SCHEME_IDS))) + r")(?![A-Za-z0-9_])")
    for name, html in pages.items():
        text, own = visible(html), unquoted(visible(html, own=True))
        for what, pat in (("id", ids), ("period code", PERIOD_CODE), ("seed file", SEED_FILE),
                          ("HTML tag", TAG_TEXT), ("operator", OPERATORS)):
            where = own if what == "operator" else text
            m = pat.search(where)
            assert m is None, f"{scheme} {name}: {what} {m.group(0)!r} in “…{where[max(0, m.start() - 80):m.end() + 40]}…”"
