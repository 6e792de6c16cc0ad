"""The training child scores the holdout for the evaluate stage: the same bytes as in-process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from mlgate.errors import UsageError
from mlgate.train._scoring import champion_columns, predict, predictions_bytes
from mlgate.train.flavors import load_model
from mlgate.train.runner import ChampionModel, TrainInputs, TrainJob, train_one

from .conftest import LABEL

MakeJob = Callable[..., TrainJob]


def _in_process(model_bytes: bytes, holdout: pd.DataFrame) -> tuple[bytes, list[object] | None]:
    """What the evaluate stage stores when it scores ``model_bytes`` itself."""
    model = load_model(model_bytes, flavor="sklearn")
    y_pred, y_score, classes = predict(model, holdout.drop(columns=[LABEL]), task="classification")
    return predictions_bytes(holdout[LABEL].to_numpy(), y_pred, y_score), classes


def test_the_child_scores_the_holdout_as_the_evaluate_stage_would(
    make_job: MakeJob, inputs: TrainInputs
) -> None:
    trained = train_one(make_job("train:forest", task="classification", latency_calls=25))

    scores = trained.scores
    assert scores is not None
    holdout = pd.read_parquet(inputs.holdout)
    data, classes = _in_process(trained.read_bytes(), holdout)
    assert scores.predictions.read_bytes() == data
    assert scores.classes == classes == [0, 1]
    assert scores.latency_ms is not None
    assert len(scores.latency_ms) == 25
    assert all(ms > 0 for ms in scores.latency_ms)
    assert scores.champion_predictions is None
    assert scores.champion_mismatch is None


def test_without_a_task_nothing_is_scored_and_without_calls_nothing_is_timed(
    make_job: MakeJob,
) -> None:
    assert train_one(make_job("train:forest")).scores is None
    scores = train_one(make_job("train:forest", task="classification")).scores
    assert scores is not None
    assert scores.latency_ms is None


def test_the_champion_is_scored_on_the_same_rows(
    make_job: MakeJob, inputs: TrainInputs, tmp_path: Path
) -> None:
    champion = train_one(make_job("train:forest", seed=1, params={"trees": 3}))
    job = make_job(
        "train:forest",
        task="classification",
        champion=ChampionModel(champion.model_path, "sklearn", champion.signature.to_dict()),
    )
    scores = train_one(job).scores

    assert scores is not None
    data, classes = _in_process(champion.read_bytes(), pd.read_parquet(inputs.holdout))
    assert scores.champion_predictions is not None
    assert scores.champion_predictions.read_bytes() == data
    assert scores.champion_classes == classes
    assert scores.champion_mismatch is None


def test_a_champion_that_cannot_read_the_rows_is_not_scored_but_said_why(
    make_job: MakeJob, inputs: TrainInputs
) -> None:
    champion = train_one(make_job("train:forest", seed=1))
    signature = champion.signature.to_dict()
    signature["columns"] = [
        *signature["columns"],
        {"name": "age", "dtype": "int64", "nullable": False},
    ]
    scores = train_one(
        make_job(
            "train:forest",
            task="classification",
            champion=ChampionModel(champion.model_path, "sklearn", signature),
        )
    ).scores

    assert scores is not None
    assert scores.champion_mismatch == {"missing": ["age"], "retyped": []}
    assert scores.champion_predictions is None
    features = pd.read_parquet(inputs.holdout).drop(columns=[LABEL])
    assert champion_columns(signature, features)[1] == scores.champion_mismatch


def test_a_champion_that_cannot_be_scored_is_left_to_the_evaluate_stage(
    make_job: MakeJob, tmp_path: Path
) -> None:
    broken = tmp_path / "champion.bin"
    broken.write_bytes(b"not a model")
    trained = train_one(
        make_job(
            "train:forest",
            task="classification",
            champion=ChampionModel(broken, "sklearn"),
        )
    )

    assert trained.scores is not None  # the training and its own scores stand
    assert trained.scores.champion_predictions is None
    assert trained.scores.champion_mismatch is None
    assert "scoring the champion is left to the evaluate stage" in trained.log_path.read_text()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"task": "clustering"}, r"unknown task 'clustering'"),
        ({"task": "classification", "latency_calls": -1}, r"latency_calls must be an integer"),
        (
            {"task": "classification", "champion": ChampionModel(Path("/nope.bin"), "sklearn")},
            r"the champion's model file does not exist",
        ),
    ],
)
def test_bad_scoring_options_are_refused_before_the_child_starts(
    make_job: MakeJob, options: dict[str, object], message: str
) -> None:
    job = make_job("train:forest", **options)
    with pytest.raises(UsageError, match=message):
        train_one(job)
    assert not job.work_dir.exists()
