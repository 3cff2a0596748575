"""The jinja2 environment, shared by member and organiser pages."""

from __future__ import annotations

from jinja2_fragments.fastapi import Jinja2Blocks

from server.config import PROJECT_ROOT

templates = Jinja2Blocks(directory=str(PROJECT_ROOT / "templates"))
