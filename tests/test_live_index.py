"""The live index's invariant: what it answers is what a fresh build from the database answers.

Each way an index file can stop belonging to its database (a restored database, a copy's file, damaged
bytes, a truncation under a running process, a FIFO, a killed write) is a case here, and a property test
runs random writes, imports, restores and copies against a fresh build.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import json
import os
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import SORTS, Library, ReadStatus, SearchIndex, parse_profile_dump
from store.models import IndexRecord
from store.read_next import ENGAGED_LIMIT, ReadNext
from store.segment import Segment, record_digest
from tests.conftest import TODAY, assert_same_segment

QUERIES = ["", "linear", "atention", "retrieval castellanos", "is:read", "has:note", "tag:later", "wombat",
           "has:code -is:unread", '"sparse"', "note:idea", "year:>=2024"]  # fmt: skip


def fresh(library: Library) -> SearchIndex:
    """The index a rebuild from the database would serve, built in memory beside the live one."""
    store = library.store
    return SearchIndex(Segment.build(store.index_records()), personal=store.personal(), texts=store.texts)


def assert_answers_as_fresh(library: Library) -> None:
    expected = fresh(library)
    ranking = ReadNext(expected, library.store.reading_signals(ENGAGED_LIMIT), library.now()).key
    for query in QUERIES:
        for sort in SORTS:
            got = library.search(query, sort=sort, every_id=True, facets=False)
            want = expected.query(query, sort=sort, every_id=True, facets=False,
                                  ranking=ranking if sort == "next" else None)  # fmt: skip
            assert (got.ids, got.total) == (want.ids, want.total), (query, sort)
        assert library.search(query).facets == expected.query(query).facets, query


def entry(title: str, authors: str = "Ana Berg", date: str = "Oct 19, 2022", abstract: str = "An abstract.") -> str:
    return f"CL{date}\n{title}\n\n{authors}\n\n{abstract}\n\n"


def add(library: Library, title: str, name: str = "new.txt", **fields: str) -> None:
    outcome = library.import_parsed(parse_profile_dump(entry(title, **fields), today=TODAY), name)
    assert outcome.report is not None, outcome


def index_file(library: Library) -> Path:
    assert library.index_path is not None
    return library.index_path


def backup(library: Library, target: Path) -> None:
    """A consistent copy of the database, as a user's backup or a synced copy would be."""
    with contextlib.closing(sqlite3.connect(target)) as copy:
        library.store._conn.backup(copy)


# -- never trust an index that is not this database's --------------------------------------------


def test_a_restored_database_does_not_trust_the_newer_index_beside_it(library: Library, tmp_path: Path) -> None:
    path = library.store.path
    library.sync_index()
    backup(library, tmp_path / "backup.db")
    for i in range(3):
        add(library, f"Quokka Routing Number {i}")
    library.rebuild_index()  # the index file is now ahead of the backup
    library.close()
    shutil.copy(tmp_path / "backup.db", path)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    with Library.open(path) as restored:
        assert restored.search("quokka").total == 0
        assert restored.rebuilt and "another state" in (restored.index_notice or "")
        add(restored, "Wombat Routing After The Restore")
        assert restored.search("wombat").total == 1
        assert_answers_as_fresh(restored)
    with Library.open(path) as again:  # and the file it wrote is trusted from then on
        assert again.search("wombat").total == 1 and not again.rebuilt


def test_a_diverged_copys_index_is_not_trusted(library: Library, tmp_path: Path) -> None:
    path = library.store.path
    library.sync_index()
    copy = tmp_path / "copy.db"
    backup(library, copy)
    with Library.open(copy) as other:  # the same library id, the same sequence, different papers
        add(other, "Only In The Copy")
        other.rebuild_index()
    add(library, "Only In The Original")
    library.rebuild_index()
    shutil.copy(copy.with_name("copy.db.index"), index_file(library))
    with Library.open(path) as again:
        assert again.search("original").total == 1 and again.search("copy").total == 0
        assert again.rebuilt
        assert_answers_as_fresh(again)


@pytest.mark.parametrize("array", ["title.rows", "abstract.bits", "ids", "vocab.data", "rank.date"])
def test_flipped_bytes_in_an_array_are_a_rebuild_not_a_wrong_answer(library: Library, array: str) -> None:
    path = library.store.path
    library.sync_index()
    expected = library.search("linear", sort="title").ids
    data = bytearray(index_file(library).read_bytes())
    length = int.from_bytes(data[8:16], "little")
    spec = json.loads(data[16 : 16 + length])["layout"][array]
    start = -(-(16 + length) // 64) * 64 + spec["offset"]
    data[start + spec["size"] // 2] ^= 0xFF
    index_file(library).write_bytes(bytes(data))
    with Library.open(path) as again:
        assert again.search("linear", sort="title").ids == expected
        assert again.rebuilt and "damaged" in (again.index_notice or "")


def test_an_index_truncated_under_a_running_process_does_not_touch_it(library: Library, tmp_path: Path) -> None:
    path = library.store.path
    library.sync_index()
    with Library.open(path) as running:
        expected = running.search("linear", sort="title").ids
        saved = tmp_path / "saved.index"
        shutil.copy(index_file(running), saved)
        with index_file(running).open("r+b") as file:  # in place, as `cp backup.index library.db.index` does
            file.truncate(100)
        assert running.search("linear", sort="title").ids == expected
        add(running, "Linear Quokkas After The Truncation")
        assert running.search("quokkas").total == 1
    with Library.open(path) as again:
        assert again.search("quokkas").total == 1 and again.rebuilt


def test_a_fifo_in_place_of_the_index_never_blocks(library: Library) -> None:
    path = library.store.path
    library.close()
    index = path.with_name(path.name + ".index")
    index.unlink(missing_ok=True)
    os.mkfifo(index)
    found: list[int] = []

    def search() -> None:
        with Library.open(path) as again:
            found.append(again.search("linear").total)
            assert "not a regular file" in (again.index_notice or "")

    worker = threading.Thread(target=search, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "opening the library blocked on a FIFO"
    assert found and found[0] > 0
    assert index.is_fifo()  # refused, and left as the user made it


def test_temp_files_of_a_killed_write_are_removed_but_a_live_writers_kept(library: Library) -> None:
    path = library.store.path
    library.sync_index()
    dead = path.with_name(f".{path.name}.index.k1ll3d")
    dead.write_bytes(b"\0" * 4096)
    live = path.with_name(f".{path.name}.index.wr1t1ng")
    live.write_bytes(b"\0" * 4096)
    with live.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with Library.open(path) as again:
            again.search("linear")
        assert not dead.exists()
        assert live.exists()


# -- writes cost what changed ---------------------------------------------------------------------


def test_a_status_or_tag_write_tokenises_nothing_and_a_note_only_its_paper(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    library.sync_index()
    library.search("linear")
    built: list[list[int]] = []
    real = Segment.build.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Segment], records, **kwargs) -> Segment:
        records = list(records)
        built.append([r.id for r in records])
        return real(cls, records, **kwargs)

    monkeypatch.setattr(Segment, "build", classmethod(counting))
    library.set_status([3], ReadStatus.READ)
    library.tag([3, 4], "later")
    change = library.set_status([5], ReadStatus.READING)[1]
    library.undo(change)
    assert library.search("is:read").total >= 1 and library.search("tag:later").total == 2
    assert built == []
    library.set_note(3, "a wombat idea")
    assert built == [[3]]
    assert library.search("wombat").ids == (3,)
    library.set_note(4, "another wombat")
    assert built[-1] == [3, 4]  # the delta holds the papers changed since the file, re-read: only 4
    assert_answers_as_fresh(library)


def test_importing_unchanged_files_again_logs_nothing_but_a_new_owner_logs_its_papers(library: Library) -> None:
    """Each import updates its source's row; an owner set to the same value logged every paper of
    the source, so importing an unchanged 100k dump again rebuilt the whole index."""
    library.sync_index()
    logged = library.store.change_seq()[0]
    library.load_demo(today=TODAY)  # the demo's two dumps, imported again as they are
    assert library.store.change_seq()[0] == logged
    with sqlite3.connect(library.store.path) as conn:
        (papers,) = conn.execute(
            "SELECT count(*) FROM paper_sources JOIN sources s ON s.id = source_id WHERE s.name = 'demo_wielgus.txt'"
        ).fetchone()
        conn.execute("UPDATE sources SET owner = 'Tomasz Wielgus Jr' WHERE name = 'demo_wielgus.txt'")
    assert library.store.change_seq()[0] == logged + papers > logged
    library.refresh()
    assert_answers_as_fresh(library)


def test_another_processs_writes_are_seen_at_the_cost_of_what_changed(library: Library) -> None:
    library.sync_index()
    with Library.open(library.store.path) as other:
        library.search("linear")
        other.set_status([7], ReadStatus.READ)
        other.set_note(8, "wombat notes")
        other.tag([9], "later")
        add(other, "Linear Wombats From Elsewhere")
        assert library.refresh()
        assert library.search("wombat").total == 2
        assert_answers_as_fresh(library)


def test_the_log_pruned_by_another_process_is_noticed(library: Library) -> None:
    library.sync_index()
    with Library.open(library.store.path) as other:
        library.search("linear")
        other.set_note(8, "wombat notes")
        other.rebuild_index()  # a new file holds that note; the log up to it is gone
        other.set_status([8], ReadStatus.READ)
        assert library.refresh()
        assert library.search("wombat is:read").ids == (8,)
        assert_answers_as_fresh(library)


# -- the property: any sequence of changes answers as a fresh build ------------------------------

_STEP = st.one_of(
    st.tuples(st.just("status"), st.integers(1, 40), st.sampled_from(list(ReadStatus))),
    st.tuples(st.just("tag"), st.integers(1, 40), st.sampled_from(["later", "vision"])),
    st.tuples(st.just("untag"), st.integers(1, 40), st.sampled_from(["later", "vision"])),
    st.tuples(st.just("note"), st.integers(1, 40), st.sampled_from(["", "wombat idea", "sparse note", "an idea"])),
    st.tuples(st.just("import"), st.integers(1, 3), st.sampled_from(["Linear Wombats", "Sparse Quokkas"])),
    st.tuples(st.just("other"), st.integers(1, 40), st.sampled_from(["wombat", "later"])),
    st.tuples(st.just("delete"), st.integers(1, 40), st.just("")),
    st.tuples(st.just("undelete"), st.just(0), st.just("")),
    st.tuples(st.just("compact"), st.just(0), st.just("")),
    st.tuples(st.just("fold"), st.just(0), st.just("")),
    st.tuples(st.just("restore"), st.just(0), st.just("")),
    st.tuples(st.just("reopen"), st.just(0), st.just("")),
)


def trashed(library: Library) -> set[int]:
    return {t.id for t in library.trashed()}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_STEP, min_size=1, max_size=8))
def test_after_any_changes_the_index_answers_as_a_fresh_build(tmp_path_factory, steps) -> None:
    folder = tmp_path_factory.mktemp("live")
    path = folder / "papers.db"
    library = Library.open(path)
    try:
        library.load_demo(today=TODAY)
        library.sync_index()
        backup(library, folder / "backup.db")
        for number, (kind, paper, value) in enumerate(steps):
            library.search("linear")  # a snapshot is in use, so every change goes through catch_up
            if kind in ("status", "tag", "untag", "note", "other", "delete") and paper in trashed(library):
                continue  # a paper in the trash takes no changes
            if kind == "delete":
                library.delete([paper])
            elif kind == "undelete":
                library.restore(sorted(trashed(library)))
            elif kind == "status":
                library.set_status([paper], value)
            elif kind == "tag":
                library.tag([paper], value)
            elif kind == "untag":
                library.untag([paper], value)
            elif kind == "note":
                library.set_note(paper, value)
            elif kind == "import":
                for i in range(paper):
                    add(library, f"{value} {number} {i}", name=f"step{number}.txt")
            elif kind == "other":
                with Library.open(path) as other:
                    other.set_note(paper, f"{value} from another process")
                    other.tag([paper], value)
                library.refresh()
            elif kind == "compact":
                library.rebuild_index()
            elif kind == "fold":  # what import does past COMPACT_AT changed papers: the delta merged in
                with mock.patch("store.live_index.COMPACT_AT", 1):
                    library.sync_index()
            else:
                library.close()
                if kind == "restore":
                    shutil.copy(folder / "backup.db", path)
                    for suffix in ("-wal", "-shm"):
                        path.with_name(path.name + suffix).unlink(missing_ok=True)
                library = Library.open(path)
            assert_answers_as_fresh(library)
    finally:
        library.close()


# -- a rebuild is a line, never a traceback ------------------------------------------------------


def test_the_cli_says_in_one_line_why_it_rebuilt_the_index(library: Library) -> None:
    import io

    from tui.cli import main

    path = library.store.path
    library.sync_index()
    library.close()
    index = path.with_name(path.name + ".index")
    index.write_bytes(index.read_bytes()[:-100])
    out, err = io.StringIO(), io.StringIO()
    assert main(["--db", str(path), "search", "linear", "--json"], out=out, err=err) == 0
    assert json.loads(out.getvalue())
    assert err.getvalue().count("\n") == 1 and err.getvalue().startswith("papershelf: search index rebuilt:")
    out, err = io.StringIO(), io.StringIO()
    assert main(["--db", str(path), "search", "linear"], out=out, err=err) == 0 and "index" not in err.getvalue()


async def test_the_app_says_why_it_rebuilt_the_index(library: Library) -> None:
    from tests.tui.conftest import FakeBrowser, FakeClipboard, toasts, wait_until
    from tui.app import create_app

    path = library.store.path
    library.sync_index()
    library.close()
    os.mkfifo(path.with_name("fifo"))
    index = path.with_name(path.name + ".index")
    index.unlink()
    index.symlink_to("fifo")
    with Library.open(path) as again:
        app = create_app(again, clipboard=FakeClipboard(), open_url=FakeBrowser(), today=lambda: TODAY)
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await wait_until(pilot, lambda: any("not a regular file" in t for t in toasts(app)))


def test_folding_the_delta_merges_and_tokenises_nothing(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    path = library.store.path
    library.sync_index()
    for i in range(3):
        add(library, f"Quokka Folding Number {i}")
    library.set_note(5, "a wombat idea")
    library.search("quokka")
    before = index_file(library).stat().st_mtime_ns
    monkeypatch.setattr("store.live_index.COMPACT_AT", 1)
    built: list[int] = []
    real = Segment.build.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(
        Segment, "build", classmethod(lambda cls, records, **kw: built.append(1) or real(cls, records, **kw))
    )
    library.sync_index()
    assert index_file(library).stat().st_mtime_ns != before
    assert built == []  # no paper is tokenised again
    assert library.search("quokka").total == 3 and library.search("wombat").ids == (5,)
    assert_answers_as_fresh(library)  # (which builds the reference index itself)
    built.clear()
    monkeypatch.setattr("store.live_index.COMPACT_AT", 2000)
    with Library.open(path) as again:  # the file holds everything: opening it tokenises nothing
        assert again.search("quokka").total == 3 and not again.rebuilt
        assert built == []


def counting_builds(built: list[int]) -> Any:
    """Segment.build patched to record how many papers each build tokenised."""
    real = Segment.build.__func__  # type: ignore[attr-defined]

    def counted(cls, records, **kwargs):  # type: ignore[no-untyped-def]
        records = list(records)
        built.append(len(records))
        return real(cls, records, **kwargs)

    return mock.patch.object(Segment, "build", classmethod(counted))


def test_deleting_and_restoring_many_papers_tokenises_nothing(library: Library) -> None:
    """A deleted paper is a masked row; one put back as it was is its base row again (the digests
    agree), here and in the next process: no delta, no fold, no rebuild."""
    library.sync_index()
    library.search("linear")
    gone = library.select("")[:6]
    built: list[int] = []
    with mock.patch("store.live_index.DELTA_LIMIT", 3), mock.patch("store.live_index.COMPACT_AT", 3):
        with counting_builds(built):
            library.undo(library.delete(gone))
        assert built == [] and library.index.delta is None and not library.index.removed
        assert_answers_as_fresh(library)
        with counting_builds(built), Library.open(library.path) as other:  # its log holds 12 changes
            assert other.search("").total == 40 and not other.rebuilt and other.index.delta is None
        assert built == []
        _, stamp = Segment.load(index_file(library))
        assert stamp["seq"] == library.store.change_seq()[0]  # restamped: the next process reads no log


def test_a_large_library_is_built_by_two_processes_into_the_index_one_would_build(library: Library) -> None:
    """Past PARALLEL_FROM papers a second process tokenises the later half; the base is the very
    segment one process builds, and this process tokenised only its own half."""
    built: list[int] = []
    with mock.patch("store.live_index.PARALLEL_FROM", 2), counting_builds(built):
        library.rebuild_index()
    assert built == [20]
    assert_same_segment(library.index.base, Segment.build(library.store.index_records()))
    assert_answers_as_fresh(library)


@pytest.mark.parametrize("newest", [True, False])
def test_many_papers_changed_at_once_are_tokenised_half_by_a_second_process_when_they_are_the_newest(
    library: Library, newest: bool
) -> None:
    """Many new papers seen at once (another process imported them): the delta's later half, the
    newest papers and all there is after the split, comes from a second process. Papers changed
    elsewhere in the id order are all tokenised here. Either way the delta is the segment one build
    makes, and the index answers as a fresh build does."""
    library.sync_index()
    library.search("linear")
    with Library.open(library.store.path) as other:
        if newest:
            dump = "".join(entry(f"Quokka Study Number {n}", abstract=f"Wombat {n}.") for n in range(30))
            assert other.import_parsed(parse_profile_dump(dump, today=TODAY), "many.txt").report is not None
        else:  # papers 1-30 of 40: those after the split are not all there is after it
            for paper in other.store.get_many(list(range(1, 31))):
                other.edit(paper.id, {"title": f"{paper.title} Numbat"})
    built: list[int] = []
    parallel, bulk = mock.patch("store.live_index.PARALLEL_FROM", 2), mock.patch("store.live_index._BULK_FROM", 2)
    with parallel, bulk, counting_builds(built):
        assert library.refresh()
    delta = library.index.delta
    assert delta is not None and len(delta) == 30 and built == ([15] if newest else [30])
    assert_same_segment(delta, Segment.build(library.store.index_records(delta.ids.tolist())))
    assert_answers_as_fresh(library)


def test_the_second_process_runs_this_package_not_a_store_folder_where_the_user_stands(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store/ folder in the working directory would come first on a plain ``python -m``'s path."""
    planted = tmp_path / "cwd" / "store"
    planted.mkdir(parents=True)
    (planted / "__init__.py").write_text("")
    (planted / "live_index.py").write_text("import sys\nsys.stdout.write('planted')\n")
    monkeypatch.chdir(planted.parent)
    built: list[int] = []
    with mock.patch("store.live_index.PARALLEL_FROM", 2), counting_builds(built):
        library.rebuild_index()
    assert built == [20]


def test_the_second_process_only_reads_and_never_makes_a_library(tmp_path: Path) -> None:
    from store.live_index import _build_later_half

    gone = tmp_path / "moved away meanwhile.db"
    with pytest.raises(sqlite3.OperationalError):
        _build_later_half(str(gone), "0")
    assert not gone.exists()


@pytest.mark.parametrize(("python", "builds"), [("/nonexistent/python", [40]), ("/bin/false", [20, 20])])
def test_a_second_process_that_cannot_start_or_fails_leaves_its_half_to_this_one(
    library: Library, python: str, builds: list[int]
) -> None:
    built: list[int] = []
    with mock.patch("store.live_index.PARALLEL_FROM", 2), mock.patch("sys.executable", python), counting_builds(built):
        library.rebuild_index()
    assert built == builds
    assert_same_segment(library.index.base, Segment.build(library.store.index_records()))


def test_changing_many_papers_folds_the_delta_instead_of_rebuilding(library: Library) -> None:
    """Past DELTA_LIMIT papers whose text changed, a process merges the delta into its base (arrays
    only) and writes the file; it does not tokenise the whole library again."""
    library.sync_index()
    library.search("linear")
    chosen = library.select("")[:6]
    built: list[int] = []
    with mock.patch("store.live_index.DELTA_LIMIT", 3), counting_builds(built):
        for paper_id in chosen:
            library.set_note(paper_id, f"quokka note {paper_id}")
    assert built and max(built) <= len(chosen)  # only the papers that changed were tokenised, never all 40
    assert_answers_as_fresh(library)
    assert library.search("quokka").total == 6
    with Library.open(library.path) as other:  # the file written by the fold serves the next process
        assert len(other.index.delta or ()) < len(chosen) and other.search("quokka").total == 6 and not other.rebuilt


def test_a_record_digest_changes_with_every_field_a_segment_reads() -> None:
    """A paper whose record differs from its base row in any field must never be taken for it."""
    record = IndexRecord(1, "Title", ("Ana Berg",), ("MIT",), "Abstract.", "CL", dt.date(2022, 10, 19), 0.5,
                         False, False, "2026-01-01T00:00:00Z", (("a.txt", "Ana"),), "note", "pdf text")  # fmt: skip
    other: dict[str, object] = {"id": 2, "date": dt.date(2022, 10, 20), "score": None, "has_code": True,
                                "has_link": True, "sources": (("a.txt", None),)}  # fmt: skip
    for field in dataclasses.fields(IndexRecord):
        value = getattr(record, field.name)
        changed = other.get(field.name, (*value, "x") if isinstance(value, tuple) else f"{value}x")
        assert record_digest(dataclasses.replace(record, **{field.name: changed})) != record_digest(record), field.name
    assert record_digest(record) == record_digest(dataclasses.replace(record)) != 0
