"""Where papershelf keeps its files. Computed on demand, never at import, so tests can redirect them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

APP = "papershelf"
DB_ENV = "PAPERSHELF_DB"


def data_dir() -> Path:
    import platformdirs  # deferred, here and below: `--db PATH` never needs a default path

    return platformdirs.user_data_path(APP)


def default_db_path(flag: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The library to open: the --db flag, else $PAPERSHELF_DB, else the user data dir."""
    env = os.environ if env is None else env
    if flag:
        return Path(flag).expanduser()
    if env.get(DB_ENV):
        return Path(env[DB_ENV]).expanduser()
    return data_dir() / "library.db"


def demo_db_path() -> Path:
    """The demo library lives apart from the user's own, in the cache dir."""
    import platformdirs

    return platformdirs.user_cache_path(APP) / "demo.db"


def log_dir() -> Path:
    """Where reports of unexpected errors go."""
    import platformdirs

    return platformdirs.user_log_path(APP)


def config_path() -> Path:
    import platformdirs

    return platformdirs.user_config_path(APP) / "config.toml"
