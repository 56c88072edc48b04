"""An imported BibTeX entry as the library keeps it: its type, its key and every field with its LaTeX.

Kept as JSON in ``papers.original``, read back by the BibTeX and CSL exports; light to import, so
reading the library never loads a BibTeX parser.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from store.links import reference_links
from store.models import PaperDraft

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from store.models import UserData


USER_FIELDS = frozenset({"readstatus", "annote"})
"""Fields the user's own data stands for (status, note): not kept with an entry, and written from
that data on export. ``keywords`` is kept as written: the tags are a view of it, and an export
writes it as it came while the tags are the same (see ``keywords``)."""


def keywords(value: str) -> list[str]:
    """The tags a keywords field holds: split at commas and semicolons outside braces, so a
    keyword written ``{a, b}`` stays one; LaTeX kept (decoded by the caller)."""
    found, depth, start = [], 0, 0
    for i, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char in ",;" and depth == 0:
            found.append(value[start:i])
            start = i + 1
    found.append(value[start:])
    return [k.strip() for k in found if k.strip()]


def first_fields(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Fields by name, the first of a repeated field winning, as BibTeX reads them."""
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def source_text(entry_type: str, key: str, fields: list[tuple[str, str]]) -> str:
    """The entry as the library keeps it: type, key, and every field with its LaTeX (JSON)."""
    return json.dumps({"type": entry_type.lower(), "key": key, "fields": fields}, ensure_ascii=False)


def read_source(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """(type, fields) of a kept entry; None for a paper that came from elsewhere."""
    if not text.startswith("{"):
        return None
    kept = json.loads(text)
    return kept["type"], [(k, v) for k, v in kept["fields"]]


def reference_draft(
    *,
    title: str,
    authors: tuple[str, ...],
    date: dt.date | None,
    abstract: str,
    given_links: Iterable[str],
    user: UserData,
    original: str,
    line: int,
    authors_truncated: bool = False,
    category: str | None = None,
) -> PaperDraft:
    """A paper from a reference manager's record (BibTeX, RIS, CSL-JSON) with its entry as kept
    (``source_text``): its links are the ones it gives and those in its abstract."""
    links, code = reference_links(given_links, abstract)
    return PaperDraft(
        title=title,
        authors=authors,
        authors_truncated=authors_truncated,
        category=category,
        date=date,
        date_has_year=date is not None,
        abstract=abstract,
        links=links,
        code_urls=code,
        has_code=bool(code),
        line=line,
        user=user,
        original=original,
    )


def date_of(parts: Sequence[int]) -> dt.date:
    """The day a date given as [year], [year, month] or [year, month, day] begins; ValueError if none."""
    return dt.date(parts[0], *[*parts[1:], 1, 1][:2])
