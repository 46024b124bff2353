"""The ``xinyong`` command line. Every known error becomes a short Chinese message and exit code 2;
tracebacks only with ``--debug``. Help, usage errors and the exit-code table are Chinese (``cli_util``).

The commands of the scheme (``inputs``, ``check``, ``kinds``) are here; those of later pipeline steps
live beside their step (``intake/commands.py``, ``report/commands.py``, ``batch/commands.py``). Each
module has one ``register(app, consoles)``; :data:`COMMANDS` lists them, and only this module calls
them, handing over the consoles to print to — so nothing below imports ``xinyong.cli``.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Optional

import typer
from rich.console import Console

from . import __version__
from .batch import commands as batch_commands
from .cli_util import (LANGS, TABLE_FORMATS, CommandConsole, Consoles, Invocation, Records, ZhGroup, choice, format_option, jsonable,
                       lang_option, localise, print_json, problems_view, usage_error_lines, write_csv)
from .errors import InputError, XinyongError
from .intake import commands as intake_commands
from .report import commands as report_commands

app = typer.Typer(
    name="xinyong",
    help="信用体系建设考核评估工具 / Social credit construction assessment: schemes, scoring, reports.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    cls=ZhGroup,
)
console = CommandConsole(highlight=False, markup=False)
err_console = CommandConsole(stderr=True, highlight=False, markup=False)
CONSOLES = Consoles(out=console, err=err_console)


def _show_version(value: bool) -> None:
    if value:
        console.print(f"xinyong {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="出错时显示完整调用栈 / show tracebacks on error"),
    version: bool = typer.Option(False, "--version", help="显示版本 / show version", is_eager=True,
                                 callback=_show_version),  # eager: answered before a command is required
):
    """信用体系建设考核评估 (xinyong)。"""
    import os

    from .settings import Settings

    inv = ctx.ensure_object(Invocation)
    inv.settings = Settings(debug=debug)  # tracebacks asked for even if the environment is refused next
    inv.settings = Settings.from_environment(os.environ, debug=debug)


def register_scheme_commands(app: typer.Typer, consoles: Consoles) -> None:
    """``inputs``, ``check`` and ``kinds``: what a scheme reads, where its text disagrees with itself, the
    rule kinds."""
    console = consoles.out

    _register_inputs(app, console)
    _register_check(app, console)
    _register_new(app, console)
    _register_kinds(app, console)


def _register_inputs(app: typer.Typer, console: Console) -> None:
    @app.command("inputs")
    def inputs_cmd(
        scheme: str = typer.Argument(..., help="方案编号或文件 / scheme id or YAML path"),
        csv: Optional[Path] = typer.Option(None, "--csv", help="写出 CSV 文件 / write a CSV file"),
        format: str = format_option(),
        lang: str = lang_option(),
    ):
        """列出方案需要的全部输入 / list every input a scheme reads (id, label, unit, range, items)."""
        from .scheme import load_scheme
        from .labels import INPUT_TYPE_ZH as TYPE_ZH
        from .scheme.inventory import INPUT_COLUMNS_ZH, input_table

        fmt, lang = choice(format, TABLE_FORMATS, "--format"), choice(lang, LANGS, "--lang")
        s = load_scheme(scheme)
        df = input_table(s)
        if csv:
            write_csv(csv, df if lang == "en" else df.assign(type=df["type"].map(lambda t: TYPE_ZH.get(t, t))),
                      INPUT_COLUMNS_ZH, lang)
            console.print(f"已写出 {len(df)} 个输入：{csv}")
            return
        if fmt == "json":
            rows = [{**r, "items": [i for i in r["items"].split(", ") if i]} for r in df.to_dict("records")]
            print_json(console, {"scheme": s.id, "title": s.title,
                                 "inputs": [{k: jsonable(v) for k, v in r.items()} for r in rows]})
            return
        cols = ("input", "label", "unit", "type", "range", "items")
        console.print(Records([INPUT_COLUMNS_ZH[c] for c in cols],
                              [[TYPE_ZH.get(v, v) if c == "type" else v for c, v in zip(cols, r)]
                               for r in df[list(cols)].itertuples(index=False)],
                              title=f"{s.title}（{s.id}）输入清单", head=(0, 1)))
        console.print(f"共 {len(df)} 个输入 / {len(df)} inputs")


def _register_check(app: typer.Typer, console: Console) -> None:
    @app.command("check")
    def check_cmd(
        scheme: Optional[str] = typer.Argument(None, help="方案编号或文件 / scheme id or YAML path"),
        all_: bool = typer.Option(False, "--all", help="检查全部六个方案 / check all six schemes"),
        format: str = format_option(),
        json_out: bool = typer.Option(False, "--json", hidden=True, help="同 --format json / same as --format json"),
    ):
        """检查方案文本的不一致之处 / find the documented inconsistencies of a scheme's text.

        引文按 source.file（相对于方案文件）核对；有不符时退出码为 1。
        """
        from .scheme import SCHEME_IDS, load_scheme
        from .scoring.scheme_audit import check_quotes, check_scheme

        json_out = json_out or choice(format, TABLE_FORMATS, "--format") == "json"
        if not all_ and not scheme:
            raise XinyongError("请给出方案编号，或使用 --all", "give a scheme id or --all")
        ids = SCHEME_IDS if all_ else [scheme]

        out = []
        bad_quotes = 0
        for sid in ids:
            s = load_scheme(sid)
            findings = check_scheme(s)
            quote_findings, unchecked = check_quotes(s)  # source.file relative to the scheme file
            findings += quote_findings
            bad_quotes += len(quote_findings)
            if json_out:
                out.extend({k: jsonable(v) for k, v in f.as_dict().items()} for f in findings)
                continue
            console.print(f"{s.title}（{s.id}）：{len(findings)} 项发现")
            for f in findings:
                console.print(f"  [{f.code}] {f.target}：{f.message}")
                if f.quote and not f.code.startswith("quote_"):
                    console.print(f"      原文（{f.source_file}）：{f.quote}", style="dim")
            if unchecked:
                console.print(f"  引文未核对：来源文件 {'、'.join(unchecked)} 不在方案文件旁（source.file 相对于方案文件）",
                              style="dim")
        if json_out:
            print_json(console, out)
        if bad_quotes:  # the author's mistake, not the document's: fail so a CI job stops on it
            raise typer.Exit(1)


def _register_new(app: typer.Typer, console: Console) -> None:
    @app.command("new")
    def new_cmd(
        scheme_id: str = typer.Argument(..., help="新方案的编号 / id of the new scheme (e.g. shifan_2024)"),
        out: Path = typer.Option(..., "-o", "--out", help="写出的 YAML 文件 / the YAML file to write"),
        title: Optional[str] = typer.Option(None, "--title", help="方案标题 / the scheme's title"),
        force: bool = typer.Option(False, "--force", help="覆盖已有文件 / overwrite an existing file"),
        document: Optional[Path] = typer.Option(
            None, "--from", help="从考核办法原文起草（.docx / .txt / .xlsx）/ draft from the office's own document"),
    ):
        """写出新方案的起始文件（带注释），或从考核办法原文起草 / write a starting file, or draft one from a document."""
        from .scheme.new import write_draft, write_starter

        if document is None:
            path = write_starter(scheme_id, out, title, force)
            console.print(f"已写出新方案起始文件：{path}（下一步：xinyong check {path}）")
            return
        path, source, draft = write_draft(scheme_id, document, out, title, force, validate=_draft_compiles)
        unsure = path.read_text(encoding="utf-8").count("待确认")
        console.print(f"已起草：{path}（{len(draft.sections)} 个部分、{len(draft.items)} 个条目、"
                      f"{len(draft.gates)} 个否决条件），原文写在 {source}")
        console.print(f"其中 {unsure} 处标有“待确认”，是按措辞猜的，请逐条对照原文核对（下一步：xinyong check {path}）")


def _register_kinds(app: typer.Typer, console: Console) -> None:
    @app.command("kinds")
    def kinds_cmd():
        """列出全部计分规则类型 / list the rule kinds."""
        from .scoring import default_registry

        reg = default_registry()
        for name in reg.names():
            k = reg.get(name)
            console.print(f"{name}（{k.label}）：{k.doc.splitlines()[0]}")


def _draft_compiles(scheme) -> None:
    """A draft must get through what ``check`` does: compile its rules, find its quotes on their lines."""
    from .errors import SchemeError
    from .scoring.scheme_audit import check_quotes
    from .scoring.plan import compile as compile_plan

    compile_plan(scheme)
    bad, _ = check_quotes(scheme)
    if bad:
        raise SchemeError("引文与原文不符：" + "；".join(f.message for f in bad[:3]), "draft quotes do not match")


# Every command of ``xinyong``, in the order ``--help`` lists them: one registration function per step.
COMMANDS: tuple[Callable[[typer.Typer, Consoles], None], ...] = (
    register_scheme_commands,
    intake_commands.register,
    intake_commands.register_review,
    report_commands.register,
    batch_commands.register,
)
for _register in COMMANDS:
    _register(app, CONSOLES)
localise(app)


def main(argv: list[str] | None = None) -> int:
    from .util import skip_iri_checks

    skip_iri_checks()  # this process is ours: 3 s of imports nothing here uses (see the function)
    inv = Invocation()
    try:
        rv = app(args=argv, prog_name="xinyong", standalone_mode=False, obj=inv)
        # click returns typer.Exit's code instead of raising it when standalone_mode is off
        return rv if isinstance(rv, int) else 0
    except typer.Exit as e:
        return e.exit_code
    except SystemExit as e:  # click's own exits (e.g. --help)
        return int(e.code or 0)
    except typer.TyperException as e:  # typer's (vendored) click: usage errors, exit 2
        if inv.settings is not None and inv.settings.debug:
            raise
        if type(e).__name__ == "NoArgsIsHelpError":  # `xinyong` alone: the help, as click shows it
            err_console.print(e.format_message(), soft_wrap=True)
        elif hasattr(e, "ctx"):
            for line in usage_error_lines(e):
                err_console.print(line, soft_wrap=True)
        else:
            err_console.print(f"错误：{e.format_message()}")
        return e.exit_code
    except InputError as e:
        if inv.settings is not None and inv.settings.debug:
            raise
        err_console.print(f"错误：{e.message}")
        if e.problems:
            err_console.print(problems_view(e.problems[:100], ""))
        if e.total > min(len(e.problems), 100):
            err_console.print(f"… 另有 {e.total - min(len(e.problems), 100)} 个问题")
        return 2
    except XinyongError as e:
        if inv.settings is not None and inv.settings.debug:
            raise
        err_console.print(f"错误：{e.message}")
        if e.detail:
            err_console.print(f"  detail: {e.detail}", style="dim")
        return 2
    except Exception as e:  # noqa: BLE001 — the user gets a sentence, not a traceback
        if isinstance(e, typer.Abort):
            return 1
        if inv.settings is not None and inv.settings.debug:
            raise
        err_console.print(f"内部错误：{type(e).__name__}: {e}（加 --debug 查看详情）")
        return 1


if __name__ == "__main__":
    sys.exit(main())
