"""``POST /v2/models/{name}/feedback`` on a real model server, then monitoring its log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from mlgate.config import Settings
from mlgate.deploy.predlog import read_log
from mlgate.deploy.run import log_folder
from mlgate.monitor import monitor
from mlgate.spec import Window
from mlgate.store.stores import open_stores

from ..deploy.helpers import COLUMNS, make_project, register, rows, running, training_frame


def _labels(settings: Settings) -> dict[tuple[str, int], Any]:
    with open_stores(settings) as stores:
        return {(r, n): v for r, n, v in stores.metadata.get_labels("churn")}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "the body is not JSON"),
        (b'{"label": 1}', 422, "request_id is missing"),
        (b'{"request_id": "", "label": 1}', 422, "request_id must be a non-empty string"),
        (b'{"request_id": "a"}', 422, "label is missing"),
        (b'{"request_id": "a", "label": [1]}', 422, "label must be a string, a number"),
        (b'{"request_id": "a", "label": 1, "row": -1}', 422, "row must be a whole number"),
        (b'{"request_id": "a", "lable": 1}', 422, "lable is not a field"),
        (b'{"labels": []}', 422, "labels must be a non-empty list"),
        (
            b'{"labels": [{"request_id": "a", "label": 1}, {"request_id": "b"}]}',
            422,
            r"labels\[1\].label is missing",
        ),
    ],
)
def test_parse_errors_name_the_field(body: bytes, status: int, message: str) -> None:
    from mlgate.deploy.feedback import parse_feedback
    from mlgate.deploy.validation import BadRequest

    with pytest.raises(BadRequest, match=message) as caught:
        parse_feedback(body)
    assert caught.value.status == status


def test_feedback_on_a_real_server(tmp_path: Path) -> None:
    settings = make_project(tmp_path / "proj")
    register(settings)
    frame = training_frame()
    data = rows(40)
    with running(settings) as server:
        for index in range(20):  # 20 requests of two rows
            response = httpx.post(
                f"{server.url}/invocations",
                json={
                    "dataframe_split": {"columns": COLUMNS, "data": data[2 * index : 2 * index + 2]}
                },
                headers={"X-Request-ID": f"req-{index}"},
            )
            assert response.status_code == 200, response.text
        url = f"{server.url}/v2/models/churn/feedback"
        one = httpx.post(url, json={"request_id": "req-0", "label": 1})
        assert one.status_code == 200, one.text
        assert one.json() == {"received": 1, "inserted": 1, "replaced": 0}
        assert one.headers["x-model-version"] == "1"
        labels = [
            {"request_id": f"req-{i}", "row": row, "label": int(frame["target"].iloc[2 * i + row])}
            for i in range(20)
            for row in (0, 1)
        ]
        many = httpx.post(url, json={"labels": labels})
        assert many.json() == {"received": 40, "inserted": 39, "replaced": 1}
        stored = _labels(settings)
        for body, status, text in [
            (b"[1, 2", 400, "the body is not JSON"),
            (b'{"labels": [{"request_id": "req-1", "label": 0}, {"label": 1}]}', 422,
             "labels[1].request_id is missing"),
        ]:  # fmt: skip
            bad = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
            assert bad.status_code == status
            assert text in bad.json()["error"]
        other = httpx.post(f"{server.url}/v2/models/other/feedback", json=labels[0])
        assert other.status_code == 404
        assert "unknown model 'other'" in other.json()["error"]
        assert _labels(settings) == stored  # the bad bodies changed nothing
    # the default metrics include roc_auc, so the server kept class scores
    assert read_log(log_folder(settings, "churn"))["score"].between(0.0, 1.0).all()
    report = monitor("churn", settings=settings, window=Window(count=40))
    [window] = report.windows
    assert (window.rows, window.requests, window.labelled) == (40, 20, 40)
    assert 0.7 < window.metrics["accuracy"].estimate <= 1.0


def test_the_next_feedback_call_recovers_from_a_broken_store(tmp_path: Path) -> None:
    """The server keeps its stores open between feedback calls and goes on after one fails.
    (A known storage failure, such as a locked or full database, is a 503; this one, a table
    gone, is an internal error.)"""
    import sqlite3

    settings = make_project(tmp_path / "proj")
    register(settings)
    database = settings.state_dir / "mlgate.db"

    def alter(statement: str) -> None:
        connection = sqlite3.connect(database)
        try:
            with connection:
                connection.execute(statement)
        finally:
            connection.close()

    with running(settings) as server:
        url = f"{server.url}/v2/models/churn/feedback"
        assert httpx.post(url, json={"request_id": "a", "label": 1}).status_code == 200
        alter("ALTER TABLE labels RENAME TO labels_away")  # the server's store breaks
        broken = httpx.post(url, json={"request_id": "b", "label": 0})
        assert broken.status_code == 500
        assert broken.json()["error"] == "internal error (OperationalError); see the server log"
        alter("ALTER TABLE labels_away RENAME TO labels")
        again = httpx.post(url, json={"request_id": "c", "label": 1})
        assert again.status_code == 200, again.text
    assert _labels(settings) == {("a", 0): 1, ("c", 0): 1}
