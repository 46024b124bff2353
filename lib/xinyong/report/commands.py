"""CLI commands of the report step: ``xinyong report`` and ``xinyong overview``."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..cli_util import Consoles, pairs


def _precheck(scheme: str, data: Path, period: str, unit: str | None, history, readings):
    """Read and score in this process first, so bad input gives the intake's full problem list, not a
    failed notebook."""
    from .load import load_run

    run = load_run(scheme, data, period=period, readings=readings, history=history)
    if unit is not None:
        run.unit_id(unit)
    return run


def register(app: typer.Typer, consoles: Consoles) -> None:
    console = consoles.out

    @app.command("report")
    def report_cmd(
        scheme: str = typer.Argument(..., help="方案编号或文件 / scheme id or YAML path"),
        period: str = typer.Option(..., "--period", help="考核期 / period, e.g. 2019, 2022Q1"),
        unit: str = typer.Option(..., "--unit", help="单位编号或名称 / unit id or name"),
        data: Path = typer.Option(..., "--data", help="已填写的工作簿或 CSV / filled workbook or wide CSV"),
        out: Path = typer.Option(Path("reports"), "--out", help="输出目录 / output folder"),
        history: Optional[List[str]] = typer.Option(None, "--history", help="往期数据 考核期=文件，可重复 / PERIOD=FILE, repeatable"),
        reading: Optional[List[str]] = typer.Option(None, "--reading", help="改用其他解读 编号=选项，可重复 / READING=OPTION"),
    ):
        """生成单位考核报告（HTML + 执行过的笔记本）/ render one unit's report."""
        from .render import render_unit_report

        hist = [{"period": p, "data": f} for p, f in pairs(history, "--history")]
        rd = dict(pairs(reading, "--reading"))
        run = _precheck(scheme, data, period, unit, hist, rd)
        timings: dict = {}
        path = render_unit_report(scheme, period, run.unit_id(unit), data, out, history=hist, readings=rd,
                                  timings=timings)
        console.print(f"已生成报告：{path}（{path.stat().st_size / 1024:.0f} KB，用时 {timings['total']:.1f} 秒）")

    @app.command("overview")
    def overview_cmd(
        scheme: str = typer.Argument(..., help="方案编号或文件 / scheme id or YAML path"),
        period: str = typer.Option(..., "--period", help="考核期 / period"),
        data: Path = typer.Option(..., "--data", help="已填写的工作簿或 CSV / filled workbook or wide CSV"),
        out: Path = typer.Option(Path("reports"), "--out", help="输出目录 / output folder"),
        history: Optional[List[str]] = typer.Option(None, "--history", help="往期数据 考核期=文件，可重复 / PERIOD=FILE"),
        link: Optional[List[str]] = typer.Option(None, "--link", help="单位报告链接 单位编号=相对路径 / UNIT=HREF"),
        reading: Optional[List[str]] = typer.Option(None, "--reading", help="改用其他解读 编号=选项 / READING=OPTION"),
    ):
        """生成考核总览（排名、等级分布、热力图、否决/认定条件）/ render the overview of a period."""
        from .render import render_overview

        hist = [{"period": p, "data": f} for p, f in pairs(history, "--history")]
        rd = dict(pairs(reading, "--reading"))
        _precheck(scheme, data, period, None, hist, rd)
        timings: dict = {}
        path = render_overview(scheme, period, data, out, unit_links=dict(pairs(link, "--link")), history=hist,
                               readings=rd, timings=timings)
        console.print(f"已生成总览：{path}（{path.stat().st_size / 1024:.0f} KB，用时 {timings['total']:.1f} 秒）")
