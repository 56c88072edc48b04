"""The read-next queue: the queued status, priorities, and a ranking that always says why."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from store import Library, PaperDraft, ParseResult, StoreError
from store.schema import migrations
from tests.conftest import FixedClock

_TOPICS = {
    "graph": "message passing over graph neural networks with spectral pooling",
    "speech": "speech recognition for tonal languages with phoneme lattices",
    "vision": "image segmentation of satellite imagery with weak labels",
}
_FILLER = "we study the problem and report results on the usual benchmark"


def _papers(n_per_topic: int = 6) -> ParseResult:
    """Papers on three topics, one a day, newest last; every abstract shares the same filler."""
    drafts = []
    day = dt.date(2025, 1, 1)
    for topic, words in _TOPICS.items():
        for i in range(n_per_topic):
            day += dt.timedelta(days=1)
            drafts.append(
                PaperDraft(
                    title=f"{topic.title()} study {i}: {' '.join(words.split()[i % 3 : i % 3 + 3])}",
                    authors=(f"Author {topic} {i}",),
                    date=day,
                    date_has_year=True,
                    abstract=f"{words}. {_FILLER}.",
                    line=len(drafts) + 1,
                )
            )
    return ParseResult(tuple(drafts))


@pytest.fixture
def shelf(empty_library: Library) -> Library:
    outcome = empty_library.import_parsed(_papers(), "topics.txt")
    assert outcome.report is not None and outcome.report.added == 18
    return empty_library


def _ids(library: Library, query: str) -> list[int]:
    return library.select(query, sort="date")


def test_queued_papers_come_first_longest_waiting_first(shelf: Library, fixed_clock: FixedClock) -> None:
    speech = _ids(shelf, "speech")
    first, second = speech[-1], speech[0]  # the older paper queued first: waiting beats the date
    shelf.set_status([first], "queued")
    fixed_clock.advance(86400 * 3)
    shelf.set_status([second], "queued")
    top = shelf.suggest(3)
    assert [s.paper_id for s in top[:2]] == [first, second]
    assert top[0].reasons[0] == "queued 3 days ago" and top[1].reasons[0] == "queued just now"
    assert all(s.score > 0 for s in top[:2])


def test_priority_moves_a_paper_up_and_down_and_says_so(shelf: Library) -> None:
    oldest = _ids(shelf, "graph")[-1]
    newest = shelf.suggest(1)[0].paper_id
    shelf.set_priority([oldest], to=2)
    assert shelf.suggest(1)[0].paper_id == oldest
    assert shelf.suggest(1)[0].reasons == ("priority +2",)
    shelf.set_priority([oldest], to=-3)
    assert oldest not in [s.paper_id for s in shelf.suggest(17)]
    assert shelf.suggest(1)[0].paper_id == newest


def test_closeness_to_what_was_read_ranks_the_backlog_and_names_the_words(shelf: Library) -> None:
    speech = _ids(shelf, "speech")
    shelf.set_status(speech[:3], "read")
    top = shelf.suggest(3)
    assert {s.paper_id for s in top} == set(speech[3:])
    reason = top[0].reasons[0]
    assert reason.startswith("close to 3 papers you read on ")
    named = reason.removeprefix("close to 3 papers you read on ").split(", ")
    assert named and all(word in _TOPICS["speech"] for word in named)
    assert not {"the", "and", "we", "results"} & set(named)  # words every paper has say nothing


def test_notes_and_tags_teach_the_ranking_too(shelf: Library) -> None:
    vision = _ids(shelf, "vision")
    shelf.set_note(vision[0], "must compare with my own segmentation work")
    shelf.tag(vision[1:3], "thesis")
    top = shelf.suggest(6)
    assert [s.paper_id for s in top[:3]] == vision[:3]  # tagged or noted, not read yet: first
    assert top[0].reasons[0] == "you noted it" and top[1].reasons[0] == "you tagged it"
    assert top[0].reasons[1].startswith("close to 2 papers you tagged on ")  # the others, not itself
    assert {s.paper_id for s in top[3:]} == set(vision[3:])
    assert top[3].reasons[0].startswith("close to 3 papers you tagged or noted on ")


def test_papers_being_read_or_read_are_never_suggested(shelf: Library) -> None:
    everything = _ids(shelf, "")
    shelf.set_status(everything[:10], "read")
    shelf.set_status(everything[10:15], "reading")
    assert {s.paper_id for s in shelf.suggest(50)} == set(everything[15:])
    shelf.set_status(everything[15:], "read")
    assert shelf.suggest(5) == []


def test_a_paper_without_any_signal_is_still_given_a_reason(shelf: Library) -> None:
    top = shelf.suggest(18)
    assert len(top) == 18 and all(s.reasons for s in top)
    assert [s.paper_id for s in top] == _ids(shelf, "")  # nothing said yet: newest first
    assert top[0].reasons == ("newest first among the rest of the backlog",)


def test_the_next_sort_is_the_suggestions_then_reading_then_read(shelf: Library) -> None:
    everything = _ids(shelf, "")
    shelf.set_status(everything[:2], "read")
    shelf.set_status(everything[2:4], "reading")
    shelf.set_status(everything[10:11], "queued")
    ordered = list(shelf.search("", sort="next", every_id=True).ids)
    assert ordered[:14] == [s.paper_id for s in shelf.suggest(14)]
    assert ordered[14:] == everything[2:4] + everything[:2]
    assert (
        list(shelf.search("speech", sort="next", limit=3).ids)
        == [s.paper_id for s in shelf.suggest(18) if s.paper_id in _ids(shelf, "speech")][:3]
    )


def test_the_ranking_follows_every_change(shelf: Library) -> None:
    paper = _ids(shelf, "graph")[-1]
    assert shelf.suggest(1)[0].paper_id != paper
    shelf.set_status([paper], "queued")
    assert shelf.suggest(1)[0].paper_id == paper
    shelf.set_status([paper], "read")
    assert paper not in [s.paper_id for s in shelf.suggest(18)]


def test_why_next_answers_only_from_a_ranking_that_is_current(shelf: Library) -> None:
    paper = _ids(shelf, "graph")[0]
    assert shelf.why_next(paper) == ()  # not made yet: the detail pane never waits for it
    shelf.search("", sort="next")
    assert shelf.why_next(paper) == ("newest first among the rest of the backlog",)
    shelf.set_priority([paper], to=1)
    assert shelf.why_next(paper) == ()
    shelf.search("", sort="next")
    assert shelf.why_next(paper) == ("priority +1",)
    shelf.set_status([paper], "read")
    shelf.search("", sort="next")
    assert shelf.why_next(paper) == ()


def test_priority_steps_stay_in_range_and_undo_puts_them_back(shelf: Library) -> None:
    a, b = _ids(shelf, "vision")[:2]
    papers, change = shelf.set_priority([a, b], by=1)
    assert [p.priority for p in papers] == [1, 1] and change.summary == "priority +1 for 2 papers"
    for _ in range(5):
        shelf.set_priority([a], by=1)
    assert shelf.paper(a).priority == 3
    with pytest.raises(StoreError, match="from -3 to 3"):
        shelf.set_priority([a], to=4)
    _, change = shelf.set_priority([a, b], to=-1)
    shelf.set_priority([b], to=2)  # changed again since: undo leaves it alone
    put_back, skipped = shelf.undo(change)
    assert [p.id for p in put_back] == [a] and skipped == [b]
    assert (shelf.paper(a).priority, shelf.paper(b).priority) == (3, 2)


def test_queued_is_a_status_like_the_others(shelf: Library) -> None:
    paper = _ids(shelf, "speech")[0]
    _, change = shelf.set_status([paper], "queued")
    assert _ids(shelf, "is:queued") == [paper]
    assert shelf.search("").facets["status"] == {"unread": 17, "queued": 1, "reading": 0, "read": 0}
    assert list(shelf.search("", sort="status", limit=1).ids) == [paper]
    shelf.undo(change)
    assert shelf.paper(paper).status == "unread"


def test_json_export_and_import_carry_the_priority(shelf: Library, tmp_path: Path, fixed_clock: FixedClock) -> None:
    paper = _ids(shelf, "speech")[0]
    shelf.set_priority([paper], to=-2)
    shelf.set_status([paper], "queued")
    out = tmp_path / "out.json"
    shelf.export_to("json", _ids(shelf, ""), out)
    with Library.open(tmp_path / "other.db", clock=fixed_clock) as other:
        assert other.import_file(out).report is not None
        (copy,) = other.papers(other.select(f'"{shelf.paper(paper).title}"'))
        assert (copy.priority, copy.status) == (-2, "queued")


def test_a_priority_from_a_file_is_kept_in_range() -> None:
    from store.importers.records import _priority

    assert [_priority(v) for v in (2, 9, -9, "3", 1.5, True, None)] == [2, 3, -3, 0, 0, 0, 0]


def test_a_library_from_before_the_queue_is_migrated_in_place(tmp_path: Path, fixed_clock: FixedClock) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        migrations.apply(Database(conn), stop_before="m013_read_next")
        conn.execute("PRAGMA user_version = 12")
    with Library.open(path, clock=fixed_clock) as library:
        library.import_parsed(_papers(2), "a.txt")
        library.set_status([1], "read")
        library.set_note(2, "kept")
    with sqlite3.connect(path) as conn:  # what that library was, written by the release before
        conn.execute("UPDATE papers SET status = 'reading' WHERE id = 3")
    with Library.open(path, clock=fixed_clock) as library:
        assert [library.paper(i).status for i in (1, 2, 3)] == ["read", "unread", "reading"]
        assert library.paper(2).note == "kept" and library.paper(2).priority == 0
        library.set_status([2], "queued")
        assert library.paper(2).status == "queued"
    with sqlite3.connect(path) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute("UPDATE papers SET status = 'skimmed' WHERE id = 1")
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM papers ORDER BY CASE status WHEN 'reading' THEN 0 "
            "WHEN 'queued' THEN 1 WHEN 'unread' THEN 2 ELSE 3 END, date DESC, id DESC"
        ).fetchall()
        assert "papers_by_status" in str(plan)
