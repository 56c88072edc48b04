"""CSL-JSON, the shape Zotero, pandoc and Quarto read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from store.exporters.records import json_chunks
from store.exporters.reference import reference
from store.latex import decode_latex

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from store.models import Paper
    from store.names import Name

_CSL_TYPES = {"article": "article-journal", "inproceedings": "paper-conference", "conference": "paper-conference",
              "book": "book", "proceedings": "book", "collection": "book", "incollection": "chapter",
              "inbook": "chapter", "techreport": "report", "report": "report", "phdthesis": "thesis",
              "mastersthesis": "thesis", "thesis": "thesis", "unpublished": "manuscript", "online": "webpage",
              "manual": "report", "booklet": "pamphlet", "dataset": "dataset", "software": "software"}  # fmt: skip
"""BibTeX and biblatex entry types as CSL types (the rest, misc and preprints, are "article")."""
_CSL_FIELDS = {"journal": "container-title", "journaltitle": "container-title", "booktitle": "container-title",
               "publisher": "publisher", "address": "publisher-place", "location": "publisher-place",
               "institution": "publisher", "school": "publisher", "volume": "volume", "number": "issue",
               "pages": "page", "edition": "edition", "isbn": "ISBN", "issn": "ISSN", "doi": "DOI",
               "series": "collection-title", "note": "note"}  # fmt: skip
"""BibTeX fields carried into CSL-JSON, decoded from LaTeX."""


def _csl_name(name: Name) -> dict[str, str]:
    if name.corporate or (not name.given and not name.particle):
        return {"literal": name.display}
    parts = {"family": name.family, "given": name.given, "non-dropping-particle": name.particle, "suffix": name.suffix}
    return {k: v for k, v in parts.items() if v}


def csl_item(paper: Paper, key: str, *, with_notes: bool = False) -> dict[str, Any]:
    """A paper as CSL-JSON, the shape Zotero, pandoc and Quarto read (valid against the CSL schema).

    An imported BibTeX entry gives its type, names in their parts, container, pages, DOI and a date
    only as precise as it was written (a year alone is ``[[2021]]``).
    """
    from store.names import bibtex_names  # deferred: bibtexparser splits the names

    ref = reference(paper)
    fields = ref.fields
    subtitle = " ".join(decode_latex(fields.get("subtitle", "")).split())
    item: dict[str, Any] = {
        "id": key,
        "type": _CSL_TYPES.get(ref.kind, "article"),
        "title": f"{paper.title}: {subtitle}" if subtitle and subtitle not in paper.title else paper.title,
        "author": [_csl_name(n) for n in ref.names],
    }
    if fields.get("editor", "").strip():
        item["editor"] = [_csl_name(n) for n in bibtex_names(fields["editor"])[0]]
    if item["type"] == "article-journal" and not (fields.get("journal") or fields.get("journaltitle")):
        item["type"] = "article"
    if ref.issued:
        item["issued"] = {"date-parts": [ref.issued]}
    periodical = item["type"] in ("article-journal", "article-magazine", "article-newspaper", "article")
    for name, value in fields.items():
        if name == "location" and fields.get("address", "").strip():
            continue  # the publisher's address is its place; a location beside it is the venue's
        if name == "number" and not periodical:
            item["number"] = " ".join(decode_latex(value).split())  # a report's or a series' number
            continue
        if name in _CSL_FIELDS and value.strip() and _CSL_FIELDS[name] not in item:
            if name == "doi":
                item["DOI"] = value.strip()
            elif name == "pages":
                item["page"] = value.strip().replace("--", "-")
            else:
                item[_CSL_FIELDS[name]] = " ".join(decode_latex(value).split())
    if paper.abstract:
        item["abstract"] = paper.abstract
    if ref.url:
        item["URL"] = ref.url
    if paper.tags:
        item["keyword"] = ", ".join(paper.tags)
    if with_notes and paper.note.strip():
        item["annote"] = paper.note.strip()  # CSL's "note" is printed by styles; "annote" is the reader's
    if ref.truncated:
        item["custom"] = {"authors-truncated": True}  # the file said "and others": more authors than listed
    return item


def csl_chunks(papers: Iterable[Paper], keys: Mapping[int, str], *, with_notes: bool = False) -> Iterator[str]:
    return json_chunks(csl_item(p, keys[p.id], with_notes=with_notes) for p in papers)
