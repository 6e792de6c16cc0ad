"""Latency and size are measured on a real model and real files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from skops.io import dump

from mlgate.errors import ConfigError, DataError, NotFoundError
from mlgate.validate import LatencySample, measure_budgets, measure_latency, model_size_mb


@pytest.fixture(scope="module")
def fitted() -> tuple[LogisticRegression, pd.DataFrame]:
    data = load_breast_cancer(as_frame=True)
    model = LogisticRegression(max_iter=5000).fit(data.data, data.target)
    return model, data.data


def test_single_row_latency_of_a_real_model(
    fitted: tuple[LogisticRegression, pd.DataFrame],
) -> None:
    model, frame = fitted
    sample = measure_latency(model, frame, calls=300, warmup=5)
    assert sample.calls == 300
    assert 0 < sample.p50 <= sample.p99
    ci = sample.interval(0.99, resamples=500)
    assert ci.low <= sample.p99 <= ci.high
    assert ci.method == "percentile"


def test_rows_may_be_an_array() -> None:
    x, y = load_breast_cancer(return_X_y=True)
    model = LogisticRegression(max_iter=5000).fit(x, y)
    assert measure_latency(model, x, calls=20).calls == 20


def test_model_size_of_a_file_and_of_a_folder(
    tmp_path: Path, fitted: tuple[LogisticRegression, pd.DataFrame]
) -> None:
    model, frame = fitted
    path = tmp_path / "model.skops"
    dump(model, path)
    size = model_size_mb(path)
    assert size == path.stat().st_size / 1e6
    folder = tmp_path / "saved"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.bin").write_bytes(b"x" * 1_000_000)
    (folder / "sub" / "b.bin").write_bytes(b"x" * 500_000)
    assert model_size_mb(folder) == 1.5
    budgets = measure_budgets(model, frame, model_path=path, calls=10)
    assert budgets.model_size_mb == size
    assert budgets.latency is not None


def test_missing_model_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        model_size_mb(tmp_path / "nope.skops")


def test_a_model_without_predict_is_refused() -> None:
    with pytest.raises(DataError, match=r"the model \(object\) has no predict method"):
        measure_latency(object(), np.zeros((3, 2)))


def test_a_predict_that_fails_on_one_row_is_a_data_error(
    fitted: tuple[LogisticRegression, pd.DataFrame],
) -> None:
    model, frame = fitted
    with pytest.raises(DataError, match="predict failed on a single row") as caught:
        measure_latency(model, frame.iloc[:, :3], calls=5)
    assert isinstance(caught.value.__cause__, ValueError)


def test_no_rows_to_time() -> None:
    class Model:
        def predict(self, rows: object) -> object:
            return rows

    with pytest.raises(DataError, match="no rows to time"):
        measure_latency(Model(), np.zeros((0, 2)))


def test_latency_interval_checks_confidence() -> None:
    with pytest.raises(ConfigError, match="confidence"):
        LatencySample(np.ones(10)).interval(0.5, confidence=1.0)


def test_the_gates_decide_how_many_calls_are_timed() -> None:
    from mlgate.spec import AbsoluteGate, BudgetGate
    from mlgate.validate.budgets import P50_CALLS, P99_CALLS, latency_calls

    accuracy = AbsoluteGate(metric="accuracy", min=0.9)
    size = BudgetGate(model_size_mb=5)
    assert latency_calls([accuracy, size]) == 0  # no latency budget: nothing is timed
    assert latency_calls([BudgetGate(latency_ms_p50=5), size]) == P50_CALLS == 100
    assert latency_calls([BudgetGate(latency_ms_p50=5), BudgetGate(latency_ms_p99=9)]) == P99_CALLS
    # with n calls the slowest bounds the p99 with probability 1 - 0.99**n: 95 % needs 299
    assert 1 - 0.99 ** (P99_CALLS - 2) < 0.95 <= 1 - 0.99**P99_CALLS
