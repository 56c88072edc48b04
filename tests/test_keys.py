"""A citation key changed on purpose: the new one everywhere, the old one kept as an alias."""

from __future__ import annotations

import os
from pathlib import Path

import pybtex.database
import pytest

from store import Library, StoreError
from store.config import parse_config
from tests.conftest import TODAY
from tests.test_cli import run


def test_a_changed_key_keeps_the_old_one_as_an_alias(library: Library) -> None:
    first, second = library.select("")[:2]
    old = library.paper(first).cite_key
    paper = library.set_key(first, "Mine2024")
    assert (paper.cite_key, paper.key_aliases) == ("Mine2024", (old,))
    paper = library.set_key(first, old)  # back again: not its own alias
    assert (paper.cite_key, paper.key_aliases) == (old, ("Mine2024",))
    with pytest.raises(StoreError, match="taken"):
        library.set_key(second, "mine2024")  # an alias is taken too, without regard to case
    with pytest.raises(StoreError, match="usable"):
        library.set_key(second, "two words")


def test_the_bibtex_export_carries_the_aliases_as_ids(library: Library) -> None:
    first = library.select("")[0]
    old = library.paper(first).cite_key
    library.set_key(first, "Mine2024")
    text = "".join(library.export("bibtex", [first]))
    (entry,) = pybtex.database.parse_string(text, "bibtex").entries.items()
    assert entry[0] == "Mine2024" and entry[1].fields["ids"] == old


def test_a_new_paper_never_takes_an_old_key(empty_library: Library, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{berg2020sparse, title = {Sparse}, author = {Berg, Ana}, year = 2020}\n")
    empty_library.import_file(bib, today=TODAY)
    (paper_id,) = empty_library.select("")
    empty_library.set_key(paper_id, "Renamed")
    bib.write_text("@article{berg2020sparse, title = {Another Thing}, author = {Berg, Ana}, year = 2020}\n")
    empty_library.import_file(bib, today=TODAY)
    keys = {p.cite_key for p in empty_library.papers(empty_library.select(""))}
    assert "Renamed" in keys and "berg2020sparse" not in keys


def test_the_cli_prints_and_changes_a_key(library: Library) -> None:
    first = library.select("")[0]
    db = str(library.path)
    old = run("--db", db, "key", str(first)).out.strip()
    changed = run("--db", db, "key", str(first), "Mine2024")
    assert changed.code == 0 and changed.out == "Mine2024\n" and old in changed.err
    assert run("--db", db, "key", str(first), "no spaces please").code == 1
    assert f"key          Mine2024  (also {old})" in run("--db", db, "show", str(first)).out


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("{Author}{year}{Title}", None),
        ("{author}:{year}", None),
        ("{nope}{year}", "unknown placeholder"),
        ("{author} {year}", "ASCII letters"),
    ],
)
def test_a_key_pattern_is_checked_where_it_is_set(pattern: str, problem: str | None) -> None:
    config, problems = parse_config(f"key_pattern = {pattern!r}\n".replace("'", '"'))
    if problem is None:
        assert config.key_pattern == pattern and problems == []
    else:
        assert config.key_pattern is None and problem in problems[0]


def test_new_papers_take_their_keys_from_the_configured_pattern(tmp_path: Path) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "papershelf" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('key_pattern = "{Author}{year}{Title}"\n', encoding="utf-8")
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{, title = {The Sparse Things}, author = {Berg, Ana}, year = 2020}\n")
    db = str(tmp_path / "lib.db")
    assert run("--db", db, "import", str(bib)).code == 0
    (paper,) = run("--db", db, "list", "--json").json()
    assert paper["key"] == "Berg2020Sparse"
