"""Canary share and stickiness, shadow mirroring, and ending a canary from the CLI."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from mlgate.config import Settings
from mlgate.deploy.predlog import read_log
from mlgate.deploy.routing import Routing, bucket, choose
from mlgate.deploy.run import log_folder

from .helpers import make_project, register, rows, running


def test_bucket_is_stable_and_uniform() -> None:
    assert bucket("abc") == bucket("abc")
    values = [bucket(f"id-{i}") for i in range(20_000)]
    assert all(0 <= v < 1 for v in values)
    assert abs(sum(v < 0.1 for v in values) / len(values) - 0.1) < 0.01


def test_choose() -> None:
    canary = Routing("canary", 0.5)
    shadow = Routing("shadow", 1.0)
    assert choose(Routing(), "x", has_candidate=True) == ("primary", False)
    assert choose(canary, "x", has_candidate=False) == ("primary", False)
    assert choose(shadow, "x", has_candidate=True) == ("primary", True)
    routes = {choose(canary, f"r{i}", has_candidate=True)[0] for i in range(50)}
    assert routes == {"primary", "canary"}


def _canary_project(root: Path, strategy: str, traffic: float) -> Settings:
    settings = make_project(
        root,
        {"strategy": strategy, "traffic": traffic, "prediction_log": {"flush_every": "1s"}},
    )
    register(settings)  # v1 production
    register(settings, seed=3, alias="candidate")  # v2 candidate
    return settings


def test_canary_share_and_stickiness(tmp_path: Path) -> None:
    settings = _canary_project(tmp_path / "proj", "canary", 0.1)
    body = {"instances": rows(1)}
    with running(settings, "--poll", "0.2") as server, httpx.Client(base_url=server.url) as client:
        versions = [
            client.post("/invocations", json=body).headers["x-model-version"] for _ in range(2000)
        ]
        share = versions.count("2") / len(versions)
        assert abs(share - 0.1) <= 0.03, share
        for request_id in ("user-1", "user-2", "user-3", "user-4"):
            seen = {
                client.post(
                    "/invocations", json=body, headers={"X-Request-ID": request_id}
                ).headers["x-model-version"]
                for _ in range(5)
            }
            assert len(seen) == 1
            expected = "2" if bucket(request_id) < 0.1 else "1"
            assert seen == {expected}
        routes = client.post("/invocations", json=body, headers={"X-Request-ID": "user-1"}).headers[
            "x-model-route"
        ]
        assert routes in {"primary", "canary"}
        # abort from the CLI: the candidate alias moves back, the canary stops
        assert _cli(settings, "deploy", "abort", "churn") == 0
        time.sleep(0.8)
        after = {
            client.post("/invocations", json=body).headers["x-model-version"] for _ in range(200)
        }
        assert after == {"1"}
        assert _cli(settings, "deploy", "abort", "churn") == 2  # no canary any more


def _cli(settings: Settings, *args: str) -> int:
    from mlgate.cli.app import main

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLGATE_PROJECT", str(settings.project))
        patch.setenv("MLGATE_USER", "ci")
        return main(list(args))


def test_deploy_promote_moves_production(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _canary_project(tmp_path / "proj", "canary", 0.2)
    assert _cli(settings, "deploy", "promote", "churn") == 0
    assert "now points at v2" in capsys.readouterr().out
    from mlgate.store.stores import open_stores

    with open_stores(settings) as stores:
        assert stores.metadata.get_alias("churn", "production").version == 2  # type: ignore[union-attr]
    assert _cli(settings, "deploy", "promote", "churn") == 2
    assert "has no canary" in capsys.readouterr().err
    assert _cli(settings, "deploy", "promote", "nosuch") == 2
    assert "nosuch" in capsys.readouterr().err


def test_shadow_never_changes_the_primary_answer(tmp_path: Path) -> None:
    settings = _canary_project(tmp_path / "proj", "shadow", 1.0)
    import pandas as pd

    from mlgate.registry.load import load_model

    from .helpers import COLUMNS

    primary = load_model("churn", settings=settings)
    data = rows(40)
    expected = primary.predict(pd.DataFrame(data, columns=COLUMNS)).tolist()
    with running(settings, "--poll", "0.2") as server, httpx.Client(base_url=server.url) as client:
        answers = []
        for index in range(40):
            response = client.post(
                "/invocations",
                json={"instances": [data[index]]},
                headers={"X-Request-ID": f"s-{index}"},
            )
            assert response.headers["x-model-version"] == "1"
            assert response.headers["x-model-route"] == "primary"
            answers.append(response.json()["predictions"][0])
        assert answers == expected
    log = read_log(log_folder(settings, "churn"))
    assert set(log.route) == {"primary", "shadow"}
    assert set(log[log.route == "shadow"].version) == {2}
    assert set(log[log.route == "primary"].version) == {1}
    assert (log.route == "shadow").sum() == 40
    # both answers are logged under the same request id
    assert set(log[log.route == "shadow"].request_id) == set(log[log.route == "primary"].request_id)
