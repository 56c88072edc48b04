"""One Markdown file per note, with YAML front matter: the notes export and the notes folder."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from store.exporters.bibtex import citation_keys
from store.files import safe_file_name

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from store.models import Paper


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
