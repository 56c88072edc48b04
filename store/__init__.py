"""papershelf's data layer: models, the SQLite store, importers, search and exporters.

Importable without Textual; the TUI reaches data only through the names in ``__all__``.
Submodules load on first use of one of their names: ``papershelf list | head`` should not pay
for numpy, rapidfuzz and sqlite-utils, which only searching and migrating need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from store.config import COLUMNS, DEFAULT_COLUMNS, Config, parse_config, read_config, set_line
    from store.demo import demo_files, load_demo
    from store.edits import EDITABLE
    from store.errors import LibraryBusy, NoteConflict, PaperNotFound, SearchCancelled, StoreError
    from store.exporters import (
        FORMATS,
        RECORD_KEYS,
        byline,
        citation_keys,
        csl_item,
        dumps,
        export,
        json_chunks,
        note_files,
        record,
    )
    from store.files import write_atomic
    from store.fulltext import PDF_INSTALL_HINT, can_read_pdfs
    from store.importers import parse_bibtex, parse_bytes, parse_profile_dump
    from store.library import Change, ImportOutcome, Library
    from store.links import extract_links, openable_url
    from store.models import (
        PRIORITY_LIMIT,
        Hit,
        ImportReport,
        IndexRecord,
        NoteVersion,
        Paper,
        PaperDraft,
        ParseResult,
        Personal,
        Problem,
        ProfileStats,
        ReadStatus,
        Shelf,
        Source,
        UserData,
        Why,
        title_key,
    )
    from store.paths import DB_ENV, config_path, data_dir, default_db_path, demo_db_path, log_dir
    from store.query import QUERY_HELP, SORTS, Filter, Query, facet_filters, parse_query
    from store.read_next import Suggestion
    from store.search import SearchIndex, SearchResult
    from store.segment import Segment
    from store.store import Store, problem_lines
    from store.sync import Peer, SyncError, SyncReport
    from store.text import DecodeError, counted, decode, excerpt, printable, show_controls, when
    from store.trash import Trashed
    from store.vault import VaultReport

_HOMES = {
    "store.config": ("COLUMNS", "DEFAULT_COLUMNS", "Config", "parse_config", "read_config", "set_line"),
    "store.demo": ("demo_files", "load_demo"),
    "store.edits": ("EDITABLE",),
    "store.exporters": ("FORMATS", "RECORD_KEYS", "byline", "citation_keys", "csl_item", "dumps", "export",
                        "json_chunks", "note_files", "record"),
    "store.files": ("write_atomic",),
    "store.fulltext": ("PDF_INSTALL_HINT", "can_read_pdfs"),
    "store.importers": ("parse_bibtex", "parse_bytes", "parse_profile_dump"),
    "store.library": ("Change", "ImportOutcome", "Library"),
    "store.links": ("extract_links", "openable_url"),
    "store.models": ("PRIORITY_LIMIT", "Hit", "ImportReport", "IndexRecord", "NoteVersion", "Paper", "PaperDraft",
                     "ParseResult", "Personal", "Problem", "ProfileStats", "ReadStatus", "Shelf", "Source",
                     "UserData", "Why", "title_key"),
    "store.paths": ("DB_ENV", "config_path", "data_dir", "default_db_path", "demo_db_path", "log_dir"),
    "store.query": ("QUERY_HELP", "SORTS", "Filter", "Query", "facet_filters", "parse_query"),
    "store.read_next": ("Suggestion",),
    "store.search": ("SearchIndex", "SearchResult"),
    "store.segment": ("Segment",),
    "store.errors": ("LibraryBusy", "NoteConflict", "PaperNotFound", "SearchCancelled", "StoreError"),
    "store.store": ("Store", "problem_lines"),
    "store.text": ("DecodeError", "counted", "decode", "excerpt", "printable", "show_controls", "when"),
    "store.sync": ("Peer", "SyncError", "SyncReport"),
    "store.trash": ("Trashed",),
    "store.vault": ("VaultReport",),
}  # fmt: skip
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "COLUMNS",
    "DB_ENV",
    "DEFAULT_COLUMNS",
    "EDITABLE",
    "FORMATS",
    "PDF_INSTALL_HINT",
    "PRIORITY_LIMIT",
    "QUERY_HELP",
    "RECORD_KEYS",
    "SORTS",
    "Change",
    "Config",
    "DecodeError",
    "Filter",
    "Hit",
    "ImportOutcome",
    "ImportReport",
    "IndexRecord",
    "Library",
    "LibraryBusy",
    "NoteConflict",
    "NoteVersion",
    "Paper",
    "PaperDraft",
    "PaperNotFound",
    "ParseResult",
    "Peer",
    "Personal",
    "Problem",
    "ProfileStats",
    "Query",
    "ReadStatus",
    "SearchCancelled",
    "SearchIndex",
    "SearchResult",
    "Segment",
    "Shelf",
    "Source",
    "Store",
    "StoreError",
    "Suggestion",
    "SyncError",
    "SyncReport",
    "Trashed",
    "UserData",
    "VaultReport",
    "Why",
    "byline",
    "can_read_pdfs",
    "citation_keys",
    "config_path",
    "counted",
    "csl_item",
    "data_dir",
    "decode",
    "default_db_path",
    "demo_db_path",
    "demo_files",
    "dumps",
    "excerpt",
    "export",
    "extract_links",
    "facet_filters",
    "json_chunks",
    "load_demo",
    "log_dir",
    "note_files",
    "openable_url",
    "parse_bibtex",
    "parse_bytes",
    "parse_config",
    "parse_profile_dump",
    "parse_query",
    "printable",
    "problem_lines",
    "read_config",
    "record",
    "set_line",
    "show_controls",
    "title_key",
    "when",
    "write_atomic",
]


def __getattr__(name: str) -> Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'store' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
