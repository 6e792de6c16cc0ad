"""``mlgate ci`` (the pipeline as a CI step: report files and an exit code) and
``mlgate report RUN`` (a run's HTML page and Markdown summary)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["ci_command", "register", "report_command"]

#: GitHub Actions variables recorded as the run's evidence.
_GITHUB_EVIDENCE = (
    "GITHUB_REPOSITORY",
    "GITHUB_EVENT_NAME",
    "GITHUB_REF",
    "GITHUB_SHA",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_ATTEMPT",
    "GITHUB_ACTOR",
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("ci")(ci_command)
    app.command("report")(report_command)


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


def _write(path: Path, text: str) -> None:
    """Temp file + rename, so a reader never sees half a report; raises OSError."""
    import secrets

    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _evidence() -> dict[str, Any]:
    """Where the CI run came from (GitHub Actions' variables, when there)."""
    evidence: dict[str, Any] = {"ci": os.environ.get("CI", "") or "no"}
    if os.environ.get("GITHUB_ACTIONS") == "true":
        evidence["ci"] = "github-actions"
        for name in _GITHUB_EVIDENCE:
            if os.environ.get(name):
                evidence[name.removeprefix("GITHUB_").lower()] = os.environ[name]
    return evidence


def ci_command(
    markdown: Annotated[
        Path | None,
        typer.Option(
            "--markdown",
            help="Write the Markdown summary here (and the HTML report next to it, as .html).",
        ),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Write the HTML report here instead."),
    ] = None,
    force: Annotated[
        list[str] | None,
        typer.Option(
            "--force",
            "-f",
            metavar="STAGE",
            help="Re-run this stage even if cached (repeatable).",
        ),
    ] = None,
) -> None:
    """Run the pipeline as a CI step: no prompts, report files, an exit code to act on.

    Writes the Markdown summary to $GITHUB_STEP_SUMMARY when it is set and to
    --markdown, and the HTML report next to it (default: .mlgate/reports/RUN.*).
    Exits 0 pass, 1 fail, 6 needs approval, 2/3/5 errors. Aliases whose policy
    requires approval are never moved: a pending approval request is opened.
    """
    from mlgate.config import Settings
    from mlgate.pipeline.api import run
    from mlgate.report import reports_of

    settings = Settings.load()

    def say(message: str) -> None:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()

    outcome = run(
        settings=settings,
        trigger="manual",
        evidence=_evidence(),
        force=force or (),
        wait=True,
        say=say,
    )
    record = outcome.run
    reports = reports_of(record.id, settings=settings)
    if markdown is None and html is None:
        folder = settings.state_dir / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        markdown = folder / f"{record.id}.md"
    html_path = html or (markdown.with_suffix(".html") if markdown else None)
    written = []
    for path, text in ((markdown, reports.markdown), (html_path, reports.html)):
        if path is None:
            continue
        try:
            _write(path, text)
            written.append(path)
        except OSError as exc:
            _warn(f"cannot write the report to {path}: {exc.strerror or exc}")
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        try:
            with open(summary_file, "a", encoding="utf-8") as stream:
                stream.write(reports.markdown + "\n")
        except OSError as exc:
            _warn(
                f"cannot append the summary to $GITHUB_STEP_SUMMARY ({summary_file}): "
                f"{exc.strerror or exc}; the report files are still written"
            )
    _print_summary(record, written)
    raise typer.Exit(outcome.exit_code)


def _print_summary(record: Any, written: list[Path]) -> None:
    summary = record.summary
    typer.echo(f"mlgate run {record.id}: {record.status}")
    if summary.get("verdict_sentence"):
        typer.echo(f"  verdict: {summary['verdict_sentence']}")
    if summary.get("version"):
        typer.echo(f"  registered {summary['model']} v{summary['version']}")
    for move in summary.get("deploy", []):
        typer.echo(f"  {move['alias']}: {move['sentence']}")
        if move.get("state") == "pending":
            typer.echo(
                f"    to approve: mlgate approve {summary['model']} {summary['version']} "
                f'--to {move["alias"]} --reason "…"'
            )
    if record.error:
        typer.echo(f"  {record.error.splitlines()[0]}")
    for path in written:
        typer.echo(f"  report: {path}")


def report_command(
    run_id: Annotated[str, typer.Argument(help="Run id or a unique prefix of it.")],
    html: Annotated[
        Path | None, typer.Option("--html", help="Write the HTML report to this file.")
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Write the Markdown summary to this file.")
    ] = None,
) -> None:
    """Write a run's HTML report and Markdown summary; with neither option, print the Markdown.

    The HTML page is self-contained (inline CSS, plots as inline SVG): it opens
    with no network. Reports are made at the end of every run and stored with
    it; a run from before reports existed gets them now.
    """
    from mlgate.errors import StorageError
    from mlgate.report import reports_of

    reports = reports_of(run_id)
    if html is None and markdown is None:
        typer.echo(reports.markdown, nl=False)
        return
    for path, text in ((html, reports.html), (markdown, reports.markdown)):
        if path is None:
            continue
        try:
            _write(path, text)
        except OSError as exc:
            raise StorageError(
                f"cannot write the report: {exc.strerror or exc}",
                where=str(path),
                hint="Check that the folder exists and is writable.",
            ) from None
        typer.echo(f"Wrote {path}")
