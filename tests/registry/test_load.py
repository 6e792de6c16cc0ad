"""Loading by alias or version: the SQLite read path without SQLAlchemy agrees with the
registry's ordinary lookup, answers only when sure, never writes, and keeps its errors."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import mlgate.registry as registry
from mlgate.config import Settings
from mlgate.errors import IntegrityError, NotFoundError, UsageError
from mlgate.registry.session import using
from mlgate.registry.versions import resolve
from mlgate.store.metadata.migrations import HEAD
from mlgate.store.metadata.peek import Peeked, peek_version, sqlite_file

from .helpers import dump, register, sql


def _ordinary(settings: Settings, alias: str | None, version: int | None) -> Peeked:
    with using(None, settings) as session:
        _, record = resolve(session, "churn", alias=alias, version=version)
    return Peeked(version=record.version, artifact=record.artifact, flavor=record.flavor)


def test_peek_agrees_with_the_ordinary_lookup(settings: Settings) -> None:
    for index in range(4):
        register(settings, data=f"model {index}".encode(), alias="candidate")
    registry.promote("churn", 2, to="production", settings=settings)
    registry.promote("churn", 3, to="production", settings=settings)
    registry.rollback("churn", alias="production", settings=settings)
    url = settings.db_url
    for alias, version in [("production", None), ("candidate", None), (None, 1), (None, None)]:
        found = peek_version(url, "churn", alias=alias, version=version)
        assert found == _ordinary(settings, alias, version), (alias, version)
    assert peek_version(url, "churn", alias="production") == Peeked(
        2, _ordinary(settings, None, 2).artifact, "sklearn"
    )


@pytest.mark.parametrize(
    ("alias", "version", "name"),
    [("staging", None, "churn"), (None, 9, "churn"), ("production", None, "fraud")],
    ids=["unknown-alias", "unknown-version", "unknown-model"],
)
def test_peek_leaves_what_it_cannot_find_to_the_ordinary_lookup(
    settings: Settings, alias: str | None, version: int | None, name: str
) -> None:
    register(settings, alias="production")
    assert peek_version(settings.db_url, name, alias=alias, version=version) is None


def test_unknown_names_still_get_suggestions(settings: Settings) -> None:
    register(settings, alias="production")
    before = dump(settings)
    with pytest.raises(NotFoundError, match="no registered model is named 'chrun'") as caught:
        registry.load_model("chrun", settings=settings)
    assert "churn" in str(caught.value)
    with pytest.raises(NotFoundError, match="churn has no alias 'prodution'") as caught:
        registry.load_model("churn", alias="prodution", settings=settings)
    assert "production" in str(caught.value)
    with pytest.raises(NotFoundError, match="version 7"):
        registry.load_model("churn", version=7, settings=settings)
    for bad in (0, True, -1):
        with pytest.raises(UsageError, match="is not a version number"):
            registry.load_model("churn", version=bad, settings=settings)
    with pytest.raises(UsageError, match="is not a valid alias"):
        registry.load_model("churn", alias="Prod uction", settings=settings)
    assert dump(settings) == before


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:x.db?mode=ro&uri=true",
        "sqlite:///x.db?timeout=5",
        "postgresql+psycopg://user@127.0.0.1/db",
    ],
)
def test_peek_reads_only_plain_sqlite_files(url: str) -> None:
    assert sqlite_file(url) is None
    assert peek_version(url, "churn", alias="production") is None


def test_peek_never_creates_a_database(tmp_path: Path) -> None:
    target = tmp_path / "none" / "mlgate.db"
    assert sqlite_file(f"sqlite:///{target}") == target
    assert peek_version(f"sqlite:///{target}", "churn", alias="production") is None
    assert not target.parent.exists()


def test_relative_urls_are_read_from_the_working_folder(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(settings, alias="production")
    monkeypatch.chdir(settings.state_dir)
    assert peek_version("sqlite:///mlgate.db", "churn", alias="production") is not None


def test_another_schema_revision_is_left_to_the_ordinary_path(settings: Settings) -> None:
    register(settings, alias="production")
    assert peek_version(settings.db_url, "churn", alias="production") is not None
    sql(settings, "UPDATE alembic_version SET version_num = '9999'")
    assert peek_version(settings.db_url, "churn", alias="production") is None
    before = dump(settings)
    with pytest.raises(Exception, match="9999"):  # SchemaVersionError from the ordinary path
        registry.load_model("churn", settings=settings)
    assert dump(settings) == before
    assert HEAD != "9999"


def test_peek_reads_while_another_process_holds_the_write_lock(settings: Settings) -> None:
    register(settings, alias="production")
    writer = sqlite3.connect(settings.state_dir / "mlgate.db", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE model_aliases SET version = 99")  # not committed: not seen
        found: list[Peeked | None] = []
        reader = threading.Thread(
            target=lambda: found.append(peek_version(settings.db_url, "churn", alias="production"))
        )
        reader.start()
        reader.join(timeout=10)
        assert found
        assert found[0] is not None
        assert found[0].version == 1
        writer.execute("ROLLBACK")
    finally:
        writer.close()


def test_peek_writes_nothing(settings: Settings) -> None:
    register(settings, alias="production")
    database = settings.state_dir / "mlgate.db"
    before = database.read_bytes(), dump(settings)
    for _ in range(3):
        assert peek_version(settings.db_url, "churn", alias="production") is not None
    assert (database.read_bytes(), dump(settings)) == before


def test_a_damaged_artifact_is_refused_on_the_fast_path(settings: Settings) -> None:
    digest = register(settings, alias="production").version.artifact
    blob = settings.state_dir / "store" / "objects" / digest[:2] / digest[2:]
    blob.chmod(0o644)
    blob.write_bytes(b"tampered")
    assert peek_version(settings.db_url, "churn", alias="production") is not None
    with pytest.raises(IntegrityError):
        registry.load_model("churn", settings=settings)


def test_a_fresh_process_loads_by_alias_without_sqlalchemy(settings: Settings) -> None:
    pytest.importorskip("skops")
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    registry.register_version(
        "churn", LogisticRegression().fit(x, [0, 0, 1, 1]), alias="production", settings=settings
    )
    code = (
        "import sys, mlgate.registry as registry\n"
        "model = registry.load_model('churn', alias='production')\n"
        "print(model.predict([[0.0], [3.0]]).tolist(), 'sqlalchemy' in sys.modules)\n"
    )
    env = {**os.environ, "MLGATE_PROJECT": str(settings.project)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[0,", "1]", "False"]
