"""The trash: a deleted paper leaves every list and search, and comes back whole, under its id."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from store import Library, PaperNotFound, ReadStatus, demo_files
from store.store import Store
from tests.conftest import TODAY
from tests.test_cli import run


def test_a_deleted_paper_leaves_search_and_comes_back_whole(library: Library, fixed_clock) -> None:
    paper_id = library.select("")[0]
    library.set_note(paper_id, "zebrafish first")
    library.set_note(paper_id, "zebrafish second")
    library.tag([paper_id], "keep")
    fixed_clock.advance(60)
    library.set_status([paper_id], ReadStatus.READ)
    before = library.paper(paper_id)
    change = library.delete([paper_id])
    assert library.search("zebrafish").total == 0 and library.count() == 39
    assert paper_id not in library.select("")
    with pytest.raises(PaperNotFound):
        library.paper(paper_id)
    (trashed,) = library.trashed()
    assert (trashed.id, trashed.title) == (paper_id, before.title)
    with Library.open(library.path) as other:  # another process sees it gone too
        assert other.search("zebrafish").total == 0
    papers, skipped = library.undo(change)
    assert skipped == [] and [p.id for p in papers] == [paper_id]
    after = library.paper(paper_id)
    assert (after.note, after.tags, after.status, after.cite_key) == (before.note, before.tags, "read", before.cite_key)
    assert [v.text for v in library.note_history(paper_id)][:2] == ["zebrafish second", "zebrafish first"]
    assert library.search("zebrafish").total == 1 and library.trashed() == []


def test_new_papers_never_take_a_trashed_papers_id_or_key(empty_library: Library, tmp_path: Path) -> None:
    bib = tmp_path / "one.bib"
    bib.write_text("@article{kept2020, title = {Last Paper In}, author = {Doe, Jo}, year = 2020}\n")
    empty_library.import_file(bib, today=TODAY)
    (last,) = empty_library.select("")
    empty_library.delete([last])
    bib.write_text("@article{kept2020, title = {Another Paper}, author = {Roe, Ro}, year = 2021}\n")
    empty_library.import_file(bib, today=TODAY)
    (new,) = empty_library.papers(empty_library.select(""))
    assert new.id > last and new.cite_key != "kept2020"
    assert empty_library.restore([last]) == {}
    assert empty_library.papers([last])[0].cite_key == "kept2020"


def test_reimporting_a_trashed_paper_says_so_instead_of_bringing_it_back(library: Library, tmp_path: Path) -> None:
    name, data = demo_files()[0]
    path = tmp_path / name
    path.write_bytes(data)
    gone = library.select("")[:2]
    library.delete(gone)
    outcome = library.import_file(path, today=TODAY)
    assert outcome.report.added == 0
    said = [p for p in outcome.problems if "in the trash" in p.message]
    assert {int(p.message.split()[1]) for p in said} <= set(gone) and said
    assert library.count() == 38


def test_emptying_the_trash_is_for_good(library: Library) -> None:
    ids = library.select("")[:3]
    library.delete(ids)
    assert library.empty_trash([ids[0]]) == 1
    with pytest.raises(PaperNotFound):
        library.restore([ids[0]])
    assert library.empty_trash() == 2 and library.trashed() == []


def test_the_cli_deletes_lists_restores_and_empties(library: Library) -> None:
    path = str(library.path)
    first = library.select("")[0]
    deleted = run("--db", path, "delete", str(first))
    assert deleted.code == 0 and f"{first} " in deleted.out and "trash" in deleted.err
    listed = json.loads(run("--db", path, "trash", "--json").out)
    assert [(t["id"], sorted(t)) for t in listed] == [(first, ["authors", "id", "key", "title", "trashed_at", "year"])]
    assert run("--db", path, "delete", "--query", "").code == 2
    assert run("--db", path, "delete").code == 2
    assert run("--db", path, "delete", "999999").code == 1
    assert run("--db", path, "restore", "999999").code == 1
    assert run("--db", path, "restore", str(first)).code == 0
    by_query = run("--db", path, "delete", "--query", "sparse")
    in_trash = json.loads(run("--db", path, "trash", "--json").out)
    assert by_query.code == 0 and len(by_query.out.splitlines()) == len(in_trash) > 0
    assert run("--db", path, "trash", "--empty").code == 0
    assert json.loads(run("--db", path, "trash", "--json").out) == []


SOURCES = "SELECT source_id FROM paper_sources WHERE paper_id = ?"


def test_a_trash_from_before_trash_rows_is_migrated_and_restores_whole(library: Library, fixed_clock) -> None:
    """Up to schema 16 a trashed paper's row lived inside its JSON record; migration 17 moves it into
    ``trash_papers`` and the paper still comes back whole."""
    paper_id = library.select("")[0]
    library.set_note(paper_id, "zebrafish")
    library.tag([paper_id], "keep")
    fixed_clock.advance(60)
    library.set_status([paper_id], ReadStatus.READ)
    before = library.paper(paper_id)
    with sqlite3.connect(library.path) as conn:  # the library as schema 16 left a deleted paper
        conn.execute("PRAGMA foreign_keys = ON")
        cursor = conn.execute("SELECT * FROM papers WHERE id = ?", (paper_id,))
        row = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
        old = {
            "paper": row,
            "tags": ["keep"],
            "sources": [s for (s,) in conn.execute(SOURCES, [row["id"]])],
            "status_history": conn.execute(
                "SELECT status, changed_at FROM status_history WHERE paper_id = ? ORDER BY id", (paper_id,)
            ).fetchall(),
            "note_history": conn.execute(
                "SELECT note, saved_at FROM note_history WHERE paper_id = ? ORDER BY id", (paper_id,)
            ).fetchall(),
        }
        conn.execute("DELETE FROM papers WHERE id = ?", (paper_id,))
        conn.execute(
            "INSERT INTO trash VALUES (?, ?, ?, '2026-12-01T10:00:00Z', ?)",
            (paper_id, row["key"], row["cite_key"], json.dumps(old)),
        )
        conn.execute("DROP TABLE trash_papers")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm017_trash_rows'")
        conn.execute("PRAGMA user_version = 16")
    with Library.open(library.path, clock=fixed_clock) as again:
        (trashed,) = again.trashed()
        assert (trashed.id, trashed.title, trashed.cite_key) == (paper_id, before.title, before.cite_key)
        assert again.restore([paper_id]) == {}
        assert again.paper(paper_id) == before
        assert again.note_history(paper_id)[0].text == "zebrafish"
        assert again.search("zebrafish").total == 1


TABLES = ("papers", "trash_papers")


def test_the_trash_keeps_every_column_a_paper_has(empty_store: Store) -> None:
    """A migration that adds a column to ``papers`` must call ``store.trash.mirror_papers``: the trash
    moves rows by column name, and a column it lacks would be lost on the way."""
    papers, trashed = ([c[1:] for c in empty_store._read(f"PRAGMA table_info({name})")] for name in TABLES)
    assert trashed == papers
