"""Schema upgrades, a full disk, a missing HOME, and hostile text and queries on the CLI."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils.migrations import Migrations

import store.library_file
import store.schema
from store import Store, StoreError, parse_profile_dump
from store.library_file import SCHEMA_VERSION
from store.schema import m001_initial, m002_original_entry, m003_library_core, m004_citation_keys
from tests.bench.synth import dump
from tests.conftest import TODAY
from tui.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


def test_an_older_library_is_backed_up_then_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "lib.db"
    with Store.open(db) as library:
        library.import_drafts(parse_profile_dump(dump(20, layout="B"), today=TODAY), "a.txt")
        library.set_note(1, "precious")
    newer = Migrations("papershelf")
    newer()(m001_initial)
    newer()(m002_original_entry)
    newer()(m003_library_core)
    newer()(m004_citation_keys)

    @newer()
    def m005_reading_time(db) -> None:  # what a next release might add
        db.execute("ALTER TABLE papers ADD COLUMN minutes_read INTEGER")

    monkeypatch.setattr(store.schema, "migrations", newer)
    monkeypatch.setattr(store.library_file, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Store.open(db) as library:
        assert library.get(1).note == "precious"
        assert library._read("PRAGMA user_version") == [(SCHEMA_VERSION + 1,)]
    backup = db.with_name(f"lib.db.schema{SCHEMA_VERSION}.bak")
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert conn.execute("SELECT note FROM papers WHERE id = 1").fetchone() == ("precious",)


def test_an_upgrade_says_so_before_the_wait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Copying a large library aside and migrating it takes a while (~20 s at a million papers), before
    the app's screen is up: the terminal says what is happening first, once, on stderr."""
    db, source = tmp_path / "lib.db", tmp_path / "a.txt"
    source.write_text(dump(5, layout="B"), encoding="utf-8")
    assert run("import", str(source), "--db", str(db))[0] == 0
    monkeypatch.setattr(store.library_file, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    out, err = io.StringIO(), io.StringIO()
    backup = store.library_file.LibraryFile._backup

    def told_first(file: store.library_file.LibraryFile, version: int) -> None:
        assert "upgrading" in err.getvalue()
        backup(file, version)

    monkeypatch.setattr(store.library_file.LibraryFile, "_backup", told_first)
    assert main(["list", "--db", str(db)], out=out, err=err) == 0
    assert err.getvalue() == (
        f"papershelf: {db}: upgrading the library to this version's format (schema {SCHEMA_VERSION} to "
        f"{SCHEMA_VERSION + 1}); the old file is kept as lib.db.schema{SCHEMA_VERSION}.bak…\n"
    )
    assert len(out.getvalue().splitlines()) == 5 and (tmp_path / f"lib.db.schema{SCHEMA_VERSION}.bak").exists()
    code, _, err_again = run("list", "--db", str(db))
    assert code == 0 and err_again == ""


def test_a_library_from_before_stored_keys_keeps_the_keys_its_exports_had(tmp_path: Path) -> None:
    """Upgrading gives each paper the key a full export gave it before, or its BibTeX file's own key."""
    from store import parse_bibtex
    from store.keys import key_stem, unique_keys

    db = tmp_path / "lib.db"
    bib = "@inproceedings{Zhou:2021:RAG,\n  title = {Sparse Things},\n  author = {Zhou, Li},\n  year = {2021}\n}\n"
    with Store.open(db) as library:
        library.import_drafts(parse_profile_dump(dump(30, layout="B"), today=TODAY), "a.txt")
        library.import_drafts(parse_bibtex(bib, today=TODAY), "b.bib")
        rows = library._read("SELECT id, title, authors, date, date_has_year FROM papers WHERE original IS NULL")
        before = unique_keys({i: key_stem(t, json.loads(a), int(d[:4]) if d and y else None) for i, t, a, d, y in rows})
    with sqlite3.connect(db) as conn:  # the same library as the release before stored keys left it
        conn.executescript(
            "DROP INDEX papers_cite_key; ALTER TABLE papers DROP COLUMN cite_key; "
            "DELETE FROM _sqlite_migrations WHERE name = 'm004_citation_keys'; PRAGMA user_version = 3;"
        )
    with Store.open(db) as library:
        keys = {p.id: p.cite_key for p in list(library.iter_papers())}
    assert {i: keys[i] for i in before} == before
    assert "Zhou:2021:RAG" in keys.values()
    assert len(set(keys.values())) == len(keys) == 31


def test_bibtex_entries_kept_as_written_before_are_kept_parsed_after_the_upgrade(tmp_path: Path) -> None:
    from store import export, parse_bibtex

    db = tmp_path / "lib.db"
    raw = "@inproceedings{berg2020,\n  title = {Sparse},\n  author = {Berg, Ana},\n  booktitle = {Proc}, year = 2020}"
    with Store.open(db) as library:
        library.import_drafts(parse_bibtex(raw, today=TODAY), "a.bib")
    with sqlite3.connect(db) as conn:  # as the release before kept it: the entry's text
        conn.execute("UPDATE papers SET original = ?", (raw,))
        conn.executescript(
            "DELETE FROM _sqlite_migrations WHERE name = 'm005_source_entries'; PRAGMA user_version = 4;"
        )
    with Store.open(db) as library:
        text = export(list(library.iter_papers()), "bibtex")
    assert text.startswith("@inproceedings{berg2020,\n") and "booktitle = {Proc}" in text


def test_a_full_disk_rejects_the_import_and_keeps_the_library(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with Store.open(db) as library:
        library.import_drafts(parse_profile_dump(dump(10, layout="A"), today=TODAY), "a.txt")
        library._conn.execute("PRAGMA max_page_count = 60")  # a disk with almost no room left
        with pytest.raises(StoreError, match="database or disk is full"):
            library.import_drafts(parse_profile_dump(dump(2000, layout="A", seed=5), today=TODAY), "b.txt")
        assert library.count() == 10
        assert library._read("PRAGMA integrity_check") == [("ok",)]


@pytest.mark.slow
def test_no_home_directory_still_finds_a_place(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "PAPERSHELF_DB") and not k.startswith("XDG_")}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "tui", "where"], env=env, capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "database  /" in result.stdout


HOSTILE_TITLE = "OSC 8 \x1b]8;;http://evil\x07link\x1b]8;;\x07 " + "w" * 5000


def test_hostile_text_in_every_cli_output(tmp_path: Path) -> None:
    path = tmp_path / "evil.txt"
    path.write_text(f"CLOct 19, 2022\n{HOSTILE_TITLE}Anna Berg\nAbs \u200b\u202e.\n", encoding="utf-8")
    assert run("import", str(path))[0] == 0
    for argv in (("list",), ("show", "1"), ("search", "osc"), ("stats",), ("export", "--format", "markdown")):
        code, out, _ = run(*argv)
        assert code == 0
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out and "\u200b" not in out
    shown = run("show", "1")[1]
    assert "␛]8;;http://evil␇link" in shown
    assert json.loads(run("export")[1])[0]["title"].startswith("OSC 8 \x1b]8;;http://evil\x07")


@pytest.mark.parametrize(
    "query", ['"', "*", "NEAR(", ")", "'; DROP TABLE papers;--", "title:(", "year:>=", "-", "\x1b[2J", "a" * 5000]
)
def test_any_query_on_the_cli_is_harmless(tmp_path: Path, query: str) -> None:
    path = tmp_path / "seed.txt"
    path.write_text(dump(30, layout="B"), encoding="utf-8")
    run("import", str(path))
    for command in ("search", "list"):
        code, out, err = run(command, query, "--json")
        assert code == 0, err
        json.loads(out)
        assert "Traceback" not in err
    assert len(json.loads(run("list", "--json")[1])) == 30


def test_a_category_restored_before_labels_is_cleaned_on_upgrade(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with Store.open(db) as library:
        library.import_drafts(parse_profile_dump(dump(3, layout="B"), today=TODAY), "a.txt")
    with sqlite3.connect(db) as conn:  # as a restore wrote it before categories were labels
        conn.execute("UPDATE papers SET category = ? WHERE id = 1", ("CL\x1b]52;c;aGk=\x07",))
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_categories_are_labels'")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    with Store.open(db) as library:
        assert library.get(1).category == "CL␛]52;c;aGk=␇"
        assert library.get(2).category is not None and library.get(2).category.isprintable()
