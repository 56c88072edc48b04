"""Writing files so that a crash leaves the old file or the new one, never half of either.

Each write goes to a fresh, exclusively created temp file beside its target, is flushed to disk,
then renamed over the target. A rename replaces a symlink rather than writing through it, and
no fixed temp name exists for another user to plant a link at.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import stat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping
    from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}
)
MAX_NOTE_FILE_BYTES = 64 * 2**20
"""A notes file larger than this is not read to compare: it is left alone, and named."""
MAX_NAME_BYTES = 200
"""File names are cut below the 255-byte limit of common file systems, leaving room for a suffix."""


def write_atomic(path: Path, chunks: Iterable[str]) -> None:
    """Write text to path atomically: the old contents stay whole until the new are on disk.

    The new file gets the old one's permissions, or the umask's for a new file. Raises OSError;
    the target is then untouched and no temp file is left behind.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    temp = path.with_name(f".{path.name[: MAX_NAME_BYTES // 4]}.{secrets.token_hex(6)}.part")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            for chunk in chunks:
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make a rename durable; not every platform can open a folder, which is harmless."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def safe_file_name(stem: str, suffix: str) -> str:
    """A name that is valid on every common OS: bounded in bytes, no separators, not reserved."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem).strip(". ") or "untitled"
    while len(cleaned.encode("utf-8")) > MAX_NAME_BYTES:
        cleaned = cleaned[:-1]
    if cleaned.split(".")[0].upper() in _WINDOWS_RESERVED:
        cleaned += "_"
    return cleaned + suffix


class Unreadable(OSError):
    """A file refused before or while reading it: not a regular file, or past the size limit."""


def read_regular(path: Path, *, limit: int, follow_links: bool = True) -> bytes:
    """A regular file's bytes, never more than limit however the file behaves.

    Devices, pipes and sockets are refused before any read (``/dev/zero`` never ends, a pipe
    may never open); a file that claims one size and grows, or a /proc file that claims none,
    is cut off. Raises FileNotFoundError, IsADirectoryError, Unreadable, and without
    ``follow_links`` OSError(ELOOP) for a symlink.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow_links else _NOFOLLOW)
    with os.fdopen(os.open(path, flags), "rb", buffering=0) as file:
        info = os.fstat(file.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(errno.EINVAL, "not a regular file (a device, pipe or socket)")
        bound = f"limit {limit // 2**20} MiB"
        if info.st_size > limit:
            raise Unreadable(errno.EFBIG, f"{info.st_size / 2**20:,.0f} MiB is too large to import ({bound})")
        data = file.read(limit + 1)
        if len(data) > limit:
            raise Unreadable(errno.EFBIG, f"it grew past the size limit while being read ({bound})")
        return data


def read_note_file(path: Path) -> str:
    """A note file's text as papershelf reads back what it wrote: no links followed, never more
    than MAX_NOTE_FILE_BYTES, bytes that are not UTF-8 replaced. Raises OSError as read_regular."""
    return read_regular(path, limit=MAX_NOTE_FILE_BYTES, follow_links=False).decode("utf-8", "replace")


def read_head(path: Path, size: int) -> bytes:
    """The first bytes of a regular file ("" for anything else: a pipe never answers, a device never ends)."""
    try:
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb", buffering=0) as file:
            return file.read(size) if stat.S_ISREG(os.fstat(file.fileno()).st_mode) else b""
    except OSError:
        return b""


@dataclass(frozen=True, slots=True)
class FolderReport:
    """What writing a folder of files did."""

    written: int = 0
    unchanged: int = 0
    skipped: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """(file name, why) for each file left alone."""


MANIFEST = ".papershelf-notes.json"
"""In the notes folder: a digest of each file as papershelf last wrote it, to see the user's edits."""


def write_folder(folder: Path, files: Mapping[str, str], *, absorbed: Collection[str] = ()) -> FolderReport:
    """Write each named file into folder atomically; a file edited since papershelf wrote it, a file
    papershelf did not write, a symlink or a non-file in the way is left alone and named (unless
    its edits are ``absorbed``: read back into the library already, so replacing it loses nothing).

    Other files in the folder are not touched. Raises OSError when the folder cannot be made.
    """
    folder.mkdir(parents=True, exist_ok=True)
    ours = _manifest(folder)
    before = dict(ours)
    written = unchanged = 0
    skipped: list[tuple[str, str]] = []
    for name, text in files.items():
        path = folder / name
        if path.is_symlink():
            skipped.append((name, "is a symbolic link; papershelf does not write through links"))
            continue
        try:
            current = read_note_file(path)
        except FileNotFoundError:
            current = None
        except OSError as exc:
            skipped.append((name, exc.strerror or str(exc)))
            continue
        if current == text:
            unchanged += 1
            ours[name] = _digest(text)
            continue
        if current is not None and ours.get(name) != _digest(current) and name not in absorbed:
            why = "edited since papershelf wrote it" if name in ours else "not written by papershelf"
            skipped.append((name, f"{why}; not overwritten (move it aside to take the library's version)"))
            continue
        write_atomic(path, (text,))
        ours[name] = _digest(text)
        written += 1
    if ours != before:  # an export that changed nothing writes nothing, its fsyncs included
        write_atomic(folder / MANIFEST, (json.dumps(ours, indent=0, sort_keys=True) + "\n",))
    return FolderReport(written, unchanged, tuple(skipped))


def written_here(folder: Path) -> Callable[[str, str], bool | None]:
    """For a folder papershelf writes: whether a file (name, text) still holds what papershelf last
    wrote there, None when papershelf never wrote it. The manifest is read once."""
    ours = _manifest(folder)

    def as_written(name: str, text: str) -> bool | None:
        digest = ours.get(name)
        return None if digest is None else digest == _digest(text)

    return as_written


def _manifest(folder: Path) -> dict[str, str]:
    try:
        data = json.loads(read_regular(folder / MANIFEST, limit=MAX_NOTE_FILE_BYTES, follow_links=False))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
