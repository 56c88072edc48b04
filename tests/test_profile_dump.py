"""The profile-dump parser: table-driven cases for every quirk of the format."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store import parse_bytes, parse_profile_dump
from store.demo import demo_files
from tests.conftest import TODAY


def parse(text: str, **kwargs):
    return parse_profile_dump(text, today=kwargs.pop("today", TODAY), **kwargs)


def one(text: str, **kwargs):
    result = parse(text, **kwargs)
    assert len(result.drafts) == 1, result
    return result.drafts[0]


# -- layout B: title and first author run together ------------------------------------------

SPLITS = [
    # (title+authors line, expected title, expected authors)
    ("Sparse Routing for TranslationAnna Berg, Jon Fry", "Sparse Routing for Translation", ("Anna Berg", "Jon Fry")),
    ("Faster Models with Improved FlowNetAnna Berg", "Faster Models with Improved FlowNet", ("Anna Berg",)),
    ("Dense Retrieval in RAGYicheng Zhou, Anna Berg", "Dense Retrieval in RAG", ("Yicheng Zhou", "Anna Berg")),
    ("Heat Equations in Dimension 2Mei Lin, Anna Berg", "Heat Equations in Dimension 2", ("Mei Lin", "Anna Berg")),
    ("Do Rankers Generalize?Minh Tran, Anna Berg", "Do Rankers Generalize?", ("Minh Tran", "Anna Berg")),
    ("A Study of Rationales (and Faithfulness)Felix Horn", "A Study of Rationales (and Faithfulness)", ("Felix Horn",)),
    ("Better Losses for T5Kai Ho, Anna Berg", "Better Losses for T5", ("Kai Ho", "Anna Berg")),
    ("Graph MixersZheng-Peng Wu, Anna Berg", "Graph Mixers", ("Zheng-Peng Wu", "Anna Berg")),
    (
        "Comparative ReasoningJing Nathan Yan, Justin T Chiu",
        "Comparative Reasoning",
        ("Jing Nathan Yan", "Justin T Chiu"),
    ),
    ("Time Series AnomaliesFeiyi Wu, Yingying zhang", "Time Series Anomalies", ("Feiyi Wu", "Yingying zhang")),
    (
        "Adaptive OptimizersPieter van den Berg, Ana de la Cruz",
        "Adaptive Optimizers",
        ("Pieter van den Berg", "Ana de la Cruz"),
    ),
    ("Low-Resource Languages李明, Anna Berg", "Low-Resource Languages", ("李明", "Anna Berg")),
    ("Cache CompressionИван Петров, Anna Berg", "Cache Compression", ("Иван Петров", "Anna Berg")),
    ("Agents That AskDaniel O'Connell, Anna Berg", "Agents That Ask", ("Daniel O'Connell", "Anna Berg")),
    ("Query PredictionTom Wu, J. Anand, Anna Berg", "Query Prediction", ("Tom Wu", "J. Anand", "Anna Berg")),
    (
        "Optimizers: Adam, Lion, Sophia, and BeyondSara Lind, Anna Berg",
        "Optimizers: Adam, Lion, Sophia, and Beyond",
        ("Sara Lind", "Anna Berg"),
    ),
    ("Distilling Rankers (DRSQE)Jean-Luc Moreau", "Distilling Rankers (DRSQE)", ("Jean-Luc Moreau",)),
    (
        "Scaling Laws for DistillationRohan mehta, Anna Berg",
        "Scaling Laws for Distillation",
        ("Rohan mehta", "Anna Berg"),
    ),
    ("José and the Ñandú ProblemJosé Ramírez, Anna Berg", "José and the Ñandú Problem", ("José Ramírez", "Anna Berg")),
    ("GPT-4: A ReportOpenAI", "GPT-4: A Report", ("OpenAI",)),  # an organisation, not "OpenA" by "I"
]


@pytest.mark.parametrize(("line", "title", "authors"), SPLITS, ids=[s[1][:30] for s in SPLITS])
def test_layout_b_splits_title_from_first_author(line: str, title: str, authors: tuple[str, ...]) -> None:
    draft = one(f"CLOct 19, 2022Code\n{line} et al. · mit\nAn abstract sentence.\n")
    assert (draft.title, draft.authors) == (title, authors)
    assert draft.authors_truncated
    assert draft.affiliations == ("mit",)


def test_names_seen_elsewhere_break_ties() -> None:
    # "TransformerXiaoMing Zhou" could split before "Ming"; the other entry shows the full name.
    text = (
        "CLOct 19, 2022\nLinear Attention for Long ContextAnna Berg, XiaoMing Zhou\nAbstract one.\n"
        "CLOct 20, 2022\nFast Weight ProgrammersXiaoMing Zhou, Anna Berg\nAbstract two.\n"
    )
    drafts = parse(text).drafts
    assert drafts[1].title == "Fast Weight Programmers"
    assert drafts[1].authors == ("XiaoMing Zhou", "Anna Berg")


def test_camel_case_name_inside_the_list_is_not_a_boundary() -> None:
    draft = one("CLOct 19, 2022\nThe Devil in LinearityZhen Qiu, XiaoDong Han, Wei Sun et al.\nText.\n")
    assert draft.title == "The Devil in Linearity"
    assert draft.authors == ("Zhen Qiu", "XiaoDong Han", "Wei Sun")


# -- layout A and the meta line --------------------------------------------------------------

LAYOUT_A = """h-index12
40papers
1,234citations
Novelty33%
AI Score71

40 Papers

CVMar 14, 2023Code
Seeing Through Smoke

Ana-Lucía Ferreira, Kenji Mori, Mira Costa et al. · inria, eth-zurich

First paragraph of the abstract.
Code: https://github.com/ana/smoke.

13.6CVMay 29
Untitled Workshop Note

Mira Costa

A short abstract without links.
"""


def test_layout_a_fields_and_header() -> None:
    result = parse(LAYOUT_A)
    assert result.problems == ()
    assert result.profile is not None
    assert (result.profile.h_index, result.profile.papers, result.profile.citations) == (12, 40, 1234)
    assert (result.profile.novelty, result.profile.ai_score, result.profile.listed_papers) == (33, 71, 40)
    assert result.owner == "Mira Costa"
    first, second = result.drafts
    assert first.title == "Seeing Through Smoke"
    assert first.authors == ("Ana-Lucía Ferreira", "Kenji Mori", "Mira Costa")
    assert first.authors_truncated and first.affiliations == ("inria", "eth-zurich")
    assert (first.category, first.date, first.date_has_year, first.has_code) == ("CV", dt.date(2023, 3, 14), True, True)
    assert first.abstract == "First paragraph of the abstract.\nCode: https://github.com/ana/smoke."
    assert first.code_urls == ("https://github.com/ana/smoke",)
    assert first.line == 9
    assert (second.score, second.has_code, second.date_has_year) == (13.6, False, False)
    assert second.date == dt.date(2026, 5, 29)
    assert second.authors == ("Mira Costa",) and not second.authors_truncated


def test_header_figures_shortened_or_missing_are_read_without_a_warning() -> None:
    """A large profile shows 1.2k citations; a new one a dash where it has no h-index yet."""
    entry = "CLOct 19, 2022\nA Compact EntryJon Fry, Anna Berg\nAbstract.\n"
    result = parse("h-index—\n12papers\n1.2kcitations\nNovelty–\nAI Score-\n\n12 Papers\n\n" + entry)
    assert result.problems == () and len(result.drafts) == 1
    assert result.profile is not None
    assert (result.profile.h_index, result.profile.papers, result.profile.citations) == (None, 12, 1200)
    assert (result.profile.novelty, result.profile.ai_score, result.profile.listed_papers) == (None, None, 12)
    famous = parse("h-index 210\n3.4M citations\n\n" + entry)
    assert famous.problems == () and famous.profile is not None and famous.profile.citations == 3_400_000


@pytest.mark.parametrize(
    ("meta", "category", "date", "has_year", "score", "code"),
    [
        ("CLOct 19, 2022Code", "CL", dt.date(2022, 10, 19), True, None, True),
        ("95.2LGMar 16Code", "LG", dt.date(2026, 3, 16), False, 95.2, True),
        ("71.4LGApr 13", "LG", dt.date(2026, 4, 13), False, 71.4, False),
        ("NADec 28", "NA", dt.date(2025, 12, 28), False, None, False),
        ("7CVJan 1, 2020  ", "CV", dt.date(2020, 1, 1), True, 7.0, False),
        ("999999999999.9IRSep 9, 2021", "IR", dt.date(2021, 9, 9), True, 999999999999.9, False),
        ("cs.CV March 14, 2023 Code", "CV", dt.date(2023, 3, 14), True, None, True),  # as other pages write it
        ("92.1stat.MLSept. 2", "ML", dt.date(2026, 9, 2), False, 92.1, False),
        ("CV\u00a0Mar\u00a014,\u00a02023\u00a0Code", "CV", dt.date(2023, 3, 14), True, None, True),  # no-break spaces
    ],
)
def test_meta_line(meta, category, date, has_year, score, code) -> None:
    draft = one(f"{meta}\nA Title\n\nAnna Berg\n\nAbstract.\n")
    assert (draft.category, draft.date, draft.date_has_year, draft.score, draft.has_code) == (
        category,
        date,
        has_year,
        score,
        code,
    )


@pytest.mark.parametrize(
    "entry",
    [
        "CVMar 14, 2023\nCode\nA Badge Below\n\nAnna Berg · mit\n\nAn abstract.\n",  # spaced
        "CVMar 14, 2023\nCode\n\nA Badge Below\n\nAnna Berg · mit\n\nAn abstract.\n",
        "CVMar 14, 2023\nCode\nA Badge BelowAnna Berg · mit\nAn abstract.\n",  # compact
    ],
)
def test_the_code_badge_on_a_line_of_its_own_is_the_badge_not_the_title(entry: str) -> None:
    result = parse(entry)
    (draft,) = result.drafts
    assert (draft.title, draft.authors, draft.abstract, draft.has_code) == (
        "A Badge Below", ("Anna Berg",), "An abstract.", True,
    )  # fmt: skip
    assert not result.problems


def test_an_absurdly_long_score_is_ignored_with_a_warning() -> None:
    result = parse(
        "CLOct 19, 2022\nFirst TitleAnna Berg\nAbs.\n" + "9" * 400 + "CLOct 20, 2022\nSecond TitleAnna Berg\nAbs.\n"
    )
    assert [d.title for d in result.drafts] == ["First Title", "Second Title"]
    assert result.drafts[1].score is None
    assert [(p.line, "out of range" in p.message) for p in result.problems] == [(4, True)]


def test_year_override_and_future_dates() -> None:
    entry = "LGDec 28\nA Title\n\nAnna Berg\n\nAbstract.\n"
    assert one(entry).date == dt.date(2025, 12, 28)  # Dec 28, 2026 is after "today"
    assert one(entry, year=2019).date == dt.date(2019, 12, 28)
    assert one(entry, today=dt.date(2026, 12, 31)).date == dt.date(2026, 12, 28)


def test_impossible_date_is_a_warning_not_a_crash() -> None:
    result = parse("CLFeb 30, 2024\nA Title\n\nAnna Berg\n\nAbstract.\n")
    assert result.drafts[0].date is None
    assert [(p.line, p.severity) for p in result.problems] == [(1, "warning")]
    assert "Feb 30, 2024" in result.problems[0].message


def test_line_endings_bom_and_blank_runs_do_not_matter() -> None:
    base = one(LAYOUT_A.split("\n\n", 4)[-1])
    crlf = "\ufeff" + LAYOUT_A.replace("\n", "\r\n")
    cr = LAYOUT_A.replace("\n", "\r")
    spaced = LAYOUT_A.replace("\n\n", "\n   \n\n\n").replace("Smoke\n", "Smoke  \n")
    for variant in (crlf, cr, spaced):
        assert parse(variant).drafts[1].title == "Untitled Workshop Note"
        first = parse(variant).drafts[0]
        assert (first.title, first.authors, first.code_urls) == (
            "Seeing Through Smoke",
            ("Ana-Lucía Ferreira", "Kenji Mori", "Mira Costa"),
            ("https://github.com/ana/smoke",),
        )
    assert base.title == "Untitled Workshop Note"
    assert parse_bytes(crlf.encode("utf-8"), today=TODAY).drafts[0].title == "Seeing Through Smoke"
    handed = bytearray(crlf.encode("utf-8"))  # a file handed over: emptied once decoded
    assert parse_bytes(handed, today=TODAY) == parse(crlf) and handed == bytearray()


def test_layout_is_decided_per_entry() -> None:
    text = (
        "CLOct 19, 2022\nA Spaced Entry\n\nAnna Berg, Jon Fry\n\nAbstract A.\n"
        "CLOct 20, 2022\nA Compact EntryJon Fry, Anna Berg\nAbstract B.\n"
    )
    a, b = parse(text).drafts
    assert (a.title, a.authors, a.abstract) == ("A Spaced Entry", ("Anna Berg", "Jon Fry"), "Abstract A.")
    assert (b.title, b.authors, b.abstract) == ("A Compact Entry", ("Jon Fry", "Anna Berg"), "Abstract B.")


def test_truncated_last_entry_is_imported_with_a_warning_naming_its_line() -> None:
    result = parse(LAYOUT_A + "\nLGOct 27, 2023\nOrthogonal Adapters\n")
    assert [d.title for d in result.drafts][-1] == "Orthogonal Adapters"
    assert result.drafts[-1].authors == ()
    (problem,) = result.problems
    assert problem.line == 24 and problem.severity == "warning" and "truncated" in problem.message


@pytest.mark.parametrize(
    ("entry", "line"),
    [
        ("CVMar 3, 2023Code\n\nAnna Berg, Jon Fry · eth-zurich\n\nAn abstract. It has sentences.\n", 3),  # spaced
        ("CVMar 3, 2023\nAnna Berg, Jon Fry et al. · mit\nAn abstract. It has sentences.\n", 2),  # compact
        ("CVMar 3, 2023\n\nAnna Berg et al.\n\nAn abstract.\n", 3),
    ],
)
def test_an_entry_whose_title_was_lost_is_skipped_not_stored_under_its_authors(entry: str, line: int) -> None:
    """The line after the meta line is the authors line: the paste lost the title. Storing the authors as the
    title (and the abstract as the authors) would make a paper no one can find; the entry is named and left out."""
    result = parse(entry + "CLOct 19, 2022\nA Compact EntryJon Fry, Anna Berg · mit\nAbstract B.\n")
    assert [(d.title, d.authors) for d in result.drafts] == [("A Compact Entry", ("Jon Fry", "Anna Berg"))]
    (problem,) = result.problems
    assert (problem.line, problem.skipped) == (line, 1)
    assert problem.message.startswith("expected the entry's title, found its authors ('Anna Berg")


@pytest.mark.parametrize(
    "entry",
    [
        "SDJan 4, 2020\n\nSpeech · Music Separation\n\nOnly Author\n\nAn abstract. It has sentences.\n",
        "SDJan 4, 2020\n\nSpeech · Music Separation\n\nOnly Author, Jon Fry · mit\n\nAn abstract.\n",
        "SDJan 4, 2020\nSpeech · Music Separation\nOnly Author et al. · mit\nAn abstract.\n",
    ],
)
def test_a_title_with_a_middle_dot_followed_by_its_authors_is_a_title(entry: str) -> None:
    """A title may read as ``Name · affiliation``; the authors line under it says it is the title."""
    result = parse(entry)
    assert [(d.title, d.authors[0], d.abstract[:11]) for d in result.drafts] == [
        ("Speech · Music Separation", "Only Author", "An abstract")
    ]
    assert not result.problems


def test_a_whole_page_pasted_keeps_its_entries_and_notes_the_pages_own_words() -> None:
    """A user who selects the whole page brings its name, buttons and labels along: they are noted,
    not warned about, and a button after the last entry does not join its abstract."""
    page = (
        "Ana Berg\nUniversity of Tests\nFollow\nh-index12\n40papers\n\n40 Papers\nSort by: Newest\n\n"
        "CVMar 3, 2023Code\nA Spaced Entry\n\nAna Berg, Jon Fry · mit\n\nIt works. Really (mostly).\n\n"
        "CLOct 19, 2022\nA Compact EntryJon Fry, Ana Berg · mit\nThe abstract ends here.\nLoad more\n\nBack To Top\n"
    )
    result = parse(page)
    assert [(d.title, d.abstract) for d in result.drafts] == [
        ("A Spaced Entry", "It works. Really (mostly)."),
        ("A Compact Entry", "The abstract ends here."),
    ]
    assert [(p.line, p.severity) for p in result.problems] == [(1, "note"), (2, "note"), (3, "note"), (8, "note"),
                                                               (20, "note"), (22, "note")]  # fmt: skip
    assert result.problems[-1].message == "page text after the last entry ignored: 'Back To Top'"
    assert result.profile is not None and result.profile.papers == 40


@pytest.mark.parametrize(
    "abstract",
    [
        "We list them as follows:\n\nResults Table",  # no sentence ends before it: the abstract's own
        "xxxxbbb",  # an abstract of one word
        "We test.\n\nCode: see the repository",
        "We test.\n\nFour Words Right Here",
        "We test.\n\nlowercase words",
    ],
)
def test_the_last_abstracts_own_words_stay(abstract: str) -> None:
    result = parse(f"CVMar 3, 2023\nTitle Here\n\nAna Berg · mit\n\n{abstract}\n")
    assert result.drafts[0].abstract == abstract and not result.problems


def test_prose_before_the_first_entry_is_a_warning() -> None:
    """A long line before the first meta line may be an entry that lost its meta line."""
    result = parse(
        "We propose a method that works well. It is tested on many sets.\n\nCVMar 3, 2023\nT\n\nAna Berg\n\nA.\n"
    )
    (problem,) = result.problems
    assert problem.severity == "warning" and problem.message.startswith("text before the first entry ignored")


@pytest.mark.parametrize(
    "authors",
    ["Ana Lima, Bo Chen and Cy Doe", "Ana Lima, Bo Chen, and Cy Doe", "Ana Lima, Bo Chen & Cy Doe"],
)
def test_an_and_before_the_last_name_separates_names(authors: str) -> None:
    draft = one(f"CVMar 14, 2023\nCats and Dogs\n\n{authors} · mit\n\nAn abstract.\n")
    assert (draft.title, draft.authors, draft.affiliations) == (
        "Cats and Dogs",
        ("Ana Lima", "Bo Chen", "Cy Doe"),
        ("mit",),
    )


def test_entry_without_abstract_keeps_its_authors() -> None:
    result = parse("CLOct 19, 2022\nA Compact EntryJon Fry, Anna Berg\n")
    assert result.drafts[0].authors == ("Jon Fry", "Anna Berg")
    assert "no abstract" in result.problems[0].message


@pytest.mark.parametrize("text", ["", "   \n\n", "# README\n\nThis project parses things.\n", "CL\nOct 19\n"])
def test_text_without_entries_is_an_error(text: str) -> None:
    result = parse(text)
    assert result.drafts == ()
    (problem,) = result.errors
    assert "expected a profile dump" in problem.message


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, b"abc\xff\xfe\xfd", b"\x00" * 100],
    ids=["png", "invalid-utf8", "nul"],
)
def test_binary_input_is_an_error(data: bytes) -> None:
    result = parse_bytes(data, today=TODAY)
    assert result.drafts == () and result.errors
    assert "expected a UTF-8 text file" in result.errors[0].message


def test_utf16_with_bom_is_decoded() -> None:
    data = "\ufeffCLOct 19, 2022\nA TitleAnna Berg\nAbstract.\n".encode("utf-16")
    assert parse_bytes(data, today=TODAY).drafts[0].title == "A Title"


def test_text_is_stored_exactly_as_written() -> None:
    abstract = "Uses \\textbf{bold}  and $x^2$ with  two spaces.\n\nSecond paragraph."
    draft = one(f"CLOct 19, 2022\nA [bold] Title\n\nAnna Berg\n\n{abstract}\n")
    assert draft.abstract == abstract
    assert draft.title == "A [bold] Title"


def test_same_title_twice_in_a_file_is_left_to_the_store() -> None:
    """The parser reads what is there; whether two entries are one paper is the store's identity rule."""
    text = "CLOct 19, 2022\nSame TitleAnna Berg\nOld.\nCLOct 20, 2022\nSame  title!Anna Berg\nNew.\n"
    result = parse(text)
    assert [d.abstract for d in result.drafts] == ["Old.", "New."]
    assert not result.problems


def test_same_title_twice_in_a_file_is_stored_once_with_the_later_fields(empty_store) -> None:
    text = "CLOct 19, 2022\nSame TitleAnna Berg\nOld.\nCLOct 20, 2022\nSame  title!Anna Berg\nNew.\n"
    report = empty_store.import_drafts(parse(text), "a.txt")
    assert report.added == 1 and empty_store.get(1).abstract == "New."
    assert [p.message for p in report.problems] == ["the same paper as line 1 (same title, year and authors); merged"]


def test_owner_is_the_most_frequent_author() -> None:
    text = "".join(
        f"CLOct {i}, 2022\nTitle Number {i}{authors}\nAbstract.\n"
        for i, authors in enumerate(["Ana Li, Bo Wu", "Cy Do, Bo Wu", "Bo Wu, Ed Ng"], start=1)
    )
    assert parse(text).owner == "Bo Wu"
    assert parse("CLOct 1, 2022\nLonely TitleAna Li\nAbstract.\n").owner is None


def test_the_name_a_pasted_page_shows_above_its_entries_is_its_owner() -> None:
    """Pasted whole, the page names its researcher first: that name, when it is an author below,
    owns the profile, even with one entry or a more frequent co-author."""
    entries = "".join(
        f"CLOct {i}, 2022\nTitle Number {i}{authors}\nAbstract.\n"
        for i, authors in enumerate(["Ana Li, Bo Wu", "Cy Do, Bo Wu"], start=1)
    )
    assert parse("Ana Li\nFollow\nh-index3\n\n" + entries).owner == "Ana Li"
    assert parse("Follow\nEd Ng\n\n" + entries).owner == "Bo Wu"  # a name no entry has: the usual rule
    assert parse("Ana Li\n\nCLOct 1, 2022\nLonely TitleAna Li\nAbstract.\n").owner == "Ana Li"


def test_demo_dumps_parse_without_surprises() -> None:
    for name, data in demo_files():
        result = parse_bytes(data, today=TODAY)
        assert len(result.drafts) == 20, name
        assert not result.errors
        for draft in result.drafts:
            assert draft.title and draft.title == draft.title.strip()
            assert draft.category and draft.date
            assert draft.authors or "truncated" in " ".join(p.message for p in result.problems)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_parser_never_raises_on_any_text(text: str) -> None:
    parse(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["CLOct 19, 2022Code", "95.2LGMar 16", "CVFeb 30, 2024", "", " · ", "et al."]),
            st.text(max_size=80),
        ),
        max_size=30,
    )
)
def test_parser_never_raises_on_dump_like_lines(lines: list[str]) -> None:
    result = parse("\n".join(lines))
    for draft in result.drafts:
        assert draft.title.strip()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_parse_bytes_never_raises(data: bytes) -> None:
    parse_bytes(data, today=TODAY)


def test_indented_abstract_lines_lose_their_indentation() -> None:
    paper = one("CLOct 19, 2022\nTidy TextAnna Berg\n    First line, indented.\n\t  Second line.  \n")
    assert paper.abstract == "First line, indented.\nSecond line."


def test_the_code_marker_alone_does_not_make_a_link_code() -> None:
    paper = one(
        "CLOct 19, 2022Code\nA Video PaperAnna Berg\nA video is at https://vimeo.com/42; code will be made available.\n"
    )
    assert paper.has_code and paper.links == ("https://vimeo.com/42",) and paper.code_urls == ()
