"""References that survive the trip: a real-world-shaped BibTeX corpus in, BibTeX and CSL-JSON out.

The corpus (tests/data/corpus.bib) holds the quirks of Zotero, JabRef and biblatex files. The
exports are read back by pybtex in strict mode, the parser real tools are measured against.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pybtex.database
import pybtex.errors
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store import Library, parse_bytes
from store.importers.html_note import markdown_note
from tests.conftest import TODAY

CORPUS = Path(__file__).parent / "data" / "corpus.bib"
CSL_TYPES = frozenset(
    "article article-journal article-magazine article-newspaper bill book broadcast chapter classic collection "
    "dataset document entry entry-dictionary entry-encyclopedia event figure graphic hearing interview legal_case "
    "legislation manuscript map motion_picture musical_score pamphlet paper-conference patent performance "
    "periodical personal_communication post post-weblog regulation report review review-book software song "
    "speech standard thesis treaty webpage".split()
)
CSL_NAME_KEYS = frozenset({"family", "given", "dropping-particle", "non-dropping-particle", "suffix", "literal"})
CSL_ITEM_KEYS = frozenset(
    "type id author editor issued abstract annote container-title DOI edition ISBN ISSN issue number keyword "
    "note page publisher publisher-place title URL volume collection-title custom".split()
)
"""The CSL-data schema's item properties this export can write; the schema allows no others."""


@pytest.fixture
def corpus(empty_library: Library) -> Library:
    outcome = empty_library.import_file(CORPUS, today=TODAY)
    assert outcome.report is not None
    return empty_library


def strict(text: str) -> pybtex.database.BibliographyData:
    """pybtex with every warning an error: a duplicate key or field, an undefined macro, bad braces."""
    pybtex.errors.set_strict_mode(True)
    try:
        return pybtex.database.parse_string(text, "bibtex")
    finally:
        pybtex.errors.set_strict_mode(False)


def bibtex(library: Library, *, with_notes: bool = False) -> str:
    return "".join(library.export("bibtex", library.select(""), with_notes=with_notes))


def test_every_entry_of_the_corpus_is_stored(corpus: Library) -> None:
    papers = list(corpus.store.iter_papers())
    keys = {p.cite_key for p in papers}
    assert len(keys) == len(papers) == 14  # the JabRef entries with no key and the reused key included
    assert {"okafor2021robust", "berg2020sparse", "zhou2023dense", "proc2022", "wen2016report"} <= keys
    assert {"doe2019entry", "roe2018second", "okafor2021robusta"} <= keys
    assert sorted(p.cite_key for p in papers if p.title == "Introduction") == ["jones2021intro", "smith2020intro"]
    jones = next(p for p in papers if p.cite_key == "jones2021intro")
    assert jones.abstract == "We use emphasis, a · b, TeX and “quotes” – all of it."  # pylatexenc, not a guess


def test_the_bibtex_export_keeps_the_entries_and_reads_strictly(corpus: Library) -> None:
    text = bibtex(corpus)
    data = strict(text)
    assert len(data.entries) == 14
    okafor = data.entries["okafor2021robust"]
    assert okafor.type == "article"
    assert okafor.fields["journal"] == "Journal of Machine Learning Research"  # the @string, resolved
    assert (okafor.fields["pages"], okafor.fields["volume"], okafor.fields["doi"]) == (
        "1--37",
        "22",
        "10.5555/jmlr.2021.0042",
    )
    assert okafor.fields["month"] == "March"  # written as the macro mar, which pybtex expands
    assert "month = mar," in text
    assert "url = {https://example.org/papers/robust_rerankers?version=2&lang=en}" in text  # never escaped
    assert [str(p) for p in okafor.persons["author"]] == ["Okafor, Amara", "van der Linde, Hugo", "Steele, Jr., Guy L."]
    assert data.entries["berg2020sparse"].fields["booktitle"] == "Proceedings of the Conference on Retrieval"  # # joins
    child = data.entries["castellanos2022child"]
    assert child.type == "inproceedings"
    assert (child.fields["booktitle"], child.fields["year"], child.fields["publisher"]) == (
        "Proceedings of the Workshop on Crossrefs", "2022", "Example Press",
    )  # fmt: skip
    assert data.entries["mehta2024kappa"].fields["doi"] == "10.1000/stats.2024.7"  # a DOI given as a link
    assert data.entries["raghunathan2019calibration"].fields["month"] == "July"  # {7}, as a macro
    assert data.entries["jones2021intro"].fields["month"] == "March"  # {mar}, as a macro
    assert data.entries["solberg2017events"].type == "book"
    for key in ("berg2020sparse", "doe2019entry", "solberg2017events"):
        assert "month" not in data.entries[key].fields  # a year alone stays a year: no month made up
    assert "note = {Extended version of a workshop paper}" in text  # the entry's own note, kept


def test_private_notes_go_out_only_when_asked_and_never_break_the_file(corpus: Library) -> None:
    paper = next(p for p in list(corpus.store.iter_papers()) if p.cite_key == "okafor2021robust")
    hostile = "unbalanced } and { braces, a \\ backslash, 50% sure, #hash, ~tilde, $math"
    corpus.set_note(paper.id, hostile)
    assert "annote" not in bibtex(corpus) and hostile not in bibtex(corpus)
    text = bibtex(corpus, with_notes=True)
    entry = strict(text).entries["okafor2021robust"]
    assert "annote" in entry.fields and "note" not in entry.fields
    calibration = strict(text).entries["raghunathan2019calibration"]
    assert calibration.fields["annote"] == "Compare with section 4 of the survey."  # imported as the private note


@pytest.mark.parametrize("with_notes", [False, True])
def test_export_import_export_is_byte_identical(corpus: Library, tmp_path: Path, with_notes: bool) -> None:
    first = bibtex(corpus, with_notes=with_notes)
    path = tmp_path / "round.bib"
    path.write_text(first, encoding="utf-8")
    with Library.open(tmp_path / "again.db") as again:
        assert again.import_file(path, today=TODAY).report is not None
        assert bibtex(again, with_notes=with_notes) == first


def test_the_demo_round_trips_byte_identically_and_reads_strictly(library: Library, tmp_path: Path) -> None:
    first = bibtex(library)
    strict(first)
    path = tmp_path / "demo.bib"
    path.write_text(first, encoding="utf-8")
    with Library.open(tmp_path / "again.db") as again:
        again.import_file(path, today=TODAY)
        assert bibtex(again) == first
    assert "title = {Sparse Mixture Routing for Low-Resource Machine Translation}" in first


def test_made_titles_protect_their_capitals(empty_library: Library, tmp_path: Path) -> None:
    dump = tmp_path / "dump.txt"
    dump.write_text("CLOct 19, 2022\nBERT Meets ImageNet: iPhone-Scale GPT-4 TestsAnna Berg\nAbs.\n", encoding="utf-8")
    empty_library.import_file(dump, today=TODAY)
    text = bibtex(empty_library)
    assert "title = {{BERT} Meets {ImageNet}: {iPhone}-Scale {GPT}-4 Tests}" in text
    assert "month = oct" in text and strict(text)


def test_csl_json_is_valid_for_the_csl_schema_and_carries_the_details(corpus: Library) -> None:
    items = {i["id"]: i for i in json.loads("".join(corpus.export("csl", corpus.select(""))))}
    for item in items.values():
        assert set(item) <= CSL_ITEM_KEYS and item["type"] in CSL_TYPES and isinstance(item["id"], str)
        for name in item["author"]:
            assert name and set(name) <= CSL_NAME_KEYS and all(isinstance(v, str) for v in name.values())
        if "issued" in item:
            (parts,) = item["issued"]["date-parts"]
            assert 1 <= len(parts) <= 3 and all(isinstance(n, int) for n in parts)
    okafor = items["okafor2021robust"]
    assert okafor["type"] == "article-journal" and okafor["issued"] == {"date-parts": [[2021, 3]]}
    assert okafor["author"] == [
        {"family": "Okafor", "given": "Amara"},
        {"family": "Linde", "given": "Hugo", "non-dropping-particle": "van der"},
        {"family": "Steele", "given": "Guy L.", "suffix": "Jr."},
    ]
    assert (okafor["container-title"], okafor["page"], okafor["DOI"]) == (
        "Journal of Machine Learning Research", "1-37", "10.5555/jmlr.2021.0042",
    )  # fmt: skip
    assert items["doe2019entry"]["issued"] == {"date-parts": [[2019]]}  # a year alone: no January 1st
    assert items["berg2020sparse"]["type"] == "paper-conference"
    assert items["zhou2023dense"]["author"][1] == {"literal": "Google Research"}  # a braced name stays whole
    mehta = items["mehta2024kappa"]
    assert mehta["title"] == "Cohen's κ and the (1-α) Bound in Multi-Rater Studies"  # LaTeX read, not mangled
    assert mehta["container-title"] == "Statistics – Theory & Practice"
    assert mehta["custom"] == {"authors-truncated": True}  # "and others"
    assert items["solberg2017events"]["type"] == "book" and items["wen2016report"]["type"] == "report"


def test_names_read_as_people_write_them(corpus: Library) -> None:
    authors = {p.cite_key: p.authors for p in list(corpus.store.iter_papers())}
    assert authors["okafor2021robust"] == ("Amara Okafor", "Hugo van der Linde", "Guy L. Steele Jr.")
    assert authors["zhou2023dense"] == ("XiaoMing Zhou", "Google Research")
    assert authors["mehta2024kappa"] == ("Rohan Mehta", "Jörg Müller")


def test_the_cli_exports_notes_only_with_the_flag(corpus: Library, tmp_path: Path) -> None:
    from tui.cli import main

    paper = next(corpus.store.iter_papers())
    corpus.set_note(paper.id, "mine")
    db = str(corpus.store.path)
    for flags, present in (((), False), (("--with-notes",), True)):
        out = io.StringIO()
        assert main(["--db", db, "export", "--format", "bibtex", *flags], out=out, err=io.StringIO()) == 0
        assert bool(re.search(r"annote = \{mine\}", out.getvalue())) is present


RIS = Path(__file__).parent / "data" / "zotero.ris"
CSL_ITEMS = [
    {
        "id": "chao2023toeplitz",
        "type": "paper-conference",
        "title": "Toeplitz Mixers for Audio & Speech",
        "author": [
            {"family": "Chao", "given": "Lin"},
            {"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van"},
            {"literal": "Audio Lab"},
        ],
        "issued": {"date-parts": [[2023]]},
        "container-title": "Proceedings of Sound",
        "page": "10-19",
        "DOI": "10.5555/snd.2023.10",
        "annote": "my own note, from Zotero",
        "keyword": "audio, mixers",
    },
    {"id": "no-title", "type": "article"},
]


def test_ris_in_and_out(empty_library: Library, tmp_path: Path) -> None:
    outcome = empty_library.import_file(RIS, today=TODAY)
    assert outcome.report is not None and outcome.report.added == 3 and outcome.report.skipped == 1
    messages = {p.line: p.message for p in outcome.report.problems}
    assert "no title" in messages[31] and "no ER line" in messages[36]
    papers = {p.title: p for p in list(empty_library.store.iter_papers())}
    calibrated = papers["Calibrated Rankers for Long Documents"]
    assert calibrated.authors == (
        "Sara Lindqvist",
        "Jean-Pierre de la Fontaine",
        "Guy L. Steele Jr.",
        "Example Consortium",
    )
    assert (calibrated.date.isoformat(), calibrated.tags, calibrated.note) == (
        "2022-06-14", ("calibration", "ranking"), "Read with the 2021 survey.",
    )  # fmt: skip
    assert calibrated.abstract.endswith("as some exporters wrap it.") and calibrated.code_urls
    text = bibtex(empty_library)
    entry = strict(text).entries["lindqvist2022calibrated"]
    assert (entry.type, entry.fields["journal"], entry.fields["pages"], entry.fields["doi"]) == (
        "article", "Journal of Ranking", "45--67", "10.1234/jr.2022.45",
    )  # fmt: skip
    assert [str(p) for p in entry.persons["author"]][2:] == ["Steele, Jr., Guy L.", "{Example Consortium}"]
    assert strict(text).entries["okafor2020paper"].fields["booktitle"] == "Proceedings of the Workshop on RIS"
    ris = "".join(empty_library.export("ris", empty_library.select(""), with_notes=True))
    assert "AU  - Steele, Guy L., Jr.\r\n" in ris and "N1  - Read with the 2021 survey.\r\n" in ris
    path = tmp_path / "again.ris"
    path.write_text(ris, encoding="utf-8", newline="")
    with Library.open(tmp_path / "again.db") as again:
        assert again.import_file(path, today=TODAY).report.skipped == 0
        assert "".join(again.export("ris", again.select(""), with_notes=True)) == ris  # byte-identical


def test_csl_json_imports_with_its_details(empty_library: Library, tmp_path: Path) -> None:
    path = tmp_path / "zotero.json"
    path.write_text(json.dumps(CSL_ITEMS, indent=2), encoding="utf-8")
    outcome = empty_library.import_file(path, today=TODAY)
    assert outcome.report is not None and outcome.report.added == 1 and outcome.report.skipped == 1
    assert outcome.report.problems[0].line == 33 and "no title" in outcome.report.problems[0].message
    (paper,) = list(empty_library.store.iter_papers())
    assert paper.cite_key == "chao2023toeplitz" and paper.authors == ("Lin Chao", "Ludwig van Beethoven", "Audio Lab")
    assert (paper.note, paper.tags, paper.date_has_year) == ("my own note, from Zotero", ("audio", "mixers"), True)
    entry = strict(bibtex(empty_library)).entries["chao2023toeplitz"]
    assert (entry.type, entry.fields["booktitle"], entry.fields["pages"]) == (
        "inproceedings", "Proceedings of Sound", "10--19",
    )  # fmt: skip
    assert "month" not in entry.fields and entry.fields["title"] == "Toeplitz Mixers for Audio \\& Speech"
    again = json.loads("".join(empty_library.export("csl", empty_library.select(""))))[0]
    assert again["issued"] == {"date-parts": [[2023]]} and again["DOI"] == "10.5555/snd.2023.10"
    assert again["author"][1] == {"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van"}


def test_the_json_export_restores_a_library(corpus: Library, tmp_path: Path) -> None:
    papers = list(corpus.store.iter_papers())
    corpus.set_note(papers[2].id, "a {private} note")
    corpus.tag([papers[2].id], "to-read")
    path = tmp_path / "library.json"
    path.write_text("".join(corpus.export("json", corpus.select(""))), encoding="utf-8")
    with Library.open(tmp_path / "restored.db") as restored:
        assert restored.import_file(path, today=TODAY).report.added == 14
        for fmt in ("bibtex", "csl", "ris"):
            assert "".join(restored.export(fmt, restored.select(""), with_notes=True)) == "".join(
                corpus.export(fmt, corpus.select(""), with_notes=True)
            ), fmt


def test_broken_json_names_the_line(empty_library: Library, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"title": "One", "authors": []},\n  {"title": \n]\n', encoding="utf-8")
    outcome = empty_library.import_file(path, today=TODAY)
    assert outcome.report is None
    (problem,) = [p for p in outcome.problems if p.severity == "error"]
    assert problem.line == 4 and "not valid JSON" in problem.message


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"not": "a list"}', "a JSON object with no title: expected a list of CSL items or papershelf records"),
        ('{"title": "One"} and more', "not valid JSON: more after the object"),
        ("{\\rtf1\\ansi\\cocoartf2709\nCLOct 19, 2022\\\nA Title\\\n}", "an RTF (rich text) document: save"),
    ],
)
def test_a_file_that_is_not_a_list_of_papers_says_what_it_is(text: str, said: str) -> None:
    """JSON that is not a list, or a page saved as rich text: the error names the file's kind, not a dump's."""
    (problem,) = parse_bytes(text.encode(), today=TODAY).problems
    assert problem.severity == "error" and problem.message.startswith(said)


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"\xef\xbb\xbf\n<!DOCTYPE html>\n<html><body><div>CLOct 19, 2022</div>", "a web page saved as HTML"),
        (b"<html lang=en>", "a web page saved as HTML"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF: papershelf imports a profile page's text"),
        (b"PK\x03\x04\x14\x00\x06\x00", "a Word, OpenDocument or zip file"),
        (b"{\\rtf1\\ansi\\ansicpg1252 Caf\xe9}", "an RTF (rich text) document"),  # not UTF-8 either
        ("<!DOCTYPE html><html><body>CLOct 19, 2022".encode("utf-16"), "a web page saved as HTML"),  # Windows' Save As
    ],
)
def test_a_page_saved_in_another_format_says_what_to_do(data: bytes, said: str) -> None:
    (problem,) = parse_bytes(data, today=TODAY).problems
    assert (problem.line, problem.severity) == (1, "error") and problem.message.startswith(said)


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf \r\n\n\t\n", "\n\n".encode("utf-16")])
def test_an_empty_file_is_said_to_be_empty(data: bytes) -> None:
    (problem,) = parse_bytes(data, today=TODAY).problems
    assert (problem.line, problem.severity, problem.message) == (
        1,
        "error",
        "the file is empty (or blank): nothing to import",
    )


def test_one_csl_item_alone_is_a_list_of_one(empty_library: Library, tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"type": "book", "title": "A Lone Item", "author": [{"family": "Lee", "given": "Ann"}],
                                "issued": {"date-parts": [[2019]]}}))  # fmt: skip
    outcome = empty_library.import_file(path, today=TODAY)
    assert outcome.report is not None and outcome.report.added == 1
    (paper,) = empty_library.papers(empty_library.select(""))
    assert (paper.title, paper.authors, paper.year) == ("A Lone Item", ("Ann Lee",), 2019)


@settings(max_examples=300, deadline=None)
@given(
    body=st.text(),
    lead=st.sampled_from(["[", "{", '{"title": ', '[{"title": ', '[{"type": "article", "id": 1, "issued": ', "TY  - "]),
)
def test_json_and_ris_parsers_never_raise(body: str, lead: str) -> None:
    result = parse_bytes((lead + body).encode("utf-8", "surrogatepass"), today=TODAY)
    assert result.drafts or result.problems


def test_a_restore_keeps_papers_the_export_kept_apart(empty_library: Library, tmp_path: Path) -> None:
    """Three papers of one title and year, one without authors: a restore brings back three."""
    records = [
        {"id": 1, "title": "On Shared Titles", "authors": [], "date": "2021-01-01", "date_has_year": True,
         "status": "read", "key": "anon2021on"},
        {"id": 2, "title": "On Shared Titles", "authors": ["Ada Ames"], "date": "2021-01-01", "date_has_year": True,
         "status": "unread", "key": "ames2021on"},
        {"id": 3, "title": "On Shared Titles", "authors": ["Bo Bell"], "date": "2021-01-01", "date_has_year": True,
         "status": "reading", "key": "bell2021on"},
    ]  # fmt: skip
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    assert empty_library.import_file(path, today=TODAY).report.added == 3
    again = empty_library.import_file(path, today=TODAY).report
    assert (again.added, again.unchanged) == (0, 3)  # the same keys: the same papers


TWO_VERSIONS = """@article{doe2020journal, title = {Sparse Retrieval Revisited}, author = {Doe, Jane}, year = 2020,
  journal = {Journal of Tests}, doi = {10.1000/journal.1}}
@inproceedings{doe2020conf, title = {Sparse Retrieval Revisited}, author = {Doe, Jane}, year = 2020,
  booktitle = {Proc. of Tests}, doi = {10.1000/conf.2}}
"""


def test_a_journal_and_a_conference_version_stay_two_papers(empty_library: Library, tmp_path: Path) -> None:
    path = tmp_path / "versions.bib"
    path.write_text(TWO_VERSIONS, encoding="utf-8")
    assert empty_library.import_file(path, today=TODAY).report.added == 2
    text = "".join(empty_library.export("bibtex", empty_library.select("")))
    assert "@article{doe2020journal," in text and "@inproceedings{doe2020conf," in text
    other = tmp_path / "one.bib"  # the same entry from another export, without its key: still one paper
    other.write_text(TWO_VERSIONS.split("@inproceedings")[0].replace("doe2020journal", ""), encoding="utf-8")
    assert empty_library.import_file(other, today=TODAY).report.added == 0


def test_a_restored_category_cannot_reach_the_terminal(empty_library: Library, tmp_path: Path) -> None:
    path = tmp_path / "hostile.json"
    record = {"title": "Escapes", "authors": ["Eve Evans"], "status": "unread", "category": "CL\x1b]52;c;aGk=\x07\n"}
    path.write_text(json.dumps([record]), encoding="utf-8")
    empty_library.import_file(path, today=TODAY)
    (paper,) = list(empty_library.store.iter_papers())
    assert paper.category is not None and paper.category.isprintable()
    assert paper.category.startswith("CL␛]52")


EDITED = r"""@incollection{chap, title = {Sparse Heads}, subtitle = {A Second Look}, author = {Doe, Jo},
  editor = {Roe, Ann and van der Berg, Piet}, booktitle = {Handbook of Tests}, publisher = {Test Press},
  address = {Leiden}, location = {Vancouver}, year = 2020}
@techreport{rep, title = {Report Numbers}, author = {Poe, Pat}, institution = {Test Lab}, number = {TR-7},
  year = 2021}
"""


def test_editors_numbers_places_and_subtitles_reach_csl_and_ris(empty_library: Library, tmp_path: Path) -> None:
    path = tmp_path / "edited.bib"
    path.write_text(EDITED, encoding="utf-8")
    empty_library.import_file(path, today=TODAY)
    items = {i["id"]: i for i in json.loads("".join(empty_library.export("csl", empty_library.select(""))))}
    chap, rep = items["chap"], items["rep"]
    assert chap["title"] == "Sparse Heads: A Second Look"
    assert [e.get("family") for e in chap["editor"]] == ["Roe", "Berg"]
    assert chap["publisher-place"] == "Leiden"  # the publisher's address, not the venue's location
    assert rep["number"] == "TR-7" and "issue" not in rep and rep["publisher"] == "Test Lab"
    ris = "".join(empty_library.export("ris", empty_library.select("")))
    assert "ED  - Roe, Ann\r\n" in ris and "PB  - Test Lab\r\n" in ris
    again = tmp_path / "again.ris"
    again.write_text(ris, encoding="utf-8")
    with Library.open(tmp_path / "again.db") as other:
        other.import_file(again, today=TODAY)
        back = {i["title"]: i for i in json.loads("".join(other.export("csl", other.select(""))))}
        assert [e.get("family") for e in back["Sparse Heads"]["editor"]] == ["Roe", "Berg"]


def test_an_entry_note_and_the_readers_note_stay_apart_in_ris(corpus: Library, tmp_path: Path) -> None:
    (paper,) = [p for p in corpus.store.iter_papers() if p.title.startswith("Cohen")]
    corpus.set_note(paper.id, "Mine: check the bound.")
    ris = "".join(corpus.export("ris", [paper.id], with_notes=True))
    assert "M2  - Extended version of a workshop paper\r\n" in ris and "N1  - Mine: check the bound.\r\n" in ris
    path = tmp_path / "one.ris"
    path.write_text(ris, encoding="utf-8", newline="")
    with Library.open(tmp_path / "again.db") as again:
        again.import_file(path, today=TODAY)
        (back,) = again.store.iter_papers()
        assert back.note == "Mine: check the bound."
        (entry,) = strict(bibtex(again)).entries.values()
        assert entry.fields["note"] == "Extended version of a workshop paper"


def test_zoteros_html_notes_in_ris_become_markdown_notes(empty_library: Library, tmp_path: Path) -> None:
    """Zotero writes each note as HTML in N1 (Zotero 6+ wraps it in a schema div). The note is kept
    in Markdown, the shape of a papershelf note and of the Obsidian vault it goes to; a plain-text N1
    (EndNote's, or our own export's) stays as written, angle brackets and all."""
    zotero = (
        '<div data-schema-version="8"><h1>Reading notes</h1>\n<p>The <strong>bound </strong>in '
        '<a href="https://example.org/s3">section 3</a> is loose &amp; <em>why</em>:</p>\n'
        "<ul><li>step one</li><li>step two<ol><li>inner</li></ol></li></ul>"
        '<blockquote><p>quoted <span class="citation">(Doe, 2020)</span></p></blockquote><pre>x  =  1</pre></div>'
    )
    path = tmp_path / "zotero.ris"
    path.write_text(
        f"TY  - JOUR\r\nTI  - With a Zotero Note\r\nN1  - {zotero}\r\nER  - \r\n\r\n"
        "TY  - JOUR\r\nTI  - With a Plain Note\r\nN1  - keep <p> as typed & this\r\nER  - \r\n",
        encoding="utf-8",
    )
    assert empty_library.import_file(path, today=TODAY).report.added == 2
    notes = {p.title: p.note for p in empty_library.store.iter_papers()}
    assert notes["With a Zotero Note"] == (
        "# Reading notes\n\nThe **bound** in [section 3](https://example.org/s3) is loose & *why*:\n\n"
        "- step one\n- step two\n  1. inner\n\n> quoted (Doe, 2020)\n\n```\nx  =  1\n```"
    )
    assert notes["With a Plain Note"] == "keep <p> as typed & this"


@settings(max_examples=300, deadline=None)
@given(
    body=st.lists(st.sampled_from([*"<>/=\"' abplihu1&;#x\n!-[]?", "<![", "<li>", "</ul>"]), max_size=40).map("".join)
)
def test_an_html_note_never_fails_the_import(body: str) -> None:
    """html.parser raises on some broken declarations (``<![``): such a note is kept as written."""
    assert isinstance(markdown_note("<p>" + body), str)


def test_a_notes_lines_and_an_abstracts_paragraphs_survive_ris(empty_library: Library, tmp_path: Path) -> None:
    """RIS goes on with a value in the lines after it, as Zotero writes and reads a note: the note keeps
    every line (a Markdown list, its indentation, a line that looks like a tag), the abstract its
    paragraphs, and the file comes back byte for byte."""
    dump = tmp_path / "dump.txt"
    dump.write_text(
        "CLOct 19, 2022\nLines Kept\n\nAna Berg\n\nFirst paragraph.\n\nSecond paragraph.\n", encoding="utf-8"
    )
    empty_library.import_file(dump, today=TODAY)
    (paper_id,) = empty_library.select("")
    note = "Plan:\n\n- read it\n  - twice\nAU  - not an author\n ER  - not the end, one space in"
    empty_library.set_note(paper_id, note)
    ris = "".join(empty_library.export("ris", [paper_id], with_notes=True))
    assert "AB  - First paragraph.\r\n\r\nSecond paragraph.\r\n" in ris
    path = tmp_path / "lines.ris"
    path.write_text(ris, encoding="utf-8", newline="")
    with Library.open(tmp_path / "again.db") as again:
        assert again.import_file(path, today=TODAY).report.added == 1
        (back,) = again.store.iter_papers()
        assert (back.note, back.abstract) == (note, "First paragraph.\n\nSecond paragraph.")
        assert "".join(again.export("ris", again.select(""), with_notes=True)) == ris


def test_a_note_of_deeply_nested_tags_keeps_its_text_not_its_depth() -> None:
    """Hostile nesting costs what the text does: the Markdown nests 16 levels at most."""
    assert markdown_note("<p>" + "<b>" * 5000 + "deep" + "</b>" * 5000) == "*" * 32 + "deep" + "*" * 32
    lines = markdown_note("<p>x</p>" + "<ul><li>item" * 5000).split("\n")
    assert len(lines) == 5002 and max(len(line) for line in lines) == len("  " * 16 + "- item")


def test_csl_dates_keep_their_day_and_seasons_come_back(empty_library: Library, tmp_path: Path) -> None:
    items = [
        {"id": "day", "type": "article-journal", "title": "On A Day", "issued": {"date-parts": [[2020, 5, 17]]}},
        {"id": "summer", "type": "article-journal", "title": "In Summer", "issued": {"date-parts": [[2004, 22]]}},
    ]
    path = tmp_path / "items.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    outcome = empty_library.import_file(path, today=TODAY)
    assert outcome.report.added == 2, outcome.problems
    back = {
        i["id"]: i["issued"]["date-parts"][0]
        for i in json.loads("".join(empty_library.export("csl", empty_library.select(""))))
    }
    assert back == {"day": [2020, 5, 17], "summer": [2004, 22]}
    shown = {p.title: p.date_text for p in empty_library.papers(empty_library.select(""))}
    assert shown == {"On A Day": "2020-05-17", "In Summer": "2004"}


@pytest.mark.parametrize(
    ("issued", "shown"),
    [
        ({"raw": "2019-05-04"}, "2019-05-04"),
        ({"literal": "May 2019"}, "2019-05"),
        ({"raw": "Spring 2019"}, "2019"),
        ({"raw": "sometime"}, ""),
        ({"date-parts": [["2022", "", "7"]]}, "2022"),
        ({"date-parts": "2020", "raw": "2020-06"}, "2020-06"),  # date-parts not a list: the written date
    ],
)
def test_a_csl_date_written_out_is_read_as_far_as_it_goes(
    empty_library: Library, tmp_path: Path, issued: dict[str, object], shown: str
) -> None:
    path = tmp_path / "item.json"
    path.write_text(json.dumps([{"id": "w", "type": "book", "title": "Written Date", "issued": issued}]))
    assert empty_library.import_file(path, today=TODAY).report.added == 1
    (paper,) = empty_library.papers(empty_library.select(""))
    assert (paper.date_text or "") == shown


def test_an_impossible_written_csl_date_is_a_problem_for_that_item_only(empty_library: Library, tmp_path: Path) -> None:
    path = tmp_path / "items.json"
    items = [{"id": "bad", "title": "Bad Date", "issued": {"date-parts": "x", "raw": "2020-02-30"}},
             {"id": "good", "title": "Good Date", "issued": {"raw": "2020-02-28"}}]  # fmt: skip
    path.write_text(json.dumps(items), encoding="utf-8")
    report = empty_library.import_file(path, today=TODAY).report
    assert report is not None and report.added == 1
    (problem,) = report.problems
    assert "impossible date '2020-02-30'" in problem.message


def test_csl_rich_text_and_jats_abstracts_are_read_as_words(empty_library: Library, tmp_path: Path) -> None:
    """Zotero writes <i>/<sup>/<span class="nocase"> in titles; Crossref's CSL-JSON (a DOI's own
    record) gives JATS abstracts. The words are stored, paragraphs kept; text that only looks like a
    tag stays. A particle already in the family name is not said twice."""
    items = [
        {"id": "t", "type": "article-journal", "title": "The <i>E. coli</i> Genome, x<sup>2</sup> and <span "
         'class="nocase">iPhone</span>', "author": [{"family": "van Dijk", "given": "Jan",
         "non-dropping-particle": "van"}], "abstract": "<jats:title>Abstract</jats:title><jats:p>Salt &amp; "
         "pepper, <jats:italic>a</jats:italic> &lt; b.</jats:p>\n<jats:p>Second.</jats:p>"},
        {"id": "p", "type": "article-journal", "title": "When a < b > c", "abstract": "Plain & simple <not a tag>."},
    ]  # fmt: skip
    path = tmp_path / "items.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    assert empty_library.import_file(path, today=TODAY).report.added == 2
    papers = {p.cite_key: p for p in empty_library.papers(empty_library.select(""))}
    assert papers["t"].title == "The E. coli Genome, x2 and iPhone"
    assert papers["t"].abstract == "Salt & pepper, a < b.\n\nSecond."
    assert papers["t"].authors == ("Jan van Dijk",)
    assert (papers["p"].title, papers["p"].abstract) == ("When a < b > c", "Plain & simple <not a tag>.")
    entry = strict(bibtex(empty_library)).entries["t"]
    assert "<" not in entry.fields["title"] and str(entry.persons["author"][0]) == "van Dijk, Jan"


BIBLATEX_SHAPES = r"""@article{arx, title = {Linear Heads}, author = {Qin, Zhen}, journal = {Journal of Tests},
  year = 2022, month = oct, eprint = {2210.10340}, archivePrefix = {arXiv}, primaryClass = {cs.CL}}
@phdthesis{thesis, title = {A Thesis}, author = {Roe, Ann}, school = {Test University}, address = {Leiden},
  year = 2019}
"""


def test_the_biblatex_export_speaks_biblatex(empty_library: Library, tmp_path: Path) -> None:
    path = tmp_path / "shapes.bib"
    path.write_text(BIBLATEX_SHAPES, encoding="utf-8")
    empty_library.import_file(path, today=TODAY)
    text = "".join(empty_library.export("biblatex", empty_library.select("")))
    entries = pybtex.database.parse_string(text, "bibtex").entries
    arx, thesis = dict(entries["arx"].fields), dict(entries["thesis"].fields)
    assert entries["arx"].type == "article" and entries["thesis"].type == "thesis"
    assert (arx["date"], arx["journaltitle"], arx["eprinttype"], arx["eprintclass"]) == (
        "2022-10", "Journal of Tests", "arxiv", "cs.CL"
    )  # fmt: skip
    assert not {"year", "month", "journal", "archiveprefix"} & {k.lower() for k in arx}
    assert (thesis["type"], thesis["institution"], thesis["location"], thesis["date"]) == (
        "phdthesis", "Test University", "Leiden", "2019"
    )  # fmt: skip
    assert "".join(empty_library.export("bibtex", empty_library.select(""))).count("journal = ") == 1


@pytest.mark.parametrize(("fmt", "suffix"), [("csl", "json"), ("ris", "ris"), ("biblatex", "bib")])
def test_each_format_reads_back_what_it_writes(corpus: Library, tmp_path: Path, fmt: str, suffix: str) -> None:
    corpus.import_file(Path(__file__).parent / "data" / "zotero.ris", today=TODAY)
    first = "".join(corpus.export(fmt, corpus.select("")))
    path = tmp_path / f"out.{suffix}"
    path.write_text(first, encoding="utf-8")
    with Library.open(tmp_path / "again.db") as again:
        assert again.import_file(path, today=TODAY).report.added == corpus.count()
        second = "".join(again.export(fmt, again.select("")))
        if fmt == "csl":  # the same items; the order of an item's keys carries no meaning
            assert json.loads(second) == json.loads(first)
        else:
            assert second == first
