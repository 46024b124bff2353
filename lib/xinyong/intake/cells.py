"""Reading one cell as text, a date, or a near-miss of a known word."""
from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from ..safe import bad_char, char_name
from ..scheme.values import is_blank

CLEAN_TEXT_EXPECTED = "不含控制字符、方向控制符的文字"
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%Y-%m", "%Y年%m月")


def text(v: Any) -> str:
    """A cell as an identifier text: 101 and 101.0 both read as "101"."""
    if is_blank(v):
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def texts(values: Any) -> list[str]:
    """:func:`text` of each value (a list, or a float array as :meth:`Grid.column` may give); a column of
    texts is stripped without the checks each value would get."""
    if not isinstance(values, list):
        values = values.tolist()
    return [v.strip() if type(v) is str else text(v) for v in values]


def parse_date(v: Any) -> tuple[str | None, bool]:
    """(ISO date text or None, ok)."""
    if is_blank(v):
        return None, True
    if isinstance(v, dt.datetime):
        return v.date().isoformat(), True
    if isinstance(v, dt.date):
        return v.isoformat(), True
    if isinstance(v, str):
        s = v.strip()
        for f in DATE_FORMATS:
            try:
                d = dt.datetime.strptime(s, f).date()
            except ValueError:
                continue
            return (d.isoformat() if "%d" in f else d.isoformat()[:7]), True
    return None, False


def suggest(word: str, choices: dict[str, str]) -> str | None:
    """Best match for ``word`` among ids and labels (label -> id)."""
    if word in choices:
        return choices[word]
    hit = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return choices[hit[0]] if hit else None


def unclean(value: str, what: str, what_en: str, free_text: bool = False) -> tuple[str, str] | None:
    """(Chinese message, English detail) when ``value`` holds a character no id or name may hold (a
    control character, a bidi override: :func:`xinyong.safe.bad_char`); None when it is clean.
    ``free_text`` (a reason, a title) may keep a tab and a newline."""
    got = bad_char(value, free_text)
    if got is None:
        return None
    pos, ch = got
    return (f"{what}第 {pos} 个字符是看不见的控制字符 {char_name(ch)}，请删去后重新填写",
            f"{what_en} holds control or bidi character U+{ord(ch):04X} at position {pos}")
