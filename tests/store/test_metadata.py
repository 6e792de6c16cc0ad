"""The metadata store: snapshots, stat cache, migrations, URLs and failures.

The basic suite runs on every backend the machine can start (``metadata_store``):
a SQLite file, SQLite in memory, and PostgreSQL when ``MLGATE_TEST_POSTGRES_URL``
is set. The other tests use real SQLite files in ``tmp_path``.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import event, text

import mlgate.store.metadata.sqlite as sqlite_backend
from mlgate.config import Settings
from mlgate.errors import ConfigError, NotFoundError, SchemaVersionError, StorageError, UsageError
from mlgate.store.metadata import open_metadata, open_metadata_for
from mlgate.store.metadata.base import MetadataStore, SnapshotRecord, StatEntry
from mlgate.store.metadata.migrate import HEAD, MIGRATIONS, upgrade
from mlgate.store.metadata.sql import SqlMetadataStore

# Read at import: the autouse fixture in tests/conftest.py clears MLGATE_* variables.
POSTGRES_URL = os.environ.get("MLGATE_TEST_POSTGRES_URL")
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def snapshot_id(seed: str) -> str:
    """A valid 64-hex snapshot id derived from ``seed``."""
    return hashlib.sha256(seed.encode()).hexdigest()


def record(
    seed: str, *, name: str | None = None, minutes: int = 0, source: str = "data"
) -> SnapshotRecord:
    """A snapshot record created ``minutes`` after T0."""
    return SnapshotRecord(
        id=snapshot_id(seed),
        name=name,
        source=source,
        created_at=T0 + timedelta(minutes=minutes),
        n_files=3,
        n_bytes=1234,
    )


def sql_store(store: MetadataStore) -> SqlMetadataStore:
    assert isinstance(store, SqlMetadataStore)
    return store


def dump(db: Path) -> list[str]:
    """Every row of every table, to compare a database before and after."""
    connection = sqlite3.connect(db)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def _reset_postgres(url: str) -> None:
    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        # Every table of every revision, whatever a previous test left.
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(
    params=[
        "sqlite-file",
        "sqlite-memory",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                POSTGRES_URL is None, reason="set MLGATE_TEST_POSTGRES_URL to test PostgreSQL"
            ),
        ),
    ]
)
def metadata_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MetadataStore]:
    """An empty store on each backend this machine can start."""
    if request.param == "sqlite-file":
        url = f"sqlite:///{tmp_path / '.mlgate' / 'mlgate.db'}"
    elif request.param == "sqlite-memory":
        url = "sqlite:///:memory:"
    else:
        assert POSTGRES_URL is not None
        _reset_postgres(POSTGRES_URL)
        url = POSTGRES_URL
    with open_metadata(url) as store:
        yield store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "proj" / ".mlgate" / "mlgate.db"


# --- the basic suite, on every backend ---------------------------------------------------


def test_new_store_is_at_head(metadata_store: MetadataStore) -> None:
    assert metadata_store.schema_revision() == HEAD
    assert metadata_store.list_snapshots() == []


def test_add_and_get_snapshot(metadata_store: MetadataStore) -> None:
    added = metadata_store.add_snapshot(record("a", name="v1"))
    assert added == record("a", name="v1")
    assert metadata_store.get_snapshot(snapshot_id("a")) == added
    assert metadata_store.get_snapshot(snapshot_id("missing")) is None
    assert added.created_at.tzinfo is not None
    assert added.created_at.utcoffset() == timedelta(0)


def test_created_at_is_stored_as_utc(metadata_store: MetadataStore) -> None:
    paris = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    rec = SnapshotRecord(snapshot_id("tz"), None, "d", paris, 1, 1)
    stored = metadata_store.add_snapshot(rec)
    assert stored.created_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert stored.created_at.tzinfo == UTC


def test_add_existing_id_keeps_stored_record_and_adds_name(metadata_store: MetadataStore) -> None:
    metadata_store.add_snapshot(record("a", name="v1", source="first"))
    again = metadata_store.add_snapshot(record("a", name="v2", source="second", minutes=5))
    assert again.source == "first"
    assert again.created_at == T0
    assert again.name == "v2"
    assert [r.id for r in metadata_store.list_snapshots(name="v1")] == [snapshot_id("a")]
    assert [r.id for r in metadata_store.list_snapshots(name="v2")] == [snapshot_id("a")]
    assert metadata_store.add_snapshot(record("a")).name == "v2"
    assert len(metadata_store.list_snapshots()) == 1


def test_find_by_prefix_and_name(metadata_store: MetadataStore) -> None:
    for index, seed in enumerate(["a", "b", "c"]):
        metadata_store.add_snapshot(record(seed, name=f"n{seed}", minutes=index))
    full = snapshot_id("b")
    assert [r.id for r in metadata_store.find_snapshots(full[:6])] == [full]
    assert [r.id for r in metadata_store.find_snapshots(full[:6].upper())] == [full]
    assert [r.id for r in metadata_store.find_snapshots(full)] == [full]
    assert [r.id for r in metadata_store.find_snapshots("nb")] == [full]
    assert metadata_store.find_snapshots("nope") == []
    assert metadata_store.find_snapshots("") == []
    assert metadata_store.find_snapshots("%") == []
    assert metadata_store.find_snapshots(full + "0") == []


def test_find_ambiguous_prefix_newest_first(metadata_store: MetadataStore) -> None:
    seeds = [f"s{i}" for i in range(40)]
    for minutes, seed in enumerate(seeds):
        metadata_store.add_snapshot(record(seed, minutes=minutes))
    first = snapshot_id(seeds[0])[0]
    expected = sorted(
        (s for s in seeds if snapshot_id(s).startswith(first)),
        key=seeds.index,
        reverse=True,
    )
    found = metadata_store.find_snapshots(first)
    assert len(found) >= 2
    assert [r.id for r in found] == [snapshot_id(s) for s in expected]


def test_moving_name(metadata_store: MetadataStore) -> None:
    metadata_store.add_snapshot(record("old", name="prod", minutes=0))
    metadata_store.add_snapshot(record("new", name="prod", minutes=10))
    found = metadata_store.find_snapshots("prod")
    assert [r.id for r in found] == [snapshot_id("new"), snapshot_id("old")]
    # Moving the tag back to the older snapshot makes it the first match.
    metadata_store.name_snapshot(snapshot_id("old"), "prod")
    assert metadata_store.find_snapshots("prod")[0].id == snapshot_id("old")
    # A snapshot shows the most recent name it was given.
    metadata_store.name_snapshot(snapshot_id("new"), "candidate")
    assert metadata_store.get_snapshot(snapshot_id("new")) == record(
        "new", name="candidate", minutes=10
    )
    assert {r.id for r in metadata_store.list_snapshots(name="prod")} == {
        snapshot_id("old"),
        snapshot_id("new"),
    }


def test_list_newest_first_and_filters(metadata_store: MetadataStore) -> None:
    metadata_store.add_snapshot(record("a", minutes=1, source="x"))
    metadata_store.add_snapshot(record("b", minutes=3, source="y", name="keep"))
    metadata_store.add_snapshot(record("c", minutes=2, source="x"))
    ids = [r.id for r in metadata_store.list_snapshots()]
    assert ids == [snapshot_id("b"), snapshot_id("c"), snapshot_id("a")]
    assert [r.id for r in metadata_store.list_snapshots(source="x")] == [
        snapshot_id("c"),
        snapshot_id("a"),
    ]
    assert [r.id for r in metadata_store.list_snapshots(name="keep")] == [snapshot_id("b")]
    assert metadata_store.list_snapshots(name="keep", source="x") == []


def test_name_unknown_snapshot_changes_nothing(metadata_store: MetadataStore) -> None:
    metadata_store.add_snapshot(record("a", name="v1"))
    with pytest.raises(NotFoundError, match="no snapshot has the id"):
        metadata_store.name_snapshot(snapshot_id("zzz"), "v1")
    assert metadata_store.list_snapshots() == [record("a", name="v1")]


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (SnapshotRecord("not-hex", None, "d", T0, 1, 1), "is not a snapshot id"),
        (SnapshotRecord("AB" * 32, None, "d", T0, 1, 1), "is not a snapshot id"),
        (SnapshotRecord("ab" * 32, " x", "d", T0, 1, 1), "is not a valid snapshot name"),
        (SnapshotRecord("ab" * 32, "", "d", T0, 1, 1), "is not a valid snapshot name"),
        (SnapshotRecord("ab" * 32, None, "d", datetime(2024, 1, 1), 1, 1), "has no time zone"),
    ],
)
def test_bad_records_change_nothing(
    metadata_store: MetadataStore, bad: SnapshotRecord, match: str
) -> None:
    with pytest.raises(UsageError, match=match):
        metadata_store.add_snapshot(bad)
    assert metadata_store.list_snapshots() == []


def test_stat_cache_roundtrip(metadata_store: MetadataStore) -> None:
    entries = [
        StatEntry("/data/a.csv", 10, 1_700_000_000_123_456_789, 42, "aa" * 32),
        StatEntry("/data/b.csv", 0, 0, 2**64 - 1, "bb" * 32),
    ]
    metadata_store.stat_update(entries)
    found = metadata_store.stat_lookup(["/data/a.csv", "/data/b.csv", "/data/missing"])
    assert found == {e.path: e for e in entries}
    changed = StatEntry("/data/a.csv", 11, 1_700_000_000_999_999_999, 43, "cc" * 32)
    metadata_store.stat_update([changed])
    assert metadata_store.stat_lookup(["/data/a.csv"]) == {"/data/a.csv": changed}
    assert metadata_store.stat_lookup([]) == {}
    metadata_store.stat_update([])


def test_stat_cache_bulk_10000(metadata_store: MetadataStore) -> None:
    entries = [
        StatEntry(f"/data/part-{i:05d}.parquet", i, 1_700_000_000_000_000_000 + i, i, f"{i:064x}")
        for i in range(10_000)
    ]
    started = time.perf_counter()
    metadata_store.stat_update(entries)
    updated = time.perf_counter()
    found = metadata_store.stat_lookup([e.path for e in entries] + ["/data/none"])
    looked_up = time.perf_counter()
    assert found == {e.path: e for e in entries}
    # Generous bounds (measured ~0.1 s each): a row-per-transaction bug would take far longer.
    assert updated - started < 5
    assert looked_up - updated < 5
    again = [StatEntry(e.path, e.size + 1, e.mtime_ns, e.inode, e.digest) for e in entries]
    metadata_store.stat_update(again)
    assert metadata_store.stat_lookup([entries[-1].path])[entries[-1].path].size == 10_000


# --- SQLite specifics ----------------------------------------------------------------------


def test_sqlite_pragmas_are_set(db_path: Path) -> None:
    store = open_metadata(f"sqlite:///{db_path}")
    with store, sql_store(store).engine.connect() as connection:
        pragmas = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        }
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,
        "busy_timeout": 30000,
        "foreign_keys": 1,
    }
    assert db_path.is_file()


def test_memory_store_enforces_foreign_keys() -> None:
    with open_metadata("sqlite://") as store:
        engine = sql_store(store).engine
        with (
            pytest.raises(sqlalchemy.exc.IntegrityError, match="FOREIGN KEY"),
            engine.begin() as connection,
        ):
            connection.execute(
                text(
                    "INSERT INTO snapshot_names (name, snapshot_id, created_at) "
                    "VALUES ('x', 'nope', '2024-01-01 00:00:00')"
                )
            )
        assert store.find_snapshots("x") == []


def test_relative_sqlite_path_is_created(tmp_path: Path) -> None:
    with open_metadata("sqlite:///nested/dir/m.db") as store:
        store.add_snapshot(record("a"))
    assert (tmp_path / "nested" / "dir" / "m.db").is_file()


def test_open_for_settings_uses_state_dir(tmp_path: Path) -> None:
    settings = Settings.load(project=tmp_path)
    with open_metadata_for(settings) as store:
        assert store.schema_revision() == HEAD
    assert (tmp_path / ".mlgate" / "mlgate.db").is_file()


# --- migrations ----------------------------------------------------------------------------


def test_head_matches_alembic_history() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    script = ScriptDirectory.from_config(config)
    assert script.get_heads() == [HEAD]
    # One linear history, numbered 0001, 0002, … up to the head.
    expected = [f"{n:04d}" for n in range(int(HEAD), 0, -1)]
    assert [r.revision for r in script.walk_revisions()] == expected


def test_migrated_schema_matches_tables(db_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from mlgate.store.metadata.tables import metadata

    store = open_metadata(f"sqlite:///{db_path}")
    with store, sql_store(store).engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def _old_database(db_path: Path) -> None:
    """A database as an mlgate at revision 0001 left it, with one snapshot in it."""
    engine, _ = sqlite_backend.connect(sqlalchemy.engine.make_url(f"sqlite:///{db_path}"))
    with engine.begin() as connection:
        upgrade(connection, "0001")
        connection.execute(
            text(
                "INSERT INTO snapshots (id, source, created_at, n_files, n_bytes) "
                "VALUES (:id, 'data', '2024-05-01 12:00:00.000000', 3, 1234)"
            ),
            {"id": snapshot_id("old")},
        )
        connection.execute(
            text(
                "INSERT INTO snapshot_names (name, snapshot_id, created_at) "
                "VALUES ('v0', :id, '2024-05-01 12:00:00.000000')"
            ),
            {"id": snapshot_id("old")},
        )
    engine.dispose()


def test_old_database_is_upgraded_and_keeps_rows(db_path: Path) -> None:
    _old_database(db_path)
    assert sqlite3.connect(db_path).execute(
        "SELECT version_num FROM alembic_version"
    ).fetchall() == [("0001",)]
    with open_metadata(f"sqlite:///{db_path}") as store:
        assert store.schema_revision() == HEAD
        assert store.get_snapshot(snapshot_id("old")) == record("old", name="v0")
        store.stat_update([StatEntry("/a", 1, 2, 3, "dd" * 32)])
        assert list(store.stat_lookup(["/a"])) == ["/a"]


def test_newer_database_is_refused_and_unchanged(db_path: Path) -> None:
    with open_metadata(f"sqlite:///{db_path}") as store:
        store.add_snapshot(record("a", name="v1"))
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_future'")
    connection.close()
    before = dump(db_path)
    before_bytes = db_path.read_bytes()
    with pytest.raises(SchemaVersionError) as caught:
        open_metadata(f"sqlite:///{db_path}")
    message = str(caught.value)
    assert str(db_path) in message
    assert "'0099_future'" in message
    assert f"newest revision '{HEAD}'" in message
    assert "pip install -U mlgate" in message
    assert caught.value.exit_code == 5
    assert dump(db_path) == before
    assert db_path.read_bytes() == before_bytes


def test_foreign_tables_without_revision_are_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute("CREATE TABLE snapshots (id TEXT)")
        connection.execute("INSERT INTO snapshots VALUES ('mine')")
    connection.close()
    before = dump(db_path)
    with pytest.raises(ConfigError, match="not created by mlgate"):
        open_metadata(f"sqlite:///{db_path}")
    assert dump(db_path) == before


def test_open_at_head_does_not_load_alembic(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    open_metadata(url).close()
    code = (
        "import sys\n"
        "from mlgate.store.metadata import open_metadata\n"
        f"store = open_metadata({url!r})\n"
        "store.close()\n"
        "print('alembic' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"


# --- bad URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("notaurl", "notaurl: is not a database URL"),
        ("sqlite:/x", "sqlite:/x: is not a database URL"),
        ("mysql://me:secret@db.example/ml", "does not support the database 'mysql'"),
    ],
)
def test_malformed_urls(tmp_path: Path, url: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as caught:
        open_metadata(url)
    assert "secret" not in str(caught.value)
    assert "sqlite:///" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["notaurl", "sqlite:/x", "mysql://me:pw@db.example/ml"])
def test_malformed_mlgate_db_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("MLGATE_DB", value)
    with pytest.raises(ConfigError, match="MLGATE_DB"):
        open_metadata_for(Settings.load(project=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_postgres_without_driver(tmp_path: Path) -> None:
    try:
        import psycopg  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("psycopg is installed: the missing-driver error cannot happen here")
    with pytest.raises(ConfigError, match=r"not installed") as caught:
        open_metadata("postgresql://me:secret@localhost/mlgate")
    message = str(caught.value)
    assert "pip install 'mlgate[postgres]'" in message
    assert "secret" not in message
    assert "postgresql+psycopg://me:***@localhost/mlgate" in message
    assert list(tmp_path.iterdir()) == []


# --- storage failures --------------------------------------------------------------------


def test_read_only_state_dir(tmp_path: Path) -> None:
    state = tmp_path / "proj" / ".mlgate"
    state.parent.mkdir()
    if os.geteuid() == 0:
        # root writes through chmod: make .mlgate something no one can create files in.
        state.write_text("not a folder\n")
        match = "cannot create the folder"
    else:
        state.mkdir()
        state.chmod(0o555)
        match = "cannot open the metadata database"
    try:
        with pytest.raises(StorageError, match=match) as caught:
            open_metadata(f"sqlite:///{state / 'mlgate.db'}")
        assert str(state) in str(caught.value)
        assert "writable" in str(caught.value)
    finally:
        if state.is_dir():
            state.chmod(0o755)
    if state.is_dir():
        assert list(state.iterdir()) == []
    else:
        assert state.read_text() == "not a folder\n"


def test_read_only_database_file(db_path: Path) -> None:
    with open_metadata(f"sqlite:///{db_path}") as store:
        store.add_snapshot(record("a"))
    before = dump(db_path)
    if os.geteuid() == 0:  # root ignores file modes: ask SQLite for a read-only connection
        url = f"sqlite:///file:{db_path}?mode=ro&uri=true"
    else:
        db_path.chmod(0o444)
        url = f"sqlite:///{db_path}"
    with open_metadata(url) as store:
        assert [r.id for r in store.list_snapshots()] == [snapshot_id("a")]
        with pytest.raises(StorageError, match="read-only") as caught:
            store.add_snapshot(record("b"))
        assert str(db_path) in str(caught.value)
        with pytest.raises(StorageError, match="read-only"):
            store.stat_update([StatEntry("/x", 1, 1, 1, "ee" * 32)])
    db_path.chmod(0o644)
    assert dump(db_path) == before


def _limit_pages(engine: sqlalchemy.Engine, pages: int) -> None:
    """Make every new connection see a database that cannot grow past ``pages``."""
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _limit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}").close()


def test_disk_full_during_write_keeps_earlier_data(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    with open_metadata(url) as store:
        store.add_snapshot(record("a", name="v1"))
        store.stat_update([StatEntry("/kept", 1, 1, 1, "ff" * 32)])
        engine = sql_store(store).engine
        with engine.connect() as connection:
            pages = int(connection.exec_driver_sql("PRAGMA page_count").scalar() or 0)
        _limit_pages(engine, pages)
        many = [StatEntry(f"/big/{i:06d}", i, i, i, f"{i:064x}") for i in range(10_000)]
        with pytest.raises(StorageError, match="disk is full") as caught:
            store.stat_update(many)
        assert str(db_path) in str(caught.value)
    with open_metadata(url) as store:
        assert store.list_snapshots() == [record("a", name="v1")]
        assert store.stat_lookup(["/kept", "/big/000001"]) == {
            "/kept": StatEntry("/kept", 1, 1, 1, "ff" * 32)
        }
        with sql_store(store).engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_disk_full_during_upgrade_leaves_database_empty(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pragmas = (*sqlite_backend._PRAGMAS, "PRAGMA max_page_count = 1")
    monkeypatch.setattr(sqlite_backend, "_PRAGMAS", pragmas)
    with pytest.raises(StorageError, match="disk is full"):
        open_metadata(f"sqlite:///{db_path}")
    assert dump(db_path) == ["BEGIN TRANSACTION;", "COMMIT;"]
    monkeypatch.undo()
    with open_metadata(f"sqlite:///{db_path}") as store:
        assert store.schema_revision() == HEAD


# --- concurrency ------------------------------------------------------------------------------


def _register(url: str, worker: int, count: int, barrier: Any) -> None:
    barrier.wait(timeout=60)
    with open_metadata(url) as store:
        for i in range(count):
            store.add_snapshot(record(f"{worker}-{i}", name=f"worker-{worker}", minutes=i))
            store.stat_update([StatEntry(f"/w{worker}/{i}", i, i, i, f"{i:064x}")])


@pytest.mark.skipif(sys.platform == "win32", reason="uses fork")
def test_two_processes_register_concurrently(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    workers = [context.Process(target=_register, args=(url, w, 50, barrier)) for w in (1, 2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
    assert [p.exitcode for p in workers] == [0, 0]
    with open_metadata(url) as store:
        assert store.schema_revision() == HEAD
        assert len(store.list_snapshots()) == 100
        for worker in (1, 2):
            assert len(store.list_snapshots(name=f"worker-{worker}")) == 50
        paths = [f"/w{w}/{i}" for w in (1, 2) for i in range(50)]
        assert len(store.stat_lookup(paths)) == 100
