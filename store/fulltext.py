"""The text of a paper's PDF, for search (the ``pdf`` field), read with pypdf when it is installed.

pypdf is pure Python (no compiler, no system library), BSD-licensed and kept by the py-pdf
organisation; it reads a PDF's text layer page by page. Search needs the words, not the layout,
so pdfminer.six's slower layout analysis would buy nothing here. A scanned PDF with no text layer
gives no text: papershelf does not OCR. A PDF is untrusted input: whatever pypdf raises on a
damaged or hostile file becomes one ``FulltextError`` naming the file, and reading stops after
``MAX_PAGES`` pages or ``MAX_CHARS`` characters.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

MAX_CHARS = 1_000_000
"""Text kept per PDF: a few hundred pages of prose (the index reads the first 200,000 characters)."""
MAX_PAGES = 2_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PDF_INSTALL_HINT = "install pypdf (pip install pypdf, or papershelf's pdf extra: pip install -e '.[pdf]')"


class FulltextError(Exception):
    """A PDF whose text could not be read, and why."""


def can_read_pdfs() -> bool:
    """Whether the PDF reader is installed."""
    try:
        import pypdf  # noqa: F401
    except ImportError:
        return False
    return True


def extract(path: Path) -> str:
    """The text of a PDF's pages, in order; FulltextError when there is none to be had."""
    try:
        from pypdf import PdfReader
    except ImportError:
        raise FulltextError(f"reading the text of PDFs needs pypdf: {PDF_INSTALL_HINT}") from None
    parts: list[str] = []
    size = 0
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FulltextError(f"{path}: the PDF is encrypted; its text cannot be read")
        for number, page in enumerate(reader.pages):
            if number >= MAX_PAGES or size >= MAX_CHARS:
                break
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
    except FulltextError:
        raise
    except OSError as exc:
        raise FulltextError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except Exception as exc:  # a hostile PDF can make the parser raise anything
        raise FulltextError(f"{path}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    text = _CONTROL.sub(" ", "\n".join(parts))[:MAX_CHARS]
    if not text.strip():
        raise FulltextError(f"{path}: no text in this PDF (a scan? papershelf does not read images)")
    return text


def fingerprint(path: Path) -> str:
    """Which file, in which state, a text was read from: re-reading an unchanged file is skipped."""
    stat = path.stat()
    return json.dumps({"path": str(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns})
