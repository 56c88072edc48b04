"""Synthetic profile dumps and libraries for the benchmarks: realistic shapes, invented words."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import sqlite3
from pathlib import Path

from store import Library, Paper, ReadStatus

_WORDS = (
    "learning neural sparse dense retrieval ranking transformer attention linear graph diffusion model "
    "language vision robust efficient scalable adaptive contrastive federated causal multimodal agents "
    "reasoning benchmark distillation pruning quantization optimization generative latent recurrent "
    "segmentation detection translation summarization alignment preference reinforcement policy reward "
    "memory retrieval-augmented self-supervised zero-shot few-shot long-context tokenizer embedding"
).split()
_ACRONYMS = ("RAG", "LLM", "BERT", "GPT", "ViT", "TNN", "GNN", "RLHF", "MoE", "SSM")
_FIRST = (
    "Zhen Wei Ana Jonas Priya Kenji Sofia Hugo Amara Felix Lin Sara Pieter Rohan Mira Lukas Yasmin "
    "Chiara Rafael Ingrid Thomas Daniel Oluwaseun Jean-Luc XiaoMing Wei-Ting"
).split()
_LAST = (
    "Qin Zhang Castellanos Feldmann Watanabe Marchetti Okafor Brandt Chao Lindqvist Mehta Brenner "
    "Romano Dubois Solberg Huang Liu Chen Wang Li Schmidt Adeyemi"
).split()
_AFFILIATIONS = ["deepmind", "tsinghua", "mit", "inria", "eth-zurich", "pku", "cmu", "uc-berkeley"]
_CATEGORIES = ("CL", "CV", "LG", "IR", "AI", "NA", "DC", "CR")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def title(rng: random.Random, index: int) -> str:
    words = [rng.choice(_WORDS).capitalize() for _ in range(rng.randint(6, 20))]
    if rng.random() < 0.2:
        words[-1] = rng.choice(_ACRONYMS)
    return f"{' '.join(words)} {index}"


def author(rng: random.Random) -> str:
    if rng.random() < 0.05:
        return f"{rng.choice(_FIRST)} van der {rng.choice(_LAST)}"
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


_SYLLABLES = "ka ri to mo ne sa lu vi de po ga te ra chi bo en al or in um".split()


def _general_vocabulary(size: int = 6000) -> list[str]:
    """Invented words standing in for the general vocabulary of abstracts."""
    rng = random.Random(1)
    found: dict[str, None] = {}
    while len(found) < size:
        found["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))] = None
    return list(found)


_GENERAL = _general_vocabulary()
_ZIPF = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(_GENERAL))))


def abstract(rng: random.Random, with_link: bool) -> str:
    """About 1,200 characters: general words drawn by Zipf's law, with some domain words."""
    sentences = []
    while sum(map(len, sentences)) < 1150:
        general = rng.choices(_GENERAL, cum_weights=_ZIPF, k=rng.randint(8, 18))
        domain = rng.sample(_WORDS, 3)
        sentence = general + domain
        rng.shuffle(sentence)
        sentences.append(" ".join(sentence).capitalize() + ".")
    if with_link:
        sentences.append(f"The code is available at https://github.com/lab/{rng.choice(_WORDS)}.")
    return " ".join(sentences)


def dump(n: int, *, layout: str, seed: int = 0) -> str:
    """A profile dump of n entries in layout 'A' (spaced) or 'B' (compact)."""
    rng = random.Random(seed)
    parts = ["h-index40", "120papers", "8,000citations", "Novelty50%", "AI Score60", "", "120 Papers", ""]
    if layout == "B":
        parts = []
    for i in range(n):
        has_code = rng.random() < 0.4
        score = f"{rng.uniform(1, 99):.1f}" if rng.random() < 0.2 else ""
        year = f", {rng.randint(2015, 2025)}" if not score else ""
        meta = f"{score}{rng.choice(_CATEGORIES)}{rng.choice(_MONTHS)} {rng.randint(1, 28)}{year}"
        meta += "Code" if has_code else ""
        names = [author(rng) for _ in range(rng.randint(3, 8))]
        authors = ", ".join(names[:3]) + (" et al." if len(names) > 3 else "")
        if rng.random() < 0.3:
            authors += " · deepmind, tsinghua"
        if layout == "A":
            parts += [meta, title(rng, i), "", authors, "", abstract(rng, has_code), ""]
        else:
            parts += [meta, title(rng, i) + authors, abstract(rng, has_code)]
    return "\n".join(parts) + "\n"


def papers(n: int, *, seed: int = 0) -> list[Paper]:
    """A synthetic library of n papers: realistic titles, ~5 authors, ~1,200-character abstracts."""
    rng = random.Random(seed)
    statuses = (ReadStatus.UNREAD,) * 6 + (ReadStatus.READING, ReadStatus.READ, ReadStatus.READ)
    result = []
    for i in range(n):
        has_code = rng.random() < 0.4
        result.append(
            Paper(
                id=i + 1,
                title=title(rng, i),
                authors=tuple(author(rng) for _ in range(rng.randint(3, 8))),
                authors_truncated=rng.random() < 0.5,
                affiliations=tuple(rng.sample(_AFFILIATIONS, rng.randint(0, 2))),
                category=rng.choice(_CATEGORIES),
                date=dt.date(rng.randint(2015, 2026), rng.randint(1, 12), rng.randint(1, 28)),
                date_has_year=True,
                score=round(rng.uniform(1, 99), 1) if rng.random() < 0.2 else None,
                has_code=has_code,
                abstract=abstract(rng, has_code),
                links=(),
                code_urls=(),
                status=rng.choice(statuses),
                status_changed_at=None,
                note="",
                note_updated_at=None,
                sources=(f"profile_{i % 7}.txt",),
                owners=(f"Owner {i % 7}",),
                added_at=f"2026-01-{1 + i % 28:02d}T00:00:00Z",
            )
        )
    return result


def bench_dir() -> Path:
    """Where the benchmarks keep the synthetic libraries between runs (PAPERSHELF_BENCH_DIR)."""
    return Path(os.environ.get("PAPERSHELF_BENCH_DIR", "/tmp/papershelf-bench"))


_PER_FILE = 250_000


def noted_library(size: int) -> Path:
    """A library of size papers, one in five with a note, made once and kept in bench_dir()."""
    folder = bench_dir() / f"writes-{size}"
    db = folder / "papers.db"
    if db.exists():
        return db
    folder.mkdir(parents=True, exist_ok=True)
    with Library.open(db) as library:
        # Files of at most _PER_FILE papers (~350 MB): import refuses a file over 512 MiB.
        for part, start in enumerate(range(0, size, _PER_FILE)):
            source = folder / f"profile-{part}.txt"
            source.write_text(dump(min(_PER_FILE, size - start), layout="A", seed=size + part), encoding="utf-8")
            outcome = library.import_file(source)
            assert outcome.report is not None, outcome
            source.unlink()
    annotate(db)
    return db


def annotate(db: Path) -> None:
    """A note on one paper in five, in one statement (set_note that often is not what is measured)."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE papers SET note = 'Read with care: ' || substr(abstract, 1, 300) WHERE id % 5 = 0")
    with Library.open(db) as library:
        library.sync_index()
