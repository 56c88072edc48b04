"""The search engine: query language, ranking on a fixed corpus, facets, properties."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from store import Paper, ReadStatus, SearchCancelled, SearchIndex, parse_query
from store.query import SORTS, facet_filters
from store.search import (
    _STATUS_ORDER,
    _WORD,
    _Match,
    _merge,
    _phrase_spans,
    _spans,
    _word_pattern,
    personal_of,
    record_of,
)
from store.segment import Segment, StringTable
from store.text import normalize
from tests.conftest import assert_same_segment

CORPUS = [
    # id, title, authors, category, date, status, extra
    (1, "The Devil in Linear Transformer", ("Zhen Qiu", "XiaoDong Han"), "CL", "2022-10-19", "unread", {}),
    (2, "Toeplitz Neural Network for Sequence Modeling", ("Zhen Qiu", "Wei Sun"), "CL", "2023-05-08", "read", {}),
    (3, "Linear Attention Sequence Parallelism", ("Wei Sun", "Zhen Qiu"), "LG", "2024-04-03", "reading", {}),
    (4, "Transformers for Image Recognition at Scale", ("Ana Berg",), "CV", "2021-01-10", "unread", {}),
    (5, "Dense Retrieval with Hard Negatives", ("Amara Okafor", "Ana Berg"), "IR", "2023-02-01", "unread",
     {"abstract": "We mine hard negatives for a transformer retriever.", "has_code": True}),
    (6, "Listwise Reranking with Sequence Models", ("Amara Okafor",), "IR", "2024-06-01", "read",
     {"note": "Compare with the pairwise zanzibar baseline.", "tags": ("to-review",)}),
    (7, "Query Expansion for Multilingual Retrieval", ("José Ramírez", "Amara Okafor"), "IR", "2022-03-03", "unread",
     {"affiliations": ("upf",)}),
    (8, "Sparse Mixture Routing for Translation", ("Mira Costa",), "CL", "2024-03-03", "unread",
     {"affiliations": ("tsinghua",), "has_code": True}),
    (9, "Graph Neural Networks Meet Retrieval", ("Li Wen", "Mira Costa"), "LG", "2020-07-07", "unread", {}),
    (10, "A Survey of Linear Attention", ("Pieter van den Berg",), "LG", "2025-01-01", "unread",
     {"abstract": "Linear transformers reduce quadratic cost.", "tags": ("survey", "to-review")}),
]  # fmt: skip


def make(pid, title, authors, category, date, status, extra) -> Paper:
    return Paper(
        id=pid,
        title=title,
        authors=authors,
        authors_truncated=False,
        affiliations=extra.get("affiliations", ()),
        category=category,
        date=dt.date.fromisoformat(date),
        date_has_year=True,
        score=None,
        has_code=extra.get("has_code", False),
        abstract=extra.get("abstract", ""),
        links=(),
        code_urls=(),
        status=ReadStatus(status),
        status_changed_at=None,
        note=extra.get("note", ""),
        note_updated_at=None,
        tags=extra.get("tags", ()),
        sources=("a.txt",) if pid % 2 else ("b.txt",),
        owners=("Zhen Qiu",) if pid % 2 else (None,),
        added_at=f"2026-01-{pid:02d}T00:00:00Z",
    )


PAPERS = [make(*row) for row in CORPUS]
BY_ID = {p.id: p for p in PAPERS}


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.from_papers(PAPERS)


def ids(index: SearchIndex, query: str, **kwargs) -> list[int]:
    return list(index.query(query, **kwargs).ids)


def hit(index: SearchIndex, query: str):
    result = index.query(query)
    paper = BY_ID[result.ids[0]]
    return result.highlight(paper.id, paper.title, ", ".join(paper.authors))


RANKING = [
    ("trnsformer linar", [1, 10]),  # typos in both words, any order; the title beats the abstract
    ("linar trnsformer", [1, 10]),
    ("linear transformer", [1, 10]),  # title match above an abstract match
    ("linear", [10, 3, 1]),  # equal title matches: newest first
    ("transf", [1, 4, 5]),  # prefix in titles (the closer completion first), then the abstract
    ("TNN", [2]),  # acronym of the title
    ("qiu", [3, 2, 1]),  # author only, newest first
    ("okafor retrieval", [5, 7]),
    ("jose ramirez", [7]),  # accents folded
    ("van den berg", [10]),
    ("zanzibar", [6]),  # note
    ("hard negatives", [5]),
    ('"sequence models"', [6]),
    ('"models sequence"', []),
    ("author:okafor", [6, 5, 7]),
    ("title:retrieval", [5, 7, 9]),
    ("abstract:quadratic", [10]),
    ("aff:tsinghua", [8]),
    ("retrieval -okafor", [9]),
    ("cat:IR,CL -is:read", [8, 5, 1]),
    ("year:2022..2023", [2, 5, 1]),
    ("year:>=2025", [10]),
    ("has:code", [8, 5]),
    ("tag:to-review", [10, 6]),
    ("is:reading", [3]),
    ("from:zhen", [3, 5, 1]),  # the profile owner of the odd-numbered papers' source
    # What the user sees while still typing: an open phrase ends in a prefix, an unfinished word
    # with a typo finds the words it begins, two words find the compound they spell.
    ('"linear t', [1, 10]),  # found in a title above found in an abstract
    ('"linear trans', [1, 10]),
    ('"linear trans"', []),  # a closed phrase holds whole words
    ('-"linear t', [6, 3, 8]),
    ("rernk okafr", [6]),
    ("reranc", [6]),
    ("rerak", [6]),
    ("multi lingual", [7]),
    ("multi lingual retrieval", [7]),
]


@pytest.mark.parametrize(("query", "expected"), RANKING, ids=[q for q, _ in RANKING])
def test_ranking_on_a_fixed_corpus(index: SearchIndex, query: str, expected: list[int]) -> None:
    assert ids(index, query)[:3] == expected


def test_a_whole_word_scores_its_fields_weight_and_longer_words_it_begins_less() -> None:
    """Each word a prefix reaches scores by its own length, however many papers hold it."""
    papers = [
        make(1, "Graph", ("Ana Lee",), "LG", "2024-01-01", "unread", {}),
        make(2, "Graphs", ("Ana Lee",), "LG", "2024-01-01", "unread", {}),
        make(3, "Graphical", ("Ana Lee",), "LG", "2024-01-01", "unread", {}),
        make(4, "Graphs Again", ("Ana Lee",), "LG", "2024-01-01", "unread", {}),
    ]
    result = SearchIndex.from_papers(papers).query("graph")
    scores = {i: result.highlight(i, papers[i - 1].title, "Ana Lee").score for i in result.ids}
    expected = {1: 1.0, 2: 0.75 + 0.2 * 5 / 6, 3: 0.75 + 0.2 * 5 / 9, 4: 0.75 + 0.2 * 5 / 6}
    assert scores == pytest.approx(expected, abs=1e-4)  # hits carry 4 decimals


@given(st.data())
def test_the_best_rows_by_level_are_those_a_whole_partition_picks(data) -> None:
    """The first page of a ranked result: the rows of the highest relevance levels, the newest of
    the level the page cuts across, as a partition of every match by (-level, date rank) gives."""
    from store.search import _best

    size = data.draw(st.integers(2, 300))
    tie_rank = np.random.default_rng(data.draw(st.integers(0, 2**16))).permutation(size + 50)
    rows = np.sort(np.random.default_rng(size).choice(size + 50, size, replace=False))
    levels = np.array(data.draw(st.lists(st.integers(0, 6), min_size=size, max_size=size)), dtype=np.int64) * 350
    limit = data.draw(st.integers(1, size - 1))
    got_rows, got_levels = _best(rows, levels, tie_rank, limit)
    key = -levels * 10_000 + tie_rank[rows]
    assert sorted(got_rows.tolist()) == sorted(rows[np.argsort(key)[:limit]].tolist())
    assert np.array_equal(got_levels, levels[np.searchsorted(rows, got_rows)])


def test_a_word_typed_before_is_scored_once_per_snapshot() -> None:
    """Typing "linear a" after "linear " scores "linear" once; a new snapshot scores afresh."""
    index = SearchIndex.from_papers(PAPERS)
    with mock.patch.object(SearchIndex, "_match", autospec=True, side_effect=SearchIndex._match) as match:
        index.query("linear ")
        index.query("linear a")
        index.query("linear at")
        assert [c.args[1] for c in match.call_args_list] == ["linear", "a", "at"]
        index.patched([], personal_of([])).query("linear at")
        assert [c.args[1] for c in match.call_args_list][3:] == ["linear", "at"]


def _scored_afresh(index: SearchIndex, query: str):
    """What a query answers with every word scored anew, nothing remembered."""
    with mock.patch.object(SearchIndex, "_term", lambda self, term, fuzzy=True: self._scored_afresh(term, fuzzy)):
        return index.query(query)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["linear", "atention", "qiu", "transformers", "-neural", "title:transformers", "x"])))
@example(["transformers", "title:transformers"])
def test_words_remembered_answer_as_words_scored_afresh(words: list[str]) -> None:
    """A query typed key by key, words added and erased, answers from remembered words as it would
    with every word scored anew."""
    index = SearchIndex.from_papers(PAPERS)
    typed = ""
    for word in words[:9]:
        for text in (*(typed + word[:i] for i in range(1, len(word) + 1)), typed):  # typed, then erased
            got, fresh = index.query(text), _scored_afresh(index, text)
            assert got.ids == fresh.ids and got.facets == fresh.facets, text
        typed += word + " "


def test_empty_query_lists_everything_in_the_chosen_order(index: SearchIndex) -> None:
    assert ids(index, "") == [10, 6, 3, 8, 2, 5, 1, 7, 4, 9]
    assert ids(index, "", sort="title")[:3] == [5, 1, 9]  # Dense, (The) Devil, Graph: articles skipped
    assert ids(index, "", sort="status")[:1] == [3]
    assert ids(index, "", sort="added")[:2] == [10, 9]
    assert index.query("", sort="colour").messages


def test_hits_carry_highlight_spans(index: SearchIndex) -> None:
    assert hit(index, "trnsformer linar").title_spans == ((13, 19), (20, 31))  # "Linear", "Transformer"
    first = hit(index, "okaf")
    assert first.author_spans == ((6, 10),)  # "Okaf" of "Amara Okafor": the typed prefix only
    phrase = hit(index, '"hard negatives"')
    assert phrase.title_spans == ((21, 35),)
    assert hit(index, "rernk").title_spans == ((9, 15),)  # "Rerank" of "Reranking": the begun word
    assert hit(index, "multi lingual").title_spans == ((20, 32),)  # "Multilingual" of the compound
    assert hit(index, '"dense re').title_spans == ((0, 8),)


def why(index: SearchIndex, query: str, paper_id: int, limit: int = 5_000) -> dict[str, tuple[str, ...]]:
    result = index.query(query)
    assert result.explain is not None and paper_id in result.ids
    return result.explain(BY_ID[paper_id], limit).words


def test_why_names_the_words_that_matched_in_each_field(index: SearchIndex) -> None:
    assert why(index, "zanzibar", 6) == {"note": ("zanzibar",)}  # only in the note
    assert why(index, "quadratic", 10) == {"abstract": ("quadratic",)}
    # a later author: the whole name, as it is written
    assert why(index, "berg retrieval", 5) == {"title": ("Retrieval",), "authors": ("Ana Berg",)}
    assert why(index, "tsinghua", 8) == {"affiliations": ("tsinghua",)}
    assert why(index, "trnsformer", 10) == {"abstract": ("transformers",)}  # a typo, shown as written there
    assert why(index, '"hard negatives"', 5) == {"title": ("Hard Negatives",), "abstract": ("hard negatives",)}
    assert why(index, "author:okafor retrieval", 7)["authors"] == ("Amara Okafor",)


def test_why_respects_field_prefixes_short_words_and_the_limit(index: SearchIndex) -> None:
    assert why(index, "title:retrieval", 5) == {"title": ("Retrieval",)}  # not the abstract's "retriever"
    assert why(index, "abstract:quadratic", 10) == {"abstract": ("quadratic",)}
    assert why(index, "li", 10) == {"title": ("Li",)}  # a two-letter word: short fields only, not the abstract
    assert why(index, "quadratic", 10, limit=10) == {}  # past the limit nothing is read
    assert not index.query("").explain(BY_ID[1], 100)  # nothing typed: nothing to explain


def test_field_and_value_mistakes_are_messages(index: SearchIndex) -> None:
    result = index.query("colour:red year:soon is:done has:wings linear")
    assert len(result.messages) == 4
    assert set(result.ids) == {1, 3, 10}  # the rest of the query still works


def test_facets_count_the_whole_result_set(index: SearchIndex) -> None:
    facets = index.query("").facets
    assert facets["status"] == {"unread": 7, "queued": 0, "reading": 1, "read": 2}
    assert facets["category"] == {"CL": 3, "IR": 3, "LG": 3, "CV": 1}
    assert facets["code"] == {"with code": 2, "without code": 8}
    assert facets["tag"] == {"to-review": 2, "survey": 1}
    assert facets["source"] == {"Zhen Qiu": 5, "b.txt": 5}
    assert facets["affiliation"] == {"tsinghua": 1, "upf": 1}
    assert index.query("cat:IR").facets["status"] == {"unread": 2, "queued": 0, "reading": 0, "read": 1}


def test_a_new_snapshot_carries_the_users_changes(index: SearchIndex) -> None:
    four = dataclass_replace(PAPERS[3], status=ReadStatus.READ, note="quokka idea", tags=("vision",))
    assert four.id == 4
    local = index.patched([4], personal_of([four]))
    assert sorted(ids(local, "is:read")) == [2, 4, 6]
    assert ids(local, "tag:vision") == [4] and local.query("").facets["tag"]["vision"] == 1
    assert ids(local, "quokka") == []  # a note is text: it reaches the index through the delta
    local = local.with_delta(Segment.build([record_of(four)]), (), [4], personal_of([four]))
    noted = ids(index, "has:note")
    assert 4 not in noted
    assert ids(local, "quokka") == [4] and sorted(ids(local, "has:note")) == sorted([*noted, 4])
    assert ids(index, "quokka") == [] and ids(index, "tag:vision") == []  # the old snapshot is untouched
    cleared = dataclass_replace(four, note="", status=ReadStatus.UNREAD, tags=())
    local = local.with_delta(Segment.build([record_of(cleared)]), (), [4], personal_of([cleared]))
    assert ids(local, "quokka") == [] and ids(local, "tag:vision") == [] and ids(local, "has:note") == noted
    assert ids(local, "", sort="status")[0] == 3


def dataclass_replace(paper: Paper, **changes) -> Paper:
    import dataclasses

    return dataclasses.replace(paper, **changes)


def test_parse_query_handles_the_language() -> None:
    query = parse_query('author:qin -is:read year:2022..2023 "exact words" -"not these" cat:cl,cv plain')
    assert [(t.word, t.field) for t in query.terms] == [("qin", "author"), ("plain", None)]
    assert [(p.text, p.negated) for p in query.phrases] == [("exact words", False), ("not these", True)]
    assert [(f.field, f.negated) for f in query.filters] == [("is", True), ("year", False), ("cat", False)]
    assert query.filters[2].values == ("CL", "CV")
    assert parse_query("title:").terms == () and not parse_query("title:").messages


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_query_string_never_raises(text: str) -> None:
    index = SearchIndex.from_papers(PAPERS)
    result = index.query(text)
    assert result.total >= len(result.ids)


_FILTERS = ["is:read", "is:unread", "-is:read", "cat:IR", "cat:CL,LG", "year:2023", "year:>=2023", "has:code",
            "-has:code", "tag:to-review", "has:note", "from:a.txt"]  # fmt: skip


def _allowed(paper: Paper, token: str) -> bool:
    negated = token.startswith("-")
    name, value = token.lstrip("-").split(":")
    checks = {
        "is": lambda: paper.status.value == value,
        "cat": lambda: paper.category in value.upper().split(","),
        "year": lambda: paper.year >= 2023 if value.startswith(">=") else paper.year == int(value),
        "has": lambda: bool(paper.has_code) if value == "code" else bool(paper.note),
        "tag": lambda: value in paper.tags,
        "from": lambda: value in paper.sources,
    }
    return checks[name]() != negated


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_FILTERS), max_size=3), st.sampled_from(["", "linear", "retrieval", "okafor", "x"]))
def test_results_obey_filters_and_facets_sum_to_the_total(filters: list[str], words: str) -> None:
    index = SearchIndex.from_papers(PAPERS)
    result = index.query(" ".join([*filters, words]), limit=100)
    assert result.total == len(result.ids)
    for paper_id in result.ids:
        paper = BY_ID[paper_id]
        assert all(_allowed(paper, f) for f in filters)
    for facet in ("status", "category", "year", "code"):
        assert sum(result.facets[facet].values()) == result.total


_CHOICES = {
    "status": ["read", "unread"],
    "category": ["IR", "CL"],
    "year": ["2023", "2022"],
    "code": ["with code", "without code"],
    "source": ["a.txt", "b.txt"],
    "tag": ["survey", "to-review"],
}


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(_FILTERS), max_size=2),
    st.sampled_from(["", "linear", "retrieval", "okafor", "x", "-x"]),
    st.sets(st.sampled_from(list(_CHOICES)), max_size=3).flatmap(
        lambda facets: st.fixed_dictionaries(
            {f: st.lists(st.sampled_from(_CHOICES[f]), min_size=1, max_size=2, unique=True) for f in facets}
        )
    ),
    st.sets(st.sampled_from([p.id for p in PAPERS]), max_size=3),
)
def test_facets_count_the_papers_left_out_or_those_in_alike(filters: list[str], words: str, chosen, gone) -> None:
    """A search matching most of the library counts the papers it leaves out and takes them from the
    library's counts: the same counts as counting the papers in, whatever the filters chosen."""
    index = SearchIndex.from_papers(PAPERS).with_delta(None, gone, [], personal_of([]))  # rows of no paper now
    query = " ".join([*filters, words])
    counted = {}
    for share in (0.0, 2.0):  # always the papers left out; never
        with mock.patch("store.search._COUNT_LEFT_OUT_ABOVE", share):
            counted[share] = index.query(query, facet_filters=facet_filters(chosen)).facets
    assert counted[0.0] == counted[2.0]


_MERGE_QUERIES = ["", "linear", "atention", "qin", "tnn", "cat:IR", "has:note", "from:zhen", "aff:tsinghua", '"neural"']


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_merged_segment_answers_as_a_build_of_the_same_papers(data) -> None:
    from store.segment import SORT_ORDERS

    synthetic = __import__("tests.bench.synth", fromlist=["papers"]).papers(12, seed=3)
    pool = [*PAPERS, *(dataclass_replace(p, id=p.id + 100) for p in synthetic)]
    in_base = data.draw(st.lists(st.sampled_from(pool), unique_by=lambda p: p.id, max_size=len(pool)))
    changed = data.draw(st.lists(st.sampled_from(pool), unique_by=lambda p: p.id, max_size=8))
    edits = data.draw(st.lists(st.sampled_from(["Wombat retrieval", ""]), min_size=len(changed), max_size=len(changed)))
    removed = data.draw(st.sets(st.sampled_from([p.id for p in pool]), max_size=5))
    delta = [
        dataclass_replace(p, note=note, abstract=p.abstract + " quokka") for p, note in zip(changed, edits, strict=True)
    ]
    delta = [p for p in delta if p.id not in removed]
    final = {p.id: p for p in in_base if p.id not in removed} | {p.id: p for p in delta}
    base_segment = Segment.build(map(record_of, sorted(in_base, key=lambda p: p.id)))
    merged = Segment.merge(base_segment, Segment.build(map(record_of, sorted(delta, key=lambda p: p.id))), removed)
    expected = SearchIndex.from_papers(list(final.values()))
    got = SearchIndex(merged, personal=personal_of(final.values()))
    for query in [*_MERGE_QUERIES, "quokka", "wombat"]:
        for sort in ("relevance", *SORT_ORDERS):
            assert got.query(query, sort=sort, every_id=True).ids == expected.query(query, sort=sort, every_id=True).ids
        assert got.query(query).facets == expected.query(query).facets
    assert (
        len(merged) == len(final)
        and merged.vocab[:] == Segment.build(map(record_of, sorted(final.values(), key=lambda p: p.id))).vocab[:]
    )


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 60), st.sets(st.integers(1, 60), max_size=8), st.booleans())
def test_segments_merged_end_to_end_or_interleaved_are_the_segment_a_build_makes(
    split: int, removed: set[int], interleaved: bool
) -> None:
    """Every array equal: the end-to-end join (no sort) and the general merge lay postings out alike;
    the parts are left as they were (a part's rows are moved in place only when read into a new array)."""
    records = [record_of(p) for p in __import__("tests.bench.synth", fromlist=["papers"]).papers(60, seed=5)]
    parts = [records[1::2], records[0::2]] if interleaved else [records[:split], records[split:]]
    segments = [Segment.build(part) for part in parts]
    before = [{name: array.copy() for name, array in segment._arrays.items()} for segment in segments]
    merged = Segment.merge(segments[0], segments[1], removed - {r.id for r in parts[1]})
    kept = [r for r in records if r.id not in removed or r in parts[1]]  # a delta's paper replaces, never goes
    assert_same_segment(merged, Segment.build(kept))
    for segment, arrays in zip(segments, before, strict=True):
        assert all(np.array_equal(segment._arrays[name], array) for name, array in arrays.items())


@given(st.sets(st.text("abc", max_size=3)), st.sets(st.text("abc", max_size=3)))
def test_two_vocabularies_are_joined_in_order_each_word_where_it_belongs(base: set[str], delta: set[str]) -> None:
    from store.segment import _union

    union, (base_map, delta_map) = _union(sorted(base), sorted(delta))
    assert union == sorted(base | delta)
    assert [union[i] for i in base_map.tolist()] == sorted(base)
    assert [union[i] for i in delta_map.tolist()] == sorted(delta)


@settings(max_examples=30, deadline=None)
@given(st.sets(st.integers(1, 60), max_size=30))
def test_a_segment_less_removed_papers_is_the_segment_a_build_of_the_rest_makes(removed: set[int]) -> None:
    """A fold with no delta (papers only deleted) keeps the base's vocabulary, less words gone with them."""
    records = [record_of(p) for p in __import__("tests.bench.synth", fromlist=["papers"]).papers(60, seed=5)]
    merged = Segment.merge(Segment.build(records), None, removed)
    assert_same_segment(merged, Segment.build([r for r in records if r.id not in removed]))


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 300), st.lists(st.tuples(st.integers(0, 299), st.integers(0, 11)), max_size=600), st.data())
def test_postings_with_bitmaps_list_every_word_as_plain_lists_do(size: int, pairs: list, data) -> None:
    """Words in more than one row in 32 keep a bitmap; every span reads as the plain lists would."""
    from store.segment import Postings

    found = sorted({(word, row % size) for row, word in pairs})
    lists = {word: [row for w, row in found if w == word] for word in range(12)}
    rows = np.array([row for _, row in found], dtype=np.int32)
    words = np.array([word for word, _ in found], dtype=np.int32)
    given = [rows, words]
    postings = Postings.build(given, 12, size)
    assert given == []  # taken over: at 1M papers the arrays are let go before the sort
    assert postings.dense.tolist() == [w for w in range(12) if len(lists[w]) * 32 > size]
    assert postings.rows.size == sum(len(lists[w]) for w in range(12) if w not in postings.dense.tolist())
    assert postings.counts().tolist() == [len(lists[w]) for w in range(12)]
    lo = data.draw(st.integers(0, 12))
    hi = data.draw(st.integers(lo, 12))
    for _ in range(2):  # read from the bitmaps, then from those decoded last time
        got_rows, counts = postings.span(lo, hi)
        got_words = np.repeat(np.arange(lo, hi), counts)
        assert list(zip(got_words.tolist(), got_rows.tolist(), strict=True)) == [p for p in found if lo <= p[0] < hi]
    assert postings.expanded()[0].tolist() == [row for _, row in found]
    cut = data.draw(st.integers(0, size))
    halves = [[p for p in found if (p[1] < cut) == first] for first in (True, False)]
    block = data.draw(st.integers(1, 40))  # rows laid out at a time: a word's rows may span blocks
    parts = [(np.array([r for _, r in h], np.int32), np.bincount([w for w, _ in h], minlength=12)) for h in halves]
    with mock.patch("store.segment._LAY_ROWS", block):
        laid = Postings.concatenated(parts, size)
    assert parts == []  # each part let go once laid out
    for name, array in laid.arrays("f").items():
        assert np.array_equal(array, postings.arrays("f")[name]), name


def test_bitmaps_read_again_come_from_a_bounded_memory_of_the_last_ones_read() -> None:
    from store.segment import Postings

    size, words = 100, 12
    rows = np.tile(np.arange(size, dtype=np.int32), words)
    postings = Postings.build([rows, np.repeat(np.arange(words, dtype=np.int32), size)], words, size)
    assert postings.dense.size == words
    listed, _ = postings.expanded()  # every bitmap read once
    assert sum(r.size for r in postings._decoded.values()) <= 4 * size
    last = postings._decoded[words - 1]
    assert postings.span(words - 1, words)[0] is last and np.array_equal(listed[-size:], last)


def test_postings_that_do_not_add_up_are_named_before_any_is_read() -> None:
    from dataclasses import replace

    from store.segment import Postings

    rows = np.array([0, 1, 2, 3, 0], dtype=np.int32)
    postings = Postings.build([rows, np.array([0, 0, 0, 0, 1], dtype=np.int32)], 3, 64)  # word 0 in 4 of 64 rows
    assert postings.dense.tolist() == [0] and postings.inconsistency(3) is None
    assert postings.inconsistency(4) == "lists"
    assert replace(postings, bits=postings.bits.astype(np.float64)).inconsistency(3) == "bitmaps"
    assert replace(postings, bits=postings.bits[:, :-1]).inconsistency(3) == "bitmaps"
    assert replace(postings, dense=np.array([3], dtype=np.int32)).inconsistency(3) == "dense words"
    assert replace(postings, dense=np.array([1], dtype=np.int32)).inconsistency(3) == "dense words' lists"


def test_postings_offsets_are_half_width_while_they_fit_and_never_overflow() -> None:
    from store.segment import _indptr

    small = _indptr(np.array([3, 0, 2]))
    assert small.dtype == np.int32 and small.tolist() == [0, 3, 3, 5]
    huge = _indptr(np.array([2**31 - 1, 5]))  # a field with more postings than int32 counts
    assert huge.dtype == np.int64 and huge.tolist() == [0, 2**31 - 1, 2**31 + 4]


def test_facets_counted_after_the_rows_ignore_only_their_own_choice(index: SearchIndex) -> None:
    later = index.query("", facet_filters={"category": (parse_query("cat:IR,CL").filters[0],)}, facets=False)
    assert later.facets == {} and later.count_facets is not None
    facets = later.count_facets()
    assert facets["category"] == {"CL": 3, "IR": 3, "LG": 3, "CV": 1}
    assert facets["status"] == {"unread": 4, "queued": 0, "reading": 0, "read": 2}


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("query", ["", "linear", "retrieval okafor", "is:unread"])
def test_a_page_is_the_start_of_the_whole_order(index: SearchIndex, sort: str, query: str) -> None:
    """A list shows a page, then takes the whole order without redrawing: the page must be its start,
    ties included (statuses and scores tie; the order breaks them the same way at any length)."""
    whole = index.query(query, sort=sort, limit=0, every_id=True).ids
    for size in range(1, len(whole) + 1):
        page = index.query(query, sort=sort, limit=size, facets=False)
        assert page.ids == whole[:size] and page.order_all is not None and page.order_all() == whole
        assert type(page.order_all()[0]) is int


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_list_order_read_off_the_whole_order_is_the_order_a_partition_gives(data) -> None:
    """Where most rows match, a list order's page is read off the library's whole order (its rank
    inverted): the same rows, in the same order, as a partition of the matches by rank, with a
    delta's rows and removed rows among them and at any page length."""
    synthetic = __import__("tests.bench.synth", fromlist=["papers"]).papers(50, seed=data.draw(st.integers(0, 9)))
    statuses = data.draw(st.lists(st.sampled_from(list(ReadStatus)), min_size=50, max_size=50))
    synthetic = [dataclass_replace(p, status=status) for p, status in zip(synthetic, statuses, strict=True)]
    index = SearchIndex.from_papers(synthetic[:40])
    delta = [dataclass_replace(p, id=p.id + 1000) for p in synthetic[40:]]
    gone = data.draw(st.sets(st.sampled_from([p.id for p in synthetic[:40]]), max_size=6))
    index = index.with_delta(Segment.build(map(record_of, delta)), gone, [p.id for p in delta], personal_of(delta))
    alive = np.flatnonzero(index._alive)
    held = data.draw(st.integers(len(alive) // 2 + 1, len(alive)))
    rows = np.sort(np.random.default_rng(held).choice(alive, held, replace=False))
    mask = np.zeros(index._n, dtype=bool)
    mask[rows] = True
    relevance = np.zeros(index._n, dtype=np.float32)
    limit = data.draw(st.integers(1, held))
    for sort in ("date", "title", "score", "status", "added"):
        read = index._order(rows, relevance, sort, limit, mask=mask)
        assert read.tolist() == index._order(rows, relevance, sort, limit).tolist()
    by_status_then_date = np.lexsort((index._rank("date"), _STATUS_ORDER[index._status]))
    assert index._status_order.tolist() == by_status_then_date.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 40), max_size=30), st.integers(-45, 45), st.integers(-45, 45), st.integers(0, 41))
def test_a_whole_order_of_ids_answers_as_a_tuple_of_them_does(ids: list[int], i: int, j: int, value: int) -> None:
    """The whole order a list takes (``order_all``) is a numpy array behind a sequence: every
    question the list and the actions ask of it gets a tuple's answer, in plain ints."""
    from store.search import PaperIds

    held, expected = PaperIds(np.array(ids, dtype=np.int64)), tuple(ids)
    assert len(held) == len(expected) and list(held) == list(expected) and held == expected and expected == held
    assert (held == tuple(sorted(ids))) == (expected == tuple(sorted(ids))) and held != (*expected, 0)
    assert held[i:j] == expected[i:j] and held[i::2] == expected[i::2] and type(held[i:j]) is tuple
    assert all(type(paper_id) is int for paper_id in held[i:j])  # SQLite binds a Python int only
    if -len(ids) <= i < len(ids):
        assert held[i] == expected[i] and type(held[i]) is int
    else:
        with pytest.raises(IndexError):
            held[i]
    assert (value in held) == (value in expected) and ("3" in held) is False
    for start, stop in ((0, None), (i, None), (i, j)):
        try:
            want: int | None = expected.index(value, start, len(ids) if stop is None else stop)
        except ValueError:
            want = None
        if want is None:
            with pytest.raises(ValueError):
                held.index(value, start, stop)
        else:
            assert held.index(value, start, stop) == want


_LETTERS = "abcdeéfgioßﬁ_3 -'"
_words = st.text(alphabet="abcdefgio3", min_size=1, max_size=5)


def _spans_word_by_word(text: str, matches: list[_Match], phrases: list[str]) -> tuple[tuple[int, int], ...]:
    """The highlighter as it was before one regex replaced its loop: the oracle for the one now."""
    if not text or (not matches and not phrases):
        return ()
    spans: list[tuple[int, int]] = []
    fuzzy_words = {w for m in matches for w in m.fuzzy_words}
    typo_prefixes = tuple({w for m in matches for w in m.typo_prefixes})
    longest_first = sorted(matches, key=lambda m: -len(m.word))  # a compound before the word it begins with
    folded_text = normalize(text)
    aligned = len(folded_text) == len(text)
    for token in _WORD.finditer(folded_text if aligned else text):
        folded = token.group() if aligned else normalize(token.group())
        for match in longest_first:
            if folded == match.word or folded in fuzzy_words:
                spans.append(token.span())
                break
            if folded.startswith(match.word):
                end = token.start() + len(match.word) if aligned else token.end()
                spans.append((token.start(), end))
                break
        else:
            typo = next((p for p in typo_prefixes if folded.startswith(p)), None)
            if typo is not None:
                spans.append((token.start(), token.start() + len(typo) if aligned else token.end()))
    if aligned:
        spans += _phrase_spans(folded_text, phrases)  # phrases are found as they were; words are what changed
    return _merge(spans)


@settings(max_examples=400, deadline=None)
@given(
    words=st.lists(st.tuples(_words, st.sets(_words, max_size=3)), min_size=1, max_size=3),
    typo=st.one_of(st.none(), _words),
    phrases=st.lists(st.text(alphabet="abcdefg ", min_size=1, max_size=5), max_size=2),
    data=st.data(),
)
def test_highlights_are_those_the_word_by_word_highlighter_found(
    words: list[tuple[str, set[str]]], typo: str | None, phrases: list[str], data: st.DataObject
) -> None:
    """One regex over the text finds the ranges a loop over its words did: whole typo words, the
    longest query word a word begins with, typo prefixes, phrases, and whole words where folding
    changes the text's length (ß, ﬁ). At most one typo prefix: the loop took whichever came first."""
    matches = [_Match(word, fuzzy_words=fuzzy) for word, fuzzy in words]
    if typo is not None:
        matches[0].typo_prefixes = {typo}
    known = [w for word, fuzzy in words for w in (word, *fuzzy)] + ([typo] if typo else [])
    word = st.tuples(st.sampled_from(known), st.sampled_from(["", "ab", "é", "ß"])).map("".join)
    pieces = st.lists(st.tuples(st.one_of(word, st.text(alphabet=_LETTERS, max_size=6)), st.sampled_from(" -_é")))
    text = "".join(piece + gap for piece, gap in data.draw(pieces.filter(lambda p: len(p) <= 8)))
    assert _spans(text, _word_pattern(matches), phrases) == _spans_word_by_word(text, matches, phrases)


@pytest.mark.parametrize(
    ("text", "words", "typo", "spans"),
    [
        ("Linear models, linearity", ["line", "linear"], None, ((0, 6), (15, 21))),  # the longer word wins
        ("Attentive attention", ["attention"], "atten", ((0, 5), (10, 19))),  # a word before a typo prefix
        ("Straße straßen", ["strasse"], None, ((0, 6), (7, 14))),  # folding lengthens ß: whole words
    ],
)
def test_a_word_is_highlighted_as_far_as_the_longest_query_word_it_begins_with(
    text: str, words: list[str], typo: str | None, spans: tuple[tuple[int, int], ...]
) -> None:
    matches = [_Match(word, typo_prefixes={typo} if typo else set()) for word in words]
    assert _spans(text, _word_pattern(matches), []) == _spans_word_by_word(text, matches, []) == spans


def test_typo_matching_is_prepared_before_the_first_typo(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A screen prepares typo matching while its first page is read: the first query with a typo then
    decodes no word of a vocabulary read from a file (the words it may stand for are ready)."""
    path = tmp_path / "index"
    Segment.build(map(record_of, PAPERS)).save(path, {}, install=lambda replace: replace())
    index = SearchIndex(Segment.load(path)[0], personal=personal_of(PAPERS))
    expected = ids(SearchIndex.from_papers(PAPERS), "trnsformer")
    index.prepare_typos()

    def decoding(*_: object) -> list[str]:
        raise AssertionError("typo candidates decoded during a query")

    monkeypatch.setattr(StringTable, "pick", decoding)
    assert expected and ids(index, "trnsformer") == expected


def _counting_index(papers: list[Paper]) -> tuple[SearchIndex, list[int]]:
    """An index whose phrase checks read text through a source that counts the papers read."""
    by_id = {p.id: p for p in papers}
    read: list[int] = []

    def texts(ids, field: str) -> dict[int, str]:
        read.extend(ids)
        return {i: by_id[i].abstract if field == "abstract" else by_id[i].title for i in ids}

    return SearchIndex(Segment.build([record_of(p) for p in papers]), personal=personal_of(papers), texts=texts), read


def _abstracts(*texts: str) -> list[Paper]:
    return [
        make(i, f"Paper {i}", ("Ana Berg",), "IR", "2024-01-01", "unread", {"abstract": t})
        for i, t in enumerate(texts, 1)
    ]


def test_each_key_typed_into_a_phrase_reads_only_the_texts_not_ruled_out() -> None:
    """Papers with both words but not side by side are read once: without "dense r" there is no "dense re"."""
    papers = _abstracts("dense retrieval at scale", "a dense model for retrieval", "dense ranking", "sparse retrieval")
    index, read = _counting_index(papers)
    assert sorted(index.query('"dense r', facets=False).ids) == [1, 3]
    assert sorted(read) == [1, 2, 3]
    read.clear()
    assert index.query('"dense re', facets=False).ids == (1,)
    assert read == [1]  # paper 2, with both words apart, was ruled out by "dense r
    read.clear()
    assert sorted(index.query('"dense r', facets=False).ids) == [1, 3]  # shorter again: read afresh
    assert sorted(read) == [1, 2, 3]


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.text(alphabet="ab \n", max_size=14), min_size=1, max_size=10),
    typed=st.text(alphabet="ab ", min_size=1, max_size=7),
    ends=st.lists(st.integers(1, 7), min_size=1, max_size=8),
    closed=st.booleans(),
)
@example(texts=["ab ba ba"], typed="ab ba a", ends=[7, 5], closed=False)  # erased: read again, not ruled out
def test_a_phrase_typed_and_erased_key_by_key_finds_what_a_fresh_index_finds(
    texts: list[str], typed: str, ends: list[int], closed: bool
) -> None:
    papers = _abstracts(*texts)
    typing, _ = _counting_index(papers)
    for end in ends:
        query = f'"{typed[:end]}' + ('"' if closed and end >= len(typed) else "")
        fresh, _ = _counting_index(papers)
        found = typing.query(query, every_id=True, facets=False)
        assert found.ids == fresh.query(query, every_id=True, facets=False).ids, query


def test_a_cancelled_search_stops_before_reading_and_leaves_no_memo_behind() -> None:
    papers = _abstracts("dense retrieval at scale", "a dense model for retrieval")
    index, read = _counting_index(papers)
    with pytest.raises(SearchCancelled):
        index.query('"dense r', facets=False, cancelled=lambda: True)
    assert read == []
    assert index.query('"dense re', facets=False, cancelled=lambda: False).ids == (1,)
    assert sorted(read) == [1, 2]  # nothing was ruled out by the search that stopped
