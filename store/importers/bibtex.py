"""Parse a BibTeX library (Zotero, JabRef, our own export) into paper drafts.

bibtexparser 2.x splits the file into entries and fields; the LaTeX inside fields is decoded
here by a small decoder that exactly inverts our own export's escaping, so exporting,
importing and exporting again gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from typing import TYPE_CHECKING

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, Entry

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bibtexparser import Library

from store.links import extract_links
from store.models import MONTHS, PaperDraft, ParseResult, Problem, UserData, title_key

_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
            ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328"}  # fmt: skip
_LETTERS = {"ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
            "l": "ł", "L": "Ł", "i": "ı", "textbackslash": "\\", "textasciitilde": "~",
            "textasciicircum": "^"}  # fmt: skip
_ACCENT = re.compile(r"""\\([`'^"~=.uvHck])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))""")
_LETTER = re.compile(r"\\(" + "|".join(sorted(_LETTERS, key=len, reverse=True)) + r")(?![A-Za-z])(?:\{\})?")
_ESCAPED = re.compile(r"\\([{}&%_#$])")
_COMMAND = re.compile(r"\\[A-Za-z]+\s*")
_MONTHS = {m: i for i, m in enumerate(MONTHS, start=1)}
_READ_STATUS = {"read": "read", "skimmed": "reading", "reading": "reading", "unread": "unread", "toread": "unread"}
_ENTRY_START = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)
_BLOCK_START = re.compile(r"^[^\S\n]*@\w*[ \t]*[{(]", re.MULTILINE)
"""Where bibtexparser's splitter starts a block, abandoning any still open."""


def count_entry_starts(text: str) -> int:
    """How many lines of text open a BibTeX entry: a measure of whether text is BibTeX."""
    return sum(1 for _ in _ENTRY_START.finditer(text))


def decode_latex(text: str) -> str:
    """Accents, special letters and escapes to Unicode; bare {case-protection} braces dropped."""
    text = _ACCENT.sub(lambda m: _accent(m.group(1), m.group(2) or m.group(3)), text)
    text = _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    parts = _ESCAPED.split(text)
    # split() leaves escaped characters at odd positions; only the even, unescaped parts lose braces
    return "".join(part if i % 2 else _drop_protection_braces(part) for i, part in enumerate(parts))


def _drop_protection_braces(text: str) -> str:
    """Drop {case-protection} braces, keeping those that hold a command's argument (\\emph{x})."""
    if "{" not in text and "}" not in text:
        return text
    command_ends = {m.end() for m in _COMMAND.finditer(text)}
    kept: list[str] = []
    opened: list[bool] = []
    for i, char in enumerate(text):
        if char == "{":
            opened.append(i in command_ends)
            if opened[-1]:
                kept.append(char)
        elif char == "}":
            if opened and opened.pop():
                kept.append(char)
        else:
            kept.append(char)
    return "".join(kept)


def _accent(mark: str, letter: str) -> str:
    import unicodedata

    base = "i" if letter == "\\i" else "j" if letter == "\\j" else letter
    return unicodedata.normalize("NFC", base + _ACCENTS[mark])


def _authors(field: str) -> tuple[tuple[str, ...], bool]:
    names: list[str] = []
    current: list[str] = []
    depth = 0
    tokens = re.split(r"(\s+and\s+|[{}])", field)
    for token in tokens:
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        if depth == 0 and re.fullmatch(r"\s+and\s+", token or ""):
            names.append("".join(current))
            current = []
        else:
            current.append(token)
    names.append("".join(current))
    truncated = False
    result = []
    for name in (decode_latex(n).strip() for n in names):
        if name.lower() == "others":
            truncated = True
        elif name:
            last, comma, first = name.partition(",")
            result.append(f"{first.strip()} {last.strip()}".strip() if comma else " ".join(name.split()))
    return tuple(result), truncated


def _date(fields: dict[str, str]) -> tuple[dt.date | None, bool]:
    if "date" in fields:
        match = re.match(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", fields["date"])
        if match:
            year, month, day = (int(g) if g else 1 for g in match.groups())
            try:
                return dt.date(year, month, day), True
            except ValueError:
                return None, False
    year_text = fields.get("year", "")
    if not re.fullmatch(r"\d{4}", year_text.strip()):
        return None, False
    month_text = fields.get("month", "").strip().lower()[:3]
    month = _MONTHS.get(month_text) or (int(month_text) if month_text.isdigit() and 1 <= int(month_text) <= 12 else 1)
    return dt.date(int(year_text), month, 1), True


def _links(fields: dict[str, str]) -> tuple[str, ...]:
    found = []
    if fields.get("url"):
        found.append(fields["url"].strip())
    if fields.get("doi"):
        found.append("https://doi.org/" + fields["doi"].strip().removeprefix("https://doi.org/"))
    if fields.get("eprint") and fields.get("archiveprefix", "").lower() == "arxiv":
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


def _blocks(text: str) -> Iterator[tuple[int, Library]]:
    """bibtexparser libraries for the pieces of text, each with the @string macros defined before it."""
    macros = ""
    for lines_before, piece in _pieces(text):
        library = bibtexparser.parse_string(macros + piece)
        yield lines_before - macros.count("\n"), library
        defined_before = macros.count("\n")
        macros += "".join((b.raw or "") + "\n" for b in library.strings if (b.start_line or 0) >= defined_before)


def parse_bibtex(text: str, *, today: dt.date) -> ParseResult:
    """Parse BibTeX text. Never raises: unreadable entries come back as problems."""
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # its complaints become our problems
    drafts: list[PaperDraft] = []
    problems: list[Problem] = []
    failed: list[int] = []
    try:
        for offset, library in _blocks(text):
            twins: list[Entry] = []
            for block in library.failed_blocks:
                line = offset + (block.start_line or 0) + 1
                twin = getattr(block, "ignore_error_block", None)
                if isinstance(block, DuplicateBlockKeyBlock) and isinstance(twin, Entry):
                    twins.append(twin)  # a key used twice (or two empty ones, as JabRef writes): still a paper
                    said = f"citation key {block.key!r} is used twice" if block.key else "entry has no citation key"
                    problems.append(Problem(line, f"{said}; imported, with a key of its own", "note"))
                else:
                    failed.append(line)
            drafts += _drafts([*library.entries, *_as_parsed(twins, library)], offset, problems)
    except Exception as exc:  # the parser's own failures are data here
        return ParseResult((), (Problem(1, f"not a readable BibTeX file: {exc}", "error"),))
    unreadable = "could not read this entry (unbalanced braces or quotes?); skipped"
    problems += (Problem(line, unreadable) for line in failed[:_FAILURES_SHOWN])
    if len(failed) > _FAILURES_SHOWN:
        more = f"{len(failed) - _FAILURES_SHOWN:,} more entries from here on could not be read; skipped"
        problems.append(Problem(failed[_FAILURES_SHOWN], more))
    if not drafts and not problems:
        problems.append(Problem(1, "no BibTeX entries found", "error"))
    elif not drafts:
        problems.append(Problem(1, "no entry could be read; nothing imported", "error"))
    return ParseResult(tuple(drafts), tuple(sorted(problems, key=lambda p: p.line)))


def _as_parsed(twins: list[Entry], library: Library) -> list[Entry]:
    """Entries the parser set aside as duplicates, through the same steps as the others (macros
    resolved, enclosing braces removed), which it skips for them."""
    if not twins:
        return []
    from bibtexparser.middlewares import default_parse_stack

    parsed = bibtexparser.Library([*library.strings, *twins])
    for middleware in default_parse_stack(allow_inplace_modification=True):
        parsed = middleware.transform(parsed)
    return list(parsed.entries)


def _drafts(entries: list[Entry], offset: int, problems: list[Problem]) -> list[PaperDraft]:
    drafts: list[PaperDraft] = []
    for entry in sorted(entries, key=lambda e: e.start_line or 0):
        line = offset + (entry.start_line or 0) + 1
        fields = {f.key.lower(): str(f.value) for f in entry.fields}
        title = " ".join(decode_latex(fields.get("title", "")).split())
        if not title_key(title):
            problems.append(Problem(line, f"entry {entry.key!r} has no title; skipped"))
            continue
        authors, truncated = _authors(fields.get("author", ""))
        date, has_year = _date(fields)
        abstract = decode_latex(fields.get("abstract", ""))
        links = _links(fields)
        code = extract_links(" ".join(links))[1] + extract_links(abstract)[1]  # by host; by sentence in the abstract
        note = "\n\n".join(decode_latex(fields[k]) for k in ("note", "annote") if fields.get(k))
        tags = tuple(t.strip() for t in re.split(r"[,;]", decode_latex(fields.get("keywords", ""))) if t.strip())
        status = _READ_STATUS.get(fields.get("readstatus", "").strip().lower().replace(" ", ""), "unread")
        drafts.append(
            PaperDraft(
                title=title,
                authors=authors,
                authors_truncated=truncated,
                category=_category(fields),
                date=date,
                date_has_year=has_year,
                abstract=abstract,
                links=tuple(dict.fromkeys((*links, *extract_links(abstract)[0]))),
                code_urls=tuple(dict.fromkeys(code)),
                has_code=bool(code),
                line=line,
                user=UserData(status, note, tags),
                original=entry.raw or "",
            )
        )
    return drafts


def _category(fields: dict[str, str]) -> str | None:
    primary = fields.get("primaryclass", "")
    match = re.fullmatch(r"\s*[a-z-]+\.([A-Z]{2})\s*", primary)
    return match.group(1) if match else None
