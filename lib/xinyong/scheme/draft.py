"""A first draft of a scheme from the lines of an office's own 考核办法: sections, items, points, rules.

Everything here is a guess from the wording, and each guess says so (``notes``, written as ``# 待确认：…``
beside the field it concerns): “每条扣0.5分” → ``deduction``, “每次得1分” → ``count_factor``, “酌情” →
``judgement``, “一票否决” → a veto gate, “得5分…未…不得分” → a ``threshold`` on a yes/no input. What
cannot be guessed becomes ``judgement`` (an assessor's points), so the draft always loads. Nothing here
knows any particular document: the patterns are the phrasing of 考核办法 in general (docs/SCHEMES.md,
“Common phrasings”). ``draft_yaml.py`` writes the result as commented YAML.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

NUM = r"(\d+(?:\.\d+)?)"
_NUMBER_CELL = re.compile(r"\d+(?:\.\d+)?")
_HEADING = re.compile(r"^(?:第[一二三四五六七八九十百]+[章部分条]|[一二三四五六七八九十]+\s*[、.．]|"
                      r"[（(]\s*[一二三四五六七八九十]+\s*[）)])\s*(.+)$")
_NUMERAL_CELL = re.compile(r"[一二三四五六七八九十]+")
_SCORING = re.compile(rf"[得扣计加减]\s*{NUM}\s*分|[（(]\s*{NUM}\s*分\s*[）)]|酌情|最[高多][^，。；,;]{{0,4}}?{NUM}\s*分|一票否决")
_PAREN_POINTS = re.compile(rf"[（(]\s*{NUM}\s*分")
_CAP = re.compile(rf"(?:最高|最多|共|满分)(?:得|计|加|为|不超过|可得)?\s*{NUM}\s*分")
_MAX_DEDUCTION = re.compile(rf"最[高多](?:扣|减)(?:除)?\s*{NUM}\s*分")
_FULL = re.compile(rf"(?:得|计)\s*{NUM}\s*分")
_PER_DEDUCT = re.compile(rf"每([^，。；,;]*?)(?:扣|减)(?:除)?\s*{NUM}\s*分")
_PER_GAIN = re.compile(rf"每([^，。；,;]*?)(?:得|加|计)\s*{NUM}\s*分")
_TARGET = re.compile(rf"(?:达到|不低于|不少于)\s*{NUM}\s*%")
_AT_LEAST = re.compile(rf"(?:达到|不低于|不少于|有)?{NUM}(%|名|个|家|次|项|批|人|件|篇)(?:以上|及以上)|(?:达到|不低于){NUM}(%)")
_ONCE = re.compile(r"(?:至少|每年|每季度|每半年)[^，。；,;（(]*?一(次|批|期|场)")
_NOT_DONE = re.compile(r"未[^，。；,;]*不得分|否则不得分|不得分")
_TOTAL = re.compile(rf"满分(?:为|是)?\s*{NUM}\s*分")
_BONUS_CAP = re.compile(rf"(?:附加分|加分)[^，。；,;]{{0,6}}?最[高多](?:得|计|加|为|不超过)?\s*{NUM}\s*分")
_GRADE_WORDS = re.compile(r"分以[上下][^。]*为(?:优秀|良好|较好|合格|基本合格|一般|不合格|差)")
_GRADE_BAND = re.compile(rf"{NUM}分以上[^，。；]*?为([^，。；]+)")
_GRADE_LOWEST = re.compile(rf"(?:^|[，。；]){NUM}分以下为([^，。；]+)")
_BONUS_WORDS = re.compile(r"附加分|加分")
_UNIT = re.compile(r"(条|次|家|个|项|起|篇|件|人|户|名|期|份|天|例|场|部门|单位)")
_HEADER_CELL = re.compile(r"序号|分值|分数|标准分|满分|权重|考核指标|评分标准|计分标准|考核内容|评估内容|指标|类别|项目")
_POINTS_COLUMNS = ("分值", "分数", "标准分", "满分", "权重")
_SUM_OF_PARTS = re.compile(r"分[）)]?[+＋]")
_NAMED_POINTS = re.compile(rf"[^\d（()）\t]{{2,20}}\s*[（(]\s*{NUM}\s*分\s*[）)]")
_CATEGORY_COLUMN = re.compile(r"一级指标|类别|考核项目|项目|考核类别|指标类别|评估内容")
_TITLE = re.compile(r"办法|细则|标准|指标|方案")
_PARENS = re.compile(r"[（(][^（()）]*[）)]")


@dataclass
class DraftInput:
    id: str
    label: str
    unit: str = ""
    type: str = "integer"  # integer (counts, min 0), bool (yes/no) or percent


@dataclass
class DraftItem:
    id: str
    name: str
    points: float
    line: int
    quote: str
    kind: str = "judgement"
    params: dict = field(default_factory=dict)
    inputs: list[DraftInput] = field(default_factory=list)
    bonus: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class DraftSection:
    id: str
    name: str
    line: int | None = None
    quote: str | None = None
    points: float | None = None
    cap_max: float | None = None
    cap_min: float | None = None
    bonus: bool = False
    items: list[DraftItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class DraftGate:
    id: str
    line: int
    quote: str
    input: DraftInput


@dataclass
class Fact:
    """A number the document states once for the whole scheme (满分, 附加分最高…), with its clause."""

    value: float
    line: int
    quote: str


@dataclass
class Draft:
    id: str
    title: str
    title_line: int
    total: Fact | None = None
    bonus_cap: Fact | None = None
    grades: list[tuple[str, float | None]] = field(default_factory=list)
    grades_at: Fact | None = None
    sections: list[DraftSection] = field(default_factory=list)
    gates: list[DraftGate] = field(default_factory=list)

    @property
    def items(self) -> list[DraftItem]:
        return [it for s in self.sections for it in s.items]


def num(text: str) -> float:
    return float(text)


def cells_of(line: str) -> list[str]:
    return [c.strip() for c in line.split("\t") if c.strip()]


def draft_scheme(lines: list[str], scheme_id: str) -> Draft:
    """Read ``lines`` (line 1 is ``lines[0]``) top to bottom: headings open sections, scoring clauses
    become items of the current section, a clause with 一票否决 a gate; a heading no item follows is dropped."""
    title_line = next((k for k, ln in enumerate(lines, 1) if _TITLE.search(ln) and 4 <= len(ln.strip()) <= 60),
                      next((k for k, ln in enumerate(lines, 1) if ln.strip()), 1))
    draft = Draft(scheme_id, (lines[title_line - 1].strip() if lines else "") or f"{scheme_id} 考核办法", title_line)
    current: DraftSection | None = None
    header: list[str] = []  # the last table header seen: which number of a row is its 分值
    for no, line in enumerate(lines, 1):
        cells = cells_of(line)
        if not cells or _scheme_fact(draft, no, line):
            continue
        if is_header(cells):
            header = cells
            continue
        heading, rest = _heading(cells, line, header, no, len(draft.sections) + 1, scheme_id)
        if heading is not None:
            if current is not None and not current.items:
                draft.sections.remove(current)
            current = heading
            heading.id = f"{scheme_id}.{len(draft.sections) + 1}"
            draft.sections.append(heading)
        if not rest:
            continue
        vetoes = [c for c in rest if "一票否决" in c]
        if vetoes:
            veto = max(vetoes, key=len)  # the clause, not a cell that only names it
            k = len(draft.gates) + 1
            draft.gates.append(DraftGate(f"{scheme_id}.veto_{k}", no, veto, DraftInput(
                f"veto_{k}_clear", f"未出现一票否决情形（第{no}行：{_short(veto, 24)}）", "", "bool")))
            continue
        clause = _clause(rest, header)
        if clause is not None and clause[1] is None:
            clause = _section_points(current, clause)
        if clause is None:
            continue
        if current is None:
            current = DraftSection(f"{scheme_id}.{len(draft.sections) + 1}", "考核内容", notes=[
                "文件中本条之前没有可识别的一级指标标题（如“一、…”“（一）…”），条目暂放在这一部分"])
            draft.sections.append(current)
        current.items.append(_item(current, no, *clause))
    if current is not None and not current.items:
        draft.sections.remove(current)
    _settle_sections(draft)
    return draft


def veto_consequence(quote: str, grade_labels: list[str]) -> dict:
    """What failing a veto does, when the clause says it: “考核等次定为不合格，不参加排名”, “得分计0分”."""
    out: dict = {}
    squeezed = quote.replace(" ", "")
    m = re.search(r"(?:定为|评为|确定为|认定为|为)(" + "|".join(map(re.escape, grade_labels)) + ")", squeezed) \
        if grade_labels else None
    if m:
        out["grade"] = m.group(1)
    if re.search(r"不参[加与]排名|不予排名|不排名", squeezed):
        out["exclude_from_ranking"] = True
    if re.search(r"[计记得]0分|得分为0|总分为0", squeezed):
        out["total"] = 0
    return out


def _section_points(sec: DraftSection | None, clause: tuple) -> tuple | None:
    """A deduction clause without points of its own, first under a heading that has some, takes them."""
    if sec is None or sec.points is None or sec.items:
        return None
    name, _, quote, _ = clause
    return name, sec.points, quote, f"本部分标题的分值 {sec.points:g}（条款本身没写满分）"


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _scheme_fact(draft: Draft, no: int, line: str) -> bool:
    """满分, 附加分最高, grade bands: facts about the whole scheme. True when the line is only that."""
    flat = _PARENS.sub("", line.replace(" ", ""))
    m = _BONUS_CAP.search(line.replace(" ", ""))
    if m and draft.bonus_cap is None:
        draft.bonus_cap = Fact(num(m.group(1)), no, _quote_of(line, m.group(0)))
    if _GRADE_WORDS.search(flat) and not draft.grades:
        bands = [(label, num(v)) for v, label in _GRADE_BAND.findall(flat)]
        lowest = _GRADE_LOWEST.findall(flat)
        mins = [b[1] for b in bands]
        if bands and lowest and mins == sorted(set(mins), reverse=True):
            draft.grades = [*bands, (lowest[-1][1], None)]
            draft.grades_at = Fact(0, no, line.strip())
            return True
    m = _TOTAL.search(line.replace(" ", ""))
    is_total = bool(m) and not re.search(r"[得扣计减]\s*\d", line)
    if is_total and draft.total is None:
        draft.total = Fact(num(m.group(1)), no, _quote_of(line, m.group(0)))
    return is_total or bool(_GRADE_WORDS.search(flat))


def _quote_of(line: str, squeezed: str) -> str:
    """The stretch of ``line`` that reads ``squeezed`` once its spaces are dropped (“满分为 100 分”)."""
    pattern = r"\s*".join(re.escape(ch) for ch in squeezed)
    m = re.search(pattern, line)
    return m.group(0) if m else line.strip()


def _heading(cells: list[str], line: str, header: list[str], no: int, k: int,
             scheme_id: str) -> tuple[DraftSection | None, list[str]]:
    """A section heading at the start of the line (“（一）信息归集（30分）”, a table row “一 | 领导机制建设 | 5”,
    a first column “信息归集（40分）” or one headed 一级指标) and the cells after it, which may hold the row's
    first item (“一、守信激励（85分） | 6 | 诚信案例 | …”)."""
    first = cells[0]
    if _NUMERAL_CELL.fullmatch(first) and len(cells) >= 2 and not _NUMBER_CELL.fullmatch(cells[1]):
        rest = cells[2:]
        points = num(rest.pop(0)) if rest and _NUMBER_CELL.fullmatch(rest[0]) else None
        sec = DraftSection(f"{scheme_id}.{k}", _short(cells[1], 30), no, cells[1], points)
        return _section_words(sec, cells[1]), ([] if not any(_SCORING.search(c) for c in rest) else rest)
    m = _HEADING.match(first)
    if m is None and len(cells) >= 2 and (_NAMED_POINTS.fullmatch(first) or _category_cell(first, line, header)):
        m = re.match(r"(.+)", first)  # a table's first column naming its section: “信息归集（40分） | 1 | …”
    if not m or len(first) > 60 or re.search(r"[得扣]\s*\d+(?:\.\d+)?\s*分", first):
        return None, cells
    body = m.group(1).strip()
    name = re.split(r"[（(：:。，,]", body)[0].strip() or body
    pm = _PAREN_POINTS.search(body)
    sec = DraftSection(f"{scheme_id}.{k}", _short(name, 30), no, first, num(pm.group(1)) if pm else None)
    return _section_words(sec, body), cells[1:]


def _category_cell(first: str, line: str, header: list[str]) -> bool:
    """The row's own first cell (not a blank left by a merged cell) under a header whose first column is
    the section's (一级指标, 类别, 考核项目), in a table of at least three columns."""
    return (len(header) >= 3 and bool(_CATEGORY_COLUMN.fullmatch(header[0].replace(" ", ""))) and
            not line.startswith("\t") and not _NUMBER_CELL.fullmatch(first) and len(first) <= 30)


def _section_words(sec: DraftSection, text: str) -> DraftSection:
    """“本部分最高不超过40分” → cap max; “扣完为止” → cap min 0; “附加分”/“加分” → a bonus section."""
    squeezed = text.replace(" ", "")
    sec.bonus = bool(_BONUS_WORDS.search(squeezed))
    m = _CAP.search(squeezed)
    if m and not _BONUS_CAP.search(squeezed):
        sec.cap_max = num(m.group(1))
        sec.notes.append(f"本部分上限 {m.group(1)} 分：由标题中的“{m.group(0)}”推断")
    if "扣完为止" in squeezed:
        sec.cap_min = 0
        sec.notes.append("本部分合计不低于 0：由标题中的“扣完为止”推断")
    if sec.bonus:
        sec.notes.append(f"附加分部分：由标题中的“{_BONUS_WORDS.search(squeezed).group(0)}”推断")
    return sec


def _clause(cells: list[str], header: list[str]) -> tuple[str, float | None, str, str] | None:
    """(name, points, quote, where the points come from) of a scoring clause, or None.

    A table row's 分值 column gives the points (after a leading 序号; a row's only number is its 分值
    when the table's ``header`` has a 分值 column and no 序号 column); else the wording does."""
    numbers = [c for c in cells if _NUMBER_CELL.fullmatch(c)]
    texts = [c for c in cells if not _NUMBER_CELL.fullmatch(c)]
    if not texts:
        return None
    scoring = [c for c in texts if _SCORING.search(c) and not _GRADE_WORDS.search(c)]
    table_points = None
    if len(cells) > 1 and numbers:
        table_points = numbers[1] if len(numbers) > 1 and cells[0] == numbers[0] else numbers[0]
        if len(numbers) == 1 and cells[0] == numbers[0] and not _points_column(header):
            table_points = None  # a 序号, not a 分值: the table has no 分值 column, or none is known
    if scoring and _SUM_OF_PARTS.search(scoring[0].replace(" ", "")):
        return None  # “信用制度（15分）+诚信文化（10分）=150分”: the totals added up, not a clause
    if scoring:
        quote = scoring[0]
    elif table_points is not None:
        quote = max(texts, key=len)
    else:
        return None
    # the item's name is a short cell before its clause (考核指标 comes before 评分标准; 考核依据 after it)
    names = [c for c in cells[:cells.index(quote)] if c in texts and len(c) <= 30]
    name = _name_from(names[0], 30) if names else _name_from(quote)
    if table_points is not None and num(table_points) <= 200:
        return name, num(table_points), quote, f"表格“分值”栏的 {table_points}"
    found = points_from_words(quote)
    if found is None and _PER_DEDUCT.search(quote.replace(" ", "")):
        return name, None, quote, ""  # “每发生一起…扣10分”: the points may be the section's
    if found is None:
        per = _PER_GAIN.search(quote.replace(" ", ""))
        if per is None:
            return None
        found = (num(per.group(2)), f"“{per.group(0)}”（文件未写本条满分或上限，暂按一次的分值；请改成文件的意思）")
    return name, found[0], quote, found[1]


def is_header(cells: list[str]) -> bool:
    """A table's header row: no numbers, and column names such as 序号, 分值, 评分标准."""
    return len(cells) >= 2 and not any(_NUMBER_CELL.fullmatch(c) for c in cells) and \
        any(_HEADER_CELL.fullmatch(c.replace(" ", "")) for c in cells)


def _points_column(header: list[str]) -> bool:
    names = [c.replace(" ", "") for c in header]
    return any(c in _POINTS_COLUMNS for c in names) and "序号" not in names


def _name_from(quote: str, limit: int = 20) -> str:
    """“1．“双公示”信息报送（20分）。按时…” → “双公示”信息报送; else the clause's first words."""
    body = re.sub(r"^\s*[\d０-９]+\s*[.．、)）]\s*", "", quote)  # “1．”, “2、”, “3)”
    body = re.sub(r"^\s*[（(]\s*\d+\s*[）)]\s*", "", body)
    head = re.split(r"[（(，。；：,;:]", body)[0].strip()
    return _short(head or body.strip() or "条目", limit)


def points_from_words(text: str) -> tuple[float, str] | None:
    """An item's full points from its wording: “（20分）”, “最高20分”/“共14分”, “得5分”, “最高扣5分”."""
    squeezed = text.replace(" ", "")
    m = _PAREN_POINTS.search(squeezed)
    if m:
        return num(m.group(1)), f"“{m.group(0)}）”"
    m = _CAP.search(squeezed)
    if m:
        return num(m.group(1)), f"“{m.group(0)}”"
    full = [g for g in _FULL.finditer(squeezed) if not _in_per_clause(squeezed, g.start())]
    if len(full) > 1:
        total = sum(num(g.group(1)) for g in full)
        return total, "“" + "”“".join(g.group(0) for g in full) + "”相加（若是几档择一而不是几部分相加，请改）"
    if full:
        return num(full[0].group(1)), f"“{full[0].group(0)}”"
    m = _MAX_DEDUCTION.search(squeezed)
    if m:
        return num(m.group(1)), f"“{m.group(0)}”（满分按最多扣分计）"
    return None


def _in_per_clause(text: str, at: int) -> bool:
    """Whether position ``at`` is in a “每…” sub-clause (points per event, not the item's full points)."""
    start = max(text.rfind(p, 0, at) for p in "，。；,;") + 1
    return "每" in text[start:at]


def _item(sec: DraftSection, no: int, name: str, points: float, quote: str, points_from: str) -> DraftItem:
    item_no = len(sec.items) + 1
    base = f"item_{sec.id.split('.', 1)[1].replace('.', '_')}_{item_no}"
    item = DraftItem(f"{sec.id}.{item_no}", name, points, no, quote)
    item.notes.append(f"满分 {points:g} 分：取自{points_from}")
    item.bonus = sec.bonus or bool(_BONUS_WORDS.search(quote))
    if item.bonus and not sec.bonus:
        item.notes.append("附加（加分）条目：由“加分”/“附加分”推断")
    guess_rule(item, quote.replace(" ", ""), base)
    return item


def guess_rule(item: DraftItem, text: str, base: str) -> None:
    """Set ``item``'s rule kind, params and inputs from the wording ``text`` (spaces removed)."""
    if "酌情" in text or not _SCORING.search(text):
        item.kind, item.params = "judgement", {"guidance": _short(text, 60)}
        item.notes.append("评审人员打分（judgement）：由“酌情”推断" if "酌情" in text else
                          "表格只给了分值，本条没有“得…分”“扣…分”之类的评分标准，暂作评审人员打分（judgement）")
        return
    m = _PER_DEDUCT.search(text)
    if m:
        inp = _count_input(base, item.name, m.group(1), text[:m.start()])
        item.kind, item.inputs = "deduction", [inp]
        item.params = {"amount": inp.id, "per": num(m.group(2))}
        item.notes.append(f"按次扣分（deduction），每{inp.unit or '次'}扣 {m.group(2)} 分：由“{m.group(0)}”推断")
        target = _TARGET.search(text[:m.start()])
        if inp.type == "percent" and target:
            inp.id, inp.label = f"{base}_rate", f"{item.name}（%）"
            item.inputs, item.params["amount"] = [inp], f"{target.group(1)} - {inp.id}"
            step = re.search(rf"{NUM}个?百分点", m.group(1))
            if step:
                item.params["step"] = num(step.group(1))
            item.notes.append(f"按低于 {target.group(1)}% 的百分点数扣分：由“{target.group(0)}”推断")
        if len(_PER_DEDUCT.findall(text)) > 1:
            item.notes.append("本条有几处“每…扣…分”，只写了第一处；其余请加进规则（如改用 formula）")
        md = _MAX_DEDUCTION.search(text)
        if md:
            item.params["max_deduction"] = num(md.group(1))
            item.notes.append(f"最多扣 {md.group(1)} 分（max_deduction）：由“{md.group(0)}”推断")
        if "扣完为止" in text:
            item.notes.append("“扣完为止”：扣到 0 分为止（deduction 的 floor 默认为 0）")
        return
    m = _PER_GAIN.search(text)
    if m:
        inp = _count_input(base, item.name, m.group(1), text[:m.start()])
        item.kind, item.inputs = "count_factor", [inp]
        item.params = {"input": inp.id, "factor": num(m.group(2)), "cap": item.points}
        item.notes.append(f"按次得分（count_factor），每{inp.unit or '次'}得 {m.group(2)} 分，最多 {item.points:g} 分："
                          f"由“{m.group(0)}”推断")
        return
    parts = [g for g in _FULL.finditer(text) if not _in_per_clause(text, g.start())]
    if len(parts) > 1:
        _parts_rule(item, text, parts, base)
        return
    if _at_least(item, text, base):
        return
    m = _FULL.search(text)
    if m and _NOT_DONE.search(text):
        start = max(text.rfind(p, 0, m.start()) for p in "，。；,;") + 1
        what = text[start:m.start()].strip().rstrip("的") or "做到"
        inp = DraftInput(f"{base}_done", f"{item.name}：是否{_short(what, 24)}", "", "bool")
        item.kind, item.inputs = "threshold", [inp]
        item.params = {"input": inp.id, "op": ">=", "value": 1, "points": num(m.group(1))}
        item.notes.append(f"做到得 {m.group(1)} 分、否则 0 分（threshold，是/否输入）："
                          f"由“{m.group(0)}”和“{_NOT_DONE.search(text).group(0)}”推断")
        return
    item.kind, item.params = "judgement", {"guidance": _short(text, 60)}
    item.notes.append("未能从措辞判断计分方式，暂作评审人员打分（judgement）；请按原文改写规则")


def _at_least(item: DraftItem, text: str, base: str) -> bool:
    """“比率达到50%（1分）”, “有2名以上专职人员（1分）”, “至少召开一次会议（0.5分）” → threshold ``>=``."""
    m = _AT_LEAST.search(text)
    if m:
        value, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), "%")
    else:
        m = _ONCE.search(text)
        if m is None:
            return False
        value, unit = "1", m.group(1)
    start = max(text.rfind(p, 0, m.start()) for p in "，。；,;") + 1
    words = _short(text[start:m.end()].strip(), 24)
    inp = (DraftInput(f"{base}_rate", f"{item.name}：{words}（%）", "%", "percent") if unit == "%"
           else DraftInput(f"{base}_count", f"{item.name}：{words}（{unit}数）", unit, "integer"))
    item.kind, item.inputs = "threshold", [inp]
    item.params = {"input": inp.id, "op": ">=", "value": num(value)}
    item.notes.append(f"达到 {value}{unit} 得满分、否则 0 分（threshold，“以上”含本数）：由“{m.group(0)}”推断")
    return True


def _parts_rule(item: DraftItem, text: str, parts: list[re.Match], base: str) -> None:
    """“有考核通知文件的,得0.5分;有考核结果文件的,得0.5分” → capped_sum of yes/no parts."""
    rows = []
    for k, g in enumerate(parts, 1):
        start = max(text.rfind(p, 0, g.start()) for p in "，。；,;") + 1
        words = text[start:g.start()].strip().rstrip("的") or f"第{k}部分"
        inp = DraftInput(f"{base}_part{k}", f"{item.name}：{_short(words, 24)}（是否做到）", "", "bool")
        item.inputs.append(inp)
        rows.append({"label": _short(words, 24), "expr": f"{g.group(1)} * {inp.id}"})
    item.kind, item.params = "capped_sum", {"parts": rows, "cap": item.points}
    item.notes.append("几部分各自得分再相加（capped_sum，每部分一个是/否输入）：由“" +
                      "”“".join(g.group(0) for g in parts) + "”推断")


def _count_input(base: str, name: str, per_words: str, before: str) -> DraftInput:
    """The count a “每…” clause multiplies: its unit from the measure word (每条 → 条), its label from
    the words before it (“迟报、错报的每条扣0.5分” → 迟报、错报的条数)."""
    if "百分点" in per_words or "%" in per_words:
        return DraftInput(f"{base}_pct", f"{name}：相差的百分点数（每{per_words}）", "%", "percent")
    m = _UNIT.search(per_words)
    unit = m.group(1) if m else "次"
    before_words = re.split(r"[，。；,;]", before.rstrip("，。；,; "))[-1].strip().lstrip("有").rstrip("的")
    what = per_words if per_words.replace(unit, "", 1).strip() else (before_words or name)
    return DraftInput(f"{base}_count", f"{name}：{_short(what, 20)}（{unit}数）", unit, "integer")


def _settle_sections(draft: Draft) -> None:
    """A capped section may hold only base items or only bonus items: drop the cap of a mixed one."""
    for sec in draft.sections:
        if (sec.cap_max is not None or sec.cap_min is not None) and len({it.bonus for it in sec.items}) > 1:
            sec.cap_max = sec.cap_min = None
            sec.notes.append("本部分兼有基础条目和加分条目，未设上限；请把加分条目移到单独的部分后再加 cap")
