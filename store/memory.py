"""Giving memory back to the system once a large job is done."""

from __future__ import annotations

import functools
import sys
from typing import Any


def release() -> None:
    """Hand back the heap pages a large job (an import, a sync round, an index build) freed.

    glibc keeps freed memory for later reuse, and numpy's large arrays are never made from it: after
    importing 100k papers a process held 360 MB it no longer used, and the index build that follows
    took its own on top (peak 885 MB; 735 MB with this). Elsewhere (macOS, musl) this does nothing.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # deferred: most commands never free a large heap

    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # a C library without it
        return None
