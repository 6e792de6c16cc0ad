"""The audit log: every change has an entry; editing, deleting or moving one is named."""

from __future__ import annotations

import itertools

import pytest

import mlgate.registry as registry
from mlgate.cli.app import main
from mlgate.config import Settings
from mlgate.errors import IntegrityError
from mlgate.registry.audit import verify
from mlgate.store.metadata import open_metadata
from mlgate.store.metadata.base_registry import GENESIS

from .helpers import register, sql


@pytest.fixture
def logged(settings: Settings) -> Settings:
    """Six audit entries: three versions, three alias moves."""
    for _ in range(3):
        register(settings)
    for version in (1, 2, 3):
        registry.promote("churn", version, to="production", settings=settings)
    report = registry.verify_audit(settings=settings)
    assert (report.ok, report.entries, report.problem) == (True, 6, None)
    return settings


def test_entries_chain_and_describe_every_change(logged: Settings) -> None:
    with open_metadata(logged.db_url) as store:
        entries = store.audit_entries()
        assert store.audit_head() == (6, entries[-1].hash)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert [e.action for e in entries] == ["version.created"] * 3 + ["alias.moved"] * 3
    assert entries[4].subject == "churn@production"
    assert entries[4].payload["from_version"] == 1
    assert entries[4].payload["to_version"] == 2
    assert {e.actor for e in entries} == {"ci"}


def _problem(settings: Settings) -> tuple[int, str, str]:
    with open_metadata(settings.db_url) as store:
        report = verify(store)
    assert not report.ok
    assert report.problem is not None
    return report.problem.seq, report.problem.kind, report.problem.message


def test_edited_entry_is_named(logged: Settings) -> None:
    sql(logged, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 4")
    seq, kind, message = _problem(logged)
    assert (seq, kind) == (4, "edited")
    assert message.startswith("entry #4 alias.moved churn@production by mallory")


def test_edited_payload_is_named(logged: Settings) -> None:
    sql(
        logged,
        "UPDATE audit_log SET payload = "
        "replace(payload, '\"to_version\":3', '\"to_version\":1') WHERE seq = 6",
    )
    assert _problem(logged)[:2] == (6, "edited")


def test_edited_entry_with_recomputed_hash_breaks_the_next_link(logged: Settings) -> None:
    from mlgate.store.metadata.canonical import entry_hash

    with open_metadata(logged.db_url) as store:
        entry = store.audit_entries()[1]
    forged = entry_hash(
        prev_hash=entry.prev_hash,
        at=entry.at,
        actor="mallory",
        action=entry.action,
        subject=entry.subject,
        payload=entry.payload,
    )
    sql(logged, "UPDATE audit_log SET actor = 'mallory', hash = ? WHERE seq = 2", forged)
    seq, kind, message = _problem(logged)
    assert (seq, kind) == (3, "reordered")
    assert "does not follow #2" in message


def test_deleted_entry_is_named(logged: Settings) -> None:
    sql(logged, "DELETE FROM audit_log WHERE seq = 3")
    seq, kind, message = _problem(logged)
    assert (seq, kind) == (3, "deleted")
    assert message.startswith("entry #3 was deleted: #4 alias.moved")


def test_deleted_last_entry_is_named(logged: Settings) -> None:
    sql(logged, "DELETE FROM audit_log WHERE seq = 6")
    seq, kind, message = _problem(logged)
    assert (seq, kind) == (6, "truncated")
    assert "the log ends at entry #5, but #6 was written" in message


def test_swapped_entries_are_named(logged: Settings) -> None:
    sql(logged, "UPDATE audit_log SET seq = -1 WHERE seq = 4")
    sql(logged, "UPDATE audit_log SET seq = 4 WHERE seq = 5")
    sql(logged, "UPDATE audit_log SET seq = 5 WHERE seq = -1")
    seq, kind, message = _problem(logged)
    assert (seq, kind) == (4, "reordered")
    assert message.startswith("entry #4 alias.moved churn@production")


def test_swapped_contents_are_named(logged: Settings) -> None:
    columns = "at, actor, action, subject, payload, prev_hash, hash"
    sql(logged, f"CREATE TABLE keep AS SELECT seq, {columns} FROM audit_log WHERE seq IN (2, 5)")
    for target, source in ((2, 5), (5, 2)):
        sql(
            logged,
            f"UPDATE audit_log SET ({columns}) = (SELECT {columns} FROM keep WHERE seq = ?) "
            "WHERE seq = ?",
            source,
            target,
        )
    seq, kind, _ = _problem(logged)
    assert (seq, kind) == (2, "reordered")


def test_writes_refuse_a_log_without_head(logged: Settings) -> None:
    sql(logged, "DELETE FROM audit_head")
    assert _problem(logged)[1] == "head"
    with pytest.raises(IntegrityError, match="head row is missing"):
        registry.promote("churn", 1, to="production", settings=logged)


def test_cli_verify_exit_codes(logged: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify"]) == 0
    assert "audit log intact: 6 entries" in capsys.readouterr().out
    sql(logged, "UPDATE audit_log SET subject = 'churn@staging' WHERE seq = 5")
    assert main(["audit", "verify"]) == 5
    err = capsys.readouterr().err
    assert "entry #5 alias.moved churn@staging by ci" in err
    assert "was edited" in err
