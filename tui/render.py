"""Untrusted paper text turned into Rich ``Text`` for display: never markup, never escapes.

The light LaTeX of abstracts is cleaned for reading only; the stored text stays exact.
"""

from __future__ import annotations

import re

from rich.text import Text

from store import Paper, byline, printable

_COMMAND = re.compile(r"\\(emph|textit|textbf|texttt|underline|mathrm|mathbf|text)\{([^{}]*)\}")
_MATH = re.compile(r"(?<!\\)\$([^$]{1,200})(?<!\\)\$")
_ESCAPES = {r"\%": "%", r"\_": "_", r"\&": "&", r"\#": "#", r"\$": "$", r"\{": "{", r"\}": "}", "~": " "}
_SYMBOLS = {
    r"\alpha": "α", r"\beta": "β", r"\gamma": "γ", r"\delta": "δ", r"\epsilon": "ε", r"\lambda": "λ",
    r"\mu": "μ", r"\sigma": "σ", r"\theta": "θ", r"\pi": "π", r"\omega": "ω", r"\times": "×",
    r"\approx": "≈", r"\leq": "≤", r"\geq": "≥", r"\le": "≤", r"\ge": "≥", r"\cdot": "·", r"\sim": "~",
    r"\infty": "∞", r"\pm": "±", r"\rightarrow": "→", r"\to": "→", r"\ell": "ℓ",
}  # fmt: skip
_STYLES = {"emph": "italic", "textit": "italic", "textbf": "bold", "underline": "underline", "texttt": "italic"}


def _plain(text: str) -> str:
    for source, target in _SYMBOLS.items():
        text = text.replace(source, target)
    for source, target in _ESCAPES.items():
        text = text.replace(source, target)
    return text


def reading_text(raw: str) -> Text:
    """Abstract text for reading: \\emph{x} in italics, $...$ without dollars, control codes visible."""
    text = Text()
    raw = printable(raw)
    position = 0
    for match in _COMMAND.finditer(raw):
        text.append(_plain(_MATH.sub(r"\1", raw[position : match.start()])))
        text.append(_plain(match.group(2)), _STYLES.get(match.group(1), ""))
        position = match.end()
    text.append(_plain(_MATH.sub(r"\1", raw[position:])))
    return text


def citation(paper: Paper) -> str:
    """One line to paste into notes: authors, title, year."""
    year = f" ({paper.year})" if paper.year else ""
    authors = byline(paper)
    return f"{authors}{'' if authors.endswith('.') else '.'} {paper.title}{year}."
