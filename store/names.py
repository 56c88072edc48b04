"""People's names in their parts, as BibTeX reads them: given, particle (van der), family, suffix (Jr.).

"Steele, Jr., Guy L." is Guy L. Steele Jr., not "Jr., Guy L. Steele"; "{Google Research}" is one
name with no given part; "Hugo van der Linde" has the family name Linde and the particle "van der".
bibtexparser's name splitter does the BibTeX part (deferred: only imports and CSL exports need it).
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Name(NamedTuple):
    given: str
    particle: str
    family: str
    suffix: str
    corporate: bool
    """A braced name such as {Google Research}: one literal, never split."""

    @property
    def display(self) -> str:
        """As a person's name is read: Guy L. Steele Jr."""
        return " ".join(part for part in (self.given, self.particle, self.family, self.suffix) if part)


def bibtex_names(field: str) -> tuple[list[Name], bool]:
    """The names of a BibTeX author (or editor) field, and whether it ended in "and others"."""
    from bibtexparser.middlewares.names import split_multiple_persons_names

    names: list[Name] = []
    truncated = False
    for written in split_multiple_persons_names(field):
        if written.strip().lower() == "others":
            truncated = True
        elif written.strip():
            names.append(name_parts(written))
    return names, truncated


_EXTENDED = re.compile(r"\s*(?:family|given|prefix|suffix)\s*=")


def _extended_parts(text: str) -> list[tuple[str, str]]:
    """key=value pairs of an extended name, split at commas outside braces, a value's braces removed."""
    pairs, depth, start = [], 0, 0
    for i, char in enumerate(f"{text},"):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            key, _, value = text[start:i].partition("=")
            value = value.strip()
            if value.startswith("{") and value.endswith("}") and _one_group(value):
                value = value[1:-1]
            pairs.append((key.strip().lower(), value))
            start = i + 1
    return pairs


def name_parts(written: str) -> Name:
    """One name, in BibTeX's "First von Last", "von Last, First" or "von Last, Jr, First" forms."""
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    from store.latex import decode_latex

    text = " ".join(written.split())
    corporate = text.startswith("{") and text.endswith("}") and _one_group(text)
    if corporate:
        return Name("", "", decode_latex(text).strip(), "", True)
    if _EXTENDED.match(text):  # biblatex's extended form: family=Berg, given=Piet, prefix=van der
        given = dict(_extended_parts(text))

        def part(key: str) -> str:
            return " ".join(decode_latex(given.get(key, "")).split())

        return Name(part("given"), part("prefix"), part("family"), part("suffix"), False)
    parts = parse_single_name_into_parts(text, strict=False)

    def joined(words: list[str]) -> str:
        return " ".join(decode_latex(" ".join(words)).split())

    return Name(joined(parts.first), joined(parts.von), joined(parts.last), joined(parts.jr), False)


def _one_group(text: str) -> bool:
    """Whether text is a single brace group: {Google Research}, not {A} and {B}."""
    depth = 0
    for i, char in enumerate(text):
        depth += 1 if char == "{" else -1 if char == "}" else 0
        if depth == 0 and i < len(text) - 1:
            return False
    return True
