"""Pure formatters from papers to the export formats, one module per format as the importers
have: records (JSON, CSV), markdown, bibtex (and biblatex), csl, ris and notes. This module
dispatches by format name and gives their public names one place to be imported from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from store.exporters.bibtex import biblatex_chunks, bibtex_chunks, bibtex_entry, citation_keys
from store.exporters.csl import csl_chunks, csl_item
from store.exporters.markdown import byline, markdown_chunks, to_markdown
from store.exporters.notes import note_file, note_file_name, note_files, note_of_file
from store.exporters.records import RECORD_KEYS, csv_chunks, dumps, json_chunks, record, to_csv, to_json
from store.exporters.ris import ris_chunks, ris_entry

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from store.models import Paper

FORMATS = ("json", "csv", "markdown", "bibtex", "biblatex", "csl", "ris")

__all__ = [
    "FORMATS",
    "KEYED",
    "RECORD_KEYS",
    "biblatex_chunks",
    "bibtex_chunks",
    "bibtex_entry",
    "byline",
    "citation_keys",
    "csl_chunks",
    "csl_item",
    "csv_chunks",
    "dumps",
    "export",
    "export_chunks",
    "json_chunks",
    "markdown_chunks",
    "note_file",
    "note_file_name",
    "note_files",
    "note_of_file",
    "record",
    "ris_chunks",
    "ris_entry",
    "to_csv",
    "to_json",
    "to_markdown",
]


def export_chunks(papers: Iterable[Paper], fmt: str) -> Iterator[str]:
    """JSON or CSV as it is written, a paper at a time."""
    return json_chunks(map(record, papers)) if fmt == "json" else csv_chunks(papers)


KEYED: dict[str, Callable[..., Iterator[str]]] = {
    "bibtex": bibtex_chunks, "biblatex": biblatex_chunks, "csl": csl_chunks, "ris": ris_chunks
}  # fmt: skip
"""The formats that cite by key, written in id order under each paper's stored key."""


def export(papers: Sequence[Paper], fmt: str, *, with_notes: bool = False, with_status: bool = False) -> str:
    """The papers in one format; private notes go into BibTeX and CSL-JSON only with ``with_notes``,
    the reading status into BibTeX only ``with_status``."""
    if fmt == "json":
        return to_json(papers)
    if fmt == "csv":
        return to_csv(papers)
    if fmt == "markdown":
        return to_markdown(papers)
    if fmt in KEYED:
        options = {"with_status": with_status} if fmt in ("bibtex", "biblatex") else {}
        ordered = sorted(papers, key=lambda p: p.id)
        return "".join(KEYED[fmt](ordered, citation_keys(papers), with_notes=with_notes, **options))
    raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
