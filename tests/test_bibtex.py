"""BibTeX in: Zotero, JabRef and our own exports, read into the same identity rules."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from store import Problem, ReadStatus, Store, export, parse_bytes
from store.importers.bibtex import parse_bibtex
from store.latex import decode_latex
from store.source import read_source
from tests.conftest import TODAY
from tui.cli import main

JABREF = r"""
% a comment line before the entries
@Article{qin2022devil,
  author       = {Qin, Zhen and Han, XiaoDong and M{\"u}ller, J{\"o}rg and {Google Research} and others},
  title        = {The {Devil} in Linear Transformer},
  year         = {2022},
  month        = oct,
  abstract     = {Linear \emph{transformers} cut cost by 50\% \& more. Code: https://github.com/org/tnn.},
  keywords     = {linear attention; transformers},
  readstatus   = {skimmed},
  annote       = {Check section 4.},
  eprint       = {2210.10340},
  archivePrefix= {arXiv},
  primaryClass = {cs.CL},
}

@misc{broken,
  title = {Never closed
"""


def parse(text: str):
    return parse_bytes(text.encode(), today=TODAY)


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"M{\"u}ller", "Müller"),
        (r"M\"{u}ller", "Müller"),
        (r"Jos\'e", "José"),
        (r"\c{c}a va", "ça va"),
        (r"Stra{\ss}e", "Straße"),
        (r"{\o}ster", "øster"),
        (r"50\% \& \{x\} \_ \# \$", "50% & {x} _ # $"),
        (r"\textbackslash{}emph\{y\} \textasciitilde{} \textasciicircum{}", r"\emph{y} ~ ^"),
        (r"The {Devil} in {BERT}", "The Devil in BERT"),
    ],
)
def test_decode_latex(latex: str, text: str) -> None:
    assert decode_latex(latex) == text


def test_jabref_entry_maps_onto_a_paper() -> None:
    result = parse(JABREF)
    (draft,) = result.drafts
    assert draft.title == "The Devil in Linear Transformer"
    assert draft.authors == ("Zhen Qin", "XiaoDong Han", "Jörg Müller", "Google Research")
    assert draft.authors_truncated
    assert (draft.date.isoformat(), draft.date_has_year, draft.category) == ("2022-10-01", True, "CL")
    assert draft.abstract == "Linear transformers cut cost by 50% & more. Code: https://github.com/org/tnn."
    assert draft.links == ("https://arxiv.org/abs/2210.10340", "https://github.com/org/tnn")
    assert draft.code_urls == ("https://github.com/org/tnn",)
    assert draft.user is not None
    assert (draft.user.status, draft.user.note, draft.user.tags) == (
        "reading",
        "Check section 4.",
        ("linear attention", "transformers"),
    )
    (problem,) = result.problems
    assert problem.line == 17 and "could not read this entry" in problem.message


def test_format_is_detected_from_content_not_the_name(tmp_path: Path) -> None:
    path = tmp_path / "looks-like-a-dump.txt"
    path.write_text(JABREF, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["import", str(path)], out=out, err=err) == 3  # stored, but the broken entry was skipped
    assert "1 added, 0 updated, 0 unchanged, 1 skipped" in out.getvalue()
    assert "1 added" in out.getvalue() and f"{path}:17: warning: could not read" in err.getvalue()


def test_a_file_with_no_entries_is_refused() -> None:
    result = parse("@comment{just a comment}\n")
    assert result.drafts == () and result.errors


def test_reimport_never_overwrites_the_users_own_data(empty_store: Store) -> None:
    empty_store.import_drafts(parse(JABREF), "refs.bib")
    paper = next(empty_store.iter_papers())
    kind, fields = read_source(paper.original)
    assert kind == "article" and paper.cite_key == "qin2022devil"
    assert r"M{\"u}ller" in dict(fields)["author"]  # the LaTeX, kept
    assert dict(fields)["month"] == "oct" and dict(fields)["eprint"] == "2210.10340"
    assert not {"readstatus", "annote"} & set(dict(fields))  # the user's own data lives apart
    assert dict(fields)["keywords"] == "linear attention; transformers"  # kept as written: tags are a view
    assert (paper.status, paper.note, paper.tags) == (
        ReadStatus.READING,
        "Check section 4.",
        ("linear attention", "transformers"),
    )
    empty_store.set_status([paper.id], "read")
    empty_store.set_note(paper.id, "my own words")
    report = empty_store.import_drafts(
        parse(JABREF.replace("readstatus   = {skimmed}", "readstatus = {unread}")), "refs.bib"
    )
    assert (report.added, empty_store.count()) == (0, 1)
    again = empty_store.get(paper.id)
    assert (again.status, again.note) == (ReadStatus.READ, "my own words")


def test_a_dump_paper_and_its_bibtex_entry_are_one_paper(store: Store) -> None:
    bib = "@article{x, title={Probing multilingual encoders for morphological agreement}, author={Castellanos, Mira}}"
    report = store.import_drafts(parse(bib), "extra.bib")
    assert (report.added, report.updated + report.unchanged, store.count()) == (0, 1, 40)
    assert [p.severity for p in report.problems] == ["note"]  # the merge is reported, not silent


def test_the_same_title_by_other_authors_is_another_paper(store: Store) -> None:
    bib = "@article{x, title={Probing multilingual encoders for morphological agreement}, author={Costa, Mira}}"
    report = store.import_drafts(parse(bib), "extra.bib")
    assert (report.added, store.count()) == (1, 41)


def test_export_import_export_is_byte_identical(store: Store, tmp_path: Path) -> None:
    store.set_note(1, "50% sure {x} & y_1 #2 ~ $z^2$ \\emph{w}\n\nsecond paragraph")
    store.tag([1, 2], "to-review")
    store.set_status([2], "read")
    first = export(list(store.iter_papers()), "bibtex")
    with Store.open(tmp_path / "fresh.db") as fresh:
        fresh.import_drafts(parse(first), "library.bib")
        assert fresh.count() == 40
        assert export(list(fresh.iter_papers()), "bibtex") == first


def _big_bibtex() -> str:
    parts = ['@string{jn = "Journal of Tests"}\n']
    for n in range(20):
        parts.append(f"@article{{k{n},\n  title = {{Paper {n} in {{Braces}}}},\n  journal = jn,\n  year = 2020\n}}\n")
        if n % 7 == 3:
            parts.append(f"@article{{broken{n}, title = {{Never closed\n")
        if n == 10:
            parts.append('@string{late = "Defined Late"}\n')
        if n > 10:
            parts.append(f"@misc{{m{n}, title = late}}\n")
    return "".join(parts)


def test_a_big_file_parsed_in_pieces_reads_exactly_as_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    import store.importers.bibtex as bibtex

    text = _big_bibtex()
    whole = parse_bibtex(text, today=TODAY)
    monkeypatch.setattr(bibtex, "_CHUNK_ENTRIES", 3)
    pieces = parse_bibtex(text, today=TODAY)
    assert pieces == whole
    assert len(whole.drafts) == 29 and len(whole.problems) == 3
    assert [d.title for d in whole.drafts].count("Defined Late") == 9  # a macro from an earlier piece
    assert [p.line for p in whole.problems] == [text[: text.index(f"broken{n}")].count("\n") + 1 for n in (3, 10, 17)]


def test_thousands_of_broken_entries_give_a_bounded_report() -> None:
    text = "".join(f"@article{{k{n}, title = {{Never closed\n" for n in range(5000))
    result = parse_bibtex(text + "@article{ok, title = {Fine}}\n", today=TODAY)
    assert len(result.drafts) == 1
    assert len(result.problems) == 101
    assert result.problems[-1] == Problem(
        101, "4,900 more entries from here on could not be read; skipped", skipped=4900
    )
    assert sum(p.skipped for p in result.problems) == 5000


DUPLICATE_AND_EMPTY_KEYS = """@article{same,
  title = {First Paper}, author = {Smith, John}, year = {2020},
}
@article{same,
  title = {Second Paper}, author = {Jones, Ann}, year = {2021},
}
@Article{,
  title = {Third Paper}, author = {Doe, Jane}, year = {2019},
}
@Article{,
  title = {Fourth Paper}, author = {Roe, Jim}, year = {2018},
}
@misc{Zhou:2021/RAG+v2,
  title = {Fifth Paper}, author = {Zhou, Li}, year = {2021},
}
@misc{Müller2020,
  title = {Sixth Paper}, author = {M{\\"u}ller, Anna}, year = {2020},
}
"""


def test_duplicate_and_empty_keys_are_imported_not_dropped(empty_store: Store) -> None:
    result = parse_bibtex(DUPLICATE_AND_EMPTY_KEYS, today=TODAY)
    assert [d.title for d in result.drafts] == [
        f"{n} Paper" for n in ("First", "Second", "Third", "Fourth", "Fifth", "Sixth")
    ]
    assert [(p.line, p.severity) for p in result.problems] == [(4, "note"), (10, "note")]
    assert "'same' is taken by an entry above" in result.problems[0].message
    assert "no citation key" in result.problems[1].message
    empty_store.import_drafts(result, "dup.bib")
    keys = {p.title: p.cite_key for p in list(empty_store.iter_papers())}
    assert keys == {
        "First Paper": "same",  # the file's own key, kept
        "Second Paper": "samea",  # its second use gets a key of its own
        "Third Paper": "doe2019third",  # none given: one is made
        "Fourth Paper": "roe2018fourth",
        "Fifth Paper": "Zhou:2021/RAG+v2",  # any key BibTeX tools read is kept as written
        "Sixth Paper": "muller2020sixth",  # not ASCII: a made key instead
    }
    text = export(list(empty_store.iter_papers()), "bibtex")
    assert [line for line in text.splitlines() if line.startswith("@")] == [
        "@article{same,", "@article{samea,", "@article{doe2019third,", "@article{roe2018fourth,",
        "@misc{Zhou:2021/RAG+v2,", "@misc{muller2020sixth,",
    ]  # fmt: skip


THRICE = r"""@string{pub = "Press of Tests"}
@string{venue = pub}
@article{dup, title = {One Of Three}, author = {Ames, Ann}, year = 2020,
  journal = venue, url = {https://github.com/org/repo#readme}, note = "Part " # pub # {, vol. 2}}
@article{dup, title = {Two Of Three}, author = {Bell, Bo}, year = 2021}
@article{dup, title = {Three Of Three}, author = {Cole, Cy}, year = 2022}
@article{, title = {Keyless A}, author = {Dunn, Di}, year = 2019}
@article{, title = {Keyless B}, author = {Eads, Ed}, year = 2019}
@article{, title = {Keyless C}, author = {Fry, Fay}, year = 2019}
@misc{link, title = {See \href{https://x.org/a}{the site} and \href{https://y.org}}, year = 2018}
"""


def test_keys_used_three_times_and_three_missing_keys_import_every_entry(empty_store: Store) -> None:
    result = parse_bibtex(THRICE, today=TODAY)
    assert not [p for p in result.problems if p.severity != "note"]
    assert [d.title for d in result.drafts][:6] == [
        "One Of Three", "Two Of Three", "Three Of Three", "Keyless A", "Keyless B", "Keyless C"
    ]  # fmt: skip
    assert [p.line for p in result.problems] == [5, 6, 8, 9]  # a note on each entry that got a key of its own
    empty_store.import_drafts(result, "thrice.bib")
    assert len({p.cite_key for p in list(empty_store.iter_papers())}) == 7


def test_macros_chain_and_a_hash_inside_braces_is_text() -> None:
    (first,) = [d for d in parse_bibtex(THRICE, today=TODAY).drafts if d.title == "One Of Three"]
    fields = dict(read_source(first.original)[1])
    assert fields["journal"] == "Press of Tests"  # venue -> pub -> the text
    assert fields["note"] == "Part Press of Tests, vol. 2"  # a bare # join is still resolved
    assert fields["url"] == "https://github.com/org/repo#readme"
    assert first.links == ("https://github.com/org/repo#readme",)


def test_latex_pylatexenc_cannot_read_is_kept_not_a_crash(empty_store: Store) -> None:
    (linked,) = [d for d in parse_bibtex(THRICE, today=TODAY).drafts if d.title.startswith("See")]
    assert linked.title.startswith("See the site <https://x.org/a> and ")
    empty_store.import_drafts(parse_bibtex(THRICE, today=TODAY), "thrice.bib")
    assert "See the site" in export(list(empty_store.iter_papers()), "csl")


VERBATIM = r"""@article{zot, title = {Files As Written}, author = {Gray, Gus}, year = 2020,
  file = {/home/me/My Papers/gray 2020.pdf}, url = {https://example.org/a b#c},
  eprint = {cs\_AI/0101}, doi = {10.1000/a\_b}}
@article{jab, title = {JabRef Paths}, author = {Hale, Hu}, year = 2021,
  file = {:F\:\\zotero\\storage\\x.pdf:PDF}}
"""


def test_verbatim_fields_go_out_exactly_as_they_came(empty_store: Store) -> None:
    pybtex = pytest.importorskip("pybtex.database")
    empty_store.import_drafts(parse_bibtex(VERBATIM, today=TODAY), "refs.bib")
    text = export(list(empty_store.iter_papers()), "bibtex")
    written = {k: dict(e.fields) for k, e in pybtex.parse_string(text, "bibtex").entries.items()}
    given = {k: dict(e.fields) for k, e in pybtex.parse_string(VERBATIM, "bibtex").entries.items()}
    for key in ("zot", "jab"):
        for name in ("file", "url", "eprint", "doi"):
            assert written[key].get(name) == given[key].get(name), (key, name)


def test_a_flood_of_at_signs_is_one_skipped_stretch_not_a_million_failures() -> None:
    good = "@article{k1, title = {Kept Before}, year = 2020}\n"
    flood = "@a{" * 200_000 + "\n" * 3
    after = "@article{k2, title = {Kept After}, year = 2021}\n"
    result = parse_bibtex(good + flood + after, today=TODAY)
    assert [d.title for d in result.drafts] == ["Kept Before", "Kept After"]
    assert [d.line for d in result.drafts] == [1, 5]  # line numbers stay true past the blanked stretch
    (flooded,) = [p for p in result.problems if "'@'" in p.message]
    assert flooded.line == 2 and flooded.skipped == 1


def test_a_jabref_file_in_windows_1252_imports() -> None:
    text = "% Encoding: windows-1252\n@article{m, title = {Café Müller – Notes}, author = {Müller, Jörg}, year = 20}\n"
    (draft,) = parse_bytes(text.encode("cp1252"), today=TODAY).drafts
    assert (draft.title, draft.authors) == ("Café Müller – Notes", ("Jörg Müller",))


def test_a_crossref_child_without_a_title_takes_its_parents() -> None:
    text = """@software{tool, title = {Toolkit}, author = {Doe, Jo}, year = 2020}
@softwareversion{tool2, crossref = {tool}, version = {2.0}, year = 2021}
"""
    drafts = parse_bibtex(text, today=TODAY).drafts
    assert [d.title for d in drafts] == ["Toolkit", "Toolkit"]


def test_a_crossref_parent_with_a_booktitle_gives_that_one_booktitle() -> None:
    text = """@inproceedings{talk, title = {Main Talk}, booktitle = {Proc. of Tests}, year = 2020}
@inproceedings{poster, title = {A Poster}, crossref = {talk}}
"""
    (_, poster) = parse_bibtex(text, today=TODAY).drafts
    assert [v for k, v in json.loads(poster.original)["fields"] if k == "booktitle"] == ["Proc. of Tests"]


def test_percent_lines_between_entries_and_fields_are_comments_as_biber_reads_them() -> None:
    """A commented-out entry is not imported and does not fail; a commented-out field is not read;
    a value's own line that starts with % is the value's. Line numbers stay true."""
    text = """% commented out: @article{gone, title = {Gone}}
%@article{old,
%  title = {Old},
%}
@article{kept,
  title = {Kept},
% note = {not this},
  abstract = {Half of it
% of the rest},
  year = 2020,
}
@article{broken, title = {Unclosed, year = 2021}
"""
    result = parse_bibtex(text, today=TODAY)
    (draft,) = result.drafts
    assert draft.title == "Kept" and draft.abstract == "Half of it\n% of the rest"
    assert [k for k, _ in json.loads(draft.original)["fields"]] == ["title", "abstract", "year"]
    assert [(p.line, p.skipped) for p in result.problems] == [(12, 1)]


def test_ris_with_a_byte_order_mark_after_a_space_is_ris() -> None:
    text = " \ufeffTY  - JOUR\nTI  - Marked Title\nAU  - Doe, Jane\nPY  - 2020\nER  - \n"
    (draft,) = parse(text).drafts
    assert draft.title == "Marked Title"


def test_a_date_shows_as_precisely_as_its_entry_gave_it(empty_store: Store) -> None:
    text = """@article{y1, title = {Year Only Entry}, author = {Doe, Jo}, year = 2019}
@article{y2, title = {Month Entry}, author = {Doe, Jo}, year = 2019, month = oct}
@article{y3, title = {Day Entry}, author = {Doe, Jo}, date = {2019-10-01}}
@article{y4, title = {Month Date Entry}, author = {Doe, Jo}, date = {2019-10}}
"""
    empty_store.import_drafts(parse(text), "dates.bib")
    shown = {p.title: p.date_text for p in list(empty_store.iter_papers())}
    assert shown == {"Year Only Entry": "2019", "Month Entry": "2019-10", "Day Entry": "2019-10-01",
                     "Month Date Entry": "2019-10"}  # fmt: skip


KEYWORDED = """@article{kw, title = {Keyworded}, author = {Doe, Jo}, year = 2020,
  keywords = {Deep Learning; BERT, {graph, nets}}}
"""


def test_keywords_go_out_as_written_until_the_tags_change(empty_store: Store, tmp_path: Path) -> None:
    empty_store.import_drafts(parse(KEYWORDED), "kw.bib")
    (paper,) = list(empty_store.iter_papers())
    assert set(paper.tags) == {"deep learning", "bert", "graph, nets"}  # a braced keyword stays one tag
    assert "  keywords = {Deep Learning; BERT, {graph, nets}}" in export([paper], "bibtex")
    empty_store.tag([paper.id], "later")
    text = export([empty_store.get(paper.id)], "bibtex")
    assert "Deep Learning" not in text and "{graph, nets}" in text  # the tags now, a comma kept inside braces
    with Store.open(tmp_path / "again.db") as again:
        again.import_drafts(parse(text), "again.bib")
        assert set(next(again.iter_papers()).tags) == {"deep learning", "bert", "graph, nets", "later"}


def test_a_bibtex_record_enriches_the_dump_paper_it_matches(store: Store) -> None:
    (before,) = [p for p in list(store.iter_papers()) if p.title.lower().startswith("probing multilingual encoders")]
    assert before.original == "" and before.date_has_year
    year = before.date.year
    bib = (
        "@inproceedings{Castellanos2021Probing, title={Probing multilingual encoders for morphological agreement},"
        f" author={{Castellanos, Mira}}, year={year}, booktitle={{Proc. of Tests}}, pages={{1--9}},"
        " doi={10.1000/probe.1}}"
    )
    report = store.import_drafts(parse(bib), "zotero.bib")
    assert (report.added, report.updated) == (0, 1)
    after = store.get(before.id)
    assert after.date == before.date  # the dump's day is kept: a year-only entry never lowers it
    assert (after.cite_key, after.key_aliases) == ("Castellanos2021Probing", (before.cite_key,))
    text = export([after], "bibtex")
    assert text.startswith("@inproceedings{Castellanos2021Probing,")
    assert "booktitle = {Proc. of Tests}" in text and "doi = {10.1000/probe.1}" in text
    assert f"ids = {{{before.cite_key}}}" in text
    again = store.import_drafts(parse(bib), "zotero.bib")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)


def test_biblatex_extended_names_read_as_people() -> None:
    text = """@article{ext, title = {Extended Names},
  author = {family=Berg, given=Piet, prefix=van der, useprefix=true and given=Jane, family=Doe and Roe, Ann},
  year = 2020}
"""
    (draft,) = parse_bibtex(text, today=TODAY).drafts
    assert draft.authors == ("Piet van der Berg", "Jane Doe", "Ann Roe")
