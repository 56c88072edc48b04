"""A citation key changed on purpose: the new one everywhere, the old one kept as an alias."""

from __future__ import annotations

from pathlib import Path

import pybtex.database
import pytest

from store import Library, StoreError
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
