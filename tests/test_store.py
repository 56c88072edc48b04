"""The SQLite store: schema, idempotent imports, the user's data, full-text search, failures."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from store import (
    PaperNotFound,
    ReadStatus,
    Store,
    StoreError,
    parse_profile_dump,
    title_key,
)
from store.library_file import SCHEMA_VERSION
from store.models import sort_title
from store.schema import migrations
from tests.conftest import TODAY, FixedClock

DUMP = (
    "CLOct 19, 2022Code\nSparse Routing for TranslationAnna Berg, Jon Fry et al. · mit\n"
    "We route tokens. Code: https://github.com/anna/routing.\n"
    "84.1CVMar 3\nSeeing Through SmokeJon Fry, Mei Lin\nWe see through smoke.\n"
)


def parse(text: str = DUMP):
    return parse_profile_dump(text, today=TODAY)


def test_schema_version_matches_the_migration_set(empty_store: Store) -> None:
    assert len(migrations.applied(Database(empty_store._conn))) == SCHEMA_VERSION
    assert empty_store._read("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert empty_store._read("PRAGMA journal_mode")[0][0] == "wal"


def test_opening_twice_applies_migrations_once(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    with Store.open(path) as store:
        store.import_drafts(parse(), "a.txt")
    with Store.open(path) as store:
        assert store.count() == 2
        assert len(migrations.applied(Database(store._conn))) == SCHEMA_VERSION


def test_a_bulk_write_puts_the_connections_settings_back(empty_store: Store) -> None:
    """Imports and trash moves run with a large cache, statement journals in memory and secure_delete
    off; afterwards the connection is as it was, so emptying the trash still zeroes what it frees."""
    settings = ("cache_size", "temp_store", "secure_delete")
    empty_store._conn.execute("PRAGMA secure_delete = 1")
    before = [empty_store._read(f"PRAGMA {name}") for name in settings]
    empty_store.import_drafts(parse(), "a.txt")
    empty_store.to_trash([1])
    empty_store.restore([1])
    assert [empty_store._read(f"PRAGMA {name}") for name in settings] == before


def test_import_reports_and_reimport_is_idempotent(empty_store: Store) -> None:
    first = empty_store.import_drafts(parse(), "a.txt")
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    again = empty_store.import_drafts(parse(), "a.txt")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert empty_store.count() == 2


def test_reimport_keeps_status_note_and_tags_and_updates_changed_metadata(
    empty_store: Store, fixed_clock: FixedClock
) -> None:
    empty_store.import_drafts(parse(), "a.txt")
    paper = next(p for p in empty_store.iter_papers() if p.title == "Seeing Through Smoke")
    empty_store.set_status([paper.id], "read")
    empty_store.set_note(paper.id, "my note")
    empty_store.tag([paper.id], "to-review")
    fixed_clock.advance()
    report = empty_store.import_drafts(parse(DUMP.replace("84.1CV", "90.5CV")), "a.txt")
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    after = empty_store.get(paper.id)
    assert after.score == 90.5
    assert (after.status, after.note, after.tags) == (ReadStatus.READ, "my note", ("to-review",))
    assert after.updated_at > paper.updated_at


def test_another_profile_listing_the_same_paper_does_not_duplicate_it(empty_store: Store) -> None:
    empty_store.import_drafts(parse(), "a.txt")
    other = "CVMar 3, 2024\nSEEING through smoke!Jon Fry, Mei Lin, Ana Li\nWe see through smoke.\n"
    report = empty_store.import_drafts(parse(other), "b.txt")
    assert (report.added, report.updated) == (0, 1)
    paper = next(p for p in empty_store.iter_papers() if title_key(p.title) == "seeing through smoke")
    assert paper.sources == ("a.txt", "b.txt")
    assert paper.owners == ("Jon Fry", None)  # one entry is too few to tell whose profile b.txt is
    assert paper.profiles == ("Jon Fry", "b.txt")


def test_reimport_without_a_field_keeps_the_old_value(empty_store: Store) -> None:
    empty_store.import_drafts(parse(), "a.txt")
    bare = "84.1CVMar 3\nSeeing Through Smoke\n"
    empty_store.import_drafts(parse(bare), "b.txt")
    paper = next(p for p in empty_store.iter_papers() if p.title == "Seeing Through Smoke")
    assert paper.abstract == "We see through smoke."
    assert paper.authors == ("Jon Fry", "Mei Lin")


def test_a_file_without_the_code_marker_does_not_say_the_paper_has_no_code(empty_store: Store) -> None:
    """A compact paste, BibTeX or a co-author's page may lack the marker: it lacks it, it does not deny it.
    Dropping it left a paper whose link is marked [code] listed under "without code"."""
    empty_store.import_drafts(parse(), "a.txt")
    empty_store.import_drafts(parse("CLOct 19, 2022\nSparse Routing for TranslationAnna Berg, Jon Fry\nWe route.\n"),
                              "b.txt")  # fmt: skip
    paper = next(p for p in empty_store.iter_papers() if p.title == "Sparse Routing for Translation")
    assert paper.has_code and paper.code_urls == ("https://github.com/anna/routing",)


def test_tables_nothing_reads_are_gone(empty_store: Store) -> None:
    tables = {r[0] for r in empty_store._read("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert not tables & {"papers_fts", "authors", "paper_authors", "affiliations", "paper_affiliations"}
    assert {"changes", "meta"} <= tables


def test_source_records_the_profile(store: Store) -> None:
    sources = {s.name: s for s in store.sources()}
    castellanos = sources["demo_castellanos.txt"]
    assert castellanos.owner == "Mira Castellanos"
    assert (castellanos.profile.h_index, castellanos.profile.citations) == (27, 3412)
    assert sources["demo_wielgus.txt"].profile.h_index is None


def test_status_changes_are_stamped_and_kept_in_history(store: Store, fixed_clock: FixedClock) -> None:
    paper = next(store.iter_papers())
    (marked,) = store.set_status([paper.id], ReadStatus.READING)
    assert marked.status_changed_at == "2026-11-23T09:30:00Z"
    fixed_clock.advance()
    store.set_status([paper.id], "reading")
    assert store.get(paper.id).status_changed_at == "2026-11-23T09:30:00Z"
    store.set_status([paper.id], "read")
    history = store._read("SELECT status FROM status_history WHERE paper_id = ? ORDER BY id", (paper.id,))
    assert [h[0] for h in history] == ["reading", "read"]


def test_bad_status_and_unknown_ids_raise_store_errors(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown status"):
        store.set_status([1], "done")
    with pytest.raises(PaperNotFound, match="no paper with id 9999"):
        store.set_status([1, 9999], "read")
    assert store.get(1).status == ReadStatus.UNREAD  # the batch failed as a whole


def test_notes_keep_their_history(store: Store) -> None:
    store.set_note(1, "first")
    store.set_note(1, "second")
    assert store.get(1).note == "second"
    assert store._read("SELECT note FROM note_history WHERE paper_id = 1") == [("first",), ("second",)]
    assert [v.text for v in store.note_history(1)] == ["second", "first"]


def test_tags(store: Store) -> None:
    store.tag([1, 2], "To  Review")
    store.tag([2], "ml")
    assert store.get(2).tags == ("ml", "to review")
    assert store.tag_counts() == [("ml", 1), ("to review", 2)]
    store.untag([1, 2], "to review")
    assert store.tag_counts() == [("ml", 1)]
    with pytest.raises(StoreError, match="invalid tag"):
        store.tag([1], "   ")


def test_the_store_streams_papers_in_each_sort_order(store: Store) -> None:
    scored = list(store.iter_papers(sort="score"))
    scores = [p.score for p in scored if p.score is not None]
    assert scores == sorted(scores, reverse=True) and scored[-1].score is None
    titles = [sort_title(p.title) for p in store.iter_papers(sort="title")]
    assert titles == sorted(titles) and titles[0].startswith("agents")  # "A Benchmark…" sorts under B
    dates = [p.date for p in store.iter_papers() if p.date]
    assert dates == sorted(dates, reverse=True)
    with pytest.raises(StoreError, match="unknown sort"):
        next(store.iter_papers(sort="colour"))


def test_failed_import_leaves_the_library_as_it_was(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    before = [dataclasses.astuple(p) for p in list(store.iter_papers())]
    # A source id no table has: the papers are written, then the last insert breaks a foreign key.
    monkeypatch.setattr(Store, "_upsert_source", lambda *args: 10**9)
    with pytest.raises(StoreError, match="nothing was changed"):
        store.import_drafts(parse(), "new.txt")
    assert [dataclasses.astuple(p) for p in list(store.iter_papers())] == before
    assert [s.name for s in store.sources()] == ["demo_castellanos.txt", "demo_wielgus.txt"]


def test_a_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with Store.open(path):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer papershelf"):
        Store.open(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("content", [b"this is not sqlite at all" * 100, b"\x89PNG\r\n\x1a\n" + bytes(2000)])
def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="not a papershelf database"):
        Store.open(path)
    assert path.read_bytes() == content


def test_an_unrelated_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a papershelf library"):
        Store.open(path)
    assert path.read_bytes() == before


def test_stats(store: Store) -> None:
    store.set_status([1, 2], "read")
    stats = store.stats()
    assert stats["total"] == {"papers": 40}
    assert stats["status"] == {"unread": 38, "queued": 0, "reading": 0, "read": 2}
    assert sum(stats["category"].values()) == sum(stats["year"].values()) == 40
    assert stats["source"] == {"demo_castellanos.txt (Mira Castellanos)": 20, "demo_wielgus.txt (Tomasz Wielgus)": 20}


def _plain_stats(conn: sqlite3.Connection, today, weeks: int = 52) -> dict:
    """The statistics as plain SQL and loops define them: the reference the fast queries must match."""
    import bisect
    import datetime as dt

    def split(label: str, joins: str) -> dict:
        rows = conn.execute(f"SELECT {label}, p.status, count(*) FROM papers p {joins} GROUP BY 1, 2 ORDER BY 1")
        found: dict = {}
        for name, status, count in rows:
            found.setdefault(str(name), {"unread": 0, "queued": 0, "reading": 0, "read": 0})[status] = count
        return dict(sorted(found.items(), key=lambda item: -sum(item[1].values())))

    starts = [today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1 - i)) for i in range(weeks)]
    added = sorted(r[0][:10] for r in conn.execute("SELECT added_at FROM papers"))
    history = conn.execute("SELECT paper_id, status, changed_at FROM status_history ORDER BY changed_at, id")
    is_read: dict = {}
    changes = []
    for paper_id, status, changed_at in history:
        if (status == "read") != is_read.get(paper_id, False):
            changes.append((changed_at[:10], -1 if status == "read" else 1))
        is_read[paper_id] = status == "read"
    backlog = {}
    for start in starts:
        end = (start + dt.timedelta(days=6)).isoformat()
        backlog[start.isoformat()] = bisect.bisect_right(added, end) + sum(d for day, d in changes if day <= end)
    years = conn.execute("SELECT coalesce(substr(date, 1, 4), '-'), count(*) FROM papers GROUP BY 1 ORDER BY 1 DESC")
    sources = conn.execute(
        "SELECT s.name || coalesce(' (' || s.owner || ')', ''), count(ps.paper_id) FROM sources s "
        "LEFT JOIN paper_sources ps ON ps.source_id = s.id GROUP BY s.id ORDER BY s.id"
    )
    categories = conn.execute(
        "SELECT coalesce(category, '-'), count(*) FROM papers GROUP BY 1 ORDER BY count(*) DESC, 1"
    ).fetchall()
    statuses = dict(conn.execute("SELECT status, count(*) FROM papers GROUP BY status").fetchall())
    return {
        "total": {"papers": conn.execute("SELECT count(*) FROM papers").fetchone()[0]},
        "status": {s: statuses.get(s, 0) for s in ("unread", "queued", "reading", "read")},
        "category": dict(categories),
        "source": dict(sources.fetchall()),
        "year": dict(years.fetchall()),
        "unread_backlog": backlog,
        "by_category": split("coalesce(p.category, '-')", ""),
        "by_profile": split(
            "coalesce(s.owner, s.name)",
            "JOIN paper_sources ps ON ps.paper_id = p.id JOIN sources s ON s.id = ps.source_id",
        ),
    }


def test_stats_agree_with_their_plain_definition(store: Store, fixed_clock: FixedClock) -> None:
    import random

    rng = random.Random(7)
    with store._write() as conn:  # papers without a category or a date, a profile with none, one in two
        conn.execute("UPDATE papers SET category = NULL WHERE id % 7 = 0")
        conn.execute("UPDATE papers SET date = NULL, date_has_year = 0 WHERE id % 9 = 0")
        conn.execute("INSERT INTO sources (name, owner, imported_at) VALUES ('empty.txt', NULL, '2026-11-01')")
        conn.execute(
            "INSERT OR IGNORE INTO paper_sources (paper_id, source_id) SELECT id, 1 FROM papers WHERE id % 5 = 0"
        )
    for _ in range(60):
        fixed_clock.advance(rng.choice([60, 3600, 86400 * 3, 86400 * 9]))
        store.set_status(
            rng.sample(range(1, 41), rng.randint(1, 4)), rng.choice(["read", "unread", "reading", "queued"])
        )
    stats = store.stats()
    plain = _plain_stats(store._conn, fixed_clock.now.date())
    assert {k: stats[k] for k in plain} == plain
    for ordered in ("year", "category", "by_category", "by_profile"):
        assert list(stats[ordered]) == list(plain[ordered])
    assert any(v for v in stats["unread_backlog"].values()) and "-" in stats["by_category"] and "-" in stats["year"]


def test_personal_of_more_ids_than_one_query_takes_holds_only_those(store: Store) -> None:
    store.tag([3, 4], "later")
    store.set_status([4], "read")
    asked = [4, *range(1000, 1600)]  # past one IN list: the tags are read for every paper, then kept to these
    personal = store.personal(asked)
    assert personal.tags == {4: ("later",)} and dict(personal.status) == {4: ReadStatus.READ}
