"""Helpers for deploy tests: a project with registered versions, and real server processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mlgate.config import Settings

COLUMNS = ["radius", "texture", "perimeter", "area"]


def write_spec(project: Path, production: dict[str, Any] | None = None) -> None:
    """mlgate.yaml (JSON is YAML) with a production policy that needs no approval."""
    spec: dict[str, Any] = {
        "project": {"name": "churn"},
        "data": {"label": "target"},
        "train": {"function": "train:train"},
        "deploy": {"production": production or {"strategy": "direct"}},
    }
    (project / "mlgate.yaml").write_text(json.dumps(spec, indent=2))


def training_frame(seed: int = 0) -> Any:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    frame = data.frame.iloc[:, :4].copy()
    frame.columns = COLUMNS
    frame["target"] = data.target
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def make_project(root: Path, production: dict[str, Any] | None = None) -> Settings:
    (root / ".mlgate").mkdir(parents=True)
    write_spec(root, production)
    return Settings.load(project=root)


def register(settings: Settings, *, seed: int = 0, alias: str | None = "production") -> int:
    """Train a small logistic regression and register it; returns its version."""
    from sklearn.linear_model import LogisticRegression

    from mlgate.registry.versions import register_version
    from mlgate.train.signature import infer_signature

    frame = training_frame(seed)
    model = LogisticRegression(max_iter=200 + seed, C=1.0 / (1 + seed))
    model.fit(frame[COLUMNS], frame["target"])
    done = register_version(
        "churn",
        model,
        signature=infer_signature(frame, label="target"),
        alias=alias,
        settings=settings,
    )
    return done.version.version


def register_broken(settings: Settings, *, alias: str | None = None) -> int:
    """A version whose artifact is not a model: it must never serve."""
    from mlgate.registry.versions import register_version
    from mlgate.store.stores import open_stores
    from mlgate.train.signature import infer_signature

    with open_stores(settings) as stores:
        digest = stores.artifacts.put_bytes(b"not a model at all " + os.urandom(8))
    done = register_version(
        "churn",
        artifact=digest,
        flavor="sklearn",
        signature=infer_signature(training_frame(), label="target"),
        alias=alias,
        settings=settings,
    )
    return done.version.version


def move(settings: Settings, version: int, alias: str = "production") -> None:
    from mlgate.registry.aliases import promote

    promote("churn", version, to=alias, settings=settings)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def running(settings: Settings, *args: str, timeout: float = 20.0) -> Iterator[Server]:
    """``python -m mlgate serve churn …`` on a free loopback port, stopped by PID at the end."""
    port = free_port()
    env = {**os.environ, "MLGATE_PROJECT": str(settings.project), "MLGATE_USER": "ci"}
    log = settings.project / f"serve-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "mlgate", "serve", "churn", "--port", str(port), *args],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the server exited: {server.stderr()}")
            try:
                if httpx.get(f"{server.url}/v2/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the server did not get ready: {server.stderr()}")
            time.sleep(0.05)
        yield server
    finally:
        server.stop()


def rows(n: int = 1, offset: int = 0) -> list[list[float]]:
    frame = training_frame()
    return frame[COLUMNS].iloc[offset : offset + n].to_numpy().tolist()  # type: ignore[no-any-return]
