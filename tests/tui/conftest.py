"""Fixtures for driving the real app with Pilot against a temporary library."""

from __future__ import annotations

import io
import time
from typing import TYPE_CHECKING

import pytest
from rich.console import Console
from textual.content import Content
from textual.worker import WorkerCancelled

from tests.conftest import TODAY
from tui.app import PapershelfApp, create_app
from tui.widgets.paper_detail import PaperDetail

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.pilot import Pilot

    from store import Library


_CANCELLED_RETRIES = 20


class FakeClipboard:
    """Records what was copied instead of touching the machine's clipboard."""

    def __init__(self) -> None:
        self.copied: list[str] = []

    def copy(self, text: str) -> str:
        self.copied.append(text)
        return "test clipboard"


class FakeBrowser:
    def __init__(self, works: bool = True) -> None:
        self.works = works
        self.opened: list[str] = []

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        return self.works


@pytest.fixture
def clipboard() -> FakeClipboard:
    return FakeClipboard()


@pytest.fixture
def browser() -> FakeBrowser:
    return FakeBrowser()


@pytest.fixture
def app(library: Library, clipboard: FakeClipboard, browser: FakeBrowser) -> PapershelfApp:
    return create_app(library, clipboard=clipboard, open_url=browser, today=lambda: TODAY)


def toasts(app: PapershelfApp) -> list[str]:
    """The notifications on screen, as the user reads them (run the app with notifications=True)."""
    from textual.widgets._toast import Toast

    return [str(toast.render()) for toast in app.screen.query(Toast)]


def chip_line(app: PapershelfApp) -> str:
    """The chips in the results box's top border, as the user reads them."""
    return Content.from_markup(app.library_screen.query_one("#results").border_title or "").plain


async def settle(pilot: Pilot) -> None:
    """Let workers finish and the screen catch up; never sleep.

    A worker cancelled meanwhile (an exclusive group's older run, replaced by a newer one, as the
    once-a-second refresh is on a slow machine) has nothing left to wait for: the wait starts over."""
    for _ in range(3):
        await pilot.pause()
        for _ in range(_CANCELLED_RETRIES):
            try:
                await pilot.app.workers.wait_for_complete()
                break
            except WorkerCancelled:
                await pilot.pause()
    await pilot.pause()


async def wait_until(pilot: Pilot, condition: Callable[[], bool], *, timeout: float = 5.0) -> None:
    """Wait for a condition the app reaches by itself (a timer, another process); fail if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout} s: {condition}")
        await pilot.pause(0.05)


def shown(widget) -> str:
    """The plain text a Static shows, rendered as the terminal would."""
    console = Console(width=200, record=True, file=io.StringIO())
    if isinstance(widget, PaperDetail):
        console.print(widget.content)
    else:
        console.print(widget.visual._renderable if hasattr(widget.visual, "_renderable") else widget.render())
    return console.export_text()
