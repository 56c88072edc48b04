"""The two real profile dumps in ../shared/seeds, checked field by field (skipped when absent).

Expectations were read by hand off the parser's output and stored as digests: seed text (titles,
names, abstracts) does not belong in this repository.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from store import Store, parse_bytes
from tests.conftest import DATA, SEEDS, TODAY

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present")
EXPECTED = json.loads((DATA / "seed_expectations.json").read_text())
_META = re.compile(r"^(?:[0-9.]+)?[A-Z]{2}[A-Z][a-z]{2} [0-9]{1,2}(?:, [0-9]{4})?(?:Code)?$")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_field_of_every_seed_entry(name: str) -> None:
    result = parse_bytes((SEEDS / name).read_bytes(), today=TODAY)
    expected = EXPECTED[name]
    assert result.problems == ()
    assert digest(result.owner or "") == expected["owner"]
    profile = result.profile
    fields = None if profile is None else [
        profile.h_index, profile.papers, profile.citations, profile.novelty, profile.ai_score, profile.listed_papers
    ]  # fmt: skip
    assert fields == expected["profile"]
    assert len(result.drafts) == len(expected["entries"]) == 50
    for draft, want in zip(result.drafts, expected["entries"], strict=True):
        got = {
            "line": draft.line,
            "title": digest(draft.title),
            "authors": [digest(a) for a in draft.authors],
            "truncated": draft.authors_truncated,
            "affiliations": [digest(a) for a in draft.affiliations],
            "category": draft.category,
            "date": draft.date.isoformat() if draft.date else None,
            "date_has_year": draft.date_has_year,
            "score": draft.score,
            "has_code": draft.has_code,
            "links": [digest(u) for u in draft.links],
            "code_urls": [digest(u) for u in draft.code_urls],
            "abstract": digest(draft.abstract),
        }
        assert got == want, f"{name}:{draft.line}"


def test_compact_layout_splits_rebuild_the_original_line() -> None:
    """In the compact seed, title + authors must give back the line exactly, for all 50 entries."""
    text = (SEEDS / "002_3ae53c5f6b7fb082.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    drafts = parse_bytes(text.encode(), today=TODAY).drafts
    for draft in drafts:
        original = lines[draft.line]
        rebuilt = draft.title + ", ".join(draft.authors) + (" et al." if draft.authors_truncated else "")
        if draft.affiliations:
            rebuilt += " · " + ", ".join(draft.affiliations)
        assert rebuilt == original
        assert not draft.title.endswith(" ") and draft.authors[0][0].isupper()


def test_importing_both_seeds_twice_gives_exactly_100_papers(empty_store: Store) -> None:
    names = sorted(EXPECTED)
    for _ in range(2):
        for name in names:
            empty_store.import_drafts(parse_bytes((SEEDS / name).read_bytes(), today=TODAY), name)
    assert empty_store.count() == 100
    assert {s.owner for s in empty_store.sources()} == {
        parse_bytes((SEEDS / n).read_bytes(), today=TODAY).owner for n in names
    }


@pytest.mark.parametrize("fmt", ["bibtex", "csl"])
def test_the_seeds_round_trip_through_an_export_byte_identically(tmp_path, fmt: str) -> None:
    """export -> import -> export gives the same bytes; the BibTeX reads strictly in pybtex."""
    import pybtex.database
    import pybtex.errors

    from store import Library

    with Library.open(tmp_path / "seeds.db") as library:
        for name in sorted(EXPECTED):
            library.import_file(SEEDS / name, today=TODAY)
        library.set_note(library.select("")[0], "a note with a lone } brace and 50% certainty")
        first = "".join(library.export("bibtex", library.select(""), with_notes=True))
        csl = "".join(library.export("csl", library.select("")))
    pybtex.errors.set_strict_mode(True)
    try:
        assert len(pybtex.database.parse_string(first, "bibtex").entries) == 100
    finally:
        pybtex.errors.set_strict_mode(False)
    (tmp_path / "seeds.bib").write_text(first, encoding="utf-8")
    with Library.open(tmp_path / "again.db") as again:
        again.import_file(tmp_path / "seeds.bib", today=TODAY)
        assert "".join(again.export("bibtex", again.select(""), with_notes=True)) == first
        if fmt == "csl":
            assert "".join(again.export("csl", again.select(""))) == csl
