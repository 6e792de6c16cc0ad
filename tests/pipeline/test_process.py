"""Runs as processes: SIGKILL leaves no run ``running``; one run at a time; Ray = local."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlgate.config import Settings
from mlgate.pipeline.api import run
from mlgate.pipeline.lock import ProjectLock
from mlgate.pipeline.query import list_runs, show_run
from mlgate.project import init

from .conftest import write_spec

SLOW = "import time\n\ndef train(data, params, seed):\n    time.sleep(60)\n"


def _mlgate(project: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLGATE_")}
    return subprocess.Popen(
        [sys.executable, "-m", "mlgate", *args],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_a_sigkilled_run_is_marked_error_by_the_next_command(
    project: Path, settings: Settings
) -> None:
    (project / "slow.py").write_text(SLOW)
    write_spec(project, **{"train:train": "slow:train"})
    proc = _mlgate(project, "run")
    try:

        def training() -> bool:
            runs = list_runs(settings=settings)
            if not runs or runs[0].status != "running":
                return False
            return any(s.stage == "train" for s in show_run(runs[0].id, settings=settings).stages)

        _wait_for(training)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its training child, like a power cut
        proc.communicate(timeout=30)
    listed = subprocess.run(
        [sys.executable, "-m", "mlgate", "runs", "--json"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    [record] = json.loads(listed.stdout)
    assert record["status"] == "error"
    assert f"its process (pid {proc.pid}) ended without finishing the run" in record["error"]


def test_no_wait_refuses_while_another_run_holds_the_project(
    project: Path, settings: Settings
) -> None:
    lock = ProjectLock(settings.state_dir)
    assert lock.try_acquire(run_id="someone-else")
    try:
        proc = _mlgate(project, "run", "--no-wait")
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 4
        assert "another run is in progress in this project: run someone-else" in err
        assert list_runs(settings=settings) == []

        waiting = _mlgate(project, "run")
        _wait_for(lambda: [r.status for r in list_runs(settings=settings)] == ["queued"])
    finally:
        lock.release()
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert "queued: waiting for run someone-else" in out
    assert [r.status for r in list_runs(settings=settings)] == ["passed"]


@pytest.mark.slow
def test_ray_executor_trains_the_same_models_as_local(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    digests = {}
    for executor in ("local", "{kind: ray, num_cpus: 2}"):
        root = tmp_path / ("ray" if "ray" in executor else "local")
        init(root, name="cancer")
        write_spec(root, executor=executor)
        outcome = run(settings=Settings.load(project=root))
        assert outcome.run.status == "passed", outcome.run.error
        assert outcome.run.executor == ("ray" if "ray" in executor else "local")
        stages = show_run(outcome.run.id, settings=Settings.load(project=root)).stages
        digests[executor] = sorted(s.fingerprint for s in stages if s.stage == "train")
        digests[executor + " models"] = outcome.run.summary["version"]
    local, ray = (digests[k] for k in ("local", "{kind: ray, num_cpus: 2}"))
    assert local == ray  # same fingerprints…
    from mlgate.store.stores import open_stores

    models = []
    for name in ("local", "ray"):
        with open_stores(Settings.load(project=tmp_path / name)) as stores:
            version = stores.metadata.get_version("cancer", 1)
            assert version is not None
            models.append(version.artifact)
    assert models[0] == models[1]  # …and byte-identical models
