"""CLI commands of the intake step: ``xinyong template`` and ``xinyong validate``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..cli_util import Consoles

SEVERITY_ZH = {"error": "错误", "note": "提示"}


def read_units_file(path: Path):
    """Units for a template: a CSV or workbook with 单位编号/unit_id, 单位名称/unit_name, 单位类型/unit_kind."""
    from ..errors import InputError, Problem
    from .cells import text as _text
    from .problems import Log
    from .sources import Source, load_csv, open_source
    from .template import SHEET_UNITS, UNIT_COLUMNS, UnitRow

    log = Log(str(path))
    if not path.exists() or path.stat().st_size == 0:
        raise InputError("单位文件不存在或为空", f"units file missing or empty: {path}", file=str(path))
    data = path.read_bytes()
    src = open_source(path, data, log) if data.startswith(b"PK") else (load_csv(data, log) or Source("csv"))
    grids = src.grids
    grid = grids.get(SHEET_UNITS) or (next(iter(grids.values())) if grids else None)
    if grid is None or not grid.rows:
        raise InputError("无法读取单位文件", f"cannot read units from {path}", problems=log.problems, file=str(path))
    alias = {h: k for k, hs in UNIT_COLUMNS.items() for h in hs}
    cols = {alias[_text(v)]: j for j, v in enumerate(grid.rows[0], 1) if _text(v) in alias}
    if "unit_id" not in cols:
        raise InputError("单位文件缺少“单位编号”（unit_id）列", "units file has no unit_id column", file=str(path),
                         problems=[Problem("缺少列“单位编号”", "missing unit_id column", file=str(path), row=1,
                                           expected="单位编号, 单位名称, 单位类型")])
    units, seen, problems = [], set(), []
    for i in grid.row_numbers(2):
        get = (lambda k: _text(grid.value(i, cols[k])) if k in cols else "")
        uid = get("unit_id")
        if not uid or uid in seen:
            problems.append(Problem("单位编号为空或重复", f"blank or duplicate unit id {uid!r}", file=str(path), row=i,
                                    column="A", value=uid or None, expected="唯一的单位编号"))
            continue
        seen.add(uid)
        units.append(UnitRow(uid, get("unit_name"), get("unit_kind")))
    if problems:
        raise InputError("单位文件有问题", "bad units file", problems=problems, file=str(path))
    return units


def location(p) -> str:
    """Where a problem is, the way Excel names a cell: ``输入!C5`` (sheet, column letter, row)."""
    cell = f"{p.column or ''}{'' if p.row is None else p.row}"
    if p.sheet and cell:
        return f"{p.sheet}!{cell}"
    return p.sheet or (f"第 {p.row} 行 {p.column or ''}".strip() if p.row else "") or (p.column or "")


def problems_table(problems, title: str):
    from rich.table import Table

    t = Table(title=title, show_lines=False)
    for c in ("级别", "位置", "输入/条目", "单位", "值", "应为", "问题", "detail"):
        t.add_column(c, overflow="fold")
    for p in problems:
        t.add_row(SEVERITY_ZH.get(p.severity, p.severity), location(p), p.input or "", p.unit or "",
                  "" if p.value is None else repr(p.value), p.expected or "", p.message, p.detail)
    return t


def register(app: typer.Typer, consoles: Consoles) -> None:
    console = consoles.out

    @app.command("template")
    def template_cmd(
        scheme: str = typer.Argument(..., help="方案编号或文件 / scheme id or YAML path"),
        output: Path = typer.Option(..., "-o", "--output", help="输出的 .xlsx 文件 / workbook to write"),
        units: Optional[Path] = typer.Option(None, "--units", help="单位清单（CSV 或 xlsx：单位编号, 单位名称, 单位类型）"),
        period: str = typer.Option("", "--period", help="考核期，如 2022Q1 / assessment period"),
    ):
        """生成数据填报模板 / write the fill-in workbook for a scheme."""
        from ..scheme import load_scheme
        from .template import write_template

        s = load_scheme(scheme)
        rows = read_units_file(units) if units else None
        write_template(s, output, period=period, units=rows)
        console.print(f"已写出填报模板：{output}（{s.title}，{len(s.input_catalogue)} 个输入"
                      + (f"，{len(rows)} 个单位" if rows else "") + "）")

    @app.command("validate")
    def validate_cmd(
        scheme: str = typer.Argument(..., help="方案编号或文件 / scheme id or YAML path"),
        file: Path = typer.Argument(..., help="已填写的 .xlsx 或 .csv / filled workbook or CSV"),
        csv_out: Optional[Path] = typer.Option(None, "--csv", help="把问题清单写成 CSV / write the problems as CSV"),
    ):
        """校验填报文件 / check a filled workbook or CSV. 退出码：0 无错误（提示不算），2 有错误。"""
        from ..errors import InputError
        from ..scheme import load_scheme
        from ..scoring import score
        from ..util import atomic_write_text
        from .read import read_inputs

        s = load_scheme(scheme)
        res = read_inputs(s, file)
        problems = list(res.problems)
        summary = ""
        if res.ok:
            try:  # the frame must also be what the engine accepts
                sr = score(s, res.frame, unreported=res.unreported)
                counts = sr.status.apply(lambda c: c.astype(str).value_counts()).sum(axis=1)
                from ..scoring.result import STATUS_ZH

                summary = "；".join(f"{STATUS_ZH.get(k, k)} {int(v)} 项" for k, v in counts.items() if v)
            except InputError as exc:
                problems += exc.problems
        n_err = sum(p.severity == "error" for p in problems)
        n_note = len(problems) - n_err
        if problems:
            console.print(problems_table(problems, f"{file.name}：{n_err} 个错误，{n_note} 个提示"))
        if csv_out:
            import pandas as pd

            from ..errors import Problem

            df = pd.DataFrame([p.as_dict() for p in problems], columns=list(Problem.__dataclass_fields__))
            atomic_write_text(csv_out, df.to_csv(index=False), encoding="utf-8-sig")
        if n_err:
            console.print(f"校验未通过：{n_err} 个错误，{n_note} 个提示。")
            raise typer.Exit(2)
        console.print(f"校验通过：{len(res.frame)} 个单位" + (f"（其中未报送 {len(res.unreported)} 个）" if res.unreported else "")
                      + f"，{len(res.evidence)} 条证据"
                      + (f"，{n_note} 个提示" if n_note else "") + (f"。计分状态：{summary}" if summary else "。"))
