"""``mlgate run``, ``mlgate runs``, ``mlgate show RUN``, ``mlgate status``: the pipeline."""

from __future__ import annotations

import typer

from mlgate.cli._render import console, print_json, short


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("run")(run_cmd)
    app.command("runs")(runs_cmd)
    app.command("show")(show_cmd)
    app.command("status")(status_cmd)
    app.command("verify")(verify_cmd)


def run_cmd(
    force: list[str] = typer.Option(
        [], "--force", "-f", help="Re-run this stage even if cached (repeatable)."
    ),
    no_wait: bool = typer.Option(
        False, "--no-wait", help="Refuse instead of waiting when another run holds the project."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the run record as JSON."),
    queue: bool = typer.Option(
        False, "--queue", help="Queue the run for `mlgate watch` instead of running it now."
    ),
    reason: str | None = typer.Option(None, "--reason", help="Why (recorded with the run)."),
) -> None:
    """Run the pipeline: snapshot → check → train → evaluate → gate → register → deploy."""
    from mlgate.pipeline.api import run

    if queue:
        from mlgate.triggers._queue import queue_manual

        record, merged = queue_manual(reason=reason)
        if as_json:
            print_json(record)
        else:
            typer.echo(f"added to queued run {record.id}" if merged else f"run {record.id} queued")
            typer.echo("`mlgate watch` (or `mlgate watch --once`) runs it.")
        return
    say = (lambda _m: None) if as_json else typer.echo
    evidence = {"reason": reason} if reason else None
    outcome = run(force=force, wait=not no_wait, say=say, evidence=evidence)
    if as_json:
        print_json(outcome.run)
    elif outcome.run.summary.get("verdict_sentence"):
        typer.echo(outcome.run.summary["verdict_sentence"])
        for move in outcome.run.summary.get("deploy", []):
            typer.echo(f"  {move['alias']}: {move['sentence']}")
    raise typer.Exit(outcome.exit_code)


def runs_cmd(
    limit: int = typer.Option(20, "--limit", "-n", help="How many runs to list (newest first)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List runs, newest first."""
    from mlgate.pipeline.query import list_runs

    records = list_runs(limit=limit)
    if as_json:
        print_json(records)
        return
    from rich.table import Table

    table = Table(
        "run", "trigger", "status", "verdict", "started (UTC)", "seconds", "model", box=None
    )
    for rec in records:
        took = (
            f"{(rec.ended_at - rec.started_at).total_seconds():.1f}"
            if rec.ended_at and rec.started_at
            else ""
        )
        model = rec.summary.get("model")
        version = rec.summary.get("version")
        table.add_row(
            rec.id,
            rec.trigger,
            rec.status,
            rec.verdict or "",
            f"{rec.created_at:%Y-%m-%d %H:%M:%S}",
            took,
            f"{model} v{version}" if model and version else "",
        )
    out = console()
    if records:
        out.print(table)
    else:
        out.print("no runs yet: run `mlgate run`")


def show_cmd(
    run_id: str = typer.Argument(..., help="Run id or a unique prefix of it."),
    lineage: bool = typer.Option(False, "--lineage", help="Print what made the model."),
    gates: bool = typer.Option(False, "--gates", help="Print each gate's result."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one run: stages (cached or not), verdict, model version, lineage."""
    from mlgate.pipeline.query import show_run

    details = show_run(run_id)
    if as_json:
        print_json(details)
        return
    rec = details.run
    out = console()
    out.print(f"run {rec.id}: {rec.status}" + (f", verdict {rec.verdict}" if rec.verdict else ""))
    out.print(f"  trigger {rec.trigger} by {rec.actor or '?'}, executor {rec.executor}")
    if rec.error:
        out.print(f"  {rec.error}")
    for stage in details.stages:
        took = (stage.ended_at - stage.started_at).total_seconds() if stage.ended_at else 0.0
        mark = "cached" if stage.cached else stage.status
        out.print(f"  {stage.name:<24} {mark:<8} {took:7.2f} s  {short(stage.fingerprint)}")
        if stage.message and stage.status not in ("passed", "cached"):
            out.print(f"      {stage.message}")
    if rec.summary.get("verdict_sentence"):
        out.print(f"  verdict: {rec.summary['verdict_sentence']}")
    if rec.summary.get("version"):
        out.print(f"  registered {rec.summary['model']} v{rec.summary['version']}")
    for move in rec.summary.get("deploy", []):
        out.print(f"  {move['alias']}: {move['sentence']}")
    if rec.summary.get("report_html"):
        from mlgate.store.stores import open_stores

        with open_stores() as stores:
            for kind in ("html", "markdown"):
                where = stores.artifacts.location(rec.summary[f"report_{kind}"])
                out.print(f"  report ({kind}): {where}", soft_wrap=True)
        out.print(f"  (write them to files: mlgate report {rec.id} --html F --markdown F)")
    elif rec.status not in ("queued", "running"):
        out.print(f"  report: not rendered yet (nothing new was evaluated): mlgate report {rec.id}")
    if gates and details.gates:
        out.print("gates:")
        for result in details.gates.get("results", []):
            out.print(f"  [{result['status']}] {result['written']}: {result['sentence']}")
    if lineage and details.lineage:
        out.print("lineage:")
        for key, value in details.lineage.items():
            if key == "packages":
                out.print(
                    f"  packages: {len(value)} (hash {short(details.lineage['packages_hash'])})"
                )
            else:
                out.print(f"  {key}: {value}")


def status_cmd(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """What would run now, and why: which stage fingerprints changed."""
    from mlgate.pipeline.query import pipeline_status

    report = pipeline_status()
    if as_json:
        print_json(report)
        return
    out = console()
    for stage in report.stages:
        why = f" ({', '.join(stage.changed)} changed)" if stage.changed else ""
        out.print(f"  {stage.name:<24} {stage.state}{why}")
    out.print(report.sentence)


def verify_cmd(
    ref: str = typer.Argument(
        ..., help="A model version (name:7, name@production, name = latest) or a run id."
    ),
    tolerance: float = typer.Option(
        1e-6, "--tolerance", help="Largest score difference still counted as reproduced."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Retrain a registered model from its lineage and check it comes out the same."""
    from mlgate.pipeline.verify import verify

    result = verify(ref, tolerance=tolerance)
    if as_json:
        print_json(result)
    else:
        typer.echo(result.sentence)
        for change in result.lineage_changes:
            typer.echo(f"  lineage: {change}")
    raise typer.Exit(0 if result.reproducible else 1)
