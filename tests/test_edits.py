"""The user's corrections to imported fields: shown everywhere, kept over any re-import, undoable."""

from __future__ import annotations

from pathlib import Path

import pytest

from store import Library, StoreError
from tests.conftest import TODAY
from tests.test_cli import run

BIB = """@article{berg2020sparse, title = {Sparse Things Revisited}, author = {Berg, Ana and Fry, Jon},
  year = {2020}, journal = {Journal of Tests}, url = {https://example.org/old}}
"""


@pytest.fixture
def bib(empty_library: Library, tmp_path: Path) -> tuple[Library, Path, int]:
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    empty_library.import_file(path, today=TODAY)
    (paper_id,) = empty_library.select("")
    return empty_library, path, paper_id


def test_an_edit_is_what_search_lists_and_exports_see(bib: tuple[Library, Path, int]) -> None:
    library, _, paper_id = bib
    paper = library.edit(
        paper_id,
        {"title": "Dense Things Revisited", "year": "2019", "authors": "Ana Berg; Jo Quill", "url": "https://x.org/n"},
    )
    assert paper.edited == ("title", "authors", "year", "url")
    assert (paper.title, paper.year, paper.authors, paper.links[0]) == (
        "Dense Things Revisited", 2019, ("Ana Berg", "Jo Quill"), "https://x.org/n"
    )  # fmt: skip
    assert library.search("dense").ids == (paper_id,) and library.search("quill").total == 1
    assert library.search("sparse").total == 0
    bibtex = "".join(library.export("bibtex", [paper_id]))
    assert "title = {Dense Things Revisited}" in bibtex and "year = {2019}" in bibtex
    assert "author = {Ana Berg and Jo Quill}" in bibtex and "url = {https://x.org/n}" in bibtex
    assert "journal = {Journal of Tests}" in bibtex  # the rest of the entry as its file had it
    assert '"title": "Dense Things Revisited"' in "".join(library.export("csl", [paper_id]))


def test_a_reimport_keeps_the_users_values_and_learns_the_files(bib: tuple[Library, Path, int]) -> None:
    library, path, paper_id = bib
    library.edit(paper_id, {"title": "Dense Things Revisited", "category": "IR"})
    again = library.import_file(path, today=TODAY).report
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)  # the same file: still the same paper
    path.write_text(BIB.replace("year = {2020}", "year = {2021}").replace("/old", "/new"), encoding="utf-8")
    changed = library.import_file(path, today=TODAY).report
    assert (changed.added, changed.updated) == (0, 1)
    paper = library.paper(paper_id)
    assert (paper.title, paper.category, paper.year, paper.links) == (
        "Dense Things Revisited", "IR", 2021, ("https://example.org/new",)
    )  # fmt: skip
    paper = library.edit(paper_id, {"title": None})  # the file's title back
    assert paper.title == "Sparse Things Revisited" and paper.edited == ("category",)


def test_a_value_that_cannot_be_used_is_refused_naming_the_field(bib: tuple[Library, Path, int]) -> None:
    library, _, paper_id = bib
    for change, said in (({"year": "20"}, "year"), ({"url": "javascript:x"}, "url"), ({"title": " "}, "title")):
        with pytest.raises(StoreError, match=said):
            library.edit(paper_id, change)
    assert library.paper(paper_id).edited == ()


def test_the_cli_edits_shows_and_undoes(bib: tuple[Library, Path, int]) -> None:
    library, _, paper_id = bib
    path = str(library.path)
    edited = run("--db", path, "edit", str(paper_id), "--title", "Dense Things", "--year", "2018")
    assert edited.code == 0 and edited.out.startswith("Dense Things\n") and "edited       title, year" in edited.out
    assert run("--db", path, "edit", str(paper_id), "--year", "18").code == 1
    assert run("--db", path, "edit", str(paper_id)).code == 2
    undone = run("--db", path, "edit", str(paper_id), "--undo", "title", "--undo", "year")
    assert undone.code == 0 and undone.out.startswith("Sparse Things Revisited\n") and "edited" not in undone.out
