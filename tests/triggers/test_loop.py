"""The whole loop end to end, on real processes: data arrives → `watch --once` starts a
run → the model is promoted → served → drifted traffic is logged → `watch --once`
detects the drift and queues a run with the evidence → the challenger's gates are
right; then delayed labels show a degraded model and the degradation trigger fires."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mlgate.config import Settings
from mlgate.monitor import add_labels
from mlgate.quickstart._server import DemoServer
from mlgate.store.stores import open_stores
from mlgate.triggers import watch

from .conftest import write_triggers

LOOP = """\
monitor: {window: 100, drift: {share: 0.1}}  # 5 of 31 features shift
triggers:
  cooldown: 0s
  data: {debounce: 0s}
  drift: {effect_size: 0.2}
  degradation: {metric: accuracy, min: 0.8}
executor: local"""
#: Columns the drifted traffic shifts.
SHIFTED = ("mean radius", "mean texture", "mean perimeter", "mean area", "worst radius")


def _traffic(project: Path, rows: int = 200) -> pd.DataFrame:
    frame = pd.read_parquet(project / "data" / "breast_cancer.parquet")
    sample = frame.sample(rows, random_state=1).reset_index(drop=True)
    for column in SHIFTED:
        sample[column] = sample[column] * 1.6
    sample["request_id"] = [f"req-{i:04d}" for i in range(rows)]
    return sample


def _send(server: DemoServer, traffic: pd.DataFrame) -> None:
    features = [c for c in traffic.columns if c not in ("target", "request_id")]
    for _, row in traffic.iterrows():
        values = [row[c].item() if hasattr(row[c], "item") else row[c] for c in features]
        status, headers, answer = server.request(
            "POST",
            "/invocations",
            {"dataframe_split": {"columns": features, "data": [values]}},
            {"X-Request-ID": row["request_id"]},
        )
        assert status == 200, answer
        assert headers["x-model-version"] == "1"


def test_the_loop_from_new_data_to_a_drift_run_and_a_degradation_run(
    settings: Settings, project: Path, tmp_path: Path
) -> None:
    write_triggers(project, LOOP)
    first = watch(settings=settings, once=True)
    (ran,) = first.runs
    assert (ran.trigger, ran.status) == ("data", "passed")
    with open_stores(settings) as stores:
        production = stores.metadata.get_alias("cancer", "production")
    assert production is not None
    assert production.version == 1

    traffic = _traffic(project)
    with DemoServer(project, "cancer") as server:
        _send(server, traffic)
    # The server flushed its prediction log as it stopped (SIGTERM drains).

    second = watch(settings=settings, once=True)
    drift = [d for d in second.decisions if d.kind == "drift"]
    assert [d.action for d in drift] == ["queued"], [d.sentence for d in second.decisions]
    assert "drift on " in drift[0].sentence
    assert "≥ 0.2 in window count:100:" in drift[0].sentence
    assert set(drift[0].evidence["columns"]) >= set(SHIFTED) - {"worst radius"}
    (rerun,) = second.runs
    assert rerun.trigger == "drift"
    with open_stores(settings) as stores:
        record = stores.metadata.get_run(rerun.run_id)
    assert record is not None
    assert record.evidence["triggers"][0]["version"] == 1
    # Nothing changed but the traffic: the challenger is the champion's model, so the
    # paired difference is exactly zero and the non-inferiority gate passes.
    assert record.verdict == "pass"
    assert record.summary["version"] == 1
    from mlgate.pipeline.query import show_run

    gates = show_run(rerun.run_id, settings=settings).gates
    assert gates is not None
    (comparison,) = [g for g in gates["results"] if g["kind"] == "comparison"]
    assert comparison["status"] == "pass", comparison["sentence"]
    assert "difference +0.000 [+0.000, +0.000]" in comparison["sentence"]

    # Labels arrive days later: the model was wrong on the drifted rows.
    labels = tmp_path / "labels.csv"
    pd.DataFrame(
        {"request_id": traffic["request_id"], "label": 1 - traffic["target"].to_numpy()}
    ).to_csv(labels, index=False)
    added = add_labels(labels, settings=settings)
    assert added.stored == len(traffic)
    assert added.unmatched == 0
    third = watch(settings=settings, once=True)
    degradation = [d for d in third.decisions if d.kind == "degradation"]
    assert [d.action for d in degradation] == ["queued"], [d.sentence for d in third.decisions]
    assert "upper bound" in degradation[0].sentence
    assert degradation[0].evidence["high"] < 0.8
    assert np.isfinite(degradation[0].evidence["estimate"])
    assert [d.action for d in third.decisions if d.kind == "drift"] == ["quiet"]
    (last,) = third.runs
    assert last.trigger == "degradation"
