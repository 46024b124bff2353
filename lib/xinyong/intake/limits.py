"""How much a returned file may ask of the reader: bounds checked before a workbook is parsed.

Departments return workbooks; a crafted one must be refused in a second with a Chinese message naming
the file, not stall a whole ``collect``. What is checked, and when:

- the file's size on disk, before it is read into memory (:attr:`Limits.file_bytes`);
- an .xlsx's zip directory, before any part is decompressed (:func:`archive_problem`): the number of
  parts, each part's *declared* uncompressed size, their total, and the compression ratio of the larger
  parts (a zip bomb declares what it inflates to; Excel's parts compress 8–50 times);
- a part whose header lies about its size cannot inflate beyond it: every part is read through
  ``zipfile``, which stops at the declared size and then fails the CRC check (:func:`verify_parts` does
  that for the parts read by calamine, whose reader trusts the data instead);
- a sheet's rows, found by the raw-XML scan before it is parsed (:attr:`Limits.rows`), and the cells of
  the grids it builds — each sheet's rows × columns down to its last value, summed over the file
  (:attr:`Limits.cells`) — counted as they are built; a CSV's lines and cells are counted before it is
  split. Peak memory grows with what is kept (a grid per sheet), so that is what is bounded. A sheet
  reaches calamine (which builds a dense grid placed by the cells' references before anything can be
  counted) only when the scan found every cell tag as Excel writes it, within column BZ and row 109,999
  (or DZ and 65,999: :mod:`.scan`);
- a DOCTYPE (entity declarations) in any part is refused: in a worksheet by the scan, elsewhere by
  :func:`verify_parts`;
- a password-protected .xlsx (an OLE2 container holding ``EncryptionInfo``) is told apart from an .xls
  (:func:`is_encrypted`).

The defaults (:data:`LIMITS`) pass the shipped demo workbooks and the intake bench's 100,000-unit
workbook with margin; docs/security/bounds.md says why each value. Pass another :class:`Limits`
to :func:`xinyong.intake.sources.open_source` or :func:`xinyong.intake.workbook.open_workbook` to change
them.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Bounds on one returned file. Sizes are bytes; ``ratio`` applies to parts above ``ratio_from``."""

    file_bytes: int = 64 * MB  # the file on disk (it is read into memory whole)
    members: int = 10_000  # parts in the zip
    member_bytes: int = 256 * MB  # one worksheet part, uncompressed, as declared
    part_bytes: int = 64 * MB  # any other part (shared strings, styles…): openpyxl keeps them whole
    total_bytes: int = 512 * MB  # all parts together, uncompressed, as declared
    ratio: float = 200.0  # uncompressed / compressed, for parts larger than ratio_from
    ratio_from: int = 1 * MB
    rows: int = 110_000  # a sheet's rows down to the last one with a value (CSV: lines)
    cells: int = 8_000_000  # the grids' cells (rows × columns to the last value), all sheets together


LIMITS = Limits()

_WORKSHEET = "xl/worksheets/"
# names of the two streams of an encrypted OOXML package, as a CFB directory entry stores them (UTF-16LE)
_ENCRYPTED_NAMES = tuple(n.encode("utf-16-le") for n in ("EncryptionInfo", "EncryptedPackage"))
_CFB_ENTRY = 128  # a CFB directory entry's size; entries start on multiples of it (sectors are 512 or 4096)


def _mb(n: float) -> str:
    return f"{n / MB:,.0f} MB" if n >= MB else f"{n / 1024:,.0f} KB"


def file_problem(size: int, limits: Limits = LIMITS) -> tuple[str, str] | None:
    """(Chinese message, English detail) when a file of ``size`` bytes is too large to read; else None."""
    if size > limits.file_bytes:
        return (f"文件过大（{_mb(size)}），超过上限 {_mb(limits.file_bytes)}，请检查是否交错了文件",
                f"file of {size} bytes exceeds {limits.file_bytes}")
    return None


def archive_problem(data: bytes, limits: Limits = LIMITS) -> tuple[str, str] | None:
    """(Chinese message, English detail) when an .xlsx's zip directory asks too much; else None.

    Reads only the central directory (nothing is decompressed). A file that is not a readable zip is
    left to the workbook reader, which says so."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    # zipfile raises NotImplementedError for a compression method or zip feature it does not support:
    # not a workbook this tool can read, which the reader then says (not unfinished code)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return None
    bomb = "文件解压后过大，疑似压缩炸弹，已拒绝读取"
    if len(infos) > limits.members:
        return (f"{bomb}（含 {len(infos):,} 个部件，上限 {limits.members:,}）",
                f"{len(infos)} zip members, limit {limits.members}")
    total = 0
    for info in infos:
        size = info.file_size
        cap = limits.member_bytes if info.filename.startswith(_WORKSHEET) else limits.part_bytes
        if size > cap:
            return (f"{bomb}（部件 {info.filename} 解压后 {_mb(size)}，上限 {_mb(cap)}）",
                    f"{info.filename}: {size} bytes uncompressed, limit {cap}")
        if size > limits.ratio_from and size > limits.ratio * max(info.compress_size, 1):
            ratio = size / max(info.compress_size, 1)
            return (f"{bomb}（部件 {info.filename} 压缩比 {ratio:,.0f} 倍，上限 {limits.ratio:,.0f} 倍）",
                    f"{info.filename}: compression ratio {ratio:.0f}, limit {limits.ratio:.0f}")
        total += size
    if total > limits.total_bytes:
        return (f"{bomb}（解压后共 {_mb(total)}，上限 {_mb(limits.total_bytes)}）",
                f"{total} bytes uncompressed in all, limit {limits.total_bytes}")
    return None


def verify_parts(data: bytes, skip: tuple[str, ...] = ()) -> str | None:
    """Read every part of the zip (but those whose name starts with one of ``skip``) through ``zipfile``,
    a chunk at a time: a part that inflates beyond its declared size is cut there and fails the CRC
    check (``zipfile.BadZipFile``). For readers that trust the compressed data instead (calamine).
    Returns the name of the first part holding a DOCTYPE (entity declarations, which Excel never
    writes), None when none does."""
    hostile = None
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            if info.is_dir() or info.filename.startswith(skip):
                continue
            with z.open(info) as part:
                carry = b""
                while chunk := part.read(1 << 20):
                    if hostile is None and b"<!DOCTYPE" in carry + chunk:
                        hostile = info.filename
                    carry = chunk[-8:]
    return hostile


def is_encrypted(data: bytes) -> bool:
    """Whether an OLE2 (CFB) file is a password-protected Office package, not an .xls: its directory
    names an ``EncryptionInfo`` or ``EncryptedPackage`` stream. Searched in the bytes already in memory
    (bounded by :attr:`Limits.file_bytes`); only a name at the start of a directory entry counts, so a
    cell of an .xls that happens to hold the word does not."""
    for name in _ENCRYPTED_NAMES:
        at = data.find(name)
        while at >= 0:
            if at % _CFB_ENTRY == 0:
                return True
            at = data.find(name, at + 1)
    return False


class Refused(Exception):
    """A file the reader will not read (too large, hostile XML, damaged): its Chinese message, English
    detail, what was expected and the sheet, when one is to blame."""

    def __init__(self, message: str, detail: str, expected: str | None = None, sheet: str | None = None):
        super().__init__(detail)
        self.message, self.detail, self.expected, self.sheet = message, detail, expected, sheet


def too_big(sheet: str | None, rows: int, cells: int, limits: Limits = LIMITS) -> Refused | None:
    """The refusal of a sheet (or a CSV) with ``rows`` rows, when the file's grids hold ``cells`` cells so
    far (rows × columns down to the last value, summed over the sheets); None within the limits."""
    where = f"工作表“{sheet}”" if sheet else "文件"
    if rows > limits.rows:
        return Refused(f"{where}有 {rows:,} 行，超过上限 {limits.rows:,} 行，已拒绝读取（请检查是否交错了文件）",
                       f"{rows} rows, limit {limits.rows}", f"至多 {limits.rows:,} 行", sheet)
    if cells > limits.cells:
        return Refused(f"{where}的表格过大（各表行数×列数合计超过 {limits.cells:,} 个单元格），已拒绝读取"
                       "（请检查是否交错了文件，或有数据写在了很远的行列）",
                       f"more than {limits.cells} cells in the grids, limit {limits.cells}",
                       f"至多 {limits.cells:,} 个单元格", sheet)
    return None
