"""SQL for the model registry (mixed into ``SqlMetadataStore``).

Every registry write runs in one transaction that first locks the single row of
``audit_head`` (SQLite already holds its database write lock from ``BEGIN
IMMEDIATE``; PostgreSQL gets ``SELECT … FOR UPDATE``). That one lock orders all
registry writers, so versions are numbered without gaps or duplicates and audit
entries chain one after the other; the model's row is also locked before its
counter is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update

from mlgate.errors import IntegrityError
from mlgate.store.metadata.base_registry import (
    AliasMove,
    AliasRecord,
    ApprovalRecord,
    AuditEntry,
    DecisionRecord,
    ModelRecord,
    NewVersion,
    RegistryWriter,
    VersionRecord,
)
from mlgate.store.metadata.canonical import canonical_json, entry_hash
from mlgate.store.metadata.tables import (
    alias_history,
    approval_decisions,
    approvals,
    audit_head,
    audit_log,
    model_aliases,
    model_versions,
    registered_models,
)

__all__ = ["RegistrySql", "SqlRegistryWriter"]

# The statements of the write path, built once: SQLAlchemy then reuses their compiled
# form, where a statement built per call costs about 60 µs more to execute (a promotion
# runs eight). Parameters are named ``p_*``: names of columns are reserved.
_HEAD = select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
_HEAD_MOVE = (
    update(audit_head)
    .where(audit_head.c.id == 1)
    .values(seq=bindparam("p_seq"), hash=bindparam("p_hash"))
)
_MODEL = (
    select(registered_models)
    .where(registered_models.c.name == bindparam("p_name"))
    .with_for_update()
)
_MODEL_ALIASES = (
    select(model_aliases)
    .where(model_aliases.c.model_name == bindparam("p_name"))
    .order_by(model_aliases.c.alias)
)
_COUNT = (
    update(registered_models)
    .where(registered_models.c.name == bindparam("p_name"))
    .values(last_version=bindparam("p_last"))
)
_ADD_VERSION = insert(model_versions)
_ADD_ALIAS = insert(model_aliases)
_ADD_MOVE = insert(alias_history)
_ADD_ENTRY = insert(audit_log)
_VERSION = select(model_versions).where(
    model_versions.c.model_name == bindparam("p_name"),
    model_versions.c.version == bindparam("p_version"),
)
_ALIAS = select(model_aliases).where(
    model_aliases.c.model_name == bindparam("p_name"),
    model_aliases.c.alias == bindparam("p_alias"),
)
_ALIAS_MOVE = (
    update(model_aliases)
    .where(
        model_aliases.c.model_name == bindparam("p_name"),
        model_aliases.c.alias == bindparam("p_alias"),
    )
    .values(version=bindparam("p_to"), moved_at=bindparam("p_at"), moved_by=bindparam("p_by"))
)


def _new_id(key: Any) -> int:
    """The integer primary key of a row just inserted."""
    if not key or key[0] is None:  # pragma: no cover - both backends return the key
        raise RuntimeError("the database did not return the new row's id")
    return int(key[0])


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _version(row: Row[Any]) -> VersionRecord:
    return VersionRecord(
        model=row.model_name,
        version=row.version,
        artifact=row.artifact,
        flavor=row.flavor,
        signature=_load(row.signature),
        profile=_load(row.profile),
        metrics=_load(row.metrics),
        verdict=row.verdict,
        gates=_load(row.gates),
        run_id=row.run_id,
        description=row.description,
        created_at=row.created_at,
        created_by=row.created_by,
    )


def _alias(row: Row[Any]) -> AliasRecord:
    return AliasRecord(
        model=row.model_name,
        alias=row.alias,
        version=row.version,
        moved_at=row.moved_at,
        moved_by=row.moved_by,
    )


def _move(row: Row[Any]) -> AliasMove:
    return AliasMove(
        seq=row.seq,
        model=row.model_name,
        alias=row.alias,
        from_version=row.from_version,
        to_version=row.to_version,
        kind=row.kind,
        moved_at=row.moved_at,
        actor=row.actor,
        reason=row.reason,
        run_id=row.run_id,
        approval_id=row.approval_id,
    )


def _decision(row: Row[Any]) -> DecisionRecord:
    return DecisionRecord(
        approval_id=row.approval_id,
        actor=row.actor,
        decision=row.decision,
        reason=row.reason,
        accepted=_load(row.accepted),
        decided_at=row.decided_at,
    )


def _payload(text: str) -> dict[str, Any]:
    """An entry's payload; text that is not a JSON object (a tampered row) is kept as is."""
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {"unreadable": text}


def _entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        payload=_payload(row.payload),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _approvals(
    connection: Connection, name: str, version: int | None, alias: str | None
) -> list[ApprovalRecord]:
    query = select(approvals).where(approvals.c.model_name == name)
    if version is not None:
        query = query.where(approvals.c.version == version)
    if alias is not None:
        query = query.where(approvals.c.alias == alias)
    rows = connection.execute(query.order_by(approvals.c.id)).all()
    if not rows:
        return []
    decided: dict[int, list[DecisionRecord]] = {}
    found = connection.execute(
        select(approval_decisions)
        .where(approval_decisions.c.approval_id.in_([row.id for row in rows]))
        .order_by(approval_decisions.c.id)
    )
    for decision_row in found:
        decided.setdefault(decision_row.approval_id, []).append(_decision(decision_row))
    return [
        ApprovalRecord(
            id=row.id,
            model=row.model_name,
            version=row.version,
            alias=row.alias,
            status=row.status,
            requested_at=row.requested_at,
            requested_by=row.requested_by,
            reason=row.reason,
            needed=row.needed,
            expires_at=row.expires_at,
            evidence=_load(row.evidence),
            closed_at=row.closed_at,
            decisions=tuple(decided.get(row.id, ())),
        )
        for row in rows
    ]


def _aliases(connection: Connection, name: str | None = None) -> dict[str, dict[str, int]]:
    query = select(model_aliases.c.model_name, model_aliases.c.alias, model_aliases.c.version)
    if name is not None:
        query = query.where(model_aliases.c.model_name == name)
    found: dict[str, dict[str, int]] = {}
    for row in connection.execute(query.order_by(model_aliases.c.alias)):
        found.setdefault(row.model_name, {})[row.alias] = row.version
    return found


def _model(row: Row[Any], aliases: dict[str, int]) -> ModelRecord:
    return ModelRecord(
        name=row.name,
        created_at=row.created_at,
        created_by=row.created_by,
        last_version=row.last_version,
        aliases=aliases,
    )


class SqlRegistryWriter(RegistryWriter):
    """The registry inside one write transaction on ``connection``.

    The aliases of a model read by :meth:`model` are kept for the transaction: it
    holds the registry lock, and only registry writers move aliases, so they stay
    true until it commits (and :meth:`move_alias` keeps them so).
    """

    def __init__(self, connection: Connection, *, head_seq: int, head_hash: str) -> None:
        self.connection = connection
        self._seq = head_seq
        self._hash = head_hash
        self._aliases: dict[str, dict[str, AliasRecord]] = {}

    def model(self, name: str) -> ModelRecord | None:
        """The model, its row locked until commit."""
        row = self.connection.execute(_MODEL, {"p_name": name}).first()
        if row is None:
            return None
        aliases = {
            alias_row.alias: _alias(alias_row)
            for alias_row in self.connection.execute(_MODEL_ALIASES, {"p_name": name})
        }
        self._aliases[name] = aliases
        return _model(row, {alias: record.version for alias, record in aliases.items()})

    def model_names(self) -> list[str]:
        """Every model's name, sorted."""
        query = select(registered_models.c.name).order_by(registered_models.c.name)
        return [str(name) for name in self.connection.execute(query).scalars()]

    def create_model(self, name: str, *, at: datetime, actor: str) -> ModelRecord:
        """Insert the model with no versions."""
        values = {"name": name, "created_at": at, "created_by": actor, "last_version": 0}
        self.connection.execute(insert(registered_models).values(**values))
        return ModelRecord(name=name, created_at=at, created_by=actor, last_version=0)

    def add_version(self, name: str, new: NewVersion, *, at: datetime, actor: str) -> VersionRecord:
        """Number the version from the model's counter, under the model's row lock."""
        model = self.model(name)
        if model is None:
            raise LookupError(f"no model {name!r}")  # the registry creates it first
        number = model.last_version + 1
        self.connection.execute(_COUNT, {"p_name": name, "p_last": number})
        record = VersionRecord(
            model=name,
            version=number,
            artifact=new.artifact,
            flavor=new.flavor,
            signature=new.signature,
            profile=new.profile,
            metrics=new.metrics,
            verdict=new.verdict,
            gates=new.gates,
            run_id=new.run_id,
            description=new.description,
            created_at=at,
            created_by=actor,
        )
        self.connection.execute(
            _ADD_VERSION,
            {
                "model_name": name,
                "version": number,
                "artifact": new.artifact,
                "flavor": new.flavor,
                "signature": None if new.signature is None else canonical_json(new.signature),
                "profile": None if new.profile is None else canonical_json(new.profile),
                "metrics": canonical_json(new.metrics),
                "verdict": new.verdict,
                "gates": canonical_json(new.gates),
                "run_id": new.run_id,
                "description": new.description,
                "created_at": at,
                "created_by": actor,
            },
        )
        return record

    def version(self, name: str, version: int) -> VersionRecord | None:
        """One version, or None."""
        row = self.connection.execute(_VERSION, {"p_name": name, "p_version": version}).first()
        return None if row is None else _version(row)

    def alias(self, name: str, alias: str) -> AliasRecord | None:
        """Where the alias points, or None."""
        known = self._aliases.get(name)
        if known is not None:
            return known.get(alias)
        row = self.connection.execute(_ALIAS, {"p_name": name, "p_alias": alias}).first()
        return None if row is None else _alias(row)

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
        """Point the alias at ``version`` (insert or update) and append the move to history."""
        current = self.alias(name, alias)
        if current is None:
            self.connection.execute(
                _ADD_ALIAS,
                {
                    "model_name": name,
                    "alias": alias,
                    "version": version,
                    "moved_at": at,
                    "moved_by": actor,
                },
            )
        else:
            self.connection.execute(
                _ALIAS_MOVE,
                {"p_name": name, "p_alias": alias, "p_to": version, "p_at": at, "p_by": actor},
            )
        from_version = None if current is None else current.version
        if name in self._aliases:
            self._aliases[name][alias] = AliasRecord(
                model=name, alias=alias, version=version, moved_at=at, moved_by=actor
            )
        result = self.connection.execute(
            _ADD_MOVE,
            {
                "model_name": name,
                "alias": alias,
                "from_version": from_version,
                "to_version": version,
                "kind": kind,
                "moved_at": at,
                "actor": actor,
                "reason": reason,
                "run_id": run_id,
                "approval_id": approval_id,
            },
        )
        return AliasMove(
            seq=_new_id(result.inserted_primary_key),
            model=name,
            alias=alias,
            from_version=from_version,
            to_version=version,
            kind=kind,
            moved_at=at,
            actor=actor,
            reason=reason,
            run_id=run_id,
            approval_id=approval_id,
        )

    def alias_history(self, name: str, alias: str) -> list[AliasMove]:
        """The alias's moves, oldest first."""
        query = select(alias_history).where(
            alias_history.c.model_name == name, alias_history.c.alias == alias
        )
        return [_move(row) for row in self.connection.execute(query.order_by(alias_history.c.seq))]

    def approvals(
        self, name: str, *, version: int | None = None, alias: str | None = None
    ) -> list[ApprovalRecord]:
        """Requests with their decisions, oldest first."""
        return _approvals(self.connection, name, version, alias)

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
        """Insert a pending request."""
        result = self.connection.execute(
            insert(approvals).values(
                model_name=name,
                version=version,
                alias=alias,
                status="pending",
                requested_at=at,
                requested_by=actor,
                reason=reason,
                needed=needed,
                expires_at=expires_at,
                evidence=canonical_json(evidence),
            )
        )
        return ApprovalRecord(
            id=_new_id(result.inserted_primary_key),
            model=name,
            version=version,
            alias=alias,
            status="pending",
            requested_at=at,
            requested_by=actor,
            reason=reason,
            needed=needed,
            expires_at=expires_at,
            evidence=evidence,
        )

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
        """Insert a decision (one per person and request: a unique index holds it)."""
        self.connection.execute(
            insert(approval_decisions).values(
                approval_id=approval_id,
                actor=actor,
                decision=decision,
                reason=reason,
                accepted=canonical_json(accepted),
                decided_at=at,
            )
        )
        return DecisionRecord(
            approval_id=approval_id,
            actor=actor,
            decision=decision,
            reason=reason,
            accepted=accepted,
            decided_at=at,
        )

    def close_approval(self, approval_id: int, *, status: str, at: datetime) -> None:
        """Set the final status of a pending request."""
        self.connection.execute(
            update(approvals)
            .where(approvals.c.id == approval_id, approvals.c.status == "pending")
            .values(status=status, closed_at=at)
        )

    def append_audit(
        self, *, action: str, subject: str, payload: dict[str, Any], at: datetime, actor: str
    ) -> AuditEntry:
        """Insert the next entry (seq + 1, chained to the head's hash) and move the head."""
        seq = self._seq + 1
        digest = entry_hash(
            prev_hash=self._hash,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            payload=payload,
        )
        self.connection.execute(
            _ADD_ENTRY,
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "subject": subject,
                "payload": canonical_json(payload),
                "prev_hash": self._hash,
                "hash": digest,
            },
        )
        self.connection.execute(_HEAD_MOVE, {"p_seq": seq, "p_hash": digest})
        entry = AuditEntry(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            payload=payload,
            prev_hash=self._hash,
            hash=digest,
        )
        self._seq, self._hash = seq, digest
        return entry


class RegistrySql:
    """The registry in SQLAlchemy Core; uses ``_read``/``_write`` and ``where`` of the store."""

    where: str

    def _read(self) -> AbstractContextManager[Connection]:  # provided by SqlMetadataStore
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[Connection]:  # provided by SqlMetadataStore
        raise NotImplementedError

    @contextmanager
    def registry_write(self) -> Iterator[RegistryWriter]:
        """One write transaction holding the registry lock (the audit head's row)."""
        with self._write() as connection:
            head = connection.execute(_HEAD).first()
            if head is None:
                raise IntegrityError(
                    "the audit log's head row is missing: the audit log was tampered with; "
                    "nothing was changed",
                    where=self.where,
                    hint="Run `mlgate audit verify` to see what is wrong.",
                )
            yield SqlRegistryWriter(connection, head_seq=head.seq, head_hash=head.hash)

    def get_model(self, name: str) -> ModelRecord | None:
        """One model with its aliases, or None."""
        with self._read() as connection:
            query = select(registered_models).where(registered_models.c.name == name)
            row = connection.execute(query).first()
            if row is None:
                return None
            return _model(row, _aliases(connection, name).get(name, {}))

    def list_models(self) -> list[ModelRecord]:
        """Every model with its aliases, by name."""
        with self._read() as connection:
            aliases = _aliases(connection)
            rows = connection.execute(select(registered_models).order_by(registered_models.c.name))
            return [_model(row, aliases.get(row.name, {})) for row in rows]

    def get_version(self, name: str, version: int) -> VersionRecord | None:
        """One version, or None."""
        query = select(model_versions).where(
            model_versions.c.model_name == name, model_versions.c.version == version
        )
        with self._read() as connection:
            row = connection.execute(query).first()
        return None if row is None else _version(row)

    def list_versions(self, name: str) -> list[VersionRecord]:
        """The model's versions, oldest first."""
        query = select(model_versions).where(model_versions.c.model_name == name)
        with self._read() as connection:
            rows = connection.execute(query.order_by(model_versions.c.version))
            return [_version(row) for row in rows]

    def get_alias(self, name: str, alias: str) -> AliasRecord | None:
        """Where the alias points, or None."""
        query = select(model_aliases).where(
            model_aliases.c.model_name == name, model_aliases.c.alias == alias
        )
        with self._read() as connection:
            row = connection.execute(query).first()
        return None if row is None else _alias(row)

    def alias_moves(self, name: str, *, alias: str | None = None) -> list[AliasMove]:
        """The model's alias moves, oldest first."""
        query = select(alias_history).where(alias_history.c.model_name == name)
        if alias is not None:
            query = query.where(alias_history.c.alias == alias)
        with self._read() as connection:
            rows = connection.execute(query.order_by(alias_history.c.seq))
            return [_move(row) for row in rows]

    def list_approvals(
        self, name: str, *, version: int | None = None, alias: str | None = None
    ) -> list[ApprovalRecord]:
        """Approval requests with their decisions, oldest first."""
        with self._read() as connection:
            return _approvals(connection, name, version, alias)

    def audit_entries(self, *, after: int = 0, limit: int | None = None) -> list[AuditEntry]:
        """Audit entries after ``seq``, in ``seq`` order."""
        query = select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as connection:
            return [_entry(row) for row in connection.execute(query)]

    def audit_head(self) -> tuple[int, str]:
        """The (seq, hash) writers last recorded."""
        with self._read() as connection:
            row = connection.execute(
                select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
            ).first()
        if row is None:  # the head row was deleted: report an empty head, verify() names it
            return (-1, "")
        return (int(row.seq), str(row.hash))
