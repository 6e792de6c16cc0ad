"""The hot path: all-number rows scored as an array, the prediction log of arrays, and the
raw ASGI endpoints (a crash is still a 500 without a traceback, a client gone is no answer)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlgate.config import Settings
from mlgate.deploy.model import ServedModel, _reads_arrays, load_served
from mlgate.deploy.predlog import LogRecord, PredictionLog, read_log
from mlgate.deploy.protocols import mlflow, v2
from mlgate.deploy.server import create_app
from mlgate.deploy.validation import CheckedRows, check_frame
from mlgate.store.stores import open_stores
from mlgate.train.signature import infer_signature

from .helpers import COLUMNS, rows, training_frame


def _fitted(model: Any) -> tuple[Any, Any, pd.DataFrame, np.ndarray[Any, Any]]:
    frame = training_frame()
    model.fit(frame[COLUMNS], frame["target"])
    signature = infer_signature(frame, label="target")
    warm = pd.DataFrame([[0.0] * len(COLUMNS)], columns=COLUMNS)
    return model, signature, warm, np.asarray(model.predict(warm))


def test_only_plain_scikit_learn_models_read_arrays() -> None:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    plain = [
        LogisticRegression(max_iter=500),
        make_pipeline(StandardScaler(), LogisticRegression()),
    ]
    for model in plain:
        assert _reads_arrays(*_fitted(model)), model
    by_name = ColumnTransformer([("scale", StandardScaler(), COLUMNS)])
    users_code = FunctionTransformer(lambda x: x)
    for step in (by_name, users_code):
        model = make_pipeline(step, LogisticRegression())
        assert not _reads_arrays(*_fitted(model)), model

    class Wrapped(LogisticRegression):  # a class of the user's, not scikit-learn's
        pass

    assert not _reads_arrays(*_fitted(Wrapped()))
    model, signature, warm, expected = _fitted(LogisticRegression())
    shuffled = warm[COLUMNS[::-1]]
    model.fit(training_frame()[COLUMNS[::-1]], training_frame()["target"])
    assert not _reads_arrays(model, signature, shuffled, expected)  # fitted in another order


def test_checked_rows_score_as_the_frame_does(settings: Settings) -> None:
    with open_stores(settings) as stores:
        served = load_served(stores, "churn", 1)
    assert served.array_input
    body = json.dumps({"dataframe_split": {"columns": COLUMNS, "data": rows(20)}}).encode()
    checked, _ = mlflow.parse_invocation(served, body, "application/json")
    assert isinstance(checked, CheckedRows)
    assert check_frame(served, checked) is checked
    frame = pd.DataFrame(rows(20), columns=COLUMNS)
    np.testing.assert_array_equal(served.predict(checked), served.model.predict(frame))
    np.testing.assert_array_equal(served.predict_proba(checked), served.model.predict_proba(frame))
    tensor = {"inputs": [{"name": c, "shape": [20], "datatype": "FP64"} for c in COLUMNS]}
    for index, spec in enumerate(tensor["inputs"]):
        spec["data"] = [row[index] for row in rows(20)]
    parsed = v2.parse_infer(served, json.dumps(tensor).encode(), None)
    assert isinstance(parsed.frame, CheckedRows)
    np.testing.assert_array_equal(parsed.frame.values, checked.values)
    # another model (a shadow candidate) checks the rows as a frame
    other = ServedModel("churn", 2, served.model, served.signature, 0.0, array_input=True)
    again = check_frame(other, checked)
    assert isinstance(again, pd.DataFrame)
    assert list(again.columns) == COLUMNS


def test_the_log_keeps_arrays_and_frames(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path / "log", flush_every=60)
    log.start()
    now = time.time()
    values = np.asarray(rows(3), dtype=np.float64)
    log.append(
        LogRecord("a", now, "churn", 1, "primary", values, np.array([1, 0, 1]), tuple(COLUMNS))
    )
    log.append(
        LogRecord("b", now, "churn", 1, "primary", pd.DataFrame(rows(1), columns=COLUMNS), [0])
    )
    log.close()
    frame = read_log(tmp_path / "log")
    assert list(frame.request_id) == ["a", "a", "a", "b"]
    assert list(frame.row) == [0, 1, 2, 0]
    assert list(frame.output) == [1, 0, 1, 0]
    assert frame[f"input.{COLUMNS[0]}"].tolist() == [r[0] for r in rows(3)] + [rows(1)[0][0]]
    probabilities = PredictionLog(tmp_path / "proba", flush_every=60)
    probabilities.start()
    two_d = np.array([[0.25, 0.75]])
    probabilities.append(
        LogRecord("c", now, "churn", 1, "primary", values[:1], two_d, tuple(COLUMNS))
    )
    probabilities.close()
    assert read_log(tmp_path / "proba").output.tolist()[0] == pytest.approx([0.25, 0.75])


class _Broken:
    def predict(self, frame: Any) -> Any:
        raise RuntimeError("the model fell over")


def _call(
    app: Any, messages: list[dict[str, Any]], sent: list[Any], path: str = "/invocations"
) -> None:
    """One request through the ASGI app in this process; what it sends goes to ``sent``."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"x-request-id", b"r-1")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))


def test_raw_endpoints_crash_and_disconnect_like_starlette(settings: Settings) -> None:
    with open_stores(settings) as stores:
        good = load_served(stores, "churn", 1)
    broken = create_app(ServedModel("churn", 1, _Broken(), good.signature, 0.0))
    mlflow_body = json.dumps({"instances": rows(1)}).encode()
    v2_body = json.dumps(
        {"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP64", "data": rows(1)}]}
    ).encode()
    # the short paths go straight to the endpoints, the versioned one through Starlette
    for path, body in [
        ("/invocations", mlflow_body),
        ("/v2/models/churn/infer", v2_body),
        ("/v2/models/churn/versions/1/infer", v2_body),
    ]:
        sent: list[Any] = []
        with pytest.raises(RuntimeError, match="fell over"):  # re-raised for uvicorn's log
            _call(broken, [{"type": "http.request", "body": body}], sent, path)
        start, answer = sent
        assert start["status"] == 500, path
        assert (b"x-request-id", b"r-1") in start["headers"]
        document = json.loads(answer["body"])
        assert document == {"error": "internal error (RuntimeError); see the server log"}
    gone: list[Any] = []
    partial = {"type": "http.request", "body": b'{"instances": ', "more_body": True}
    _call(create_app(good), [partial, {"type": "http.disconnect"}], gone)
    assert gone == []
    answered: list[Any] = []
    _call(create_app(good), [{"type": "http.request", "body": mlflow_body}], answered)
    assert answered[0]["status"] == 200
    assert dict(answered[0]["headers"])[b"x-model-route"] == b"primary"
    assert json.loads(answered[1]["body"])["predictions"] in ([0], [1])
