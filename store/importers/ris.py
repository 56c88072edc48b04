"""Parse RIS (EndNote, Mendeley, Zotero, Web of Science): tagged lines, one reference from TY to ER.

Each reference becomes a paper and a kept BibTeX entry, so a BibTeX export of it keeps the journal,
pages and DOI. Zotero writes the user's notes as N1, in HTML; they become the paper's note, in Markdown.
M2 (Zotero's "extra") is the entry's own note.
"""

from __future__ import annotations

import re

from store.importers.html_note import markdown_note
from store.latex import bibtex_text, protect_case
from store.models import MONTHS, PaperDraft, ParseResult, Problem, UserData, title_key
from store.ris import RIS_TAG
from store.source import date_of, reference_draft, source_text

RIS_TO_BIBTEX = {"JOUR": "article", "JFULL": "article", "MGZN": "article", "NEWS": "article",
                 "CONF": "inproceedings", "CPAPER": "inproceedings", "BOOK": "book", "EDBOOK": "book",
                 "CHAP": "incollection", "RPRT": "techreport", "THES": "phdthesis", "UNPB": "unpublished",
                 "ELEC": "misc", "WEB": "misc", "GEN": "misc", "DATA": "misc", "COMP": "misc"}  # fmt: skip
"""RIS reference types as BibTeX entry types (others are misc)."""
_FIELDS = {"JO": "journal", "JF": "journal", "T2": "journal", "JA": "journal", "VL": "volume", "IS": "number",
           "PB": "publisher", "CY": "address", "DO": "doi", "SN": "issn", "ET": "edition",
           "T3": "series", "M2": "note"}  # fmt: skip
"""Tags carried into the kept entry as they are (the first of each). M2 is Zotero's "extra": the entry's own
note, where N1 is the reader's."""
_MAX_LINE = 100_000


_LEADING = " \t\ufeff"
"""Before the first reference: spaces, tabs and byte-order marks some exporters leave (a BOM after a space)."""


def is_ris(text: str) -> bool:
    """Whether text is RIS: its first tagged line opens a reference."""
    for line in text[:65536].splitlines():
        if line.strip(_LEADING):
            return bool(re.match(r"^TY  - ", line.lstrip(_LEADING)))
    return False


def parse_ris(text: str) -> ParseResult:
    """Parse RIS text. Never raises: a reference it cannot use is a problem naming its line."""
    drafts: list[PaperDraft] = []
    problems: list[Problem] = []
    tags: list[tuple[str, str]] = []
    start = 0
    blank = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = (raw.lstrip(_LEADING) if not tags and not drafts else raw).rstrip()[:_MAX_LINE]
        match = RIS_TAG.match(line)
        if match is None:
            if line.strip() and tags:  # a value running on to the next line
                tags[-1] = (tags[-1][0], _continued(*tags[-1], line, blank))
            elif line.strip():
                problems.append(Problem(number, f"not a RIS line (expected 'XX  - value'): {line[:40]!r}"))
            blank = not line.strip()
            continue
        blank = False
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if tags:
                problems.append(Problem(start, "reference has no ER line; read up to the next TY"))
                _add(tags, start, drafts, problems)
            tags, start = [("TY", value)], number
        elif tag == "ER":
            if tags:
                _add(tags, start, drafts, problems)
            tags = []
        elif tags:
            tags.append((tag, value))
    if tags:
        problems.append(Problem(start, "the last reference has no ER line; imported with what it has"))
        _add(tags, start, drafts, problems)
    if not drafts:
        problems.append(Problem(1, "no RIS reference could be read; nothing imported", "error"))
    return ParseResult(tuple(drafts), tuple(problems))


def _continued(tag: str, value: str, line: str, after_blank: bool) -> str:
    """value with the line that goes on with it: a note keeps its lines (Zotero writes a note's lines
    so), an abstract or any other value its words, wrapped lines joined; a blank line between is a
    paragraph break. A note's line that read as a tag was written with a space before it."""
    if tag == "N1":
        text = line[1:] if line.startswith(" ") and RIS_TAG.match(line.lstrip(" ")) else line
        return value + ("\n\n" if after_blank else "\n") + text
    return value + ("\n\n" if after_blank else " ") + line.strip()


def _add(tags: list[tuple[str, str]], line: int, drafts: list[PaperDraft], problems: list[Problem]) -> None:
    first: dict[str, str] = {}
    for tag, value in tags:
        first.setdefault(tag, value)
    title = " ".join((first.get("TI") or first.get("T1") or first.get("CT") or "").split())
    if not title_key(title):
        problems.append(Problem(line, "reference has no title (TI); skipped", skipped=1))
        return
    authors_written = [v for t, v in tags if t in ("AU", "A1") and v]
    authors = tuple(_display(a) for a in authors_written)
    parts = max((_date_parts(first.get(t, "")) for t in ("PY", "Y1", "DA")), key=len)  # the most precise
    date = None
    if parts:
        try:
            date = date_of(parts)
        except ValueError:
            problems.append(Problem(line, f"impossible date {'/'.join(map(str, parts))!r}; stored without a date"))
            parts = []
    abstract = first.get("AB") or first.get("N2") or ""
    urls = [v for t, v in tags if t in ("UR", "L2") and v.startswith(("http://", "https://"))]
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", first.get("DO", ""), flags=re.IGNORECASE)
    fields: list[tuple[str, str]] = [("title", protect_case(bibtex_text(title)))]
    if authors_written:
        fields.append(("author", " and ".join(_bibtex_author(a) for a in authors_written)))
    editors = [v for t, v in tags if t in ("ED", "A2") and v]
    if editors:
        fields.append(("editor", " and ".join(_bibtex_author(a) for a in editors)))
    if parts:
        fields.append(("year", str(parts[0])))
        if len(parts) > 1:
            fields.append(("month", MONTHS[parts[1] - 1]))
        if len(parts) == 3:  # the day too: kept as biblatex's date, so no export loses it
            fields.append(("date", f"{parts[0]}-{parts[1]:02d}-{parts[2]:02d}"))
    kind = RIS_TO_BIBTEX.get(first["TY"].upper(), "misc")
    for tag, name in _FIELDS.items():
        if first.get(tag) and name not in dict(fields):
            value = doi if tag == "DO" else bibtex_text(first[tag])
            fields.append(("booktitle" if name == "journal" and kind == "inproceedings" else name, value))
    if first.get("SP"):
        fields.append(("pages", first["SP"] + (f"--{first['EP']}" if first.get("EP") else "")))
    if urls:
        fields.append(("url", urls[0]))
    if abstract:
        fields.append(("abstract", bibtex_text(abstract)))
    note = "\n\n".join(markdown_note(v) for t, v in tags if t == "N1" and v)
    keywords = tuple(dict.fromkeys(v for t, v in tags if t == "KW" and v))
    drafts.append(
        reference_draft(
            title=title,
            authors=authors,
            date=date,
            abstract=abstract,
            given_links=(*urls, f"https://doi.org/{doi}" if doi else ""),
            user=UserData("unread", note, keywords),
            original=source_text(kind, first.get("ID", ""), fields),
            line=line,
        )
    )


def _display(name: str) -> str:
    """RIS writes "Last, First" (or "Last, First, Suffix"): as a person's name is read."""
    last, _, rest = name.partition(",")
    first, _, suffix = rest.partition(",")
    return " ".join(p.strip() for p in (first, last, suffix) if p.strip())


def _bibtex_author(name: str) -> str:
    """A RIS name as BibTeX writes it: "Last, First, Jr." is "Last, Jr., First"; a name with no
    comma is an organisation, kept whole in braces."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 1:
        return "{" + bibtex_text(name.strip()) + "}"
    last, first, *suffix = parts
    return ", ".join(bibtex_text(p) for p in (last, *suffix, first) if p)


def _date_parts(value: str) -> list[int]:
    """RIS dates are "2021", "2021/03/05/" or "2021/03//other": as many parts as are given."""
    parts = []
    for piece in value.split("/")[:3]:
        if not piece.strip().isdigit():
            break
        parts.append(int(piece))
    return parts if parts and 1000 <= parts[0] <= 9999 else []
