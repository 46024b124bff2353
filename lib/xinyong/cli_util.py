"""What the command modules share: the consoles they are given, the parsing of ``KEY=VALUE`` options and
of ``--format html,docx,pdf``, the Chinese help and usage errors, the exit-code table, JSON and CSV output,
and tables that fit the terminal.

Part of the command line (docs/ARCHITECTURE.md): ``cli.py`` builds one :class:`Consoles` and hands it to
every ``register`` function, so no step's ``commands.py`` imports ``xinyong.cli`` (which would be an
upward arrow and, with ``cli.py`` importing the commands, a cycle).
"""
from __future__ import annotations

import json
import math
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from .errors import XinyongError
from .settings import Settings
from .util import shown_path


@dataclass(frozen=True)
class Consoles:
    """Where a command prints: ``out`` for results (stdout), ``err`` for failures and warnings (stderr)."""

    out: Console
    err: Console


class Invocation:
    """One run of the command line: the :class:`Settings` its top callback built (click's context
    object, one per ``main`` call; ``main`` reads it back to decide on tracebacks)."""

    settings: Settings | None = None


def settings() -> Settings:
    """The settings of the command being run: what the top callback built from the options and the
    environment; outside an invocation (a command function called on its own), the environment's."""
    import click

    ctx = click.get_current_context(silent=True)
    inv = ctx.find_object(Invocation) if ctx is not None else None
    if inv is not None and inv.settings is not None:
        return inv.settings
    return Settings.from_environment(os.environ)


class CommandConsole(Console):
    """A console that folds lines only on a terminal. Written to a file or a pipe (``> 结果.txt``, ``| less``)
    with no ``COLUMNS`` set, rich would fold every line at 80 columns, mid-sentence ("合计为 88 \n分"); here
    a line stays one line and a table keeps its natural width. ``COLUMNS`` still wins when it is set."""

    @property
    def size(self):
        dims = super().size
        if not self.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
            return dims._replace(width=UNFOLDED_WIDTH)
        return dims

    @size.setter
    def size(self, new_size):
        Console.size.fset(self, new_size)


UNFOLDED_WIDTH = 10_000  # "no folding": wider than any line or table a command prints


def pairs(values: list[str] | None, what: str) -> list[tuple[str, str]]:
    """``["2022Q1=data/q1.xlsx", …]`` → ``[("2022Q1", "data/q1.xlsx"), …]`` for a repeatable option
    ``what`` (``--history``, ``--reading``, ``--link``); a value without ``=`` is a usage error."""
    out = []
    for v in values or []:
        if "=" not in v:
            raise XinyongError(f"{what} 应写成 键=值，例如 2022Q1=data/2022Q1.xlsx：{v}", f"{what} must be KEY=VALUE: {v!r}")
        k, _, val = v.partition("=")
        out.append((k.strip(), val.strip()))
    return out


# ------------------------------------------------------------------ Chinese help, usage errors, exit codes
# typer vendors click and prints its help and usage errors in English, most of it without gettext hooks
# ("Usage:", "Show this message and exit.", "Missing argument"). The words are replaced where they are
# written: a help formatter (usage line, section titles, the [default: …; required] suffixes), the help
# option's text, and :func:`usage_error_lines` for the errors. Every string a user reads is here.

USAGE_PREFIX = "用法 Usage: "
SECTION_ZH = {"Options": "选项 Options", "Arguments": "参数 Arguments", "Commands": "命令 Commands"}
HELP_OPTION_TEXT = "显示本帮助并退出 / show this help and exit"
EXTRA_ZH = (("default: ", "默认："), ("env var: ", "环境变量："), ("required", "必填"))
EXIT_TITLE = "退出码 Exit codes"

#: The exit codes of every command, as ``--help`` shows them (one table; README "Command line" copies it).
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (0, "成功。validate：没有错误（提示不算）；check：方案文件有效（已记录的不一致不算错误）/ success"),
    (1, "有失败：check 发现引文与来源文本不符；batch 有单位、总览或考核期失败（已逐项列出）；"
        "或内部错误（加 --debug 看调用栈）/ failures found, or an internal error"),
    (2, "输入有误：方案文件、数据文件或命令参数（含用法错误）；validate 发现错误 / bad input or usage"),
    (130, "被中断（Ctrl-C）；batch 已完成的报告和缓存都保留 / interrupted"),
)

_EXTRA = re.compile(r"\s*\[([^\[\]]*)\]\s*$")


def _extras_zh(help_text: str) -> str:
    """``"… [default: reports; required]"`` → ``"… [默认：reports；必填]"`` (typer writes that suffix)."""
    m = _EXTRA.search(help_text or "")
    if not m:
        return help_text
    parts = []
    for part in m.group(1).split("; "):
        for en, zh in EXTRA_ZH:
            if part.startswith(en):
                part = zh + part[len(en):]
                break
        parts.append(part)
    return help_text[:m.start()] + "  [" + "；".join(parts) + "]"


def _wrap(text: str, width: int) -> list[str]:
    """``text`` wrapped to ``width`` terminal cells: a Chinese character takes two (click counts one, so
    its help ran past the right edge), and a run of Chinese breaks anywhere."""
    from io import StringIO

    from rich.text import Text

    console = Console(width=max(width, 10), file=StringIO(), color_system=None)
    return [line.plain.rstrip() for line in Text(text).wrap(console, max(width, 10))]


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


class ZhFormatter(typer.Context.formatter_class):
    """click's help formatter with the usage prefix, section titles and option suffixes in Chinese, and
    lines wrapped by display width."""

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for k, para in enumerate(_paragraphs(text)):
            if k:
                self.write("\n")
            for line in _wrap(para, self.width - self.current_indent):
                self.write(f"{indent}{line}\n")

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, USAGE_PREFIX if prefix is None else prefix)

    @contextmanager
    def section(self, name: str):
        with super().section(SECTION_ZH.get(name, name)):
            yield

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        """click's definition list (options, commands), the second column wrapped by display width."""
        from rich.cells import cell_len

        rows = [(term, _extras_zh(text or "")) for term, text in rows]
        if not rows:
            return
        first_col = min(max(cell_len(t) for t, _ in rows), col_max) + col_spacing
        pad = " " * (first_col + self.current_indent)
        for term, text in rows:
            self.write(f"{'':>{self.current_indent}}{term}")
            if not text:
                self.write("\n")
                continue
            if cell_len(term) <= first_col - col_spacing:
                self.write(" " * (first_col - cell_len(term)))
            else:
                self.write("\n" + pad)
            lines = [ln for k, para in enumerate(_paragraphs(text))
                     for ln in ([""] if k else []) + _wrap(para, max(self.width - first_col - self.current_indent, 10))]
            self.write(lines[0] + "\n" if lines else "\n")
            for line in lines[1:]:
                self.write((pad + line).rstrip() + "\n")


class ZhContext(typer.Context):
    formatter_class = ZhFormatter


class _ZhHelp:
    """What the command and the group share: the Chinese formatter, the help option's text, and the
    exit-code table at the end of every ``--help``."""

    context_class = ZhContext

    def get_help_option(self, ctx):
        opt = super().get_help_option(ctx)
        if opt is not None:
            opt.help = HELP_OPTION_TEXT
        return opt

    def format_epilog(self, ctx, formatter) -> None:
        super().format_epilog(ctx, formatter)
        with formatter.section(EXIT_TITLE):
            formatter.write_dl([(str(code), text) for code, text in EXIT_CODES])


class ZhCommand(_ZhHelp, TyperCommand):
    pass


class ZhGroup(_ZhHelp, TyperGroup):
    pass


def localise(app: typer.Typer) -> typer.Typer:
    """Make ``app`` and every command registered on it so far print their help in Chinese. Called by
    ``cli.py`` once every step has registered its commands, so no ``commands.py`` has to remember it."""
    if app.info.cls in (None, TyperGroup):
        app.info.cls = ZhGroup
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):  # typer fills in TyperCommand itself
            info.cls = ZhCommand
    return app


def _param_text(param, with_help: bool = True) -> str:
    if param is None:
        return ""
    opts = [o for o in (getattr(param, "opts", None) or []) if o.startswith("-")]
    name = "/".join(opts) if opts else (getattr(param, "name", None) or "")
    help_text = getattr(param, "help", None) if with_help else None
    return name + (f"（{help_text}）" if help_text else "")


def usage_error_lines(exc) -> list[str]:
    """A command-line usage error (typer's/click's ``UsageError`` family) in Chinese: what was wrong, the
    English original beside it, the usage line and where the help is. Known by class name, so it works
    with typer's vendored click and with click itself."""
    kind = type(exc).__name__
    english = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    raw = getattr(exc, "message", "") or ""
    param = getattr(exc, "param", None)
    if kind == "MissingParameter":
        what = "参数" if (getattr(exc, "param_type", None) or getattr(param, "param_type_name", "")) == "argument" \
            else "选项"
        text = f"缺少{what} {_param_text(param)}"
    elif kind == "NoSuchOption":
        text = f"没有这个选项：{exc.option_name}"
        if getattr(exc, "possibilities", None):
            text += f"（是否为 {'、'.join(sorted(exc.possibilities))}？）"
    elif kind == "BadOptionUsage":
        text = (f"选项 {exc.option_name} 需要一个值" if "requires an argument" in raw
                else f"选项 {exc.option_name} 用法有误")
    elif kind == "BadParameter":
        text = f"{_param_text(param, with_help=False) or '参数'} 的值无效"
    elif raw.startswith("No such command"):
        m = re.match(r"No such command '([^']*)'", raw)
        text = f"没有这个命令：{m.group(1) if m else raw}"
        if hint := re.search(r"Did you mean (.+?)\?", raw):
            text += f"（是否为 {hint.group(1)}？）"
    elif raw.startswith("Missing command"):
        text = "缺少命令"
    elif raw.startswith("Got unexpected extra argument"):
        m = re.search(r"\(([^()]*)\)\s*$", raw)
        text = "多余的参数：" + (m.group(1) if m else raw)
    else:
        text = "命令行用法有误"
    lines = [f"错误：{text}", f"  detail: {english}"]
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        lines.append(ctx.get_usage())
        lines.append(f"查看帮助：{ctx.command_path} --help")
    return lines


# ------------------------------------------------------------------ options shared by commands
TABLE_FORMATS = ("table", "json")  # --format of the commands that print a table
LANGS = ("zh", "en")


def format_option():
    return typer.Option("table", "--format",
                        help="输出格式：table（表格，默认）或 json（供脚本读取，键见 README）/ table | json")


def lang_option():
    return typer.Option("zh", "--lang", help="CSV 表头语言：zh（中文，默认）或 en / CSV header language: zh | en")


def choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    """The value of an option with a few fixed choices, or a Chinese usage error (exit 2)."""
    v = (value or "").strip().lower()
    if v not in allowed:
        raise XinyongError(f"{option} 只能是 {'、'.join(allowed)}：{value}", f"{option} must be one of {allowed}")
    return v


# ------------------------------------------------------------------ data out: JSON and CSV
def jsonable(v: Any) -> Any:
    """A cell value as JSON: numbers, text, true/false and null as they are (NaN → null), others as text."""
    if v is None or isinstance(v, (bool, str, int)):
        return v
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else v
    item = getattr(v, "item", None)  # numpy scalars
    if callable(item):
        try:
            return jsonable(item())
        except (TypeError, ValueError):
            pass
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return str(v)


def print_json(console: Console, data: Any) -> None:
    """``data`` on ``console`` as indented UTF-8 JSON, unwrapped and uncoloured (a script reads it)."""
    console.out(json.dumps(data, ensure_ascii=False, indent=2, default=str), highlight=False)


def write_csv(path: Path, df, headers: dict[str, str], lang: str) -> Path:
    """``df`` as CSV (UTF-8 with BOM, so Excel reads the Chinese): columns renamed by ``headers``
    (English name → Chinese) unless ``lang`` is ``en``; a text cell that begins like a formula (a
    refused cell's value, say) is quoted (:func:`xinyong.safe.csv_cell`)."""
    from .safe import frame_csv_bytes
    from .util import atomic_write_bytes

    out = df if lang == "en" else df.rename(columns=headers)
    atomic_write_bytes(path, frame_csv_bytes(out, lineterminator="\n"))
    return path


# ------------------------------------------------------------------ problems
SEVERITY_ZH = {"error": "错误", "note": "提示"}
#: a problem's fields in the order CSV and JSON give them, with their Chinese column headers
PROBLEM_FIELDS_ZH = {"severity": "级别", "file": "文件", "sheet": "工作表", "row": "行", "column": "列",
                     "unit": "单位", "input": "输入或条目", "value": "值", "expected": "应为", "message": "问题",
                     "detail": "英文说明"}


def location(p) -> str:
    """Where a problem is, the way Excel names a cell: ``输入!C5`` (sheet, column letter, row)."""
    cell = f"{p.column or ''}{'' if p.row is None else p.row}"
    if p.sheet and cell:
        return f"{p.sheet}!{cell}"
    return p.sheet or (f"第 {p.row} 行 {p.column or ''}".strip() if p.row else "") or (p.column or "")


def problem_json(p) -> dict[str, Any]:
    """One problem for ``--format json``: the keys of :data:`PROBLEM_FIELDS_ZH` (English), plus ``cell``
    (``输入!C5``); absent fields are null."""
    d = {k: jsonable(getattr(p, k, None)) for k in PROBLEM_FIELDS_ZH}
    d["cell"] = location(p) or None
    return d


def problems_frame(problems, lang: str = "zh"):
    """The problems as a frame with the columns of :data:`PROBLEM_FIELDS_ZH` (severities in words when
    ``lang`` is ``zh``), for CSV."""
    import pandas as pd

    rows = [{k: getattr(p, k, None) for k in PROBLEM_FIELDS_ZH} for p in problems]
    df = pd.DataFrame(rows, columns=list(PROBLEM_FIELDS_ZH))
    if lang != "en":
        df["severity"] = df["severity"].map(lambda s: SEVERITY_ZH.get(s, s))
    return df


def shown_value(v: Any) -> str:
    """A problem's value as the person who typed it would read it: text quoted (a stray space shows),
    numbers as written (2, not 2.0; 0.5), nothing for no value."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return "" if isinstance(v, float) and math.isnan(v) else f"{v:g}"
    return repr(v)


def problems_view(problems, title: str, folder: Path | None = None) -> "Records":
    """The problems for a person: a table on a wide terminal, one block per problem on a narrow one.

    In Chinese only: the English ``detail`` of each problem is in the CSV (``--csv``) and JSON
    (``--format json``) forms, for whoever needs it. With ``folder`` (a command that reads many files,
    as ``collect``), a 文件 column names each problem's file relative to it."""
    cols = ("级别", "位置", "输入/条目", "单位", "值", "应为", "问题")
    rows = [(SEVERITY_ZH.get(p.severity, p.severity), location(p), p.input or "", p.unit or "",
             shown_value(p.value), p.expected or "", p.message)
            for p in problems]
    if folder is not None:
        cols = cols[:1] + ("文件",) + cols[1:]
        rows = [r[:1] + (shown_path(p.file, folder),) + r[1:] for r, p in zip(rows, problems)]
        return Records(cols, rows, title=title, head=(0, 1, 2))
    return Records(cols, rows, title=title, head=(0, 1))


# ------------------------------------------------------------------ tables that fit the terminal
class Records:
    """Rows for a person, as a rich renderable that chooses its shape when printed: a table when the
    console is wide enough for every column to keep at least ``min_cell`` characters (or its whole text,
    when shorter), else one block per row — a head line (the ``head`` columns), then ``列名：值`` lines
    for the other non-empty cells. An 8-column table in 80 columns folds text to 1–4 characters a line;
    blocks read the same at any width."""

    def __init__(self, columns, rows, title: str | None = None, head: tuple[int, ...] = (0,),
                 min_cell: int = 16):
        self.columns = tuple(columns)
        self.rows = [tuple("" if v is None else str(v) for v in r) for r in rows]
        self.title = title
        self.head = head
        self.min_cell = min_cell

    def needed_width(self) -> int:
        """Columns each at least ``min(natural width, min_cell)``, plus padding and borders."""
        from rich.cells import cell_len

        total = 0
        for j, name in enumerate(self.columns):
            natural = max([cell_len(name)] + [cell_len(line) for r in self.rows for line in r[j].splitlines()])
            total += min(natural, self.min_cell) + 3  # one space each side, one border
        return total + 1

    def table(self):
        from rich.table import Table

        t = Table(title=self.title, show_lines=False)
        for c in self.columns:
            t.add_column(c, overflow="fold")
        for r in self.rows:
            t.add_row(*r)
        return t

    def blocks(self, width: int) -> list[str]:
        """One block per row: the head line, then ``列名：值`` lines, values wrapped under themselves."""
        from rich.cells import cell_len

        key_w = max(cell_len(c) for c in self.columns) + 1  # names aligned across blocks; 1 for "："
        lines: list[str] = [*_wrap(self.title, width), ""] if self.title else []
        for r in self.rows:
            lines += _wrap(" · ".join(r[j] for j in self.head if r[j]) or "—", width)
            for j, (name, value) in enumerate(zip(self.columns, r)):
                if j in self.head or not value:
                    continue
                key = f"  {name}：" + " " * (key_w - cell_len(name) - 1)
                wrapped = [ln for part in value.splitlines() for ln in _wrap(part, width - cell_len(key))] or [""]
                lines.append(key + wrapped[0])
                lines += [" " * cell_len(key) + ln for ln in wrapped[1:]]
            lines.append("")
        return lines

    def __rich_console__(self, console, options):
        if options.max_width >= self.needed_width():
            yield self.table()
            return
        from rich.text import Text

        for line in self.blocks(options.max_width):
            yield Text(line, no_wrap=True, overflow="ignore")


# ------------------------------------------------------------------ --format html,docx,pdf
FORMAT_HELP = "输出格式，逗号分隔：html、docx、pdf（PDF 需要 Chromium）/ formats: html,docx,pdf"


def parse_formats(text: str) -> list[str]:
    """``--format html,docx,pdf``: which files to write besides the executed notebook (HTML always)."""
    from .report.formats import output_formats

    return output_formats(text.split(","))


# ---------------------------------------------------------------------------------------------- the 通报
NOTICE_HELP = {
    "issuer": "通报的发文机关（默认：方案中的发文单位）/ issuing office of the notice",
    "date": "通报的成文日期，如 2023-01-10（默认：今天）/ date of the notice",
    "to": "通报的主送单位（默认：各参评单位）/ addressees",
    "rectify_by": "整改期限，如 2023-02-10（默认：下一考核期数据报送前）/ rectification deadline",
    "number": "文号，如 郏信用办〔2023〕2号（默认留空待填）/ document number",
}


def notice_options(issuer: str | None, date: str | None, to: str | None, rectify_by: str | None,
                   number: str | None):
    """The 通报's options given on the command line (``--issuer --date --to --rectify-by --number``), as the
    typed object the report and the batch take; a bad date is a Chinese error naming the option."""
    from .report.notice import NoticeOptions

    given = {"issuer": issuer, "date": date, "to": to, "rectify_by": rectify_by, "number": number}
    return NoticeOptions.from_mapping({k: v for k, v in given.items() if v}, "命令行选项 ")
