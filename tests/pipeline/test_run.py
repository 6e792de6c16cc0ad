"""``mlgate run`` end to end on real data: train, gate, register, cache, force, verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlgate.config import Settings
from mlgate.errors import ConfigError, IntegrityError, NotFoundError, UsageError
from mlgate.pipeline.api import run
from mlgate.pipeline.query import pipeline_status, show_run
from mlgate.pipeline.verify import verify
from mlgate.store.stores import open_stores

from .conftest import write_spec


def _stages(settings: Settings, run_id: str) -> dict[str, str]:
    return {s.name: s.status for s in show_run(run_id, settings=settings).stages}


def test_first_run_trains_gates_registers_and_deploys(settings: Settings) -> None:
    outcome = run(settings=settings)
    rec = outcome.run
    assert rec.status == "passed", rec.error
    assert outcome.exit_code == 0
    assert rec.verdict == "pass"
    assert rec.summary["model"] == "cancer"
    assert rec.summary["version"] == 1
    stages = _stages(settings, rec.id)
    trains = [name for name in stages if name.startswith("train[")]
    assert len(trains) == 2
    assert all(status == "passed" for status in stages.values())
    assert [m["alias"] for m in rec.summary["deploy"]] == ["production"]
    with open_stores(settings) as stores:
        version = stores.metadata.get_version("cancer", 1)
        assert version is not None
        assert version.run_id == rec.id
        assert version.verdict == "pass"
        spread = version.metrics["seeds"]["accuracy"]
        assert spread["seeds"] == 2
        assert spread["min"] <= spread["mean"] <= spread["max"]
        assert stores.metadata.get_alias("cancer", "production").version == 1  # type: ignore[union-attr]
        lineage = json.loads(stores.artifacts.get_bytes(rec.summary["lineage"]))
    assert lineage["extra"]["snapshot"] == rec.summary["snapshot"]
    assert lineage["extra"]["params"] == {"C": 1.0, "max_iter": 500}
    assert len(lineage["extra"]["seeds"]) == 2
    assert lineage["python"]
    assert lineage["packages_hash"]


def test_second_run_is_cached_and_a_param_change_reruns_from_train(
    project: Path, settings: Settings
) -> None:
    first = run(settings=settings).run
    # v1 is production now: the next run compares against it (evaluate and gate run
    # again), finds the same model bytes registered, and adds no duplicate version.
    second = run(settings=settings).run
    assert second.summary["version"] == first.summary["version"] == 1
    stages = _stages(settings, second.id)
    assert stages["check"] == "passed"  # the champion changed (none → v1): checked again
    assert all(s == "cached" for n, s in stages.items() if n.startswith("train"))  # same rows
    assert stages["evaluate"] == "passed"
    third = run(settings=settings).run  # the champion is unchanged: everything is cached
    stages = _stages(settings, third.id)
    assert {n: s for n, s in stages.items() if n not in ("snapshot", "deploy")} == {
        n: "cached" for n in stages if n not in ("snapshot", "deploy")
    }
    assert third.summary["version"] == 1
    assert "report_html" in second.summary  # evaluated anew: reported at once
    assert "report_html" not in third.summary  # a no-op run skips the plotting…
    from mlgate.report import reports_of

    rendered = reports_of(third.id, settings=settings)  # …and renders it when asked
    assert "<svg" in rendered.html
    with open_stores(settings) as stores:
        assert stores.metadata.get_run(third.id).summary["report_html"]  # type: ignore[union-attr]

    status = pipeline_status(settings=settings)
    assert all(s.state != "would run" for s in status.stages)

    write_spec(project, **{"C: 1.0": "C: 0.5"})
    report = pipeline_status(settings=settings)
    states = {s.name: (s.state, s.changed) for s in report.stages}
    assert states["check"] == ("cached", [])
    assert all(
        st == ("would run", ["params"]) for n, st in states.items() if n.startswith("train[")
    )

    fourth = run(settings=settings).run
    stages = _stages(settings, fourth.id)
    assert stages["check"] == "cached"
    assert all(s == "passed" for n, s in stages.items() if n.startswith("train["))
    assert stages["evaluate"] == "passed"
    assert fourth.summary["version"] == 2


def test_force_reruns_one_stage(settings: Settings) -> None:
    run(settings=settings)
    forced = run(settings=settings, force=["check"]).run
    stages = _stages(settings, forced.id)
    assert stages["check"] == "passed"
    assert all(s == "cached" for n, s in stages.items() if n.startswith("train["))
    with pytest.raises(
        UsageError, match="there is no stage 'trian' to force; did you mean 'train'"
    ):
        run(settings=settings, force=["trian"])


def test_verify_reproduces_the_model_byte_for_byte(settings: Settings) -> None:
    rec = run(settings=settings).run
    result = verify(rec.id, settings=settings)
    assert result.outcome == "identical"
    assert result.reproducible
    assert result.original == result.retrained
    assert verify("cancer:1", settings=settings).outcome == "identical"
    assert verify("cancer@production", settings=settings).outcome == "identical"


NONDETERMINISTIC = """
import os
from sklearn.compose import make_column_transformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

def train(data, params, seed):
    noise = int.from_bytes(os.urandom(4), "little")  # ignores the seed on purpose
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["region"]), remainder="passthrough"
    )
    forest = RandomForestClassifier(n_estimators=5, max_depth=2, random_state=noise)
    return make_pipeline(encode, forest).fit(data.drop(columns=["target"]), data["target"])
"""


def test_verify_reports_a_nondeterministic_model(project: Path, settings: Settings) -> None:
    (project / "noisy.py").write_text(NONDETERMINISTIC)
    write_spec(project, **{"train:train": "noisy:train", "min: 0.80": "min: 0.5"})
    rec = run(settings=settings).run
    assert rec.summary.get("version"), rec.error
    result = verify(rec.id, settings=settings)
    assert result.outcome == "not-reproducible"
    assert not result.reproducible
    assert "not reproducible" in result.sentence
    assert "the lineage is the same, so training itself is not deterministic" in result.sentence
    assert result.changed_share is not None


def test_verify_names_a_garbage_collected_snapshot(settings: Settings) -> None:
    rec = run(settings=settings).run
    snapshot_id = rec.summary["snapshot"]
    with open_stores(settings) as stores:
        manifest = json.loads(stores.artifacts.get_bytes(snapshot_id))
        for _, digest, _ in manifest["files"]:
            stores.artifacts.delete(digest)
    with pytest.raises(IntegrityError, match=r"no longer in the store \(breast_cancer.parquet"):
        verify(rec.id, settings=settings)


def test_unknown_run_and_version_refs(settings: Settings) -> None:
    run(settings=settings)
    with pytest.raises(NotFoundError, match="no run has the id 'nope'"):
        show_run("nope", settings=settings)
    with pytest.raises(NotFoundError, match="no model version matches 'cancer:9'"):
        verify("cancer:9", settings=settings)


def test_missing_training_function_fails_the_run_with_exit_2(
    project: Path, settings: Settings
) -> None:
    write_spec(project, **{"train:train": "train:trian"})
    outcome = run(settings=settings)
    assert outcome.exit_code == 2
    assert outcome.run.status == "error"
    assert "trian" in (outcome.run.error or "")
    assert "did you mean" in (outcome.run.error or "")
    with open_stores(settings) as stores:
        assert stores.metadata.get_model("cancer") is None  # nothing registered


def test_training_code_that_raises_fails_the_stage_with_the_users_traceback(
    project: Path, settings: Settings
) -> None:
    (project / "broken.py").write_text(
        "def train(data, params, seed):\n    raise ValueError('the user broke it')\n"
    )
    write_spec(project, **{"train:train": "broken:train"})
    outcome = run(settings=settings)
    assert outcome.exit_code != 0
    assert "the user broke it" in (outcome.run.error or "")
    stages = show_run(outcome.run.id, settings=settings).stages
    failed = [s for s in stages if s.name.startswith("train[")]
    assert failed
    assert failed[0].status in ("failed", "error")


def test_missing_time_column_is_a_data_error(project: Path, settings: Settings) -> None:
    write_spec(
        project,
        **{"{method: random, holdout: 0.3, seed: 0}": "{method: time, column: when, holdout: 0.3}"},
    )
    outcome = run(settings=settings)
    assert outcome.exit_code == 3
    assert outcome.run.status == "failed"
    assert "the time column 'when' is not in the data" in (outcome.run.error or "")


def test_bad_spec_is_refused_before_a_run_starts(project: Path, settings: Settings) -> None:
    write_spec(project, **{"seeds: 2": "seeds: 0"})
    with pytest.raises(ConfigError, match="seeds"):
        run(settings=settings)
    with open_stores(settings) as stores:
        assert stores.metadata.list_runs() == []


def test_new_data_is_compared_with_the_champions_profile(project: Path, settings: Settings) -> None:
    import pandas as pd

    from mlgate.report import reports_of

    run(settings=settings)  # v1 becomes production, with the profile of its training rows
    table = project / "data" / "breast_cancer.parquet"
    frame = pd.read_parquet(table)
    frame["mean radius"] = frame["mean radius"] * 1.5  # a shifted feature
    frame.to_parquet(table, index=False)
    rec = run(settings=settings).run
    with open_stores(settings) as stores:
        check = next(s for s in stores.metadata.stages_of(rec.id) if s.stage == "check")
        output = json.loads(stores.artifacts.get_bytes(check.output_digest))  # type: ignore[arg-type]
    drift = {row["column"]: row for row in output["drift"]}
    assert drift["mean radius"]["drifted"]
    assert not drift["mean texture"]["drifted"]
    assert drift["mean radius"]["reference"]["edges"]
    assert "mean radius" in reports_of(rec.id, settings=settings).markdown


def test_pos_label_names_the_positive_class(project: Path) -> None:
    """``evaluate.pos_label: 0``: recall in the evaluate stage and in the gates is the recall
    of class 0 (the smaller label, not the default)."""
    from sklearn.metrics import recall_score

    from mlgate.pipeline.stages import predictions_of

    write_spec(
        project,
        **{
            "metrics: [accuracy, roc_auc]": "metrics: [accuracy, recall]\n  pos_label: 0",
            "- {metric: roc_auc, vs: production, max_drop: 0.05}": "- {metric: recall, min: 0.5}",
        },
    )
    settings = Settings.load(project=project)
    rec = run(settings=settings).run
    assert rec.status == "passed", rec.error
    with open_stores(settings) as stores:
        (evaluate,) = [s for s in stores.metadata.stages_of(rec.id) if s.stage == "evaluate"]
        assert evaluate.output_digest is not None
        output = json.loads(stores.artifacts.get_bytes(evaluate.output_digest))
        for model in output["models"]:
            preds = predictions_of(stores.artifacts.get_bytes(model["predictions"]), None)
            expected = recall_score(preds.y_true, preds.y_pred, pos_label=0)
            assert model["metrics"]["recall"] == pytest.approx(expected, abs=1e-12)
            assert expected != pytest.approx(recall_score(preds.y_true, preds.y_pred))
    gates = show_run(rec.id, settings=settings).gates
    assert gates is not None
    (recall_gate,) = [g for g in gates["results"] if g["sentence"].startswith("recall")]
    assert recall_gate["status"] == "pass"


def test_no_champion_and_min_slice_rows_come_from_the_spec(project: Path) -> None:
    """``evaluate.no_champion: inconclusive`` sends the first model to a person instead of
    passing its comparison gate; ``evaluate.min_slice_rows`` sets when a slice decides."""
    write_spec(
        project,
        **{
            "  bootstrap: {resamples: 300, seed: 0}": "  bootstrap: {resamples: 300, seed: 0}\n"
            "  no_champion: inconclusive\n  min_slice_rows: 1000",
            "metrics: [accuracy, roc_auc]": "metrics: [accuracy, roc_auc]\n  slices: [region]",
            "- {metric: accuracy, min: 0.80}": "- {metric: accuracy, min: 0.80, slice: region}",
        },
    )
    settings = Settings.load(project=project)
    rec = run(settings=settings).run
    assert (rec.status, rec.verdict) == ("needs-approval", "needs-approval")  # a person decides
    gates = show_run(rec.id, settings=settings).gates
    assert gates is not None
    by_metric = {g["sentence"].split()[0]: g for g in gates["results"]}
    assert {g["status"] for g in by_metric.values()} == {"inconclusive"}
    assert by_metric["roc_auc:"]["sentence"].endswith(
        "so there is nothing to compare with → inconclusive"
    )
    slices = json.dumps(by_metric["accuracy"])
    assert "at least 1,000 are needed to decide" in slices
