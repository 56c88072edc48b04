"""Synthetic profile dumps and libraries for the benchmarks: realistic shapes, invented words."""

from __future__ import annotations

import random

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


def abstract(rng: random.Random, with_link: bool) -> str:
    sentences = []
    while sum(map(len, sentences)) < 1150:
        words = [rng.choice(_WORDS) for _ in range(rng.randint(10, 22))]
        sentences.append(" ".join(words).capitalize() + ".")
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
