"""CLI of the batch step: ``xinyong batch``."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

import typer

from ..cli_util import FORMAT_HELP, NOTICE_HELP, Consoles, notice_options, pairs, parse_formats


def _say(consoles: Consoles, text: str) -> None:
    consoles.out.print(text, soft_wrap=True)  # no line breaks inside paths when output is not a terminal


def _warn(consoles: Consoles, text: str) -> None:
    consoles.err.print(text, soft_wrap=True)


def _show(consoles: Consoles, s, out_dir: Path) -> None:
    from ..errors import where
    from ..errors import where as located  # ``where`` is reused below for a unit's page

    def rel(p: Path) -> str:
        try:
            r = os.path.relpath(p)
        except ValueError:  # another drive on Windows
            return str(p)
        return str(p) if r.startswith("..") else r

    c = s.counts
    head = f"{s.scheme_title}（{s.scheme}）· {s.period}："
    if s.run_error:
        _warn(consoles, head + f"未能生成报告：{s.run_error['message']}")
        for p in (s.run_error.get("problems") or [])[:50]:
            _warn(consoles, f"  - {where(p, file=False)}：{p.get('message')}（值：{p.get('value')!r}；应为：{p.get('expected')}）")
        if (s.run_dir / "index.html").exists():
            _warn(consoles, f"  详见：{rel(s.run_dir / 'index.html')}")
        return
    ov = {"ok": "已生成", "skipped": "未变化", "failed": "失败", "none": "无",
          "empty": "只列出各单位的错误（没有可评分的单位）"}.get(s.overview.get("status"), "—")
    _say(consoles, head + f"{len(s.units)} 个单位，本次生成 {c['ok']} 个，未变化跳过 {c['skipped']} 个，"
                          f"失败 {c['failed']} 个；总览{ov}；用时 {s.seconds:.1f} 秒")
    _say(consoles, f"  目录：{rel(s.run_dir / 'index.html')}")
    for u in s.failed:
        where = f"（详见 {rel(s.run_dir / u.html)}）" if u.html else ""
        _warn(consoles, f"  失败：{u.id}" + (f"（{u.name}）" if u.name and u.name != u.id else "") + f"：{u.error}{where}")
    if s.evidence_refused:
        _warn(consoles, f"  {len(s.evidence_refused)} 个证据链接已拒绝（未复制，报告中标为“链接无效（已拒绝）”）：")
        for p in s.evidence_refused[:50]:
            _warn(consoles, f"  - {located(p)}：{p.get('message')}")
    if s.overview.get("status") == "failed":
        _warn(consoles, f"  总览失败：{s.overview.get('error')}（详见 {rel(s.run_dir / 'overview.failed.html')}）")


def register(app: typer.Typer, consoles: Consoles) -> None:
    @app.command("batch")
    def batch_cmd(
        scheme: Optional[str] = typer.Option(None, "--scheme", help="方案编号或文件 / scheme id or YAML path"),
        period: Optional[str] = typer.Option(None, "--period", help="考核期 / period, e.g. 2022Q1"),
        data: Optional[Path] = typer.Option(None, "--data", help="已填写的工作簿或 CSV / filled workbook or wide CSV"),
        history: Optional[List[str]] = typer.Option(None, "--history", help="往期数据 考核期=文件，可重复 / PERIOD=FILE, repeatable"),
        reading: Optional[List[str]] = typer.Option(None, "--reading", help="改用其他解读 编号=选项 / READING=OPTION"),
        all_: Optional[Path] = typer.Option(None, "--all", help="参数文件，运行其中全部考核期 / params file: run every run in it"),
        out: Path = typer.Option(Path("outputs"), "--out", help="输出目录 / output folder"),
        jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1,
                                           help="本机并行进程数（默认 CPU 核数）/ local worker processes"),
        scheduler: Optional[str] = typer.Option(None, "--scheduler", envvar="XINYONG_SCHEDULER",
                                                help="已有 dask 集群的调度器地址，如 tcp://主机:8786 / existing dask scheduler"),
        engine: str = typer.Option("warm", "--engine",
                                   help="warm：在已预热的进程内执行（默认）；kernel：每份报告一个新内核 / warm | kernel"),
        resume: bool = typer.Option(True, "--resume/--no-resume",
                                    help="跳过未变化的单位（默认）/ skip units unchanged since their last good report"),
        progress: Optional[bool] = typer.Option(None, "--progress/--no-progress",
                                                help="进度条（默认仅在终端显示）/ progress bar (default: on a terminal)"),
        format: str = typer.Option("html", "--format", help=FORMAT_HELP),
        issuer: Optional[str] = typer.Option(None, "--issuer", help=NOTICE_HELP["issuer"]),
        date: Optional[str] = typer.Option(None, "--date", help=NOTICE_HELP["date"]),
        to: Optional[str] = typer.Option(None, "--to", help=NOTICE_HELP["to"]),
        rectify_by: Optional[str] = typer.Option(None, "--rectify-by", help=NOTICE_HELP["rectify_by"]),
        number: Optional[str] = typer.Option(None, "--number", help=NOTICE_HELP["number"]),
    ):
        """批量生成全部单位报告、总览和目录页 / render every unit's report, the overview and index pages."""
        from ..cli_util import settings
        from ..errors import XinyongError
        from ..report import charts
        from .runner import run_all, run_batch

        conf = settings()
        charts.set_fast_path(conf.fast_charts)  # Word pages are drawn here, on the client

        formats = parse_formats(format)
        opts = notice_options(issuer, date, to, rectify_by, number)  # with --all: over the params file's
        if all_ is not None:
            if scheme or period or data or history or reading:
                raise XinyongError("--all 不能与 --scheme/--period/--data/--history/--reading 同时使用",
                                   "--all excludes the single-run options")
        else:
            missing = [n for n, v in (("--scheme", scheme), ("--period", period), ("--data", data)) if not v]
            if missing:
                raise XinyongError("请给出 " + "、".join(missing) + "，或使用 --all 参数文件",
                                   "need --scheme, --period and --data, or --all")
            hist = [{"period": p, "data": f} for p, f in pairs(history, "--history")]
            rd = dict(pairs(reading, "--reading"))
        try:
            if all_ is not None:
                summaries = run_all(all_, out, jobs=jobs, resume=resume, progress=progress, scheduler=scheduler,
                                    engine=engine, formats=formats, settings=conf, notice=opts)
                if not summaries:
                    _say(consoles, f"参数文件 {all_} 中没有任何运行（runs 为空）")
            else:
                summaries = [run_batch(scheme, period, data, out, history=hist, jobs=jobs, resume=resume,
                                       readings=rd, progress=progress, scheduler=scheduler, engine=engine,
                                       formats=formats, settings=conf, notice=opts)]
        except KeyboardInterrupt:
            _warn(consoles, "已中断。已完成的报告和缓存都已保存；再次运行同一命令会跳过它们，只生成其余的。")
            raise typer.Exit(130) from None
        for s in summaries:
            _show(consoles, s, out)
        top = out / "index.html"
        if top.exists():
            _say(consoles, f"全部考核期目录：{os.path.relpath(top) if not top.is_absolute() else top}")
        failed = [s for s in summaries if s.exit_code]
        if failed:
            n = sum(len(s.failed) for s in failed)
            _say(consoles, f"有失败：{n} 个单位" + (f"，{sum(1 for s in failed if s.run_error)} 个考核期未能运行"
                                                   if any(s.run_error for s in failed) else ""))
            raise typer.Exit(1)
