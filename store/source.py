"""An imported BibTeX entry as the library keeps it: its type, its key and every field with its LaTeX.

Kept as JSON in ``papers.original``, read back by the BibTeX and CSL exports; light to import, so
reading the library never loads a BibTeX parser.
"""

from __future__ import annotations

import json


def source_text(entry_type: str, key: str, fields: list[tuple[str, str]]) -> str:
    """The entry as the library keeps it: type, key, and every field with its LaTeX (JSON)."""
    return json.dumps({"type": entry_type.lower(), "key": key, "fields": fields}, ensure_ascii=False)


def read_source(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """(type, fields) of a kept entry; None for a paper that came from elsewhere."""
    if not text.startswith("{"):
        return None
    kept = json.loads(text)
    return kept["type"], [(k, v) for k, v in kept["fields"]]
