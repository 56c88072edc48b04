"""The user's config file: a pure parser from TOML text to settings and problems.

Anything wrong gives a message naming the key, and that setting keeps its default, so a bad
config never stops papershelf from starting.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from store.keys import pattern_problem
from store.text import DecodeError, decode

if TYPE_CHECKING:
    from pathlib import Path

SORT_CHOICES = ("relevance", "date", "title", "score", "status", "added")
COLUMNS = ("year", "category", "author", "score", "marks")
"""The list's optional columns; the title always shows."""
DEFAULT_COLUMNS = ("year", "category", "author", "marks")
"""Those shown unless the config says otherwise: the profile's score only when asked for."""
_SETTINGS = ("sort", "theme", "columns", "keys", "key_pattern", "sync_folder", "notes_vault")
_BINDING_ID = re.compile(r"[a-z_]+\.[a-z_]+")


@dataclass(frozen=True, slots=True)
class Config:
    sort: str = "relevance"
    theme: str | None = None
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    """Which optional list columns show; the title always does."""
    keys: dict[str, str] = field(default_factory=dict)
    """Binding id (as in the help screen's ids, e.g. "paper.read") to keys ("r,ctrl+r")."""
    key_pattern: str | None = None
    """How new papers' citation keys are made, e.g. "{Author}{year}{Title}" (see store.keys)."""
    sync_folder: str | None = None
    """The folder ``papershelf sync`` and the app sync through (remembered by the first sync)."""
    notes_vault: str | None = None
    """A folder of note files (an Obsidian vault) synced on every round (remembered by the first sync-notes)."""


def parse_config(text: str) -> tuple[Config, list[str]]:
    """Settings from TOML text, and a message for each thing that was wrong with it."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Config(), [f"not valid TOML ({exc}); using the defaults"]
    problems: list[str] = []
    values: dict[str, object] = {}
    for key, value in raw.items():
        if key == "sort":
            if value in SORT_CHOICES:
                values["sort"] = value
            else:
                problems.append(f"sort = {value!r}: expected one of {', '.join(SORT_CHOICES)}")
        elif key == "theme":
            if isinstance(value, str) and value:
                values["theme"] = value
            else:
                problems.append("theme: expected the name of a theme, as a string")
        elif key == "columns":
            if isinstance(value, list) and all(v in COLUMNS for v in value):
                values["columns"] = tuple(value)
            else:
                problems.append(f"columns: expected a list drawn from {', '.join(COLUMNS)}")
        elif key == "keys":
            if not isinstance(value, dict):
                problems.append('keys: expected a table, e.g. [keys] "paper.read" = "r,ctrl+r"')
                continue
            good = {}
            for binding, keys in value.items():
                if not _BINDING_ID.fullmatch(binding) or not isinstance(keys, str) or not keys.strip():
                    problems.append(f'keys.{binding}: expected a binding id such as "paper.read" = "r"')
                else:
                    good[binding] = keys
            values["keys"] = good
        elif key == "key_pattern":
            problem = pattern_problem(value) if isinstance(value, str) and value else "expected a string"
            if problem is None:
                values["key_pattern"] = value
            else:
                problems.append(f"key_pattern = {value!r}: {problem}")
        elif key in ("sync_folder", "notes_vault"):
            if isinstance(value, str) and value.strip():
                values[key] = value
            else:
                problems.append(f"{key}: expected the path of a folder, as a string")
        else:
            problems.append(f"unknown setting {key!r} (ignored); settings are {', '.join(_SETTINGS)}")
    return Config(**values), problems  # type: ignore[arg-type]


def read_config(path: Path) -> tuple[Config, list[str]]:
    """The settings in a config file (a missing file is the defaults); a BOM is allowed."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Config(), []
    except OSError as exc:
        return Config(), [f"cannot read {path}: {exc.strerror or exc}; using the defaults"]
    try:
        text = decode(data)
    except DecodeError as exc:
        return Config(), [f"{path}:{exc.line}: {exc}; using the defaults"]
    return parse_config(text)


def set_line(text: str, key: str, value: str) -> str:
    """text with one top-level string setting changed (or added), the rest of the file left as written."""
    line = f"{key} = {json.dumps(value, ensure_ascii=False)}"  # a JSON string is a TOML basic string
    pattern = re.compile(rf"^{key}\s*=.*$", re.MULTILINE)
    if pattern.search(text):
        return pattern.sub(lambda _: line, text, count=1)
    first_table = re.search(r"^\[", text, re.MULTILINE)
    if first_table:  # top-level keys must come before the first [table]
        return text[: first_table.start()] + line + "\n" + text[first_table.start() :]
    return (text + ("\n" if text and not text.endswith("\n") else "") + line + "\n").lstrip("\n")
