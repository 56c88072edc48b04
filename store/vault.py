"""Notes that come back: a round with a folder of note files (an Obsidian vault) the user edits too.

``export --format notes`` writes one Markdown file per annotated paper. A round reads each file
papershelf wrote back and compares three texts: the note the file and the library last agreed on
(``vault_notes``), the note in the file now, and the library's note now.

- Only the file changed: the note becomes the file's (the old one stays in the note history).
- Only the library changed: the file is rewritten.
- Both: the two edits are merged by the sync engine (each survives where they touch different
  places), the file's version goes into the history marked as the vault's, and the file gets the
  merge. Nothing either side typed is lost.
- The file is gone or renamed: reported, never read as "delete my note"; the note is kept and the
  file is not written again under its old name.

The front matter is papershelf's: edits to it are not read back, and it is rewritten with the note.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from store.exporters import note_file, note_file_name, note_of_file
from store.files import MAX_NOTE_FILE_BYTES, read_head, read_regular, write_folder, written_here
from store.sync import merge_texts

if TYPE_CHECKING:
    from pathlib import Path

    from store.models import Paper
    from store.store import Store

VAULT_ORIGIN = "the notes folder"
"""How a note version taken from a file is marked in the history."""
_ID_LINE = re.compile(r"^papershelf_id:\s*(\d+)\s*$", re.MULTILINE)


@dataclass(slots=True)
class VaultReport:
    """What one round with a notes folder did."""

    folder: Path
    written: int = 0
    """Files written or rewritten."""
    taken: list[int] = field(default_factory=list)
    """Papers whose note was taken from its file."""
    conflicts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Files missing, renamed, unreadable or in the way: each left alone, with why."""


def sync_notes(store: Store, folder: Path) -> VaultReport:
    """One round with a notes folder: edits made in the files come in, the library's go out."""
    folder = folder.absolute()
    report = VaultReport(folder)
    where = str(folder)
    agreed = store.vault_state(where)
    ids = sorted({*store.ids_with_notes(), *agreed})
    papers = {p.id: p for p in store.get_many(store.existing(ids))}
    keys = store.cite_keys(list(papers))
    as_written = written_here(folder)
    files: dict[str, str] = {}
    absorbed: set[str] = set()
    bases: dict[int, tuple[str, str] | None] = {}
    for paper_id in ids:
        paper = papers.get(paper_id)
        if paper is None:  # deleted since: its file stays as it is
            bases[paper_id] = None
            continue
        name = agreed[paper_id][0] if paper_id in agreed else note_file_name(keys[paper_id])
        try:
            text = read_regular(folder / name, limit=MAX_NOTE_FILE_BYTES, follow_links=False).decode("utf-8")
        except FileNotFoundError:
            if paper_id in agreed:
                report.problems.append(f"{name}: {_missing(folder, name, paper_id)}; the note is kept in the library")
            elif paper.note.strip():  # a note the folder has never had
                files[name] = _file(paper, keys[paper_id])
                bases[paper_id] = (name, paper.note.rstrip())
            continue
        except (OSError, UnicodeDecodeError) as exc:
            report.problems.append(f"{name}: cannot be read ({getattr(exc, 'strerror', None) or exc}); left alone")
            continue
        in_file = note_of_file(text)
        if paper_id in agreed:
            base = agreed[paper_id][1]
        elif (ours := as_written(name, text)) is None:  # the user's own file: write_folder says so
            files[name] = _file(paper, keys[paper_id])
            continue
        else:  # exported before the first round: as written, or edited from a start no one kept
            base = in_file if ours else ""
        paper, agreed_now = _reconcile(store, paper, in_file, base, report)
        absorbed.add(name)  # read back: what the file holds beyond its front matter is in the library now
        files[name] = _file(paper, keys[paper_id])
        bases[paper_id] = (name, agreed_now)
    folder.mkdir(parents=True, exist_ok=True)
    written = write_folder(folder, files, absorbed=absorbed)
    report.written = written.written
    for name, why in written.skipped:  # not written: the file and the library agree on what they did before
        report.problems.append(f"{name}: {why}")
        bases.update({i: agreed.get(i) for i, b in bases.items() if b is not None and b[0] == name})
    store.set_vault_state(where, bases)
    return report


def _reconcile(store: Store, paper: Paper, in_file: str, base: str, report: VaultReport) -> tuple[Paper, str]:
    """The paper with its note brought level with its file, and the text both now agree on."""
    mine = paper.note.rstrip()
    if in_file in (base, mine):
        return paper, mine
    if mine == base:
        report.taken.append(paper.id)
        return store.set_note(paper.id, in_file), in_file
    merged = merge_texts(base, mine, in_file)
    store.keep_note_version(paper.id, in_file, VAULT_ORIGIN)
    report.conflicts.append(
        f"paper {paper.id}: its note was edited here and in its file; both edits merged, the file's version "
        f"kept in the history (papershelf note {paper.id} --history)"
    )
    return store.set_note(paper.id, merged), merged


def _file(paper: Paper, key: str) -> str:
    return note_file(paper, key)[1]


def _missing(folder: Path, name: str, paper_id: int) -> str:
    """Why a note file is not where it was written: renamed (to a file naming the same paper) or gone."""
    try:
        entries = sorted(e for e in os.listdir(folder) if e.endswith(".md"))
    except OSError:
        entries = []
    for entry in entries:
        found = _ID_LINE.search(read_head(folder / entry, 4096).decode("utf-8", "replace"))
        if found and int(found[1]) == paper_id:
            return f"renamed to {entry}? edits there are not read back until it has its old name again"
    return "missing from the folder (deleted or moved?)"
