"""``mlgate monitor`` and ``mlgate labels add``: live traffic, judged window by window.

``monitor`` exits 1 when an alert fires on a complete window (drift, prediction drift,
degradation), so cron and CI can act on it; 0 otherwise, also when nothing was logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mlgate.cli._render import console, print_json

if TYPE_CHECKING:
    from mlgate.monitor import CanaryVerdict, MonitorReport, WindowResult

__all__ = ["labels_app", "register"]

labels_app = typer.Typer(
    help="Delayed labels: the true answers to logged predictions.",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain, fast help (see cli/app.py)
)

_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


def register(app: typer.Typer) -> None:
    """Add ``monitor`` and the ``labels`` group to the root app."""
    app.command("monitor")(monitor_cmd)
    app.add_typer(labels_app, name="labels")


def monitor_cmd(
    name: str = typer.Argument(..., help="The registered model to monitor."),
    window: str = typer.Option(
        None, "--window", "-w", help="1000 (predictions) or 1h (time). Default: monitor.window."
    ),
    version: int = typer.Option(None, "--version", "-v", help="Only this version."),
    route: str = typer.Option(None, "--route", "-r", help="Only primary, canary or shadow."),
    last: int = typer.Option(
        None, "--last", "-n", help="Only the last K windows of each version and route."
    ),
    as_json: bool = _JSON,
) -> None:
    """Input drift, prediction drift and live metrics per window (exit 1 on an alert)."""
    from mlgate.monitor import decide_canary, monitor, parse_window

    chosen = parse_window(window) if window is not None else None
    report = monitor(name, window=chosen, version=version, route=route, last=last)
    verdict = decide_canary(name) if report.windows else None
    if as_json:
        document: dict[str, Any] = report.to_dict()
        document["canary"] = None if verdict is None else verdict.to_dict()
        print_json(document)
    else:
        _render(report, verdict)
    if report.alerting:
        raise typer.Exit(1)


def _window_row(result: WindowResult) -> list[str]:
    drift = "-"
    if result.drift is not None:
        compared = [c for c in result.drift.columns if c.test is not None]
        drift = f"{len(result.drifted_columns)}/{len(compared)}"
        if result.drifted_columns:
            shown = ", ".join(result.drifted_columns[:3])
            more = " …" if len(result.drifted_columns) > 3 else ""
            drift += f" ({shown}{more}; max {result.max_effect:.2f})"
    predictions = "-"
    if result.prediction_drift is not None:
        column = result.prediction_drift.columns[0]
        state = "drift" if result.prediction_drift.drifted else "stable"
        predictions = f"{state} ({column.effect_size or 0.0:.2f})"
    metrics = "; ".join(
        f"{name} {i.estimate:.3g} [{i.low:.3g}, {i.high:.3g}]" for name, i in result.metrics.items()
    )
    return [
        f"v{result.version}",
        result.route,
        result.key,
        f"{result.start:%Y-%m-%d %H:%M:%S}",
        str(result.rows),
        "complete" if result.complete else "open",
        drift,
        predictions,
        str(result.labelled),
        metrics or "-",
        str(len(result.alerts) or ""),
    ]


def _render(report: MonitorReport, verdict: CanaryVerdict | None) -> None:
    out = console()
    if report.note:
        out.print(report.note)
    if report.windows:
        from rich.table import Table

        table = Table(
            "version",
            "route",
            "window",
            "from (UTC)",
            "rows",
            "state",
            "drifted features",
            "prediction drift",
            "labelled",
            "live metrics",
            "alerts",
            box=None,
        )
        for result in report.windows:
            table.add_row(*_window_row(result))
        out.print(table)
    for note in report.notes:
        out.print(f"note: {note}")
    in_windows: dict[str, list[str]] = {}
    for result in report.windows:
        for note in result.notes:
            in_windows.setdefault(note, []).append(f"v{result.version} {result.key}")
    for note, where in in_windows.items():
        place = where[0] if len(where) == 1 else f"{len(where)} windows"
        out.print(f"note ({place}): {note}")
    for alert in report.alerts:
        out.print(
            f"ALERT {alert.kind} (v{alert.version} {alert.route}, {alert.window}): {alert.sentence}"
        )
    if verdict is not None:
        out.print(f"canary: {verdict.sentence}")
    if report.windows and not report.alerts:
        out.print("no alerts")


@labels_app.command("add")
def labels_add_cmd(
    file: Path = typer.Argument(..., help="CSV, Parquet or JSON lines: request_id, label[, row]."),
    model: str = typer.Option(
        None, "--model", "-m", help="The model the labels are for. Default: the spec's."
    ),
    as_json: bool = _JSON,
) -> None:
    """Store delayed labels; they join logged predictions by request id (and row)."""
    from mlgate.monitor import add_labels

    added = add_labels(file, model=model)
    if as_json:
        print_json(added)
        return
    console().print(added.sentence())
