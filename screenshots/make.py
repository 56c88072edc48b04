"""Render the README's screenshots with the real app on the demo library.

Run from the repository root: .venv/bin/python screenshots/make.py [FOLDER] (this folder by default)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from store import Library, ReadStatus
from tui.app import create_app
from tui.widgets.filter_pane import FilterPane

HERE = Path(__file__).parent
TODAY = dt.date(2026, 11, 23)
SIZE = (140, 40)


class _NoClipboard:
    def copy(self, text: str) -> str:
        return "clipboard"


SHOTS: dict[str, tuple[str, ...]] = {
    "main": (),
    "search": ("slash", *"rerank okafor", "tab"),
    "filters": ("F",),  # then values chosen in shoot()
    "unread": ("slash", *"is:unread", "tab", "j", "j", "r"),
    "reader": ("down", "down", "enter"),
    "note-editor": ("e", *"# Why read this", "enter", *"- compare with *listwise* rerankers"),
    "note-history": ("H",),
    "light": ("j", "j"),
    "help": ("question_mark",),
    "next": ("s",) * 5,  # date, title, score, status, added: then next
}
NOTES = ("Skim: the ablation in section 4", "Skim: the ablation in section 4; compare with listwise", "Read fully.")


class _Clock:
    """The afternoon of TODAY, moved on by hand: the note history shows versions hours apart."""

    def __init__(self) -> None:
        self.now = dt.datetime.combine(TODAY, dt.time(9, 15), tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


async def shoot(name: str, keys: tuple[str, ...], db: Path, out: Path) -> None:
    clock = _Clock()
    library = Library.open(db, clock=clock)
    app = create_app(library, clipboard=_NoClipboard(), open_url=lambda url: False, today=lambda: TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        first = app.library_screen.paper_ids()[0]
        if name == "light":
            app.theme = "textual-light"
            library.set_status(app.library_screen.listed_ids()[3:6], ReadStatus.READ)
            app.refresh_screens()
        if name == "next":
            library.set_status(library.select("rerank")[:3], ReadStatus.READ)
            library.set_status(library.select("retrieval -is:read")[:1], ReadStatus.QUEUED)
            library.set_priority(library.select("speech")[:1], to=2)
            app.refresh_screens()
        if name == "note-history":
            for text in NOTES:
                library.set_note(first, text, expected=library.paper(first).note)
                clock.now += dt.timedelta(hours=2, minutes=20)
        await pilot.press(*keys)
        await app.workers.wait_for_complete()
        await pilot.pause()
        if name == "filters":
            pane = app.library_screen.query_one(FilterPane)
            for value in ("status\x1funread", "category\x1fIR", "code\x1fwith code"):
                pane.highlighted = pane.get_option_index(value)
                await pilot.press("space")
                await app.workers.wait_for_complete()
                await pilot.pause()
        await pilot.pause(0.2)  # the detail pane follows the cursor after a short rest
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.save_screenshot(filename=f"{name}.svg", path=str(out))
    library.close()


async def main(out: Path = HERE) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "demo.db"
        with Library.open(db) as library:
            library.load_demo(today=TODAY)
        for name, keys in SHOTS.items():
            await shoot(name, keys, db, out)
            print(out / f"{name}.svg")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE))
