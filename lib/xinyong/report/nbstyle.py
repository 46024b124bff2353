"""A report block's styles, travelling with it into a notebook's output (JupyterLab, VS Code, nbconvert's
own HTML), scoped so they touch nothing else on the page.

The HTML report inlines ``templates/report.css`` once for the whole page. A notebook has no such page:
each block's output is HTML inside the notebook application, whose own rules for rendered HTML
(``.jp-RenderedHTMLCommon td { text-align: right; padding: .5em }``, zebra rows, table-layout: fixed)
would make the header table right-aligned and unstyled. So the block's ``_repr_html_`` is wrapped as::

    <style data-xy-nb>…the rules of report.css its HTML can use, scoped to .xy-nb…</style><div class="xy-nb">…</div>

* Scoped: every selector is prefixed with :data:`SCOPE` (``:root``, ``html``, ``body`` become the wrapper
  itself), ``@page`` is dropped, so nothing outside a block changes. The one exception is the section
  counter: ``body { counter-reset: xy-sec }``, so the sections stay numbered 一、二、三 across blocks
  (each block is a separate output) — a counter no other rule uses.
* Above the notebook's rules: :data:`SCOPE` repeats the class three times, (0,3,0), more specific than
  JupyterLab's most specific rule for rendered tables (``.jp-RenderedHTMLCommon tbody tr:nth-child(odd)``,
  (0,2,2)); first every element in the block is reset to the browser's defaults (``all: revert``), then
  the report's own rules apply, as on the report page.
* Small: a block carries only the rules whose classes occur in its HTML (the header does not carry the
  item table's print widths), so an executed notebook grows by a few kilobytes a block.
* Once in the exported page: the nbconvert exporter (:mod:`.exporter`) unwraps every block back to its
  HTML (:func:`unwrap`) before the page, which inlines report.css once, is written.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .narrative import TEMPLATES

SCOPE = ".xy-nb.xy-nb.xy-nb"
WRAPPER_OPEN = '<div class="xy-nb">'
STYLE_OPEN = "<style data-xy-nb>"
_WHOLE = ("html", "body", ":root")
_CLASS = re.compile(r"\.([A-Za-z_][\w-]*)")
_WRAPPED = re.compile(re.escape(STYLE_OPEN) + r".*?</style>" + re.escape(WRAPPER_OPEN) + r"(.*)</div>\Z", re.S)

# Reset the notebook's rules for everything inside a block, then what a page gives a block the wrapper
# stands in for (main.xy-report's width; its padding belongs to the page, not to each block).
_BEFORE = (f"{SCOPE} * {{ all: revert; }}", )
_AFTER = (f"{SCOPE} {{ max-width: 1100px; padding: 0; margin: 0; }}", "body { counter-reset: xy-sec; }")


def _split_selectors(prelude: str) -> list[str]:
    """``a, b:is(c, d)`` → ``["a", "b:is(c, d)"]``: commas inside brackets do not split."""
    parts, depth, cur = [], 0, ""
    for ch in prelude:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return [p for p in [*parts, cur.strip()] if p]


def _scope(selector: str) -> str | None:
    """One selector of report.css in the notebook; None when it styles the page, not a block."""
    if selector in _WHOLE:
        return SCOPE
    if selector == "main.xy-report":
        return None  # page width, padding and the section counter: see _AFTER
    if selector.startswith("main.xy-report "):
        selector = selector[len("main.xy-report "):]
    return f"{SCOPE} {selector}"


@lru_cache(maxsize=1)
def _rules() -> tuple[tuple[tuple[str, ...], str, str | None], ...]:
    """report.css as ``(selectors' classes and tags, scoped rule text, @media condition or None)``."""
    import tinycss2

    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    out: list[tuple[tuple[str, ...], str, str | None]] = []

    def walk(nodes, media: str | None) -> None:
        for node in nodes:
            if node.type == "at-rule" and node.lower_at_keyword == "media" and node.content is not None:
                walk(tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True),
                     tinycss2.serialize(node.prelude).strip())
            elif node.type == "qualified-rule":
                selectors = [s for s in map(_scope, _split_selectors(tinycss2.serialize(node.prelude))) if s]
                if not selectors:
                    continue
                body = " ".join(tinycss2.serialize(node.content).split())
                need = tuple(sorted({*_CLASS.findall(" ".join(selectors).replace(SCOPE, ""))}))
                out.append((need, f"{', '.join(selectors)} {{ {body} }}", media))
            # @page and anything else: the page's, not a block's

    walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True), None)
    return tuple(out)


def css_for(html: str) -> str:
    """The scoped rules a block's HTML can use: a rule is kept when every class its selectors name occurs
    in the HTML (a rule naming no class, such as ``h2``, is always kept)."""
    classes = set(re.findall(r"[\w-]+", " ".join(re.findall(r'class="([^"]*)"', html))))
    plain: list[str] = list(_BEFORE)
    media: dict[str, list[str]] = {}
    for need, text, cond in _rules():
        if all(c in classes for c in need):
            (plain if cond is None else media.setdefault(cond, [])).append(text)
    plain += _AFTER
    return "\n".join(plain + [f"@media {cond} {{\n" + "\n".join(rules) + "\n}" for cond, rules in media.items()])


def wrap(html: str) -> str:
    """A block's HTML with its scoped styles, for a notebook output; empty HTML stays empty."""
    if not html.strip():
        return html
    return f"{STYLE_OPEN}\n{css_for(html)}\n</style>{WRAPPER_OPEN}{html}</div>"


def unwrap(html: str) -> str:
    """The block's own HTML back from :func:`wrap`'s output (other HTML is returned as it is)."""
    m = _WRAPPED.match(html)
    return m.group(1) if m else html
