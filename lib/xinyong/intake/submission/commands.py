"""CLI of the office's quarter: ``xinyong template … --split`` (called by the template command) and
``xinyong collect``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ...cli_util import Consoles, problems_view


def split_cmd(console, scheme_arg: str, period: str, units: Optional[Path], output: Path, due: str) -> None:
    """``xinyong template SCHEME --period P --units units.csv --split -o dir/``."""
    from ...errors import XinyongError
    from ...labels import period_zh
    from ...scheme import load_scheme
    from .split import split
    from .units import read_units

    if units is None:
        raise XinyongError("--split 需要 --units 单位清单（单位编号, 单位名称, 单位类型）", "--split needs --units")
    if not period:
        raise XinyongError("--split 需要 --period 考核期，如 2022Q2", "--split needs --period")
    s = load_scheme(scheme_arg)
    manifest = read_units(units, s)
    res = split(s, period, list(manifest.units), output, due=due)
    from rich.table import Table

    t = Table(title=f"{s.short_title or s.title} {period_zh(period)}：{len(res.files)} 份单位填报表")
    for c in ("单位编号", "单位名称", "文件", "输入项", "证据行", "评审条目"):
        t.add_column(c, overflow="fold")
    for uid, path in res.files.items():
        a = res.answers[uid]
        t.add_row(uid, a.unit.unit_name, path.name, str(len(a.inputs)), str(len(a.evidence)), str(len(a.judged)))
    console.print(t)
    console.print(f"已写出 {len(res.files)} 份填报表和报送名单：{res.manifest}")


def _receipt_table(receipts, title: str):
    from rich.table import Table

    t = Table(title=title)
    for c in ("单位编号", "单位名称", "报送状态", "文件名", "收到时间", "错误数", "问题摘要"):
        t.add_column(c, overflow="fold")
    for r in receipts.itertuples(index=False):
        d = dict(zip(receipts.columns, r))
        t.add_row(d["单位编号"], d["单位名称"], d["报送状态"], d["文件名"], d["收到时间"], str(d["错误数"]), d["问题摘要"])
    return t


def register(app: typer.Typer, consoles: Consoles) -> None:
    console = consoles.out

    @app.command("collect")
    def collect_cmd(
        scheme: str = typer.Argument(..., help="方案编号或文件 / scheme id or YAML path"),
        folder: Path = typer.Argument(..., help="交回的填报表所在文件夹（含子文件夹）/ folder of returned workbooks"),
        output: Path = typer.Option(..., "-o", "--output", help="汇总后的考核期工作簿 .xlsx / merged workbook"),
        period: str = typer.Option(..., "--period", help="考核期，如 2022Q2 / assessment period"),
        units: Optional[Path] = typer.Option(None, "--units",
                                             help="单位清单或报送名单（默认：文件夹中的 报送名单.csv）"),
        latest: bool = typer.Option(False, "--latest", help="同一单位交回多份时采用最后保存的一份 / take the last saved"),
    ):
        """汇总各单位交回的填报表 / merge the workbooks the units returned.

        退出码：0 全部收妥（未报送不算错误）；1 已汇总，但有文件被拒收或有错误；2 未汇总（如重复交回）。"""
        from ...labels import period_zh
        from ...scheme import load_scheme
        from .collect import collect
        from .units import read_manifest, read_units

        s = load_scheme(scheme)
        manifest = read_units(units, s) if units else read_manifest(folder, s)
        res = collect(s, period, folder, output, manifest, latest=latest)
        console.print(_receipt_table(res.receipts, f"{s.short_title or s.title} {period_zh(period)} 报送情况"))
        problems = res.problems
        n_err = sum(p.severity == "error" for p in problems)
        if problems:
            console.print(problems_view(problems, f"问题清单：{n_err} 个错误，{len(problems) - n_err} 个提示", folder))
        names = {u.unit_id: u.unit_name for u in manifest.units}
        if res.unreported:
            console.print(f"未报送（{len(res.unreported)} 个单位）：" + "、".join(
                f"{names.get(u) or u}（{u}）" for u in res.unreported))
        for sub in res.refused:
            console.print(f"已拒收：{sub.rel}：{sub.refused}")
        console.print(f"已汇总 {len(res.taken)} 个单位的填报表：{res.output}（收取情况另见 {res.receipts_csv.name}）")
        if res.refused or n_err:
            raise typer.Exit(1)
