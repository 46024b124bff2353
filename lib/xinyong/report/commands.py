"""CLI commands of the report step: ``xinyong report``, ``overview``, ``warn``, ``annual`` and ``notebook``."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import List, Optional

import typer

from ..cli_util import FORMAT_HELP, NOTICE_HELP, Consoles, notice_options, pairs, parse_formats, settings

INPUTS = ".inputs"  # in the output folder: a data file without its invalid units, and the run scored from it


def _precheck(scheme: str, data: Path, period: str, unit: str | None, history, readings, work: Path, err=None):
    """Read and score in this process first, so bad input gives the intake's full problem list, not a
    failed notebook. A unit whose rows are invalid is cut out (:mod:`.partial`) and the others are
    scored: ``report --unit A`` works while B's data is wrong (a warning names B's errors), ``report
    --unit B`` fails with B's located errors, the overview lists B as 数据有误. Then the copy and the
    scored run are kept in ``work`` (the output folder's ``.inputs/``) and the notebook reads the run
    (its ``run_file``), so it can be run again; with every unit valid it reads ``data`` as before."""
    created = not work.exists()
    try:
        return _read_and_score(scheme, data, period, unit, history, readings, work, err)
    except BaseException:
        if created:  # a refused unit or file leaves nothing behind in the output folder
            shutil.rmtree(work, ignore_errors=True)
        raise


def _read_and_score(scheme: str, data: Path, period: str, unit: str | None, history, readings, work: Path, err):
    import dataclasses

    from ..cli_util import problems_view
    from ..errors import InputError
    from ..scheme import load_scheme
    from ..util import sha256_file
    from .load import load_run, save_run
    from .partial import invalid_units, read_period

    sch = load_scheme(scheme)
    cur = read_period(sch, period, data, work / "current")
    hist = [read_period(sch, h["period"], h["data"], work / f"history{k}") for k, h in enumerate(history)]
    invalid = invalid_units(cur)
    asked = next((u for u in invalid if unit is not None and str(unit) in (u.unit, u.name)), None)
    if asked is not None:
        raise InputError(f"单位“{asked.name or asked.unit}”的数据有 {len(asked.problems)} 处错误，无法生成报告",
                         f"unit {asked.unit} has {len(asked.problems)} invalid values", problems=list(asked.problems),
                         unit=asked.unit, file=str(cur.source))
    if invalid and set(map(str, cur.frame.index)) <= set(cur.bad):
        probs = [p for u in invalid for p in u.problems]
        raise InputError(f"文件 {cur.source.name} 中每个单位的数据都有错误，无法计分", "every unit has errors",
                         problems=probs, file=str(cur.source))
    run = load_run(sch, cur.path, period=period, readings=readings,
                   history=[{"period": h.period, "data": h.path} for h in hist], evidence_base=cur.source.parent,
                   already_read={str(p.path): p.read for p in (cur, *hist)})
    run.invalid = invalid  # the overview lists them with their errors: nobody is silently dropped
    if cur.path != cur.source:  # the pages name the file given (复现信息), not the copy without B's rows
        run.data = dataclasses.replace(run.data, path=cur.source, sha256=sha256_file(cur.source))
    if unit is not None:
        run.unit_id(unit)
    if invalid and err is not None:
        who = "、".join(f"{u.name}（{u.unit}）" if u.name else u.unit for u in invalid)
        probs = [p for u in invalid for p in u.problems]
        err.print(f"注意：{who} 的数据有误，未参加本次计分（其他单位照常计分；改正后重新运行即可）：",
                  markup=False, highlight=False)
        err.print(problems_view(probs[:100], ""))
    return run, (save_run(run, work / "run.pkl") if invalid else None)


def write_formats(html_path: Path, formats: list[str], make_docx, chromium: str | None = None) -> list[Path]:
    """The Word and PDF versions of a page already written as HTML, beside it (same name); PDFs printed
    by ``chromium`` (``Settings.chromium``) or the first browser found."""
    from ..util import atomic_write_bytes

    out = []
    if "docx" in formats:
        out.append(atomic_write_bytes(html_path.with_suffix(".docx"), make_docx()))
    if "pdf" in formats:
        from .pdf import html_to_pdf

        out.append(html_to_pdf(html_path, html_path.with_suffix(".pdf"), chromium=chromium))
    return out


def register(app: typer.Typer, consoles: Consoles) -> None:
    """The report step's commands, one registration each, in the order ``--help`` lists them."""
    _register_report(app, consoles)
    _register_overview(app, consoles)
    _register_warn(app, consoles)
    _register_annual(app, consoles)
    _register_notebook(app, consoles)


def _register_report(app: typer.Typer, consoles: Consoles) -> None:
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
        format: str = typer.Option("html", "--format", help=FORMAT_HELP),
    ):
        """生成单位考核报告（HTML + 执行过的笔记本，可加 Word、PDF）/ render one unit's report."""
        from . import charts
        from .unit_docx import unit_docx
        from .render import render_unit_report

        formats = parse_formats(format)
        hist = [{"period": p, "data": f} for p, f in pairs(history, "--history")]
        rd = dict(pairs(reading, "--reading"))
        timings: dict = {}
        run, run_file = _precheck(scheme, data, period, unit, hist, rd, out / INPUTS, consoles.err)
        conf = settings()
        charts.set_fast_path(conf.fast_charts)  # the Word version's charts are drawn in this process
        path = render_unit_report(scheme, period, run.unit_id(unit), data, out, history=hist, readings=rd,
                                  timings=timings, notebooks=conf.notebooks, run_file=run_file)
        console.print(f"已生成报告：{path}（{path.stat().st_size / 1024:.0f} KB，用时 {timings['total']:.1f} 秒）")
        from .evidence import copy_unit_files, refused

        copies = copy_unit_files(run.data.evidence, run.unit_id(unit), path.parent)
        bad = refused(run.data.evidence, run.data.path, run.unit_id(unit))
        if bad:
            from ..cli_util import problems_view

            console.print(problems_view(bad, f"{len(bad)} 个证据链接已拒绝（未复制，报告中标为“链接无效（已拒绝）”）"))
        if copies:
            console.print(f"已复制 {len(copies)} 份佐证材料到 {copies[0].parent}（报告中的链接指向这些副本）")
        for extra in write_formats(path, formats, lambda: unit_docx(run, unit), conf.chromium):
            console.print(f"已生成：{extra}")


def _register_overview(app: typer.Typer, consoles: Consoles) -> None:
    console = consoles.out

    @app.command("overview")
    def overview_cmd(
        scheme: str = typer.Argument(..., help="方案编号或文件 / scheme id or YAML path"),
        period: str = typer.Option(..., "--period", help="考核期 / period"),
        data: Path = typer.Option(..., "--data", help="已填写的工作簿或 CSV / filled workbook or wide CSV"),
        out: Path = typer.Option(Path("reports"), "--out", help="输出目录 / output folder"),
        history: Optional[List[str]] = typer.Option(None, "--history", help="往期数据 考核期=文件，可重复 / PERIOD=FILE"),
        link: Optional[List[str]] = typer.Option(None, "--link", help="单位报告链接 单位编号=相对路径 / UNIT=HREF"),
        reading: Optional[List[str]] = typer.Option(None, "--reading", help="改用其他解读 编号=选项 / READING=OPTION"),
        format: str = typer.Option("html", "--format", help=FORMAT_HELP),
        issuer: Optional[str] = typer.Option(None, "--issuer", help=NOTICE_HELP["issuer"]),
        date: Optional[str] = typer.Option(None, "--date", help=NOTICE_HELP["date"]),
        to: Optional[str] = typer.Option(None, "--to", help=NOTICE_HELP["to"]),
        rectify_by: Optional[str] = typer.Option(None, "--rectify-by", help=NOTICE_HELP["rectify_by"]),
        number: Optional[str] = typer.Option(None, "--number", help=NOTICE_HELP["number"]),
    ):
        """生成考核总览（排名、等级分布、热力图、否决/认定条件）和考核结果通报 / render the overview and the notice of results."""
        from ..util import atomic_write_bytes
        from . import charts
        from .docx import overview_docx
        from .notice import notice_html
        from .notice_docx import notice_docx
        from .render import render_overview

        formats = parse_formats(format)
        opts = notice_options(issuer, date, to, rectify_by, number)
        hist = [{"period": p, "data": f} for p, f in pairs(history, "--history")]
        rd = dict(pairs(reading, "--reading"))
        links = dict(pairs(link, "--link"))
        timings: dict = {}
        run, run_file = _precheck(scheme, data, period, None, hist, rd, out / INPUTS, consoles.err)
        conf = settings()
        charts.set_fast_path(conf.fast_charts)  # the Word version's charts are drawn in this process
        path = render_overview(scheme, period, data, out, unit_links=links, history=hist,
                               readings=rd, timings=timings, notebooks=conf.notebooks, run_file=run_file)
        console.print(f"已生成总览：{path}（{path.stat().st_size / 1024:.0f} KB，用时 {timings['total']:.1f} 秒）")
        for extra in write_formats(path, formats, lambda: overview_docx(run), conf.chromium):
            console.print(f"已生成：{extra}")
        brief = atomic_write_bytes(path.with_name(path.stem.removesuffix("overview") + "brief.html"),
                                   notice_html(run, opts, links).encode("utf-8"))
        console.print(f"已生成考核结果通报：{brief}")
        for extra in write_formats(brief, formats, lambda: notice_docx(run, opts), conf.chromium):
            console.print(f"已生成：{extra}")


def _register_warn(app: typer.Typer, consoles: Consoles) -> None:
    console = consoles.out

    @app.command("warn")
    def warn_cmd(
        scheme: str = typer.Argument(..., help="方案编号或文件 / scheme id or YAML path"),
        period: str = typer.Option(..., "--period", help="考核期 / period"),
        data: Path = typer.Option(..., "--data", help="已填写的工作簿或 CSV（可以只填了一部分）/ filled workbook, partial is fine"),
        as_of: Optional[str] = typer.Option(None, "--as-of", help="基准日期 YYYY-MM-DD，默认今天 / as-of date, default today"),
        days: int = typer.Option(14, "--days", help="多少天内到期算临近 / days ahead that count as near"),
        reading: Optional[List[str]] = typer.Option(None, "--reading", help="改用其他解读 编号=选项 / READING=OPTION"),
        format: str = typer.Option("text", "--format", help="text 或 json / text or json"),
    ):
        """预警：等级可能下降的单位（未知分全失与全得两种情况），期限临近而佐证材料仍缺的条目 / early warning."""
        import datetime as dt
        import json

        from ..errors import XinyongError
        from .load import load_run
        from .warn import warn_lines, warnings

        if format not in ("text", "json"):
            raise XinyongError(f"不支持的格式：{format}（可选：text、json）", f"unknown format {format!r}")
        try:
            day = dt.date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise XinyongError(f"--as-of 应为日期，如 2022-06-20，而不是“{as_of}”", f"bad --as-of {as_of!r}") from None
        run = load_run(scheme, data, period=period, readings=dict(pairs(reading, "--reading")))
        w = warnings(run, day, days)
        if format == "json":
            consoles.out.print_json(json.dumps(w.as_dict(), ensure_ascii=False, default=str))
        else:
            for line in warn_lines(w):
                console.print(line, markup=False, highlight=False, soft_wrap=True)


def _register_annual(app: typer.Typer, consoles: Consoles) -> None:
    console = consoles.out

    @app.command("annual")
    def annual_cmd(
        scheme: str = typer.Argument(..., help="方案编号或文件 / scheme id or YAML path"),
        period_file: List[str] = typer.Argument(..., help="各期数据 考核期=文件，如 2022Q1=q1.xlsx / PERIOD=FILE ..."),
        out: Path = typer.Option(Path("reports"), "--out", help="输出目录 / output folder"),
        reading: Optional[List[str]] = typer.Option(None, "--reading", help="改用其他解读 编号=选项 / READING=OPTION"),
        format: str = typer.Option("html", "--format", help=FORMAT_HELP),
    ):
        """年度汇总：各季度总分与名次、年度得分与年度排名、季度低于合格的单位 / the annual summary page."""
        from ..util import atomic_write_bytes
        from .annual import annual_data, annual_file, annual_html, years
        from .docx import annual_docx
        from .load import load_run

        formats = parse_formats(format)
        rd = dict(pairs(reading, "--reading"))
        runs = [load_run(scheme, f, period=p, readings=rd) for p, f in pairs(period_file, "考核期=文件")]
        res = [(r.period, r.result) for r in runs]
        ys = years([p for p, _ in res])
        if not ys:
            from ..errors import XinyongError

            raise XinyongError("年度汇总需要同一年的至少两个考核期（如 2022Q1=… 2022Q2=…）",
                               f"need two periods of one year, got {[p for p, _ in res]}")
        for y in ys:
            a = annual_data(runs[0].scheme, y, res)
            page = atomic_write_bytes(out / f"{runs[0].scheme.id}-{annual_file(y)}", annual_html(a).encode("utf-8"))
            console.print(f"已生成年度汇总：{page}")
            for extra in write_formats(page, formats, lambda a=a: annual_docx(a), settings().chromium):
                console.print(f"已生成：{extra}")


def _register_notebook(app: typer.Typer, consoles: Consoles) -> None:
    console = consoles.out

    @app.command("notebook")
    def notebook_cmd(
        scheme: str = typer.Argument(..., help="方案编号或文件 / scheme id or YAML path"),
        period: str = typer.Option(..., "--period", help="考核期 / period"),
        data: Path = typer.Option(..., "--data", help="已填写的工作簿或 CSV / filled workbook or wide CSV"),
        output: Path = typer.Option(..., "-o", "--output", help="写出的笔记本 .ipynb / the notebook to write"),
        unit: Optional[str] = typer.Option(None, "--unit", help="单位编号或名称；不给则写总览笔记本 / unit; none: overview"),
        history: Optional[List[str]] = typer.Option(None, "--history", help="往期数据 考核期=文件，可重复 / PERIOD=FILE"),
        reading: Optional[List[str]] = typer.Option(None, "--reading", help="改用其他解读 编号=选项 / READING=OPTION"),
    ):
        """写出一份参数已填好的报告笔记本，供在 JupyterLab 中打开运行 / write a parameterized report notebook."""
        from .notebook import write_notebook

        hist = [{"period": p, "data": f} for p, f in pairs(history, "--history")]
        path = write_notebook(scheme, period, data, output, unit=unit, history=hist,
                              readings=dict(pairs(reading, "--reading")), notebooks=settings().notebooks)
        console.print(f"已写出笔记本：{path}（在 JupyterLab 中打开，运行全部单元即得报告）")
