"""The prediction log: batches, flush by time and on close, sampling, nothing on the hot path."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from mlgate.deploy.predlog import LogRecord, PredictionLog, read_log


def _record(request_id: str, n: int = 2) -> LogRecord:
    frame = pd.DataFrame({"a": range(n), "b": [0.5] * n})
    return LogRecord(request_id, time.time(), "churn", 3, "primary", frame, list(range(n)))


def test_flushes_on_close(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path / "log", flush_every=60)
    log.start()
    for index in range(10):
        assert log.append(_record(f"r{index}"))
    log.close()
    frame = read_log(tmp_path / "log")
    assert len(frame) == 20
    assert log.segments == 1
    assert frame.loc[0, "request_id"] == "r0"
    assert frame.loc[1, "input.a"] == 1
    assert frame.loc[1, "input.b"] == 0.5
    assert frame.loc[1, "output"] == 1
    assert set(frame.version) == {3}
    assert str(frame.time.dtype).endswith(", UTC]")
    assert not list((tmp_path / "log").rglob(".*.tmp"))


def test_flushes_every_few_seconds(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path / "log", flush_every=0.2)
    log.start()
    try:
        log.append(_record("first"))
        deadline = time.monotonic() + 5
        while not len(read_log(tmp_path / "log")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(read_log(tmp_path / "log")) == 2
    finally:
        log.close()


def test_sampling_and_off(tmp_path: Path) -> None:
    sampled = PredictionLog(tmp_path / "a", sample=0.25)
    assert sampled.wants(0.1)
    assert not sampled.wants(0.3)
    off = PredictionLog(tmp_path / "b", sample=0.0)
    assert not off.enabled
    off.start()
    off.close()
    assert read_log(tmp_path / "b").empty


def test_full_queue_drops_instead_of_waiting(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path / "log", max_queue=2)  # not started: nothing drains
    assert log.append(_record("1"))
    assert log.append(_record("2"))
    started = time.perf_counter()
    assert not log.append(_record("3"))
    assert time.perf_counter() - started < 0.05
    assert log.dropped == 1


def test_a_segment_that_cannot_be_written_is_tried_again(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    folder = tmp_path / "log"
    folder.mkdir()
    # a file where the writer needs today's folder: every write fails until it is gone
    blocker = folder / datetime.now(UTC).strftime("%Y-%m-%d")
    blocker.write_text("in the way")
    log = PredictionLog(folder, flush_every=0.1)
    log.start()
    try:
        for index in range(3):
            assert log.append(_record(f"r{index}"))
        deadline = time.monotonic() + 5
        while not log._retry and time.monotonic() < deadline:  # the first flush failed
            time.sleep(0.02)
        assert [r.request_id for r in log._retry] == ["r0", "r1", "r2"]
        assert log.append(_record("r3"))
        blocker.unlink()
        while log.segments == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        log.close()
    frame = read_log(folder)
    assert frame["request_id"].drop_duplicates().tolist() == ["r0", "r1", "r2", "r3"]
    assert (log.written, log.dropped) == (8, 0)


def test_what_still_fails_at_close_is_counted_as_dropped(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    folder.write_text("a file, not a folder")
    log = PredictionLog(folder, flush_every=60)
    log.start()
    assert log.append(_record("r0"))
    log.close()
    assert (log.written, log.dropped) == (0, 1)
