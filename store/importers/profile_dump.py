"""Parse a researcher's profile page pasted as text into paper drafts.

Two layouts exist, decided per entry:

A  meta line, blank, title, blank, ``authors · affiliations``, blank, abstract
B  meta line, ``Title of the paperFirst Author, Second Author et al. · aff``, abstract

The hard part is layout B, where the title runs into the first author's name with no
separator. The boundary is the split after which the rest of the line reads as a
well-formed author list; names seen elsewhere in the same document break ties.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from store.links import extract_links
from store.models import MONTH_NAMES, MONTHS, PaperDraft, ParseResult, Problem, ProfileStats, title_key
from store.text import excerpt

if TYPE_CHECKING:
    from collections.abc import Iterable

_MONTHS = (
    {m.capitalize(): i for i, m in enumerate(MONTHS, start=1)}
    | {name: i for i, name in enumerate(MONTH_NAMES, start=1)}
    | {"Sept": 9}
)
_S = "[ \t\u00a0]"
"""A space in a meta line: a browser may copy the page's as no-break spaces."""
_META = re.compile(
    rf"{_S}*(?P<score>[0-9]+(?:\.[0-9]+)?)?{_S}*(?:[a-z-]+\.)?(?P<cat>[A-Z]{{2}}){_S}*"
    rf"(?P<mon>{'|'.join(sorted(_MONTHS, key=len, reverse=True))})\.?{_S}+(?P<day>[0-9]{{1,2}})"
    rf"(?:,{_S}*(?P<year>[0-9]{{4}}))?{_S}*(?P<code>Code)?{_S}*"
)
"""'CVMar 14, 2023Code', and as other pages write it: 'cs.CV March 14, 2023', 'CV Sept. 3'."""
_META_MAX_LEN = 64
_META_LONG_MAX = 4096
"""A meta line with an absurd score (hundreds of digits) is still a meta line, up to this length."""
_FIGURE = r"([0-9][0-9,]*(?:(?:\.[0-9]+)?[kKM])?|[-\u2013\u2014])"
"""A header figure: 8,939, or shortened (1.2k, 3M), or a dash where the page has none."""
_HEADER = (
    ("h_index", re.compile(rf"h-index[ \t]*{_FIGURE}", re.IGNORECASE)),
    ("papers", re.compile(rf"{_FIGURE}papers")),
    ("citations", re.compile(rf"{_FIGURE}[ \t]*citations", re.IGNORECASE)),
    ("novelty", re.compile(rf"Novelty[ \t]*{_FIGURE}[ \t]*%?", re.IGNORECASE)),
    ("ai_score", re.compile(rf"AI[ \t]*Score[ \t]*{_FIGURE}", re.IGNORECASE)),
    ("listed_papers", re.compile(rf"{_FIGURE}[ \t]+Papers", re.IGNORECASE)),
)
_SHORTENED = {"k": 1_000, "K": 1_000, "M": 1_000_000}
_HEADER_MAX_DIGITS = 15
"""Header figures beyond this are nonsense, and would overflow SQLite's 64-bit integers."""
_ET_AL = re.compile(r",?[ \t]+et[ \t]+al\.?$")
_AFFILIATION_SEP = " · "
_PARTICLES = frozenset(
    {"de", "da", "di", "del", "della", "der", "den", "van", "von", "la", "le", "du", "dos", "das"}
    | {"bin", "ibn", "al", "el", "y", "e", "zu", "ten", "ter", "st"}
)
_MAX_NAME_TOKENS = 6
_MAX_NAME_CHARS = 200
_MAX_NAME_CORE_TOKENS = 4

# Token kinds, in order of how readily they start a name.
_INVALID, _SIMPLE, _CASELESS, _INITIAL, _CAMEL, _LOWER = range(6)


_SIMPLE_ASCII = re.compile(r"[A-Z][a-z]+")
_PART_SEP = re.compile("[-'\u2019]")


def _token_kind(token: str) -> int:
    """Classify one space-separated token by how much it looks like part of a name."""
    if _SIMPLE_ASCII.fullmatch(token):
        return _SIMPLE
    first = token[:1]
    if not first.isalpha():
        return _INVALID
    if len(token) <= 2 and first.isupper() and (len(token) == 1 or token[1] == "."):
        return _INITIAL
    body = token.replace("-", "").replace("'", "").replace("\u2019", "").replace(".", "")
    if not body.isalpha():
        return _INVALID
    if first.islower():
        return _LOWER if body.islower() else _INVALID
    if not first.isupper():
        return _CASELESS
    parts = _PART_SEP.split(token)
    if len(parts[0]) > 1 and parts[0][1].isupper():
        return _INVALID  # an acronym (RAG, LLMs), not a name
    for part in parts:
        if part[1:] and not part[1:].replace(".", "").islower():
            return _CAMEL
    return _SIMPLE


@dataclass(frozen=True, slots=True)
class _NameShape:
    ok: bool
    camel: int = 0
    first_kind: int = _INVALID
    tokens: int = 0


@functools.lru_cache(maxsize=1 << 16)
def _name_shape(name: str) -> _NameShape:
    """Whether name reads as one person's name, and how unusual it looks."""
    tokens = name.split(" ")
    if not 1 <= len(tokens) <= _MAX_NAME_TOKENS:
        return _NameShape(False)
    kinds = [_token_kind(t) for t in tokens]
    if kinds == [_INITIAL]:  # "I" alone is no one's name ("…ReportOpenAI" is not "…ReportOpenA" by "I")
        return _NameShape(False)
    first = kinds[0]
    if first in (_INVALID, _LOWER):
        return _NameShape(False)
    core = 0
    for index, (token, kind) in enumerate(zip(tokens, kinds, strict=True)):
        if kind == _INVALID:
            return _NameShape(False)
        if kind == _LOWER and token not in _PARTICLES and index != len(tokens) - 1:
            return _NameShape(False)
        if kind != _LOWER:
            core += 1
    if core > _MAX_NAME_CORE_TOKENS:
        return _NameShape(False)
    return _NameShape(True, kinds.count(_CAMEL), first, len(tokens))


def _is_name(name: str) -> bool:
    return name.count(" ") < _MAX_NAME_TOKENS and _name_shape(name).ok


@dataclass(frozen=True, slots=True)
class _AuthorsLine:
    authors: tuple[str, ...]
    truncated: bool
    affiliations: tuple[str, ...]


def _split_tail(line: str) -> tuple[str, bool, tuple[str, ...]]:
    """Strip ``et al.`` and `` · affiliations`` off an authors line."""
    names, sep, affs = line.rpartition(_AFFILIATION_SEP)
    if not sep:
        names, affs = line, ""
    affiliations = tuple(a.strip() for a in affs.split(",") if a.strip())
    names = names.rstrip()
    match = _ET_AL.search(names, max(len(names) - 16, 0)) if names.endswith(("et al.", "et al")) else None
    if match:
        names = names[: match.start()]
    return names, match is not None, affiliations


_NAME_SEP = re.compile(r",\s*(?:and\s+|&\s*)?|\s+(?:and|&)\s+")
"""Between two names on an authors line: a comma, and the 'and' or '&' some pages put before the last."""


def _split_names(names: str) -> tuple[str, ...]:
    parts = _NAME_SEP.split(names) if " and " in names or "&" in names else names.split(",")
    return tuple(n.strip() for n in parts if n.strip())


def _parse_authors_line(line: str) -> _AuthorsLine | None:
    """Read a layout-A authors line; None when it does not look like one."""
    stripped = line.strip()
    comma = stripped.find(",")
    head = stripped[:comma] if comma > 0 else stripped
    if len(head) > _MAX_NAME_CHARS or (comma > 0 and not _is_name(head.strip())):
        return None
    names, truncated, affiliations = _split_tail(stripped)
    authors = _split_names(names)
    if not authors or not all(_is_name(a) for a in authors):
        return None
    return _AuthorsLine(authors, truncated, affiliations)


@dataclass(frozen=True, slots=True)
class _Split:
    """A title/author boundary in a layout-B line."""

    title: str
    first_author: str
    shape: _NameShape


@dataclass(frozen=True, slots=True)
class _RunTogether:
    """A layout-B title+authors line with every possible boundary."""

    candidates: tuple[_Split, ...]
    others: tuple[str, ...]
    truncated: bool
    affiliations: tuple[str, ...]


_HAS_ALNUM = re.compile(r"[^\W_]")
_ASCII_BOUNDARY = re.compile("(?<=[^\\s'\u2019-])[A-Z]")


def _boundary_starts(tail: str) -> list[int]:
    """Indexes in tail where a name could start right after other text, with no space between."""
    if tail.isascii():
        return [m.start() for m in _ASCII_BOUNDARY.finditer(tail)]
    starts = []
    for i in range(1, len(tail)):
        char, prev = tail[i], tail[i - 1]
        if prev.isspace() or prev in "-'\u2019":
            continue
        caseless = char.isalpha() and not char.isupper() and not char.islower()
        if char.isupper() or (caseless and (prev.isupper() or prev.islower() or not prev.isalpha())):
            starts.append(i)
    return starts


def _boundaries(segment: str) -> list[tuple[int, _NameShape]]:
    """Every index in segment where a title could end and a first author's name begin."""
    offset = len(segment)
    for _ in range(_MAX_NAME_TOKENS + 1):
        offset = segment.rfind(" ", 0, offset)
        if offset < 0:
            break
    offset = max(offset, 0)
    found: list[tuple[int, _NameShape]] = []
    for start in _boundary_starts(segment[offset:]):
        i = offset + start
        if i == 0 or not _HAS_ALNUM.search(segment, 0, i):
            continue
        shape = _name_shape(segment[i:])
        if shape.ok:
            found.append((i, shape))
    return found


def _parse_run_together(line: str) -> _RunTogether | None:
    """Find the possible title/author boundaries of a layout-B line; None if there is none."""
    names, truncated, affiliations = _split_tail(line.strip())
    segments = names.split(", ")
    valid_after = [False] * len(segments)
    ok = True
    for k in range(len(segments) - 1, -1, -1):
        valid_after[k] = ok
        ok = ok and _is_name(segments[k].strip())
    for k, segment in enumerate(segments):
        if not valid_after[k]:
            continue
        found = _boundaries(segment)
        if found:
            head = ", ".join([*segments[:k], ""]) if k else ""
            candidates = tuple(_Split((head + segment[:i]).rstrip(), segment[i:], shape) for i, shape in found)
            others = tuple(s.strip() for s in segments[k + 1 :])
            return _RunTogether(candidates, others, truncated, affiliations)
    return None


def _pick(candidates: tuple[_Split, ...], known: Counter[str]) -> _Split:
    """Choose the boundary: a name known from elsewhere in the file, else the plainest name."""
    return max(
        candidates,
        key=lambda c: (
            known.get(c.first_author, 0),
            -c.shape.camel,
            c.shape.first_kind != _INITIAL,
            -c.shape.tokens,
        ),
    )


@dataclass(slots=True)
class _Entry:
    """One entry's raw lines while the file is being read."""

    meta: re.Match[str]
    line: int
    """1-based line number of the meta line; body line k is at line + 1 + k."""
    body: list[str]
    badge: int = -1
    """The body line that held the Code badge alone (blanked), -1 if none: a page copied with the badge
    on a line of its own."""

    @property
    def code(self) -> bool:
        return self.meta["code"] is not None or self.badge >= 0


def _badge_line(body: list[str]) -> int:
    """The index of the entry's first line when it is the Code badge alone (blanked), else -1."""
    first = next((k for k, text in enumerate(body) if text.strip()), None)
    if first is None or body[first].strip() != "Code":
        return -1
    body[first] = ""
    return first


def _could_be_meta(line: str) -> bool:
    """A cheap test before the regex: meta lines are short, or end like one (a day, a year, Code)."""
    return len(line) <= _META_MAX_LEN or (len(line) <= _META_LONG_MAX and line.rstrip()[-1:] in "0123456789e")


def _header(lines: list[str], problems: list[Problem], page_words: list[str]) -> ProfileStats | None:
    """The profile's figures; the page's own short lines (its name, its buttons) go to page_words."""
    values: dict[str, int] = {}
    for number, text in enumerate(lines, start=1):
        stripped = text.strip()
        if not stripped:
            continue
        for name, pattern in _HEADER:
            match = pattern.fullmatch(stripped)
            if match and name not in values:
                digits = match.group(1).replace(",", "")
                if len(digits) > _HEADER_MAX_DIGITS:
                    problems.append(Problem(number, f"{name.replace('_', ' ')} has {len(digits)} digits; ignored"))
                elif digits[-1].isdigit():
                    values[name] = int(digits)
                elif digits[-1] in _SHORTENED:
                    values[name] = round(float(digits[:-1]) * _SHORTENED[digits[-1]])
                break  # a dash: the page shows no figure, and neither does the library
        else:
            if _CHROME.fullmatch(stripped):  # the page's own words: a name, "Follow", "Sort by: Newest"
                problems.append(Problem(number, f"page text before the entries ignored: {stripped!r}", "note"))
                page_words.append(stripped)
            else:
                said = (
                    f"text before the first entry ignored: {excerpt(stripped, '', 60)!r} (an entry's meta line lost?)"
                )
                problems.append(Problem(number, said))
    return ProfileStats(**values) if values else None


_CHROME = re.compile(r"[^\W\d_][\w'’&().,:-]*(?: [\w'’&().,:-]+){0,5}")
"""A short line of words, as a page's name, buttons and labels are (at most six words, no sentence)."""
_TAIL_MAX = 30
_TAIL_CHROME = re.compile(r"[^\W\d_a-z][^\W\d_]*(?: [^\W\d_]+){0,2}")
"""A page's words after its last entry ("Load more", "Show all papers"): up to three plain words, the
first capitalised, as a button's are."""


def _without_page_tail(body: list[str], line: int, problems: list[Problem]) -> list[str]:
    """The last entry's lines without the page's own words after it, each said as a note: a short line
    that follows the end of the abstract's last sentence, or the authors line of an entry without one."""
    filled = [k for k, text in enumerate(body) if text.strip()]
    while len(filled) > 2:
        last, before = body[filled[-1]].strip(), body[filled[-2]].strip()
        ends = before.endswith((".", "!", "?", ")", "]")) or _parse_authors_line(before) is not None
        if not (len(last) <= _TAIL_MAX and _TAIL_CHROME.fullmatch(last) and ends):
            break
        said = f"page text after the last entry ignored: {last!r}"
        problems.append(Problem(line + 1 + filled[-1], said, "note"))
        body = body[: filled.pop()]
    return body


def _date(entry: _Entry, today: dt.date, year: int | None, problems: list[Problem]) -> tuple[dt.date | None, bool]:
    meta = entry.meta
    month, day = _MONTHS[meta["mon"]], int(meta["day"])
    explicit = meta["year"]
    try:
        if explicit:
            return dt.date(int(explicit), month, day), True
        guess = dt.date(year or today.year, month, day)
        if year is None and guess > today:
            guess = guess.replace(year=guess.year - 1)
        return guess, False
    except ValueError:
        shown = f"{meta['mon']} {meta['day']}" + (f", {explicit}" if explicit else "")
        problems.append(Problem(entry.line, f"impossible date {shown!r}; the paper is stored without a date"))
        return None, bool(explicit)


def _score(entry: _Entry, problems: list[Problem]) -> float | None:
    raw = entry.meta["score"]
    if raw is None:
        return None
    value = float(raw)
    if not math.isfinite(value):
        problems.append(Problem(entry.line, f"score {raw[:20]!r}... is out of range; ignored"))
        return None
    return value


def _abstract(body: list[str], start: int) -> str:
    return "\n".join(t.strip() for t in body[start:]).strip("\n")  # a pasted page indents at will


@dataclass(slots=True)
class _Pending:
    """An entry read so far, with the layout-B boundary still to choose."""

    entry: _Entry
    title: str
    authors: tuple[str, ...]
    truncated: bool
    affiliations: tuple[str, ...]
    abstract: str
    run_together: _RunTogether | None = None


def _read_entry(entry: _Entry, problems: list[Problem]) -> _Pending | None:
    """Decide the entry's layout and pull out title, authors and abstract."""
    body = entry.body
    filled = [k for k, text in enumerate(body) if text.strip()]
    if not filled:
        problems.append(Problem(entry.line, "entry has a meta line but no title; skipped", skipped=1))
        return None
    first = body[filled[0]]
    second = filled[1] if len(filled) > 1 else None
    if _title_missing(first, body[second] if second is not None else None):
        said = f"expected the entry's title, found its authors ('{excerpt(first.strip(), '', 60)}'); entry skipped"
        problems.append(Problem(entry.line + 1 + filled[0], said, skipped=1))
        return None
    if second is None and _parse_run_together(first) is None:
        problems.append(Problem(entry.line, "entry is truncated (title only); imported without authors or abstract"))
        return _Pending(entry, first.strip(), (), False, (), "")
    spaced = filled[0] > entry.badge + 1 or (second is not None and second > filled[0] + 1)
    authors_line = _parse_authors_line(body[second]) if second is not None else None
    run = None if (spaced and authors_line) else _parse_run_together(first)
    abstract_from: int | None
    if run is not None:
        pending = _Pending(entry, "", (), run.truncated, run.affiliations, "", run)
        abstract_from = second
    else:
        if authors_line is None and spaced and second is not None and _reads_as_authors(body[second]):
            authors_line = _AuthorsLine(*_loose_authors(body[second]))
        if authors_line is None:
            problems.append(Problem(entry.line, "entry has no authors line"))
            authors_line = _AuthorsLine((), False, ())
            abstract_from = second
        else:
            abstract_from = filled[2] if len(filled) > 2 else None
        pending = _Pending(
            entry, first.strip(), authors_line.authors, authors_line.truncated, authors_line.affiliations, ""
        )
    if abstract_from is None:
        problems.append(Problem(entry.line, "entry is truncated: no abstract; imported with what it has"))
    else:
        pending.abstract = _abstract(body, abstract_from)
    return pending


def _title_missing(line: str, after: str | None) -> bool:
    """The line after the meta line is an authors line, with its ``· affiliations`` or ``et al.`` tail,
    and no title runs into it: the title was lost in the paste. A title with a middle dot reads as
    ``Name · affiliation`` too (``Speech · Music Separation``); an authors line after it says it is one."""
    if _AFFILIATION_SEP not in line and "et al" not in line:  # a title: most first lines end here
        return False
    authors = _parse_authors_line(line)
    if authors is None or not (authors.affiliations or authors.truncated) or _parse_run_together(line) is not None:
        return False
    return authors.truncated or after is None or _parse_authors_line(after) is None


_PROSE = re.compile(r"[a-z]{2}[.!?] [A-Z]")


def _reads_as_authors(line: str) -> bool:
    """In a spaced (layout A) entry, accept an authors line with unusual names, but not prose."""
    stripped = line.strip()
    return len(stripped) < 1000 and not _PROSE.search(stripped) and not stripped.endswith((". ", ":"))


def _loose_authors(line: str) -> tuple[tuple[str, ...], bool, tuple[str, ...]]:
    names, truncated, affiliations = _split_tail(line.strip())
    return _split_names(names), truncated, affiliations


def count_meta_lines(text: str) -> int:
    """How many lines of text open a profile-dump entry: a measure of whether text is a dump."""
    return sum(1 for line in text.splitlines() if _could_be_meta(line) and _META.fullmatch(line))


def parse_profile_dump(text: str, *, today: dt.date, year: int | None = None) -> ParseResult:
    """Parse the text of a profile dump.

    Args:
        text: the file's decoded text.
        today: the import date; dates without a year take its year unless that lies in the future.
        year: the year for dates without one, overriding the guess from ``today``.

    Never raises: anything wrong with the text comes back as a Problem.
    """
    return parse_profile_lines(profile_lines(text), today=today, year=year)


def profile_lines(text: str) -> list[str]:
    """A dump's lines, whatever ends them, without a byte-order mark."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    return lines


def parse_profile_lines(lines: list[str], *, today: dt.date, year: int | None = None) -> ParseResult:
    """``parse_profile_dump`` of text already cut into lines (``profile_lines``), so that a caller
    can let go of the text itself (at 100k papers, 139 MB) while the entries are read."""
    problems: list[Problem] = []
    starts = [n for n, line in enumerate(lines) if _could_be_meta(line) and _META.fullmatch(line)]
    if not starts:
        return ParseResult(
            (),
            (
                Problem(
                    1,
                    "no paper entries found: expected a profile dump, with entries that start with "
                    "a meta line like 'CLOct 19, 2022Code' followed by a title",
                    "error",
                ),
            ),
        )
    ends = [*starts[1:], len(lines)]
    page_words: list[str] = []
    profile = _header(lines[: starts[0]], problems, page_words)
    pending = []
    for n, end in zip(starts, ends, strict=True):
        body = lines[n + 1 : end] if end < len(lines) else _without_page_tail(lines[n + 1 :], n + 1, problems)
        entry = _Entry(_META.fullmatch(lines[n]), n + 1, body)  # type: ignore[arg-type]
        entry.badge = _badge_line(body)
        read = _read_entry(entry, problems)
        entry.body = []  # what the entry holds is read: its lines need not outlive the file's
        if read is not None:
            pending.append(read)
    known: Counter[str] = Counter()
    for p in pending:
        if p.run_together is None:
            known.update(p.authors)
        else:
            known.update(p.run_together.others)
            if len(p.run_together.candidates) == 1:
                known[p.run_together.candidates[0].first_author] += 1
    drafts: list[PaperDraft] = []
    for p in pending:
        if p.run_together is not None:
            split = _pick(p.run_together.candidates, known)
            p.title, p.authors = split.title, (split.first_author, *p.run_together.others)
        date, has_year = _date(p.entry, today, year, problems)
        links, code_urls = extract_links(p.abstract)
        draft = PaperDraft(
            title=p.title,
            authors=p.authors,
            authors_truncated=p.truncated,
            affiliations=p.affiliations,
            category=p.entry.meta["cat"],
            date=date,
            date_has_year=has_year,
            score=_score(p.entry, problems),
            has_code=p.entry.code,
            abstract=p.abstract,
            links=links,
            code_urls=code_urls,
            line=p.entry.line,
        )
        if not title_key(draft.title):
            problems.append(Problem(p.entry.line, "entry title has no letters or digits; skipped", skipped=1))
            continue
        drafts.append(draft)  # entries with one title may be two papers: the store's identity rule decides
    owner = _owner(drafts, page_words)
    problems.sort(key=lambda p: p.line)
    return ParseResult(tuple(drafts), tuple(problems), profile, owner)


def _owner(drafts: Iterable[PaperDraft], page_words: Iterable[str]) -> str | None:
    """Whose profile page this was: a name the page shows above its entries that is one of their
    authors, else the author in the most entries (two at least)."""
    counts = Counter(a for d in drafts for a in set(d.authors))
    named = next((word for word in page_words if counts[word]), None)
    if named is not None or not counts:
        return named
    name, count = counts.most_common(1)[0]
    return name if count >= 2 else None
