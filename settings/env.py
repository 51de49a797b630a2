"""Where settings come from, and where per-user state lives.

Every settings class reads the environment first, then a `.env` file in the working directory
(`ENV_FILE`; a variable set in the environment wins). Per-user state (the demo's secrets) goes
to `$XDG_STATE_HOME/perfex-graph`, by default `~/.local/state/perfex-graph`.
"""

from __future__ import annotations

import os
from pathlib import Path

from settings.errors import ConfigError

ENV_FILE = ".env"
APP_DIRECTORY = "perfex-graph"


def state_directory() -> Path:
    """`$XDG_STATE_HOME/perfex-graph`, or `~/.local/state/perfex-graph` (XDG Base Directory:
    a relative XDG_STATE_HOME is ignored)."""
    base = os.environ.get("XDG_STATE_HOME", "").strip()
    if base and Path(base).is_absolute():
        return Path(base) / APP_DIRECTORY
    try:
        home = Path.home()
    except RuntimeError:
        raise ConfigError(
            "cannot find the home directory for the demo's state: set XDG_STATE_HOME"
        ) from None
    return home / ".local" / "state" / APP_DIRECTORY


__all__ = ["APP_DIRECTORY", "ENV_FILE", "state_directory"]
