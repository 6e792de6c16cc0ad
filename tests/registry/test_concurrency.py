"""Several processes at once, and processes killed mid-write: numbers, history and chain hold."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest

import mlgate.registry as registry
from mlgate.config import Settings
from mlgate.store.metadata import open_metadata

from .helpers import register, store_bytes

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses fork and SIGKILL")

WORKERS = 8

# Read at import: the autouse fixture in tests/conftest.py clears MLGATE_* variables.
POSTGRES_URL = os.environ.get("MLGATE_TEST_POSTGRES_URL")


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                POSTGRES_URL is None, reason="set MLGATE_TEST_POSTGRES_URL to test PostgreSQL"
            ),
        ),
    ]
)
def backend(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """The project's settings on each database this machine can start."""
    if request.param == "sqlite":
        return settings
    assert POSTGRES_URL is not None
    import sqlalchemy

    engine = sqlalchemy.create_engine(
        POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    )
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return settings.replace(db=POSTGRES_URL)


def _register_many(settings: Settings, digest: str, count: int, barrier: Barrier) -> None:
    barrier.wait(timeout=60)
    for i in range(count):
        registry.register_version(
            "churn",
            artifact=digest,
            flavor="sklearn",
            run_id=f"{os.getpid()}-{i}",
            settings=settings,
        )


def _run_workers(target: Any, args_of: Any) -> None:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(WORKERS)
    workers = [context.Process(target=target, args=(*args_of(w), barrier)) for w in range(WORKERS)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=240)
    assert [p.exitcode for p in workers] == [0] * WORKERS


def test_concurrent_registrations_get_consecutive_versions(backend: Settings) -> None:
    settings = backend
    digest = store_bytes(settings)
    _run_workers(_register_many, lambda w: (settings, digest, 50))
    with open_metadata(settings.db_url) as store:
        versions = store.list_versions("churn")
        assert [v.version for v in versions] == list(range(1, 401))
        assert len({v.run_id for v in versions}) == 400
        assert store.get_model("churn").last_version == 400  # type: ignore[union-attr]
        # each process's own registrations are in the order it made them
        by_pid: dict[str, list[int]] = {}
        for v in versions:
            pid, i = (v.run_id or "").split("-")
            by_pid.setdefault(pid, []).append(int(i))
        assert all(order == list(range(50)) for order in by_pid.values())
    report = registry.verify_audit(settings=settings)
    assert (report.ok, report.entries) == (True, 400)


def _move_many(settings: Settings, seed: int, out: Path, barrier: Barrier) -> None:
    rng = random.Random(seed)
    barrier.wait(timeout=60)
    lines = []
    for _ in range(25):
        result = registry.promote("churn", rng.randint(1, 8), to="production", settings=settings)
        if result.move is not None:
            lines.append(f"{result.move.seq} {result.move.from_version} {result.move.to_version}")
    out.write_text("\n".join(lines) + "\n")


def test_concurrent_alias_moves_keep_history_consistent(backend: Settings, tmp_path: Path) -> None:
    settings = backend
    for _ in range(8):
        register(settings)
    _run_workers(_move_many, lambda w: (settings, w, tmp_path / f"moves-{w}.txt"))
    committed: list[tuple[int, int | None, int]] = []
    for w in range(WORKERS):
        for line in (tmp_path / f"moves-{w}.txt").read_text().splitlines():
            seq, before, after = line.split()
            committed.append((int(seq), None if before == "None" else int(before), int(after)))
    history = registry.history("churn", alias="production", settings=settings)
    assert sorted(committed) == [(m.seq, m.from_version, m.to_version) for m in history]
    assert history[0].from_version is None
    for previous, current in itertools.pairwise(history):
        assert current.from_version == previous.to_version != current.to_version
    final = registry.models(settings=settings)[0].aliases["production"]
    assert final == max(committed)[2] == history[-1].to_version
    report = registry.verify_audit(settings=settings)
    assert (report.ok, report.entries) == (True, 8 + len(history))


# --- crash ---------------------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import random, sys
    import mlgate.registry as registry
    from mlgate.config import Settings

    settings = Settings.load()
    rng = random.Random(int(sys.argv[1]))
    digest = sys.argv[2]
    print("ready", flush=True)
    for i in range(20):
        last = registry.models(settings=settings)
        top = last[0].versions if last else 0
        if top < 2 or rng.random() < 0.5:
            done = registry.register_version(
                "churn", artifact=digest, flavor="sklearn", settings=settings
            )
            print(f"ack version {done.version.version}", flush=True)
        else:
            alias = rng.choice(["production", "staging"])
            result = registry.promote("churn", rng.randint(1, top), to=alias, settings=settings)
            if result.move is not None:
                print(f"ack move {result.move.seq} {alias} {result.version}", flush=True)
    print("done", flush=True)
    """
)


def _crash_once(settings: Settings, digest: str, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(seed), digest],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "MLGATE_PROJECT": str(settings.project)},
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    kill_after = rng.randint(1, 15)
    acks: list[list[str]] = []
    while len(acks) < kill_after:
        line = child.stdout.readline().split()
        assert line, "the child stopped before its acknowledgements"
        assert line[0] == "ack", line
        acks.append(line[1:])
    time.sleep(rng.random() * 0.03)
    child.send_signal(signal.SIGKILL)
    rest, _ = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    acks += [line.split()[1:] for line in rest.splitlines() if line.startswith("ack ")]
    return acks


@pytest.mark.slow
def test_sigkill_during_registry_writes_loses_nothing_acknowledged(settings: Settings) -> None:
    digest = store_bytes(settings)
    acks: list[list[str]] = []
    for seed in (11, 22, 33):
        acks += _crash_once(settings, digest, seed)
    with open_metadata(settings.db_url) as store:
        model = store.get_model("churn")
        assert model is not None
        versions = [v.version for v in store.list_versions("churn")]
        assert versions == list(range(1, model.last_version + 1))
        moves = store.alias_moves("churn")
        for ack in acks:
            if ack[0] == "version":
                assert int(ack[1]) in versions
            else:
                seq, alias, version = int(ack[1]), ack[2], int(ack[3])
                assert (seq, alias, version) in {(m.seq, m.alias, m.to_version) for m in moves}
        for alias, version in model.aliases.items():
            own = [m for m in moves if m.alias == alias]
            assert own[-1].to_version == version
            for previous, current in itertools.pairwise(own):
                assert current.from_version == previous.to_version
        entries = store.audit_entries()
        assert len(entries) == len(versions) + len(moves)
    assert registry.verify_audit(settings=settings).ok
