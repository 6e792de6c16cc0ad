"""``mlgate quickstart``: the whole loop on the embedded defaults, in a new folder."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add ``quickstart`` to the root app."""
    app.command("quickstart")(quickstart_cmd)


def quickstart_cmd(
    dest: Path = typer.Argument(
        Path("mlgate-quickstart"), help="A new or empty folder for the example project."
    ),
) -> None:
    """Create an example project and walk through the loop, explaining each step."""
    from mlgate.quickstart import quickstart

    quickstart(dest, say=typer.echo)
