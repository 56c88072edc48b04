"""The bulk tokeniser gives every text exactly the words ``index_words`` gives it alone."""

from __future__ import annotations

import itertools
from collections import defaultdict

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from store.tokens import MAX_FIELD_CHARS, MAX_WORD, FieldWords, _sorted_groups, index_words

_PIECES = st.sampled_from(
    ["a", "Z", "7", "-", "--", " ", "\n", "_", ".", "'", "(", "ab", "Re", "x" * 70, "é", "古籍", "—", "\u2011", "\t"]
)
_TEXTS = st.lists(st.lists(_PIECES, max_size=30).map("".join) | st.text(max_size=40), max_size=12)


def bulk(texts: list[str], first_row: int = 0) -> list[set[str]]:
    vocab: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    field = FieldWords(vocab.__getitem__)
    field.add(texts, first_row)
    rows, ids = field.pairs()
    assert np.all(np.diff(rows) >= 0), "pairs come in row order"
    words = {i: w for w, i in vocab.items()}
    found: list[set[str]] = [set() for _ in texts]
    for row, word in zip(rows.tolist(), ids.tolist(), strict=True):
        assert words[word] not in found[row - first_row], "each pair once"
        found[row - first_row].add(words[word])
    return found


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_every_text_has_the_words_it_has_alone(texts: list[str]) -> None:
    assert bulk(texts, first_row=5) == [set(index_words(t)) for t in texts]


def test_compounds_long_words_and_long_texts_are_cut_as_alone() -> None:
    texts = [
        "Self-Supervised re--ranking of a-b-c -lead trail- x-",
        "w" * 100 + "-" + "v" * 3,
        "early " + "filler " * (MAX_FIELD_CHARS // 7) + "late",
        "naïve-Bayes über-fast",
        "",
    ]
    found = bulk(texts)
    assert found == [set(index_words(t)) for t in texts]
    assert {"selfsupervised", "reranking", "abc"} <= found[0]
    assert "w" * MAX_WORD in found[1]
    assert "early" in found[2] and "late" not in found[2]


def test_batches_of_many_texts_agree_with_one_at_a_time() -> None:
    texts = [f"word{n % 97} shared-term Paper {n}" for n in range(30_000)]
    assert bulk(texts) == [set(index_words(t)) for t in texts]


def test_words_whose_mix_collides_are_still_told_apart() -> None:
    mix, wrap = 0x9E3779B97F4A7C15, 2**64 - 1
    alike = ((1 * mix) & wrap ^ 5) ^ ((2 * mix) & wrap)  # (2, alike) mixes as (1, 5) does
    first = np.array([1, 2, 1], dtype=np.uint64)
    second = np.array([5, alike, 5], dtype=np.uint64)
    order, new = _sorted_groups([first, second])
    groups = np.cumsum(new) - 1
    group_of = np.empty(3, dtype=np.int64)
    group_of[order] = groups
    assert group_of[0] == group_of[2] != group_of[1]
