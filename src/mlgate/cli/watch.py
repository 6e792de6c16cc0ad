"""``mlgate watch``: the daemon that turns triggers into runs."""

from __future__ import annotations

import typer

from mlgate.cli._render import print_json


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("watch")(watch_cmd)


def watch_cmd(
    once: bool = typer.Option(
        False, "--once", help="Evaluate the triggers once, run what they queued, and exit."
    ),
    interval: str = typer.Option(
        "10s", "--interval", help="Time between two rounds (e.g. 10s, 1m)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the decisions and runs as JSON (with --once)."
    ),
) -> None:
    """Watch the project: new data, drift, degradation and the schedule start runs.

    Each decision is logged with its evidence; runs go one at a time through the
    project lock. SIGTERM stops after the run in progress. Exit code with --once:
    the last run's (0 when nothing ran).
    """
    import sys

    from mlgate.errors import UsageError
    from mlgate.spec._types import parse_duration
    from mlgate.triggers._daemon import watch

    try:
        seconds = float(parse_duration(interval))
    except ValueError as exc:
        raise UsageError(f"--interval {interval!r}: {exc}", hint="Use e.g. 10s or 1m.") from None
    if seconds <= 0:
        raise UsageError(f"--interval must be positive, not {interval!r}")

    def say(message: str) -> None:
        print(message, file=sys.stderr if as_json else sys.stdout, flush=True)

    result = watch(once=once, interval=seconds, say=say)
    if as_json:
        print_json(result.to_dict())
    raise typer.Exit(result.exit_code)
