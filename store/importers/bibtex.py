"""Parse a BibTeX library (Zotero, JabRef, our own export) into paper drafts.

bibtexparser 2.x splits the file into entries and fields; the LaTeX inside fields is decoded by
``store.latex`` (pylatexenc, for the words that need a LaTeX reader). Each entry is also kept as
written, so exporting, importing and exporting again gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from typing import TYPE_CHECKING

from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.model import DuplicateBlockKeyBlock, Entry

if TYPE_CHECKING:
    from collections.abc import Iterator


from store.latex import decode_latex
from store.models import MONTH_NAMES, MONTHS, PaperDraft, ParseResult, Problem, UserData, title_key
from store.names import bibtex_names
from store.source import USER_FIELDS, first_fields, keywords, reference_draft, source_text

_MONTHS = {m: i for i, m in enumerate(MONTHS, start=1)}
_READ_STATUS = {"read": "read", "skimmed": "reading", "reading": "reading", "unread": "unread", "toread": "unread"}
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
"""A DOI written as a link or with a doi: prefix: the field holds the DOI alone."""
_NOT_INHERITED = frozenset({"crossref", "title", "ids", "key"})
_MONTH_NAMES = dict(zip(MONTHS, MONTH_NAMES, strict=True))
_ONE_PART = r'\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}|"[^"]*"|[^\s#{}"]+'
"""One part of a # join: a braced value (three levels deep), a quoted one, or a macro name or number."""
_PART = re.compile(_ONE_PART)
_JOINED = re.compile(rf"\s*(?:{_ONE_PART})(?:\s*#\s*(?:{_ONE_PART}))+\s*")
_ENTRY_START = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)
_BLOCK_START = re.compile(r"^[^\S\n]*@\w*[ \t]*[{(]", re.MULTILINE)
"""Where bibtexparser's splitter starts a block, abandoning any still open."""


def count_entry_starts(text: str) -> int:
    """How many lines of text open a BibTeX entry: a measure of whether text is BibTeX."""
    return sum(1 for _ in _ENTRY_START.finditer(text))


def _authors(field: str) -> tuple[tuple[str, ...], bool]:
    names, truncated = bibtex_names(field)
    return tuple(n.display for n in names if n.display), truncated


def _date(fields: dict[str, str]) -> dt.date | None:
    if "date" in fields:
        match = re.match(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", fields["date"])
        if match:
            year, month, day = (int(g) if g else 1 for g in match.groups())
            if 21 <= month <= 24:  # biblatex's seasons (2004-22 is summer 2004): the year
                month, day = 1, 1
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    year_text = fields.get("year", "")
    if not re.fullmatch(r"\d{4}", year_text.strip()):
        return None
    month_text = fields.get("month", "").strip().lower()[:3]
    month = _MONTHS.get(month_text) or (int(month_text) if month_text.isdigit() and 1 <= int(month_text) <= 12 else 1)
    return dt.date(int(year_text), month, 1)


def _links(fields: dict[str, str]) -> tuple[str, ...]:
    found = []
    if fields.get("url"):
        found.append(fields["url"].strip())
    if fields.get("doi"):
        found.append("https://doi.org/" + fields["doi"])
    if fields.get("eprint") and "arxiv" in (fields.get("archiveprefix", "") + fields.get("eprinttype", "")).lower():
        found.append(f"https://arxiv.org/abs/{fields['eprint'].strip()}")
    return tuple(dict.fromkeys(found))


_CHUNK_ENTRIES = 2000
"""Entries parsed per bibtexparser call: its memory per failed entry is large, so a big broken
file is read a piece at a time."""
_FAILURES_SHOWN = 100


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """(lines before it, text) pieces of about _CHUNK_ENTRIES entries each.

    Pieces are cut where bibtexparser itself would end any open block: an ``@type{`` at the
    start of a line. So a piece boundary never changes what the parser reads.
    """
    starts = [m.start() for m in _BLOCK_START.finditer(text)]
    cuts = [0, *starts[_CHUNK_ENTRIES::_CHUNK_ENTRIES], len(text)]
    lines = 0
    for begin, end in itertools.pairwise(cuts):
        yield lines, text[begin:end]
        lines += text.count("\n", begin, end)


_MAX_AT = 500
"""More '@' than this from one entry's start to the next is not BibTeX: each would cost the parser a
failed block (a 3 MB line of '@a{' took 45 s and 1.4 GB)."""


def _without_floods(text: str, problems: list[Problem]) -> str:
    """text with each stretch from one entry start to the next that holds more than _MAX_AT '@'
    blanked out (its newlines kept, so every line number stays true), and a problem naming it."""
    if text.count("@") <= _MAX_AT:
        return text
    starts = [0, *(m.start() for m in _BLOCK_START.finditer(text)), len(text)]
    parts, kept = [], 0
    for begin, end in itertools.pairwise(starts):
        if text.count("@", begin, end) > _MAX_AT:
            line = text.count("\n", 0, begin) + 1
            problems.append(
                Problem(line, f"not a BibTeX entry ({text.count('@', begin, end):,} '@' in one); skipped", skipped=1)
            )
            parts += [text[kept:begin], "\n" * text.count("\n", begin, end)]
            kept = end
    return "".join([*parts, text[kept:]]) if parts else text


_COMMENT_SCAN = re.compile(r'\\.|[{}"]|^[ \t]*@\w*[ \t]*[{(]|^[ \t]*%[^\n]*', re.MULTILINE)
"""What decides whether a ``%`` line is a comment: braces, quotes, an entry's start, the line itself."""


def _without_comment_lines(text: str) -> str:
    """text with each ``%`` comment line blanked (its newline kept, so line numbers stay true).

    biber and pandoc read a line that starts with ``%`` between entries or between an entry's
    fields as a comment (an entry or a field commented out); bibtexparser reads it as text, and
    imports ``% @article{old, ...}`` or fails the entry. Inside a field's value it is the value's.
    """
    if not re.search(r"^[ \t]*%", text, re.MULTILINE):
        return text
    parts, kept, depth, quoted = [], 0, 0, False
    for match in _COMMENT_SCAN.finditer(text):
        token = match.group()
        if token.lstrip(" \t").startswith("%"):
            if depth == 0 or (depth == 1 and not quoted):
                parts.append(text[kept : match.start()])
                kept = match.end()
        elif token.lstrip(" \t").startswith("@"):  # bibtexparser abandons an open entry here too
            depth, quoted = (1 if token.endswith("{") else 0), False
        elif token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
            quoted = quoted and depth > 0
        elif token == '"' and depth == 1:
            quoted = not quoted
    return "".join([*parts, text[kept:]]) if parts else text


def _blocks(text: str) -> Iterator[tuple[int, Library]]:
    """bibtexparser libraries for the pieces of text, each with the @string macros defined before it."""
    macros = ""
    for lines_before, piece in _pieces(text):
        library = parse_string(macros + piece)
        yield lines_before - macros.count("\n"), library
        defined_before = macros.count("\n")
        macros += "".join((b.raw or "") + "\n" for b in library.strings if (b.start_line or 0) >= defined_before)


def parse_bibtex(text: str, *, today: dt.date) -> ParseResult:
    """Parse BibTeX text. Never raises: unreadable entries come back as problems."""
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # its complaints become our problems
    problems: list[Problem] = []
    failed: list[int] = []
    macros: dict[str, str] = {}
    read: list[tuple[int, Entry, list[tuple[str, str]]]] = []
    text = _without_floods(_without_comment_lines(text), problems)
    try:
        for offset, library in _blocks(text):
            for string in library.strings:  # BibTeX expands a macro where it is defined
                value = str(string.value)
                macros[string.key.lower()] = _expand(value, macros) if string.enclosing == "no-enclosing" else value
            twins: list[Entry] = []
            for block in library.failed_blocks:
                line = offset + (block.start_line or 0) + 1
                twin = getattr(block, "ignore_error_block", None)
                if isinstance(block, DuplicateBlockKeyBlock) and isinstance(twin, Entry):
                    twins.append(twin)  # a key used twice (or two empty ones, as JabRef writes): still a paper
                    said = (
                        f"citation key {block.key!r} is taken by an entry above"
                        if block.key
                        else "entry has no citation key"
                    )
                    problems.append(Problem(line, f"{said}; imported, with a key of its own", "note"))
                else:
                    failed.append(line)
            read += ((offset, e, _fields(e, macros)) for e in [*library.entries, *_as_parsed(twins, library)])
    except Exception as exc:  # the parser's own failures are data here
        return ParseResult((), (Problem(1, f"not a readable BibTeX file: {exc}", "error"),))
    drafts = _drafts(_inherit(read), problems)
    unreadable = "could not read this entry (unbalanced braces or quotes?); skipped"
    problems += (Problem(line, unreadable, skipped=1) for line in failed[:_FAILURES_SHOWN])
    if len(failed) > _FAILURES_SHOWN:
        more = f"{len(failed) - _FAILURES_SHOWN:,} more entries from here on could not be read; skipped"
        problems.append(Problem(failed[_FAILURES_SHOWN], more, skipped=len(failed) - _FAILURES_SHOWN))
    if not drafts and not problems:
        problems.append(Problem(1, "no BibTeX entries found", "error"))
    elif not drafts:
        problems.append(Problem(1, "no entry could be read; nothing imported", "error"))
    return ParseResult(tuple(drafts), tuple(sorted(problems, key=lambda p: p.line)))


def _as_parsed(twins: list[Entry], library: Library) -> list[Entry]:
    """Entries the parser set aside as duplicates, through the same steps as the others (macros
    resolved, enclosing braces removed), which it skips for them."""
    from bibtexparser.middlewares import default_parse_stack

    entries: list[Entry] = []
    for twin in twins:  # one at a time: a key used three times gives two twins that share it
        parsed = Library([*library.strings, twin])
        for middleware in default_parse_stack(allow_inplace_modification=True):
            parsed = middleware.transform(parsed)
        entries += parsed.entries
    return entries


def _drafts(read: list[tuple[int, Entry, list[tuple[str, str]]]], problems: list[Problem]) -> list[PaperDraft]:
    drafts: list[PaperDraft] = []
    for offset, entry, pairs in sorted(read, key=lambda r: r[0] + (r[1].start_line or 0)):
        line = offset + (entry.start_line or 0) + 1
        fields = first_fields(pairs)
        title = " ".join(decode_latex(fields.get("title", "")).split())
        if not title_key(title):
            problems.append(Problem(line, f"entry {entry.key!r} has no title; skipped", skipped=1))
            continue
        authors, truncated = _authors(fields.get("author", ""))
        private = ("note", "annote") if _old_export(pairs) else ("annote",)
        note = "\n\n".join(decode_latex(fields[k]) for k in private if fields.get(k))
        tags = tuple(t for t in (decode_latex(k).strip() for k in keywords(fields.get("keywords", ""))) if t)
        status = _READ_STATUS.get(fields.get("readstatus", "").strip().lower().replace(" ", ""), "unread")
        drafts.append(
            reference_draft(
                title=title,
                authors=authors,
                authors_truncated=truncated,
                category=_category(fields),
                date=_date(fields),
                abstract=decode_latex(fields.get("abstract", "")),
                given_links=_links(fields),
                user=UserData(status, note, tags),
                original=_kept(entry, pairs),
                line=line,
            )
        )
    return drafts


def _old_export(pairs: list[tuple[str, str]]) -> bool:
    """Whether this is papershelf's own export from before notes went out as annote: there the
    private note was a note field after readstatus. Anywhere else a note is the entry's own."""
    names = [k for k, _ in pairs]
    return "readstatus" in names and "note" in names[names.index("readstatus") :]


def _kept(entry: Entry, pairs: list[tuple[str, str]]) -> str:
    """The entry as the library keeps it, less the fields the user's own data stands for."""
    old = _old_export(pairs)
    kept = [(k, v) for k, v in pairs if k not in USER_FIELDS and not (old and k == "note")]
    return source_text(entry.entry_type, entry.key, kept)


def entry_source(raw: str) -> str | None:
    """An entry as its file wrote it, as the library keeps it now (for libraries from before)."""
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    entries = parse_string(raw).entries
    return _kept(entries[0], _fields(entries[0], {})) if entries else None


def _fields(entry: Entry, macros: dict[str, str]) -> list[tuple[str, str]]:
    """(name, value) pairs as BibTeX reads them: @string macros and # joins resolved, LaTeX kept.

    Only a value written bare is an expression; in a braced or quoted one a # is text (a URL's anchor).
    """
    pairs = [
        (f.key.lower(), _expand(str(f.value), macros) if f.enclosing == "no-enclosing" else str(f.value))
        for f in entry.fields
    ]
    return [(k, _DOI_PREFIX.sub("", v.strip()) if k == "doi" else v) for k, v in pairs]


def _expand(value: str, macros: dict[str, str]) -> str:
    """A value written bare: a macro (a month stays as written: ``month = oct``), or parts joined
    by #: "Foo " # jn # {Bar}."""
    if _PART.fullmatch(value):
        return macros.get(value.lower(), value)
    if not _JOINED.fullmatch(value):
        return value
    parts = []
    for part in _PART.findall(value):
        if part[0] in '{"':
            parts.append(part[1:-1])
        else:
            parts.append(macros.get(part.lower(), _MONTH_NAMES.get(part.lower(), part)))
    return "".join(parts)


def _inherit(
    read: list[tuple[int, Entry, list[tuple[str, str]]]],
) -> list[tuple[int, Entry, list[tuple[str, str]]]]:
    """crossref: an entry takes the fields it lacks from the entry it names (a proceedings' title as
    the booktitle), as BibTeX does."""
    by_key = {e.key.lower(): pairs for _, e, pairs in read if e.key}
    done = []
    for offset, entry, pairs in read:
        target = by_key.get(dict(pairs).get("crossref", "").strip().lower())
        if target is not None:
            have = {k for k, _ in pairs}
            inherited = [(k, v) for k, v in target if k not in have and k not in _NOT_INHERITED]
            if "booktitle" not in have and "booktitle" not in dict(target) and "title" in dict(target):
                inherited.append(("booktitle", dict(target)["title"]))
            if "title" not in have and "title" in dict(target):  # biblatex: a @softwareversion names its @software
                inherited.append(("title", dict(target)["title"]))
            pairs = [(k, v) for k, v in pairs if k != "crossref"] + inherited
        done.append((offset, entry, pairs))
    return done


def _category(fields: dict[str, str]) -> str | None:
    primary = fields.get("primaryclass", "")
    match = re.fullmatch(r"\s*[a-z-]+\.([A-Z]{2})\s*", primary)
    return match.group(1) if match else None
