"""Helpers for monitor tests: a project, versions registered straight through the registry
(with a reference profile and, optionally, a run whose evaluate stage holds holdout
predictions), and prediction logs written by the server's own log writer."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlgate.config import Settings
from mlgate.deploy.predlog import LogRecord, PredictionLog
from mlgate.deploy.run import log_location

NAME = "churn"
FEATURES = ["x1", "x2", "x3", "x4", "region"]
REGIONS = ["north", "south", "east", "west"]
#: Log times in tests start here: two days ago, on the hour (labels sent now are in time).
T0 = float((int(time.time()) // 3600 - 48) * 3600)


def write_spec(project: Path, **sections: Any) -> None:
    """mlgate.yaml (JSON is YAML) for model ``churn``; ``sections`` replace the defaults."""
    spec: dict[str, Any] = {
        "project": {"name": NAME},
        "data": {"label": "target"},
        "train": {"function": "train:train"},
        "evaluate": {"metrics": ["accuracy", "roc_auc"], "bootstrap": {"resamples": 400}},
        "monitor": {"window": 500},
        "deploy": {"production": {"strategy": "direct"}},
    }
    spec.update(sections)
    (project / "mlgate.yaml").write_text(json.dumps(spec, indent=2))


def make_project(root: Path, **sections: Any) -> Settings:
    (root / ".mlgate").mkdir(parents=True)
    write_spec(root, **sections)
    return Settings.load(project=root)


def features(n: int, *, seed: int, shift: dict[str, float] | None = None) -> pd.DataFrame:
    """``n`` rows of the reference distribution (``shift`` moves numeric columns by so
    many standard deviations)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x1": rng.normal(0.0, 1.0, n),
            "x2": rng.normal(5.0, 2.0, n),
            "x3": rng.exponential(1.0, n),
            "x4": rng.integers(0, 10, n).astype(float),
            "region": rng.choice(REGIONS, n, p=[0.4, 0.3, 0.2, 0.1]),
        }
    )
    for column, amount in (shift or {}).items():
        frame[column] = frame[column] + amount * float(frame[column].std())
    return frame


def truth(frame: pd.DataFrame) -> np.ndarray[Any, Any]:
    """The label a perfect model would give."""
    return (frame["x1"].to_numpy() + 0.3 * frame["x3"].to_numpy() > 0.3).astype(np.int64)


def _run_with_predictions(settings: Settings, y_pred: np.ndarray[Any, Any]) -> str:
    """A finished run whose evaluate stage holds ``y_pred`` as the first seed's predictions."""
    from mlgate.store.metadata.base_runs import RunRecord, StageRecord
    from mlgate.store.stores import open_stores

    now = datetime.now(UTC)
    run_id = f"r{now:%H%M%S%f}"
    buffer = io.BytesIO()
    pd.DataFrame({"y_true": y_pred, "y_pred": y_pred}).to_parquet(buffer, index=False)
    with open_stores(settings) as stores:
        predictions = stores.artifacts.put_bytes(buffer.getvalue())
        output = {
            "n": len(y_pred),
            "models": [{"seed": 0, "predictions": predictions, "classes": [0, 1], "metrics": {}}],
        }
        digest = stores.artifacts.put_bytes(json.dumps(output).encode())
        stores.metadata.create_run(
            RunRecord(id=run_id, trigger="manual", status="passed", created_at=now)
        )
        stores.metadata.add_stage(
            StageRecord(
                run_id=run_id,
                name="evaluate",
                stage="evaluate",
                status="passed",
                fingerprint="f" * 64,
                components={},
                started_at=now,
                ended_at=now,
                output_digest=digest,
            )
        )
    return run_id


def register(
    settings: Settings,
    reference: pd.DataFrame,
    *,
    alias: str | None = "production",
    holdout_predictions: np.ndarray[Any, Any] | None = None,
    profile: bool = True,
) -> int:
    """Register a version whose reference profile is ``reference`` (no real model: the
    monitor never loads it); with ``holdout_predictions``, also a run that evaluated it."""
    from mlgate.data._profile import profile_frame
    from mlgate.registry.versions import register_version
    from mlgate.store.stores import open_stores
    from mlgate.train.signature import infer_signature

    run_id = None
    if holdout_predictions is not None:
        run_id = _run_with_predictions(settings, holdout_predictions)
    train = reference.assign(target=truth(reference))
    with open_stores(settings) as stores:
        artifact = stores.artifacts.put_bytes(b"model " + str(len(reference)).encode())
    done = register_version(
        NAME,
        artifact=artifact,
        flavor="sklearn",
        signature=infer_signature(train, label="target"),
        profile=profile_frame(train).to_dict() if profile else None,
        run_id=run_id,
        alias=alias,
        settings=settings,
    )
    return done.version.version


def records(
    frame: pd.DataFrame,
    outputs: Iterable[Any],
    *,
    version: int,
    route: str = "primary",
    start: float = T0,
    step: float = 1.0,
    batch: int = 1,
    prefix: str = "q",
) -> list[LogRecord]:
    """``frame`` as answered requests of ``batch`` rows, one every ``step`` seconds."""
    outputs = list(outputs)
    found = []
    for number, first in enumerate(range(0, len(frame), batch)):
        found.append(
            LogRecord(
                request_id=f"{prefix}{version}{route[0]}-{number}",
                at=start + number * step,
                model=NAME,
                version=version,
                route=route,
                frame=frame.iloc[first : first + batch].reset_index(drop=True),
                outputs=outputs[first : first + batch],
            )
        )
    return found


def write_records(settings: Settings, found: Sequence[LogRecord], *, segment: int = 1000) -> None:
    """Write ``found`` with the server's log writer, about ``segment`` rows per segment, where
    the server would (the local folder, or beside a remote artifact store)."""
    folder = log_location(settings, NAME)
    pending: list[LogRecord] = []
    size = 0
    for record in [*found, None]:
        if record is not None:
            pending.append(record)
            size += len(record.frame)
        if pending and (record is None or size >= segment):
            log = PredictionLog(folder, flush_every=3600)
            log.start()
            for item in pending:
                assert log.append(item)
            log.close()
            pending, size = [], 0


def write_log(
    settings: Settings,
    frame: pd.DataFrame,
    outputs: Iterable[Any],
    *,
    segment: int = 1000,
    **options: Any,
) -> list[LogRecord]:
    """Log ``frame`` (see :func:`records`); returns the records."""
    found = records(frame, outputs, **options)
    write_records(settings, found, segment=segment)
    return found


def labels_of(found: Sequence[LogRecord], truth_of: Any = None) -> list[tuple[str, int, Any]]:
    """(request_id, row, label) of every logged row, the label from ``truth_of(frame)``."""
    pairs: list[tuple[str, int, Any]] = []
    for record in found:
        values = (truth_of or truth)(record.frame)
        pairs.extend((record.request_id, row, int(v)) for row, v in enumerate(values))
    return pairs


def add_labels(settings: Settings, pairs: Sequence[tuple[str, int, Any]]) -> None:
    """Store labels straight in the metadata store."""
    from mlgate.store.metadata.base_loop import LabelRow
    from mlgate.store.stores import open_stores

    with open_stores(settings) as stores:
        stores.metadata.put_labels(
            NAME, [LabelRow(r, row, v) for r, row, v in pairs], source="test", actor="ci"
        )
