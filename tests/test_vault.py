"""A notes folder (an Obsidian vault) that talks back: edits in the files come into the notes."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import pytest

from tui.cli import main

if TYPE_CHECKING:
    from pathlib import Path

    from store import Library


def _file(vault: Path, library: Library, paper_id: int) -> Path:
    (found,) = [p for p in vault.glob("*.md") if f"papershelf_id: {paper_id}\n" in p.read_text(encoding="utf-8")]
    return found


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def vault(library: Library, tmp_path: Path) -> Path:
    library.set_note(1, "First idea.\n\nSecond idea.")
    library.set_note(2, "Only note.")
    folder = tmp_path / "Vault"
    report = library.sync_notes(folder)
    assert report.written == 2 and not report.problems and not report.conflicts
    return folder


def test_an_edit_in_the_vault_becomes_the_note(library: Library, vault: Path, fixed_clock) -> None:
    path = _file(vault, library, 1)
    _edit(path, "Second idea.", "Second idea, revised in Obsidian.")
    _edit(path, "papershelf_id: 1", "papershelf_id: 1\nmy_field: ignored")  # front matter is papershelf's
    fixed_clock.advance()
    report = library.sync_notes(vault)
    assert report.taken == [1] and not report.conflicts
    assert library.paper(1).note == "First idea.\n\nSecond idea, revised in Obsidian."
    assert "First idea.\n\nSecond idea." in [v.text for v in library.note_history(1)]
    assert "my_field" not in path.read_text(encoding="utf-8")  # rewritten with papershelf's front matter
    assert library.search("obsidian").total == 1  # and searchable
    assert library.sync_notes(vault).taken == []  # said once


def test_an_edit_in_the_library_rewrites_the_file(library: Library, vault: Path) -> None:
    library.set_note(2, "Only note, now longer.")
    report = library.sync_notes(vault)
    assert report.written == 1 and report.taken == []
    assert _file(vault, library, 2).read_text(encoding="utf-8").endswith("\n\nOnly note, now longer.\n")


def test_edits_on_both_sides_are_merged_and_both_kept(library: Library, vault: Path, fixed_clock) -> None:
    path = _file(vault, library, 1)
    _edit(path, "First idea.", "First idea (vault).")
    library.set_note(1, "First idea.\n\nSecond idea (library).")
    fixed_clock.advance()
    report = library.sync_notes(vault)
    merged = "First idea (vault).\n\nSecond idea (library)."
    assert library.paper(1).note == merged
    assert report.conflicts and "paper 1" in report.conflicts[0]
    history = library.note_history(1)
    assert any(v.text == "First idea (vault).\n\nSecond idea." and v.origin == "the notes folder" for v in history)
    assert path.read_text(encoding="utf-8").endswith(f"\n\n{merged}\n")
    again = library.sync_notes(vault)
    assert not again.conflicts and not again.taken and again.written == 0


def test_a_deleted_or_renamed_file_is_reported_and_never_deletes_the_note(library: Library, vault: Path) -> None:
    first, second = _file(vault, library, 1), _file(vault, library, 2)
    first.unlink()
    second.rename(vault / "renamed by me.md")
    os.mkfifo(vault / "a pipe.md")  # read by nobody: a pipe would block for ever
    report = library.sync_notes(vault)
    text = "\n".join(report.problems)
    assert f"{first.name}: missing from the folder" in text
    assert f"{second.name}: renamed to renamed by me.md?" in text
    assert library.paper(1).note and library.paper(2).note == "Only note."
    assert not first.exists()  # not written again behind the user's back


def test_a_file_of_the_users_own_is_never_read_or_overwritten(library: Library, tmp_path: Path) -> None:
    library.set_note(3, "Library note.")
    vault = tmp_path / "Vault"
    vault.mkdir()
    library.sync_notes(vault)
    (path,) = vault.glob("*.md")
    path.unlink()
    (vault / ".papershelf-notes.json").unlink()
    library.store.set_vault_state(str(vault.absolute()), {3: None})
    path.write_text("My own unrelated note with the same name.", encoding="utf-8")
    report = library.sync_notes(vault)
    assert library.paper(3).note == "Library note."
    assert path.read_text(encoding="utf-8") == "My own unrelated note with the same name."
    assert any("not written by papershelf" in p for p in report.problems)


def test_a_vault_exported_and_edited_before_the_first_round_keeps_both(library: Library, tmp_path: Path) -> None:
    library.set_note(4, "Exported text.")
    vault = tmp_path / "Vault"
    library.export_notes([4], vault)
    (path,) = vault.glob("*.md")
    _edit(path, "Exported text.", "Exported text, edited in the vault.")
    library.set_note(4, "Exported text, edited in the library.")
    report = library.sync_notes(vault)
    note = library.paper(4).note
    assert "edited in the vault" in note and "edited in the library" in note and report.conflicts


def test_a_file_that_is_not_text_is_left_alone(library: Library, vault: Path) -> None:
    path = _file(vault, library, 2)
    path.write_bytes(b"---\nx: 1\n---\n\n\xff\xfe broken")
    report = library.sync_notes(vault)
    assert any("cannot be read" in p for p in report.problems)
    assert library.paper(2).note == "Only note."


def test_cli_sync_notes_remembers_its_vault_and_every_sync_round_uses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_sync import _demo_file

    db, vault, folder = tmp_path / "library.db", tmp_path / "Vault", tmp_path / "Sync"
    assert main(["--db", str(db), "import", "--year", "2026", str(_demo_file(tmp_path))]) == 0
    assert main(["--db", str(db), "note", "1", "--set", "alpha"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "sync-notes"]) == 2
    assert main(["--db", str(db), "sync-notes", str(vault), "--json"]) == 0
    captured = capsys.readouterr()
    assert set(json.loads(captured.out)) == {"folder", "written", "taken", "conflicts", "problems"}
    assert "is now the notes folder synced on every round" in captured.err
    (path,) = vault.glob("*.md")
    _edit(path, "alpha", "alpha beta")
    assert main(["--db", str(db), "sync", str(folder), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["notes"]["taken"] == [1]
    assert main(["--db", str(db), "note", "1"]) == 0
    assert "alpha beta" in capsys.readouterr().out
    _edit(path, "alpha beta", "alpha beta gamma")
    main(["--db", str(db), "note", "1", "--set", "zeta alpha beta"])
    capsys.readouterr()
    assert main(["--db", str(db), "sync-notes"]) == 1
    assert "conflict: paper 1" in capsys.readouterr().out
