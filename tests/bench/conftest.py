"""Benchmarks print figures; they run only when asked for: pytest tests/bench -m bench -s."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """Median wall time of fn over repeat runs, and its last result."""
    times = []
    result: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result
