"""A paper's files: those its BibTeX ``file`` field names, and those attached to it in papershelf.

Attached files live in a folder beside the library (``library.db.files/<paper id>/``), copied in
or linked to; the folder is the record, so the trash, a restore or a copy of the library with
its folder need nothing more. ``file`` fields are read as Zotero (Better BibTeX), JabRef and
Mendeley write them: several files separated by ``;``, each a path or ``description:path:type``
with ``\\:`` and ``\\\\`` escaped.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path, PureWindowsPath

_UNESCAPED_SEMICOLON = re.compile(r"(?<!\\);")
_UNESCAPED_COLON = re.compile(r"(?<!\\):")


def files_root(library: Path) -> Path:
    """The folder beside the library that holds a folder of attached files per paper."""
    return library.with_name(library.name + ".files")


def folder(library: Path, paper_id: int) -> Path:
    """Where a paper's attached files go."""
    return files_root(library) / str(paper_id)


def file_field_paths(value: str, base: Path) -> list[Path]:
    """The paths a BibTeX ``file`` field names, in order; relative ones are taken from base."""
    found: list[Path] = []
    for item in _UNESCAPED_SEMICOLON.split(value):
        item = item.strip()
        if not item:
            continue
        parts = _UNESCAPED_COLON.split(item)
        path = parts[1] if len(parts) == 3 else item  # JabRef and Mendeley: description:path:type
        path = path.replace("\\:", ":").replace("\\\\", "\\").replace("\\;", ";").strip()
        if path:
            expanded = Path(os.path.expanduser(path))
            absolute = expanded.is_absolute() or PureWindowsPath(path).drive  # C:\ from a Windows machine
            found.append(expanded if absolute else base / expanded)
    return found


def attach(library: Path, paper_id: int, source: Path, *, link: bool = False) -> Path:
    """Copy (or, with ``link``, symlink) a file into the paper's folder; its new path. A name
    already there gets a number, so nothing attached before is replaced."""
    if not source.exists():
        raise FileNotFoundError(errno.ENOENT, "no such file", str(source))
    if not source.is_file():  # a folder, a device
        raise OSError(errno.EINVAL, "not a file", str(source))
    target_dir = folder(library, paper_id)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / source.name
    number = 1
    while target.exists() or target.is_symlink():
        number += 1
        target = target_dir / f"{source.stem} ({number}){source.suffix}"
    if link:
        target.symlink_to(source.resolve())
    else:
        temp = target.with_name(f".{target.name}.part")
        shutil.copyfile(source, temp)
        temp.replace(target)
    return target


def attached(library: Path, paper_id: int) -> list[Path]:
    """The files attached to a paper, by name."""
    where = folder(library, paper_id)
    if not where.is_dir():
        return []
    return sorted(p for p in where.iterdir() if not p.name.startswith(".") and p.is_file())
