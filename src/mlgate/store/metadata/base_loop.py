"""The loop part of the metadata store: delayed labels, monitoring windows, trigger state."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["LabelRow", "LabelWrite", "LoopRecords", "WindowRecord"]


@dataclass(frozen=True, slots=True)
class LabelRow:
    """One delayed label: the true value for row ``row`` of request ``request_id``."""

    request_id: str
    row: int
    value: Any


@dataclass(frozen=True, slots=True)
class LabelWrite:
    """What :meth:`LoopRecords.put_labels` did: rows new, and rows that replaced a label."""

    inserted: int
    replaced: int


@dataclass(frozen=True, slots=True)
class WindowRecord:
    """The monitoring result of one window of one model version and route."""

    model: str
    version: int
    route: str
    key: str
    start: datetime
    end: datetime
    rows: int
    labelled: int
    result: dict[str, Any]
    alerts: list[dict[str, Any]] = field(default_factory=list)
    computed_at: datetime | None = None
    id: int | None = None


class LoopRecords(ABC):
    """Labels joined to the prediction log, windows computed by the monitor, and the
    bookkeeping of triggers (last seen source, last fired, cron ticks)."""

    @abstractmethod
    def put_labels(
        self, model: str, rows: Sequence[LabelRow], *, source: str, actor: str | None
    ) -> LabelWrite:
        """Store labels in one transaction; a label for a known (request, row) replaces it."""

    @abstractmethod
    def get_labels(
        self, model: str, request_ids: Iterable[str] | None = None
    ) -> Iterator[tuple[str, int, Any]]:
        """``(request_id, row, value)`` of the model's labels (all, or of these requests)."""

    @abstractmethod
    def get_label_records(
        self, model: str, request_ids: Iterable[str] | None = None
    ) -> Iterator[tuple[str, int, Any, datetime]]:
        """``(request_id, row, value, received_at)``: labels with the time they arrived."""

    @abstractmethod
    def count_labels(self, model: str) -> int:
        """How many labels the model has."""

    @abstractmethod
    def put_windows(self, records: Sequence[WindowRecord]) -> list[WindowRecord]:
        """Store windows' results in one transaction (each replaces an earlier result for the
        same model, version, route and key); the stored records, with their ids."""

    def put_window(self, record: WindowRecord) -> WindowRecord:
        """Store one window's result (see :meth:`put_windows`)."""
        return self.put_windows([record])[0]

    @abstractmethod
    def list_windows(
        self,
        model: str,
        *,
        version: int | None = None,
        route: str | None = None,
        limit: int | None = None,
    ) -> list[WindowRecord]:
        """Stored windows, newest (by end) first."""

    @abstractmethod
    def get_state(self, name: str) -> dict[str, Any] | None:
        """The stored value of a piece of trigger bookkeeping."""

    @abstractmethod
    def set_state(self, name: str, value: dict[str, Any]) -> None:
        """Store (or replace) a piece of trigger bookkeeping."""

    @abstractmethod
    def claim_run(self, run_id: str, **changes: Any) -> bool:
        """Move a ``queued`` run to ``running`` with ``changes``; False if it was not
        queued any more (another process took or cancelled it)."""
