"""The report page as an nbconvert exporter: ``jupyter nbconvert --to xinyong executed.ipynb``.

Registered under the ``nbconvert.exporters`` entry point, so a notebook executed anywhere — papermill's
command line, JupyterLab, ``xinyong report`` — becomes the same styled, self-contained page: code cells,
prompts and cells tagged ``parameters``/``injected-parameters``/``hide`` left out, stderr dropped, the CSS
inline, nothing loaded from the network (the template drops require.js, MathJax and widget scripts).
"""
from __future__ import annotations

import html
import re
from typing import Any

from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor
from traitlets import default

from .narrative import TEMPLATES, scheme_label
from .nbstyle import unwrap

TEMPLATE_NAME = "xinyong"
HIDDEN_TAGS = ("parameters", "injected-parameters", "hide")
PAGE_CSS = ("report.css", "page.css")  # the blocks' rules, then the page's own (a phone's width, paper)


TITLE_ATTR = re.compile(r'data-xy-title="([^"]*)"')
IMG_NO_ALT = re.compile(r"<img(?![^>]*\balt=)", re.I)
NO_ALT = "（图片无文字说明）"


def title_of(nb: Any, fallback: str = "") -> str:
    """The page title: the one the report's header block carries (the unit's name, the period in words,
    the scheme's short title), else one made from the parameters papermill recorded."""
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            text = (out.get("data") or {}).get("text/html")
            text = "".join(text) if isinstance(text, list) else (text or "")
            if m := TITLE_ATTR.search(text):
                return html.unescape(m.group(1))
    params = ((nb.get("metadata") or {}).get("papermill") or {}).get("parameters") or {}
    scheme, period = params.get("scheme"), params.get("period")
    if period:
        from ..labels import period_zh

        period = period_zh(period)
    if scheme and period and params.get("unit"):
        return f"{params['unit']} · {period} · {scheme_label(scheme)}"
    if scheme and period:
        return f"{scheme_label(scheme)} · {period} · 总览"
    return fallback or "信用考核报告"


class UnwrapBlocks(Preprocessor):
    """A report block's output carries its scoped styles for notebook viewers (:mod:`.nbstyle`); the page
    inlines report.css once, so each block goes back to its bare HTML (the page does not grow a copy of
    the styles per block)."""

    def preprocess_cell(self, cell, resources, index):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = out.get("data") or {}
            if "text/html" in data:
                text = data["text/html"]
                data["text/html"] = unwrap("".join(text) if isinstance(text, list) else text)
        return cell, resources


class XinyongExporter(HTMLExporter):
    """HTML in the report's own template and styles."""

    export_from_notebook = "信用考核报告（xinyong）"

    @default("template_name")
    def _template_name_default(self) -> str:
        return TEMPLATE_NAME

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self) -> list[str]:
        return [str(TEMPLATES / "nbconvert")]

    @default("exclude_input")
    def _exclude_input_default(self) -> bool:
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self) -> bool:
        return True

    @default("optimistic_validation")
    def _optimistic_validation_default(self) -> bool:
        """Validate the notebook once, after all preprocessors, not after each of the fourteen (a
        schema check of the whole notebook each time: ≈ 50 ms a report)."""
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self) -> bool:
        return True

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=HIDDEN_TAGS), enabled=True)
        self.register_preprocessor(UnwrapBlocks(), enabled=True)

    def from_notebook_node(self, nb: Any, resources: dict | None = None, **kw: Any):
        resources = dict(resources or {})
        name = (resources.get("metadata") or {}).get("name", "")
        info = dict(resources.get("xinyong") or {})
        info.setdefault("title", title_of(nb, name))
        info.setdefault("css", "\n".join((TEMPLATES / f).read_text(encoding="utf-8") for f in PAGE_CSS))
        resources["xinyong"] = info
        return self._page(nb, resources, **kw)

    def _page(self, nb: Any, resources: dict, **kw: Any):
        """``HTMLExporter.from_notebook_node`` without its last step, which parses the whole page with
        BeautifulSoup and writes it out again (a fifth of a report's conversion) to give images without
        alt text a placeholder and to make the cells of a ``.jp-Notebook`` body focusable. Our page has
        no such body (the template writes ``<main class="xy-report">``), and our charts carry their alt
        text; an image some other output brings without one gets :data:`NO_ALT` here, from the template's
        own output, without a parse."""
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter("highlight_code", self.filters.get("highlight_code",
                                                                Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                                       parent=self, resources=resources))
        from .tables import label_tables

        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        # the tables labelled for phones here, so `jupyter nbconvert --to xinyong` writes what `report` writes
        return label_tables(IMG_NO_ALT.sub(f'<img alt="{NO_ALT}"', page)), resources
