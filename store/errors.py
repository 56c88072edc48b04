"""What the store raises: each error said in one line for the user, and a search stopped on request."""

from __future__ import annotations


class StoreError(Exception):
    """Anything the store refuses or cannot do, said in one line for the user."""


class LibraryBusy(StoreError):
    """Another process held the write lock past the busy timeout; nothing was changed."""


class PaperNotFound(StoreError):
    """No paper has that id."""


class NoteConflict(StoreError):
    """The note changed underneath an editor: nothing was overwritten, both versions are kept."""

    def __init__(self, paper_id: int, theirs: str, mine: str) -> None:
        super().__init__(
            f"the note of paper {paper_id} was changed elsewhere while you edited it; nothing was overwritten"
        )
        self.paper_id, self.theirs, self.mine = paper_id, theirs, mine


class SearchCancelled(Exception):
    """A search stopped because its caller's ``cancelled`` said so (here, not in store.search, so
    that catching it does not import numpy)."""
