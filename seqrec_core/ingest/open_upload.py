"""Open an upload's bytes within the size limit: a plain file, a gzip file, or the one data
file inside a zip archive.

Every opener is a `Reader`, a function that returns up to n bytes from the start of the
(decompressed) content, so a preview can read a prefix and a full read the whole. Sizes are
checked before anything is inflated (zip bombs declare their size) and again while
inflating (gzip does not declare it reliably, so its bytes are counted as they come out).
An .xlsx workbook is a zip too: `check_workbook_size` bounds what openpyxl will inflate.
Parquet compresses inside the format; its reader applies `check_ratio` to the decoded
batches.
Zip members are read in memory only, so their names never become paths.

Inflating is also bounded by ratio: a few MB that inflate to hundreds of MB are a
compression bomb (or a log of one row repeated), and validating them takes gigabytes. Once
the bytes actually inflated pass both `INFLATE_RATIO_FLOOR` and `SEQREC_MAX_INFLATE_RATIO`
(100 by default) times the compressed size, the upload is refused; real CSV exports
compress 5-15 times.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import mmap
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, cast

from seqrec_core.errors import ConfigError, InputError
from seqrec_core.ingest.quality import short_list

DEFAULT_MAX_BYTES: Final = 1 << 30
MAX_BYTES_ENV: Final = "SEQREC_MAX_UPLOAD_MB"
DEFAULT_MAX_INFLATE_RATIO: Final = 100.0
MAX_INFLATE_RATIO_ENV: Final = "SEQREC_MAX_INFLATE_RATIO"
INFLATE_RATIO_FLOOR = 64 << 20  # bytes: below this any ratio is harmless (tests lower it)
_INFLATE_CHUNK: Final = 1 << 20  # inflate this much at a time, so the ratio is judged early
BROKEN: Final = (OSError, EOFError, zlib.error, zipfile.BadZipFile, NotImplementedError)
_FIRST_PREFIX: Final = 1 << 20  # a preview reads a prefix, growing from 1 MiB
_ZIP_JUNK_FOLDER: Final = "__MACOSX/"
_ZIP_JUNK_NAMES: Final = (".", "Thumbs.db")  # .DS_Store, ._resource forks, ...

Reader = Callable[[int], bytes]


def max_upload_bytes() -> int:
    """The upload size limit: env `SEQREC_MAX_UPLOAD_MB` (megabytes) or 1 GiB."""
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        megabytes = float(raw)
    except ValueError:
        megabytes = -1.0
    if megabytes <= 0:
        raise ConfigError(f"{MAX_BYTES_ENV}={raw!r} is not a positive number of megabytes")
    return int(megabytes * (1 << 20))


def max_inflate_ratio() -> float:
    """The compression ratio limit: env `SEQREC_MAX_INFLATE_RATIO` or 100."""
    raw = os.environ.get(MAX_INFLATE_RATIO_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_INFLATE_RATIO
    try:
        ratio = float(raw)
    except ValueError:
        ratio = -1.0
    if not ratio >= 1:  # also refuses nan
        raise ConfigError(f"{MAX_INFLATE_RATIO_ENV}={raw!r} is not a ratio of 1 or more")
    return ratio


def inflate_allowance(compressed: int) -> int:
    """The most bytes `compressed` bytes may inflate to before `check_ratio` refuses them."""
    return max(INFLATE_RATIO_FLOOR, int(max_inflate_ratio() * max(compressed, 1)))


def check_ratio(inflated: int, compressed: int, name: str, fix: str | None = None) -> None:
    """Raise an InputError when `inflated` bytes (counted as they came out, not as a header
    claims) are past both the floor and the ratio limit for `compressed` bytes.

    Args:
        fix: the first half of the hint (default: upload it uncompressed or as Parquet).
    """
    if inflated <= inflate_allowance(compressed):
        return
    ratio = max_inflate_ratio()
    raise InputError(
        f"the file inflates over {inflated / max(compressed, 1):,.0f}× its size "
        f"({compressed / 2**20:,.2f} MB packed, reading stopped at {inflated / 2**20:,.1f} MB "
        f"inflated), past the limit of {ratio:,.0f}×: a sign of a compression bomb or of an "
        "extremely repetitive file (real exports compress 5-15×)",
        file=name,
        hint=f"{fix or 'upload it uncompressed or as Parquet'}, or raise "
        f"{MAX_INFLATE_RATIO_ENV} (now {ratio:,.0f}) if the file is genuine",
    )


def _inflate(handle: IO[bytes], size: int, compressed: int, name: str) -> bytes:
    """Up to `size` bytes from an inflating `handle`, checking the ratio as they come out."""
    out = io.BytesIO()  # getvalue() hands over its buffer: no second copy of the content
    while out.tell() < size:
        chunk = handle.read(min(_INFLATE_CHUNK, size - out.tell()))
        if not chunk:
            break
        out.write(chunk)
        check_ratio(out.tell(), compressed, name)
    return out.getvalue()


def check_size(size: int, limit: int, name: str, *, uncompressed: bool = False) -> None:
    """Raise an InputError when `size` bytes are over `limit`."""
    if size <= limit:
        return
    what = "uncompressed, the data" if uncompressed else "file"
    shown = f"over {limit / 2**20:,.1f} MB" if uncompressed else f"{size / 2**20:,.1f} MB"
    raise InputError(
        f"{what} is {shown}, over the limit of {limit / 2**20:,.1f} MB",
        file=name,
        hint=f"raise {MAX_BYTES_ENV} or split the file",
    )


def damaged(name: str, what: str, fix: str) -> InputError:
    """The error for a file whose container is broken."""
    return InputError(
        f"the {what} is damaged or cut short and cannot be read",
        file=name,
        hint=f"{fix} and upload it again",
    )


def file_reader(path: Path) -> Reader:
    """Read a plain file."""

    def read(size: int) -> bytes:
        with path.open("rb") as handle:
            # read() sizes its buffer from the file; read(size) would allocate all of `size`.
            return handle.read() if size >= path.stat().st_size else handle.read(size)

    return read


def map_file(path: Path) -> mmap.mmap:
    """A whole plain file, memory-mapped read-only: no copy of its bytes on the heap."""
    with path.open("rb") as handle:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def gzip_reader(path: Path, name: str) -> Reader:
    """Read the inflated content of a gzip file.

    At most `size` bytes are inflated, whatever the members' trailers claim (a gzip trailer
    states the size modulo 4 GiB, and only once its member has been inflated), and the
    inflating stops once the bytes out pass the ratio limit (`check_ratio`).
    """

    def read(size: int) -> bytes:
        try:
            with gzip.open(path, "rb") as handle:
                return _inflate(handle, size, path.stat().st_size, name)
        except BROKEN as exc:
            raise damaged(name, "gzip file", "compress it again") from exc

    return read


def open_zip(path: Path, name: str) -> zipfile.ZipFile:
    """Open a zip archive (an .xlsx workbook is one too)."""
    try:
        return zipfile.ZipFile(path)
    except BROKEN as exc:
        if Path(name).suffix.lower() in (".xlsx", ".xlsm"):
            raise damaged(name, "Excel workbook", "open it in Excel, save it again") from exc
        raise damaged(name, "zip archive", "create the archive again") from exc


def is_workbook(archive: zipfile.ZipFile) -> bool:
    """Whether a zip archive is an Excel .xlsx workbook."""
    return "xl/workbook.xml" in archive.namelist()


def holds_workbook(data: bytes) -> bool:
    """Whether in-memory bytes (a zip member, a gzip body) are an .xlsx workbook."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return is_workbook(archive)
    except BROKEN:
        return False


def check_workbook_size(source: IO[bytes], name: str, limit: int) -> None:
    """Refuse an .xlsx workbook whose parts inflate past `limit` bytes, judged from its zip
    directory before any part is inflated; `source` is left at its start.

    openpyxl inflates a sheet's XML and the shared strings as it reads them, so a 12 MB
    workbook can expand to gigabytes and read for hours. zipfile never inflates a part past
    the size the directory declares, so the declared sizes bound that work. When they would
    pass the ratio limit, the parts are inflated (and thrown away) to count what they really
    hold: a part that inflates to less than it declares is damaged, not a bomb.
    """
    compressed = source.seek(0, io.SEEK_END)
    try:
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
            total = sum(part.file_size for part in parts)
            if total > inflate_allowance(compressed) and total <= limit:
                _count_parts(archive, parts, compressed, name)
    except BROKEN as exc:
        raise damaged(name, "Excel workbook", "open it in Excel, save it again") from exc
    finally:
        source.seek(0)
    if total <= limit:
        return
    largest = max(parts, key=lambda part: part.file_size)
    raise InputError(
        f"the workbook inflates to {total / 2**20:,.1f} MB when opened ({largest.filename} "
        f"alone is {largest.file_size / 2**20:,.1f} MB), over the limit of "
        f"{limit / 2**20:,.1f} MB",
        file=name,
        hint="save the sheet as CSV (compressed as .csv.gz) or Parquet and upload that, "
        f"or raise {MAX_BYTES_ENV}",
    )


def _count_parts(
    archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo], compressed: int, name: str
) -> None:
    """Inflate a workbook's parts one chunk at a time, refusing once the ratio is passed."""
    inflated = 0
    for part in parts:
        if part.is_dir():
            continue
        try:
            with archive.open(part) as handle:
                while chunk := handle.read(_INFLATE_CHUNK):
                    inflated += len(chunk)
                    check_ratio(inflated, compressed, name)
        except RuntimeError as exc:  # zipfile's way of saying "encrypted"
            raise damaged(name, "Excel workbook", "open it in Excel, save it again") from exc


@dataclass(frozen=True)
class ZipMember:
    """The one data file of a zip archive.

    Attributes:
        read: its first `size` bytes at most, inflated (within the ratio limit).
        extension: its file extension, a format hint.
        size: its declared uncompressed size (checked against the upload limit).
        packed: the compressed bytes it inflates from (for the ratio limit).
        stream: opens it for reading in pieces; a read error (damaged, encrypted) is an
            InputError naming the upload.
    """

    read: Reader
    extension: str
    size: int
    packed: int
    stream: Callable[[], contextlib.AbstractContextManager[IO[bytes]]]


def _zip_error(name: str, exc: BaseException) -> InputError:
    if isinstance(exc, RuntimeError):  # zipfile's way of saying "encrypted"
        return InputError(
            "the zip archive is password-protected",
            file=name,
            hint="upload it without a password",
        )
    return damaged(name, "zip archive", "create the archive again")


class _ZipReads(io.RawIOBase):
    """A zip member's stream whose read errors say what is wrong with the upload."""

    def __init__(self, handle: IO[bytes], name: str) -> None:
        super().__init__()
        self._handle, self._name = handle, name

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            return self._handle.read(size)
        except (RuntimeError, *BROKEN) as exc:
            raise _zip_error(self._name, exc) from exc


def zip_member(archive: zipfile.ZipFile, name: str, limit: int) -> ZipMember:
    """The archive's one data file (see `ZipMember`)."""
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith(_ZIP_JUNK_FOLDER)
        and not Path(info.filename).name.startswith(_ZIP_JUNK_NAMES)
    ]
    if len(members) != 1:
        listed = short_list([m.filename for m in members]) or "no file"
        raise InputError(
            f"the zip archive must hold exactly one data file; it holds {listed}",
            file=name,
            hint="put one table in the zip, or upload the file itself",
        )
    member = members[0]
    # zipfile never returns more than the declared size, so this check bounds the inflating.
    check_size(member.file_size, limit, name, uncompressed=True)
    # zipfile reads no more than the declared packed size; a larger claim cannot lift the
    # ratio limit past what the archive holds.
    packed = member.compress_size
    if archive.filename and os.path.isfile(archive.filename):
        packed = min(packed, os.path.getsize(archive.filename))

    @contextlib.contextmanager
    def stream() -> Iterator[IO[bytes]]:
        try:
            handle = archive.open(member)
        except (RuntimeError, *BROKEN) as exc:
            raise _zip_error(name, exc) from exc
        with handle:
            yield cast(IO[bytes], _ZipReads(handle, name))

    def read(size: int) -> bytes:
        with stream() as handle:
            return _inflate(handle, size, packed, name)

    return ZipMember(read, Path(member.filename).suffix.lower(), member.file_size, packed, stream)


def load(read: Reader, name: str, limit: int, sample_rows: int | None) -> tuple[bytes, bool]:
    """All the content, or for a preview a prefix holding about `sample_rows` lines or more.

    Returns:
        The bytes and whether they are the whole content.
    """
    if sample_rows is None:
        data = read(limit + 1)
        check_size(len(data), limit, name, uncompressed=True)
        return data, True
    want = _FIRST_PREFIX
    while True:
        data = read(min(want, limit))
        if len(data) < min(want, limit):
            return data, True
        if want >= limit or data.count(b"\n") > 2 * sample_rows + 16:
            return data, False
        want *= 4
