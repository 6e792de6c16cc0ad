"""Aliases: movable names on model versions, every move recorded; promote, rollback, history.

``promote`` moves an alias under its promotion policy (see ``policy.py``): at
once, or through a pending approval request. ``rollback`` moves an alias back to
the version it pointed to before (or to a version it pointed to earlier, with
``to``); a rollback skips the policy, because it only returns the alias to a
version that the policy once let in, and it is recorded like any move.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mlgate.config import Settings
from mlgate.errors import ConflictError
from mlgate.registry.lookup import (
    check_alias,
    check_model_name,
    check_reason,
    check_version,
    no_alias,
    no_model,
    no_version,
)
from mlgate.registry.policy import Policy, evidence_of
from mlgate.registry.session import Session, Tx, using
from mlgate.store.metadata.base_registry import (
    AliasMove,
    ApprovalRecord,
    ModelRecord,
    VersionRecord,
)

__all__ = [
    "Promotion",
    "find_version",
    "history",
    "move",
    "place",
    "promote",
    "rollback",
    "rollback_target",
]

State = Literal["moved", "unchanged", "pending"]


@dataclass(frozen=True, slots=True)
class Promotion:
    """What a promotion did: ``moved`` the alias, found it ``unchanged``, or left it
    ``pending`` approval (then ``approval`` is the request and ``approvers`` says who)."""

    model: str
    version: int
    alias: str
    state: State
    move: AliasMove | None = None
    approval: ApprovalRecord | None = None
    approvers: str = ""
    remaining: int = 0

    def sentence(self) -> str:
        """One line for people."""
        target = f"{self.model} v{self.version} → {self.alias}"
        if self.state == "moved":
            assert self.move is not None
            before = self.move.from_version
            was = f" (was v{before})" if before is not None else ""
            return f"{self.alias} of {self.model} now points at v{self.version}{was}"
        if self.state == "unchanged":
            return f"{self.alias} of {self.model} already points at v{self.version}"
        assert self.approval is not None
        count = f"{self.remaining} approval{'s' if self.remaining != 1 else ''}"
        expires = (
            f"; the request expires {self.approval.expires_at:%Y-%m-%d %H:%M} UTC"
            if self.approval.expires_at
            else ""
        )
        return f"{target} needs {count} from {self.approvers}{expires}"


def move(
    tx: Tx,
    record: VersionRecord,
    alias: str,
    *,
    kind: str,
    reason: str | None,
    run_id: str | None = None,
    approval_id: int | None = None,
) -> AliasMove:
    """Move ``alias`` to ``record`` inside ``tx``, with its audit entry and event."""
    moved = tx.writer.move_alias(
        record.model,
        alias,
        record.version,
        kind=kind,
        at=tx.now,
        actor=tx.actor,
        reason=reason,
        run_id=run_id,
        approval_id=approval_id,
    )
    data = {
        "alias": alias,
        "from_version": moved.from_version,
        "to_version": moved.to_version,
        "kind": kind,
        "reason": reason,
        "run_id": run_id,
        "approval_id": approval_id,
    }
    tx.audit("alias.moved", f"{record.model}@{alias}", {"model": record.model, **data})
    tx.event("alias.moved", record.model, data)
    return moved


def place(
    session: Session,
    tx: Tx,
    record: VersionRecord,
    alias: str,
    *,
    reason: str | None,
    kind: str = "promote",
    run_id: str | None = None,
) -> Promotion:
    """Apply ``alias``'s policy to moving it to ``record``: move, or open an approval request."""
    policy = session.config.policy(alias)
    current = tx.writer.alias(record.model, alias)
    if current is not None and current.version == record.version:
        return Promotion(record.model, record.version, alias, "unchanged")
    requirement = policy.requirement(record, reason=reason)
    if requirement.inconclusive:
        check_reason(
            reason,
            required=True,
            what=f"promoting {record.model} v{record.version}, whose gates were inconclusive, "
            f"to {alias}",
        )
    if requirement.direct:
        moved = move(tx, record, alias, kind=kind, reason=reason, run_id=run_id)
        return Promotion(record.model, record.version, alias, "moved", move=moved)
    return _request(tx, policy, record, alias, needed=requirement.approvals, reason=reason)


def _request(
    tx: Tx, policy: Policy, record: VersionRecord, alias: str, *, needed: int, reason: str | None
) -> Promotion:
    """The pending request for this move: the open one, or a new one."""
    for request in tx.writer.approvals(record.model, version=record.version, alias=alias):
        if request.status != "pending":
            continue
        if request.expired(tx.now):
            tx.writer.close_approval(request.id, status="expired", at=tx.now)
            tx.audit(
                "approval.expired",
                f"{record.model} v{record.version}@{alias}",
                {
                    "approval_id": request.id,
                    "expired_at": request.expires_at and str(request.expires_at),
                },
            )
            continue
        return Promotion(
            record.model,
            record.version,
            alias,
            "pending",
            approval=request,
            approvers=policy.who(requester=request.requested_by, exclude=request.approved_by),
            remaining=request.needed - len(request.approved_by),
        )
    evidence = evidence_of(record)
    request = tx.writer.add_approval(
        record.model,
        record.version,
        alias,
        needed=needed,
        expires_at=policy.expiry(tx.now),
        evidence=evidence,
        reason=reason,
        at=tx.now,
        actor=tx.actor,
    )
    subject = f"{record.model} v{record.version}@{alias}"
    tx.audit(
        "approval.requested",
        subject,
        {
            "approval_id": request.id,
            "model": record.model,
            "version": record.version,
            "alias": alias,
            "needed": needed,
            "approvers": list(policy.approvers),
            "expires_at": None if request.expires_at is None else request.expires_at.isoformat(),
            "reason": reason,
            "evidence": evidence,
        },
    )
    who = policy.who(requester=tx.actor)
    tx.event(
        "approval.requested",
        record.model,
        {
            "approval_id": request.id,
            "version": record.version,
            "alias": alias,
            "needed": needed,
            "approvers": who,
            "verdict": record.verdict,
        },
    )
    return Promotion(
        record.model,
        record.version,
        alias,
        "pending",
        approval=request,
        approvers=who,
        remaining=needed,
    )


def find_version(tx: Tx, name: str, version: int) -> tuple[ModelRecord, VersionRecord]:
    model = tx.writer.model(name)
    if model is None:
        raise no_model(name, tx.writer.model_names())
    record = tx.writer.version(name, version)
    if record is None:
        raise no_version(model, version)
    return model, record


def promote(
    name: str,
    version: int,
    *,
    to: str,
    reason: str | None = None,
    settings: Settings | None = None,
    session: Session | None = None,
) -> Promotion:
    """Move alias ``to`` of model ``name`` to ``version``, as its promotion policy allows.

    Returns a :class:`Promotion` whose ``state`` is ``moved``, ``unchanged`` or
    ``pending`` (an approval request was opened, or one is already open).
    Raises ``CheckFailed`` when the policy requires passed gates and the version
    failed them, ``UsageError`` when a required reason is missing.
    """
    check_model_name(name)
    check_version(version)
    check_alias(to)
    cleaned = check_reason(reason, required=False, what="")
    with using(session, settings, write=True) as session, session.write() as tx:
        _, record = find_version(tx, name, version)
        return place(session, tx, record, to, reason=cleaned)


def rollback_target(moves: list[AliasMove]) -> tuple[int | None, list[int]]:
    """The version a rollback returns to (None if none) and every version the alias held.

    The history is replayed as a stack: each move pushes its version, and a
    rollback to ``v`` pops back down to ``v``; the target is the entry below the top.
    """
    stack: list[int] = []
    for entry in moves:
        if entry.kind == "rollback" and entry.to_version in stack:
            while stack[-1] != entry.to_version:
                stack.pop()
        elif not stack or stack[-1] != entry.to_version:
            stack.append(entry.to_version)
    held = sorted({entry.to_version for entry in moves})
    return (stack[-2] if len(stack) >= 2 else None), held


def rollback(
    name: str,
    *,
    alias: str = "production",
    to: int | None = None,
    reason: str | None = None,
    settings: Settings | None = None,
    session: Session | None = None,
) -> Promotion:
    """Move ``alias`` back to the version it pointed to before, or to version ``to``.

    ``to`` must be a version the alias pointed to at some time. Raises
    ``ConflictError`` when there is no previous version to return to.
    """
    check_model_name(name)
    check_alias(alias)
    if to is not None:
        check_version(to)
    cleaned = check_reason(reason, required=False, what="")
    with using(session, settings, write=True) as session, session.write() as tx:
        model = tx.writer.model(name)
        if model is None:
            raise no_model(name, tx.writer.model_names())
        current = tx.writer.alias(name, alias)
        if current is None:
            raise no_alias(model, alias)
        moves = tx.writer.alias_history(name, alias)
        previous, held = rollback_target(moves)
        if to is None:
            if previous is None:
                raise ConflictError(
                    f"{alias} of {name} has no previous version to roll back to: it has only "
                    f"ever pointed at v{current.version}; nothing was changed",
                    hint=f"Promote another version: mlgate promote {name} VERSION --to {alias}",
                )
            target = previous
        else:
            if tx.writer.version(name, to) is None:
                raise no_version(model, to)
            if to not in held:
                raise ConflictError(
                    f"{alias} of {name} never pointed at v{to} (it held "
                    f"{', '.join(f'v{v}' for v in held)}); a rollback only returns to one of "
                    "those; nothing was changed",
                    hint=f"Promote it instead: mlgate promote {name} {to} --to {alias}",
                )
            if to == current.version:
                raise ConflictError(
                    f"{alias} of {name} already points at v{to}; nothing was changed",
                    hint="Pick another version with --to, or leave it.",
                )
            target = to
        record = tx.writer.version(name, target)
        assert record is not None
        moved = move(tx, record, alias, kind="rollback", reason=cleaned)
        return Promotion(name, target, alias, "moved", move=moved)


def history(
    name: str,
    *,
    alias: str | None = None,
    settings: Settings | None = None,
    session: Session | None = None,
) -> list[AliasMove]:
    """Every move of the model's aliases (or of one alias), oldest first."""
    check_model_name(name)
    if alias is not None:
        check_alias(alias)
    with using(session, settings) as session:
        store = session.stores.metadata
        model = store.get_model(name)
        if model is None:
            raise no_model(name, (m.name for m in store.list_models()))
        moves = store.alias_moves(name, alias=alias)
        if alias is not None and not moves:
            raise no_alias(model, alias)
        return moves
