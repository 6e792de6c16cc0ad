"""Helpers for registry tests: a project with a spec, stored model bytes, database dumps."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from mlgate.config import Settings
from mlgate.registry.versions import Registered, register_version
from mlgate.store.stores import open_stores

#: The smallest valid mlgate.yaml; tests add ``deploy`` and ``registry`` to it.
BASE_SPEC: dict[str, Any] = {
    "project": {"name": "churn"},
    "data": {"label": "y"},
    "train": {"function": "train:train"},
}

#: A production policy like the issue's example.
PRODUCTION = {
    "requires": ["gates_passed"],
    "approvals": 1,
    "approvers": ["alice", "bob"],
    "allow_self_approval": False,
    "expires": "7d",
}

INCONCLUSIVE_GATES = [
    {
        "name": "accuracy vs champion",
        "status": "inconclusive",
        "sentence": "accuracy 0.912 vs 0.905: difference +0.007, 95% CI [-0.004, 0.018]",
        "difference": 0.007,
        "low": -0.004,
        "high": 0.018,
    }
]
FAILED_GATES = [
    {
        "name": "accuracy >= 0.95",
        "status": "fail",
        "sentence": "accuracy 0.912, 95% CI [0.901, 0.923], is below 0.95",
    }
]


def write_spec(
    project: Path,
    *,
    deploy: dict[str, Any] | None = None,
    webhooks: list[dict[str, Any]] | None = None,
) -> Path:
    """Write mlgate.yaml (JSON is YAML) with these deploy policies and webhooks."""
    spec = dict(BASE_SPEC)
    if deploy is not None:
        spec["deploy"] = deploy
    if webhooks is not None:
        spec["registry"] = {"webhooks": webhooks}
    path = project / "mlgate.yaml"
    path.write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
    return path


def store_bytes(settings: Settings, data: bytes = b"model bytes") -> str:
    """Put bytes in the project's artifact store; their digest."""
    with open_stores(settings) as stores:
        return stores.artifacts.put_bytes(data)


def register(
    settings: Settings,
    name: str = "churn",
    *,
    verdict: str | None = "pass",
    gates: list[dict[str, Any]] | None = None,
    alias: str | None = None,
    reason: str | None = None,
    data: bytes = b"model bytes",
) -> Registered:
    """Register stored bytes as a version of ``name``."""
    return register_version(
        name,
        artifact=store_bytes(settings, data),
        flavor="sklearn",
        verdict=verdict,
        gates=gates,
        metrics={"accuracy": {"value": 0.912, "low": 0.901, "high": 0.923}},
        alias=alias,
        reason=reason,
        settings=settings,
    )


def dump(settings: Settings) -> list[str]:
    """Every row of every table of the project's SQLite database."""
    connection = sqlite3.connect(settings.state_dir / "mlgate.db")
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def sql(settings: Settings, statement: str, *params: Any) -> None:
    """Run one statement directly on the database (to tamper with it)."""
    connection = sqlite3.connect(settings.state_dir / "mlgate.db")
    try:
        with connection:
            connection.execute(statement, params)
    finally:
        connection.close()
