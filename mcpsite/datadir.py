"""Where kubemcp keeps its files: the checkout's `var/` when run from a checkout, else the platform's user data
directory (`~/.local/share/kubemcp` on Linux), `DATA_DIR` overriding both."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

from mcpsite.env import env_str

# The checkout's root, or site-packages when installed from the wheel.
BASE_DIR = Path(__file__).resolve().parent.parent


def running_from_checkout(base_dir: Path = BASE_DIR) -> bool:
    """Whether the code runs from a source checkout (manage.py beside the packages), not from an install."""
    return (base_dir / "manage.py").is_file() and (base_dir / "pyproject.toml").is_file()


def data_dir(base_dir: Path = BASE_DIR) -> Path:
    """The data directory: `DATA_DIR`, else `var/` of a checkout, else the user data directory."""
    if configured := env_str("DATA_DIR", ""):
        return Path(configured).expanduser()
    if running_from_checkout(base_dir):
        return base_dir / "var"
    return Path(platformdirs.user_data_dir("kubemcp", appauthor=False))


def ensure_database_directory(databases: Mapping[str, Mapping[str, Any]]) -> None:
    """Create the folder of each SQLite database file, which SQLite will not do itself.

    Called by the entry points when a process starts, not when settings are imported, so that merely importing
    the settings (`--help`, a test that reads them) creates no empty folders."""
    for database in databases.values():
        name = str(database.get("NAME") or "")
        if str(database.get("ENGINE", "")).endswith("sqlite3") and name not in ("", ":memory:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
