"""Benchmarks print figures; they run only when asked for: pytest tests/bench -m bench -s."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
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


def measured(args: list[str], env: dict[str, str], *, shell: bool = False) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one process (a pipeline's first, with shell=True).

    /usr/bin/time reads the RSS: a forked child's own ru_maxrss counts the parent's pages from
    before exec, which here would be the benchmark's own hundreds of MiB.
    """
    with tempfile.NamedTemporaryFile("r") as report:
        time_it = ["/usr/bin/time", "-f", "%M", "-o", report.name]
        command = " ".join([*time_it, *args]) if shell else [*time_it, *args]
        start = time.perf_counter()
        with open(os.devnull, "wb") as sink:
            done = subprocess.run(command, shell=shell, stdout=sink, env=env, check=False)
        seconds = time.perf_counter() - start
        assert done.returncode == 0, args
        return seconds, int(report.read().split()[-1]) * 1024
