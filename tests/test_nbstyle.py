"""Report blocks in a notebook (issue 15 §4): "Inside JupyterLab each report block looks as it does in the
HTML report (its styles travel with the output; today the header table there is unstyled and
right-aligned)" — and the exported page still has the stylesheet once."""
from __future__ import annotations

import copy

import nbformat
import tinycss2

from xinyong.report.nbstyle import SCOPE, STYLE_OPEN, css_for, unwrap
from xinyong.report.sections import Block

from conftest import ROOT

NOTEBOOKS = ROOT / "lib" / "xinyong" / "notebooks"


def html_outputs(nb) -> list[str]:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = (o.get("data") or {}).get("text/html")
            if text:
                out.append("".join(text) if isinstance(text, list) else text)
    return out


def selectors(css: str) -> list[tuple[str, str]]:
    """Every (selector, declarations) of a stylesheet, @media blocks included."""
    found = []

    def walk(nodes):
        for n in nodes:
            if n.type == "at-rule" and n.content is not None:
                walk(tinycss2.parse_rule_list(n.content, skip_comments=True, skip_whitespace=True))
            elif n.type == "qualified-rule":
                body = " ".join(tinycss2.serialize(n.content).split())
                found.extend((s.strip(), body) for s in tinycss2.serialize(n.prelude).split(","))

    walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    return found


def test_committed_blocks_carry_their_styles_scoped_to_themselves():
    """Every block output of both committed notebooks starts with its styles, and every rule applies only
    inside a block (``.xy-nb…``): JupyterLab's own interface is left alone. The one page-level rule resets
    the section counter, so sections stay numbered 一、二、三 across separate outputs."""
    for name in ("unit_report.ipynb", "overview.ipynb"):
        outs = html_outputs(nbformat.read(NOTEBOOKS / name, as_version=4))
        assert len(outs) >= 5, name
        for html in outs:
            assert html.startswith(STYLE_OPEN) and unwrap(html) != html, (name, html[:80])
            for sel, body in selectors(html[len(STYLE_OPEN):html.index("</style>")]):
                assert sel.startswith(SCOPE) or (sel, body) == ("body", "counter-reset: xy-sec;"), (name, sel)


def test_header_table_is_styled_above_the_notebooks_rules():
    """The header block's table: its cells are first reset to the browser's defaults (JupyterLab sets
    ``text-align: right``, padding, zebra rows on rendered tables), then get the report's left-aligned
    muted labels. The scope (three classes) outranks JupyterLab's most specific table rule,
    ``.jp-RenderedHTMLCommon tbody tr:nth-child(odd)`` (two classes and a pseudo-class, two elements)."""
    header = next(h for h in html_outputs(nbformat.read(NOTEBOOKS / "unit_report.ipynb", as_version=4))
                  if 'class="xy-meta"' in h)
    rules = selectors(header[len(STYLE_OPEN):header.index("</style>")])
    assert rules[0] == (f"{SCOPE} *", "all: revert;")
    meta_th = dict(rules)[f"{SCOPE} .xy-meta th"]
    assert "text-align: left" in meta_th and "color: var(--muted)" in meta_th
    assert SCOPE.count(".") == 3


def test_a_block_carries_only_the_rules_its_html_can_use():
    table = Block("t", '<table class="xy-table"><tr><td class="num">1</td></tr></table>')
    css = table._repr_html_()
    assert ".xy-table td.num" in css and ".xy-meta th" not in css and "tr.gate-fail" not in css
    assert unwrap(css) == table.html
    assert Block("movement", "")._repr_html_() == ""  # nothing to show, nothing to style
    assert "@page" not in css_for('<div class="xy-items"><table class="xy-table"></table></div>')


def test_exported_page_has_the_stylesheet_once():
    """The exporter unwraps every block: the page (as `xinyong report` and `jupyter nbconvert --to
    xinyong` write it) has one <style>, report.css, and each block's HTML as the block made it."""
    from xinyong.report.exporter import title_of
    from xinyong.report.render import to_html

    nb = nbformat.read(NOTEBOOKS / "unit_report.ipynb", as_version=4)
    page = to_html(nb, title_of(nb, "unit_report"))
    assert page.count("<style") == 1 and "xy-nb" not in page and page.count('class="xy-meta"') == 1
    bare = copy.deepcopy(nb)  # the same notebook as blocks wrote it before they carried styles
    for cell in bare.cells:
        for o in cell.get("outputs", []):
            if "text/html" in o.get("data", {}):
                o["data"]["text/html"] = unwrap("".join(o["data"]["text/html"]))
    assert to_html(bare, title_of(nb, "unit_report")) == page
