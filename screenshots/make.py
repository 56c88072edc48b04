"""Render the README's screenshots with the real app on the demo library.

Run from the repository root: .venv/bin/python screenshots/make.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from store import Library
from tui.app import create_app

HERE = Path(__file__).parent
TODAY = dt.date(2026, 11, 23)
SIZE = (140, 40)


class _NoClipboard:
    def copy(self, text: str) -> str:
        return "clipboard"


SHOTS: dict[str, tuple[str, ...]] = {
    "main": (),
    "search": ("slash", *"rerank okafor", "tab"),
    "filters": (),  # chosen in shoot(), by value
    "reader": ("down", "down", "enter"),
    "note-editor": ("e", *"# Why read this", "enter", *"- compare with *listwise* rerankers"),
    "help": ("question_mark",),
}


async def shoot(name: str, keys: tuple[str, ...], db: Path) -> None:
    library = Library.open(db)
    app = create_app(library, clipboard=_NoClipboard(), open_url=lambda url: False, today=lambda: TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        if name == "filters":
            pane = app.library.query_one("#filters")
            pane.focus()
            for value in ("status\x1funread", "category\x1fIR", "code\x1fwith code"):
                pane.highlighted = pane.get_option_index(value)
                await pilot.press("space")
                await app.workers.wait_for_complete()
                await pilot.pause()
        else:
            await pilot.press(*keys)
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    library.close()


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "demo.db"
        with Library.open(db) as library:
            library.load_demo(today=TODAY)
        for name, keys in SHOTS.items():
            await shoot(name, keys, db)
            print(f"screenshots/{name}.svg")


if __name__ == "__main__":
    asyncio.run(main())
