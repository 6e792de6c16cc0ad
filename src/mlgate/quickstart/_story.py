"""``mlgate quickstart``: the whole loop on real data, narrated step by step.

Seattle's weather, one row per day: the model learns 2012, is approved and served,
answers 2013 and 2014 as live traffic whose labels arrive later, monitoring sees
the drift and the fall in accuracy, the daemon retrains on the new data, the
challenger beats the champion on the same rows, a person approves it, the
server swaps it in without a restart, and a rollback undoes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgate.config import Settings
from mlgate.errors import ConflictError, MlgateError

__all__ = ["QuickstartResult", "quickstart"]

Say = Callable[[str], None]
APPROVER = "bob"


@dataclass(frozen=True)
class QuickstartResult:
    """What the quickstart did, for tests and for the closing summary."""

    project: Path
    first_run: str
    first_version: int
    traffic_versions: dict[str, int]
    alerts: tuple[str, ...]
    retrain_run: str
    retrain_trigger: str
    retrain_verdict: str | None
    second_version: int | None
    swap_seconds: float | None
    rollback_seconds: float | None
    timings: dict[str, float] = field(default_factory=dict)


class _Steps:
    """Numbered, timed narration."""

    def __init__(self, say: Say) -> None:
        self.say = say
        self.number = 0
        self.timings: dict[str, float] = {}
        self._started = time.monotonic()

    def step(self, title: str, command: str | None = None) -> None:
        self.number += 1
        self.say("")
        self.say(f"{self.number}. {title}")
        if command:
            self.say(f"   $ {command}")

    def note(self, text: str) -> None:
        self.say(f"   {text}")

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.timings[name] = round(now - self._started, 2)


def _check_empty(dest: Path) -> None:
    if dest.exists() and any(dest.iterdir()):
        raise ConflictError(
            f"the quickstart folder {dest} is not empty",
            hint="Pass a new folder: mlgate quickstart DIR.",
        )


def _watch_once(settings: Settings, steps: _Steps) -> Any:
    from mlgate.triggers import watch

    result = watch(settings=settings, once=True)
    for decision in result.decisions:
        if decision.action != "quiet" or decision.kind == "data":
            steps.note(f"{decision.kind}: {decision.sentence}")
    return result


def _run_story(settings: Settings, run_id: str, steps: _Steps) -> Any:
    from mlgate.pipeline.query import show_run

    shown = show_run(run_id, settings=settings)
    record = shown.run
    stages = record.summary.get("stages", {})
    trains = [n for n in stages if n.startswith("train[")]
    steps.note(
        f"run {record.id} ({record.trigger}): snapshot → check → {len(trains)} × train → "
        f"evaluate → gate → register → deploy: {record.status}"
    )
    for gate in (shown.gates or {}).get("results", []):
        steps.note(f"  [{gate['status']}] {gate['sentence']}")
    return record


def quickstart(dest: Path, *, say: Say = print) -> QuickstartResult:
    """Create the demo project in ``dest`` (new or empty) and run the whole loop in it."""
    from mlgate.quickstart._demo import FEATURES, LABEL, MODEL, load_weather, table, write_project
    from mlgate.quickstart._server import DemoServer
    from mlgate.registry.aliases import rollback
    from mlgate.registry.approvals import approve

    dest = dest.absolute()
    _check_empty(dest)
    steps = _Steps(say)
    weather = load_weather()
    settings = Settings.load(project=dest)
    bob = settings.replace(user=APPROVER)

    steps.step(f"A project in {dest}", f"mlgate init {dest.name}")
    write_project(dest, weather)
    steps.note("mlgate.yaml   the pipeline, gates, approval policy, monitoring and triggers")
    steps.note("train.py      train(data, params, seed) -> a scikit-learn random forest")
    steps.note(
        f"data/2012.csv {len(weather.year(2012))} days of Seattle weather (vega_datasets): "
        "precipitation, temperatures, wind → sun, rain, fog, drizzle or snow"
    )

    steps.step(
        "The daemon sees data that no model has learned, and starts a run", "mlgate watch --once"
    )
    first = _watch_once(settings, steps)
    if not first.runs:
        raise MlgateError("the first run did not start", hint="See `mlgate watch --once`.")
    record = _run_story(settings, first.runs[0].run_id, steps)
    if "version" not in record.summary:
        raise MlgateError(
            f"the first run ended {record.status} without registering a model"
            + (f": {record.error}" if record.error else ""),
            where=str(dest),
            hint=f"See `mlgate show {record.id}` in that folder; fix the cause and try again "
            "in a new folder.",
        )
    version = int(record.summary["version"])
    steps.note(f"registered {MODEL} v{version}; production needs {APPROVER}'s approval (exit 6)")
    steps.lap("first run")

    steps.step(
        f"{APPROVER} approves v{version} for production",
        f'MLGATE_USER={APPROVER} mlgate approve {MODEL} {version} --to production --reason "…"',
    )
    decision = approve(
        MODEL,
        version,
        to="production",
        reason="accuracy gate passed on 2012's holdout; first production model",
        settings=bob,
    )
    steps.note(decision.sentence())

    traffic = dest / "traffic"
    traffic.mkdir()
    for year in (2013, 2014, 2015):
        table(weather.year(year)).to_csv(traffic / f"{year}.csv", index=False)
    with DemoServer(dest, MODEL) as server:
        steps.step("Serve it", f"mlgate serve {MODEL} --port {server.port}")
        steps.note(f"KServe V2 and MLflow protocols on {server.url}; log in {server.log_path}")
        steps.lap("serving")

        steps.step("2013 and 2014 arrive as live traffic: one request per day")
        days = [weather.year(2013), weather.year(2014)]
        served: dict[str, int] = {}
        for year_days in days:
            for v, n in server.predict_days(year_days, FEATURES).items():
                served[v] = served.get(v, 0) + n
        steps.note(
            f"{sum(served.values())} predictions, request id = the date; every one is "
            "logged (.mlgate/predictions/weather/) for monitoring"
        )
        _wait_for_log(settings, MODEL, sum(served.values()))
        steps.lap("traffic")

        steps.step("Labels arrive later: what the weather really was")
        answer = server.send_labels(days[0], LABEL)
        steps.note(f"2013 through POST /v2/models/{MODEL}/feedback: {answer}")
        labels_file = traffic / "labels-2014.csv"
        days[1].assign(request_id=days[1]["date"].dt.strftime("%Y-%m-%d"))[
            ["request_id", LABEL]
        ].rename(columns={LABEL: "label"}).to_csv(labels_file, index=False)
        steps.note(f"2014 from a file: $ mlgate labels add {labels_file.relative_to(dest)}")
        added = _add_labels(labels_file, settings)
        steps.note(added)

        steps.step(
            "Monitoring: drift of the inputs, and accuracy now that labels are in",
            f"mlgate monitor {MODEL}",
        )
        alerts = _monitor(settings, MODEL, steps)
        steps.lap("monitoring")

        steps.step("The days served are new training data: data/2013.csv and data/2014.csv arrive")
        for year in (2013, 2014):
            table(weather.year(year)).to_csv(dest / "data" / f"{year}.csv", index=False)
        steps.note("(in real life: a nightly export lands in the watched folder)")

        steps.step(
            "The daemon: new data, drift and degradation fire together → one run",
            "mlgate watch --once",
        )
        second = _watch_once(settings, steps)
        retrain = second.runs[0] if second.runs else None
        if retrain is None:
            raise MlgateError("the retraining run did not start")
        again = _run_story(settings, retrain.run_id, steps)
        new_version = again.summary.get("version")
        steps.lap("retrain")

        swap = rolled = None
        if again.status == "needs-approval" and new_version:
            steps.step(
                f"{APPROVER} approves v{new_version}: the server swaps it in, no restart",
                f"MLGATE_USER={APPROVER} mlgate approve {MODEL} {new_version} --to production",
            )
            decision = approve(
                MODEL,
                int(new_version),
                to="production",
                reason="beats the champion on the same holdout rows; learned 2013-2014",
                settings=bob,
            )
            steps.note(decision.sentence())
            swap = server.wait_for_version(int(new_version))
            steps.note(f"the server answers with v{new_version} {swap:.1f} s later")

            steps.step("Something looks wrong? One command rolls back", f"mlgate rollback {MODEL}")
            moved = rollback(MODEL, reason="quickstart: showing a rollback", settings=settings)
            steps.note(moved.sentence())
            rolled = server.wait_for_version(version)
            steps.note(f"the server answers with v{version} again {rolled:.1f} s later")
        else:
            steps.note(f"the challenger was not promoted: {again.status}")
        steps.lap("swap and rollback")

    steps.step("Where to look", f"cd {dest}")
    looks = (
        ("mlgate runs", "every run and what triggered it"),
        (f"mlgate show {retrain.run_id} --gates", "champion vs challenger, with intervals"),
        (f"mlgate report {retrain.run_id}", "the run report (HTML, Markdown)"),
        (f"mlgate models history {MODEL}", "who moved production, when, why"),
        (f"mlgate monitor {MODEL}", "drift and live accuracy per window"),
        ("mlgate audit verify", "the tamper-evident audit log"),
        ("README.md", "more to try (traffic/2015.csv is next year's data)"),
    )
    width = max(len(command) for command, _ in looks) + 2
    for command, what in looks:
        steps.note(f"{command:<{width}}{what}")
    steps.lap("total")
    return QuickstartResult(
        project=dest,
        first_run=first.runs[0].run_id,
        first_version=version,
        traffic_versions=served,
        alerts=alerts,
        retrain_run=retrain.run_id,
        retrain_trigger=retrain.trigger,
        retrain_verdict=again.verdict,
        second_version=int(new_version) if new_version else None,
        swap_seconds=swap,
        rollback_seconds=rolled,
        timings=steps.timings,
    )


def _add_labels(path: Path, settings: Settings) -> str:
    from mlgate.monitor import add_labels

    result = add_labels(path, settings=settings)
    return str(result.sentence())


def _wait_for_log(settings: Settings, model: str, rows: int, timeout: float = 20) -> None:
    """Wait until the server's prediction log holds ``rows`` rows (it flushes every second)."""
    from mlgate.deploy.run import log_location
    from mlgate.monitor._log import log_segments, segment_rows

    def logged() -> int:
        return sum(segment_rows(path) for path in log_segments(log_location(settings, model)))

    deadline = time.monotonic() + timeout
    while logged() < rows:
        if time.monotonic() > deadline:
            raise MlgateError(f"the prediction log did not reach {rows} rows in {timeout:.0f} s")
        time.sleep(0.2)


def _monitor(settings: Settings, model: str, steps: _Steps) -> tuple[str, ...]:
    """Show the monitoring windows and alerts."""
    from mlgate.monitor import monitor

    report = monitor(model, settings=settings)
    steps.note("one window per 365 predictions: window 0 is 2013's traffic, window 1 2014's")
    for window in report.windows:
        accuracy = window.metrics.get("accuracy")
        live = (
            f"accuracy {accuracy.estimate:.3f} [{accuracy.low:.3f}, {accuracy.high:.3f}]"
            if accuracy is not None
            else "no labels yet"
        )
        drifted = ", ".join(window.drifted_columns) or "none"
        state = "" if window.complete else " (open)"
        steps.note(
            f"v{window.version} window {window.key}{state}: {window.rows} rows, drifted: "
            f"{drifted}; {live} on {window.labelled} labels"
        )
    for alert in report.alerts:
        steps.note(f"alert: {alert.sentence}")
    return tuple(alert.sentence for alert in report.alerts)
