"""The exports read by the tools their users run: bibtex (plain.bst), biber, pandoc's citeproc,
citeproc-py and the CSL project's own schema.

.ci/run installs them (apt install biber texlive-binaries texlive-base pandoc); where they cannot
be installed these tests skip, and pybtex still reads every export (see test_references.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pybtex.database import parse_file

from store import Library
from store.importers.bibtex import parse_bibtex
from tests.conftest import TODAY

pytestmark = pytest.mark.slow  # a subprocess, a pty or a browser per test: -m "not slow" skips them

DATA = Path(__file__).parent / "data"
HOSTILE_NOTES = ("unbalanced } brace", "{ open only", "50% \\ backslash #hash ~ $ & _", "`quotes'' and -- dashes")


@pytest.fixture(params=["bibtex", "biblatex"])
def exported(library: Library, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The demo, the corpus and the RIS fixture, with hostile notes, exported with the notes, in
    BibTeX's terms and in biblatex's."""
    for name in ("corpus.bib", "zotero.ris"):
        library.import_file(DATA / name, today=TODAY)
    ids = library.select("")
    for paper_id, note in zip(ids, HOSTILE_NOTES, strict=False):
        library.set_note(paper_id, note)
    path = tmp_path / "refs.bib"
    path.write_text("".join(library.export(request.param, ids, with_notes=True)), encoding="utf-8")
    return path


@pytest.mark.skipif(shutil.which("bibtex") is None, reason="bibtex is not installed")
def test_bibtex_reads_every_entry_without_an_error(exported: Path, request: pytest.FixtureRequest) -> None:
    if "biblatex" in request.node.name:
        pytest.skip("plain.bst reads BibTeX's terms; biber reads biblatex's")
    (exported.parent / "t.aux").write_text("\\citation{*}\n\\bibdata{refs}\n\\bibstyle{plain}\n", encoding="utf-8")
    run = subprocess.run(["bibtex", "t"], cwd=exported.parent, capture_output=True, text=True, check=False)
    log = (exported.parent / "t.blg").read_text(encoding="utf-8", errors="replace")
    assert "error message" not in log, log
    assert run.returncode in (0, 1)  # 1: warnings only (missing data, such as a paper with no author)
    entries = exported.read_text(encoding="utf-8").count("\n@")
    assert (exported.parent / "t.bbl").read_text(encoding="utf-8").count("\\bibitem") == entries + 1


@pytest.mark.skipif(shutil.which("biber") is None, reason="biber is not installed")
def test_biber_reads_every_entry_without_an_error(exported: Path) -> None:
    out = exported.parent / "out.bib"
    run = subprocess.run(
        ["biber", "--tool", "--validate-datamodel", f"--output-file={out}", str(exported)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0 and "ERROR" not in run.stdout, run.stdout[-2000:]
    assert out.read_text(encoding="utf-8").count("@") >= exported.read_text(encoding="utf-8").count("\n@") + 1


@pytest.mark.skipif(shutil.which("biber") is None, reason="biber is not installed")
def test_we_read_the_entries_and_fields_biber_reads_past_percent_comments(tmp_path: Path) -> None:
    source = tmp_path / "commented.bib"
    source.write_text(
        "% an old one: @article{gone, title = {Gone}, year = 2001}\n%@article{old,\n%  title = {Old},\n%}\n"
        "@article{kept,\n  title = {Kept},\n% note = {not this},\n  year = 2020,\n}\n"
        "@string{pub = {Press}}\n% @book{also_gone, title = {Also}}\n@book{book, title = {A Book}, publisher = pub}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.bib"
    run = subprocess.run(
        ["biber", "--tool", f"--output-file={out}", str(source)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout[-2000:]
    theirs = {e.fields["title"]: sorted(f.lower() for f in e.fields) for e in parse_file(str(out)).entries.values()}
    ours = {
        d.title: sorted("date" if k == "year" else k for k, _ in json.loads(d.original)["fields"])
        for d in parse_bibtex(source.read_text(encoding="utf-8"), today=TODAY).drafts
    }
    assert ours == theirs


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
@pytest.mark.parametrize(("fmt", "suffix"), [("csl", "json"), ("bibtex", "bib"), ("biblatex", "bib")])
def test_pandoc_citeproc_cites_every_paper_without_a_warning(
    library: Library, tmp_path: Path, fmt: str, suffix: str
) -> None:
    for name in ("corpus.bib", "zotero.ris"):
        library.import_file(DATA / name, today=TODAY)
    ids = library.select("")
    bibliography = tmp_path / f"refs.{suffix}"
    bibliography.write_text("".join(library.export(fmt, ids)), encoding="utf-8")
    keys = library.store.cite_keys(ids).values()
    document = tmp_path / "doc.md"
    document.write_text("Cites: " + "; ".join(f"@{k}" for k in keys) + "\n", encoding="utf-8")
    run = subprocess.run(
        ["pandoc", "--citeproc", f"--bibliography={bibliography}", "-t", "plain", str(document)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0 and run.stderr == "", run.stderr[-2000:]
    assert "???" not in run.stdout and run.stdout.count("\n\n") >= len(ids)


@pytest.fixture
def csl_items(library: Library) -> list[dict[str, Any]]:
    """The demo, the corpus and the RIS fixture as CSL-JSON, with the user's notes (``annote``)."""
    for name in ("corpus.bib", "zotero.ris"):
        library.import_file(DATA / name, today=TODAY)
    ids = library.select("")
    for paper_id, note in zip(ids, HOSTILE_NOTES, strict=False):
        library.set_note(paper_id, note)
    items: list[dict[str, Any]] = json.loads("".join(library.export("csl", ids, with_notes=True)))
    assert len(items) == len(ids)
    return items


def test_csl_json_is_valid_for_the_official_csl_data_schema(csl_items: list[dict[str, Any]]) -> None:
    """``tests/data/csl-data.json`` is the CSL project's own schema (citation-style-language/schema,
    MIT, schemas/input/csl-data.json at e3ce254), read by jsonschema: no property it does not know,
    every name and date in its shape."""
    schema = json.loads((DATA / "csl-data.json").read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(csl_items), key=str)
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]] == []
    broken = [{**csl_items[0], "authors": []}]  # the schema is strict: a property it does not know fails
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_citeproc_py_formats_every_item_of_the_csl_json(csl_items: list[dict[str, Any]]) -> None:
    """citeproc-py (the Python CSL processor) reads the export and cites every item in a real style
    (the Harvard style it ships), each entry with its authors' names and its year."""
    import warnings

    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unknown field or a bad date is a warning in citeproc-py
        # ``custom`` is CSL 1.0.2's place for other data (the schema above has it); citeproc-py 0.11 predates it
        warnings.filterwarnings("ignore", "The following arguments for Reference are unsupported: custom$")
        source = CiteProcJSON(csl_items)
        style = CitationStylesStyle("harvard-cite-them-right", validate=False)
        bibliography = CitationStylesBibliography(style, source, formatter.plain)
        for item in csl_items:
            bibliography.register(Citation([CitationItem(item["id"].lower())]))
        entries = [str(entry) for entry in bibliography.bibliography()]
    assert len(entries) == len(csl_items)
    for item in csl_items:
        name = item["author"][0].get("family") or item["author"][0].get("literal") if item.get("author") else None
        year = str(item["issued"]["date-parts"][0][0]) if "issued" in item else None
        assert any((name is None or name in e) and (year is None or year in e) for e in entries), item["id"]
