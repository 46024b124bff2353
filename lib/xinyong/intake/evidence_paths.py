"""Evidence files stay inside one folder: the check every step makes before it reads or copies one.

A 证据 row's 文件名或链接 comes from a workbook a unit filled in, so it is hostile input: the office runs
``validate``, ``collect``, ``report`` and ``batch`` on it and publishes what they copy. Every local
evidence path is taken relative to one **evidence root** and must stay inside it:

- ``validate``: the folder of the workbook read; ``collect``: the folder of the returned workbook (the
  file is looked for in ``<stem>_证据/`` or ``证据/`` there); ``report`` and ``batch``: the folder of
  the data file (or the folder a batch is told its cleaned copy came from).

Refused by the text alone (:func:`classify`): ``..`` (and Windows' other all-dot names), absolute
paths (``/…``, ``\\…``), drive letters (``C:\\…``, ``C:foo``), UNC and device namespaces
(``\\\\server\\share``, ``//server/share``, ``\\\\?\\…``, ``\\\\.\\…``), Windows device names (``CON``,
``NUL``, ``COM1``, ``LPT1``, with or without an extension), a colon in a name (an NTFS stream), control
characters, and ``file:`` links. Web links (http, https, ftp) are kept as written; text naming no file
(a document number, an archive shelf) is shown as written and never opened.

Refused on the disk (:func:`locate`, :func:`open_regular`): any component of the path that is a
symbolic link (or a Windows junction), and a final name that is not a regular file (a folder, a FIFO,
a device, a socket). **Decision: every symlink is refused, even one that points inside the root.**
Allowing in-root links would mean resolving each one and re-checking the target, which is where such
checks go wrong (races, loops, links to links); a unit returning evidence has no need for links, and
its message tells it to put the file itself in the folder. A regular file with more than one hard link
is accepted: a hard link can only name a file on the same file system that someone with access to it
linked on purpose, and it is still a regular file whose bytes are the unit's evidence.

Copying never follows a link: the file is opened component by component below the root with
``O_NOFOLLOW`` (``dir_fd`` walking where the platform has it; elsewhere every component is checked with
``lstat`` first and the opened file compared with what ``lstat`` saw), ``fstat`` must say it is a
regular file, and the bytes are copied from that descriptor.

``collect`` writes :data:`REFUSED_MARK` in the link cell of a refused row of the merged workbook (the
row and its title stay; the reason is in 报送情况): an emptied cell would read as "no link given",
while the mark reads back as refused, so the report shows 链接无效（已拒绝）for it too.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..safe import temp_prefix

URL = re.compile(r"^(?:https?|ftp)://", re.I)
SCHEME_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
FILE_URL = re.compile(r"^file:", re.I)
HAS_EXT = re.compile(r"\.[A-Za-z0-9]{1,6}$")
DRIVE = re.compile(r"^[A-Za-z]:")
DEVICE = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³]|CONIN\$|CONOUT\$)$", re.I)
FOLDER = "证据"  # a folder of evidence files: beside a returned workbook, and in a merged one's folder
SUFFIX = "_证据"  # the evidence folder beside a returned workbook: <workbook stem>_证据/
REFUSED_MARK = "（已拒绝的链接）"  # what collect writes in the link cell of a refused row
EXPECTED = "证据文件夹中的文件名（如 会议纪要.pdf、会议/纪要.pdf），或网址（http://、https://）"
_CHUNK = 1 << 20

# what a 证据 row's link is
NONE, URL_KIND, TEXT, PATH, REFUSED = "none", "url", "text", "path", "refused"
# what is on the disk at a path below the root
OK, MISSING = "ok", "missing"


@dataclass(frozen=True)
class Link:
    """A link as written, judged by its text: ``kind`` is one of none, url, text, path, refused;
    ``rel`` the path below the root (kind path); ``why``/``detail`` the reason (kind refused)."""

    kind: str
    rel: PurePosixPath | None = None
    why: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Found:
    """What the disk holds for a path below the root: ``state`` ok (a regular file, reached through no
    link), missing, or refused (``why``/``detail``); ``rel`` the path that was looked at."""

    state: str
    rel: PurePosixPath | None = None
    why: str = ""
    detail: str = ""


class Refused(OSError):
    """A path below the root that must not be opened (a link, not a regular file)."""

    def __init__(self, why: str, detail: str):
        super().__init__(detail)
        self.why, self.detail = why, detail


def _refuse(why: str, detail: str) -> Link:
    return Link(REFUSED, None, why, detail)


def classify(link: object) -> Link:
    """Judge a 文件名或链接 by its text alone (nothing is looked at on the disk)."""
    if not isinstance(link, str) or not link.strip():
        return Link(NONE)
    raw = link.strip()
    if raw == REFUSED_MARK:
        return _refuse("链接在汇总时已被拒绝（原因见“报送情况”）", "link refused when collected")
    if URL.match(raw):
        return Link(URL_KIND)
    s = raw.replace("\\", "/")
    if s.startswith("//"):
        return _refuse("不能使用网络共享或设备路径（如 \\\\服务器\\共享）", "UNC or device path")
    if DRIVE.match(raw):
        return _refuse("不能使用带盘符的路径（如 C:\\…），请把文件放进证据文件夹，只写文件名", "drive letter")
    if FILE_URL.match(raw):
        return _refuse("不接受 file: 链接，请把文件放进证据文件夹，只写文件名", "file: URL")
    if s.startswith("/"):
        return _refuse("不能使用绝对路径，请把文件放进证据文件夹，只写文件名", "absolute path")
    parts = [p for p in s.split("/") if p not in ("", ".")]
    if any(p.rstrip(". ") == "" for p in parts):
        return _refuse("文件名不能含“..”（不能指向证据文件夹以外）", "'..' in the path")
    if SCHEME_LIKE.match(raw):
        return Link(TEXT)  # mailto:…, Ref:2022-4 — shown as written, never opened
    if not parts or not ("/" in s or HAS_EXT.search(parts[-1])):
        return Link(TEXT)  # 郏信用办〔2022〕4号, 档案室第 3 盒
    if any(unicodedata.category(ch) == "Cc" for ch in s):
        return _refuse("文件名含有控制字符", "control character in the path")
    if any(":" in p for p in parts):
        return _refuse("文件名不能含冒号“:”", "colon in a path component")
    if any(DEVICE.match(p.split(".", 1)[0].rstrip(" ")) for p in parts):
        return _refuse("文件名不能是设备名（CON、PRN、AUX、NUL、COM1、LPT1 等）", "device name")
    return Link(PATH, PurePosixPath(*parts))


def return_candidates(stem: str, rel: PurePosixPath) -> tuple[list[PurePosixPath], PurePosixPath]:
    """Where a returned workbook's evidence file may be, below the workbook's folder, first first:
    ``<stem>_证据/rel`` then ``证据/rel``; a name that starts with one of those folders is taken as
    written. Also the path below the evidence folder (what ``collect`` copies it as)."""
    if len(rel.parts) > 1 and rel.parts[0] in (stem + SUFFIX, FOLDER):
        return [rel], PurePosixPath(*rel.parts[1:])
    return [PurePosixPath(stem + SUFFIX, rel), PurePosixPath(FOLDER, rel)], rel


# ------------------------------------------------------------------------------------------ the disk
def _is_link(st: os.stat_result) -> bool:
    reparse = getattr(stat, "FILE_ATTRIBUTE_REPARSE_POINT", 0)
    return stat.S_ISLNK(st.st_mode) or bool(reparse and getattr(st, "st_file_attributes", 0) & reparse)


def _link_refused(rel: PurePosixPath, k: int) -> Refused:
    shown = PurePosixPath(*rel.parts[: k + 1]).as_posix()
    return Refused(f"“{shown}”是符号链接或快捷方式，已拒绝；请把文件本身放进证据文件夹",
                   f"symlink in the evidence path: {shown}")


def _not_regular(rel: PurePosixPath, st: os.stat_result) -> Refused:
    what = "文件夹" if stat.S_ISDIR(st.st_mode) else "管道、设备或套接字"
    return Refused(f"“{rel.as_posix()}”不是普通文件（是{what}），已拒绝", f"not a regular file: {rel.as_posix()}")


def locate(root: str | os.PathLike, rel: PurePosixPath) -> Found:
    """What is at ``root/rel``, every component looked at with ``lstat`` (nothing followed, nothing
    opened). ``root`` is trusted (the office's own folder); only what is below it is checked."""
    here = Path(root)
    for k, part in enumerate(rel.parts):
        here = here / part
        try:
            st = os.lstat(here)
        except (FileNotFoundError, NotADirectoryError):
            return Found(MISSING, rel)
        except (OSError, ValueError) as e:
            return Found(REFUSED, rel, f"“{rel.as_posix()}”无法读取", f"cannot stat: {e}")
        if _is_link(st):
            r = _link_refused(rel, k)
            return Found(REFUSED, rel, r.why, r.detail)
        last = k == len(rel.parts) - 1
        if not last and not stat.S_ISDIR(st.st_mode):
            return Found(MISSING, rel)
        if last and not stat.S_ISREG(st.st_mode):
            r = _not_regular(rel, st)
            return Found(REFUSED, rel, r.why, r.detail)
    return Found(OK, rel)


def locate_first(root: str | os.PathLike, candidates: list[PurePosixPath]) -> Found:
    """The first candidate there is anything at (a link counts, and is refused); missing when none."""
    for rel in candidates:
        f = locate(root, rel)
        if f.state != MISSING:
            return f
    return Found(MISSING, candidates[0] if candidates else None)


_WALK = (hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY") and os.open in os.supports_dir_fd
         and os.stat in os.supports_dir_fd and os.stat in os.supports_follow_symlinks)


def open_regular(root: str | os.PathLike, rel: PurePosixPath) -> int:
    """A read-only descriptor of the regular file ``root/rel``, reached through no link. Raises
    :class:`Refused` (a link, not a regular file) or FileNotFoundError. The caller closes it."""
    rel = PurePosixPath(rel)
    if not rel.parts or any(p in ("", ".", "..") or "/" in p or "\\" in p for p in rel.parts):
        raise Refused("路径不在证据文件夹内", f"bad relative path {rel!s}")
    if _WALK:
        fd = _open_walking(Path(root), rel)
    else:
        fd = _open_checked(Path(root), rel)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(rel, st)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_walking(root: Path, rel: PurePosixPath) -> int:
    nofollow = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    d = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        for k, part in enumerate(rel.parts):
            last = k == len(rel.parts) - 1
            try:
                st = os.stat(part, dir_fd=d, follow_symlinks=False)
            except (FileNotFoundError, NotADirectoryError):
                raise FileNotFoundError(rel.as_posix()) from None
            if stat.S_ISLNK(st.st_mode):
                raise _link_refused(rel, k)
            if last and not stat.S_ISREG(st.st_mode):
                raise _not_regular(rel, st)  # never open a FIFO or a device, not even to look
            flags = os.O_RDONLY | nofollow | (os.O_NONBLOCK if last else os.O_DIRECTORY)
            try:
                nd = os.open(part, flags, dir_fd=d)
            except OSError as e:  # ELOOP: it became a link since the stat; ENOTDIR: not a folder
                if isinstance(e, (FileNotFoundError, NotADirectoryError)):
                    raise FileNotFoundError(rel.as_posix()) from None
                raise _link_refused(rel, k) from None
            os.close(d)
            d = nd
        return d
    except BaseException:
        os.close(d)
        raise


def _open_checked(root: Path, rel: PurePosixPath) -> int:
    """Where ``os.open`` takes no ``dir_fd`` (Windows): lstat every component, open, and make sure the
    file opened is the one lstat saw (no swap for a link in between)."""
    f = locate(root, rel)
    if f.state == MISSING:
        raise FileNotFoundError(rel.as_posix())
    if f.state == REFUSED:
        raise Refused(f.why, f.detail)
    path = root.joinpath(*rel.parts)
    seen = os.lstat(path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0))
    st = os.fstat(fd)
    if (st.st_dev, st.st_ino) != (seen.st_dev, seen.st_ino):
        os.close(fd)
        raise _link_refused(rel, len(rel.parts) - 1)
    return fd


def sha256_in(root: str | os.PathLike, rel: PurePosixPath) -> str:
    """The SHA-256 of the regular file ``root/rel`` (opened as :func:`open_regular` does)."""
    fd = open_regular(root, rel)
    h = hashlib.sha256()
    with os.fdopen(fd, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def copy_regular(root: str | os.PathLike, rel: PurePosixPath, dest: str | os.PathLike) -> str:
    """Copy the regular file ``root/rel`` to ``dest`` (atomically: a temporary file beside it, then
    renamed over it, so a link planted at ``dest`` is replaced, not written through). Returns the
    SHA-256 of the bytes copied. Raises :class:`Refused` or FileNotFoundError; nothing is written then."""
    dest = Path(dest)
    fd = open_regular(root, rel)
    h = hashlib.sha256()
    with os.fdopen(fd, "rb") as src:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tfd, tmp = tempfile.mkstemp(prefix=temp_prefix(dest.name), suffix=".tmp", dir=dest.parent)
        try:
            with os.fdopen(tfd, "wb") as out:
                for block in iter(lambda: src.read(_CHUNK), b""):
                    h.update(block)
                    out.write(block)
            os.replace(tmp, dest)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return h.hexdigest()
