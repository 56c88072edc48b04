"""papershelf's data layer: models, the SQLite store, importers, search and exporters.

Importable without Textual; the TUI reaches data only through the names in ``__all__``.
"""

from __future__ import annotations

from store.config import COLUMNS, Config, parse_config, set_theme_line
from store.demo import demo_files, load_demo
from store.export import FORMATS, RECORD_KEYS, byline, citation_keys, csl_item, dumps, export, note_files, record
from store.importers import parse_bibtex, parse_bytes, parse_profile_dump
from store.links import extract_links
from store.models import (
    ImportReport,
    Paper,
    PaperDraft,
    ParseResult,
    Problem,
    ProfileStats,
    ReadStatus,
    Source,
    UserData,
    title_key,
)
from store.paths import config_path, data_dir, default_db_path, demo_db_path
from store.query import QUERY_HELP, Filter, Query, parse_query
from store.search import SORTS, Hit, SearchIndex, SearchResult
from store.store import SORT_KEYS, PaperNotFound, Store, StoreError, problem_lines
from store.text import printable

__all__ = [
    "COLUMNS",
    "FORMATS",
    "QUERY_HELP",
    "RECORD_KEYS",
    "SORTS",
    "SORT_KEYS",
    "Config",
    "Filter",
    "Hit",
    "ImportReport",
    "Paper",
    "PaperDraft",
    "PaperNotFound",
    "ParseResult",
    "Problem",
    "ProfileStats",
    "Query",
    "ReadStatus",
    "SearchIndex",
    "SearchResult",
    "Source",
    "Store",
    "StoreError",
    "UserData",
    "byline",
    "citation_keys",
    "config_path",
    "csl_item",
    "data_dir",
    "default_db_path",
    "demo_db_path",
    "demo_files",
    "dumps",
    "export",
    "extract_links",
    "load_demo",
    "note_files",
    "parse_bibtex",
    "parse_bytes",
    "parse_config",
    "parse_profile_dump",
    "parse_query",
    "printable",
    "problem_lines",
    "record",
    "set_theme_line",
    "title_key",
]
