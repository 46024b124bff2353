"""The demo data shipped inside the package, named ``demo:<scheme>/<period>.xlsx`` wherever a data file
is expected, so the report notebooks' default parameters run in a clone, from an installed wheel and
from any working folder alike (the clone's ``params/demo`` links to the same files).
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from .errors import XinyongError

PREFIX = "demo:"


def demo_folder() -> Path:
    return Path(str(resources.files("xinyong") / "demo"))


def data_path(data: str | os.PathLike) -> Path:
    """The file ``data`` names: a path, or ``demo:…`` for the bundled demo data. A file that does not
    exist is a Chinese error naming it (and the folder relative paths are read from)."""
    text = os.fspath(data)
    if text.startswith(PREFIX):
        path = demo_folder() / text[len(PREFIX):].lstrip("/")
    else:
        path = Path(text)
    if not path.is_file():
        where = "" if path.is_absolute() else f"（相对路径从 {Path.cwd()} 算起）"
        raise XinyongError(f"找不到数据文件：{text}{where}", f"data file not found: {path}", file=str(path))
    return path
