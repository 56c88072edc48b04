"""BibTeX and biblatex: an imported entry as its file had it, else one made from the paper."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from store.keys import assign_keys
from store.latex import bibtex_text, decode_latex, protect_case, strip_controls
from store.models import MONTH_NAMES, MONTHS, Paper
from store.source import USER_FIELDS, keywords, read_source

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence


def bibtex_entry(
    paper: Paper, key: str, *, with_notes: bool = False, with_status: bool = False, biblatex: bool = False
) -> str:
    """One entry: an imported one as its file had it (type, every field, its LaTeX), otherwise made
    from the paper; then the user's tags, and the reading status and the note as annote when asked
    (``readstatus`` is JabRef's field, which biber's data model does not know).

    Whatever the source held, what comes out parses in BibTeX, biber and pybtex: braces balance,
    URLs and DOIs are not LaTeX-escaped, months are macros and no month or day is made up. With
    ``biblatex`` the entry is written in biblatex's own terms (see ``_as_biblatex``).
    """
    kept = kept_entry(paper)
    kind, fields = kept if kept is not None else ("misc", _made_fields(paper))  # a preprint: no journal to name
    kind = kind if _NAME.fullmatch(kind) else "misc"
    if biblatex:
        kind, fields = _as_biblatex(kind, fields)
    lines = []
    seen: set[str] = set()
    for name, value in fields:
        if name in seen or name in USER_FIELDS or not value.strip() or not _NAME.fullmatch(name):
            continue  # BibTeX reads the first of a repeated field; strict parsers refuse the second
        if name == "keywords" and not _same_tags(value, paper.tags):
            continue  # the user changed the tags: they are written from the tags below
        seen.add(name)
        lines.append(_bibtex_field(name, value, escaped=kept is not None or name != "title"))
    if paper.key_aliases and "ids" not in seen:  # biblatex: the keys older documents cite it by
        lines.append(f"  ids = {{{', '.join(paper.key_aliases)}}}")
    if paper.tags and "keywords" not in seen:
        written = (f"{{{bibtex_text(t)}}}" if "," in t or ";" in t else bibtex_text(t) for t in paper.tags)
        lines.append(f"  keywords = {{{', '.join(written)}}}")
    if with_status:
        lines.append(f"  readstatus = {{{paper.status.value}}}")
    if with_notes and paper.note.strip():
        lines.append(f"  annote = {{{bibtex_text(paper.note.strip())}}}")
    return f"@{kind}{{{key},\n" + ",\n".join(lines) + "\n}\n"


_BIBLATEX_TYPES = {"phdthesis": ("thesis", "phdthesis"), "mastersthesis": ("thesis", "mathesis"),
                   "techreport": ("report", "techreport"), "conference": ("inproceedings", ""),
                   "electronic": ("online", ""), "www": ("online", "")}  # fmt: skip
_BIBLATEX_FIELDS = {"journal": "journaltitle", "address": "location", "school": "institution",
                    "archiveprefix": "eprinttype", "primaryclass": "eprintclass"}  # fmt: skip


def _as_biblatex(kind: str, fields: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    """An entry in biblatex's terms: @thesis and @report with their type, journaltitle, location,
    eprinttype and eprintclass, and one ``date`` as precise as the year and month were."""
    kind, subtype = _BIBLATEX_TYPES.get(kind, (kind, ""))
    given = dict(fields)
    out = [(_BIBLATEX_FIELDS.get(n, n), v.lower() if n == "archiveprefix" else v) for n, v in fields
           if n not in ("year", "month") or given.get("date")]  # fmt: skip
    if "date" not in given and given.get("year", "").strip().isdigit():
        month = month_macro(given.get("month", ""))
        date = given["year"].strip() + (f"-{MONTHS.index(month) + 1:02d}" if month else "")
        at = next((i for i, (n, _) in enumerate(fields) if n == "year"), len(out))
        out.insert(min(at, len(out)), ("date", date))
    if subtype and "type" not in given:
        out.append(("type", subtype))
    return kind, out


_NAME = re.compile(r"[a-z][a-z0-9_:.+-]{0,63}")
"""An entry type or field name every BibTeX reader takes; anything else a broken file left is dropped."""


def citation_keys(papers: Iterable[Paper]) -> dict[int, str]:
    """Each paper's stored key. A paper made in memory (no key, or a copy whose key another paper
    here already has) gets a made one that clashes with none."""
    keys: dict[int, str] = {}
    taken: set[str] = set()
    fresh = []
    for paper in sorted(papers, key=lambda p: p.id):
        if paper.cite_key and paper.cite_key.casefold() not in taken:
            keys[paper.id] = paper.cite_key
            taken.add(paper.cite_key.casefold())
        else:
            fresh.append((paper.id, paper.title, paper.authors, paper.year if paper.date_has_year else None, ""))
    return keys | assign_keys(fresh, taken)


_VERBATIM = frozenset({"url", "doi", "eprint", "file", "urldate"})
"""Fields BibTeX styles print as they are (biblatex: verbatim): never LaTeX-escaped."""
_MONTH_NUMBERS = {str(n): m for n, m in enumerate(MONTHS, start=1)} | {f"0{n}": MONTHS[n - 1] for n in range(1, 10)}
_FULL_MONTHS = {name.lower(): m for m, name in zip(MONTHS, MONTH_NAMES, strict=True)}


def _same_tags(value: str, tags: Sequence[str]) -> bool:
    """Whether a kept keywords field still says what the paper's tags say (case aside)."""

    written = {decode_latex(k).strip().casefold() for k in keywords(value)}
    return written == {t.casefold() for t in tags}


def kept_entry(paper: Paper) -> tuple[str, list[tuple[str, str]]] | None:
    """The entry its file gave a paper, with the user's corrections (``Paper.edited``) put in as LaTeX."""
    kept = read_source(paper.original) if paper.original else None
    if kept is None or not paper.edited:
        return kept
    kind, fields = kept
    mine: dict[str, str] = {}
    if "title" in paper.edited:
        mine["title"] = protect_case(bibtex_text(paper.title))
    if "authors" in paper.edited:
        mine["author"] = bibtex_text(" and ".join(paper.authors))
    if "year" in paper.edited and paper.date:
        mine["year"] = str(paper.date.year)
        mine["date"] = next((paper.date.isoformat()[:4] + v[4:] for k, v in fields if k == "date"), "")
    if "url" in paper.edited and paper.links:
        mine["url"] = paper.links[0]
    fields = [(k, mine.pop(k) if k in mine else v) for k, v in fields]
    return kind, fields + [(k, v) for k, v in mine.items() if v]


def _made_fields(paper: Paper) -> list[tuple[str, str]]:
    """The fields of a paper that came from a profile dump, as LaTeX (the title still to protect)."""
    fields = [
        ("title", paper.title),
        ("author", bibtex_text(" and ".join(paper.authors) + (" and others" if paper.authors_truncated else ""))),
    ]
    if paper.date and paper.date_has_year:  # a dump dates each paper to the day; an inferred year is left out
        fields += [("year", str(paper.date.year)), ("month", MONTHS[paper.date.month - 1])]
        fields.append(("date", paper.date.isoformat()))  # biblatex's full date; BibTeX reads year and month
    if paper.abstract:
        fields.append(("abstract", bibtex_text(paper.abstract)))
    url = (paper.all_code_urls or paper.links or (None,))[0]
    if url:
        fields.append(("url", url))
    return fields


def _bibtex_field(name: str, value: str, *, escaped: bool) -> str:
    """One field line. value is LaTeX already, except a made title, which is escaped and protected.

    Control and bidi characters are dropped whatever the source held: an entry is data, never a
    terminal escape or reordered text."""
    value = strip_controls(value, keep="\n\t")
    if name == "month":
        month = month_macro(value)
        if month:
            return f"  month = {month}"
    if name in _VERBATIM:
        value = value.strip() if _balanced(value) else _bibtex_url(value)
    elif not escaped:
        value = protect_case(bibtex_text(value))
    elif not _balanced(value):
        value = bibtex_text(decode_latex(value))  # a stray brace or backslash: text, not structure
    return f"  {name} = {{{value}}}"


def month_macro(value: str) -> str | None:
    text = value.strip().lower()
    return text if text in MONTHS else _MONTH_NUMBERS.get(text) or _FULL_MONTHS.get(text)


def _bibtex_url(url: str) -> str:
    """A verbatim value whose braces do not pair up (or that ends in a backslash), with those
    percent-encoded: as written, it would break the entry around it."""
    return "".join(f"%{ord(c):02X}" if c in "{}\\" else c for c in url.strip())


_BRACE = re.compile(r"[{}]")


def _balanced(value: str) -> bool:
    """Whether value reads as one braced value both as BibTeX reads it (every brace counts, even
    after a backslash) and as parsers that take \\{ for an escaped brace do; a value ending in a
    backslash would swallow the closing brace for the latter."""
    if value.endswith("\\"):
        return False
    if "{" not in value and "}" not in value:
        return True
    braces = [m.start() for m in _BRACE.finditer(value)]  # only the braces are walked, not every character
    for skip_escaped in (False, True):
        depth = 0
        for i in braces:
            if skip_escaped and i and value[i - 1] == "\\":
                continue
            depth += 1 if value[i] == "{" else -1
            if depth < 0:
                return False
        if depth:
            return False
    return True


def bibtex_chunks(
    papers: Iterable[Paper],
    keys: Mapping[int, str],
    *,
    with_notes: bool = False,
    with_status: bool = False,
    biblatex: bool = False,
) -> Iterator[str]:
    """Entries one at a time, in the order given (id order, for a stable file)."""
    for position, paper in enumerate(papers):
        yield ("\n" if position else "") + bibtex_entry(
            paper, keys[paper.id], with_notes=with_notes, with_status=with_status, biblatex=biblatex
        )


def biblatex_chunks(
    papers: Iterable[Paper], keys: Mapping[int, str], *, with_notes: bool = False, with_status: bool = False
) -> Iterator[str]:
    """The BibTeX export in biblatex's terms, for biber."""
    return bibtex_chunks(papers, keys, with_notes=with_notes, with_status=with_status, biblatex=True)
