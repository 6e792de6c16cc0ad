"""``mlgate watch``: the daemon that turns triggers into runs.

Each round it reaps stale runs (a crashed run is marked ``error``; the queue goes
on), evaluates the triggers (queueing at most one run), then runs what waits in the
queue, one at a time, under the project's run lock. ``once`` does one round and
returns (for cron and CI). The first SIGTERM or SIGINT stops it after the run in
progress (runs are bounded by ``train.timeout``); a second one interrupts that run,
which is recorded as ``cancelled``. Only one daemon watches a project at a time.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from mlgate.config import Settings
from mlgate.errors import ConflictError, MlgateError
from mlgate.triggers._evaluate import Decision, evaluate_triggers

__all__ = ["RanRun", "WatchResult", "watch"]

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class RanRun:
    """A queued run the daemon ran: its id, trigger, final status and exit code."""

    run_id: str
    trigger: str
    status: str
    exit_code: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "run": self.run_id,
            "trigger": self.trigger,
            "status": self.status,
            "exit_code": self.exit_code,
        }


@dataclass(frozen=True, slots=True)
class WatchResult:
    """What the daemon decided and ran before it stopped."""

    decisions: tuple[Decision, ...]
    runs: tuple[RanRun, ...]

    @property
    def exit_code(self) -> int:
        """The last run's exit code (0 when nothing ran): CI can act on it."""
        return self.runs[-1].exit_code if self.runs else 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (``mlgate watch --json``)."""
        return {
            "decisions": [d.to_dict() for d in self.decisions],
            "runs": [r.to_dict() for r in self.runs],
        }


@contextmanager
def _signals(stop: threading.Event, say: Say) -> Iterator[None]:
    """First SIGTERM/SIGINT: stop after the current run; second: interrupt it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            say(f"{signal.Signals(signum).name} again: interrupting the run in progress")
            raise KeyboardInterrupt
        stop.set()
        say(f"{signal.Signals(signum).name}: stopping after the run in progress, if any")

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _reap(settings: Settings, say: Say) -> None:
    from mlgate.pipeline.records import reap_stale_runs
    from mlgate.store.stores import open_stores

    with open_stores(settings) as stores:
        for run in reap_stale_runs(stores.metadata):
            say(f"run {run.id} marked {run.status}: {run.error}")


def _next_queued(settings: Settings) -> Any:
    from mlgate.store.stores import open_stores
    from mlgate.triggers._queue import pending

    with open_stores(settings) as stores:
        waiting = pending(stores.metadata)
    return waiting[0] if waiting else None


def _run_queue(settings: Settings, stop: threading.Event, say: Say) -> list[RanRun]:
    from mlgate.pipeline.api import run

    ran: list[RanRun] = []
    while not stop.is_set():
        queued = _next_queued(settings)
        if queued is None:
            break
        say(f"starting run {queued.id} ({queued.trigger})")
        try:
            outcome = run(settings=settings, queued=queued.id, say=lambda m: say("  " + m))
        except ConflictError as exc:  # another worker took it: go on with the queue
            say(f"run {queued.id} skipped: {exc}")
            continue
        ran.append(RanRun(queued.id, queued.trigger, outcome.run.status, outcome.exit_code))
        say(f"run {queued.id} ended {outcome.run.status} (exit code {outcome.exit_code})")
    return ran


def watch(
    *,
    settings: Settings | None = None,
    once: bool = False,
    interval: float = 10.0,
    say: Say = lambda _msg: None,
    stop: threading.Event | None = None,
) -> WatchResult:
    """Watch the project: evaluate triggers and run the queue every ``interval`` seconds
    until ``stop`` is set (or a signal arrives); with ``once``, one round only.

    Every decision that fired or changed is passed to ``say`` with a UTC time stamp
    (a trigger that stays quiet is said once). The result holds the decisions and
    runs of a ``once`` round; of a long watch, the last round's decisions and runs.
    """
    from mlgate.pipeline.lock import ProjectLock

    settings = settings or Settings.load()
    stop = stop or threading.Event()
    decisions: list[Decision] = []
    ran: list[RanRun] = []
    said: dict[str, str] = {}

    def stamped(message: str) -> None:
        say(f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} {message}")

    with ProjectLock(settings.state_dir, name="watch.lock") as guard, _signals(stop, stamped):
        if not guard.try_acquire(run_id="mlgate watch"):
            raise ConflictError(
                f"another `mlgate watch` is watching this project: {guard.holder()}",
                where=str(guard.path),
                hint="Stop it first (SIGTERM), or let it do the work.",
            )
        if not once:
            stamped(f"watching {settings.project} every {interval:g} s (SIGTERM stops)")
        while True:
            try:
                _reap(settings, stamped)
                round_ = evaluate_triggers(settings)
                for decision in round_:
                    # A daemon repeats "nothing new" every round: say it when it changes.
                    if decision.action != "quiet" or said.get(decision.kind) != decision.sentence:
                        stamped(f"{decision.kind}: {decision.sentence}")
                    said[decision.kind] = decision.sentence
                runs = _run_queue(settings, stop, stamped)
                # Keep what a caller can use: everything with --once, the last round else.
                decisions = [*decisions, *round_] if once else round_
                ran = [*ran, *runs] if once else (runs or ran)
            except KeyboardInterrupt:
                stamped("interrupted")
                break
            except MlgateError as exc:
                if once:
                    raise
                stamped(f"error: {exc.render()}; trying again in {interval:g} s")
            if once or stop.wait(interval):
                break
    if not once:
        stamped("stopped")
    return WatchResult(tuple(decisions), tuple(ran))
