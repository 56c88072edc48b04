"""Pure formatters from papers to the export formats and to JSON records."""

from __future__ import annotations

import csv
import io
import json
import re
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any

from store.files import safe_file_name
from store.keys import assign_keys
from store.models import MONTHS, Paper, ReadStatus
from store.text import printable

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

RECORD_KEYS = (
    "id", "title", "authors", "authors_truncated", "affiliations", "category", "date", "date_has_year",
    "score", "has_code", "links", "code_urls", "abstract", "status", "note", "tags", "sources",
    "added_at", "status_changed_at",
)  # fmt: skip
FORMATS = ("json", "csv", "markdown", "bibtex", "csl")

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
    }


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
        return encode_basestring(value)  # type: ignore[no-any-return]
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


_MARKDOWN_GROUPS = ((ReadStatus.READING, "Reading"), (ReadStatus.UNREAD, "To read"), (ReadStatus.READ, "Read"))


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


_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "_": r"\_",
                   "#": r"\#", "$": r"\$", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}  # fmt: skip
_BIBTEX_ESCAPE = re.compile("|".join(re.escape(c) for c in _BIBTEX_SPECIAL))


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


def _bibtex_value(text: str) -> str:
    """Text safe inside braces: LaTeX specials escaped, control characters dropped, UTF-8 kept."""
    cleaned = "".join(c for c in text if c.isprintable() or c == "\n").replace("\n", " ")
    return _BIBTEX_ESCAPE.sub(lambda m: _BIBTEX_SPECIAL[m.group()], cleaned)


def bibtex_entry(paper: Paper, key: str) -> str:
    """One @article; the reading status and note ride along as fields."""
    fields = [
        ("title", paper.title),
        ("author", " and ".join(paper.authors) + (" and others" if paper.authors_truncated else "")),
    ]
    if paper.date and paper.date_has_year:
        fields += [("year", str(paper.date.year)), ("month", MONTHS[paper.date.month - 1])]
    if paper.abstract:
        fields.append(("abstract", paper.abstract))
    url = (paper.all_code_urls or paper.links or (None,))[0]
    if url:
        fields.append(("url", url))
    if paper.tags:
        fields.append(("keywords", ", ".join(paper.tags)))
    fields.append(("readstatus", paper.status.value))
    if paper.note.strip():
        fields.append(("note", paper.note.strip()))
    body = ",\n".join(f"  {name} = {{{_bibtex_value(value)}}}" for name, value in fields if value)
    return f"@article{{{key},\n{body}\n}}\n"


def bibtex_chunks(papers: Iterable[Paper], keys: Mapping[int, str]) -> Iterator[str]:
    """Entries one at a time, in the order given (id order, for a stable file)."""
    for position, paper in enumerate(papers):
        yield ("\n" if position else "") + bibtex_entry(paper, keys[paper.id])


def to_bibtex(papers: Sequence[Paper]) -> str:
    return "".join(bibtex_chunks(sorted(papers, key=lambda p: p.id), citation_keys(papers)))


def _csl_name(name: str) -> dict[str, str]:
    parts = name.split()
    if len(parts) < 2:
        return {"literal": name}
    return {"given": " ".join(parts[:-1]), "family": parts[-1]}


def csl_item(paper: Paper, key: str) -> dict[str, Any]:
    """A paper as CSL-JSON, the shape Zotero, pandoc and Quarto read."""
    item: dict[str, Any] = {
        "id": key,
        "type": "article",
        "title": paper.title,
        "author": [_csl_name(a) for a in paper.authors],
    }
    if paper.date:
        parts = [paper.date.year, paper.date.month, paper.date.day] if paper.date_has_year else None
        if parts:
            item["issued"] = {"date-parts": [parts]}
    if paper.abstract:
        item["abstract"] = paper.abstract
    url = (paper.all_code_urls or paper.links or (None,))[0]
    if url:
        item["URL"] = url
    if paper.tags:
        item["keyword"] = ", ".join(paper.tags)
    if paper.note.strip():
        item["note"] = paper.note.strip()
    return item


def csl_chunks(papers: Iterable[Paper], keys: Mapping[int, str]) -> Iterator[str]:
    return json_chunks(csl_item(p, keys[p.id]) for p in papers)


def to_csl(papers: Sequence[Paper]) -> str:
    return "".join(csl_chunks(sorted(papers, key=lambda p: p.id), citation_keys(papers)))


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
    """One Markdown file per paper with a note: YAML front matter, then the note.

    File names come from the citation key, so they stay stable from one export to the next.
    The front matter is written by PyYAML, which escapes whatever YAML cannot hold raw.
    """
    keys = citation_keys(papers)
    files = {}
    for paper in sorted(papers, key=lambda p: p.id):
        if not paper.note.strip():
            continue
        front = {
            "title": paper.title,
            "authors": list(paper.authors),
            "year": paper.year,
            "status": paper.status.value,
            "tags": list(paper.tags),
            "links": list(dict.fromkeys((*paper.all_code_urls, *paper.links))),
            "papershelf_id": paper.id,
        }
        header = _front_matter(front)
        files[safe_file_name(keys[paper.id], ".md")] = f"---\n{header}---\n\n{paper.note.rstrip()}\n"
    return files


def export_chunks(papers: Iterable[Paper], fmt: str) -> Iterator[str]:
    """JSON or CSV as it is written, a paper at a time."""
    return json_chunks(map(record, papers)) if fmt == "json" else csv_chunks(papers)


def export(papers: Sequence[Paper], fmt: str) -> str:
    if fmt == "json":
        return to_json(papers)
    if fmt == "csv":
        return to_csv(papers)
    if fmt == "markdown":
        return to_markdown(papers)
    if fmt == "bibtex":
        return to_bibtex(papers)
    if fmt == "csl":
        return to_csl(papers)
    raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
