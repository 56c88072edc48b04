"""An imported BibTeX entry as the library keeps it: its type, its key and every field with its LaTeX.

Kept as JSON in ``papers.original``, read back by the BibTeX and CSL exports; light to import, so
reading the library never loads a BibTeX parser.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from store.links import reference_links
from store.models import PaperDraft

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from store.models import UserData


USER_FIELDS = frozenset({"readstatus", "keywords", "annote"})
"""Fields the user's own data stands for (status, tags, note): not kept with an entry, and written
from that data on export."""


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
    entry: tuple[str, str, list[tuple[str, str]]],
    line: int,
    authors_truncated: bool = False,
) -> PaperDraft:
    """A paper from a reference manager's record (RIS, CSL-JSON), kept as a BibTeX entry too:
    entry is (type, key, fields as LaTeX)."""
    links, code = reference_links(given_links, abstract)
    return PaperDraft(
        title=title,
        authors=authors,
        authors_truncated=authors_truncated,
        date=date,
        date_has_year=date is not None,
        abstract=abstract,
        links=links,
        code_urls=code,
        has_code=bool(code),
        line=line,
        user=user,
        original=source_text(*entry),
    )
