"""Which URLs an abstract holds, and which of them point at code."""

from __future__ import annotations

import pytest

from store import extract_links, openable_url

CASES = [
    ("Code is at https://github.com/a/b.", ["https://github.com/a/b"], ["https://github.com/a/b"]),
    ("See https://github.com/a/b .", ["https://github.com/a/b"], ["https://github.com/a/b"]),
    ("(https://gitlab.com/x/y), and more", ["https://gitlab.com/x/y"], ["https://gitlab.com/x/y"]),
    (
        "Weights: https://huggingface.co/org/model;",
        ["https://huggingface.co/org/model"],
        ["https://huggingface.co/org/model"],
    ),
    ("On https://codeberg.org/u/r!", ["https://codeberg.org/u/r"], ["https://codeberg.org/u/r"]),
    ("Try https://bitbucket.org/u/r?", ["https://bitbucket.org/u/r"], ["https://bitbucket.org/u/r"]),
    (
        "Self-hosted https://gitlab.inria.fr/team/tool.",
        ["https://gitlab.inria.fr/team/tool"],
        ["https://gitlab.inria.fr/team/tool"],
    ),
    ("Project page: https://lab.github.io/proj/.", ["https://lab.github.io/proj/"], []),
    ("The code and data are on https://lab.github.io/proj.", ["https://lab.github.io/proj"], []),
    ("A demo video is at https://vimeo.com/123.", ["https://vimeo.com/123"], []),
    ("Our source code is at https://example.org/tool.", ["https://example.org/tool"], ["https://example.org/tool"]),
    ("Data is at https://example.org/data. Code will follow.", ["https://example.org/data"], []),
    (
        "Source code and models are available from our project page https://example.org/proj.",
        ["https://example.org/proj"],
        ["https://example.org/proj"],
    ),
    ("Wiki https://en.wikipedia.org/wiki/Foo_(bar).", ["https://en.wikipedia.org/wiki/Foo_(bar)"], []),
    (
        "Two: https://github.com/a/b, https://github.com/a/b and http://x.org/y",
        ["https://github.com/a/b", "http://x.org/y"],
        ["https://github.com/a/b"],
    ),
    # Words after a link never make it code; the words just before it do, and a list after them.
    ("A demo video is at https://vimeo.com/1; code will be made available.", ["https://vimeo.com/1"], []),
    ("Slides https://ex.org/s. Code: https://ex.org/c", ["https://ex.org/s", "https://ex.org/c"], ["https://ex.org/c"]),
    (
        "Code: https://a.org/x and https://b.org/y.",
        ["https://a.org/x", "https://b.org/y"],
        ["https://a.org/x", "https://b.org/y"],
    ),
    (
        "Our code is at https://ex.org/t. Data: https://ex.org/d.",
        ["https://ex.org/t", "https://ex.org/d"],
        ["https://ex.org/t"],
    ),
    (
        "The code (https://ex.org/c) and a blog https://ex.org/b",
        ["https://ex.org/c", "https://ex.org/b"],
        ["https://ex.org/c"],
    ),
    # Square brackets after a URL are a citation mark or an aside, not part of it; IPv6 hosts keep theirs.
    (
        "See https://github.com/a/b[3] and https://x.org/p [code].",
        ["https://github.com/a/b", "https://x.org/p"],
        ["https://github.com/a/b"],
    ),
    ("Served at http://[2001:db8::1]:8080/x for now", ["http://[2001:db8::1]:8080/x"], []),
    ("Full width stop https://github.com/a/b。Then more", ["https://github.com/a/b"], ["https://github.com/a/b"]),
    ("HTTPS://GitHub.com/Org/Repo", ["HTTPS://GitHub.com/Org/Repo"], ["HTTPS://GitHub.com/Org/Repo"]),
    ("Broken http:// and https://", [], []),
    ("No links at all, just text.", [], []),
]


@pytest.mark.parametrize(("text", "links", "code"), CASES, ids=[c[0][:40] for c in CASES])
def test_extract_links(text: str, links: list[str], code: list[str]) -> None:
    assert extract_links(text) == (tuple(links), tuple(code))


@pytest.mark.parametrize(
    ("link", "url"),
    [
        ("https://github.com/a/b", "https://github.com/a/b"),
        ("  HTTP://example.org/x?y=1#z  ", "HTTP://example.org/x?y=1#z"),
        ("doi:10.1145/3290605.3300233", "https://doi.org/10.1145/3290605.3300233"),
        ("10.48550/arXiv.2301.00001", "https://doi.org/10.48550/arXiv.2301.00001"),
        ("arXiv:2301.00001v2", "https://arxiv.org/abs/2301.00001v2"),
        ("arxiv:hep-th/9901001", "https://arxiv.org/abs/hep-th/9901001"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("file:///etc/passwd", None),
        ("data:text/html,<script>", None),
        ("--new-window", None),
        ("-https://example.org", None),
        ("https://", None),
        ("https://exa mple.org", None),
        ("https://example.org/\x1b]2;x\x07", None),
        ("/etc/passwd", None),
    ],
)
def test_only_web_addresses_are_openable(link: str, url: str | None) -> None:
    assert openable_url(link) == url
