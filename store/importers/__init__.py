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
    except DecodeError as exc:  # a PDF or a Word file, an RTF page in another code page: its kind says more
        foreign = _foreign(bytes(data[:64]))
        said = f"{exc}; expected a UTF-8 text file" if foreign is None else foreign
        return ParseResult((), (Problem(exc.line if foreign is None else 1, f"{said}; nothing imported", "error"),))
    foreign = _foreign(text[:64].encode("utf-8", "replace"))  # a page saved as HTML or RTF, in UTF-8 or UTF-16
    if foreign is not None:
        return ParseResult((), (Problem(1, f"{foreign}; nothing imported", "error"),))
    if isinstance(data, bytearray):
        data.clear()
    if not text or text.isspace():  # not strip(): a copy of a 300 MB file
        return ParseResult((), (Problem(1, "the file is empty (or blank): nothing to import", "error"),))
    if is_json(text):
        return parse_json(text)
    if is_ris(text):
        return parse_ris(text)
    if is_bibtex(text):
        return parse_bibtex(text, today=today)
    lines = profile_lines(text)
    del text
    return parse_profile_lines(lines, today=today, year=year)


_FOREIGN = (
    ((b"{\\rtf",), "an RTF (rich text) document: save the page as plain text (TextEdit: Format > Make Plain Text)"),
    (
        (b"<!doctype html", b"<html"),
        "a web page saved as HTML: select the page's text in the browser, copy it "
        "into a plain text file and import that",
    ),
    ((b"pk\x03\x04",), "a Word, OpenDocument or zip file: save the page as plain text and import that"),
    (
        (b"%pdf-",),
        "a PDF: papershelf imports a profile page's text, BibTeX, RIS or CSL-JSON "
        "(papershelf attach ID FILE adds a PDF to a paper)",
    ),
)
"""Files people save a profile page as, by how they start: each says what to do instead."""


def _foreign(head: bytes) -> str | None:
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return next((said for starts, said in _FOREIGN if start.startswith(starts)), None)


_SNIFF_CHARS = 65536


def is_bibtex(text: str) -> bool:
    """Whether text is BibTeX, decided by content: a .txt may hold BibTeX, a .bib may not.

    A profile dump may quote an entry (an abstract line starting ``@article{``), so BibTeX wins
    only with more entry starts than dump meta lines in the first 64 KiB.
    """
    head = text[:_SNIFF_CHARS]
    entries = count_entry_starts(head)
    return entries > 0 and entries > count_meta_lines(head)
