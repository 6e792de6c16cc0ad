"""``mlgate watch`` as a real process: it survives a crash mid-run (the stale run is
marked error, the queue goes on), stops cleanly on SIGTERM, and one daemon per project."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mlgate.config import Settings
from mlgate.store.stores import open_stores
from mlgate.triggers._queue import queue_manual

SLOW = """\
import time

from train import train as _train


def train(data, params, seed):
    time.sleep(120)
    return _train(data, params, seed)
"""


def _watch(project: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLGATE_")}
    return subprocess.Popen(
        [sys.executable, "-m", "mlgate", "watch", *args],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # killpg below takes its training children too
    )


def _wait_for(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


def _running(settings: Settings) -> list[str]:
    with open_stores(settings) as stores:
        return [r.id for r in stores.metadata.list_runs(status="running")]


def test_daemon_killed_mid_run_restarts_and_the_queue_goes_on(
    settings: Settings, project: Path
) -> None:
    (project / "slow.py").write_text(SLOW)
    spec = (project / "mlgate.yaml").read_text()
    (project / "mlgate.yaml").write_text(
        spec.replace("function: train:train", "function: slow:train")
    )
    daemon = _watch(project, "--interval", "1s")
    try:
        _wait_for(lambda: bool(_running(settings)))
        (crashed,) = _running(settings)
        queued, _ = queue_manual(reason="after the crash", settings=settings)
        os.killpg(daemon.pid, signal.SIGKILL)  # the daemon and its training child: power loss
        daemon.communicate(timeout=10)
    finally:
        if daemon.poll() is None:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.communicate(timeout=10)
    (project / "mlgate.yaml").write_text(spec)
    restart = subprocess.run(
        [sys.executable, "-m", "mlgate", "watch", "--once"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if not k.startswith("MLGATE_")},
    )
    assert restart.returncode == 0, restart.stdout + restart.stderr
    assert f"run {crashed} marked error: stale: its process" in restart.stdout
    assert f"starting run {queued.id} (manual+data)" in restart.stdout
    with open_stores(settings) as stores:
        dead = stores.metadata.get_run(crashed)
        done = stores.metadata.get_run(queued.id)
    assert dead is not None
    assert dead.status == "error"
    assert done is not None
    assert done.status == "passed", done.error
    # The data that the crashed run never trained started the follow-up too.
    assert [t["kind"] for t in done.evidence["triggers"]] == ["manual", "data"]


def test_sigterm_stops_the_daemon_and_a_second_daemon_is_refused(
    settings: Settings, project: Path
) -> None:
    write = project / "mlgate.yaml"
    write.write_text(write.read_text().replace("data: {debounce: 0s}", "data: false"))
    daemon = _watch(project, "--interval", "1s")
    try:
        _wait_for(lambda: (project / ".mlgate" / "watch.lock").exists())
        time.sleep(2.5)
        second = subprocess.run(
            [sys.executable, "-m", "mlgate", "watch", "--once"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 4
        assert "another `mlgate watch` is watching this project" in second.stderr
        daemon.send_signal(signal.SIGTERM)
        out, _ = daemon.communicate(timeout=30)
    finally:
        if daemon.poll() is None:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.communicate(timeout=10)
    assert daemon.returncode == 0, out
    assert "SIGTERM: stopping after the run in progress" in out
    assert out.rstrip().endswith("stopped")
    # Several rounds ran; a trigger that stays quiet is said once, not every round.
    assert out.count("drift: no production version of cancer to monitor yet") == 1
    assert _running(settings) == []
