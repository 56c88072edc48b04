"""Zotero's notes, which are HTML, as the Markdown a papershelf note is written in (and Obsidian reads).

Zotero writes a note as ``<div data-schema-version="8"><p>…</p></div>`` (older versions: ``<p>…</p>``)
in RIS's N1. Headings, paragraphs, lists, quotes, code, emphasis and links keep their shape; the
rest (spans, citations, images) gives its text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_HTML_NOTE = re.compile(r"\s*<(?:div|p|h[1-6]|ul|ol|blockquote|pre|table)\b[^<>]*>", re.IGNORECASE)
_BLOCKS = frozenset({"div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre", "table", "tr"})
_MARKS = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`", "s": "~~", "del": "~~"}
_SPACES = re.compile(r"\s+")
_MAX_DEPTH = 16
"""Nesting kept in the Markdown (lists, quotes, emphasis); deeper elements give their text only, so a
note of a million nested tags costs what its text does."""


def is_html_note(text: str) -> bool:
    """Whether text is an HTML note: it opens with a block element, as Zotero's do."""
    return _HTML_NOTE.match(text) is not None


def markdown_note(html: str) -> str:
    """The note's words in Markdown; text that is not an HTML note comes back as it is."""
    if not is_html_note(html):
        return html
    parser = _Markdown()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:  # how html.parser refuses a broken <![ declaration: the note is kept as written
        return html
    return parser.text()


class _Markdown(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[tuple[str, int, str]] = []
        """Elements whose text is wrapped when they close: (tag, where their text starts, link target)."""
        self.lists: list[list[int]] = []
        """One per open list: [0] for a bulleted one, [n] for a numbered one at item n."""
        self.pre = 0

    def text(self) -> str:
        while self.open:  # an element the note never closed
            self._wrap(*self.open.pop())
        lines = (line.rstrip() for line in "".join(self.out).split("\n"))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")

    def _block(self) -> None:
        if self.out and not "".join(self.out[-2:]).endswith("\n\n"):
            self.out.append("\n\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS and not (tag in ("ul", "ol") and self.lists):  # a list inside an item stays in it
            self._block()
        if tag[0] == "h" and tag[1:].isdigit():
            self.out.append("#" * int(tag[1:]) + " ")
        elif tag in ("ul", "ol"):
            self.lists.append([1 if tag == "ol" else 0])
        elif tag == "li":
            depth = min(max(len(self.lists) - 1, 0), _MAX_DEPTH)
            counter = self.lists[-1] if self.lists else [0]
            self.out.append(("\n" if self.out else "") + "  " * depth + (f"{counter[0]}. " if counter[0] else "- "))
            counter[0] += bool(counter[0])
        elif tag == "br":
            self.out.append("\n")
        elif tag == "pre":
            self.pre += 1
            self.out.append("```\n")
        elif (tag in _MARKS or tag in ("a", "blockquote")) and len(self.open) < _MAX_DEPTH:
            self.open.append((tag, len(self.out), dict(attrs).get("href") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "pre" and self.pre:
            self.pre -= 1
            self.out.append("\n```")
        if any(t == tag for t, _, _ in self.open):
            while self.open:
                opened, start, href = self.open.pop()
                self._wrap(opened, start, href)
                if opened == tag:
                    break
        if tag in _BLOCKS and not (tag in ("ul", "ol") and self.lists):
            self._block()

    def _wrap(self, tag: str, start: int, href: str) -> None:
        inner = "".join(self.out[start:])
        core = inner.strip()
        if not core:
            return
        lead, trail = inner[: len(inner) - len(inner.lstrip())], inner[len(inner.rstrip()) :]
        if tag == "blockquote":
            wrapped = "\n".join(f"> {line}" if line.strip() else ">" for line in core.split("\n"))
            self.out[start:] = ["\n\n", wrapped, "\n\n"]
        elif tag == "a":
            self.out[start:] = [lead, f"[{core}]({href})" if href and href != core else core, trail]
        else:
            self.out[start:] = [lead, _MARKS[tag], core, _MARKS[tag], trail]

    def handle_data(self, data: str) -> None:
        if self.pre:
            self.out.append(data)
            return
        text = _SPACES.sub(" ", data)
        if not self.out or self.out[-1].endswith(("\n", "# ", "- ", ". ")):
            text = text.lstrip()
        if text:
            self.out.append(text)
