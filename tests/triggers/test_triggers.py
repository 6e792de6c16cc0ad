"""Triggers evaluated once: new data (debounced), the schedule, cooldowns, one queued run
for triggers that fire together, and the bad inputs (a source that disappears, a cron
expression or metric that does not parse)."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mlgate.cli.app import main
from mlgate.config import Settings
from mlgate.pipeline.records import reap_stale_runs
from mlgate.store.metadata.base_runs import RunRecord
from mlgate.store.stores import open_stores
from mlgate.triggers import evaluate_triggers, next_fire, pending, watch
from mlgate.triggers._queue import queue_manual

from .conftest import write_triggers

T0 = datetime(2026, 11, 27, 10, 1, tzinfo=UTC)


def _queued(settings: Settings) -> list[RunRecord]:
    with open_stores(settings) as stores:
        return pending(stores.metadata)


def _still_since(source: Path, when: datetime) -> None:
    """Date every file under ``source`` (and the folders) back to ``when``, so a debounce
    measured from a fixed ``now=`` sees the data as still, whatever the clock says."""
    stamp = when.timestamp()
    for path in [source, *source.rglob("*")]:
        os.utime(path, (stamp, stamp))


def _by_kind(decisions: list, kind: str):  # type: ignore[no-untyped-def]
    (decision,) = [d for d in decisions if d.kind == kind]
    return decision


def test_new_data_queues_a_run_that_watch_once_runs(settings: Settings) -> None:
    result = watch(settings=settings, once=True)
    data = _by_kind(list(result.decisions), "data")
    assert data.action == "queued"
    assert "new data in data/" in data.sentence
    assert "no run yet" in data.sentence
    (ran,) = result.runs
    assert (ran.trigger, ran.status, ran.exit_code) == ("data", "passed", 0)
    with open_stores(settings) as stores:
        run = stores.metadata.get_run(ran.run_id)
    assert run is not None
    (evidence,) = run.evidence["triggers"]
    assert evidence["kind"] == "data"
    assert evidence["snapshot"] == run.summary["snapshot"]
    assert result.exit_code == 0

    again = watch(settings=settings, once=True)
    assert _by_kind(list(again.decisions), "data").action == "quiet"
    assert "no new data" in _by_kind(list(again.decisions), "data").sentence
    assert again.runs == ()


def test_a_copy_in_progress_waits_for_the_debounce(settings: Settings, project: Path) -> None:
    write_triggers(project, "triggers: {cooldown: 0s, data: {debounce: 1h}}\nexecutor: local")
    decision = _by_kind(evaluate_triggers(settings), "data")
    assert decision.action == "quiet"
    assert "waiting until it has been still for 3600 s" in decision.sentence
    assert _queued(settings) == []


def test_a_watched_source_that_disappears_is_reported_and_starts_nothing(
    settings: Settings, project: Path
) -> None:
    shutil.rmtree(project / "data")
    result = watch(settings=settings, once=True)
    decision = _by_kind(list(result.decisions), "data")
    assert decision.action == "problem"
    assert "the watched source data/ is gone" in decision.sentence
    assert result.runs == ()
    with open_stores(settings) as stores:
        assert stores.metadata.list_runs() == []


def test_schedule_fires_once_per_due_time(settings: Settings, project: Path) -> None:
    write_triggers(
        project, "triggers: {cooldown: 0s, data: false, schedule: '*/5 * * * *'}\nexecutor: local"
    )
    armed = _by_kind(evaluate_triggers(settings, now=T0), "schedule")
    assert armed.action == "quiet"
    assert "armed: next at 2026-11-27 10:05 UTC" in armed.sentence
    assert _queued(settings) == []
    fired = _by_kind(evaluate_triggers(settings, now=T0 + timedelta(minutes=6)), "schedule")
    assert fired.action == "queued"
    assert "fired at 2026-11-27 10:05 UTC" in fired.sentence
    quiet = _by_kind(evaluate_triggers(settings, now=T0 + timedelta(minutes=7)), "schedule")
    assert quiet.action == "quiet"
    (run,) = _queued(settings)
    assert run.trigger == "schedule"
    assert run.evidence["triggers"][0]["due"] == "2026-11-27T10:05:00+00:00"


def test_triggers_at_once_give_one_run_and_later_ones_join_it(
    settings: Settings, project: Path
) -> None:
    write_triggers(
        project,
        "triggers: {cooldown: 0s, data: {debounce: 0s}, schedule: '@hourly'}\nexecutor: local",
    )
    _still_since(project / "data", T0 - timedelta(days=1))  # T0 is a fixed time, not now
    evaluate_triggers(settings, now=T0)  # arms the schedule; data fires and queues
    (first,) = _queued(settings)
    assert first.trigger == "data"
    decisions = evaluate_triggers(settings, now=T0 + timedelta(hours=1))
    assert _by_kind(decisions, "schedule").action == "merged"
    assert "added to queued run " + first.id in _by_kind(decisions, "schedule").sentence
    (run,) = _queued(settings)  # still one run, now with both pieces of evidence
    assert run.id == first.id
    assert run.trigger == "data+schedule"
    assert [t["kind"] for t in run.evidence["triggers"]] == ["data", "schedule"]
    # The data trigger does not queue the same snapshot twice.
    assert _by_kind(decisions, "data").action == "quiet"
    assert "already taken by run " + first.id in _by_kind(decisions, "data").sentence


def test_cooldown_holds_back_a_trigger_after_a_run(settings: Settings, project: Path) -> None:
    write_triggers(
        project,
        "triggers: {cooldown: 1h, data: false, schedule: '*/5 * * * *'}\nexecutor: local",
    )
    evaluate_triggers(settings, now=T0)
    evaluate_triggers(settings, now=T0 + timedelta(minutes=5))
    (run,) = _queued(settings)
    with open_stores(settings) as stores:  # the run happened
        stores.metadata.update_run(run.id, status="passed", ended_at=T0)
    held = _by_kind(evaluate_triggers(settings, now=T0 + timedelta(minutes=10)), "schedule")
    assert held.action == "cooldown"
    assert "cooling down until 2026-11-27 11:06:00 UTC" in held.sentence
    assert _queued(settings) == []
    later = _by_kind(evaluate_triggers(settings, now=T0 + timedelta(minutes=66)), "schedule")
    assert later.action == "queued"


def test_run_queue_by_hand_and_a_dead_waiter_is_cancelled(settings: Settings) -> None:
    record, merged = queue_manual(reason="new features", settings=settings)
    assert not merged
    again, merged = queue_manual(settings=settings)
    assert merged
    assert again.id == record.id
    assert record.evidence["triggers"][0]["reason"] == "new features"
    # A `mlgate run` that waited for the lock in a process that died is cancelled.
    import socket

    with open_stores(settings) as stores:
        stores.metadata.create_run(
            RunRecord(
                id="20261127-000000-dead",
                trigger="manual",
                status="queued",
                created_at=T0,
                pid=2**22 + 12345,
                host=socket.gethostname(),
            )
        )
        (reaped,) = reap_stale_runs(stores.metadata)
        assert reaped.status == "cancelled"
        assert "ended while it waited for the project lock" in (reaped.error or "")
        assert [r.id for r in pending(stores.metadata)] == [record.id]


@pytest.mark.parametrize(
    ("triggers", "message"),
    [
        (
            "triggers: {schedule: '0 25 * * *'}",
            "triggers.schedule: '0 25 * * *' is not a cron expression: the hour field has 25",
        ),
        (
            "triggers: {degradation: {metric: acuracy, min: 0.9}}",
            "triggers.degradation.metric",
        ),
    ],
)
def test_watch_refuses_a_bad_trigger_config_and_queues_nothing(
    settings: Settings,
    project: Path,
    triggers: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_triggers(project, triggers + "\nexecutor: local")
    monkeypatch.chdir(project)
    assert main(["watch", "--once"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not (project / ".mlgate" / "mlgate.db").exists() or _queued(settings) == []


def test_next_fire_handles_weekdays_and_month_ends() -> None:
    assert next_fire("0 3 * * mon", T0) == datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    assert next_fire("30 0 31 * *", T0) == datetime(2026, 12, 31, 0, 30, tzinfo=UTC)
    # Day of month OR day of week when both are restricted (Vixie cron).
    assert next_fire("0 0 1 * fri", T0) == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert next_fire("@yearly", T0) == datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
