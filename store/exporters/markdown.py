"""A Markdown reading list, grouped by status, with the notes under each paper."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from store.models import Paper, ReadStatus
from store.text import printable

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence


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
