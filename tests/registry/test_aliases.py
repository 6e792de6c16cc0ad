"""Aliases: promote, history, rollback; every move recorded, bad moves change nothing."""

from __future__ import annotations

import pytest

import mlgate.registry as registry
from mlgate.config import Settings
from mlgate.errors import ConflictError, NotFoundError, UsageError

from .helpers import dump, register


def _three(settings: Settings) -> None:
    for _ in range(3):
        register(settings)


def test_promote_moves_and_records(settings: Settings) -> None:
    _three(settings)
    first = registry.promote("churn", 1, to="production", reason="first", settings=settings)
    assert first.state == "moved"
    assert first.move is not None
    assert first.move.from_version is None
    again = registry.promote("churn", 1, to="production", settings=settings)
    assert again.state == "unchanged"
    moves = registry.history("churn", settings=settings)
    assert [(m.alias, m.from_version, m.to_version, m.kind, m.actor, m.reason) for m in moves] == [
        ("production", None, 1, "promote", "ci", "first")
    ]


def test_rollback_after_two_promotions(settings: Settings) -> None:
    _three(settings)
    registry.promote("churn", 1, to="production", settings=settings)
    registry.promote("churn", 2, to="production", settings=settings)
    back = registry.rollback("churn", alias="production", reason="p99 latency", settings=settings)
    assert (back.version, back.state) == (1, "moved")
    assert registry.models(settings=settings)[0].aliases == {"production": 1}
    moves = registry.history("churn", alias="production", settings=settings)
    assert [(m.from_version, m.to_version, m.kind) for m in moves] == [
        (None, 1, "promote"),
        (1, 2, "promote"),
        (2, 1, "rollback"),
    ]
    assert moves[-1].reason == "p99 latency"
    assert registry.verify_audit(settings=settings).ok


def test_rollbacks_walk_back_through_history(settings: Settings) -> None:
    _three(settings)
    for version in (1, 2, 3):
        registry.promote("churn", version, to="production", settings=settings)
    assert registry.rollback("churn", settings=settings).version == 2
    assert registry.rollback("churn", settings=settings).version == 1
    before = dump(settings)
    with pytest.raises(ConflictError, match="has no previous version to roll back to"):
        registry.rollback("churn", settings=settings)
    assert dump(settings) == before
    assert registry.rollback("churn", to=3, settings=settings).version == 3


def test_rollback_with_no_previous_version_changes_nothing(settings: Settings) -> None:
    register(settings)
    registry.promote("churn", 1, to="production", settings=settings)
    before = dump(settings)
    with pytest.raises(ConflictError, match="only ever pointed at v1; nothing was changed"):
        registry.rollback("churn", settings=settings)
    assert dump(settings) == before


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"to": 3}, ConflictError, r"never pointed at v3 \(it held v1, v2\)"),
        ({"to": 2}, ConflictError, "already points at v2"),
        ({"to": 9}, NotFoundError, "churn has no version 9"),
        ({"alias": "prod"}, NotFoundError, "no alias 'prod'; did you mean 'production'"),
        ({"alias": "Prod"}, UsageError, "'Prod' is not a valid alias"),
    ],
)
def test_bad_rollbacks_change_nothing(
    settings: Settings, kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    _three(settings)
    registry.promote("churn", 1, to="production", settings=settings)
    registry.promote("churn", 2, to="production", settings=settings)
    before = dump(settings)
    with pytest.raises(error, match=match):
        registry.rollback("churn", settings=settings, **kwargs)  # type: ignore[arg-type]
    assert dump(settings) == before


def test_unknown_alias_in_history_suggests_nearest(settings: Settings) -> None:
    register(settings, alias="candidate")
    with pytest.raises(NotFoundError, match="no alias 'candidat'; did you mean 'candidate'"):
        registry.history("churn", alias="candidat", settings=settings)


def test_bad_promotions_change_nothing(settings: Settings) -> None:
    register(settings)
    before = dump(settings)
    with pytest.raises(UsageError, match="0 is not a version number"):
        registry.promote("churn", 0, to="production", settings=settings)
    with pytest.raises(UsageError, match="'PROD' is not a valid alias"):
        registry.promote("churn", 1, to="PROD", settings=settings)
    assert dump(settings) == before
