"""Find the URLs in an abstract and tell which of them point at code."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

_URL = re.compile(r"https?://[!#-&(-;=?-\[\]_a-z~]+", re.IGNORECASE)
"""Printable ASCII only, less what RFC 3986 leaves out of a URL: a control code, a full-width
full stop or a non-breaking space ends the URL rather than joining it."""
_TRAILING = ".,;:!?'\"*"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_CODE_HOSTS = ("github.com", "gitlab.com", "huggingface.co", "codeberg.org", "bitbucket.org")
_CODE_WORDS = re.compile(
    r"\b(code|codes|source|implementation|repository|repo|toolkit|library|package)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?:\s+|$)")


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


def _sentence_around(text: str, start: int, end: int) -> str:
    before = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    begin = before[-1] if before else 0
    after = _SENTENCE_END.search(text, end)
    return text[begin : after.start() if after else len(text)]


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
    """Return (links, code_urls) found in text, each in order and without repeats."""
    if "://" not in text:
        return (), ()
    links: list[str] = []
    code: list[str] = []
    for match in _urls(text):
        url = _trim(match.group())
        host = _host(url)
        if not host or url in links:
            continue
        links.append(url)
        if _is_code_host(host):
            code.append(url)
        elif not host.endswith(".github.io"):
            sentence = _sentence_around(text, match.start(), match.start() + len(url))
            if _CODE_WORDS.search(sentence.replace(url, " ")):
                code.append(url)
    return tuple(links), tuple(code)


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
