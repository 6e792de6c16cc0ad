"""``mlgate init``, ``mlgate schema``: the project and its spec (filled in by the spec work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
