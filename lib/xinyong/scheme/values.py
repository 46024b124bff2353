"""How a value of an input is written: the words read as yes/no, and the columns that carry an
assessor's points and reasons. The scheme's input language, shared by intake (workbooks, CSV) and
scoring (DataFrames), so both read a cell the same way.
"""
from __future__ import annotations

RESERVED = ("unit_name", "unit_kind", "period")
JUDGE = "judge:"
WHY = "why:"
TRUE_WORDS = {"是", "有", "y", "yes", "true", "t", "1", "√", "✓"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "f", "0", "×", "✗"}


def judge_col(item_id: str) -> str:
    """The column of an assessor's points for an item."""
    return f"{JUDGE}{item_id}"


def why_col(item_id: str) -> str:
    """The column of an assessor's reason for an item."""
    return f"{WHY}{item_id}"
