"""The bundled demo library: invented profile dumps in both layouts, with every quirk of real ones."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import TYPE_CHECKING

from store.importers import parse_bytes

if TYPE_CHECKING:
    from store.store import Store


def demo_files() -> list[tuple[str, bytes]]:
    """(file name, contents) of each bundled dump, in a stable order."""
    files = [r for r in resources.files(__name__).iterdir() if r.name.endswith(".txt")]
    return [(r.name, r.read_bytes()) for r in sorted(files, key=lambda r: r.name)]


def load_demo(store: Store, *, today: dt.date | None = None) -> None:
    """Import the demo dumps; re-running keeps what the user did in the demo."""
    for name, data in demo_files():
        store.import_drafts(parse_bytes(data, today=today or dt.date.today()), name)
