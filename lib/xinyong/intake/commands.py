"""CLI commands of the intake step: ``xinyong template`` and ``xinyong validate``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..cli_util import LANGS, TABLE_FORMATS, Consoles, choice, format_option, lang_option
from ..cli_util import PROBLEM_FIELDS_ZH, print_json, problem_json, problems_frame, problems_view, write_csv


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


def problems_table(problems, title: str):
    """The problems for the terminal: a table when it is wide enough, else one block per problem."""
    return problems_view(problems, title)


def register(app: typer.Typer, consoles: Consoles) -> None:
    console = consoles.out

    @app.command("template")
    def template_cmd(
        scheme: str = typer.Argument(..., help="方案编号或文件 / scheme id or YAML path"),
        output: Path = typer.Option(..., "-o", "--output", help="输出的 .xlsx 文件 / workbook to write"),
        units: Optional[Path] = typer.Option(None, "--units", help="单位清单（CSV 或 xlsx：单位编号, 单位名称, 单位类型）"),
        period: str = typer.Option("", "--period", help="考核期，如 2022Q1 / assessment period"),
        split: bool = typer.Option(False, "--split", help="每个单位一份填报表，-o 为文件夹 / one workbook per unit"),
        due: str = typer.Option("", "--due", help="交回时限（与 --split 同用），如 2022年7月5日 / return by"),
    ):
        """生成数据填报模板 / write the fill-in workbook for a scheme (--split: one per unit)."""
        from ..scheme import load_scheme
        from .template import write_template

        if split:
            from .submission.commands import split_cmd

            return split_cmd(console, scheme, period, units, output, due)

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
        format: str = format_option(),
        lang: str = lang_option(),
    ):
        """校验填报文件 / check a filled workbook or CSV（有错误时退出码为 2，提示不算）。"""
        from ..errors import InputError
        from ..scheme import load_scheme
        from ..scoring import score
        from .read import read_inputs

        fmt, lang = choice(format, TABLE_FORMATS, "--format"), choice(lang, LANGS, "--lang")
        s = load_scheme(scheme)
        res = read_inputs(s, file)
        problems = list(res.problems)
        summary, counts = "", {}
        if res.ok:
            try:  # the frame must also be what the engine accepts
                sr = score(s, res.frame, unreported=res.unreported)
                counts = {k: int(v) for k, v in sr.status.apply(lambda c: c.astype(str).value_counts()).sum(axis=1)
                          .items() if v}
                from ..labels import STATUS_ZH

                summary = "；".join(f"{STATUS_ZH.get(k, k)} {v} 项" for k, v in counts.items())
            except InputError as exc:
                problems += exc.problems
        n_err = sum(p.severity == "error" for p in problems)
        n_note = len(problems) - n_err
        if csv_out:
            write_csv(csv_out, problems_frame(problems, lang), PROBLEM_FIELDS_ZH, lang)
        if fmt == "json":  # keys: README "Command line"
            print_json(console, {"file": str(file), "ok": not n_err, "errors": n_err, "notes": n_note,
                                 "units": len(res.frame) if not n_err else None,
                                 "evidence": len(res.evidence) if not n_err else None,
                                 "status_counts": counts, "problems": [problem_json(p) for p in problems]})
            if n_err:
                raise typer.Exit(2)
            return
        if problems:
            console.print(problems_table(problems, f"{file.name}：{n_err} 个错误，{n_note} 个提示"))
        if n_err:
            console.print(f"校验未通过：{n_err} 个错误，{n_note} 个提示。")
            raise typer.Exit(2)
        console.print(f"校验通过：{len(res.frame)} 个单位" + (f"（其中未报送 {len(res.unreported)} 个）" if res.unreported else "")
                      + f"，{len(res.evidence)} 条证据"
                      + (f"，{n_note} 个提示" if n_note else "") + (f"。计分状态：{summary}" if summary else "。"))

    from .submission.commands import register as register_submission

    register_submission(app, consoles)  # xinyong collect (the returned workbooks)


def register_review(app: typer.Typer, consoles: Consoles) -> None:
    """``xinyong review``: the assessor's review workbook, and merging it back (intake/review_workbook.py)."""
    console = consoles.out

    @app.command("review")
    def review_cmd(
        scheme: Optional[str] = typer.Argument(None, help="方案编号或文件；--apply 时可省略（取评审表“说明”页所写）"),
        data: Path = typer.Option(..., "--data", help="本期数据文件（.xlsx）/ the period workbook"),
        period: str = typer.Option("", "--period", help="考核期，如 2022Q2 / assessment period"),
        output: Optional[Path] = typer.Option(None, "-o", "--output",
                                              help="写出的评审表；与 --apply 同用时为合并后的数据文件（默认覆盖 --data）"),
        apply: Optional[Path] = typer.Option(None, "--apply", help="已填写的评审表，合并进数据文件的“评审”表 / merge a filled review"),
    ):
        """生成评审表，或把填好的评审表合并进数据文件 / write the assessor's review workbook, or merge it back."""
        from ..errors import InputError
        from ..scheme import load_scheme
        from .review_workbook import apply_review, review_scheme_id, write_review

        if scheme is None and apply is not None:
            scheme = review_scheme_id(apply)
        if scheme is None:
            raise typer.BadParameter("请给出方案编号 / the scheme is required", param_hint="SCHEME")
        s = load_scheme(scheme)
        if apply is None:
            if output is None:
                raise typer.BadParameter("请用 -o 指定要写出的评审表 / -o is required", param_hint="-o")
            w = write_review(s, data, output, period=period or None)
            console.print(f"已写出评审表：{w.path}（{w.n_units} 个单位，{w.n_rows} 行酌情评分条目，其中 {w.n_pending} 行待评审；"
                          f"{w.n_missing} 个条目缺少佐证材料，见“缺少佐证”表）")
            return
        try:
            done = apply_review(s, apply, data, output)
        except InputError as exc:
            console.print(problems_table(exc.problems, f"{apply.name}：{len(exc.problems)} 个问题"))
            console.print(exc.message)
            raise typer.Exit(2)
        if done.problems:
            console.print(problems_table(done.problems, f"{apply.name}：{len(done.problems)} 个提示"))
        for c in done.changes:
            old = "待评审" if c.before[0] is None else f"{c.before[0]:g} 分"
            console.print(f"  {c.unit_id} {c.name}：{old} → {c.after[0]:g} 分（{c.after[1]}）")
        console.print(f"已写入 {done.path}：{len(done.judgements)} 个评审得分，其中 {len(done.changes)} 个新增或修改。")
