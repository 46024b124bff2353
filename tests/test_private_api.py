"""No module of ``lib/xinyong`` reaches into another library's private names — matplotlib, openpyxl,
python-docx, pandas … may change those in any release — except ``report/_mpl_fast.py``, the one
quarantined module (behind ``charts.FAST``, gated to the matplotlib releases it is tested with).

Measured with ``ast``: an attribute ``x._name`` (not a dunder) whose name xinyong itself never defines, and
an import from a private module (a dotted path with a part starting with ``_``) of another package.
namedtuple's ``_asdict``/``_replace`` are its public API (the underscore only avoids field names).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "lib" / "xinyong"
QUARANTINE = {"report/_mpl_fast.py"}
PUBLIC = {"_asdict", "_replace", "_fields", "_make"}
# Known, and still to remove: the report exporter's page step calls two protected members of nbconvert's
# HTMLExporter to skip the BeautifulSoup pass of its from_notebook_node (a fifth of a report's conversion);
# tests/test_report_render.py renders through it on every run, so an nbconvert release that changes them
# fails there first.
KNOWN = {"report/exporter.py self._init_resources", "report/exporter.py self._nb_metadata"}


def _trees():
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).as_posix()
        if rel not in QUARANTINE:
            yield rel, ast.parse(path.read_text(encoding="utf-8"))


def _own_private_names() -> set[str]:
    """Every ``_name`` xinyong defines: functions, classes, class attributes, ``self._x = …``."""
    names = set()
    for _, tree in _trees():
        for n in ast.walk(tree):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(n.name)
            elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                names.add(n.id)
            elif isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name):
                names.add(n.target.id)
            elif (isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name)
                  and n.value.id in ("self", "cls")):
                names.add(n.attr)
    return {x for x in names if x.startswith("_")}


def private_uses() -> list[str]:
    own = _own_private_names() | PUBLIC
    found = []
    for rel, tree in _trees():
        for n in ast.walk(tree):
            if (isinstance(n, ast.Attribute) and n.attr.startswith("_") and not n.attr.startswith("__")
                    and n.attr not in own):
                found.append(f"{rel}:{n.lineno} {ast.unparse(n)}")
            elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0 and not n.module.startswith("xinyong"):
                if any(part.startswith("_") and not part.startswith("__") for part in n.module.split(".")):
                    found.append(f"{rel}:{n.lineno} from {n.module}")
            elif isinstance(n, ast.Import):
                for a in n.names:
                    if any(p.startswith("_") and not p.startswith("__") for p in a.name.split(".")):
                        found.append(f"{rel}:{n.lineno} import {a.name}")
    return found


def test_no_private_api_of_another_library_outside_the_quarantine():
    found = {re.sub(r":\d+ ", " ", f) for f in private_uses()}  # file and name, without the line
    assert found == KNOWN


def test_the_check_finds_what_it_looks_for(tmp_path, monkeypatch):
    """The scan is not vacuous: the two uses this code base had (openpyxl's cell style array, matplotlib's
    font cache) and a private module import are found."""
    src = ("from openpyxl.worksheet._reader import WorksheetReader\n"
           "def f(cell, fm):\n    cell._style = None\n    fm._findfont_cached.cache_clear()\n")
    (tmp_path / "m.py").write_text(src, encoding="utf-8")
    monkeypatch.setattr(__import__(__name__), "PKG", tmp_path)
    found = private_uses()
    assert len(found) == 3, found
