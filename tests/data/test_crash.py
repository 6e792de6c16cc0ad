"""Crash safety: SIGKILL a snapshot at random moments; the stores stay consistent.

After every kill: the metadata database opens, every recorded snapshot's
manifest and files verify against their hashes, and no object in the store
holds bytes other than those its name promises (no partial artifact visible).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlgate import data
from mlgate.config import Settings
from mlgate.store.artifacts.cas import hash_file
from mlgate.store.stores import open_stores

from .helpers import tree

KILLS = 20


def _make_data(folder: Path, rng: random.Random) -> None:
    for i in range(120):
        sub = folder / f"part{i % 6}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"f{i:03d}.bin").write_bytes(rng.randbytes(40_000))
    (folder / "big.bin").write_bytes(rng.randbytes(24 * 1024 * 1024))


def _start(project: Path, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "mlgate", "data", "snapshot", "data", "--name", name],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if not k.startswith("MLGATE_")},
    )


def _check_consistent(settings: Settings) -> int:
    objects = settings.state_dir / "store" / "objects"
    if objects.is_dir():
        for shard in objects.iterdir():
            for blob in shard.iterdir():
                assert hash_file(blob) == shard.name + blob.name, f"partial artifact {blob}"
    with open_stores(settings) as stores:
        records = stores.metadata.list_snapshots()
    for record in records:
        snap = data.show(record.id, settings=settings)
        with open_stores(settings) as stores:
            for entry in snap.files:
                stores.artifacts.verify(entry.digest)
    return len(records)


@pytest.mark.slow
def test_sigkill_during_snapshot_leaves_a_consistent_store(tmp_path: Path) -> None:
    rng = random.Random(20261127)
    project = tmp_path / "proj"
    (project / ".mlgate").mkdir(parents=True)
    _make_data(project / "data", rng)
    settings = Settings.load(project=project)

    started = time.perf_counter()
    assert _start(project, "full").wait(timeout=120) == 0
    duration = time.perf_counter() - started
    assert _check_consistent(settings) == 1

    killed = attempts = 0
    while killed < KILLS:
        attempts += 1
        assert attempts <= 3 * KILLS, f"only {killed} kills landed mid-run in {attempts} tries"
        i = attempts
        # New content each round, so every attempt has bytes to write.
        victim = project / "data" / f"part{i % 6}" / f"f{i:03d}.bin"
        victim.write_bytes(rng.randbytes(40_000))
        with (project / "data" / "big.bin").open("r+b") as big:
            big.write(rng.randbytes(64))
        proc = _start(project, f"k{i}")
        time.sleep(rng.uniform(0.0, duration))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait(timeout=60)
        _check_consistent(settings)

    # The store is still fully usable: a complete snapshot and an exact checkout.
    final = data.snapshot(project / "data", name="after", settings=settings).snapshot
    restored = tmp_path / "restored"
    data.checkout(final.id, restored, settings=settings)
    assert tree(restored) == tree(project / "data")
    leftovers = list((settings.state_dir / "store" / "tmp").iterdir())
    assert leftovers == [], "temporaries of killed writers were not swept"
