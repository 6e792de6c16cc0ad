"""Canary decisions from the live labelled rows of the canary and primary routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mlgate.config import Settings
from mlgate.errors import ConfigError
from mlgate.monitor import decide_canary
from mlgate.store.stores import open_stores

from .helpers import (
    NAME,
    add_labels,
    features,
    labels_of,
    make_project,
    register,
    truth,
    write_log,
    write_spec,
)

CANARY = {"min_requests": 300, "metric": "accuracy", "max_drop": 0.02}


def _deploy(**production: Any) -> dict[str, Any]:
    policy = {"strategy": "canary", "traffic": 0.5, "canary": CANARY}
    return {"production": {**policy, **production}}


def _canary(tmp_path: Path, rates: tuple[float, float], **production: Any) -> Settings:
    """v1 in production and v2 the candidate, right ``rates`` of the time, 600 one-row
    requests each, every one labelled; ``production`` then changes the deploy policy."""
    settings = make_project(tmp_path / "proj", deploy=_deploy())
    register(settings, features(1000, seed=1))
    register(settings, features(1000, seed=1), alias="candidate")
    found = []
    primary, canary = rates
    for version, route, accuracy, seed in ((1, "primary", primary, 2), (2, "canary", canary, 3)):
        live = features(600, seed=seed)
        wrong = np.random.default_rng(seed).random(600) > accuracy
        outputs = np.where(wrong, 1 - truth(live), truth(live))
        found += write_log(settings, live, outputs, version=version, route=route)
    add_labels(settings, labels_of(found))
    if production:
        write_spec(settings.project, deploy=_deploy(**production))
    return settings


def _aliases(settings: Settings) -> dict[str, int]:
    with open_stores(settings) as stores:
        model = stores.metadata.get_model(NAME)
    assert model is not None
    return dict(model.aliases)


def test_a_worse_canary_is_aborted(tmp_path: Path) -> None:
    settings = _canary(tmp_path, (0.9, 0.7))
    verdict = decide_canary(NAME, settings=settings)
    assert verdict is not None
    assert (verdict.decision, verdict.state) == ("abort", "moved")
    assert (verdict.primary, verdict.candidate, verdict.metric) == (1, 2, "accuracy")
    assert (verdict.canary_requests, verdict.canary_labelled, verdict.primary_labelled) == (
        600,
        600,
        600,
    )
    assert verdict.difference is not None
    assert verdict.difference.high < -0.02
    assert verdict.sentence.startswith("canary aborted: accuracy 0.")
    assert "worse by more than 0.02 → candidate of churn now points at v1 (was v2)" in (
        verdict.sentence
    )
    assert _aliases(settings) == {"production": 1, "candidate": 1}
    assert decide_canary(NAME, settings=settings) is None  # no canary any more


def test_a_better_canary_is_promoted(tmp_path: Path) -> None:
    settings = _canary(tmp_path, (0.85, 0.97))
    verdict = decide_canary(NAME, settings=settings)
    assert verdict is not None
    assert (verdict.decision, verdict.state) == ("promote", "moved")
    assert verdict.difference is not None
    assert verdict.difference.low >= -0.02
    assert verdict.difference.estimate > 0.05  # the canary is better: a positive improvement
    assert "production of churn now points at v2 (was v1)" in verdict.sentence
    assert _aliases(settings) == {"production": 2, "candidate": 2}
    with open_stores(settings) as stores:
        [move] = stores.metadata.alias_moves(NAME, alias="production")[-1:]
    assert move.reason is not None
    assert move.reason.startswith("automatic canary decision: accuracy")


def test_a_required_approval_is_still_required(tmp_path: Path) -> None:
    settings = _canary(tmp_path, (0.85, 0.97), approvals=1, approvers=["bob"])
    verdict = decide_canary(NAME, settings=settings)
    assert verdict is not None
    assert (verdict.decision, verdict.state) == ("promote", "pending")
    assert "churn v2 → production needs 1 approval from bob" in verdict.sentence
    assert _aliases(settings) == {"production": 1, "candidate": 2}
    again = decide_canary(NAME, settings=settings)  # asking again reuses the open request
    assert again is not None
    assert again.state == "pending"
    with open_stores(settings) as stores:
        assert len(stores.metadata.list_approvals(NAME)) == 1


def test_waits_for_requests_and_for_a_clear_difference(tmp_path: Path) -> None:
    settings = _canary(tmp_path, (0.9, 0.9), canary={**CANARY, "min_requests": 1000})
    verdict = decide_canary(NAME, settings=settings)
    assert verdict is not None
    assert (verdict.decision, verdict.state) == ("wait", "waiting")
    assert (
        verdict.sentence == "canary v2 has served 600 of the 1000 requests needed before a decision"
    )
    write_spec(settings.project, deploy=_deploy(canary={**CANARY, "max_drop": 0.0}))
    close = decide_canary(NAME, settings=settings)
    assert close is not None
    assert close.decision == "wait"
    assert close.sentence.startswith("inconclusive, waiting for more labels: accuracy")
    assert _aliases(settings) == {"production": 1, "candidate": 2}


def test_nothing_to_decide_without_a_canary(tmp_path: Path) -> None:
    settings = make_project(tmp_path / "proj")  # strategy: direct
    register(settings, features(100, seed=1))
    assert decide_canary(NAME, settings=settings) is None
    register(settings, features(100, seed=1), alias="candidate")
    write_spec(settings.project, deploy=_deploy(canary={**CANARY, "metric": "mae"}))
    with pytest.raises(ConfigError, match=r"'mae' is a regression metric, but evaluate\.task is"):
        decide_canary(NAME, settings=settings)
    write_spec(
        settings.project,
        deploy=_deploy(canary={**CANARY, "metric": "lift"}),
        evaluate={"metrics": ["accuracy", "lift"], "custom_metrics": {"lift": "lift:lift"}},
    )
    with pytest.raises(ConfigError, match="the canary cannot be judged on 'lift'") as caught:
        decide_canary(NAME, settings=settings)
    assert "it is a custom metric" in caught.value.message
    assert _aliases(settings) == {"production": 1, "candidate": 2}


def test_the_daemon_promotes_a_better_canary_and_logs_the_decision(tmp_path: Path) -> None:
    from mlgate.triggers import watch

    settings = _canary(tmp_path, (0.7, 0.92))
    lines: list[str] = []
    result = watch(settings=settings, once=True, say=lines.append)
    (decision,) = [d for d in result.decisions if d.kind == "canary"]
    assert decision.action == "canary"
    assert decision.evidence["decision"] == "promote"
    assert "production of churn now points at v2" in decision.sentence
    assert any("canary: " in line and "v2" in line for line in lines)
    assert _aliases(settings)["production"] == 2
    assert result.runs == ()
