"""Text helpers shared by every output: decoding files and making untrusted text safe to show."""

from __future__ import annotations

import codecs
import datetime as dt
import re
import unicodedata

from store.errors import StoreError

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]")


class DecodeError(ValueError):
    """The bytes are not text papershelf can read."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"<U+{code:04X}>"


def show_controls(text: str) -> str:
    """text with its control, bidi and zero-width characters made visible; tabs and newlines kept."""
    return _CONTROL.sub(_visible, text)


def printable(text: str, *, keep_newlines: bool = True) -> str:
    """Show control, bidi and zero-width characters as visible symbols instead of obeying them.

    Escape sequences become e.g. `␛[2J`, so they show literally and never act on the terminal.
    """
    if keep_newlines:
        return "\n".join(_CONTROL.sub(_visible, part) for part in text.replace("\t", "    ").split("\n"))
    return _CONTROL.sub(_visible, text.replace("\n", " ").replace("\t", " "))


LABEL_CHARS = 40
"""A category is a short code ("CL", "cs.AI"); a longer one is cut here."""


def label(text: str | None) -> str | None:
    """A category as stored: one line, control and bidi characters shown as symbols, spaces collapsed,
    at most ``LABEL_CHARS`` characters; None when nothing is left. Every importer's category goes
    through it, so a restored file's category can never act on a terminal."""
    if not text:
        return None
    cleaned = " ".join(printable(text, keep_newlines=False).split())[:LABEL_CHARS]
    return cleaned or None


_DECLARED = re.compile(rb"%\s*Encoding:\s*([A-Za-z0-9_.-]+)")


def decode(data: bytes | bytearray) -> str:
    """Decode a file's bytes: UTF-8 with or without BOM, or UTF-16/32 with a BOM.

    Raises DecodeError for binary data or invalid UTF-8, saying where it broke.
    """
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise DecodeError(f"invalid {encoding.upper()} at byte {exc.start + len(bom)}") from None
    declared = _DECLARED.match(data[:200])
    if declared is not None:  # JabRef's first line: '% Encoding: windows-1252'
        try:
            name = codecs.lookup(declared.group(1).decode("ascii")).name
        except LookupError:
            name = "utf-8"
        if name != "utf-8":
            try:
                return data.decode(name)
            except UnicodeDecodeError as exc:
                line = data.count(b"\n", 0, exc.start) + 1
                raise DecodeError(
                    f"not {name} text as its first line says (byte 0x{data[exc.start]:02x})", line
                ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DecodeError(
            f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})", line
        ) from None
    if "\x00" in text[:8192] and text[:8192].count("\x00") > 8:
        raise DecodeError(
            "binary data (NUL bytes), expected a text file", text[:8192].count("\n", 0, text.find("\x00")) + 1
        )
    return text


_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD_BREAKS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


HYPHENS = "-\u2010\u2011"
_COMPOUND = re.compile(rf"(?<![^\W_])[^\W_]++(?:[{HYPHENS}][^\W_]++)+")
"""A hyphenated compound, from the start of its first word: anchored and possessive, so a long
text without hyphens is scanned once instead of retried at every letter."""


def compounds(text: str) -> list[tuple[int, int, str]]:
    """Each hyphenated compound in text: where it is, and its words joined ("Re-ranker" -> "reranker")."""
    if not any(h in text for h in HYPHENS):
        return []
    return [(m.start(), m.end(), "".join(words(m.group()))) for m in _COMPOUND.finditer(text)]


def normalize(text: str) -> str:
    """Fold case and accents, so that "José" is found by "jose"."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The searchable words of text: runs of letters and digits, normalised.

    ASCII text, nearly all of it, is split by str.translate: fifteen times faster than the regex.
    """
    if text.isascii():
        return text.lower().translate(_ASCII_WORD_BREAKS).split()
    return _WORD.findall(normalize(text))


def excerpt(text: str, word: str, width: int) -> str:
    """About width characters of text on one line around the first place word appears (the start
    when it does not), cut at spaces, with an ellipsis where text goes on."""
    flat = printable(text, keep_newlines=False)
    at = max(flat.casefold().find(word.casefold()), 0) if word else 0
    start = 0 if at < width // 3 else flat.rfind(" ", 0, at - width // 3) + 1
    end = flat.find(" ", start + width)
    end = len(flat) if end < 0 else end
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


def counted(count: int, noun: str) -> str:
    """ "1 paper", "3 papers": a count in words, for messages (plain digits: scripts read them)."""
    return f"{count} {noun if count == 1 else noun + 's'}"


def when(stamp: str, now: dt.datetime) -> str:
    """A stored ISO timestamp as a person says it, in local time: "today 09:30", "3 days ago"."""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local, today = moment.astimezone(), now.astimezone().date()
    age = now - moment
    if dt.timedelta(seconds=-60) <= age < dt.timedelta(seconds=60):
        return "just now"
    if local.date() == today:
        return f"today {local:%H:%M}"
    if local.date() == today - dt.timedelta(days=1):
        return f"yesterday {local:%H:%M}"
    if dt.timedelta(0) < age < dt.timedelta(days=7):
        return f"{age.days or 1} days ago"
    if local.year == today.year:
        return f"{local.day} {local:%b}"
    return f"{local.day} {local:%b %Y}"


def tag_name(name: str) -> str:
    """A tag as stored: its words single-spaced and lowercased; anything unprintable is refused."""
    cleaned = " ".join(name.split()).lower()
    if not cleaned or any(not c.isprintable() for c in cleaned):
        raise StoreError(f"invalid tag name {name!r}: expected printable text")
    return cleaned
