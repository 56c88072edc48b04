"""LaTeX both ways for BibTeX: decoding a field to readable text, and writing text a BibTeX file
keeps as it is. Importers and exporters both use it; neither imports the other."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pylatexenc.latex2text import LatexNodes2Text
    from pylatexenc.macrospec import LatexContextDb

_LATEX = re.compile(r"[\\$~]|--|``|''")
"""What only a LaTeX reader decodes: a command or escape, math, a tie, a dash, TeX quotes."""
_BARE_PERCENT = re.compile(r"(?<!\\)%")
_SIMPLE = re.compile(r"(?:[^\\$~{}`'-]|\\[%&_#$]|-{1,3}|~|'(?!'))*")
_SIMPLE_PART = re.compile(r"\\[%&_#$]|-{2,3}|~")
_SIMPLE_TEXT = {"--": "\u2013", "---": "\u2014", "~": " "}
_MACROS = {"TeX": "TeX", "LaTeX": "LaTeX", "BibTeX": "BibTeX", "textasciicircum": "^", "textasciitilde": "~",
           "textbackslash": "\\", "textbraceleft": "{", "textbraceright": "}"}  # fmt: skip
"""Commands pylatexenc drops or turns into look-alikes (ˆ for ^) that must read as written."""
_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "_": r"\_",
                   "#": r"\#", "$": r"\$", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}  # fmt: skip
_LIGATURE = re.compile(r"-{2,}|`{2,}|'{2,}")
_BIBTEX_ESCAPE = re.compile("|".join(re.escape(c) for c in _BIBTEX_SPECIAL))


_PROTECT = re.compile(r"(?<![\\\w])(\w+)")


def decode_latex(text: str) -> str:
    """LaTeX as readable Unicode: accents, symbols, math ($\\kappa$ is κ), dashes, ties and escapes.

    Text with no command, math, tie or dash only loses its {case-protection} braces; the rest goes
    through pylatexenc, which knows LaTeX's commands (a hand-made decoder took $\\kappa$ for an
    accented "appa"). A bare % is text here, as BibTeX reads it, not a comment eating the rest.
    """
    if not _LATEX.search(text):
        return text.replace("{", "").replace("}", "")  # no command, so every brace is case protection
    # pylatexenc reads a character at a time: only the words that hold LaTeX go through it.
    return "".join(_decode_word(word) for word in _words(text))


@functools.lru_cache(maxsize=65536)
def _decode_word(word: str) -> str:
    """One word; the same few (50\\%, --, \\emph{…}) come back again and again, so each is read once."""
    if word.isspace() or not _LATEX.search(word):
        return word.replace("{", "").replace("}", "")
    if _SIMPLE.fullmatch(word):  # escapes, dashes and ties alone: no need for a LaTeX reader
        return _SIMPLE_PART.sub(lambda m: _SIMPLE_TEXT.get(m.group(), m.group()[-1]), word)
    to_text, walker_context = _latex_to_text()
    try:
        decoded = to_text.latex_to_text(_BARE_PERCENT.sub(r"\\%", word), latex_context=walker_context)
    except Exception:  # pylatexenc's own slips (a macro with a missing argument, say): keep the text as written
        return word.replace("{", "").replace("}", "")
    return str(decoded).replace("\xa0", " ")


def _words(text: str) -> list[str]:
    """text cut at the spaces that are outside every brace group and $math$: each piece is whole LaTeX."""
    pieces: list[str] = []
    depth, math, start = 0, False, 0
    for i, char in enumerate(text):
        if i and depth == 0 and not math and char.isspace() != text[i - 1].isspace():
            pieces.append(text[start:i])
            start = i
        if i and text[i - 1] == "\\":
            continue  # an escaped brace or dollar is text
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == "$":
            math = not math
    pieces.append(text[start:])
    return pieces


@functools.cache
def _latex_to_text() -> tuple[LatexNodes2Text, LatexContextDb]:
    """The LaTeX reader and the context its parser reads with: ``\\href`` takes its two arguments
    (pylatexenc's parser gives it none, and its text rule then fails)."""
    from pylatexenc import latexwalker
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
    from pylatexenc.macrospec import MacroSpec

    macros = [MacroTextSpec(name, text) for name, text in _MACROS.items()]
    context = get_default_latex_context_db()  # a fresh copy each call
    context.add_context_category("papershelf", macros=macros, prepend=True)
    walker_context = latexwalker.get_default_latex_context_db()
    walker_context.add_context_category("papershelf", macros=[MacroSpec("href", "{{")], prepend=True)
    return LatexNodes2Text(latex_context=context, math_mode="text", strict_latex_spaces=False), walker_context


def bibtex_text(text: str) -> str:
    """Text safe inside braces: LaTeX specials escaped, control characters dropped, UTF-8 kept.

    BibTeX counts braces even after a backslash, so a lone } in a note would end the entry and
    make the whole file unreadable: braces that pair up become \\{ \\}, the others \\textbraceright{}.
    """
    cleaned = strip_controls(text.replace("\n", " "))
    lone = _lone_braces(cleaned) if "{" in cleaned or "}" in cleaned else set()
    if not lone:
        escaped = _BIBTEX_ESCAPE.sub(lambda m: _BIBTEX_SPECIAL[m.group()], cleaned)
    else:
        escaped = "".join(
            (r"\textbraceleft{}" if c == "{" else r"\textbraceright{}") if i in lone else _BIBTEX_SPECIAL.get(c, c)
            for i, c in enumerate(cleaned)
        )
    # -- and `` '' are typed text here, not TeX's dash and quote ligatures: an empty group keeps them.
    if "--" not in escaped and "``" not in escaped and "''" not in escaped:  # str.find beats the regex tenfold
        return escaped
    return _LIGATURE.sub(lambda m: "{}".join(m.group()), escaped)


def _lone_braces(text: str) -> set[int]:
    """Positions of the braces in text that have no partner."""
    opened: list[int] = []
    lone: set[int] = set()
    for i, char in enumerate(text):
        if char == "{":
            opened.append(i)
        elif char == "}":
            if opened:
                opened.pop()
            else:
                lone.add(i)
    return lone | set(opened)


def strip_controls(text: str, keep: str = "") -> str:
    """text without control, format and bidi characters (those in keep stay); one C check when it has none."""
    if text.isprintable():
        return text
    return "".join(c for c in text if c.isprintable() or c in keep)


def protect_case(title: str) -> str:
    """Braces round words whose capitals must survive a style that lowercases titles: BERT, ImageNet."""
    return _PROTECT.sub(_protected, title)


def _protected(match: re.Match[str]) -> str:
    word = match.group(1)
    rest = word[1:]
    if rest.islower():  # nearly every word: no capital past the first, settled in C
        return word
    return f"{{{word}}}" if any(c.isupper() for c in rest) else word
