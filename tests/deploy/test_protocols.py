"""KServe V2 and MLflow scoring against a real server process, with real clients."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest

from mlgate.config import Settings

from .helpers import COLUMNS, Server, rows, running


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[Server]:
    with running(settings, "--max-body", "200000", "--poll", "0.2") as server:
        yield server


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def test_health_and_metadata(client: httpx.Client) -> None:
    for path, body in [
        ("/v2/health/live", {"live": True}),
        ("/v2/health/ready", {"ready": True}),
        ("/v2/models/churn/ready", {"name": "churn", "ready": True}),
        ("/v2/models/churn/versions/1/ready", {"name": "churn", "ready": True}),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.json() == body
        assert response.headers["x-model-version"] == "1"
    meta = client.get("/v2/models/churn").json()
    assert [i["name"] for i in meta["inputs"]] == COLUMNS
    assert meta["inputs"][0] == {"name": "radius", "datatype": "FP64", "shape": [-1]}
    assert {o["name"] for o in meta["outputs"]} == {"predict", "predict_proba"}
    assert client.get("/v2").json()["extensions"] == ["binary_tensor_data"]
    for path in ("/ping", "/health"):
        assert client.get(path).status_code == 200
    assert client.get("/version").status_code == 200
    missing = client.get("/v2/models/other/ready")
    assert missing.status_code == 404
    assert "other" in missing.json()["error"]
    assert client.get("/v2/models/churn/versions/9/ready").status_code == 404


def test_request_id_is_honored_or_generated(client: httpx.Client) -> None:
    body = {"instances": rows(1)}
    given = client.post("/invocations", json=body, headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = client.post("/invocations", json=body)
    assert len(made.headers["x-request-id"]) == 32
    assert made.headers["x-model-version"] == "1"
    refused = client.post("/invocations", json={"nope": 1}, headers={"X-Request-ID": "r-9"})
    assert refused.status_code == 400
    assert refused.headers["x-request-id"] == "r-9"


def test_mlflow_formats_agree(client: httpx.Client, settings: Settings) -> None:
    from mlgate.registry.load import load_model

    data = rows(3, offset=10)
    frame_records = [dict(zip(COLUMNS, row, strict=True)) for row in data]
    model = load_model("churn", settings=settings)
    import pandas as pd

    expected = model.predict(pd.DataFrame(data, columns=COLUMNS)).tolist()
    payloads: list[dict[str, Any]] = [
        {"dataframe_split": {"columns": COLUMNS, "data": data}},
        {"dataframe_split": {"columns": COLUMNS, "data": data, "index": [0, 1, 2]}},
        {"dataframe_records": frame_records},
        {"instances": frame_records},
        {"instances": data},
        {"inputs": {c: [r[i] for r in data] for i, c in enumerate(COLUMNS)}},
        {"inputs": frame_records},
        {"inputs": data},
        {"dataframe_split": {"columns": COLUMNS, "data": data}, "params": {"x": 1}},
    ]
    for payload in payloads:
        response = client.post("/invocations", json=payload)
        assert response.status_code == 200, (payload, response.text)
        assert response.json() == {"predictions": expected}  # MLflow's shape
    csv = ",".join(COLUMNS) + "\n" + "\n".join(",".join(map(str, r)) for r in data)
    for content_type in ("text/csv", "text/csv; charset=utf-8"):
        response = client.post(
            "/invocations", content=csv.encode(), headers={"Content-Type": content_type}
        )
        assert response.json() == {"predictions": expected}
    raw = json.dumps(payloads[0]).encode()
    for headers in ({}, {"Content-Type": "application/json; charset=utf-8"}):
        request = client.build_request("POST", "/invocations", content=raw, headers=headers)
        request.headers.pop("Content-Type", None) if not headers else None
        assert client.send(request).json() == {"predictions": expected}


def test_v2_json_tensors(client: httpx.Client, settings: Settings) -> None:
    data = rows(2)
    columns = {
        "id": "req-7",
        "inputs": [
            {"name": c, "shape": [2], "datatype": "FP64", "data": [r[i] for r in data]}
            for i, c in enumerate(COLUMNS)
        ],
    }
    matrix = {"inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP32", "data": data}]}
    flat = {
        "model_name": "churn",  # unknown fields are ignored
        "inputs": [
            {"name": "x", "shape": [2, 4], "datatype": "FP64", "data": [v for r in data for v in r]}
        ],
        "outputs": [{"name": "predict"}, {"name": "predict_proba"}],
    }
    answers = []
    for body in (columns, matrix, flat):
        for headers in ({}, {"Content-Type": "application/octet-stream"}):
            response = client.post(
                "/v2/models/churn/infer", content=json.dumps(body).encode(), headers=headers
            )
            assert response.status_code == 200, response.text
            answers.append(response.json())
    assert answers[0]["id"] == "req-7"
    assert answers[0]["model_name"] == "churn"
    assert answers[0]["model_version"] == "1"
    assert {json.dumps(a["outputs"][0]) for a in answers} == {json.dumps(answers[0]["outputs"][0])}
    proba = answers[-1]["outputs"][1]
    assert proba["name"] == "predict_proba"
    assert proba["shape"] == [2, 2]
    versioned = client.post("/v2/models/churn/versions/1/infer", json=matrix)
    assert versioned.status_code == 200


def test_tritonclient_json_and_binary(server: Server) -> None:
    tritonclient = pytest.importorskip("tritonclient.http")
    url = server.url.removeprefix("http://")
    triton = tritonclient.InferenceServerClient(url=url)
    try:
        assert triton.is_server_live()
        assert triton.is_server_ready()
        assert triton.is_model_ready("churn")
        assert triton.get_model_metadata("churn")["name"] == "churn"
        data = np.asarray(rows(5), dtype=np.float64)
        results = []
        for binary in (False, True):
            tensor = tritonclient.InferInput("x", list(data.shape), "FP64")
            tensor.set_data_from_numpy(data, binary_data=binary)
            outputs = [
                tritonclient.InferRequestedOutput("predict", binary_data=binary),
                tritonclient.InferRequestedOutput("predict_proba", binary_data=binary),
            ]
            result = triton.infer("churn", [tensor], outputs=outputs, request_id="t-1")
            results.append(result)
            assert result.get_response()["id"] == "t-1"
        default = tritonclient.InferInput("x", list(data.shape), "FP64")
        default.set_data_from_numpy(data)  # binary by default, outputs binary too
        results.append(triton.infer("churn", [default]))
        predictions = [r.as_numpy("predict").tolist() for r in results]
        assert predictions[0] == predictions[1] == predictions[2]
        assert np.allclose(
            results[0].as_numpy("predict_proba"), results[1].as_numpy("predict_proba")
        )
        bad = tritonclient.InferInput("x", [1, 3], "FP64")
        bad.set_data_from_numpy(data[:1, :3])
        with pytest.raises(tritonclient.InferenceServerException, match="the model reads 4"):
            triton.infer("churn", [bad])
    finally:
        triton.close()


def _v2(name: str = "x", shape: Any = (1, 4), datatype: str = "FP64", data: Any = None) -> bytes:
    return json.dumps(
        {
            "inputs": [
                {
                    "name": name,
                    "shape": list(shape),
                    "datatype": datatype,
                    "data": rows(1)[0] if data is None else data,
                }
            ]
        }
    ).encode()


def _cols(**override: Any) -> dict[str, Any]:
    record: dict[str, Any] = dict(zip(COLUMNS, rows(1)[0], strict=True))
    record.update(override)
    return {k: v for k, v in record.items() if v is not ...}


# (path, body, content type or None, expected status, words the message must hold)
INFER = "/v2/models/churn/infer"
MLFLOW = "/invocations"
CORPUS: list[tuple[str, bytes, str | None, int, str]] = [
    (MLFLOW, b"{bad json", "application/json", 400, "not valid JSON"),
    (MLFLOW, b"", "application/json", 400, "not valid JSON"),
    (MLFLOW, b"\xff\xfe", "application/json", 400, "not valid JSON"),
    (MLFLOW, b"[1, 2]", "application/json", 400, "exactly one of the input fields"),
    (MLFLOW, b"42", None, 400, "exactly one of the input fields"),
    (MLFLOW, b"{}", None, 400, "exactly one of the input fields"),
    (MLFLOW, b'{"data": []}', None, 400, "'data'"),
    (MLFLOW, b'{"instances": [], "inputs": []}', None, 400, "2 input fields"),
    (MLFLOW, b'{"instances": [[1,2,3,4]], "params": 3}', None, 400, "'params'"),
    (MLFLOW, b'{"instances": []}', None, 400, "no rows"),
    (MLFLOW, b'{"instances": 5}', None, 400, "'instances' must be a list"),
    (MLFLOW, b'{"instances": [[1, 2, 3]]}', None, 400, "3 values"),
    (MLFLOW, b'{"instances": [[1, 2, 3, 4, 5]]}', None, 400, "5 values"),
    (MLFLOW, b'{"instances": [[1, 2, 3, 4], 7]}', None, 400, "instances"),
    (MLFLOW, b'{"instances": [1, 2]}', None, 400, "instances"),
    (MLFLOW, b'{"dataframe_split": []}', None, 400, "dataframe_split"),
    (MLFLOW, b'{"dataframe_split": {"columns": ["radius"]}}', None, 400, "dataframe_split.data"),
    (MLFLOW, b'{"dataframe_split": {"columns": 3, "data": [[1]]}}', None, 400, "columns"),
    (
        MLFLOW,
        b'{"dataframe_split": {"columns": ["radius", "texture"], "data": [[1]]}}',
        None,
        400,
        "dataframe_split.data[0]",
    ),
    (
        MLFLOW,
        json.dumps({"dataframe_split": {"columns": COLUMNS[:3], "data": [[1, 2, 3]]}}).encode(),
        None,
        400,
        "area",
    ),
    (MLFLOW, b'{"dataframe_records": {"radius": 1}}', None, 400, "dataframe_records"),
    (MLFLOW, b'{"dataframe_records": [1, 2]}', None, 400, "dataframe_records"),
    (MLFLOW, json.dumps({"dataframe_records": [_cols(area=...)]}).encode(), None, 400, "area"),
    (MLFLOW, json.dumps({"dataframe_records": [_cols(color=1)]}).encode(), None, 400, "color"),
    (
        MLFLOW,
        json.dumps({"dataframe_records": [_cols(radius="big")]}).encode(),
        None,
        400,
        "radius",
    ),
    (
        MLFLOW,
        json.dumps({"dataframe_records": [_cols(texture=None)]}).encode(),
        None,
        400,
        "texture",
    ),
    (MLFLOW, json.dumps({"dataframe_records": [_cols(area=[1])]}).encode(), None, 400, "area"),
    (MLFLOW, json.dumps({"dataframe_records": [_cols(area={"a": 1})]}).encode(), None, 400, "area"),
    (MLFLOW, json.dumps({"dataframe_records": [_cols(area=True)]}).encode(), None, 400, "area"),
    (MLFLOW, json.dumps({"instances": [_cols(perimeter="1.5")]}).encode(), None, 400, "perimeter"),
    (MLFLOW, b'{"instances": [[1, 2, 3, true]]}', None, 400, "area"),
    (MLFLOW, b'{"instances": [[1, 2, NaN, 4]]}', None, 400, "perimeter"),
    (MLFLOW, b'{"instances": [[1, 2, null, 4]]}', None, 400, "perimeter"),
    (
        MLFLOW,
        json.dumps({"dataframe_split": {"columns": COLUMNS, "data": [[1, "2", 3, 4]]}}).encode(),
        None,
        400,
        "texture",
    ),
    (MLFLOW, b'{"inputs": {"radius": 1}}', None, 400, "inputs.radius"),
    (MLFLOW, b'{"inputs": {"radius": [1, 2], "texture": [1]}}', None, 400, "different lengths"),
    (MLFLOW, b'{"inputs": {}}', None, 400, "no rows"),
    (MLFLOW, b'{"inputs": "x"}', None, 400, "'inputs'"),
    (MLFLOW, b'{"instances": [[1,2,3,4]]}', "text/plain", 415, "text/plain"),
    (MLFLOW, b'{"instances": [[1,2,3,4]]}', "application/xml", 415, "application/xml"),
    (MLFLOW, b'{"instances": [[1,2,3,4]]}', "application/json; charset=latin-1", 415, "latin-1"),
    (MLFLOW, b"radius,texture\n1,2\n", "text/csv", 400, "perimeter"),
    (MLFLOW, b"", "text/csv", 400, "CSV"),
    (MLFLOW, b"radius,texture,perimeter,area\n", "text/csv", 400, "no rows"),
    (MLFLOW, b"radius,texture,perimeter,area\na,b,c,d\n", "text/csv", 400, "radius"),
    (INFER, b"{bad", None, 400, "not valid JSON"),
    (INFER, b"[]", None, 400, "JSON object"),
    (INFER, b"{}", None, 400, "'inputs'"),
    (INFER, b'{"inputs": []}', None, 400, "'inputs'"),
    (INFER, b'{"inputs": [5]}', None, 400, "inputs[0]"),
    (INFER, b'{"inputs": [{"shape": [1], "datatype": "FP64", "data": [1]}]}', None, 400, "name"),
    (INFER, b'{"id": 5, "inputs": []}', None, 400, "'id'"),
    (INFER, _v2(shape=(1, 3)), None, 400, "4 values"),
    (INFER, _v2(shape=(1, 3), data=[1, 2, 3]), None, 400, "3 columns"),
    (INFER, _v2(shape=(2, 4)), None, 400, "needs 8"),
    (INFER, _v2(shape="1x4"), None, 400, "shape"),
    (INFER, _v2(shape=(-1, 4)), None, 400, "shape"),
    (INFER, _v2(datatype="FP99"), None, 400, "FP99"),
    (INFER, _v2(datatype="INT64"), None, 400, "integers"),
    (INFER, _v2(datatype="BOOL"), None, 400, "true/false"),
    (INFER, _v2(data=["a", "b", "c", "d"]), None, 400, "numbers"),
    (INFER, _v2(data=5), None, 400, "data must be a list"),
    (INFER, _v2(datatype="BYTES", data=["a", "b", "c", "d"]), None, 400, "radius"),
    (INFER, _v2(name="radius", shape=(1,), data=[1.0]), None, 400, "texture"),
    (
        INFER,
        json.dumps(
            {
                "inputs": [
                    {"name": c, "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}
                    for c in COLUMNS
                ]
            }
        ).encode(),
        None,
        400,
        "[rows, 1]",
    ),
    (
        INFER,
        json.dumps(
            {
                "inputs": [
                    {"name": "radius", "shape": [1], "datatype": "FP64", "data": [1]},
                    {"name": "texture", "shape": [2], "datatype": "FP64", "data": [1, 2]},
                ]
            }
        ).encode(),
        None,
        400,
        "2 rows",
    ),
    (
        INFER,
        json.dumps({"inputs": json.loads(_v2())["inputs"], "outputs": [{"name": "nope"}]}).encode(),
        None,
        400,
        "nope",
    ),
    (
        INFER,
        json.dumps({"inputs": json.loads(_v2())["inputs"], "outputs": 3}).encode(),
        None,
        400,
        "'outputs'",
    ),
    (
        INFER,
        json.dumps({"inputs": json.loads(_v2())["inputs"], "parameters": 3}).encode(),
        None,
        400,
        "'parameters'",
    ),
    (INFER, _v2(shape=(0, 4), data=[]), None, 400, "no rows"),
    ("/v2/models/other/infer", _v2(), None, 404, "other"),
    ("/v2/models/churn/versions/7/infer", _v2(), None, 404, "version '7'"),
    (MLFLOW, b"x" * 200_001, None, 413, "limit"),
    (INFER, b"x" * 200_001, None, 413, "limit"),
]


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 50


@pytest.mark.parametrize(
    ("path", "body", "content_type", "status", "words"),
    CORPUS,
    ids=[f"{i}-{c[0].strip('/').split('/')[-1]}-{c[3]}" for i, c in enumerate(CORPUS)],
)
def test_malformed_request(
    client: httpx.Client, path: str, body: bytes, content_type: str | None, status: int, words: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    request = client.build_request("POST", path, content=body, headers=headers)
    if content_type is None:
        request.headers.pop("Content-Type", None)
    response = client.send(request)
    assert response.status_code == status, response.text
    document = response.json()
    message = document.get("error") or document.get("message")
    assert words in message, message
    assert "Traceback" not in response.text
    assert response.headers["x-request-id"]


def test_binary_tensor_mistakes(client: httpx.Client) -> None:
    head = json.dumps(
        {
            "inputs": [
                {
                    "name": "x",
                    "shape": [1, 4],
                    "datatype": "FP64",
                    "parameters": {"binary_data_size": 32},
                }
            ]
        }
    ).encode()
    payload = np.asarray(rows(1), dtype=np.float64).tobytes()
    ok = client.post(
        INFER, content=head + payload, headers={"Inference-Header-Content-Length": str(len(head))}
    )
    assert ok.status_code == 200, ok.text
    cases = [
        (head + payload[:16], str(len(head)), "only 16 bytes"),
        (head + payload + b"xx", str(len(head)), "2 bytes follow"),
        (head + payload, "abc", "not a number"),
        (head + payload, str(len(head) + 10_000), "does not fit"),
    ]
    for body, header, words in cases:
        response = client.post(
            INFER, content=body, headers={"Inference-Header-Content-Length": header}
        )
        assert response.status_code == 400
        assert words in response.json()["error"]


def test_unknown_paths_and_methods(client: httpx.Client) -> None:
    missing = client.get("/nope")
    assert missing.status_code == 404
    assert "/nope" in missing.json()["error"]
    wrong = client.get("/invocations")
    assert wrong.status_code == 405
    assert "GET" in wrong.json()["error"]


def test_metrics(client: httpx.Client) -> None:
    client.post("/invocations", json={"instances": rows(1)})
    text = client.get("/metrics").text
    assert 'mlgate_requests_total{code="200",protocol="mlflow",route="primary"}' in text
    assert "mlgate_request_seconds_bucket" in text
    assert 'mlgate_model_version{model="churn",route="primary"} 1.0' in text
    assert "mlgate_request_errors_total" in text
    assert "mlgate_model_swaps_total" in text or "mlgate_model_swaps" in text
