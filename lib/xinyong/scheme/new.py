"""``xinyong new``: a commented starting file for a new scheme.

The file loads and compiles as it is (one section, three items, a veto, a check, grades), so an author
starts from something that runs and replaces it clause by clause; every construct the format has is
shown, the optional ones commented out. docs/SCHEMES.md is the tutorial that goes with it.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from ..errors import SchemeError
from .model import Scheme

ID = re.compile(r"^[a-z][a-z0-9_]*$")

TEMPLATE = '''\
# {id}：新方案的起始文件（xinyong new 生成）。逐条对照考核办法原文修改；说明见 docs/SCHEMES.md。
# 检查：xinyong check {file}（格式、分值合计、引文是否在来源文本的所写行）
# 输入清单：xinyong inputs {file}；填报模板：xinyong template {file} …
id: {id}
title: {title}
short_title: {title}
level: 县直单位            # 城市 / 区县 / 县直单位 / 乡镇
period_kind: year          # year / quarter / once
unit_kinds: [县直单位]     # 被考核单位的类型；文件对某类单位另有规定时，条目用 variants
# source.file：考核办法原文（纯文本），路径相对于本文件；line 为行号，quote 须与该行原文一字不差
source: {{file: source.txt, line: 1, quote: "考核满分100分"}}
declared_total: 100        # 可选：照抄文件声明的满分（不要改成条目合计：check 会比较两者）；文件没写就删掉这行，check 会提示“未给出总分”
# declared_bonus: 5        # 照抄文件声明的附加分
# bonus_cap: {{max: 5, source: {{file: source.txt, line: 1, quote: "附加分最高5分"}}}}   # “附加分最高…分”：计分时生效

inputs:                    # 每个事实一个输入；百分比按百分数存（95 表示 95%）
  - {{id: late_reports, label: 迟报、错报条数, unit: 条, type: integer, min: 0}}
  - {{id: events, label: 失信事件数, unit: 起, type: integer, min: 0}}
  - {{id: events_rectified, label: 已整改到位的失信事件数, unit: 起, type: integer, min: 0}}

sections:
  - id: {id}.1
    name: 第一部分（改为文件中的一级指标名称）
    declared_points: 100   # 照抄文件写明的本部分分值
    # cap: {{max: 40, source: …}}   # “本部分最高不超过40分”
    # cap: {{min: 0, source: …}}    # “本部分扣完为止”（条目可扣成负数时才有作用，见 min_points）
    items:
      - id: {id}.1.1
        name: 信息报送
        max_points: 40
        # “每条扣0.5分，最高扣5分”
        rule: {{kind: deduction, params: {{amount: late_reports, per: 0.5, max_deduction: 5}}}}
        inputs: [late_reports]
        source: {{file: source.txt, line: 1, quote: "每条扣0.5分，最高扣5分"}}
      - id: {id}.1.2
        name: 失信事件整改
        max_points: 30
        # “每发生一起扣10分，已整改的每起扣5分”（公式计分，结果截在 [floor, max_points]）
        rule: {{kind: formula, params: {{expr: "30 - 10 * (events - events_rectified) - 5 * events_rectified"}}}}
        inputs: [events, events_rectified]
        source: {{file: source.txt, line: 1, quote: "每发生一起扣10分"}}
      - id: {id}.1.3
        name: 工作成效
        max_points: 30
        # “酌情计分”：评审人员在模板的“评审”表填分数（0–满分）和理由
        rule: {{kind: judgement, params: {{guidance: 根据工作开展情况酌情计分}}}}
        source: {{file: source.txt, line: 1, quote: "酌情计分"}}
        # no_criteria: true   # 文件只给了分值、没写评分标准时加上（仍用 judgement），check 会列为“缺少评分标准”

gates:                     # “一票否决”（veto）或“认定条件”（qualification）；没有就删掉整段
  - id: {id}.veto
    name: 一票否决
    kind: veto
    source: {{file: source.txt, line: 1, quote: "实行一票否决"}}
    conditions:
      - id: {id}.veto.1
        name: 失信事件均已整改到位
        test: "events_rectified >= events"
        inputs: [events, events_rectified]
        source: {{file: source.txt, line: 1, quote: "未整改到位的"}}
    # 否决的后果照文件写。整段不写时：有等级的方案定为最低一档，不参加排名。
    # exclude_from_ranking（是否不参加排名）文件没提就不写：按默认——否决不参加排名、认定条件照常排名，
    # check 会提示“排名按默认”；文件明说参加排名写 false；拿不准就记为解读（readings 的 set 指向本门槛编号）
    consequence: {{grade: 不合格, exclude_from_ranking: true}}
    # consequence: {{grade_cap: 合格}}   # “不得评为良好以上”（排名按默认：不参加）
    # consequence: {{total: 0}}          # “考核得分计0分”

checks:                    # 输入之间必须成立的关系（部分不大于整体）；error 使该单位数据无效，warning 只提示
  - id: {id}.check.rectified
    test: "events_rectified <= events"
    message: 已整改到位的失信事件数不能多于失信事件数
    # severity: warning

grades:                    # 等级，从高到低；“以上”含本数，“以下”不含本数时写 min 即可
  basis: total             # total（含附加分）或 base_total
  source: {{file: source.txt, line: 1, quote: "90分以上为优秀"}}
  bands:
    - {{label: 优秀, min: 90}}
    - {{label: 良好, min: 80}}
    - {{label: 合格, min: 60}}
    - {{label: 不合格}}

# readings:                # 文件有歧义时：记录选择和理由，备选作为 options（见 docs/SCHEMES.md）
'''


def starter_yaml(scheme_id: str, title: str | None = None, file_name: str = "scheme.yaml") -> str:
    """The commented starting file for ``scheme_id``."""
    if not ID.match(scheme_id or ""):
        raise SchemeError(f"方案编号“{scheme_id}”格式不对：应以小写英文字母开头，只含小写字母、数字和下划线（如 shifan_2024）",
                          f"invalid scheme id {scheme_id!r}", scheme=scheme_id)
    return TEMPLATE.format(id=scheme_id, title=title or f"{scheme_id} 考核办法（改为文件标题）", file=file_name)


def write_starter(scheme_id: str, out: str | Path, title: str | None = None, force: bool = False) -> Path:
    """Write the starting file to ``out``; an existing file is kept unless ``force``."""
    out = Path(out)
    if out.exists() and not force:
        raise SchemeError(f"文件已存在：{out}（如要覆盖，加 --force）", f"{out} exists", file=str(out))
    text = starter_yaml(scheme_id, title, out.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out


def source_path_for(out: Path) -> Path:
    """Where the document's text goes: beside the YAML, ``ID.yaml`` → ``ID.source.txt``."""
    return out.with_name(out.stem + ".source.txt")


def write_draft(scheme_id: str, document: str | Path, out: str | Path, title: str | None = None,
                force: bool = False, validate: Callable[[Scheme], None] | None = None):
    """Draft ``out`` from the office's own ``document`` and write the document's text beside it.

    The draft is loaded by the real loader (and passed to ``validate``, which the command line uses to
    compile it and check its quotes) in a scratch folder first: nothing is written unless it loads.
    Returns (the YAML path, the source text path, the :class:`Draft`).
    """
    from .document import read_document
    from .draft import draft_scheme
    from .draft_yaml import draft_yaml

    starter_yaml(scheme_id)  # the id check
    out, document = Path(out), Path(document)
    source = source_path_for(out)
    for path in (out, source):
        if path.exists() and not force:
            raise SchemeError(f"文件已存在：{path}（如要覆盖，加 --force）", f"{path} exists", file=str(path))
    lines = read_document(document)
    draft = draft_scheme(lines, scheme_id)
    if title:
        draft.title = title
    if not draft.items:
        raise SchemeError(f"在“{document.name}”中没有找到评分条款（如“得5分”“每条扣0.5分”“（10分）”“酌情计分”），"
                          f"无法起草；可改用 xinyong new {scheme_id} -o {out.name} 从起始文件手写",
                          f"no scoring clause found in {document}", file=str(document))
    yaml_text = draft_yaml(draft, source.name, out.name, document.name)
    source_text = "\n".join(lines) + "\n"
    _try_load(yaml_text, source_text, out.name, source.name, validate)
    out.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(source_text, encoding="utf-8")
    out.write_text(yaml_text, encoding="utf-8")
    return out, source, draft


def _try_load(yaml_text: str, source_text: str, yaml_name: str, source_name: str,
              validate: Callable[[Scheme], None] | None) -> None:
    import tempfile

    from .loader import load_scheme

    with tempfile.TemporaryDirectory(prefix="xinyong-draft-") as tmp:
        (Path(tmp) / source_name).write_text(source_text, encoding="utf-8")
        (Path(tmp) / yaml_name).write_text(yaml_text, encoding="utf-8")
        try:
            scheme = load_scheme(Path(tmp) / yaml_name)
            if validate is not None:
                validate(scheme)
        except SchemeError as e:
            raise SchemeError(f"起草的方案文件未能通过校验，没有写出（这是起草程序的问题，请报告）：{e.message}",
                              f"draft does not load: {e.detail}", scheme=scheme_id_of(yaml_text)) from e


def scheme_id_of(yaml_text: str) -> str | None:
    m = re.search(r"^id: (\S+)", yaml_text, re.M)
    return m.group(1) if m else None
