"""Tables that a phone can show: each data cell learns its column's name, so CSS can stack a wide table.

On a 390 px screen a table of more than a few columns does not fit; the stylesheets lay such a table out as
one block per row, each cell preceded by its column's name (``td::before { content: attr(data-label) }``).
The names come from here, once, for every rendered page (report sections, the overview, the brief, the
year's page and the batch pages all pass through :func:`label_tables`), instead of from each template:

- each ``<td>`` of a table with a header row (a ``<thead>``, or a first row of ``<th>`` only) gets
  ``data-label="<its column's header text>"``;
- the table gets ``data-cols="N"`` and, with more than :data:`STACK_ABOVE` columns, ``data-stack``
  (the stylesheets stack only those, below a phone's width);
- the cells of a column whose every cell is short (名次, 总分, 等级: at most :data:`SHORT` characters) get
  ``data-short``: stacked, such cells share a line (“总分 94.36 · 等级 优秀”);
- a column whose cells are the same in every one of at least three rows (类型 “县直单位” on 30 rows) is
  marked ``data-same`` on its cells, and the table says once what they all are
  (``data-same-note="各行相同：类型 县直单位"``): a stacked table hides those cells and shows the note.

Only attributes are added; the text of the page does not change, and a table without a header row (the
key–value tables, a nested mini table) is left as it is.
"""
from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

STACK_ABOVE = 4  # a table with more columns than this stacks on a phone
SAME_MIN_ROWS = 3  # a column is "the same in every row" only over at least this many rows
_TABLE_TAG = re.compile(r"<(/)?table\b[^>]*>", re.I)
SHORT = 8  # a column whose every cell has at most this many characters is short: stacked, its cells share a line


@dataclass
class _Cell:
    tag: str
    start: int  # offset of "<td" / "<th"
    tag_end: int  # offset just after the start tag's ">"
    colspan: int
    inner_start: int
    inner_end: int = -1
    text: list[str] = field(default_factory=list)


@dataclass
class _Table:
    start: int
    tag_end: int
    rows: list[list[_Cell]] = field(default_factory=list)
    head_rows: int = 0  # rows inside <thead>
    in_head: bool = False


class _Scanner(HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.src = text
        self.line_starts = [0]
        i = text.find("\n")
        while i >= 0:
            self.line_starts.append(i + 1)
            i = text.find("\n", i + 1)
        self.stack: list[_Table] = []
        self.cells: list[_Cell | None] = []  # open cell per open table
        self.done: list[_Table] = []

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        start = self._offset()
        raw = self.get_starttag_text() or ""
        end = start + len(raw)
        if tag == "table":
            self.stack.append(_Table(start, end))
            self.cells.append(None)
        elif not self.stack:
            return
        elif tag == "thead":
            self.stack[-1].in_head = True
        elif tag == "tr":
            t = self.stack[-1]
            t.rows.append([])
            if t.in_head:
                t.head_rows += 1
        elif tag in ("td", "th") and self.stack[-1].rows:
            self._close_cell(start)
            try:
                span = max(1, int(dict(attrs).get("colspan") or 1))
            except ValueError:
                span = 1
            cell = _Cell(tag, start, end, span, end)
            self.stack[-1].rows[-1].append(cell)
            self.cells[-1] = cell
        elif tag == "br" and self.cells and self.cells[-1] is not None:
            self.cells[-1].text.append(" ")

    def _close_cell(self, at: int) -> None:
        if self.cells and self.cells[-1] is not None:
            self.cells[-1].inner_end = at
            self.cells[-1] = None

    def handle_endtag(self, tag):
        if not self.stack:
            return
        at = self._offset()
        if tag in ("td", "th", "tr"):
            self._close_cell(at)
        elif tag == "thead":
            self.stack[-1].in_head = False
        elif tag == "table":
            self._close_cell(at)
            self.done.append(self.stack.pop())
            self.cells.pop()

    def handle_data(self, data):
        for cell in self.cells:  # a table in a cell: its text is the outer cell's text too
            if cell is not None:
                cell.text.append(data)


def _text(cell: _Cell) -> str:
    return " ".join("".join(cell.text).split())


def _inner(src: str, cell: _Cell) -> str:
    return src[cell.inner_start:cell.inner_end].strip()


def same_note(columns: list[tuple[str, str]]) -> str:
    """What the columns the same in every row say, once (column, text): “各行相同：类型 县直单位；附加分 5.00”."""
    return "各行相同：" + "；".join(f"{label} {text}" for label, text in columns)


def _attr(name: str, value: str | None = None) -> str:
    return f" {name}" if value is None else f' {name}="{_html.escape(value, quote=True)}"'


def _edits(src: str, t: _Table) -> list[tuple[int, str]]:
    """(offset, text to insert) for one table: its cells' labels and the table's own attributes."""
    if not t.rows:
        return []
    n_head = t.head_rows or (1 if t.rows[0] and all(c.tag == "th" for c in t.rows[0]) else 0)
    if not n_head:
        return []
    labels: list[str] = []
    for c in t.rows[n_head - 1]:
        labels += [_text(c)] + [""] * (c.colspan - 1)
    body = [r for r in t.rows[n_head:] if r]
    edits: list[tuple[int, str]] = []
    grid: list[dict[int, _Cell]] = []  # per body row: column index -> a one-column data cell
    for row in body:
        col, cells = 0, {}
        for c in row:
            if c.tag == "td" and c.colspan == 1 and col < len(labels):
                cells[col] = c
            col += c.colspan
        grid.append(cells)
    full = [cells for cells in grid if len(cells) == len(labels)]  # rows that fill every column
    same: dict[int, str] = {}  # column index -> the cell's markup, the same in every full row
    if len(full) >= SAME_MIN_ROWS:
        for j, label in enumerate(labels):
            inner = {_inner(src, r[j]) for r in full}
            if label and len(inner) == 1 and _text(full[0][j]) and len(same) < len(labels) - 2:
                same[j] = inner.pop()
    short = {j for j in range(len(labels))
             if all(len(_text(cells[j])) <= SHORT for cells in grid if j in cells)}
    for cells in grid:
        for j, c in cells.items():
            hide = j in same and _inner(src, c) == same[j]
            add = ((_attr("data-label", labels[j]) if labels[j] else "") + (_attr("data-same") if hide else "")
                   + (_attr("data-short") if j in short else ""))
            if add:
                edits.append((_before_close(src, c), add))
    own = _attr("data-cols", str(len(labels)))
    if len(labels) > STACK_ABOVE:
        own += _attr("data-stack")
    if same:
        own += _attr("data-same-note", same_note([(labels[j], _text(full[0][j])) for j in same]))
    edits.append((_before_close(src, t), own))
    return edits


def _before_close(src: str, thing: _Cell | _Table) -> int:
    """Where an attribute goes in a start tag: before its ">" (or "/>")."""
    end = thing.tag_end - 1
    return end - 1 if src[end - 1] == "/" else end


def _table_spans(page: str) -> list[tuple[int, int]]:
    """Where the outermost tables are: only they are parsed (a page's charts, inline PNGs of some hundred
    kilobytes, lie outside them)."""
    spans, depth, start = [], 0, 0
    for m in _TABLE_TAG.finditer(page):
        if m.group(1) is None:
            if depth == 0:
                start = m.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append((start, m.end()))
    return spans


def label_tables(page: str) -> str:
    """``page`` with ``data-label`` on the cells of every table that has a header row (see the module)."""
    edits: list[tuple[int, str]] = []
    for start, end in _table_spans(page):
        part = page[start:end]
        scanner = _Scanner(part)
        scanner.feed(part)
        scanner.close()
        edits += [(start + at, text) for t in scanner.done for at, text in _edits(part, t)]
    if not edits:
        return page
    edits.sort(key=lambda e: e[0])
    out, last = [], 0
    for at, text in edits:
        out.append(page[last:at])
        out.append(text)
        last = at
    out.append(page[last:])
    return "".join(out)
