"""Facts that cross screens: what the library holds and what changed in it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from store import ImportReport, Paper, SearchIndex, SearchResult


@dataclass
class FirstPageLoaded(Message):
    """The newest papers, shown while the whole library loads."""

    papers: list[Paper]
    total: int


@dataclass
class LibraryLoaded(Message):
    """Every paper is loaded and indexed: search works from now on."""

    index: SearchIndex


@dataclass
class SearchFinished(Message):
    """A search ran; its result replaces the list."""

    result: SearchResult
    keep: int | None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SearchFinished)


@dataclass
class PapersSaved(Message):
    """The store has saved a change to these papers (durable before this is posted)."""

    papers: list[Paper]
    summary: str


@dataclass
class ImportFinished(Message):
    """A file was imported from inside the app."""

    report: ImportReport | None
    error: str | None = None
