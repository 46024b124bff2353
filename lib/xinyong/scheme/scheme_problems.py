"""Problems found in a scheme, collected — all of them — then raised as one located SchemeError.

The loader finds the structural ones (ids, inputs, readings, gate tests); compiling the scheme
against a rule-kind registry (:func:`xinyong.scoring.plan.compile`) finds the rule ones (kinds,
parameters, inputs a rule reads). Both report through this class, so both read
``方案文件有误：file 第N行 条目 item 字段 field：…`` with the English detail listing every problem.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SchemeError
from .model import SchemeOrigin


@dataclass
class Problems:
    """``add`` each problem as (node id, field path, Chinese message, English detail)."""

    origin: SchemeOrigin | None
    scheme_id: str = ""
    found: list[tuple[str | None, str, str, str]] = field(default_factory=list)

    def add(self, node_id: str | None, field_path: str, zh: str, en: str) -> None:
        self.found.append((node_id, field_path, zh, en))

    def raise_if_any(self) -> None:
        if self.found:
            raise self.error()

    def error(self) -> SchemeError:
        """The one error for everything found, located at the first problem."""
        lines = self.origin.id_lines if self.origin else {}
        file = self.origin.file if self.origin else None
        name = Path(file).name if file else self.scheme_id  # a scheme built in code has no file
        node_id, field_path, zh, _ = self.found[0]
        line = lines.get(node_id or "")
        noun = (self.origin.id_nouns.get(node_id or "") if self.origin else None) or "条目"
        more = f"（另有 {len(self.found) - 1} 处）" if len(self.found) > 1 else ""
        return SchemeError(
            f"方案文件有误：{name} 第{line or '?'}行 {noun} {node_id} 字段 {field_path}：{zh}{more}",
            "; ".join(f"{name}:{lines.get(n or '', '?')} {n}.{f}: {e}" for n, f, _, e in self.found),
            file=file, line=line, item=node_id, field=field_path,
        )


# ---------------------------------------------------------------------------------------------------
# pydantic errors in Chinese, for the people who write scheme files
NOUN = {"Scheme": "方案", "Section": "部分", "Item": "条目", "InputSpec": "输入", "Gate": "门槛",
        "GateCondition": "门槛条件", "Reading": "解读", "ReadingOption": "解读选项", "Variant": "变体",
        "Rule": "规则", "Citation": "来源", "Cap": "上限", "Consequence": "门槛后果", "Grades": "等级",
        "GradeBand": "等级"}
_PATTERNS = {
    r"^[a-z][a-z0-9_]*$": "以小写英文字母开头，只含小写字母、数字和下划线（如 gov_events_total）",
    r"^[a-z][a-z0-9_]*(\.[0-9a-z_]+)*$": "以方案编号开头、用点分隔（如 mini.1.2）",
    r"^[A-Za-z0-9_]+$": "只含英文字母、数字和下划线（如 E1）",
}


def closest(word: str, choices) -> str | None:
    """The valid name an author most likely meant (difflib), or None."""
    import difflib

    hit = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return hit[0] if hit else None


def model_fields(model) -> list[str]:
    """The fields an author may write in ``model`` (a pydantic class), in declaration order."""
    return list(getattr(model, "model_fields", {}))


def _split_text(field: str) -> bool:
    """A field name no author writes: Chinese text, or words with spaces or punctuation — the tail of a
    clause cut at an ASCII comma."""
    return any(ord(ch) > 0x2e7f for ch in field) or any(ch in field for ch in " ；;。.%（）()")


def zh_message(err: dict, model=None, hide: tuple[str, ...] = ()) -> str:
    """One pydantic error in Chinese. ``model``: the class holding the offending field (for the list of
    valid fields); ``hide``: fields not to offer (filled by the program)."""
    kind, ctx, value = err.get("type", ""), err.get("ctx") or {}, err.get("input")
    field = str(err["loc"][-1]) if err.get("loc") else ""
    valid = [f for f in model_fields(model) if f not in hide] if model is not None else []
    if kind == "extra_forbidden":
        if _split_text(field):
            # `{quote: 每条扣1分, 最高得6分；}`: YAML reads an unquoted ASCII comma in a flow mapping as the
            # end of the value, so the rest of the clause became a field name
            return (f"未知字段“{field}”：这像是一段文字的后半截。写在 {{ }} 里的文字含有英文逗号“,”时，"
                    "YAML 会在逗号处把它截断；请给整段文字加上引号（如 quote: \"每条扣1分, 最高得6分\"），"
                    "或把逗号改成中文逗号“，”")
        best = closest(field, valid)
        return (f"未知字段“{field}”" + (f"，是否想写“{best}”？" if best else "。")
                + (f"可用字段：{'、'.join(valid)}" if valid else ""))
    if kind == "missing":
        return f"缺少必填字段“{field}”" + (f"（可用字段：{'、'.join(valid)}）" if valid else "")
    if kind in ("float_parsing", "float_type", "finite_number"):
        return f"应为数字，实际为“{value}”"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"应为整数，实际为“{value}”"
    if kind in ("bool_parsing", "bool_type"):
        return f"应为 true 或 false，实际为“{value}”"
    if kind == "string_type":
        return f"应为文本，实际为“{value}”"
    if kind == "list_type":
        return "应为列表（写成 [a, b] 或逐行以 - 开头）"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "应为映射（键: 值）" + (f"，可用字段：{'、'.join(valid)}" if valid else "")
    if kind == "literal_error":
        import re

        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        best = closest(value, options) if value is not None else None
        return (f"取值“{value}”无效" + (f"，是否想写“{best}”？" if best and best != value else "。")
                + f"可用取值：{'、'.join(options)}")
    if kind == "string_pattern_mismatch":
        rule = _PATTERNS.get(str(ctx.get("pattern")), f"须匹配 {ctx.get('pattern')}")
        return f"“{value}”格式不对：应{rule}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        word = {"greater_than_equal": "不小于", "greater_than": "大于", "less_than_equal": "不大于",
                "less_than": "小于"}[kind]
        bound = next(iter(ctx.values()), "")
        bound = f"{bound:g}" if isinstance(bound, float) else bound
        return f"应{word} {bound}，实际为 {value}"
    if kind in ("too_short", "string_too_short"):
        return "不能为空" if kind == "string_too_short" else f"至少需要 {ctx.get('min_length', 1)} 项"
    if kind == "value_error":
        msg = str(err.get("msg", ""))
        return msg.split("Value error, ", 1)[-1]
    return str(err.get("msg", ""))
