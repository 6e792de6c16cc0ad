"""The evaluate stage uses what the training children scored, and scores the rest itself:
the same outputs either way, and the cache stays correct."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlgate.config import Settings
from mlgate.pipeline.api import run
from mlgate.store.stores import open_stores

from .conftest import write_spec


def _outputs(settings: Settings, run_id: str) -> dict[str, dict[str, Any]]:
    """Every stage's output of a run, by stage name."""
    with open_stores(settings) as stores:
        return {
            s.name: json.loads(stores.artifacts.get_bytes(s.output_digest))
            for s in stores.metadata.stages_of(run_id)
            if s.output_digest
        }


def test_one_seed_is_scored_and_timed_in_its_child_the_same_as_in_process(
    project: Path, settings: Settings
) -> None:
    write_spec(
        project,
        **{
            "seeds: 2": "seeds: 1",
            "- {metric: accuracy": "- {latency_ms_p99: 1000}\n  - {metric: accuracy",
        },
    )
    first = run(settings=settings).run
    assert first.status == "passed", first.error
    out = _outputs(settings, first.id)
    (train,) = [v for k, v in out.items() if k.startswith("train[")]
    scores, evaluate = train["scores"], out["evaluate"]
    assert scores["holdout"] == out["check"]["holdout"]
    assert evaluate["models"][0]["predictions"] == scores["predictions"]
    assert evaluate["latency_ms"] == scores["latency_ms"]
    assert len(evaluate["latency_ms"]) == 300  # a p99 budget
    budget = next(r for r in out["gate"]["results"] if r["kind"] == "budget")
    assert budget["status"] == "pass"
    assert "300 calls" in budget["sentence"]

    # train forced while cached scores nothing; evaluate forced then scores in-process
    again = run(settings=settings, force=["train", "evaluate"]).run
    out2 = _outputs(settings, again.id)
    (train2,) = [v for k, v in out2.items() if k.startswith("train[")]
    assert train2["model"] == train["model"]
    assert "scores" not in train2
    assert out2["evaluate"]["models"] == evaluate["models"]  # the very same bytes and metrics
    assert len(out2["evaluate"]["latency_ms"]) == 300
    assert out2["gate"]["status"] == out["gate"]["status"]


def test_the_champion_is_scored_by_the_first_training_child(
    project: Path, settings: Settings
) -> None:
    first = run(settings=settings).run  # v1 becomes production
    assert first.status == "passed", first.error
    write_spec(project, **{"C: 1.0": "C: 0.5", "min: 0.80": "min: 0.999"})  # v1 stays
    second = run(settings=settings).run
    assert second.status == "failed", second.error
    out = _outputs(settings, second.id)
    trains = [v for k, v in out.items() if k.startswith("train[")]
    scored = [t["scores"]["champion"] for t in trains if t["scores"]["champion"]]
    assert len(scored) == 1  # one child scores the champion, not every seed
    champion = out["evaluate"]["champion"]
    assert champion["version"] == scored[0]["version"] == 1
    assert champion["predictions"] == scored[0]["predictions"]
    assert champion["classes"] == scored[0]["classes"]
    assert out["evaluate"]["latency_ms"] is None  # no latency budget: nothing timed
    assert all(t["scores"]["latency_ms"] is None for t in trains)

    # train forced while cached scores nothing: evaluate scores the champion in-process
    third = run(settings=settings, force=["train", "evaluate"]).run
    out3 = _outputs(settings, third.id)
    assert not any("scores" in v for k, v in out3.items() if k.startswith("train["))
    assert out3["evaluate"]["champion"] == champion  # the very same bytes
    assert out3["evaluate"]["models"] == out["evaluate"]["models"]
