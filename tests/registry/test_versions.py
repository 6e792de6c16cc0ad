"""Registering versions: numbering, what a version records, lookups and bad input."""

from __future__ import annotations

import math

import pytest

import mlgate.registry as registry
from mlgate.config import Settings
from mlgate.errors import NotFoundError, UsageError
from mlgate.store.metadata import open_metadata
from mlgate.store.metadata.base_registry import AuditEntry

from .helpers import dump, register, store_bytes


def test_versions_are_numbered_per_model(settings: Settings) -> None:
    assert [register(settings).version.version for _ in range(3)] == [1, 2, 3]
    assert register(settings, "fraud").version.version == 1
    names = [(m.name, m.versions) for m in registry.models(settings=settings)]
    assert names == [("churn", 3), ("fraud", 1)]


def test_a_version_records_its_evidence(settings: Settings) -> None:
    digest = store_bytes(settings, b"abc")
    signature = {"columns": [{"name": "x", "dtype": "float64"}]}
    created = registry.register_version(
        "churn",
        artifact=digest,
        flavor="sklearn",
        signature=signature,
        profile={"x": {"null_rate": 0.0}},
        metrics={"accuracy": {"value": 0.9, "low": 0.88, "high": 0.92}},
        verdict="pass",
        gates=[{"name": "accuracy >= 0.8", "status": "pass"}],
        run_id="run-123",
        description="first",
        settings=settings,
    ).version
    shown = registry.show("churn", version=1, settings=settings).version
    assert shown == created
    assert shown.artifact == digest
    assert shown.signature == signature
    assert shown.metrics["accuracy"]["low"] == 0.88
    assert (shown.verdict, shown.run_id, shown.created_by) == ("pass", "run-123", "ci")


def test_register_with_alias_moves_it_in_the_same_write(settings: Settings) -> None:
    result = register(settings, alias="candidate")
    assert result.promotion is not None
    assert result.promotion.state == "moved"
    assert registry.models(settings=settings)[0].aliases == {"candidate": 1}
    actions = [e.action for e in _entries(settings)]
    assert actions == ["version.created", "alias.moved"]


def _entries(settings: Settings) -> list[AuditEntry]:
    with open_metadata(settings.db_url) as store:
        return store.audit_entries()


def test_show_defaults_to_latest_and_lists_aliases(settings: Settings) -> None:
    register(settings, alias="candidate")
    register(settings)
    details = registry.show("churn", settings=settings)
    assert details.version.version == 2
    assert details.aliases == ()
    assert registry.show("churn", version=1, settings=settings).aliases == ("candidate",)


def test_unknown_model_suggests_the_nearest(settings: Settings) -> None:
    register(settings)
    before = dump(settings)
    with pytest.raises(
        NotFoundError, match="no registered model is named 'chrun'; did you mean 'churn'"
    ):
        registry.show("chrun", settings=settings)
    with pytest.raises(NotFoundError, match="did you mean 'churn'"):
        registry.promote("chrun", 1, to="production", settings=settings)
    assert dump(settings) == before


def test_unknown_version_names_the_range(settings: Settings) -> None:
    register(settings)
    register(settings)
    before = dump(settings)
    with pytest.raises(NotFoundError, match=r"churn has no version 7\. churn has versions 1 to 2"):
        registry.show("churn", version=7, settings=settings)
    with pytest.raises(NotFoundError, match="churn has no version 9"):
        registry.promote("churn", 9, to="production", settings=settings)
    assert dump(settings) == before


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"verdict": "passed"}, "'passed' is not a gate verdict"),
        ({"metrics": {"accuracy": math.nan}}, "metrics cannot be stored"),
        ({"gates": ["pass"]}, "gates must be a list of mappings"),
        ({"alias": "Production"}, "'Production' is not a valid alias"),
        ({"flavor": None}, "an artifact needs its flavor"),
    ],
)
def test_bad_registration_changes_nothing(
    settings: Settings, kwargs: dict[str, object], match: str
) -> None:
    digest = store_bytes(settings)
    register(settings)
    before = dump(settings)
    options: dict[str, object] = {"artifact": digest, "flavor": "sklearn", **kwargs}
    with pytest.raises(UsageError, match=match):
        registry.register_version("churn", settings=settings, **options)  # type: ignore[arg-type]
    assert dump(settings) == before


def test_bad_names_and_missing_artifacts(settings: Settings) -> None:
    register(settings)
    before = dump(settings)
    with pytest.raises(UsageError, match="'churn model' is not a valid model name"):
        registry.register_version("churn model", artifact="ab", flavor="sklearn", settings=settings)
    with pytest.raises(UsageError, match="'f00d' is not an artifact digest"):
        registry.register_version("churn", artifact="f00d", flavor="sklearn", settings=settings)
    with pytest.raises(UsageError, match="the artifact store has no artifact '0000"):
        registry.register_version("churn", artifact="0" * 64, flavor="sklearn", settings=settings)
    with pytest.raises(UsageError, match="exactly one of a model object or the digest"):
        registry.register_version("churn", settings=settings)
    assert dump(settings) == before


def test_load_model_by_alias_round_trips_a_sklearn_model(settings: Settings) -> None:
    flavors = pytest.importorskip("mlgate.train.flavors")
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    model = LogisticRegression().fit(x, [0, 0, 1, 1])
    registry.register_version("churn", model, alias="production", settings=settings)
    loaded = registry.load_model("churn", alias="production", settings=settings)
    assert type(loaded) is LogisticRegression
    assert loaded.predict(x).tolist() == [0, 0, 1, 1]
    assert flavors.model_flavor(model) == registry.show("churn", settings=settings).version.flavor


def test_load_model_of_unknown_alias(settings: Settings) -> None:
    register(settings, alias="candidate")
    with pytest.raises(NotFoundError, match="churn has no alias 'production'"):
        registry.load_model("churn", alias="production", settings=settings)


def test_a_session_is_reused_across_calls(settings: Settings) -> None:
    digest = store_bytes(settings)
    with registry.Session.open(settings) as session:
        for _ in range(3):
            registry.register_version("churn", artifact=digest, flavor="sklearn", session=session)
        registry.promote("churn", 2, to="staging", session=session)
        assert registry.models(session=session)[0].aliases == {"staging": 2}
        assert registry.verify_audit(session=session).entries == 4
        assert session.actor == "ci"
    assert registry.show("churn", settings=settings).version.version == 3
