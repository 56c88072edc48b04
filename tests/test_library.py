"""The library core: one facade, an index that lives with the library, several writers, identity."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import SORTS, Library, NoteConflict, ReadStatus, parse_profile_dump
from store.models import sort_title
from tests.conftest import TODAY
from tui.cli import main


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def listed_ids(db: Path, *argv: str) -> list[int]:
    code, out, err = cli("--db", str(db), "list", "--json", *argv)
    assert code == 0, err
    return [row["id"] for row in json.loads(out)]


def entry(title: str, authors: str, date: str = "Oct 19, 2022", abstract: str = "An abstract.") -> str:
    return f"CL{date}\n{title}\n\n{authors}\n\n{abstract}\n\n"


def import_text(library: Library, text: str, name: str = "a.txt") -> None:
    outcome = library.import_parsed(parse_profile_dump(text, today=TODAY), name)
    assert outcome.report is not None, outcome


# -- the index lives with the library ----------------------------------------------------------------


def test_the_index_is_written_once_and_then_loaded(library: Library) -> None:
    path = library.store.path
    assert library.search("linear").total > 0 and library.rebuilt
    index_file = path.with_name(path.name + ".index")
    stamp = index_file.stat().st_mtime_ns
    with Library.open(path) as again:
        assert again.search("linear").ids == library.search("linear").ids
        assert not again.rebuilt
    assert index_file.stat().st_mtime_ns == stamp


def test_an_index_rebuilt_after_the_log_was_pruned_is_fresh(library: Library) -> None:
    library.sync_index()
    for _ in range(2):  # each rebuild prunes the change log up to what the new file holds
        library.rebuild_index()
    with Library.open(library.store.path) as again:
        again.search("linear")
        assert not again.rebuilt


def test_a_missing_stale_foreign_or_broken_index_is_rebuilt(library: Library, tmp_path: Path) -> None:
    path = library.store.path
    library.sync_index()
    index_file = path.with_name(path.name + ".index")
    expected = library.search("linear", sort="title").ids
    broken = [
        lambda: index_file.unlink(),
        lambda: index_file.write_bytes(b"PSHELFIX" + b"\xff" * 40),
        lambda: index_file.write_bytes(index_file.read_bytes()[:200]),
        lambda: index_file.write_bytes(_shrunk_array(index_file.read_bytes(), "title.rows")),
    ]
    for breaking in broken:
        breaking()
        with Library.open(path) as again:
            assert again.search("linear", sort="title").ids == expected
            assert again.rebuilt
    other = tmp_path / "other.db"
    with Library.open(other) as foreign:
        import_text(foreign, entry("A Foreign Paper", "Ana Berg"))
        foreign.sync_index()
    shutil.copy(other.with_name("other.db.index"), index_file)
    with Library.open(path) as again:
        assert again.search("linear", sort="title").ids == expected and again.rebuilt


def _shrunk_array(data: bytes, name: str) -> bytes:
    """The index file with one array's recorded size cut short: the file still parses."""
    length = int.from_bytes(data[8:16], "little")
    header = json.loads(data[16 : 16 + length])
    header["layout"][name]["size"] -= 8
    header["layout"][name]["shape"][0] -= 2
    text = json.dumps(header).encode()
    return data[:16] + text.ljust(length) + data[16 + length :]  # the same length: arrays stay where they were


def test_an_import_and_an_index_build_give_the_memory_they_freed_back(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    from store import memory

    released: list[str] = []
    monkeypatch.setattr(memory, "release", lambda: released.append("released"))
    import_text(library, entry("Quokka Routing for Sparse Experts", "Ana Berg"))
    assert released
    released.clear()
    library.rebuild_index()
    assert released


def test_giving_memory_back_is_a_no_op_where_the_c_library_cannot(monkeypatch: pytest.MonkeyPatch) -> None:
    from store import memory

    memory.release()  # glibc here: trims the heap
    monkeypatch.setattr(sys, "platform", "darwin")
    memory._malloc_trim.cache_clear()
    try:
        assert memory._malloc_trim() is None
        memory.release()
    finally:
        memory._malloc_trim.cache_clear()


def test_importing_a_few_papers_applies_a_delta_not_a_rebuild(library: Library) -> None:
    path = library.store.path
    library.sync_index()
    index_file = path.with_name(path.name + ".index")
    stamp = index_file.stat().st_mtime_ns
    with Library.open(path) as writer:
        import_text(writer, entry("Quokka Routing for Sparse Experts", "Ana Berg"), "new.txt")
        moved = writer.paper(7)  # re-dated by another profile: its place in every order changes
        assert moved.date is not None and moved.date.year == 2022
        import_text(writer, entry(moved.title, ", ".join(moved.authors), "Dec 30, 2022"), "other.txt")
        writer.sync_index()
    assert index_file.stat().st_mtime_ns == stamp
    with Library.open(path) as reader:
        assert [reader.paper(i).title for i in reader.search("quokka").ids] == ["Quokka Routing for Sparse Experts"]
        assert not reader.rebuilt
        assert reader.search("", sort="title").total == 41
        assert str(reader.paper(7).date) == "2022-12-30"
        assert len(reader.index._segments) == 2  # a base and a delta
        for sort in SORTS:  # the merged snapshot orders as the database does
            assert list(reader.search("", sort=sort, every_id=True).ids) == listed_ids(path, "--sort", sort)


def test_a_changed_paper_is_found_by_its_new_text_only(library: Library) -> None:
    library.sync_index()
    paper = library.paper(library.search("self correcting").ids[0])
    import_text(library, entry(paper.title, ", ".join(paper.authors), "May 30, 2026", "Now about wombats."), "x.txt")
    assert library.search("wombats").ids == (paper.id,)
    assert paper.id in library.search("self correcting").ids  # the title did not change
    assert library.search("", sort="date").total == 40


# -- one way through the data: the CLI and the TUI agree --------------------------------------------

_WORDS = ["", "linear", "atention", "retrieval", "castellanos", "diffusion", "code", "xyzzy", "sparse models"]
_FILTERS = ["", "is:unread", "-is:read", "has:code", "cat:CL,LG", "year:>=2024", "has:note", "-has:code"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(_WORDS), st.sampled_from(_FILTERS), st.sampled_from(SORTS))
def test_cli_and_tui_return_the_same_ids_in_the_same_order(library: Library, word: str, filt: str, sort: str) -> None:
    """The TUI lists ``library.search(every_id=True)``; the CLI streams; an empty query goes through SQL.

    Papers 4, 9 and 12 share a date, so the orders' tie-breaks are compared too."""
    library.store.set_note(3, "code review")
    library.store.set_status([1, 2], "read")
    with sqlite3.connect(library.store.path) as other:  # another writer; the demo has no two on a date
        other.execute("UPDATE papers SET date = '2021-06-01', date_has_year = 1 WHERE id IN (4, 9, 12)")
    library.refresh()
    query = f"{word} {filt}".strip()
    tui_ids = list(library.search(query, sort=sort, limit=0, every_id=True).ids)
    args = [query] if query else []
    assert listed_ids(library.store.path, *args, "--sort", sort) == tui_ids
    assert listed_ids(library.store.path, *args, "--sort", sort, "--limit", "3", "--offset", "2") == tui_ids[2:5]


def test_the_database_and_the_index_break_ties_alike(library: Library) -> None:
    """Without a query the CLI reads the database's order, the TUI the index's: papers sharing a
    date, a score, a title or a status must come in the same order from both."""
    with sqlite3.connect(library.store.path) as other:
        other.execute("UPDATE papers SET date = '2021-06-01', date_has_year = 1, score = 50 WHERE id IN (4, 9, 12)")
        other.execute(
            "UPDATE papers SET title = 'Twin Title', sort_title = ? WHERE id IN (20, 21)", (sort_title("Twin Title"),)
        )
    library.refresh()
    library.set_status([4, 9, 12, 20, 21], "reading")
    for sort in SORTS:
        indexed = list(library.search("", sort=sort, every_id=True).ids)
        assert listed_ids(library.store.path, "--sort", sort) == indexed
        first = library.first_page(sort=sort, limit=25)  # what the app lists while the index loads
        assert first == indexed[:25] if sort != "next" else first is None


def test_flags_and_query_filters_are_one_definition(library: Library) -> None:
    library.set_code_url(5, "https://github.com/a/b")
    db = library.store.path
    assert listed_ids(db, "has:code") == listed_ids(db, "--has-code")
    assert 5 in listed_ids(db, "--has-code")
    assert listed_ids(db, "is:unread", "--sort", "title") == [
        i for i in listed_ids(db, "--sort", "title") if library.paper(i).status == ReadStatus.UNREAD
    ]


async def test_the_tui_lists_what_the_cli_lists(library: Library) -> None:
    from tests.tui.conftest import FakeBrowser, FakeClipboard, settle
    from tui.app import create_app

    app = create_app(library, clipboard=FakeClipboard(), open_url=FakeBrowser(), today=lambda: TODAY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        for query in ("linear atention", "-is:read castellanos", "has:code cat:CL"):
            app.library_screen.query_one("#search").value = query
            await settle(pilot)
            shown = list(app.library_screen.query_one("#papers").ids)
            assert shown == listed_ids(library.store.path, query, "--sort", app.library_screen.sort)


# -- other writers ------------------------------------------------------------------------------------


def test_two_writers_on_one_note_never_lose_a_version(library: Library) -> None:
    path = library.store.path
    with Library.open(path) as first, Library.open(path) as second:
        opened = first.paper(1).note
        first.set_note(1, "first window, draft 1", expected=opened)
        with pytest.raises(NoteConflict) as conflict:
            second.set_note(1, "second window", expected=opened)  # it opened the note before the first saved
        assert conflict.value.theirs == "first window, draft 1"
        first.set_note(1, "first window, draft 2", expected="first window, draft 1")
        assert first.paper(1).note == "first window, draft 2"
        versions = [v.text for v in first.note_history(1)]
        assert versions == ["first window, draft 2", "second window", "first window, draft 1"]


def test_an_append_keeps_a_note_saved_elsewhere_meanwhile(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    path = library.store.path
    library.set_note(1, "mine")
    with Library.open(path) as agent, Library.open(path) as window:
        real_paper = agent.paper

        def racing_paper(paper_id: int):
            paper = real_paper(paper_id)
            if window.paper(1).note == "mine":
                window.set_note(1, "mine, edited in a window")  # lands between the agent's read and its save
            return paper

        monkeypatch.setattr(agent, "paper", racing_paper)
        appended = agent.append_note(1, "from the agent")
        assert appended.note == "mine, edited in a window\n\nfrom the agent"
        versions = [v.text for v in agent.note_history(1)]
        assert versions[0] == appended.note and "mine, edited in a window" in versions
        assert agent.append_note(2, "first words").note == "first words"  # no blank line before an empty note


@pytest.mark.slow
def test_concurrent_processes_saving_notes_lose_nothing(library: Library, tmp_path: Path) -> None:
    path = library.store.path
    script = (
        "import sys\nfrom store import Library, NoteConflict\n"
        "with Library.open(sys.argv[1]) as lib:\n"
        "    for i in range(15):\n"
        "        current = lib.paper(1).note\n"
        "        try:\n"
        "            lib.set_note(1, f'{sys.argv[2]} {i}', expected=current)\n"
        "        except NoteConflict:\n"
        "            pass\n"
    )
    writers = [subprocess.Popen([sys.executable, "-c", script, str(path), name]) for name in ("left", "right")]
    assert all(w.wait(timeout=60) == 0 for w in writers)
    versions = {v.text for v in library.note_history(1)}
    assert versions >= {f"{name} {i}" for name in ("left", "right") for i in range(15)}


def test_undo_leaves_a_newer_change_made_elsewhere(library: Library, fixed_clock) -> None:
    _, change = library.set_status([1, 2], "read")
    fixed_clock.advance()
    with Library.open(library.store.path, clock=fixed_clock) as other:
        other.set_status([2], "reading")
    papers, skipped = library.undo(change)
    assert [p.id for p in papers] == [1] and skipped == [2]
    assert library.paper(1).status == ReadStatus.UNREAD
    assert library.paper(2).status == ReadStatus.READING


def test_refresh_sees_other_processes_and_is_cheap_when_nothing_changed(library: Library) -> None:
    library.search("")
    assert not library.refresh()
    with Library.open(library.store.path) as other:
        other.set_status([4], "read")
        other.set_note(4, "wombat thoughts")
        import_text(other, entry("Platypus Embeddings", "Jon Fry"), "b.txt")
    assert library.refresh()
    assert library.search("is:read").ids == (4,)
    assert library.search("wombat").ids == (4,)
    assert len(library.search("platypus").ids) == 1
    assert not library.refresh()


def test_searching_while_another_thread_changes_the_library(library: Library) -> None:
    errors: list[BaseException] = []
    stop = threading.Event()

    def search() -> None:
        try:
            while not stop.is_set():
                library.search("linear atention is:unread", sort="status", every_id=True)
        except BaseException as exc:
            errors.append(exc)

    reader = threading.Thread(target=search)
    reader.start()
    for i in range(30):
        library.set_status([1 + i % 40], "read" if i % 2 else "unread")
        library.set_note(1 + i % 40, f"note {i}")
    stop.set()
    reader.join()
    assert errors == []


# -- identity -----------------------------------------------------------------------------------------


def test_same_title_different_years_or_authors_are_two_papers(empty_library: Library) -> None:
    text = (
        entry("A Survey of Augmented Reality", "Ronald Azuma", "Aug 1, 1997")
        + entry("A Survey of Augmented Reality", "Mark Billinghurst, Adrian Clark", "Mar 1, 2015")
        + entry("A Survey of Augmented Reality", "Other Person", "Aug 1, 1997")
    )
    import_text(empty_library, text)
    assert empty_library.count() == 3


def test_a_reimport_merges_keeps_user_data_and_says_so(empty_library: Library) -> None:
    text = entry("A Survey of Augmented Reality", "Ronald Azuma", "Aug 1, 1997")
    import_text(empty_library, text)
    empty_library.set_note(1, "mine")
    outcome = empty_library.import_parsed(parse_profile_dump(text, today=TODAY), "a.txt")
    assert outcome.report is not None and outcome.report.unchanged == 1 and not outcome.problems
    other = entry("A survey of augmented reality.", "R. Azuma", "Aug 1, 1997", "Longer abstract.")
    outcome = empty_library.import_parsed(parse_profile_dump(other, today=TODAY), "b.txt")
    assert outcome.report is not None and outcome.report.updated == 1
    assert [p.severity for p in outcome.problems] == ["note"] and "merged" in outcome.problems[0].message
    assert empty_library.count() == 1 and empty_library.paper(1).note == "mine"


def test_two_entries_of_one_file_that_are_one_paper_are_reported(empty_library: Library) -> None:
    text = entry("Same Paper", "Ana Berg") + entry("Same Paper", "Ana Berg")
    outcome = empty_library.import_parsed(parse_profile_dump(text, today=TODAY), "a.txt")
    assert outcome.report is not None and outcome.report.added == 1
    assert any("the same paper as line 1" in p.message for p in outcome.problems)


# -- search quality -----------------------------------------------------------------------------------


def test_search_finds_typos_compounds_cjk_and_quoted_values(empty_library: Library) -> None:
    text = "".join(
        entry(f"Paper {i}", "Zhen Qin", abstract=f"A holographic tokenizer for case {i}.") for i in range(50)
    ) + (
        entry("Listwise Re-ranker Training", "Ana Berg")
        + entry("Multi-Modal Fusion", "Ana Berg")
        + entry("基于深度学习的古籍文字识别", "Li Wen")
    )
    import_text(empty_library, text, "qin.txt")
    assert empty_library.search("holographic tokenizr", limit=100).total == 50
    assert empty_library.search("tokeniser", limit=100).total == 50
    assert empty_library.search("reranker").total == empty_library.search("re-ranker").total == 1
    assert empty_library.search("multimodal").total == 1
    assert empty_library.search("古籍").total == 1 and empty_library.search("籍古").total == 0
    assert empty_library.search('author:"Zhen Qin"').total == 50
    assert empty_library.search('from:"qin.txt"').total == 53


def test_words_of_any_length_are_safe(empty_library: Library) -> None:
    word = "w" * 40_000
    import_text(empty_library, entry(f"Long {word}", "Ana Berg", abstract=word))
    assert empty_library.search(word).total == 1
    code, out, _ = cli("--db", str(empty_library.store.path), "search", word, "--json")
    assert code == 0 and len(json.loads(out)) == 1


# -- the command line ---------------------------------------------------------------------------------


def test_queries_may_start_with_a_dash_and_db_may_follow_the_command(library: Library) -> None:
    db = str(library.store.path)
    library.set_status([1], "read")
    code, out, _ = cli("list", "-is:unread", "--db", db, "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [1]
    code, out, _ = cli("export", "--db", db, "--query", "-is:unread", "--format", "json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [1]
    assert cli("list", "--limit", "-1", "--db", db)[0] == 2
    assert cli("tag", "2", "+later", "--db", db)[0] == 0
    assert cli("note", "2", "--set", "--db", "--db", db)[0] == 0  # the text "--db", then the option
    assert library.refresh() and library.paper(2).tags == ("later",) and library.paper(2).note == "--db"


@pytest.mark.slow
def test_list_streams_into_a_closed_pipe(library: Library) -> None:
    command = [sys.executable, "-m", "tui", "--db", str(library.store.path), "list"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()
        assert process.wait(timeout=30) == 0
        assert first.strip() and b"Traceback" not in process.stderr.read()


def test_searches_are_answered_while_the_index_is_rebuilt(library: Library, monkeypatch) -> None:
    from store import Segment

    expected = library.search("linear").ids
    building, release = threading.Event(), threading.Event()
    real_build = Segment.build

    def slow_build(records, **kwargs):
        building.set()
        assert release.wait(timeout=30)
        return real_build(records, **kwargs)

    monkeypatch.setattr(Segment, "build", staticmethod(slow_build))
    rebuild = threading.Thread(target=library.rebuild_index)
    rebuild.start()
    assert building.wait(timeout=30)
    answered = threading.Event()
    threading.Thread(target=lambda: answered.set() if library.search("linear").ids == expected else None).start()
    assert answered.wait(timeout=10), "a search waited for the rebuild"
    release.set()
    rebuild.join(timeout=60)
    assert library.search("linear").ids == expected


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "bibtex", "csl"])
def test_a_streamed_export_is_the_text_of_the_whole_export(library: Library, fmt: str) -> None:
    from store import export

    library.set_status([3, 5], "read")
    library.set_note(5, "a note {with} braces")
    for query, sort in (("", "date"), ("linear -is:read", "title"), ("is:read", "relevance")):
        ids = library.select(query, sort=sort)
        assert ids and "".join(library.export(fmt, ids)) == export(library.papers(ids), fmt)


def test_a_quoted_word_longer_than_the_index_keeps_is_checked_in_full(empty_library: Library) -> None:
    stem = "x" * 70  # the index keeps the first 64 characters of a word
    import_text(
        empty_library,
        entry("First", "Ana Berg", abstract=f"{stem}aaa") + entry("Second", "Jon Fry", abstract=f"{stem}bbb"),
    )
    assert empty_library.search(f'"{stem}aaa"').total == 1
    assert empty_library.search(f"{stem}aaa").total == 2  # unquoted, a word matches by its indexed prefix


def test_an_undone_mark_is_not_counted_as_a_read(library: Library, fixed_clock) -> None:
    before = library.stats()["read_per_week"]
    fixed_clock.advance(60)
    _, change = library.set_status([1, 2], ReadStatus.READ)
    assert sum(library.stats()["read_per_week"].values()) == sum(before.values()) + 2
    fixed_clock.advance(60)
    papers, skipped = library.undo(change)
    assert skipped == [] and {p.status for p in papers} == {ReadStatus.UNREAD}
    assert library.stats()["read_per_week"] == before
    assert library.paper(1).status_changed_at is None  # as before the mark: it was never changed


def test_reads_per_week_count_papers_read_now_each_once(library: Library, fixed_clock) -> None:
    def reads() -> int:
        return sum(library.stats()["read_per_week"].values())

    before = reads()
    for status in ("read", "unread", "read", "reading", "read"):  # one paper, back and forth
        fixed_clock.advance(60)
        library.set_status([1], status)
    assert reads() == before + 1
    fixed_clock.advance(60)
    library.set_status([2], "read")
    fixed_clock.advance(60)
    library.set_status([2], "unread")  # read, then taken back: not a read
    assert reads() == before + 1


def test_a_note_rescued_twice_is_one_file(library: Library) -> None:
    """A save on close and the editor's own save on unmount can both fail and rescue the same text;
    the second is the file already there, and other text still gets a file of its own."""
    first = library.rescue_note(1, "typed while locked out")
    earlier = first.with_name("papershelf-unsaved-note-1-20261201-090000.md")  # as if a second ago or more
    first.rename(earlier)
    assert library.rescue_note(1, "typed while locked out") == earlier
    other = library.rescue_note(1, "typed while locked out, and more")
    assert other != earlier and other.read_text() == "typed while locked out, and more"
    assert sorted(earlier.parent.glob("papershelf-unsaved-note-1-*.md")) == sorted({earlier, other})
