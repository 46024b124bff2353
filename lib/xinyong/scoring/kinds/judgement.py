"""The ``judgement`` kind: points an assessor enters within [0, max], with a written reason."""
from __future__ import annotations

import numpy as np

from ...labels import fmt
from .. import describe as words
from ..registry import RuleParams
from .base import Frame, clip, column


class JudgementParams(RuleParams):
    column: str = ""  # filled by the engine: judge:<item id>
    guidance: str = ""  # what the assessor weighs (e.g. 003's sub-metrics)

    def input_ids(self):
        return {self.column} if self.column else set()


def judgement(frame: Frame, p: JudgementParams) -> np.ndarray:
    """Points entered by an assessor within [0, max], with a written justification.

    001 一: “……贯彻落实……等情况，酌情计分”. A missing entry is ``pending_judgement``, never 0.
    """
    return clip(column(frame, p.column), lower=0.0, upper=p.max_points)


def explain_judgement(values, p: JudgementParams, points: float) -> str:
    why = values.get("__why__") or ""
    return f"评审赋分 {fmt(points)}/{fmt(p.max_points)}" + (f"：{why}" if why else "")


def describe_judgement(values, p: JudgementParams, points: float, n: words.Names) -> str:
    why = values.get("__why__") or ""
    return f"评审赋分 {words.pts(points)}（满分 {words.plain(p.max_points)} 分）" + (f"，理由：{why}" if why else "")
