"""RIS, for EndNote, Mendeley and Zotero."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from store.exporters.reference import reference
from store.latex import decode_latex
from store.ris import RIS_TAG

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from store.models import Paper
    from store.names import Name

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

    ref = reference(paper)
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
    body = "".join(f"{tag}  - {_ris_text(tag, value)}\r\n" for tag, value in lines if value)
    return body + "ER  - \r\n"


def _ris_name(name: Name) -> str:
    if name.corporate or not name.given:
        return name.display
    family = " ".join(p for p in (name.particle, name.family) if p)
    return ", ".join(p for p in (family, name.given, name.suffix) if p)


def _ris_text(tag: str, value: str) -> str:
    """A value as RIS lines: one line, but for the abstract's paragraphs and the note's lines, which go
    on in lines of their own as Zotero writes them (a blank line between paragraphs). No control code."""
    if tag == "N1":
        lines = [_printable(line).rstrip() for line in value.splitlines()]
        return "\r\n".join(
            f" {line}" if k and RIS_TAG.match(line.lstrip(" ")) else line for k, line in enumerate(lines)
        )
    if tag == "AB":
        return "\r\n\r\n".join(" ".join(_printable(p).split()) for p in re.split(r"\n\s*\n", value) if p.strip())
    return " ".join(_printable(value).split())


def _printable(value: str) -> str:
    return value if value.isprintable() else "".join(c if c.isprintable() else " " for c in value)


def ris_chunks(papers: Iterable[Paper], keys: Mapping[int, str], *, with_notes: bool = False) -> Iterator[str]:
    for position, paper in enumerate(papers):
        yield ("\r\n" if position else "") + ris_entry(paper, keys[paper.id], with_notes=with_notes)
