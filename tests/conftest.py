"""Shared fixtures: every test runs against its own temporary library and config."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from store import Library, Store, StoreError
from store.segment import Segment

TODAY = dt.date(2026, 11, 23)


def assert_same_segment(got: Segment, expected: Segment) -> None:
    """Every array and string table equal; labels (categories, sources, affiliations) compared by name
    and row, as their codes are numbered in the order papers bring them."""

    def labelled(segment: Segment) -> tuple[list[Any], ...]:
        by_row = (
            sorted(zip(segment.source_rows.tolist(), (segment.sources[c] for c in segment.source_codes), strict=True)),
            sorted(zip(segment.aff_rows.tolist(), (segment.affs[c] for c in segment.aff_codes), strict=True)),
        )
        return [segment.categories[c] for c in segment.category], *by_row, sorted(segment.source_aliases)

    codes = {"category", "source_rows", "source_codes", "aff_rows", "aff_codes"}
    assert got._arrays.keys() == expected._arrays.keys()
    for name, values in expected._arrays.items():
        if name not in codes:
            assert (got._arrays[name] == values).all(), name
    for name in ("title_keys", "vocab"):
        assert list(got._strings[name]) == list(expected._strings[name]), name
    assert labelled(got) == labelled(expected)


DATA = Path(__file__).parent / "data"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Benchmarks run only when a -m names them (pytest tests/bench -m bench -s): a plain run, or
    one with -m "not slow", leaves them out (a -m in addopts would be replaced by the user's)."""
    if "bench" in (config.getoption("markexpr") or ""):
        return
    benches = [item for item in items if item.get_closest_marker("bench")]
    if benches:
        config.hook.pytest_deselected(items=benches)
        items[:] = [item for item in items if not item.get_closest_marker("bench")]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers a core. A Pilot test spends much of its time waiting for the app to be
    idle (Textual's wait_for_idle sleeps in 20 ms steps), time another worker can use."""
    return min(2 * (os.cpu_count() or 1), 8)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every papershelf path, and the home folder, at tmp_path, so no test touches a real library."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("PAPERSHELF_DB", str(tmp_path / "library.db"))
    monkeypatch.setenv("TZ", "UTC")  # times are shown in local time; tests read them in one zone
    time.tzset()
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("TMUX", raising=False)  # the clipboard's messages depend on it
    return tmp_path


@pytest.fixture(autouse=True)
def fail_on_worker_bugs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A worker that raises anything but a StoreError (the app's way to report a refused change)
    fails the test, even though the app only shows it as a toast."""
    from textual.worker import Worker

    bugs: list[str] = []
    real_run = Worker.run

    async def run(self: Worker[object]) -> object:
        try:
            return await real_run(self)
        except StoreError:
            raise
        except Exception as exc:
            bugs.append(f"{self.description or self.name}: {type(exc).__name__}: {exc}")
            raise

    monkeypatch.setattr(Worker, "run", run)
    yield
    assert not bugs, f"a worker raised: {bugs}"


HOSTILE_CLICK = "[@click=app.screenshot('/tmp/pwned')]click me[/]"
"""Textual markup with an action: shown as these characters, it neither styles nor runs anything."""
HOSTILE_ESCAPES = "\x1b]52;c;UFdORUQ=\x07\x1b]2;PWNED\x07\x1b[2J\x1b[6n\u202eevil"
"""A clipboard write, a title change, a screen clear, a cursor query and a bidi override."""


def hostile_library(folder: Path, *, with_demo: bool = False) -> Path:
    """A library file whose paper 1 carries markup and escape codes in its title, abstract and note;
    with_demo adds the bundled demo papers after it."""
    dump = folder / "hostile.txt"
    dump.write_text(
        "CLOct 19, 2022\n"
        f"Hostile {HOSTILE_CLICK} Title\n\n"
        "Anna Berg, Carl Doe\n\n"
        f"An abstract with {HOSTILE_ESCAPES} in it and a paste breaker \x1b[201~rm -rf ~\n\n",
        encoding="utf-8",
    )
    path = folder / "hostile.db"
    with Library.open(path) as library:
        assert library.import_file(dump, today=TODAY).report is not None
        library.set_note(1, f"my note {HOSTILE_ESCAPES}\nline two")
        if with_demo:
            library.load_demo(today=TODAY)
    return path


class FixedClock:
    """A clock that moves only when told to, for deterministic timestamps."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float = 60) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def fixed_clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def empty_library(tmp_path: Path, fixed_clock: FixedClock) -> Library:
    library = Library.open(tmp_path / "test.db", clock=fixed_clock)
    yield library
    library.close()


@pytest.fixture
def library(empty_library: Library) -> Library:
    """A library holding the bundled demo dumps (40 papers, both layouts)."""
    empty_library.load_demo(today=TODAY)
    return empty_library


@pytest.fixture
def empty_store(empty_library: Library) -> Store:
    return empty_library.store


@pytest.fixture
def store(library: Library) -> Store:
    return library.store
