"""Regressions from the second adversarial pass: hostile text stays inert, faults lose nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tui.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def entry(title: str, authors: str, abstract: str = "An abstract.", day: int = 19) -> str:
    return f"CLOct {day}, 2022Code\n{title}\n\n{authors}\n\n{abstract}\n\n"


@pytest.mark.parametrize("fmt", ["bibtex", "csl", "markdown", "json", "csv", "notes"])
def test_authors_whose_last_word_has_no_letters_export_everywhere(tmp_path: Path, fmt: str) -> None:
    dump = tmp_path / "dump.txt"
    dump.write_text(
        entry("Dotted Author Paper", "Anna ., Bob Smith")
        + entry("Dagger Author Paper", "Anna Berg †, Carl Doe", day=20)
        + entry("Only Symbols Paper", "† ‡, Carl Doe", day=21),
        encoding="utf-8",
    )
    assert run("import", str(dump))[0] == 0
    for paper_id in ("1", "2", "3"):
        run("note", paper_id, "--set", "a note")
    out = tmp_path / "out"
    code, text, err = run("export", "--format", fmt, "-o", str(out))
    assert code == 0, err
    if out.is_dir():
        written = " ".join(p.name for p in out.iterdir())
    else:
        written = out.read_text(encoding="utf-8")
    if fmt in ("bibtex", "csl", "notes"):
        for key in ("anna2022dotted", "berg2022dagger", "anon2022only"):
            assert key in written


def test_a_new_library_and_its_folder_are_private(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "deeper" / "library.db"
    dump = tmp_path / "dump.txt"
    dump.write_text(entry("Private Paper", "Anna Berg"), encoding="utf-8")
    assert run("--db", str(db), "import", str(dump))[0] == 0
    assert db.stat().st_mode & 0o777 == 0o600
    assert db.parent.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "fresh").stat().st_mode & 0o777 == 0o700
    for sidecar in db.parent.iterdir():
        assert sidecar.stat().st_mode & 0o077 == 0, sidecar


def _library_with_changes_only_in_its_wal(tmp_path: Path) -> Path:
    """A copy of a library taken while a writer still held changes in the WAL, as on a backup disk."""
    import shutil
    import sqlite3

    dump = tmp_path / "dump.txt"
    dump.write_text(entry("Checkpointed Paper", "Anna Berg"), encoding="utf-8")
    live = tmp_path / "live" / "library.db"
    assert run("--db", str(live), "import", str(dump))[0] == 0
    writer = sqlite3.connect(live)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("UPDATE papers SET note = 'only in the WAL'")
    writer.commit()
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("library.db", "library.db-wal"):
        shutil.copyfile(live.with_name(name), copy / name)
    writer.close()
    assert (copy / "library.db-wal").stat().st_size > 0
    return copy / "library.db"


@pytest.mark.parametrize("shared_memory_works", [True, False])
def test_a_read_only_library_shows_changes_still_in_its_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_memory_works: bool
) -> None:
    import os
    import sqlite3

    db = _library_with_changes_only_in_its_wal(tmp_path)
    before = db.read_bytes()
    real_access, real_connect = os.access, sqlite3.connect

    def connect(target: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        if not shared_memory_works and str(target).endswith("?mode=ro") and str(db.parent) in str(target):
            target = "file:/nonexistent/dir/x.db?mode=ro"  # what a read-only disk without -shm gives
        return real_connect(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", lambda path, mode: False if mode == os.W_OK else real_access(path, mode))
    monkeypatch.setattr(sqlite3, "connect", connect)
    code, out, err = run("--db", str(db), "note", "1")
    assert code == 0, err
    assert out == "only in the WAL\n"
    assert db.read_bytes() == before
