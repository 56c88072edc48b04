"""Pure formatters from papers to the export formats and to JSON records."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import TYPE_CHECKING, Any

from store.models import Paper, ReadStatus
from store.text import printable

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

RECORD_KEYS = (
    "id", "title", "authors", "authors_truncated", "affiliations", "category", "date", "date_has_year",
    "score", "has_code", "links", "code_urls", "abstract", "status", "note", "tags", "sources",
    "added_at", "status_changed_at",
)  # fmt: skip
FORMATS = ("json", "csv", "markdown")

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


def to_json(papers: Iterable[Paper]) -> str:
    return dumps([record(p) for p in papers]) + "\n"


def to_csv(papers: Iterable[Paper]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RECORD_KEYS)
    for paper in papers:
        row = record(paper)
        writer.writerow(
            "; ".join(map(str, v)) if isinstance(v, list) else printable(str(v)) if v is not None else ""
            for v in (row[k] for k in RECORD_KEYS)
        )
    return out.getvalue()


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def _md(text: str) -> str:
    """Untrusted text as literal Markdown: no links, emphasis or HTML can come out of it."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", printable(text, keep_newlines=False))


def byline(paper: Paper, *, limit: int = 3) -> str:
    """Authors for one line: the first few, then et al. when there are more or the list was cut."""
    shown = list(paper.authors[:limit])
    more = len(paper.authors) > limit or paper.authors_truncated
    return ", ".join(shown) + (" et al." if more else "")


def to_markdown(papers: Sequence[Paper], *, heading: str = "Reading list") -> str:
    """A reading list grouped by status, with each paper's note under it."""
    lines = [f"# {heading}", ""]
    for status, title in ((ReadStatus.READING, "Reading"), (ReadStatus.UNREAD, "To read"), (ReadStatus.READ, "Read")):
        group = [p for p in papers if p.status == status]
        if not group:
            continue
        lines += [f"## {title} ({len(group)})", ""]
        for paper in group:
            box = "x" if status == ReadStatus.READ else " "
            facts = ", ".join(str(x) for x in (paper.year, paper.category) if x)
            line = f"- [{box}] **{_md(paper.title)}** — {_md(byline(paper))}"
            if facts:
                line += f" ({facts})"
            if paper.all_code_urls:
                line += f" · [code](<{paper.all_code_urls[0]}>)"
            if paper.tags:
                line += " · " + " ".join(f"`{_md(t)}`" for t in paper.tags)
            lines.append(line)
            for note_line in printable(paper.note).strip().splitlines():
                lines.append(f"  > {note_line}".rstrip())
        lines.append("")
    return "\n".join(lines)


def export(papers: Sequence[Paper], fmt: str) -> str:
    if fmt == "json":
        return to_json(papers)
    if fmt == "csv":
        return to_csv(papers)
    if fmt == "markdown":
        return to_markdown(papers)
    raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
