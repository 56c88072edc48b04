"""The search query language, parsed by a pure function into terms, phrases and filters.

Free words are fuzzy; ``"a phrase"`` must appear as written; ``field:value`` filters; a leading
``-`` negates a word, phrase or filter. Mistakes become messages, never exceptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from store.models import ReadStatus
from store.text import compounds, normalize, words

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

SORTS = ("relevance", "date", "title", "score", "status", "added", "next")
"""Every order a result can come in; "relevance" is newest first when nothing is typed."""
TEXT_FIELDS = ("author", "title", "abstract", "note", "aff", "pdf")
FIELDS = (*TEXT_FIELDS, "cat", "year", "is", "has", "tag", "from")
_ALIASES = {"authors": "author", "status": "is", "category": "cat", "affiliation": "aff", "source": "from"}
HAS_VALUES = ("code", "note", "tag", "link")
_FIELD = re.compile(r"([a-zA-Z]+):(.*)", re.DOTALL)
_YEAR = re.compile(r"(>=|<=|>|<|=)?(\d{4})")
_YEAR_RANGE = re.compile(r"(\d{4})?\.\.(\d{4})?")

QUERY_HELP = """\
words          fuzzy: typos, missing letters and any order (trnsformer linar)
"a phrase"     exactly these words in this order
author:qin     title:  abstract:  note:  aff:tsinghua  pdf:   words in one field only
cat:CL,CV      year:2023  year:>=2024  year:2022..2023
is:unread      is:queued  is:reading  is:read   has:code  has:note  has:tag  has:link
tag:to-review  from:<profile owner or file name>
-word  -is:read  -"a phrase"            leave out what matches"""


@dataclass(frozen=True, slots=True)
class Term:
    """A free word, searched in every text field (or one, for ``title:word``)."""

    word: str
    field: str | None = None
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    negated: bool = False
    open: bool = False
    """Typed without its closing quote: the user is still typing, so its last word matches as a prefix."""


@dataclass(frozen=True, slots=True)
class Filter:
    """A structured condition: categories, years, statuses, has:, tags or sources.

    Besides the fields of the language, ``year_in``, ``profile`` and ``affiliation`` match facet
    values exactly; the filter pane uses them.
    """

    field: str
    values: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[Term, ...] = ()
    phrases: tuple[Phrase, ...] = ()
    filters: tuple[Filter, ...] = ()
    messages: tuple[str, ...] = field(default=())

    @property
    def ranked(self) -> bool:
        """Whether the query has anything to rank by (else results follow the sort order)."""
        return any(not t.negated for t in self.terms) or any(not p.negated for p in self.phrases)


def _tokens(text: str) -> list[str]:
    """Split on whitespace, keeping double-quoted runs together, with an optional leading - or field:."""
    return re.findall(r'-?(?:[a-zA-Z]+:)?"[^"]*"?|\S+', text)


def query_words(text: str) -> list[str]:
    """The words of a query token; a hyphenated compound is one word ("re-ranker" is "reranker").

    The index holds both the parts and the joined compound of hyphenated text, and an
    unhyphenated word as it is, so the joined form finds both spellings.
    """
    found: list[str] = []
    last = 0
    for start, end, joined in compounds(text):
        found += [*words(text[last:start]), joined]
        last = end
    return found + words(text[last:])


def _year_filter(value: str, negated: bool) -> Filter | str:
    if match := _YEAR_RANGE.fullmatch(value):
        low, high = match.groups()
        if low or high:
            return Filter(
                "year", year_min=int(low) if low else None, year_max=int(high) if high else None, negated=negated
            )
    elif match := _YEAR.fullmatch(value):
        op, year = match.group(1) or "=", int(match.group(2))
        bounds = {
            "=": (year, year),
            ">=": (year, None),
            "<=": (None, year),
            ">": (year + 1, None),
            "<": (None, year - 1),
        }
        low, high = bounds[op]
        return Filter("year", year_min=low, year_max=high, negated=negated)
    return f"year:{value} is not a year (expected year:2023, year:>=2024 or year:2022..2023); ignored"


def _field_filter(name: str, value: str, negated: bool) -> list[Term] | Filter | str:
    """A field:value token as terms or a filter, or the message saying what was wrong with it."""
    if not value:
        return f"{name}: needs a value; ignored"
    value = value.strip('"') if value.startswith('"') else value
    if not value.strip():
        return f"{name}: needs a value; ignored"
    if name in TEXT_FIELDS:
        found = query_words(value)
        return [Term(w, name, negated) for w in found] or f"{name}:{value} has no words to search for; ignored"
    values = tuple(" ".join(v.split()) for v in value.split(",") if v.strip())
    if name == "year":
        return _year_filter(value, negated)
    if name == "is":
        statuses = {s.value for s in ReadStatus}
        bad = [v for v in values if v.lower() not in statuses]
        if bad:
            return f"is:{bad[0]} is not a status (expected is:unread, is:reading or is:read); ignored"
        return Filter("is", tuple(v.lower() for v in values), negated=negated)
    if name == "has":
        bad = [v for v in values if v.lower() not in HAS_VALUES]
        if bad:
            return f"has:{bad[0]} is unknown (expected {', '.join('has:' + h for h in HAS_VALUES)}); ignored"
        return Filter("has", tuple(v.lower() for v in values), negated=negated)
    if name == "cat":
        return Filter("cat", tuple(v.upper() for v in values), negated=negated)
    return Filter(name, tuple(v.casefold() for v in values), negated=negated)


def parse_query(text: str) -> Query:
    """Parse the search bar's text. Never raises: problems come back in ``messages``."""
    terms: list[Term] = []
    phrases: list[Phrase] = []
    filters: list[Filter] = []
    messages: list[str] = []
    for token in _tokens(text):
        negated = token.startswith("-") and len(token) > 1
        body = token[1:] if negated else token
        if body.startswith('"'):
            inner = body.strip('"')
            if words(inner):
                still_typed = not body.endswith('"')  # body holds a word, so its quote is not the opening one
                phrases.append(Phrase(normalize(" ".join(inner.split())), negated, still_typed))
            continue
        match = _FIELD.fullmatch(body)
        name = _ALIASES.get(match.group(1).lower(), match.group(1).lower()) if match else ""
        if match and not match.group(2) and name in FIELDS:
            continue  # a field still being typed
        if match and match.group(2):
            if name not in FIELDS:
                messages.append(
                    f"unknown field {match.group(1)}: (ignored); fields are {', '.join(f + ':' for f in FIELDS)}"
                )
                continue
            parsed = _field_filter(name, match.group(2), negated)
            if isinstance(parsed, str):
                messages.append(parsed)
            elif isinstance(parsed, Filter):
                filters.append(parsed)
            else:
                terms.extend(parsed)
            continue
        terms.extend(Term(w, None, negated) for w in query_words(body))
    return Query(tuple(terms), tuple(phrases), tuple(filters), tuple(messages))


_FACET_FILTERS = {
    "status": "is",
    "category": "cat",
    "year": "year_in",
    "source": "profile",
    "affiliation": "affiliation",
    "tag": "tag",
}
"""The search filter each facet of the filter pane becomes."""


FacetFilters = dict[str, tuple[Filter, ...]]


def facet_filters(chosen: Mapping[str, Sequence[str]]) -> FacetFilters:
    """The filter pane's choices ({facet: values}) as search filters by facet: OR within a facet, AND
    across facets. A saved shelf keeps its choices the same way."""
    filters: FacetFilters = {}
    for facet, values in chosen.items():
        if facet == "code":
            if len(values) == 1:
                filters[facet] = (Filter("has", ("code",), negated=values[0] == "without code"),)
            continue
        filters[facet] = (Filter(_FACET_FILTERS[facet], tuple(v.casefold() if facet == "tag" else v for v in values)),)
    return filters
