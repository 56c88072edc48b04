"""Find the URLs in an abstract and tell which of them point at code."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

_URL = re.compile(r"https?://(?:\[[0-9a-f:.]+\])?[!#-&(-;=?-Z_a-z~]+", re.IGNORECASE)
"""Printable ASCII only, less what RFC 3986 leaves out of a URL: a control code, a full-width
full stop or a non-breaking space ends the URL rather than joining it. Square brackets belong
only to an IPv6 host; elsewhere they start a citation mark or an aside ("…/repo[1]")."""
_TRAILING = ".,;:!?'\"*"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_CODE_HOSTS = ("github.com", "gitlab.com", "huggingface.co", "codeberg.org", "bitbucket.org")
_CODE_WORDS = re.compile(
    r"\b(code|codes|source|implementation|repository|repo|toolkit|library|package)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?:\s+|$)")
_LIST_GAP = re.compile(r"[\s,;/]*(?:and|or|&)?[\s,;/]*", re.IGNORECASE)
_WORDS_BEFORE = 12
"""How many words before a URL, in its sentence, may say that it is code ("source code and models are
available from our project page")."""


_HOST = re.compile(r"https?://(?:[^/?#@]*@)?([^/?#:]+)", re.IGNORECASE)


def _host(url: str) -> str:
    match = _HOST.match(url)
    return match.group(1).lower() if match else ""


def _trim(url: str) -> str:
    """Strip punctuation that ends the sentence rather than the URL."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _PAIRS and url.count(_PAIRS[last]) < url.count(last)):
            url = url[:-1]
        else:
            break
    return url


def _is_code_host(host: str) -> bool:
    host = host.lower().removeprefix("www.")
    if host.endswith(".github.io"):
        return False
    return host in _CODE_HOSTS or host.startswith("gitlab.") or ".gitlab." in host


def _words_before(text: str, since: int, start: int) -> str:
    """The last few words before position start, within its sentence and after since (the end of
    the URL before it)."""
    stops = [m.end() for m in _SENTENCE_END.finditer(text, since, start)]
    return " ".join(text[stops[-1] if stops else since : start].split()[-_WORDS_BEFORE:])


def _urls(text: str) -> Iterator[re.Match[str]]:
    """URL matches, found from each '://' rather than by scanning every character with the regex."""
    at = text.find("://")
    while at >= 0:
        start = at - 5 if text[max(at - 5, 0) : at].lower() == "https" else at - 4
        match = _URL.match(text, max(start, 0))
        if match:
            yield match
            at = text.find("://", match.end())
        else:
            at = text.find("://", at + 3)


def extract_links(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return (links, code_urls) found in text, each in order and without repeats.

    A link is code by its host (GitHub, GitLab, Hugging Face, …), or when the words just before it
    say so ("code at"); never by words after it ("a video; code will be made available").
    """
    if "://" not in text:
        return (), ()
    links: list[str] = []
    code: list[str] = []
    since, listed = 0, False
    for match in _urls(text):
        before, since = _words_before(text, since, match.start()), match.end()
        # "Code: https://a.org/x and https://b.org/y": a list after the words goes on being code.
        said = bool(_CODE_WORDS.search(before)) or (listed and _LIST_GAP.fullmatch(before) is not None)
        url = _trim(match.group())
        host = _host(url)
        listed = said
        if not host or url in links:
            continue
        links.append(url)
        if _is_code_host(host) or (said and not host.endswith(".github.io")):
            code.append(url)
    return tuple(links), tuple(code)


def reference_links(given: Iterable[str], abstract: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(links, code links) of a reference: the addresses it gives (its url, its DOI as a link) and
    those in its abstract. A given address is code by its host; one in the abstract as above."""
    given = [g for g in given if g]
    in_abstract, code_in_abstract = extract_links(abstract)
    links = tuple(dict.fromkeys((*given, *in_abstract)))
    return links, tuple(dict.fromkeys((*extract_links(" ".join(given))[1], *code_in_abstract)))


_OPENABLE = re.compile(r"https?://[!#-~]+", re.IGNORECASE)
_DOI = re.compile(r"(?:doi:\s*)?(10\.\d{4,9}/[!#-~]+)", re.IGNORECASE)
_ARXIV = re.compile(r"arxiv:\s*([a-z.-]*/?\d{4}\.?\d{3,5}(?:v\d+)?)", re.IGNORECASE)


def openable_url(link: str) -> str | None:
    """The web address to hand a browser for link, or None when it is not one.

    Only http(s) addresses, DOIs and arXiv ids qualify: ``file:``, ``javascript:``, a bare path or
    an ``--option`` lookalike from an imported file is never passed on.
    """
    link = link.strip()
    if _OPENABLE.fullmatch(link) and _host(link):
        return link
    if match := _DOI.fullmatch(link):
        return f"https://doi.org/{match.group(1)}"
    if match := _ARXIV.fullmatch(link):
        return f"https://arxiv.org/abs/{match.group(1)}"
    return None
