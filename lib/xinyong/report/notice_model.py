"""The 通报's model: who sends it, when and to whom (:class:`NoticeOptions`), and what it says (:class:`Notice`,
its ranking lines :class:`NoticeRow`), every figure already a string. :mod:`.notice_builder` fills it in."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping

from ..errors import XinyongError
from ..labels import period_zh


def _date(value: Any, name: str, where: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", text)
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])) if m else dt.date.fromisoformat(text)
    except ValueError:
        raise XinyongError(f"{where}{name} 应为日期，如 2023-01-10 或 2023年1月10日，而不是“{text}”",
                           f"{where}{name}: not a date: {text!r}") from None


@dataclass(frozen=True)
class NoticeOptions:
    """Who sends the 通报, when, to whom, and by when units rectify; "" / None: the default."""

    issuer: str = ""  # 发文机关 (default: the scheme's issuing office, else a blank to fill in)
    date: dt.date | None = None  # 成文日期 (default: the day it is written)
    to: str = ""  # 主送 (default: 各参评单位)
    rectify_by: dt.date | None = None  # 整改期限 (default: before the next period's data are sent)
    number: str = ""  # 文号 (default: the scheme's office abbreviation and 〔　　〕号, to fill in)

    KEYS = ("issuer", "date", "to", "rectify_by", "number")

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None, where: str = "") -> "NoticeOptions":
        """From a params file's ``notice:`` block (or the command line's options): unknown keys and bad
        dates are Chinese errors naming ``where`` (the file and the block)."""
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise XinyongError(f"{where}notice 应为键值对（issuer、date、to、rectify_by、number）",
                               f"{where}notice: expected a mapping")
        bad = [k for k in raw if k not in cls.KEYS]
        if bad:
            raise XinyongError(f"{where}notice 中有未知的键：{'、'.join(map(str, bad))}（可用：{'、'.join(cls.KEYS)}）",
                               f"{where}notice: unknown keys {bad}")
        text = {k: "" if raw.get(k) is None else str(raw.get(k)).strip() for k in ("issuer", "to", "number")}
        return cls(**text, date=_date(raw.get("date"), "date（成文日期）", where),
                   rectify_by=_date(raw.get("rectify_by"), "rectify_by（整改期限）", where))

    def over(self, base: "NoticeOptions") -> "NoticeOptions":
        """These options where set, ``base``'s elsewhere (the command line over the params file)."""
        return replace(base, **{f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)})


def date_zh(d: dt.date) -> str:
    """A date as a 公文 writes it: 2023年1月10日."""
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(frozen=True)
class NoticeRow:
    """One line of 二、排名, as printed (every figure already a string)."""

    unit: str
    place: str  # “1”, “暂列 5”, “不参加”, “—”
    place_range: str  # “（5–6）” under 暂列, else ""
    name: str
    mark: str  # “（一票否决）”, “（未报送）”, ""
    score: str  # “97.21”, or “97.21（100）” when units' full marks differ; “—” not reported
    grade: str  # “良好”, “—”, "" (no grades)
    grade_settled: bool
    tone: str  # labels.grade_tone: good | bad | ""
    change: str  # “+8.21”, “-2.36”, “持平”, “新参评”, "" (no previous period)
    direction: int  # +1 up, -1 down, 0 otherwise


@dataclass(frozen=True)
class Notice:
    title: str
    number: str  # 文号
    to: str  # 主送
    lead: str  # the opening paragraph, ending “现将考核结果通报如下：”
    overall: tuple[str, ...]  # 一、总体情况
    rows: tuple[NoticeRow, ...]  # 二、排名
    score_head: str  # “得分（满分 100 分）” or “得分（满分）”
    has_grades: bool
    has_change: bool
    previous: str  # the previous period in words, "" when none
    ranking_notes: tuple[str, ...]
    common: tuple[str, ...]  # 三（一）共性问题, each “一是…”
    individual: tuple[tuple[str, str], ...]  # 三（二）个性问题: (unit name, sentence)
    next_steps: tuple[tuple[str, str], ...]  # 四: (lead “（一）限期整改。”, text)
    issuer: str
    date: str  # 成文日期 in words
    # the facts the top index shows per run (summary.json): names only, as printed here
    lowest: str = ""  # “示例县工业和信息化局（56.71 分，不合格）”
    vetoed: tuple[str, ...] = ()
    unsettled: tuple[str, ...] = ()
    period: str = ""
    short_title: str = ""
    sections: tuple[str, ...] = field(default=("一、总体情况", "二、排名", "三、存在问题", "四、下一步工作"))

    def facts(self) -> dict:
        """What the top index shows of this 通报 (recorded in the run's ``summary.json``)."""
        return {"title": self.title, "lowest": self.lowest, "vetoed": list(self.vetoed),
                "unsettled": list(self.unsettled)}


def notice_title(scheme: Any, period: str) -> str:
    """“关于2022年第四季度郏县县直单位季度考核结果的通报”: a short title that already ends in 考核/评估/评价
    is not followed by a second 考核."""
    short = scheme.short_title or scheme.title
    what = f"{short}结果" if short.endswith(("考核", "评估", "评价", "评比", "考评")) else f"{short}考核结果"
    return f"关于{period_zh(period)}{what}的通报"
