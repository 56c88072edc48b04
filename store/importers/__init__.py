"""Importers: pure functions from a file's bytes or text to paper drafts and problems."""

from __future__ import annotations

from typing import TYPE_CHECKING

from store.importers.bibtex import looks_like_bibtex, parse_bibtex
from store.importers.profile_dump import parse_profile_dump
from store.models import ParseResult, Problem
from store.text import DecodeError, decode

if TYPE_CHECKING:
    import datetime as dt

__all__ = ["parse_bibtex", "parse_bytes", "parse_profile_dump"]


def parse_bytes(data: bytes, *, today: dt.date, year: int | None = None) -> ParseResult:
    """Decode a file's bytes and parse them as BibTeX or a profile dump, whichever the text is.

    Undecodable input is an error result, not an exception.
    """
    try:
        text = decode(data)
    except DecodeError as exc:
        return ParseResult((), (Problem(exc.line, f"{exc}; expected a UTF-8 text file, nothing imported", "error"),))
    if looks_like_bibtex(text):  # decided by content: a .txt may hold BibTeX, a .bib may not
        return parse_bibtex(text, today=today)
    return parse_profile_dump(text, today=today, year=year)
