"""Exports other tools read: BibTeX, CSL-JSON, and a folder of Markdown notes."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from store import Library, Paper, ReadStatus, Store, citation_keys, dumps, export, note_files
from store.exporters import json_chunks
from tests.conftest import TODAY
from tui.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


def test_citation_keys_are_stable_unique_and_readable(store: Store) -> None:
    papers = list(store.iter_papers())
    keys = citation_keys(papers)
    assert len(set(keys.values())) == len(papers)
    assert keys == citation_keys(list(reversed(papers)))  # order of the input does not matter
    devil = next(p for p in papers if p.title.startswith("The Devil") or p.title.startswith("Sparse Mixture"))
    assert keys[devil.id] == "castellanos2024sparse"
    twin = dataclasses.replace(devil, id=999, cite_key="")  # in memory, never stored: its key is made
    assert citation_keys([devil, twin]) == {devil.id: "castellanos2024sparse", 999: "castellanos2024sparsea"}
    copy = dataclasses.replace(devil, id=998)  # the same stored key twice cannot both be kept
    assert citation_keys([copy, devil]) == {devil.id: "castellanos2024sparse", 998: "castellanos2024sparsea"}


def test_a_key_once_given_never_changes(library) -> None:
    """Adding a paper that would make the same key, or exporting a subset, leaves every key as it was."""
    before = {p.id: p.cite_key for p in list(library.store.iter_papers())}
    assert all(before.values()) and len(set(before.values())) == len(before)
    sparse = next(i for i, k in before.items() if k == "castellanos2024sparse")
    first_author = library.paper(sparse).authors[0]
    twin = f"MLMar 3, 2024\nSparse Kernels for Other Things{first_author}, Someone Else\nAnother abstract.\n"
    path = library.store.path.parent / "twin.txt"
    path.write_text(twin, encoding="utf-8")
    library.import_file(path, today=TODAY)
    after = {p.id: p.cite_key for p in list(library.store.iter_papers())}
    assert {i: after[i] for i in before} == before
    (new,) = set(after) - set(before)
    assert after[new] == "castellanos2024sparsea"
    subset = "".join(library.export("bibtex", [new]))
    assert subset.startswith("@misc{castellanos2024sparsea,")


def test_bibtex_escapes_specials_and_keeps_the_user_data(store: Store) -> None:
    store.set_note(1, "50% of {this} & that_one #1 ~ $x^2$ \\emph{y}")
    store.tag([1], "to-review")
    store.set_status([1], "read")
    text = export([store.get(1)], "bibtex")
    assert text.startswith("@misc{castellanos2024sparse,\n")
    escaped = r"50\% of \{this\} \& that\_one \#1 \textasciitilde{} \$x\textasciicircum{}2\$ \textbackslash{}emph\{y\}"
    assert "note" not in text  # a private note goes out only when asked, and never as a printed note
    with_notes = export([store.get(1)], "bibtex", with_notes=True)
    assert f"annote = {{{escaped}}}" in with_notes and "  note =" not in with_notes
    assert "readstatus" not in text and "keywords = {to-review}" in text  # no field biber's data model lacks
    assert "readstatus = {read}" in export([store.get(1)], "bibtex", with_status=True)
    assert "author = {Mira Castellanos and Jonas Feldmann and Priya Raghunathan and others}" in text
    assert text.count("{") == text.count("}")


def test_csl_json_has_the_shape_citeproc_expects(store: Store) -> None:
    items = json.loads(export(list(store.iter_papers()), "csl"))
    assert len(items) == 40
    for item in items:
        assert isinstance(item["id"], str) and item["type"] == "article" and item["title"]
        for name in item["author"]:
            assert set(name) <= {"given", "family", "literal", "non-dropping-particle", "suffix"} and name
        if "issued" in item:
            (parts,) = item["issued"]["date-parts"]
            assert all(isinstance(n, int) for n in parts) and 1 <= parts[1] <= 12
    li_ming = next(i for i in items if i["title"].startswith("Instruction Following"))
    assert li_ming["author"][0] == {"literal": "李明"}
    hugo = next(n for i in items for n in i["author"] if n.get("family") == "Linde")
    assert hugo == {"family": "Linde", "given": "Hugo", "non-dropping-particle": "van der"}


def test_note_files_have_front_matter_and_stable_names(store: Store) -> None:
    store.set_note(3, "# Thoughts\n\nReread the *ablation*.")
    files = note_files(list(store.iter_papers()))
    (name,) = files
    text = files[name]
    front, body = text.split("---\n")[1], text.split("---\n", 2)[2]
    fields = yaml.safe_load(front)
    assert fields["title"] == store.get(3).title
    assert fields["status"] == "unread" and fields["papershelf_id"] == 3
    assert body == "\n# Thoughts\n\nReread the *ablation*.\n"
    assert note_files(list(store.iter_papers())) == files


def test_cli_exports_bibtex_csl_notes_and_a_search(tmp_path: Path, store: Store) -> None:
    for name, data in (("a.txt", "store/demo/demo_castellanos.txt"), ("b.txt", "store/demo/demo_wielgus.txt")):
        (tmp_path / name).write_bytes(Path(data).read_bytes())
        assert run("import", str(tmp_path / name))[0] == 0
    assert run("note", "2", "--set", "worth it")[0] == 0
    code, out, _ = run("export", "--format", "bibtex")
    assert code == 0 and out.count("@misc{") == 40
    code, out, _ = run("export", "--format", "csl", "--query", "author:okafor")
    assert code == 0 and {len(json.loads(out))} == {9}
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "mine.md").write_text("not papershelf's")
    code, _, err = run("export", "--format", "notes", "-o", str(vault))
    assert code == 0 and "1 written" in err
    code, _, err = run("export", "--format", "notes", "-o", str(vault))
    assert "0 written, 1 unchanged" in err
    assert (vault / "mine.md").read_text() == "not papershelf's"
    assert run("export", "--format", "notes")[0] == 2  # a folder is required


@settings(max_examples=200, deadline=None)
@given(title=st.text(min_size=1), author=st.text(), tag=st.text(min_size=1))
def test_front_matter_reads_back_whatever_the_text(title: str, author: str, tag: str) -> None:
    paper = Paper(
        id=7, title=title, authors=(author,), authors_truncated=False, affiliations=(), category=None, date=None,
        date_has_year=False, score=None, has_code=False, abstract="", links=(), code_urls=(),
        status=ReadStatus.UNREAD, status_changed_at=None, note="a note", note_updated_at=None, tags=(tag,),
    )  # fmt: skip
    ((name, text),) = note_files([paper]).items()
    assert len(name.encode()) <= 255 and "/" not in name and name.endswith(".md")
    fields = yaml.safe_load(text.split("---\n")[1])
    assert fields["title"] == title and fields["authors"] == [author] and fields["tags"] == [tag]


@pytest.mark.parametrize("fmt", ["bibtex", "csl"])
def test_exports_of_an_empty_library_are_valid(fmt: str) -> None:
    text = export([], fmt)
    assert text.strip() in ("", "[]")


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text())
_VALUES = st.one_of(
    _SCALARS, st.lists(_SCALARS, max_size=4), st.dictionaries(st.text(max_size=3), _SCALARS, max_size=2)
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), _VALUES, max_size=6), max_size=4))
def test_streamed_json_is_exactly_the_json_of_the_whole_list(rows) -> None:
    assert "".join(json_chunks(rows)) == dumps(rows) + "\n"


def test_a_note_edited_in_the_vault_is_never_overwritten(tmp_path: Path, store: Store) -> None:
    """The notes folder is often an Obsidian vault: what the user typed there stays."""
    library = Library(store)
    vault = tmp_path / "vault"
    store.set_note(2, "first version")
    ids = [p.id for p in list(store.iter_papers())]
    assert library.export_notes(ids, vault).written == 1
    (name,) = [p.name for p in vault.glob("*.md")]
    edited = (vault / name).read_text(encoding="utf-8") + "\nA line I added in my vault.\n"
    (vault / name).write_text(edited, encoding="utf-8")
    store.set_note(2, "second version", expected="first version")
    report = library.export_notes(ids, vault)
    assert report.written == 0 and [n for n, _ in report.skipped] == [name]
    assert "edited since papershelf wrote it" in report.skipped[0][1]
    assert (vault / name).read_text(encoding="utf-8") == edited
    (vault / name).unlink()  # moved aside: the library's version goes in
    assert library.export_notes(ids, vault).written == 1
    assert "second version" in (vault / name).read_text(encoding="utf-8")
    store.set_note(2, "third version", expected="second version")
    assert library.export_notes(ids, vault).written == 1  # untouched since written: updated
