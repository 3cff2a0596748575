"""What every `raidwatch` command starts with, and how it fails."""

from __future__ import annotations

import sys

from server.config import Settings, get_settings
from server.db import migrate


def ready() -> Settings:
    """The settings, with the database migrated to head: what every command starts with."""
    settings = get_settings()
    migrate(settings)
    return settings


def fail(message: str) -> int:
    print(f"raidwatch: {message}", file=sys.stderr)
    return 2
