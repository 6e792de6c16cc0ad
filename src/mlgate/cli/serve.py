"""``mlgate serve`` and ``mlgate deploy promote|abort|export``: the model server and its bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from mlgate.cli._render import print_json

__all__ = ["deploy_app", "register"]

deploy_app = typer.Typer(
    help="Serving: end a canary (promote or abort), export a bundle.", no_args_is_help=True
)

_ALIAS = typer.Option("production", "--alias", "-a", help="The alias that is served.")
_CANDIDATE = typer.Option(
    "candidate", "--candidate", help="The alias of the canary or shadow version."
)
_REASON = typer.Option(None, "--reason", "-m", help="Why (recorded in the audit log).")
_JSON = typer.Option(False, "--json", help="Print JSON.")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``deploy`` group to the root app."""
    app.command("serve")(serve_cmd)
    app.add_typer(deploy_app, name="deploy")


def serve_cmd(
    name: str = typer.Argument(..., help="The registered model to serve."),
    alias: str = _ALIAS,
    port: int = typer.Option(8080, "--port", "-p", help="TCP port."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback)."),
    poll: float = typer.Option(
        1.0, "--poll", min=0.05, max=60, help="Seconds between two checks of the alias."
    ),
    max_body: int = typer.Option(
        16 * 1024 * 1024, "--max-body", min=1, help="Largest request body, in bytes (413 above)."
    ),
    no_log: bool = typer.Option(False, "--no-log", help="Turn the prediction log off."),
) -> None:
    """Serve a model over KServe V2 and MLflow's protocol, following its alias (hot swap)."""
    from mlgate.deploy.run import serve

    serve(name, alias=alias, host=host, port=port, poll=poll, max_body=max_body, log=not no_log)


def _render_decision(decision: Any, *, as_json: bool) -> None:
    """Print a canary decision; a move left pending approval exits 6."""
    if as_json:
        print_json(decision)
    else:
        typer.echo(decision.sentence)
    if decision.state == "pending":
        raise typer.Exit(6)


@deploy_app.command("promote")
def promote_cmd(
    name: str = typer.Argument(..., help="The model whose canary is promoted."),
    alias: str = _ALIAS,
    candidate: str = _CANDIDATE,
    reason: str | None = _REASON,
    as_json: bool = _JSON,
) -> None:
    """Promote the canary: move the served alias to the candidate version."""
    from mlgate.deploy.canary import promote

    decision = promote(name, alias=alias, candidate_alias=candidate, reason=reason)
    _render_decision(decision, as_json=as_json)


@deploy_app.command("abort")
def abort_cmd(
    name: str = typer.Argument(..., help="The model whose canary is stopped."),
    alias: str = _ALIAS,
    candidate: str = _CANDIDATE,
    reason: str | None = _REASON,
    as_json: bool = _JSON,
) -> None:
    """Abort the canary: move the candidate alias back to the served version."""
    from mlgate.deploy.canary import abort

    decision = abort(name, alias=alias, candidate_alias=candidate, reason=reason)
    _render_decision(decision, as_json=as_json)


@deploy_app.command("export")
def export_cmd(
    name: str = typer.Argument(..., help="The model to export."),
    folder: Path = typer.Argument(..., help="The bundle's folder (created; must be empty)."),
    alias: str = _ALIAS,
    version: int | None = typer.Option(None, "--version", "-v", help="A version, not an alias."),
    force: bool = typer.Option(False, "--force", help="Write into a folder that is not empty."),
    as_json: bool = _JSON,
) -> None:
    """Write a self-contained bundle: artifact, signature, requirements, Dockerfile, entrypoint."""
    from mlgate.deploy.export import export_bundle

    bundle = export_bundle(name, folder, alias=alias, version=version, force=force)
    if as_json:
        print_json(bundle)
        return
    typer.echo(f"exported {bundle.model} v{bundle.version} to {bundle.folder}")
    for file in bundle.files:
        typer.echo(f"  {file}")
    typer.echo(f"requirements pinned from {bundle.pinned_from}")
