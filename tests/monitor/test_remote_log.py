"""A prediction log beside a remote artifact store: with ``MLGATE_STORE=s3://…`` the
server's writer uploads whole segments under ``<store>/predictions/NAME``, and monitoring,
canary decisions and labels read them there, with the same results as a local log. The
S3 server is moto on 127.0.0.1 (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np
import pytest

from mlgate.config import Settings
from mlgate.deploy.predlog import read_log, remote_segments
from mlgate.deploy.run import log_folder, log_location
from mlgate.monitor import add_labels, monitor
from mlgate.monitor._log import log_segments, segment_rows
from mlgate.spec import Window

from ..deploy import helpers as deploy
from .helpers import NAME, features, labels_of, make_project, register, truth, write_log


def _logged_project(root: Path, monkeypatch: pytest.MonkeyPatch, store: str | None) -> Settings:
    """A project whose log holds the same 1,200 rows, half of them labelled from a file."""
    if store is None:
        monkeypatch.delenv("MLGATE_STORE", raising=False)
    else:
        monkeypatch.setenv("MLGATE_STORE", store)
    settings = make_project(root)
    register(settings, features(2000, seed=1))
    live = features(1200, seed=2, shift={"x1": 0.6})
    wrong = np.random.default_rng(3).random(1200) < 0.2
    found = write_log(
        settings,
        live,
        np.where(wrong, 1 - truth(live), truth(live)),
        version=1,
        batch=10,
    )
    labels = root / "labels.csv"
    rows = "".join(f"{r},{n},{v}\n" for r, n, v in labels_of(found)[:600])
    labels.write_text("request_id,row,label\n" + rows)
    added = add_labels(labels, model=NAME, settings=settings)
    assert (added.inserted, added.unmatched) == (600, 0)  # every id was found in the log
    return settings


def test_the_log_follows_an_s3_store_and_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_bucket: str
) -> None:
    store = f"s3://{s3_bucket}/store"
    remote = _logged_project(tmp_path / "remote", monkeypatch, store)
    local = _logged_project(tmp_path / "local", monkeypatch, None)

    monkeypatch.setenv("MLGATE_STORE", store)
    where = log_location(remote, NAME)
    assert where == f"{store}/predictions/{NAME}"
    assert log_location(local, NAME) == log_folder(local, NAME)
    assert not log_folder(remote, NAME).exists()  # nothing was written locally
    segments = remote_segments(str(where))
    assert len(segments) == len(log_segments(log_folder(local, NAME))) > 1
    assert all(str(s).startswith(f"{where}/") and s.name.endswith(".parquet") for s in segments)
    assert sum(segment_rows(s) for s in log_segments(where)) == 1200
    assert len(read_log(where)) == len(read_log(log_folder(local, NAME))) == 1200

    window = Window(count=400)
    ours = monitor(NAME, settings=remote, window=window)
    monkeypatch.delenv("MLGATE_STORE")
    theirs = monitor(NAME, settings=local, window=window)
    assert [w.to_dict()["metrics"] for w in ours.windows] == [
        w.to_dict()["metrics"] for w in theirs.windows
    ]
    assert [w.drifted_columns for w in ours.windows] == [w.drifted_columns for w in theirs.windows]
    assert [w.labelled for w in ours.windows] == [400, 200, 0]
    assert "x1" in ours.windows[0].drifted_columns


def test_no_remote_log_yet_is_no_traffic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_bucket: str
) -> None:
    monkeypatch.setenv("MLGATE_STORE", f"s3://{s3_bucket}/store")
    settings = make_project(tmp_path / "proj")
    register(settings, features(200, seed=1))
    assert log_segments(log_location(settings, NAME)) == []
    report = monitor(NAME, settings=settings)
    assert report.windows == ()
    assert report.note.startswith(f"no predictions logged for {NAME} yet")


def test_a_server_with_an_s3_store_logs_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_bucket: str
) -> None:
    store = f"s3://{s3_bucket}/store"
    monkeypatch.setenv("MLGATE_STORE", store)  # the server process inherits it
    settings = deploy.make_project(tmp_path / "proj")
    deploy.register(settings)  # the model's bytes go to S3 too
    with deploy.running(settings) as server:
        for index in range(10):
            body = {"dataframe_split": {"columns": deploy.COLUMNS, "data": deploy.rows(3, index)}}
            response = httpx.post(
                f"{server.url}/invocations", json=body, headers={"X-Request-ID": f"s{index}"}
            )
            assert response.status_code == 200, response.text
        labels = [{"request_id": f"s{i}", "row": 0, "label": 1} for i in range(10)]
        stored = httpx.post(f"{server.url}/v2/models/churn/feedback", json={"labels": labels})
        assert stored.json()["inserted"] == 10
    assert not log_folder(settings, "churn").exists()
    logged = read_log(f"{store}/predictions/churn")
    assert len(logged) == 30
    assert set(logged["request_id"]) == {f"s{i}" for i in range(10)}
    (window,) = monitor("churn", settings=settings, window=Window(count=30)).windows
    assert (window.rows, window.labelled) == (30, 10)


def test_a_reader_sees_segments_added_after_it_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_bucket: str
) -> None:
    """A monitor or a waiting script lists the log again and again while servers (other
    processes) add to it: s3fs keeps folder listings, so an old one must never hide a new
    segment."""
    import s3fs

    monkeypatch.setenv("MLGATE_STORE", f"s3://{s3_bucket}/store")
    settings = make_project(tmp_path / "proj")
    where = str(log_location(settings, NAME))
    server = s3fs.S3FileSystem(skip_instance_cache=True)  # another writer than the reader's
    seen = []
    for number in range(3):
        live = features(100, seed=number)
        local = make_project(tmp_path / f"segment-{number}").replace(store=None)
        write_log(local, live, truth(live), version=1, prefix=f"s{number}-", segment=100)
        (segment,) = log_segments(log_folder(local, NAME))
        day = segment.parent.name
        server.put_file(str(segment), f"{where.removeprefix('s3://')}/{day}/{segment.name}")
        seen.append(sum(segment_rows(s) for s in log_segments(where)))
    assert seen == [100, 200, 300]
