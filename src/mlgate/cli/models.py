"""``mlgate models``, ``promote``, ``approve``, ``reject``, ``rollback``, ``audit verify``.

The registry's commands: each parses, calls one ``mlgate.registry`` function and
renders the result. A promotion that needs approval exits with code 6 and says
who must approve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from mlgate.cli._render import console, print_json, short

if TYPE_CHECKING:
    from mlgate.registry.aliases import Promotion
    from mlgate.store.metadata.base_registry import AliasMove, ApprovalRecord

__all__ = ["audit_app", "models_app", "register"]

models_app = typer.Typer(
    help="Registered models: list them, show a version, show alias history.",
    invoke_without_command=True,
    rich_markup_mode=None,  # plain, fast help (see cli/app.py)
)
audit_app = typer.Typer(
    help="The registry's tamper-evident audit log.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _when(value: Any) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


@models_app.callback()
def models_cmd(ctx: typer.Context, as_json: bool = _JSON) -> None:
    """Registered models and what each alias points to."""
    if ctx.invoked_subcommand is not None:
        return
    from mlgate.registry.versions import models

    found = models()
    if as_json:
        print_json(found)
        return
    out = console()
    if not found:
        out.print("no registered models yet: a pipeline run registers one, or see `mlgate run`")
        return
    from rich.table import Table

    table = Table("model", "versions", "aliases", "pending approvals", "created (UTC)", box=None)
    for model in found:
        aliases = ", ".join(f"{alias} → v{v}" for alias, v in sorted(model.aliases.items()))
        table.add_row(
            model.name,
            str(model.versions),
            aliases or "-",
            str(model.pending or ""),
            _when(model.created_at),
        )
    out.print(table)


def _metric(value: Any) -> str:
    if isinstance(value, dict):
        point = value.get("value", value.get("estimate"))
        low = value.get("low", value.get("ci_low"))
        high = value.get("high", value.get("ci_high"))
        if isinstance(value.get("ci"), list) and len(value["ci"]) == 2:
            low, high = value["ci"]
        text = _number(point)
        if low is not None and high is not None:
            text += f" [{_number(low)}, {_number(high)}]"
        return text
    return _number(value)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _approval_line(request: ApprovalRecord) -> list[str]:
    lines = [
        f"  #{request.id} → {request.alias}: {request.status}, asked by {request.requested_by} "
        f"at {_when(request.requested_at)}"
        + (f" ({request.reason})" if request.reason else "")
        + f", needs {request.needed}"
        + (f", expires {_when(request.expires_at)}" if request.expires_at else "")
    ]
    for decision in request.decisions:
        lines.append(
            f"      {decision.decision} by {decision.actor} at {_when(decision.decided_at)}: "
            f"{decision.reason}"
        )
        verdict = decision.accepted.get("verdict")
        if decision.decision == "approve" and verdict:
            numbers = [
                f"{gate.get('name', gate.get('gate', '?'))}={gate.get('status', '?')}"
                + (f" ({gate['sentence']})" if gate.get("sentence") else "")
                for gate in decision.accepted.get("gates", [])
            ]
            lines.append(
                f"        accepted verdict {verdict}"
                + (": " + "; ".join(numbers) if numbers else "")
            )
    return lines


@models_app.command("show")
def show_cmd(
    name: str = typer.Argument(..., help="The model's name."),
    version: int = typer.Option(None, "--version", "-v", help="Version number (default: latest)."),
    as_json: bool = _JSON,
) -> None:
    """One version: lineage, metrics with intervals, gate verdict, aliases and approvals."""
    from mlgate.registry.versions import show

    details = show(name, version=version)
    if as_json:
        print_json(details)
        return
    record = details.version
    out = console()
    aliases = f" ({', '.join(details.aliases)})" if details.aliases else ""
    out.print(f"{record.model} v{record.version}{aliases}")
    out.print(
        f"  registered {_when(record.created_at)} UTC by {record.created_by}; "
        f"latest version v{details.model.last_version}"
    )
    if record.description:
        out.print(f"  {record.description}")
    out.print(f"  artifact {short(record.artifact)} ({record.flavor})")
    out.print(f"  run {record.run_id or '-'}")
    if record.signature:
        columns = record.signature.get("columns") or record.signature.get("inputs") or []
        out.print(f"  signature: {len(columns)} input column(s)")
    out.print(f"  gate verdict: {record.verdict or 'none'}")
    for gate in record.gates:
        label = gate.get("name", gate.get("gate", "?"))
        sentence = f": {gate['sentence']}" if gate.get("sentence") else ""
        out.print(f"    {gate.get('status', '?'):>12}  {label}{sentence}")
    if record.metrics:
        out.print("  metrics:")
        for metric, value in sorted(record.metrics.items()):
            out.print(f"    {metric}: {_metric(value)}")
    if details.approvals:
        out.print("  approvals:")
        for request in details.approvals:
            for line in _approval_line(request):
                out.print(line)
    if details.moves:
        out.print("  alias moves:")
        for entry in details.moves:
            out.print("    " + _move_line(entry))


def _move_line(entry: AliasMove) -> str:
    before = "-" if entry.from_version is None else f"v{entry.from_version}"
    why = f": {entry.reason}" if entry.reason else ""
    extra = f" (approval #{entry.approval_id})" if entry.approval_id else ""
    return (
        f"{_when(entry.moved_at)}  {entry.alias}: {before} → v{entry.to_version}  "
        f"{entry.kind} by {entry.actor}{extra}{why}"
    )


@models_app.command("history")
def history_cmd(
    name: str = typer.Argument(..., help="The model's name."),
    alias: str = typer.Option(None, "--alias", "-a", help="Only this alias."),
    as_json: bool = _JSON,
) -> None:
    """Every alias move: when, who, from → to, why."""
    from mlgate.registry.aliases import history

    moves = history(name, alias=alias)
    if as_json:
        print_json(moves)
        return
    out = console()
    if not moves:
        out.print(f"no alias of {name} has moved yet")
        return
    from rich.table import Table

    table = Table("when (UTC)", "alias", "from", "to", "kind", "by", "why", box=None)
    for entry in moves:
        table.add_row(
            _when(entry.moved_at),
            entry.alias,
            "-" if entry.from_version is None else f"v{entry.from_version}",
            f"v{entry.to_version}",
            entry.kind + (f" #{entry.approval_id}" if entry.approval_id else ""),
            entry.actor,
            entry.reason or "",
        )
    out.print(table)


def _pending(result: Promotion) -> None:
    from mlgate.errors import ApprovalRequired

    assert result.approval is not None
    raise ApprovalRequired(
        result.sentence(),
        hint=f"An approver runs: mlgate approve {result.model} {result.version} "
        f'--to {result.alias} --reason "…"',
    )


def promote_cmd(
    name: str = typer.Argument(..., help="The model's name."),
    version: int = typer.Argument(..., help="The version to promote."),
    to: str = typer.Option(..., "--to", help="The alias to move (e.g. production)."),
    reason: str = typer.Option(None, "--reason", "-r", help="Why; kept in history and audit."),
) -> None:
    """Move an alias to a version, as the alias's policy allows (exit 6: needs approval)."""
    from mlgate.registry.aliases import promote

    result = promote(name, version, to=to, reason=reason)
    if result.state == "pending":
        _pending(result)
    console().print(result.sentence())


def approve_cmd(
    name: str = typer.Argument(..., help="The model's name."),
    version: int = typer.Argument(..., help="The version whose promotion you approve."),
    to: str = typer.Option(..., "--to", help="The alias of the request."),
    reason: str = typer.Option(..., "--reason", "-r", help="Why you approve (required)."),
) -> None:
    """Approve a pending promotion; with enough approvals the alias moves."""
    from mlgate.errors import ApprovalRequired
    from mlgate.registry.approvals import approve

    result = approve(name, version, to=to, reason=reason)
    if result.state == "pending":
        raise ApprovalRequired(
            result.sentence(),
            hint=f'Another approver runs: mlgate approve {name} {version} --to {to} --reason "…"',
        )
    console().print(result.sentence())


def reject_cmd(
    name: str = typer.Argument(..., help="The model's name."),
    version: int = typer.Argument(..., help="The version whose promotion you reject."),
    reason: str = typer.Option(..., "--reason", "-r", help="Why you reject (required)."),
) -> None:
    """Reject the pending promotion requests of a version."""
    from mlgate.registry.approvals import reject

    for result in reject(name, version, reason=reason):
        console().print(result.sentence())


def rollback_cmd(
    name: str = typer.Argument(..., help="The model's name."),
    alias: str = typer.Option("production", "--alias", "-a", help="The alias to move back."),
    to: int = typer.Option(None, "--to", help="A version the alias pointed to before."),
    reason: str = typer.Option(None, "--reason", "-r", help="Why; kept in history and audit."),
) -> None:
    """Move an alias back to its previous version (or --to one it held before)."""
    from mlgate.registry.aliases import rollback

    console().print(rollback(name, alias=alias, to=to, reason=reason).sentence())


@audit_app.command("verify")
def audit_verify_cmd(as_json: bool = _JSON) -> None:
    """Check the audit log's hash chain; names the first bad entry (exit 5)."""
    from mlgate.config import Settings
    from mlgate.errors import IntegrityError
    from mlgate.registry.audit import verify_audit
    from mlgate.store.metadata.open import mask_password

    settings = Settings.load()
    report = verify_audit(settings=settings)
    if as_json:
        print_json(report)
    if report.problem is not None:
        raise IntegrityError(
            report.problem.message,
            where=mask_password(settings.db_url),
            hint=f"The {report.entries} entries before it are intact. Restore the database "
            "from a backup, and find out who changed it.",
        )
    if not as_json:
        console().print(f"audit log intact: {report.entries} entries, head {short(report.head)}")


def register(app: typer.Typer) -> None:
    """Add the registry's commands to the root app."""
    app.add_typer(models_app, name="models")
    app.command("promote")(promote_cmd)
    app.command("approve")(approve_cmd)
    app.command("reject")(reject_cmd)
    app.command("rollback")(rollback_cmd)
    app.add_typer(audit_app, name="audit")
