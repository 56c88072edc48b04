"""A paper's files: its BibTeX file field read as Zotero, JabRef and Mendeley write it, and attachments."""

from __future__ import annotations

from pathlib import Path

import pytest

from store import Library, StoreError
from store.attachments import file_field_paths
from tests.conftest import TODAY
from tests.test_cli import run


@pytest.mark.parametrize(
    ("value", "paths"),
    [
        ("/home/me/My Papers/doe 2020.pdf", ["/home/me/My Papers/doe 2020.pdf"]),  # Zotero (Better BibTeX)
        ("/a/one.pdf;/a/two.pdf", ["/a/one.pdf", "/a/two.pdf"]),
        (r"Full text:/a/x\:y.pdf:PDF", ["/a/x:y.pdf"]),  # JabRef: description:path:type, colons escaped
        (r":F\:\\zotero\\x.pdf:PDF", [r"F:\zotero\x.pdf"]),  # JabRef on Windows
        (":papers/x.pdf:pdf", ["BASE/papers/x.pdf"]),  # Mendeley, relative to the library
        ("", []),
    ],
)
def test_file_fields_are_read_as_each_manager_writes_them(value: str, paths: list[str]) -> None:
    assert [str(p).replace("/base/", "BASE/") for p in file_field_paths(value, Path("/base"))] == paths


def test_attached_and_named_files_and_the_pdf_to_open(empty_library: Library, tmp_path: Path) -> None:
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    bib = tmp_path / "refs.bib"
    bib.write_text(f"@article{{k, title = {{With Files}}, year = 2020, file = {{{pdf};{tmp_path}/gone.pdf}}}}\n")
    empty_library.import_file(bib, today=TODAY)
    (paper_id,) = empty_library.select("")
    assert empty_library.files(paper_id) == [(pdf, True), (tmp_path / "gone.pdf", False)]
    assert empty_library.pdf(paper_id) == pdf
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"%PDF-1.4 mine\n")
    first = empty_library.attach(paper_id, notes)
    second = empty_library.attach(paper_id, notes)  # the same name again: a copy of its own, nothing replaced
    assert first.read_bytes() == second.read_bytes() == notes.read_bytes() and first != second
    assert empty_library.pdf(paper_id) in (first, second)  # attached files come first
    with pytest.raises(StoreError, match=r"nothing\.pdf: cannot attach: no such file$"):  # the path said once
        empty_library.attach(paper_id, tmp_path / "nothing.pdf")
    with pytest.raises(StoreError, match=r": cannot attach: not a file$"):
        empty_library.attach(paper_id, tmp_path)


def test_the_cli_attaches_shows_and_opens(empty_library: Library, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{k, title = {No File Yet}, year = 2020}\n")
    empty_library.import_file(bib, today=TODAY)
    (paper_id,) = empty_library.select("")
    db = str(empty_library.path)
    refused = run("--db", db, "open", str(paper_id), "--pdf")
    assert refused.code == 1 and "papershelf attach" in refused.err
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    attached = run("--db", db, "attach", str(paper_id), str(pdf))
    assert attached.code == 0 and Path(attached.out.strip()).read_bytes() == pdf.read_bytes()
    assert run("--db", db, "open", str(paper_id), "--pdf", "--print").out.strip() == attached.out.strip()
    assert f"file         {attached.out.strip()}" in run("--db", db, "show", str(paper_id)).out
