"""What CSL-JSON and RIS both cite: the type, names in their parts, the date as precisely as written."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from store.exporters.bibtex import kept_entry, month_macro
from store.models import MONTHS, Paper
from store.source import first_fields

if TYPE_CHECKING:
    from collections.abc import Mapping

    from store.names import Name


class Reference(NamedTuple):
    """What the CSL-JSON and RIS exports read of a paper: its kept entry if it has one, else the paper."""

    kind: str
    """The BibTeX entry type ("" for a paper with no kept entry)."""
    fields: dict[str, str]
    names: list[Name]
    truncated: bool
    issued: list[int] | None
    url: str


def reference(paper: Paper) -> Reference:
    from store.names import bibtex_names, name_parts  # deferred: bibtexparser splits the names

    kept = kept_entry(paper)
    fields = first_fields(kept[1]) if kept else {}
    if "author" in fields:
        names, truncated = bibtex_names(fields["author"])
    else:
        names, truncated = [name_parts(a) for a in paper.authors], paper.authors_truncated
    return Reference(
        kind=kept[0] if kept else "",
        fields=fields,
        names=names,
        truncated=truncated,
        issued=_entry_date(fields) if kept else _dump_date(paper),
        url=fields.get("url", "").strip() or (paper.all_code_urls or paper.links or ("",))[0],
    )


def _dump_date(paper: Paper) -> list[int] | None:
    """A profile dump dates each paper to the day; a date whose year was inferred is left out."""
    return [paper.date.year, paper.date.month, paper.date.day] if paper.date and paper.date_has_year else None


def _entry_date(fields: Mapping[str, str]) -> list[int] | None:
    """The date as precisely as the entry wrote it: year, year and month, or a full date field."""
    match = re.match(r"\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", fields.get("date", ""))
    if match:
        return [int(g) for g in match.groups() if g]
    year = re.fullmatch(r"\s*(\d{4})\s*", fields.get("year", ""))
    if not year:
        return None
    month = month_macro(fields.get("month", ""))
    return [int(year.group(1)), *([MONTHS.index(month) + 1] if month else [])]
