"""Parse JSON: papershelf's own export (a restore path) or CSL-JSON from Zotero, pandoc or Quarto.

Both are a list of objects; each is told apart by its keys. A papershelf record brings the user's
status, note, tags and citation key with it; a CSL item becomes a kept BibTeX entry (journal,
pages, DOI…) so that a BibTeX export of it loses nothing.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import re
from typing import Any

from store.latex import bibtex_text, protect_case
from store.models import MONTHS, PRIORITY_LIMIT, PaperDraft, ParseResult, Problem, UserData, title_key
from store.source import date_of, reference_draft, source_text

_BIBTEX_TYPES = {"article-journal": "article", "article-magazine": "article", "article-newspaper": "article",
                 "paper-conference": "inproceedings", "book": "book", "chapter": "incollection",
                 "report": "techreport", "thesis": "phdthesis", "manuscript": "unpublished",
                 "webpage": "misc", "dataset": "misc", "software": "misc"}  # fmt: skip
"""CSL types as BibTeX entry types (the rest are misc)."""
_CSL_TO_BIBTEX = {"container-title": "journal", "publisher": "publisher", "publisher-place": "address",
                  "volume": "volume", "issue": "number", "page": "pages", "edition": "edition", "ISBN": "isbn",
                  "ISSN": "issn", "DOI": "doi", "URL": "url", "collection-title": "series", "number": "number",
                  "note": "note"}  # fmt: skip
_PAGE_RANGE = re.compile(r"\s*[-\u2013\u2014]+\s*")


def parse_json(text: str) -> ParseResult:
    """Parse a JSON list of papershelf records or CSL items. Never raises."""
    try:
        items = _items_with_lines(text)
    except json.JSONDecodeError as exc:
        return ParseResult((), (Problem(exc.lineno, f"not valid JSON: {exc.msg}", "error"),))
    except ValueError as exc:  # JSON, but not of papers
        return ParseResult((), (Problem(1, str(exc), "error"),))
    drafts: list[tuple[float, PaperDraft]] = []
    problems: list[Problem] = []
    for number, (line, item) in enumerate(items, start=1):
        where = f"item {number}"
        if not isinstance(item, dict):
            problems.append(Problem(line, f"{where} is not an object; skipped", skipped=1))
            continue
        try:
            draft = _record(item, line) if "authors" in item or "status" in item else _csl(item, line)
        except (TypeError, ValueError, AttributeError) as exc:
            problems.append(Problem(line, f"{where}: {exc}; skipped", skipped=1))
            continue
        if not title_key(draft.title):
            problems.append(Problem(line, f"{where} has no title; skipped", skipped=1))
            continue
        # papershelf's records go back in the order of their ids, so a restored library lists as before
        order = item["id"] if isinstance(item.get("id"), int) and "status" in item else float("inf")
        drafts.append((order, draft))
    if not drafts and not problems:
        problems.append(Problem(1, "the JSON list is empty; nothing imported", "error"))
    elif not drafts:
        problems.append(Problem(1, "no item could be read; nothing imported", "error"))
    return ParseResult(tuple(d for _, d in sorted(drafts, key=lambda d: d[0])), tuple(problems))


def is_json(text: str) -> bool:
    """A JSON list, or an object: no profile dump, RIS or BibTeX file starts with either."""
    return text.lstrip()[:1] in ("[", "{")


def _items_with_lines(text: str) -> list[tuple[int, Any]]:
    """Each top-level item of a JSON array with the line it starts on, for messages; a lone object
    that is one paper (it has a title) is a list of one."""
    decoder = json.JSONDecoder()
    start = len(text) - len(text.lstrip())
    if text[start] == "{":
        item, end = decoder.raw_decode(text, start)
        if text[end:].strip():
            raise json.JSONDecodeError("more after the object", text, end)
        if not isinstance(item, dict) or "title" not in item:
            raise ValueError(
                "a JSON object with no title: expected a list of CSL items or papershelf records "
                "(as papershelf export --format json or csl writes) or one item; nothing imported"
            )
        return [(text.count("\n", 0, start) + 1, item)]
    at = start + 1
    items: list[tuple[int, Any]] = []
    while True:
        while at < len(text) and text[at] in " \t\r\n,":
            at += 1
        if at >= len(text):
            raise json.JSONDecodeError("the list is not closed with ]", text, at)
        if text[at] == "]":
            return items
        item, end = decoder.raw_decode(text, at)
        items.append((text.count("\n", 0, at) + 1, item))
        at = end


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("expected a list of strings")
    return tuple(value)


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} is not a string")
    return value


def draft_of(item: Any) -> PaperDraft:
    """A paper record that arrived some other way (a sync), checked as an imported file's would be:
    TypeError or ValueError says what is wrong with it."""
    if not isinstance(item, dict):
        raise TypeError("a paper record is not an object")
    draft = _record(item, 0)
    if not title_key(draft.title):
        raise ValueError("the paper record has no title")
    return draft


def _record(item: dict[str, Any], line: int) -> PaperDraft:
    """A papershelf record, as ``export --format json`` writes it."""
    date_text = item.get("date")
    date = dt.date.fromisoformat(date_text) if date_text else None
    entry = item.get("entry")
    original = source_text(entry["type"], item.get("key") or "", [tuple(p) for p in entry["fields"]]) if entry else ""
    score = item.get("score")
    return PaperDraft(
        title=_text(item.get("title"), "title"),
        authors=_strings(item.get("authors")),
        authors_truncated=bool(item.get("authors_truncated")),
        affiliations=_strings(item.get("affiliations")),
        category=item.get("category") or None,
        date=date,
        date_has_year=bool(item.get("date_has_year")),
        score=float(score) if isinstance(score, int | float) else None,
        has_code=bool(item.get("has_code")),
        abstract=_text(item.get("abstract"), "abstract"),
        links=_strings(item.get("links")),
        code_urls=_strings(item.get("code_urls")),
        line=line,
        user=UserData(
            _text(item.get("status"), "status") or "unread",
            _text(item.get("note"), "note"),
            _strings(item.get("tags")),
            _priority(item.get("priority")),
        ),
        original=original,
        cite_key=_text(item.get("key"), "key"),
    )


def _priority(value: Any) -> int:
    """A record's priority, kept within the range the library allows (0 when absent or not a number)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(-PRIORITY_LIMIT, min(PRIORITY_LIMIT, value))


def _csl(item: dict[str, Any], line: int) -> PaperDraft:
    """A CSL-JSON item: names, date parts, container and identifiers, kept as a BibTeX entry too."""
    names = item.get("author") or []
    if not isinstance(names, list):
        raise TypeError("author is not a list of names")
    authors = tuple(_csl_name(n) for n in names if isinstance(n, dict) and _csl_name(n))
    truncated = (
        bool((item.get("custom") or {}).get("authors-truncated")) if isinstance(item.get("custom"), dict) else False
    )
    parts, date = _date(item.get("issued"))
    title = _plain(_text(item.get("title"), "title"))
    abstract = _plain(_text(item.get("abstract"), "abstract"))
    url, doi = _text(item.get("URL"), "URL").strip(), _text(item.get("DOI"), "DOI").strip()
    keywords = _text(item.get("keyword"), "keyword")
    fields: list[tuple[str, str]] = [("title", protect_case(_latex(title)))]
    if not fields[0][1]:
        raise ValueError("no title")
    if names:
        fields.append(("author", " and ".join(_bibtex_name(n) for n in names if isinstance(n, dict))
                       + (" and others" if truncated else "")))  # fmt: skip
    if parts:
        fields.append(("year", str(parts[0])))
        if len(parts) > 1 and parts[1] <= 12:
            fields.append(("month", MONTHS[parts[1] - 1]))
        if (len(parts) == 3 and parts[1] <= 12) or (len(parts) > 1 and parts[1] > 12):  # the day, or a season (21-24)
            fields.append(("date", "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))))
    for csl_name, bibtex_name in _CSL_TO_BIBTEX.items():
        value = item.get(csl_name)
        if isinstance(value, str | int) and str(value).strip():
            text = str(value).strip()
            if bibtex_name == "pages":
                text = _PAGE_RANGE.sub("--", text)
            fields.append((bibtex_name, text if bibtex_name in ("doi", "url", "pages") else bibtex_text(text)))
    if item.get("type") == "paper-conference":
        fields = [("booktitle", v) if k == "journal" else (k, v) for k, v in fields]
    if abstract:
        fields.append(("abstract", _latex(abstract)))
    return reference_draft(
        title=" ".join(title.split()),
        authors=authors,
        authors_truncated=truncated,
        date=date,
        abstract=abstract,
        given_links=(url, f"https://doi.org/{doi}" if doi else ""),
        user=UserData(
            "unread", _text(item.get("annote"), "annote"), tuple(t.strip() for t in keywords.split(",") if t.strip())
        ),
        original=source_text(_BIBTEX_TYPES.get(str(item.get("type")), "misc"), str(item.get("id") or ""), fields),
        line=line,
    )


_MARKUP = re.compile(r"</?(?:i|b|em|strong|sup|sub|sc|span|p|div|br|(?:jats|mml):[\w.-]+)(?:\s[^<>]*)?/?>", re.I)
"""The rich text CSL allows in a field (<i>, <b>, <sup>, <sub>, <span class="nocase">) and the
HTML and JATS (<jats:p>) of abstracts from Crossref and publishers."""
_BREAK = re.compile(r"\s*(?:</(?:jats:)?(?:p|title|sec)>|<br\s*/?>)\s*", re.I)
_HEADING = re.compile(r"(?:abstract|summary)\s*\n\n", re.I)


def _plain(text: str) -> str:
    """text without CSL's rich-text tags or an abstract's HTML/JATS: the words, paragraphs kept,
    entities read; a leading "Abstract" heading is the field's name, not its text."""
    if "<" not in text or not _MARKUP.search(text):
        return text
    paragraphs = _MARKUP.sub("", _BREAK.sub("\n\n", text)).strip()
    return html.unescape(_HEADING.sub("", paragraphs, count=1) if _HEADING.match(paragraphs) else paragraphs)


def _date(issued: Any) -> tuple[list[int], dt.date | None]:
    """The date parts CSL gives (year, month, day, as many as known) and the date they begin; a
    ``raw`` or ``literal`` date (``"2019-05-04"``, ``"May 2019"``, ``"Spring 2019"``) is read as far as it goes."""
    if not isinstance(issued, dict):
        return [], None
    date_parts = issued.get("date-parts")
    given: Any = issued.get("raw") or issued.get("literal")
    if isinstance(date_parts, list) and date_parts and isinstance(date_parts[0], list):
        given = date_parts[0][:3]
        parts = [int(p) for p in itertools.takewhile(lambda p: str(p).strip().isdigit(), given)]
    else:
        parts = _written_date(given) if isinstance(given, str) else []
    if not parts:
        return [], None
    try:
        return parts, date_of(parts if len(parts) < 2 or parts[1] <= 12 else parts[:1])  # a season: its year
    except ValueError:
        raise ValueError(f"impossible date {given!r} in issued") from None


_ISO_DATE = re.compile(r"\s*(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?(?![\d])")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_MONTH_WORD = re.compile(r"\b(" + "|".join(MONTHS) + r")[a-z]*\.?(?=[\s,\d]|$)", re.IGNORECASE)


def _written_date(text: str) -> list[int]:
    """[year, month, day] from an ISO-like date, else [year, month] or [year] from words around a year."""
    if match := _ISO_DATE.match(text):
        return [int(g) for g in match.groups() if g]
    if not (year := _YEAR.search(text)):
        return []
    month = _MONTH_WORD.search(text)
    return [int(year.group(1))] + ([MONTHS.index(month.group(1).lower()[:3]) + 1] if month else [])


def _csl_name(name: dict[str, Any]) -> str:
    if name.get("literal"):
        return str(name["literal"]).strip()
    pieces = (name.get("given"), name.get("dropping-particle"), _particle(name), name.get("family"), name.get("suffix"))
    return " ".join(str(p).strip() for p in pieces if p and str(p).strip())


def _particle(name: dict[str, Any]) -> str:
    """The non-dropping particle, unless the family name already starts with it (``van`` + ``van Dijk``)."""
    particle, family = str(name.get("non-dropping-particle") or "").strip(), str(name.get("family") or "")
    return "" if particle and family.lower().startswith(particle.lower() + " ") else particle


def _bibtex_name(name: dict[str, Any]) -> str:
    """A CSL name as BibTeX writes one: {Literal}, or von Last, Jr, First."""
    if name.get("literal"):
        return "{" + _latex(str(name["literal"])) + "}"
    family = " ".join(str(p) for p in (_particle(name), name.get("family")) if p)
    given = " ".join(str(p) for p in (name.get("given"), name.get("dropping-particle")) if p)
    suffix = str(name.get("suffix") or "")
    return (
        ", ".join(_latex(part) for part in (family, suffix, given) if part)
        if suffix
        else ", ".join(_latex(part) for part in (family, given) if part)
    )


def _latex(text: str) -> str:
    return bibtex_text(" ".join(text.split()))
