"""The registry part of the metadata store: models, versions, aliases, approvals, audit log.

Reads are single methods of :class:`RegistryRecords`. Writes go through
:meth:`RegistryRecords.registry_write`, one transaction that holds the
registry's write lock, so that the policy checks of ``mlgate.registry`` and the
rows and audit entries they lead to commit together or not at all. JSON values
(signature, metrics, gates, evidence, audit payloads) are plain dicts and lists.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "APPROVAL_STATES",
    "GENESIS",
    "MOVE_KINDS",
    "AliasMove",
    "AliasRecord",
    "ApprovalRecord",
    "AuditEntry",
    "DecisionRecord",
    "ModelRecord",
    "NewVersion",
    "RegistryRecords",
    "RegistryWriter",
    "VersionRecord",
]

#: The hash the first audit entry points back to.
GENESIS = "0" * 64

#: What moved an alias: registering with an alias, promote, a completed approval, rollback.
MOVE_KINDS = ("register", "promote", "approval", "rollback")

#: An approval request is pending until it is approved, rejected or expires.
APPROVAL_STATES = ("pending", "approved", "rejected", "expired")


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """A registered model: its versions are numbered 1, 2, … ``last_version``."""

    name: str
    created_at: datetime
    created_by: str
    last_version: int
    aliases: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewVersion:
    """What a new model version records (the store numbers it)."""

    artifact: str
    flavor: str
    signature: dict[str, Any] | None = None
    profile: dict[str, Any] | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    verdict: str | None = None
    gates: list[dict[str, Any]] = field(default_factory=list)
    run_id: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """An immutable model version."""

    model: str
    version: int
    artifact: str
    flavor: str
    signature: dict[str, Any] | None
    profile: dict[str, Any] | None
    metrics: dict[str, Any]
    verdict: str | None
    gates: list[dict[str, Any]]
    run_id: str | None
    description: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class AliasRecord:
    """Where an alias points now."""

    model: str
    alias: str
    version: int
    moved_at: datetime
    moved_by: str


@dataclass(frozen=True, slots=True)
class AliasMove:
    """One move of an alias (``from_version`` is None for its first placement)."""

    seq: int
    model: str
    alias: str
    from_version: int | None
    to_version: int
    kind: str
    moved_at: datetime
    actor: str
    reason: str | None = None
    run_id: str | None = None
    approval_id: int | None = None


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One person's decision on an approval request, with the evidence they accepted."""

    approval_id: int
    actor: str
    decision: str  # approve or reject
    reason: str
    accepted: dict[str, Any]
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class ApprovalRecord:
    """A request to move ``alias`` to ``version`` that needs ``needed`` approvals.

    ``evidence`` is the version's gate verdict and numbers at the time of the
    request: what an approver accepts.
    """

    id: int
    model: str
    version: int
    alias: str
    status: str
    requested_at: datetime
    requested_by: str
    reason: str | None
    needed: int
    expires_at: datetime | None
    evidence: dict[str, Any]
    closed_at: datetime | None = None
    decisions: tuple[DecisionRecord, ...] = ()

    @property
    def approved_by(self) -> tuple[str, ...]:
        """Who approved so far."""
        return tuple(d.actor for d in self.decisions if d.decision == "approve")

    def expired(self, now: datetime) -> bool:
        """Whether a pending request is past its expiry at ``now``."""
        return self.status == "pending" and self.expires_at is not None and now >= self.expires_at


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry of the audit log; ``hash`` covers the entry and ``prev_hash``."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class RegistryWriter(ABC):
    """The registry inside one write transaction (see :meth:`RegistryRecords.registry_write`).

    Nothing is visible to others until the transaction commits; an exception
    rolls everything back.
    """

    @abstractmethod
    def model(self, name: str) -> ModelRecord | None:
        """The model (locked for this transaction), or None."""

    @abstractmethod
    def model_names(self) -> list[str]:
        """Every model's name, sorted."""

    @abstractmethod
    def create_model(self, name: str, *, at: datetime, actor: str) -> ModelRecord:
        """Register a new model with no versions."""

    @abstractmethod
    def add_version(self, name: str, new: NewVersion, *, at: datetime, actor: str) -> VersionRecord:
        """Add the model's next version (last_version + 1)."""

    @abstractmethod
    def version(self, name: str, version: int) -> VersionRecord | None:
        """One version, or None."""

    @abstractmethod
    def alias(self, name: str, alias: str) -> AliasRecord | None:
        """Where the alias points, or None."""

    @abstractmethod
    def move_alias(
        self,
        name: str,
        alias: str,
        version: int,
        *,
        kind: str,
        at: datetime,
        actor: str,
        reason: str | None = None,
        run_id: str | None = None,
        approval_id: int | None = None,
    ) -> AliasMove:
        """Point the alias at ``version`` and record the move in its history."""

    @abstractmethod
    def alias_history(self, name: str, alias: str) -> list[AliasMove]:
        """The alias's moves, oldest first."""

    @abstractmethod
    def approvals(
        self, name: str, *, version: int | None = None, alias: str | None = None
    ) -> list[ApprovalRecord]:
        """Approval requests of the model (optionally of a version and alias), oldest first."""

    @abstractmethod
    def add_approval(
        self,
        name: str,
        version: int,
        alias: str,
        *,
        needed: int,
        expires_at: datetime | None,
        evidence: dict[str, Any],
        reason: str | None,
        at: datetime,
        actor: str,
    ) -> ApprovalRecord:
        """Open a pending approval request."""

    @abstractmethod
    def add_decision(
        self,
        approval_id: int,
        *,
        decision: str,
        reason: str,
        accepted: dict[str, Any],
        at: datetime,
        actor: str,
    ) -> DecisionRecord:
        """Record a person's decision on a request."""

    @abstractmethod
    def close_approval(self, approval_id: int, *, status: str, at: datetime) -> None:
        """Set a pending request's final status."""

    @abstractmethod
    def append_audit(
        self, *, action: str, subject: str, payload: dict[str, Any], at: datetime, actor: str
    ) -> AuditEntry:
        """Append an entry to the audit log, chained to the last one."""


class RegistryRecords(ABC):
    """The model registry's records."""

    @abstractmethod
    def registry_write(self) -> AbstractContextManager[RegistryWriter]:
        """A write transaction that holds the registry lock (commit on exit)."""

    @abstractmethod
    def get_model(self, name: str) -> ModelRecord | None:
        """One model with its aliases, or None."""

    @abstractmethod
    def list_models(self) -> list[ModelRecord]:
        """Every model with its aliases, by name."""

    @abstractmethod
    def get_version(self, name: str, version: int) -> VersionRecord | None:
        """One version, or None."""

    @abstractmethod
    def list_versions(self, name: str) -> list[VersionRecord]:
        """The model's versions, oldest first."""

    @abstractmethod
    def get_alias(self, name: str, alias: str) -> AliasRecord | None:
        """Where the alias points, or None."""

    @abstractmethod
    def alias_moves(self, name: str, *, alias: str | None = None) -> list[AliasMove]:
        """The model's alias moves (optionally of one alias), oldest first."""

    @abstractmethod
    def list_approvals(
        self, name: str, *, version: int | None = None, alias: str | None = None
    ) -> list[ApprovalRecord]:
        """Approval requests with their decisions, oldest first."""

    @abstractmethod
    def audit_entries(self, *, after: int = 0, limit: int | None = None) -> list[AuditEntry]:
        """Audit entries with ``seq > after``, in ``seq`` order."""

    @abstractmethod
    def audit_head(self) -> tuple[int, str]:
        """The (seq, hash) of the last audit entry as recorded by writers."""
