"""The trash: a deleted paper leaves every list and search, and comes back whole, under its id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from store import Library, PaperNotFound, ReadStatus, demo_files
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
    papers, renamed = empty_library.restore([last])
    assert renamed == {} and papers[0].cite_key == "kept2020"


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
