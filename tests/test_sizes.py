"""No function in ``lib/xinyong`` is longer than 80 lines and no module longer than 500 lines, unless the
module says why at its top (a ``# Why this module is long:`` line among its first 40 lines).

Measured with ``ast``: a function's length is ``end_lineno - lineno + 1`` (its nested functions and
classes included), a module's its number of lines. A newcomer reads a function at one sitting; a long one
is a pipeline to name in steps, as papermill's ``execute_notebook`` is.
"""
from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "lib" / "xinyong"
MAX_FUNCTION = 80
MAX_MODULE = 500
REASON = "# Why this module is long:"

# Long functions and modules still to be split, each named here until it is (empty: every one of lib/ holds).
KNOWN_LONG_FUNCTIONS: set[str] = set()
KNOWN_LONG_MODULES: set[str] = set()


def _modules():
    for path in sorted(PKG.rglob("*.py")):
        yield path.relative_to(PKG).as_posix(), path.read_text(encoding="utf-8")


def long_functions() -> dict[str, int]:
    out = {}
    for rel, text in _modules():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION:
                    out[f"{rel}:{node.name}"] = length
    return out


def long_modules() -> dict[str, int]:
    out = {}
    for rel, text in _modules():
        lines = text.splitlines()
        if len(lines) > MAX_MODULE and not any(line.startswith(REASON) for line in lines[:40]):
            out[rel] = len(lines)
    return out


def test_no_function_over_80_lines():
    over = {k: v for k, v in long_functions().items() if k not in KNOWN_LONG_FUNCTIONS}
    assert not over, f"functions over {MAX_FUNCTION} lines (split them into named steps): {over}"


def test_no_module_over_500_lines_without_a_reason():
    over = {k: v for k, v in long_modules().items() if k not in KNOWN_LONG_MODULES}
    assert not over, f"modules over {MAX_MODULE} lines without a '{REASON}' line at the top: {over}"


def test_the_known_lists_name_only_what_is_still_long():
    """An entry that was fixed leaves the list, so the list never hides a new long function of that name."""
    assert KNOWN_LONG_FUNCTIONS <= set(long_functions()), KNOWN_LONG_FUNCTIONS - set(long_functions())
    assert KNOWN_LONG_MODULES <= set(long_modules()), KNOWN_LONG_MODULES - set(long_modules())
