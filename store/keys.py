"""Citation keys: given to a paper once, when it is first stored, and never changed after.

A paper imported from BibTeX keeps its own key when that key is usable; any other paper gets one
made of the first author's surname, the year and the first word of the title (``qin2023devil``),
with a, b, c… when that key is taken. Every export (a full one, a ``--query`` one, the app's ``b``,
the notes folder) reads the stored key, so the same paper always has the same key.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from store.text import words

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

KeyFields = tuple[int, str, tuple[str, ...], int | None, str]
"""(paper id, title, authors, year if known, the source's BibTeX entry, or the key it proposed, or "")."""

_KEY_STOPWORDS = frozenset({"a", "an", "the", "on", "of", "for", "in", "to", "and", "with", "is", "are", "via"})
_KEY_PART_CHARS = 24
"""Each part of a made key is cut to this, so a key (and a notes file named after it) stays short."""
_SOURCE_KEY = re.compile(r"\s*@\s*[A-Za-z]+\s*[{(]\s*([^,\s{}()\"#%'=\\~]*)\s*,")
_USABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_:.+/-]{0,99}")
"""A key every BibTeX tool reads and every file system can name a notes file after: ASCII only."""


def source_key(entry: str) -> str | None:
    """The key a BibTeX entry gives itself, if it is one we can keep (``@Article{,`` has none).

    entry is the entry as kept (JSON, see ``store.source``), as written, or just a proposed key.
    """
    if entry.startswith("{"):
        key = str(json.loads(entry).get("key", ""))
    elif entry.lstrip().startswith("@"):
        match = _SOURCE_KEY.match(entry)
        key = match.group(1) if match else ""
    else:
        key = entry  # a key alone, as a papershelf JSON export or a CSL-JSON id gives it
    return key if _USABLE.fullmatch(key) else None


def _surname(author: str) -> str:
    """The last word of a name that has letters or digits in it: "Anna Berg †" gives "berg"."""
    for token in reversed(author.split()):
        found = words(token)
        if found:
            return found[0]
    return "anon"


KEY_PLACEHOLDERS = ("author", "Author", "year", "title", "Title")
"""What a key pattern may use: the first author's surname, the year, the first word of the title
that is not a stopword (capitalised when written with a capital)."""
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def pattern_problem(pattern: str) -> str | None:
    """Why a key pattern cannot be used, or None when it can."""
    unknown = [p for p in _PLACEHOLDER.findall(pattern) if p not in KEY_PLACEHOLDERS]
    if unknown:
        return f"unknown placeholder {{{unknown[0]}}}; expected {', '.join(f'{{{p}}}' for p in KEY_PLACEHOLDERS)}"
    sample = _PLACEHOLDER.sub("x", pattern)
    if not _USABLE.fullmatch(sample):
        return "a key may hold ASCII letters, digits and _:.+/- only, starting with a letter or digit"
    return None


def key_stem(title: str, authors: Sequence[str], year: int | None, pattern: str | None = None) -> str:
    """A made key before clashes are settled, ASCII only: surname, year, first title word, or as the
    user's pattern (``key_pattern`` in the config) puts them."""
    surname = (_ascii(_surname(authors[0]) if authors else "anon") or "anon")[:_KEY_PART_CHARS]
    # Lazily: only the first usable word is wanted, and a title has twenty.
    first = next((w for w in (_ascii(w) for w in words(title) if w not in _KEY_STOPWORDS) if w), "paper")
    first = first[:_KEY_PART_CHARS]
    if pattern is None:
        return f"{surname}{year or ''}{first}"
    values = {"author": surname, "Author": surname.capitalize(), "year": str(year or ""), "title": first,
              "Title": first.capitalize()}  # fmt: skip
    made = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), pattern)
    return made if _USABLE.fullmatch(made) else f"{surname}{year or ''}{first}"


def _ascii(word: str) -> str:
    """A word's letters without accents (müller → muller); letters with no ASCII form are dropped."""
    if word.isascii():  # nothing to fold: one C pass instead of a generator over every character
        return word.lower() if word.isalnum() else "".join(c for c in word if c.isalnum()).lower()
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", word) if c.isascii() and c.isalnum()).lower()


def suffix(n: int) -> str:
    """1 → a, 26 → z, 27 → aa."""
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def first_free(stem: str, taken: set[str]) -> str:
    """stem itself if free, else stem with the first free letter suffix; claimed in taken."""
    key, n = stem, 0
    while key.casefold() in taken:
        n += 1
        key = f"{stem}{suffix(n)}"
    taken.add(key.casefold())
    return key


def unique_keys(stems: Mapping[int, str]) -> dict[int, str]:
    """Stems made unique: clashes get a, b, c… in paper-id order (how keys were made before they were stored)."""
    ordered = sorted(stems.items())
    counts: dict[str, int] = {}
    for _, stem in ordered:
        counts[stem] = counts.get(stem, 0) + 1
    seen: dict[str, int] = {}
    keys = {}
    for paper_id, stem in ordered:
        if counts[stem] > 1:
            seen[stem] = seen.get(stem, 0) + 1
            stem = f"{stem}{suffix(seen[stem])}"
        keys[paper_id] = stem
    return keys


def assign_keys(papers: Iterable[KeyFields], taken: set[str], pattern: str | None = None) -> dict[int, str]:
    """Keys for papers that have none yet, none of them in taken (casefolded; claimed as they go).

    Source keys are claimed first, so a made key never takes a key a file gave. Keys compare without
    case, as biber and BibTeX do: ``Smith2020`` and ``smith2020`` cannot both be kept.
    """
    papers = sorted(papers)
    keys: dict[int, str] = {}
    for paper_id, *_, entry in papers:
        own = source_key(entry) if entry else None
        if own is not None and own.casefold() not in taken:
            taken.add(own.casefold())
            keys[paper_id] = own
    made = unique_keys({i: source_key(e) or key_stem(t, a, y, pattern) for i, t, a, y, e in papers if i not in keys})
    for paper_id, stem in made.items():
        keys[paper_id] = first_free(stem, taken)
    return keys
