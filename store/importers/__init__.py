"""Importers: pure functions from a file's bytes or text to paper drafts and problems."""

from __future__ import annotations

from typing import TYPE_CHECKING

from store.importers.bibtex import count_entry_starts, parse_bibtex
from store.importers.profile_dump import count_meta_lines, parse_profile_dump, parse_profile_lines, profile_lines
from store.importers.records import is_json, parse_json
from store.importers.ris import is_ris, parse_ris
from store.models import ParseResult, Problem
from store.text import DecodeError, decode

if TYPE_CHECKING:
    import datetime as dt

__all__ = ["parse_bibtex", "parse_bytes", "parse_profile_dump"]


def parse_bytes(data: bytes | bytearray, *, today: dt.date, year: int | None = None) -> ParseResult:
    """Decode a file's bytes and parse them as JSON (papershelf's or CSL), RIS, BibTeX or a profile
    dump, whichever the text is.

    A bytearray is emptied once decoded, and a dump's text let go once cut into lines: a caller
    that hands a large file over this way holds neither through the parse (at 100k papers each is
    139 MB, and the peak of an import was the parse's). Undecodable input is an error result, not
    an exception.
    """
    try:
        text = decode(data)
    except DecodeError as exc:
        return ParseResult((), (Problem(exc.line, f"{exc}; expected a UTF-8 text file, nothing imported", "error"),))
    if isinstance(data, bytearray):
        data.clear()
    if text.lstrip().startswith("{\\rtf"):  # TextEdit saves a paste as rich text unless told otherwise
        said = "an RTF (rich text) document: save the page as plain text (TextEdit: Format > Make Plain Text)"
        return ParseResult((), (Problem(1, f"{said} and import that; nothing imported", "error"),))
    if is_json(text):
        return parse_json(text)
    if is_ris(text):
        return parse_ris(text)
    if is_bibtex(text):
        return parse_bibtex(text, today=today)
    lines = profile_lines(text)
    del text
    return parse_profile_lines(lines, today=today, year=year)


_SNIFF_CHARS = 65536


def is_bibtex(text: str) -> bool:
    """Whether text is BibTeX, decided by content: a .txt may hold BibTeX, a .bib may not.

    A profile dump may quote an entry (an abstract line starting ``@article{``), so BibTeX wins
    only with more entry starts than dump meta lines in the first 64 KiB.
    """
    head = text[:_SNIFF_CHARS]
    entries = count_entry_starts(head)
    return entries > 0 and entries > count_meta_lines(head)
