"""The text of papers' PDFs, searched: read with pypdf on attach or with `papershelf pdf-text`."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

from store import Library
from store.fulltext import FulltextError, extract
from tests.conftest import TODAY
from tests.test_cli import run


def write_pdf(path: Path, *lines: str) -> Path:
    """A one-page PDF whose text layer holds these lines (Helvetica, WinAnsi text only)."""
    escaped = (line.replace("(", "\\(").replace(")", "\\)") for line in lines)
    body = " ".join(f"({line}) Tj 0 -14 Td" for line in escaped)
    stream = f"BT /F1 11 Tf 72 720 Td {body} ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    data = b"%PDF-1.4\n"
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(data))
        data += f"{number} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(data)
    data += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    data += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    data += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(data)
    return path


@pytest.fixture
def one_paper(empty_library: Library, tmp_path: Path) -> tuple[Library, int]:
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{k, title = {Tone Sandhi in Practice}, year = 2021, abstract = {Short.}}\n")
    empty_library.import_file(bib, today=TODAY)
    (paper_id,) = empty_library.select("")
    return empty_library, paper_id


def test_the_text_layer_is_read_page_by_page(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "a.pdf", "Phonotactic constraints (revisited)", "in Wu Chinese\x07 dialects")
    text = extract(pdf)
    assert "Phonotactic constraints (revisited)" in text and "Wu Chinese" in text
    assert "\x07" not in text  # a control character in a PDF never reaches the terminal


@pytest.mark.parametrize(
    ("data", "said"),
    [(b"%PDF-1.4\nnothing here\n", "not a readable PDF"), (b"plain text, not a PDF", "not a readable PDF")],
)
def test_a_damaged_file_is_named_with_what_went_wrong(tmp_path: Path, data: bytes, said: str) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(data)
    with pytest.raises(FulltextError, match=said) as caught:
        extract(bad)
    assert str(bad) in str(caught.value)


def test_a_pdf_without_a_text_layer_says_so(tmp_path: Path) -> None:
    with pytest.raises(FulltextError, match="no text in this PDF"):
        extract(write_pdf(tmp_path / "scan.pdf"))


def test_an_attached_pdf_is_searched_in_every_way(one_paper: tuple[Library, int], tmp_path: Path) -> None:
    library, paper_id = one_paper
    db = str(library.path)
    pdf = write_pdf(tmp_path / "paper.pdf", "We measure glottalization across eleven speakers.")
    attached = run("--db", db, "attach", str(paper_id), str(pdf))
    assert attached.code == 0 and "characters of its text" in attached.err
    library.refresh()
    for query in ("glottalization", "pdf:glottalization", '"eleven speakers"', "glottal"):
        assert library.select(query) == [paper_id], query
    assert library.select("abstract:glottalization") == []
    assert library.select("glotalization") == []  # typos are not looked up among a PDF's words
    why = library.why(library.search("glottalization"), library.paper(paper_id))
    assert why.words["pdf"] == ("glottalization",) and "glottalization across eleven" in why.pdf
    assert [r["id"] for r in run("--db", db, "search", "pdf:speakers", "--json").json()] == [paper_id]


def test_pdf_text_reads_file_fields_skips_what_has_not_changed_and_reports_failures(
    empty_library: Library, tmp_path: Path
) -> None:
    good = write_pdf(tmp_path / "good.pdf", "Vowel harmony in Turkic languages")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\ngarbage")
    bib = tmp_path / "refs.bib"
    bib.write_text(
        f"@article{{a, title = {{First}}, year = 2020, file = {{:{good}:PDF}}}}\n"
        f"@article{{b, title = {{Second}}, year = 2020, file = {{{broken}}}}}\n"
        f"@article{{c, title = {{Third}}, year = 2020, file = {{{tmp_path}/gone.pdf}}}}\n"
        "@article{d, title = {Fourth}, year = 2020}\n"
    )
    empty_library.import_file(bib, today=TODAY)
    db = str(empty_library.path)
    ids = {empty_library.paper(i).title: i for i in empty_library.select("")}
    first = run("--db", db, "pdf-text", "--all")
    assert first.code == 3  # one read, one failed: partial
    assert re.fullmatch(rf"{ids['First']}: \d\d characters from {re.escape(str(good))}\n", first.out)
    assert f"{ids['Second']}: {broken}: not a readable PDF" in first.err and "Third" not in first.err
    assert run("--db", db, "search", "harmony", "--json").json()[0]["id"] == ids["First"]
    again = run("--db", db, "pdf-text", str(ids["First"]))
    assert again.code == 0 and again.out == f"{ids['First']}: unchanged since it was read\n"
    assert "characters from" in run("--db", db, "pdf-text", str(ids["First"]), "--again").out
    write_pdf(good, "Consonant mutation in Welsh")  # the file changed: read again, old words gone
    assert "characters from" in run("--db", db, "pdf-text", str(ids["First"])).out
    assert run("--db", db, "search", "pdf:harmony", "--json").json() == []
    none = run("--db", db, "pdf-text", str(ids["Fourth"]))
    assert none.code == 1 and "has no PDF" in none.err
    assert run("--db", db, "pdf-text").code == 2 and run("--db", db, "pdf-text", "1", "--all").code == 2


def test_without_pypdf_attach_still_works_and_says_what_to_install(
    one_paper: tuple[Library, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library, paper_id = one_paper
    monkeypatch.setitem(sys.modules, "pypdf", None)  # import pypdf raises ImportError
    pdf = write_pdf(tmp_path / "paper.pdf", "Retroflex stops")
    attached = run("--db", str(library.path), "attach", str(paper_id), str(pdf))
    assert attached.code == 0 and "pip install pypdf" in attached.err
    refused = run("--db", str(library.path), "pdf-text", str(paper_id))
    assert refused.code == 1 and "needs pypdf" in refused.err


def test_the_text_survives_the_trash(one_paper: tuple[Library, int], tmp_path: Path) -> None:
    library, paper_id = one_paper
    library.attach(paper_id, write_pdf(tmp_path / "paper.pdf", "Ejective consonants"))
    library.read_pdf(paper_id)
    library.delete([paper_id])
    assert library.select("ejective") == []
    library.restore([paper_id])
    assert library.select("ejective") == [paper_id]
    assert library.read_pdf(paper_id) is None  # the same file: not read again


def test_an_index_file_from_before_pdf_text_is_used_not_rebuilt(
    one_paper: tuple[Library, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from store import segment
    from store.segment import TEXT_FIELDS, Segment

    library, paper_id = one_paper
    library.sync_index()
    path = library.index_path
    assert path is not None
    old, stamp = Segment.load(path)
    for name in TEXT_FIELDS:  # what a format-5 file held: every word's rows listed, and no PDF text
        rows, counts = old.fields[name].expanded()
        old._arrays[f"{name}.indptr"] = np.concatenate(([0], np.cumsum(counts)))
        old._arrays[f"{name}.rows"] = rows
        del old._arrays[f"{name}.dense"], old._arrays[f"{name}.bits"]
    for name in ("pdf.indptr", "pdf.rows"):
        del old._arrays[name]
    with monkeypatch.context() as patch:
        patch.setattr(segment, "FORMAT", 5)
        old.save(path, stamp, install=lambda replace: replace())
    with Library.open(library.path) as reopened:
        assert reopened.select("sandhi") == [paper_id] and not reopened.rebuilt
        reopened.attach(paper_id, write_pdf(tmp_path / "p.pdf", "Creaky voice"))
        reopened.read_pdf(paper_id)
        assert reopened.select("pdf:creaky") == [paper_id]
