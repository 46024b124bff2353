"""Small shared helpers: atomic writes (nothing half-written is ever left behind)."""
from __future__ import annotations

import functools
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

from .safe import temp_prefix


def computed_once(key: str) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """A method's result computed on the first call, kept in the instance's ``__dict__[key]`` (so a
    pickled instance carries it), and returned as a copy each time: a caller that edits its table
    changes nothing for the next one. ``None`` is kept (and returned) as such."""

    def decorate(make: Callable[[Any], Any]) -> Callable[[Any], Any]:
        @functools.wraps(make)
        def get(self: Any) -> Any:
            if key not in self.__dict__:
                self.__dict__[key] = make(self)
            got = self.__dict__[key]
            return None if got is None else got.copy()

        return get

    return decorate


def skip_iri_checks() -> None:
    """Keep ``rfc3987_syntax`` from being imported in a process xinyong owns (the command line, a batch
    worker). jsonschema (under nbformat, under papermill and nbconvert) imports it when it is installed
    (Jupyter's extras bring it) and it builds some 40 lark parsers at import: about 3 s of CPU per
    process, for jsonschema's ``iri`` format checks, which the notebook schema never asks for. Without
    it jsonschema leaves those two checks out, as when the package is absent. No effect once imported."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp alone gives 0600, unreadable to a web server


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write to a temporary file in the same folder, fsync, then rename over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path.name), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), _MODE)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    return atomic_write_bytes(path, text.encode(encoding))


def shown_path(path: str | os.PathLike | None, base: str | os.PathLike | None) -> str:
    """A file as a page or a table names it: relative to ``base`` when it lies below it, else its name alone
    — never an absolute path, which would tell every reader the office's folders
    (``C:\\Users\\<name>\\Desktop\\…``). Empty for no file."""
    if not path:
        return ""
    p = Path(path)
    if base is not None:
        try:
            return p.relative_to(base).as_posix()
        except ValueError:
            pass
    return p.name


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, read in 1 MiB blocks (receipts, evidence files, run provenance)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
