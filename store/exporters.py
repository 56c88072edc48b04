"""Pure formatters from papers to the export formats and to JSON records."""

from __future__ import annotations

import csv
import io
import json
import re
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any, NamedTuple

from store.files import safe_file_name
from store.keys import assign_keys
from store.latex import bibtex_text, decode_latex, protect_case, strip_controls
from store.models import MONTH_NAMES, MONTHS, Paper, ReadStatus
from store.source import USER_FIELDS, first_fields, keywords, read_source
from store.text import printable

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from store.names import Name

RECORD_KEYS = (
    "id", "title", "authors", "authors_truncated", "affiliations", "category", "date", "date_has_year",
    "score", "has_code", "links", "code_urls", "abstract", "status", "note", "tags", "sources",
    "added_at", "status_changed_at", "key", "entry", "priority",
)  # fmt: skip
FORMATS = ("json", "csv", "markdown", "bibtex", "biblatex", "csl", "ris")

_INDENT = re.compile("^", re.MULTILINE)
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def record(paper: Paper) -> dict[str, Any]:
    """The stable JSON shape of a paper, shared by export, list --json and show --json."""
    return {
        "id": paper.id,
        "title": paper.title,
        "authors": list(paper.authors),
        "authors_truncated": paper.authors_truncated,
        "affiliations": list(paper.affiliations),
        "category": paper.category,
        "date": paper.date.isoformat() if paper.date else None,
        "date_has_year": paper.date_has_year,
        "score": paper.score,
        "has_code": paper.has_code,
        "links": list(paper.links),
        "code_urls": list(paper.all_code_urls),
        "abstract": paper.abstract,
        "status": paper.status.value,
        "note": paper.note,
        "tags": list(paper.tags),
        "sources": list(paper.sources),
        "added_at": paper.added_at,
        "status_changed_at": paper.status_changed_at,
        "key": paper.cite_key or None,
        "entry": _entry_record(paper.original),
        "priority": paper.priority,
    }


def _entry_record(original: str) -> dict[str, Any] | None:
    """The kept BibTeX entry in a record: its type and fields as LaTeX (null for other papers)."""
    kept = read_source(original) if original else None
    return {"type": kept[0], "fields": [list(pair) for pair in kept[1]]} if kept else None


def dumps(value: Any) -> str:
    """JSON that keeps text exact but escapes every character a terminal could act on."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_SCALAR = (str, int, float, bool, type(None))
_encode = json.JSONEncoder(ensure_ascii=False).encode
"""The C encoder: json.dumps with indent= falls back to pure Python, ten times slower."""
_CONSTANTS = {None: "null", True: "true", False: "false"}


def _scalar(value: Any) -> str:
    """One scalar as json.dumps writes it; strings, the common case, straight to the C escaper."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None or isinstance(value, bool):
        return _CONSTANTS[value]
    return _encode(value)


def _record_in_list(row: dict[str, Any]) -> str:
    """``dumps(row)`` indented one level, as it stands inside a list; flat rows laid out by hand.

    A record's values are scalars or lists of scalars, so each is encoded on its own by the C
    encoder and placed where ``indent=2`` would put it; anything deeper goes the slow way.
    """
    lines = []
    for key, value in row.items():
        if isinstance(value, list) and isinstance(key, str) and all(isinstance(v, _SCALAR) for v in value):
            text = "[]" if not value else "[\n" + ",\n".join("      " + _scalar(v) for v in value) + "\n    ]"
        elif isinstance(value, _SCALAR) and isinstance(key, str):
            text = _scalar(value)
        else:
            return _INDENT.sub("  ", dumps(row))
        lines.append(f"    {_scalar(key)}: {text}")
    body = "{\n" + ",\n".join(lines) + "\n  }" if lines else "{}"
    return "  " + _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", body)


def json_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The text of ``dumps(list(rows)) + "\\n"``, a row at a time, so a large list streams."""
    first = True
    for row in rows:
        yield ("[\n" if first else ",\n") + _record_in_list(row)
        first = False
    yield "[]\n" if first else "\n]\n"


def to_json(papers: Iterable[Paper]) -> str:
    return "".join(json_chunks(map(record, papers)))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""What makes a spreadsheet read a cell as a formula (full-width forms included, as some do)."""


def _cell(value: object) -> str:
    """A CSV cell that shows its text: control codes visible, and never run as a formula."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = printable("; ".join(map(str, value)) if isinstance(value, list) else str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_chunks(papers: Iterable[Paper]) -> Iterator[str]:
    """CSV with a header row, a paper at a time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RECORD_KEYS)
    for paper in papers:
        row = record(paper)
        writer.writerow(_cell(row[k]) for k in RECORD_KEYS)
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()


def to_csv(papers: Iterable[Paper]) -> str:
    return "".join(csv_chunks(papers))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def _md(text: str) -> str:
    """Untrusted text as literal Markdown: no links, emphasis or HTML can come out of it."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", printable(text, keep_newlines=False))


def byline(paper: Paper, *, limit: int = 3) -> str:
    """Authors for one line: the first few, then et al. when there are more or the list was cut."""
    shown = list(paper.authors[:limit])
    more = len(paper.authors) > limit or paper.authors_truncated
    return ", ".join(shown) + (" et al." if more else "")


_MARKDOWN_GROUPS = (
    (ReadStatus.READING, "Reading"),
    (ReadStatus.QUEUED, "Up next"),
    (ReadStatus.UNREAD, "To read"),
    (ReadStatus.READ, "Read"),
)


def markdown_chunks(
    groups: Mapping[ReadStatus, tuple[int, Iterable[Paper]]], *, heading: str = "Reading list"
) -> Iterator[str]:
    """A reading list grouped by status, each paper's note under it, a line at a time.

    ``groups[status]`` is how many papers have that status and the papers themselves, which
    are read only as they are written.
    """
    lines = _markdown_lines(groups, heading)
    previous = next(lines)
    for line in lines:
        yield previous + "\n"
        previous = line
    yield previous


def _markdown_lines(groups: Mapping[ReadStatus, tuple[int, Iterable[Paper]]], heading: str) -> Iterator[str]:
    yield from (f"# {heading}", "")
    for status, title in _MARKDOWN_GROUPS:
        count, papers = groups.get(status, (0, ()))
        if not count:
            continue
        yield from (f"## {title} ({count})", "")
        for paper in papers:
            box = "x" if status == ReadStatus.READ else " "
            facts = ", ".join(str(x) for x in (paper.year, paper.category) if x)
            line = f"- [{box}] **{_md(paper.title)}** — {_md(byline(paper))}"
            if facts:
                line += f" ({facts})"
            if paper.all_code_urls:
                line += f" · [code](<{paper.all_code_urls[0]}>)"
            if paper.tags:
                line += " · " + " ".join(f"`{_md(t)}`" for t in paper.tags)
            yield line
            for note_line in printable(paper.note).strip().splitlines():
                yield f"  > {note_line}".rstrip()
        yield ""


def to_markdown(papers: Sequence[Paper], *, heading: str = "Reading list") -> str:
    groups = {status: [p for p in papers if p.status == status] for status, _ in _MARKDOWN_GROUPS}
    return "".join(markdown_chunks({s: (len(g), g) for s, g in groups.items()}, heading=heading))


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
    kept = _kept_entry(paper)
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
        month = _month_macro(given.get("month", ""))
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


def _kept_entry(paper: Paper) -> tuple[str, list[tuple[str, str]]] | None:
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
        month = _month_macro(value)
        if month:
            return f"  month = {month}"
    if name in _VERBATIM:
        value = value.strip() if _balanced(value) else _bibtex_url(value)
    elif not escaped:
        value = protect_case(bibtex_text(value))
    elif not _balanced(value):
        value = bibtex_text(decode_latex(value))  # a stray brace or backslash: text, not structure
    return f"  {name} = {{{value}}}"


def _month_macro(value: str) -> str | None:
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


_CSL_TYPES = {"article": "article-journal", "inproceedings": "paper-conference", "conference": "paper-conference",
              "book": "book", "proceedings": "book", "collection": "book", "incollection": "chapter",
              "inbook": "chapter", "techreport": "report", "report": "report", "phdthesis": "thesis",
              "mastersthesis": "thesis", "thesis": "thesis", "unpublished": "manuscript", "online": "webpage",
              "manual": "report", "booklet": "pamphlet", "dataset": "dataset", "software": "software"}  # fmt: skip
"""BibTeX and biblatex entry types as CSL types (the rest, misc and preprints, are "article")."""
_CSL_FIELDS = {"journal": "container-title", "journaltitle": "container-title", "booktitle": "container-title",
               "publisher": "publisher", "address": "publisher-place", "location": "publisher-place",
               "institution": "publisher", "school": "publisher", "volume": "volume", "number": "issue",
               "pages": "page", "edition": "edition", "isbn": "ISBN", "issn": "ISSN", "doi": "DOI",
               "series": "collection-title", "note": "note"}  # fmt: skip
"""BibTeX fields carried into CSL-JSON, decoded from LaTeX."""


def _csl_name(name: Name) -> dict[str, str]:
    if name.corporate or (not name.given and not name.particle):
        return {"literal": name.display}
    parts = {"family": name.family, "given": name.given, "non-dropping-particle": name.particle, "suffix": name.suffix}
    return {k: v for k, v in parts.items() if v}


def csl_item(paper: Paper, key: str, *, with_notes: bool = False) -> dict[str, Any]:
    """A paper as CSL-JSON, the shape Zotero, pandoc and Quarto read (valid against the CSL schema).

    An imported BibTeX entry gives its type, names in their parts, container, pages, DOI and a date
    only as precise as it was written (a year alone is ``[[2021]]``).
    """
    from store.names import bibtex_names  # deferred, as above

    ref = _reference(paper)
    fields = ref.fields
    subtitle = " ".join(decode_latex(fields.get("subtitle", "")).split())
    item: dict[str, Any] = {
        "id": key,
        "type": _CSL_TYPES.get(ref.kind, "article"),
        "title": f"{paper.title}: {subtitle}" if subtitle and subtitle not in paper.title else paper.title,
        "author": [_csl_name(n) for n in ref.names],
    }
    if fields.get("editor", "").strip():
        item["editor"] = [_csl_name(n) for n in bibtex_names(fields["editor"])[0]]
    if item["type"] == "article-journal" and not (fields.get("journal") or fields.get("journaltitle")):
        item["type"] = "article"
    if ref.issued:
        item["issued"] = {"date-parts": [ref.issued]}
    periodical = item["type"] in ("article-journal", "article-magazine", "article-newspaper", "article")
    for name, value in fields.items():
        if name == "location" and fields.get("address", "").strip():
            continue  # the publisher's address is its place; a location beside it is the venue's
        if name == "number" and not periodical:
            item["number"] = " ".join(decode_latex(value).split())  # a report's or a series' number
            continue
        if name in _CSL_FIELDS and value.strip() and _CSL_FIELDS[name] not in item:
            if name == "doi":
                item["DOI"] = value.strip()
            elif name == "pages":
                item["page"] = value.strip().replace("--", "-")
            else:
                item[_CSL_FIELDS[name]] = " ".join(decode_latex(value).split())
    if paper.abstract:
        item["abstract"] = paper.abstract
    if ref.url:
        item["URL"] = ref.url
    if paper.tags:
        item["keyword"] = ", ".join(paper.tags)
    if with_notes and paper.note.strip():
        item["annote"] = paper.note.strip()  # CSL's "note" is printed by styles; "annote" is the reader's
    if ref.truncated:
        item["custom"] = {"authors-truncated": True}  # the file said "and others": more authors than listed
    return item


class _Reference(NamedTuple):
    """What the CSL-JSON and RIS exports read of a paper: its kept entry if it has one, else the paper."""

    kind: str
    """The BibTeX entry type ("" for a paper with no kept entry)."""
    fields: dict[str, str]
    names: list[Name]
    truncated: bool
    issued: list[int] | None
    url: str


def _reference(paper: Paper) -> _Reference:
    from store.names import bibtex_names, name_parts  # deferred: bibtexparser splits the names

    kept = _kept_entry(paper)
    fields = first_fields(kept[1]) if kept else {}
    if "author" in fields:
        names, truncated = bibtex_names(fields["author"])
    else:
        names, truncated = [name_parts(a) for a in paper.authors], paper.authors_truncated
    return _Reference(
        kind=kept[0] if kept else "",
        fields=fields,
        names=names,
        truncated=truncated,
        issued=_csl_date(fields) if kept else _dump_date(paper),
        url=fields.get("url", "").strip() or (paper.all_code_urls or paper.links or ("",))[0],
    )


def _dump_date(paper: Paper) -> list[int] | None:
    """A profile dump dates each paper to the day; a date whose year was inferred is left out."""
    return [paper.date.year, paper.date.month, paper.date.day] if paper.date and paper.date_has_year else None


def _csl_date(fields: Mapping[str, str]) -> list[int] | None:
    """The date as precisely as the entry wrote it: year, year and month, or a full date field."""
    match = re.match(r"\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", fields.get("date", ""))
    if match:
        return [int(g) for g in match.groups() if g]
    year = re.fullmatch(r"\s*(\d{4})\s*", fields.get("year", ""))
    if not year:
        return None
    month = _month_macro(fields.get("month", ""))
    return [int(year.group(1)), *([MONTHS.index(month) + 1] if month else [])]


def csl_chunks(papers: Iterable[Paper], keys: Mapping[int, str], *, with_notes: bool = False) -> Iterator[str]:
    return json_chunks(csl_item(p, keys[p.id], with_notes=with_notes) for p in papers)


_RIS_TYPES = {"article": "JOUR", "inproceedings": "CPAPER", "conference": "CPAPER", "book": "BOOK",
              "proceedings": "BOOK", "incollection": "CHAP", "inbook": "CHAP", "techreport": "RPRT",
              "phdthesis": "THES", "mastersthesis": "THES", "unpublished": "UNPB", "online": "ELEC"}  # fmt: skip
_RIS_FIELDS = (("journal", "JO"), ("journaltitle", "JO"), ("booktitle", "T2"), ("volume", "VL"), ("number", "IS"),
               ("publisher", "PB"), ("institution", "PB"), ("school", "PB"), ("address", "CY"),
               ("location", "CY"), ("doi", "DO"), ("issn", "SN"), ("isbn", "SN"), ("edition", "ET"),
               ("series", "T3"), ("note", "M2"))  # fmt: skip
"""BibTeX fields as RIS tags. The entry's own note goes to M2, where Zotero keeps the same text (its "extra",
which its BibTeX translator writes as `note`); N1 is the reader's note."""


def ris_entry(paper: Paper, key: str, *, with_notes: bool = False) -> str:
    """One RIS reference (EndNote, Mendeley, Zotero): a kept entry's details, names as Last, First."""

    ref = _reference(paper)
    fields = ref.fields
    lines = [("TY", _RIS_TYPES.get(ref.kind, "GEN")), ("ID", key), ("TI", paper.title)]
    lines += [("AU", _ris_name(n)) for n in ref.names]
    if fields.get("editor", "").strip():
        from store.names import bibtex_names  # deferred: bibtexparser splits the names

        lines += [("ED", _ris_name(n)) for n in bibtex_names(fields["editor"])[0]]
    if ref.issued:
        lines.append(("PY", "/".join(f"{n:02d}" if i else str(n) for i, n in enumerate(ref.issued)) + "/"))
    seen: set[str] = set()
    for name, tag in _RIS_FIELDS:
        if fields.get(name, "").strip() and tag not in seen:
            seen.add(tag)
            lines.append((tag, fields[name].strip() if name == "doi" else decode_latex(fields[name])))
    if fields.get("pages"):
        pages = re.split(r"\s*[-\u2013]+\s*", fields["pages"].strip(), maxsplit=1)
        lines += [("SP", pages[0])] + ([("EP", pages[1])] if len(pages) > 1 and pages[1] else [])
    if ref.url:
        lines.append(("UR", ref.url))
    if paper.abstract:
        lines.append(("AB", paper.abstract))
    lines += [("KW", tag) for tag in paper.tags]
    if with_notes and paper.note.strip():
        lines.append(("N1", paper.note.strip()))
    body = "".join(f"{tag}  - {_ris_value(value)}\r\n" for tag, value in lines if value)
    return body + "ER  - \r\n"


def _ris_name(name: Name) -> str:
    if name.corporate or not name.given:
        return name.display
    family = " ".join(p for p in (name.particle, name.family) if p)
    return ", ".join(p for p in (family, name.given, name.suffix) if p)


def _ris_value(value: str) -> str:
    """One line of printable text: RIS has no way to continue a value, or to hold a control code."""
    if not value.isprintable():
        value = "".join(c if c.isprintable() else " " for c in value)
    return " ".join(value.split())


def ris_chunks(papers: Iterable[Paper], keys: Mapping[int, str], *, with_notes: bool = False) -> Iterator[str]:
    for position, paper in enumerate(papers):
        yield ("\r\n" if position else "") + ris_entry(paper, keys[paper.id], with_notes=with_notes)


_YAML_BREAKS = ("\x85", "\u2028", "\u2029")


def _front_matter(fields: Mapping[str, Any]) -> str:
    """YAML that reads back exactly: PyYAML would fold NEL and friends into a space in a
    single-quoted string, so strings holding them are written double-quoted, where they are escaped."""
    import yaml  # deferred: only the notes export needs it

    class Dumper(yaml.SafeDumper):
        pass

    def string(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
        style = '"' if any(c in text for c in _YAML_BREAKS) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)

    Dumper.add_representer(str, string)
    return yaml.dump(fields, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=float("inf"))


def note_files(papers: Sequence[Paper]) -> dict[str, str]:
    """One Markdown file per paper with a note (``note_file``), by file name."""
    keys = citation_keys(papers)
    return dict(note_file(p, keys[p.id]) for p in sorted(papers, key=lambda p: p.id) if p.note.strip())


def note_file(paper: Paper, key: str) -> tuple[str, str]:
    """A paper's note as a Markdown file: its name, and YAML front matter then the note.

    The name comes from the citation key, so it stays stable from one export to the next. The
    front matter is written by PyYAML, which escapes whatever YAML cannot hold raw.
    """
    front = {
        "title": paper.title,
        "authors": list(paper.authors),
        "year": paper.year,
        "status": paper.status.value,
        "tags": list(paper.tags),
        "links": list(dict.fromkeys((*paper.all_code_urls, *paper.links))),
        "papershelf_id": paper.id,
    }
    return note_file_name(key), f"---\n{_front_matter(front)}---\n\n{paper.note.rstrip()}\n"


def note_file_name(key: str) -> str:
    """The file a paper's note is written to, named by its citation key (stable across exports)."""
    return safe_file_name(key, ".md")


def note_of_file(text: str) -> str:
    """The note a note file holds: what follows its front matter (the front matter is papershelf's)."""
    text = text.replace("\r\n", "\n")
    if text.startswith("---\n"):
        end = text.find("\n---\n", 3)
        if end >= 0:
            text = text[end + 5 :]
    return text.strip("\n").rstrip()


def export_chunks(papers: Iterable[Paper], fmt: str) -> Iterator[str]:
    """JSON or CSV as it is written, a paper at a time."""
    return json_chunks(map(record, papers)) if fmt == "json" else csv_chunks(papers)


KEYED: dict[str, Callable[..., Iterator[str]]] = {
    "bibtex": bibtex_chunks, "biblatex": biblatex_chunks, "csl": csl_chunks, "ris": ris_chunks
}  # fmt: skip
"""The formats that cite by key, written in id order under each paper's stored key."""


def export(papers: Sequence[Paper], fmt: str, *, with_notes: bool = False, with_status: bool = False) -> str:
    """The papers in one format; private notes go into BibTeX and CSL-JSON only with ``with_notes``,
    the reading status into BibTeX only ``with_status``."""
    if fmt == "json":
        return to_json(papers)
    if fmt == "csv":
        return to_csv(papers)
    if fmt == "markdown":
        return to_markdown(papers)
    if fmt in KEYED:
        options = {"with_status": with_status} if fmt in ("bibtex", "biblatex") else {}
        ordered = sorted(papers, key=lambda p: p.id)
        return "".join(KEYED[fmt](ordered, citation_keys(papers), with_notes=with_notes, **options))
    raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
