"""Writing files so that none is ever lost or cut short: every write of opsbook goes through here.

A file is written to a temporary file in its own directory, flushed and fsynced, then renamed
over its name (`os.replace`, atomic on POSIX and Windows): a crash, a kill -9 or a full disk
leaves either the old file or the new one, never a truncated or empty one. A failed write
removes its temporary file and leaves the original untouched. Temporary files are hidden and do
not end in `.md` (`.<name>.opsbook-tmp-XXXX`), so the one a kill -9 may leave behind is never
read as a document.

A new document is created exclusively: the temporary file is hard-linked to its name, which
fails if the name exists, so two writers can never overwrite each other.

Ids are allocated under `handbook_lock`, an exclusive lock of the handbook directory, so that
parallel `opsbook new` or `adopt` runs never pick the same id.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

TEMP_MARK = ".opsbook-tmp-"
BACKUP_SUFFIX = ".orig"


class WriteError(Exception):
    """A file that could not be written; the original, if any, is untouched."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def reason(exc: OSError) -> str:
    """An OSError as words, without the file name (the caller names the file it meant)."""
    if exc.errno == errno.EFBIG:
        return "the disk is full or the file size limit is reached (file too large)"
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    return exc.strerror or str(exc)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write_temp(path: Path, data: bytes, mode: int) -> Path:
    """data in a new, fsynced temporary file beside path; removed again if anything fails."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}{TEMP_MARK}", dir=path.parent)
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return temp


def _fsync_dir(directory: Path) -> None:
    """Make a rename in directory durable; not every platform can open a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _as_bytes(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def atomic_write(path: Path, data: str | bytes) -> None:
    """Replace (or create) path with data, atomically; raises WriteError naming path.

    Text is written as UTF-8 exactly as given (no newline translation). An existing file keeps
    its permission bits (and, when we may, its owner). A symbolic link at path is replaced
    by the file, never written through.
    """
    try:
        old = os.lstat(path)
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise WriteError(path, reason(exc)) from None
    keep = old is not None and stat.S_ISREG(old.st_mode)
    mode = stat.S_IMODE(old.st_mode) if old is not None and keep else _default_mode()
    try:
        temp = _write_temp(path, _as_bytes(data), mode)
    except OSError as exc:
        raise WriteError(path, reason(exc)) from None
    try:
        if old is not None and keep and hasattr(os, "chown"):
            with contextlib.suppress(OSError):  # only root may give a file away
                os.chown(temp, old.st_uid, old.st_gid)
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise WriteError(path, reason(exc)) from None
        raise
    _fsync_dir(path.parent)


def create_exclusive(path: Path, data: str | bytes) -> None:
    """Create path with data, complete or not at all; FileExistsError if path exists.

    Other failures raise WriteError naming path; no empty or partial file is left at path,
    so a retry is not blocked by the remains of a failed attempt.
    """
    try:
        temp = _write_temp(path, _as_bytes(data), _default_mode())
    except OSError as exc:
        raise WriteError(path, reason(exc)) from None
    try:
        os.link(temp, path)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise WriteError(path, reason(exc)) from None
        _create_without_links(path, temp)  # a file system without hard links
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    _fsync_dir(path.parent)


def _create_without_links(path: Path, temp: Path) -> None:
    # O_EXCL still detects a clash; the copy is removed again if it cannot be completed.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _default_mode())
    except FileExistsError:
        raise
    except OSError as exc:
        raise WriteError(path, reason(exc)) from None
    try:
        with os.fdopen(fd, "wb") as handle, temp.open("rb") as source:
            shutil.copyfileobj(source, handle)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            path.unlink()
        raise WriteError(path, reason(exc)) from None


def keep_copy(path: Path) -> Path:
    """Keep path's current content beside it, as path.orig (path.orig.1, ... if taken).

    The copy is a hard link where possible (instant, no space), else a copy; never replaces
    an earlier copy. Raises WriteError naming path.
    """
    for n in range(1000):
        backup = path.with_name(path.name + BACKUP_SUFFIX + (f".{n}" if n else ""))
        try:
            os.link(path, backup)
            return backup
        except FileExistsError:
            continue
        except OSError:
            try:
                create_exclusive(backup, path.read_bytes())
                return backup
            except FileExistsError:
                continue
            except OSError as exc:
                raise WriteError(path, f"cannot keep a copy: {reason(exc)}") from None
    raise WriteError(path, f"cannot keep a copy: {path.name}{BACKUP_SUFFIX}.* are all taken")


def symlink_on_the_way(base: Path, rel: str) -> Path | None:
    """The first of base/rel's components below base that is a symbolic link, or None."""
    current = base
    for part in Path(rel).parts:
        current = current / part
        if current.is_symlink():
            return current
        if not current.exists():
            return None
    return None


@contextlib.contextmanager
def handbook_lock(root: Path) -> Iterator[None]:
    """Hold an exclusive lock of the handbook directory (POSIX flock) for the block.

    Every opsbook run that hands out ids holds it from reading the ids in use until its
    documents are written, so that parallel runs never pick the same id. Where flock is not
    available (Windows) the block runs unlocked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write path's new content into, put in place when the block ends.

    For output too large to hold in memory (a zip of a whole site): the file is a temporary
    one beside path, flushed, fsynced and renamed over path (os.replace) only when the block
    completes; if it raises, the temporary file is removed and path is left as it was.
    Raises WriteError naming path.
    """
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}{TEMP_MARK}", dir=path.parent)
    except OSError as exc:
        raise WriteError(path, reason(exc)) from None
    temp = Path(name)
    try:
        with os.fdopen(fd, "w+b") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, _default_mode())
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise WriteError(path, reason(exc)) from None
        raise
    _fsync_dir(path.parent)
