"""Labels, monitoring windows, trigger state and the run queue's claim, on every backend
(PostgreSQL when ``MLGATE_TEST_POSTGRES_URL`` is set)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mlgate.store.metadata.base import MetadataStore
from mlgate.store.metadata.base_loop import LabelRow, WindowRecord
from mlgate.store.metadata.base_runs import RunRecord

from .test_metadata import metadata_store  # noqa: F401 (the backends fixture)

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def test_labels_last_wins_and_are_counted(metadata_store: MetadataStore) -> None:  # noqa: F811
    store = metadata_store
    first = store.put_labels(
        "churn",
        [LabelRow("a", 0, 1), LabelRow("b", 0, "yes"), LabelRow("a", 0, 0)],
        source="cli",
        actor="alice",
    )
    assert (first.inserted, first.replaced) == (2, 0)
    second = store.put_labels(
        "churn", [LabelRow("a", 0, 1), LabelRow("a", 1, 2.5)], source="feedback", actor=None
    )
    assert (second.inserted, second.replaced) == (1, 1)
    assert sorted(store.get_labels("churn")) == [("a", 0, 1), ("a", 1, 2.5), ("b", 0, "yes")]
    assert sorted(store.get_labels("churn", ["a"])) == [("a", 0, 1), ("a", 1, 2.5)]
    assert store.count_labels("churn") == 3
    assert store.count_labels("other") == 0
    many = [LabelRow(f"r{i}", 0, i % 2) for i in range(1200)]  # more than one IN (...) chunk
    assert store.put_labels("big", many, source="cli", actor=None).inserted == 1200
    assert len(list(store.get_labels("big", [f"r{i}" for i in range(0, 1200, 2)]))) == 600


def test_windows_replace_by_key_and_list_newest_first(
    metadata_store: MetadataStore,  # noqa: F811
) -> None:
    store = metadata_store

    def window(key: str, end: int, labelled: int) -> WindowRecord:
        return WindowRecord(
            "churn", 1, "primary", key, T0, T0 + timedelta(hours=end), 100, labelled, {"n": 1}
        )

    store.put_window(window("count:100:0", 1, 0))
    store.put_window(window("count:100:1", 2, 0))
    again = store.put_window(window("count:100:0", 1, 40))  # labels arrived: recomputed
    assert again.labelled == 40
    listed = store.list_windows("churn")
    assert [w.key for w in listed] == ["count:100:1", "count:100:0"]
    assert listed[1].labelled == 40
    assert store.list_windows("churn", version=2) == []
    assert [w.key for w in store.list_windows("churn", route="primary", limit=1)] == ["count:100:1"]


def test_trigger_state_and_claiming_a_queued_run(metadata_store: MetadataStore) -> None:  # noqa: F811
    store = metadata_store
    assert store.get_state("trigger:data") is None
    store.set_state("trigger:data", {"snapshot": "abc"})
    store.set_state("trigger:data", {"snapshot": "def", "run": "r1"})
    assert store.get_state("trigger:data") == {"snapshot": "def", "run": "r1"}
    store.create_run(RunRecord(id="r1", trigger="drift", status="queued", created_at=T0))
    assert store.claim_run("r1", started_at=T0, pid=123)
    assert not store.claim_run("r1", started_at=T0, pid=456)  # taken once only
    run = store.get_run("r1")
    assert run is not None
    assert (run.status, run.pid) == ("running", 123)
