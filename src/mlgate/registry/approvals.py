"""Approvals: a person's recorded decision on moving a version to an alias that requires it.

``promote`` opens a request when the alias's policy asks for approvals; each
``approve`` by an allowed person (with a reason) is recorded with the evidence
it accepted, the verdict, gate results and metrics of the version, so an
inconclusive verdict is only ever promoted by someone who saw, and signed off
on, those exact numbers. When enough people approved, the alias moves in the
same transaction. ``reject`` closes a request. Requests expire after the
policy's ``expires``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from mlgate.config import Settings
from mlgate.errors import ApprovalRequired, ConflictError, NotFoundError
from mlgate.registry.aliases import find_version, move
from mlgate.registry.lookup import check_alias, check_model_name, check_reason, check_version
from mlgate.registry.policy import Policy
from mlgate.registry.session import Session, Tx, using
from mlgate.store.metadata.base_registry import AliasMove, ApprovalRecord

__all__ = ["Decision", "approve", "reject"]


@dataclass(frozen=True, slots=True)
class Decision:
    """What a decision did: the request (after it), its ``state``, and the alias move if any.

    ``state`` is ``approved`` (the alias moved), ``pending`` (more approvals are
    needed: ``remaining`` from ``approvers``) or ``rejected``.
    """

    approval: ApprovalRecord
    state: Literal["approved", "pending", "rejected"]
    move: AliasMove | None = None
    remaining: int = 0
    approvers: str = ""

    def sentence(self) -> str:
        """One line for people."""
        a = self.approval
        target = f"{a.model} v{a.version} → {a.alias}"
        if self.state == "approved":
            return f"approved {target}: {a.alias} of {a.model} now points at v{a.version}"
        if self.state == "rejected":
            return f"rejected {target}"
        count = f"{self.remaining} more approval{'s' if self.remaining != 1 else ''}"
        return f"approval of {target} recorded; {count} needed from {self.approvers}"


def _label(request: ApprovalRecord) -> str:
    return f"{request.model} v{request.version} → {request.alias}"


def _open_request(tx: Tx, name: str, version: int, alias: str) -> ApprovalRecord:
    """The request an approval decides on; every other state is a clear error."""
    requests = tx.writer.approvals(name, version=version, alias=alias)
    label = f"{name} v{version} → {alias}"
    if not requests:
        raise NotFoundError(
            f"nobody asked to promote {label}: there is no approval request; nothing was changed",
            hint=f"Ask first: mlgate promote {name} {version} --to {alias}",
        )
    last = requests[-1]
    if last.status == "pending" and not last.expired(tx.now):
        return last
    if last.status == "approved":
        raise ConflictError(
            f"{label} was already approved by {', '.join(last.approved_by)}"
            f"{f' at {last.closed_at:%Y-%m-%d %H:%M} UTC' if last.closed_at else ''}; "
            "nothing was changed",
            hint=f"See `mlgate models history {name}`.",
        )
    if last.status == "rejected":
        who = [d.actor for d in last.decisions if d.decision == "reject"]
        raise ConflictError(
            f"{label} was rejected by {', '.join(who) or 'someone'}; nothing was changed",
            hint=f"Ask again: mlgate promote {name} {version} --to {alias}",
        )
    expired = last.expires_at
    raise ConflictError(
        f"the request to promote {label} expired"
        f"{f' at {expired:%Y-%m-%d %H:%M} UTC' if expired else ''}; nothing was changed",
        hint=f"Ask again: mlgate promote {name} {version} --to {alias}",
    )


def _check_actor(policy: Policy, request: ApprovalRecord, actor: str, *, verb: str) -> None:
    if not policy.may_decide(actor):
        raise ApprovalRequired(
            f"{actor} may not {verb} {_label(request)}: deploy.{request.alias}.approvers "
            f"lists {', '.join(policy.approvers)}; nothing was changed",
            hint=f"Ask {policy.who(requester=request.requested_by)} to {verb} it.",
        )


def approve(
    name: str,
    version: int,
    *,
    to: str,
    reason: str,
    settings: Settings | None = None,
    session: Session | None = None,
) -> Decision:
    """Approve the pending request to move alias ``to`` of ``name`` to ``version``.

    The actor (``MLGATE_USER`` or the OS user) must be one of the alias's
    approvers, must not be the requester unless self-approval is allowed, and
    must not have approved it already. The decision records ``reason`` and the
    exact evidence approved. With enough approvals, the alias moves at once.
    """
    check_model_name(name)
    check_version(version)
    check_alias(to)
    why = check_reason(reason, required=True, what=f"approving {name} v{version} → {to}")
    assert why is not None
    with using(session, settings, write=True) as session, session.write() as tx:
        _, record = find_version(tx, name, version)
        request = _open_request(tx, name, version, to)
        policy = session.config.policy(to)
        _check_actor(policy, request, tx.actor, verb="approve")
        if tx.actor == request.requested_by and not policy.allow_self_approval:
            raise ApprovalRequired(
                f"{tx.actor} asked for {_label(request)} and may not approve it too "
                f"(deploy.{to}.allow_self_approval is false); nothing was changed",
                hint=f"Ask {policy.who(requester=request.requested_by)} to approve it.",
            )
        if tx.actor in request.approved_by:
            raise ConflictError(
                f"{tx.actor} already approved {_label(request)}; nothing was changed",
                hint=f"It needs {request.needed - len(request.approved_by)} more approval(s) from "
                f"{policy.who(requester=request.requested_by, exclude=request.approved_by)}.",
            )
        decision = tx.writer.add_decision(
            request.id,
            decision="approve",
            reason=why,
            accepted=request.evidence,
            at=tx.now,
            actor=tx.actor,
        )
        approved_by = (*request.approved_by, tx.actor)
        done = len(approved_by) >= request.needed
        subject = f"{name} v{version}@{to}"
        tx.audit(
            "approval.decided",
            subject,
            {
                "approval_id": request.id,
                "decision": "approve",
                "reason": why,
                "accepted": request.evidence,
                "approvals": len(approved_by),
                "needed": request.needed,
            },
        )
        if done:
            tx.writer.close_approval(request.id, status="approved", at=tx.now)
        tx.event(
            "approval.decided",
            name,
            {
                "approval_id": request.id,
                "version": version,
                "alias": to,
                "decision": "approve",
                "reason": why,
                "complete": done,
            },
        )
        after = replace(
            request,
            status="approved" if done else "pending",
            closed_at=tx.now if done else None,
            decisions=(*request.decisions, decision),
        )
        if not done:
            return Decision(
                approval=after,
                state="pending",
                remaining=request.needed - len(approved_by),
                approvers=policy.who(requester=request.requested_by, exclude=approved_by),
            )
        moved = move(tx, record, to, kind="approval", reason=why, approval_id=request.id)
        return Decision(approval=after, state="approved", move=moved)


def reject(
    name: str,
    version: int,
    *,
    reason: str,
    to: str | None = None,
    settings: Settings | None = None,
    session: Session | None = None,
) -> list[Decision]:
    """Reject the pending requests to promote ``version`` (to alias ``to``, or to any alias).

    An approver of the alias, or whoever asked, may reject; a reason is required.
    """
    check_model_name(name)
    check_version(version)
    if to is not None:
        check_alias(to)
    why = check_reason(reason, required=True, what=f"rejecting {name} v{version}")
    assert why is not None
    with using(session, settings, write=True) as session, session.write() as tx:
        find_version(tx, name, version)
        requests = [
            r
            for r in tx.writer.approvals(name, version=version, alias=to)
            if r.status == "pending" and not r.expired(tx.now)
        ]
        if not requests:
            target = f"{name} v{version}" + (f" → {to}" if to else "")
            raise NotFoundError(
                f"there is no pending approval request for {target} to reject; nothing was changed",
                hint=f"See `mlgate models show {name} --version {version}`.",
            )
        decisions = []
        for request in requests:
            policy = session.config.policy(request.alias)
            if tx.actor != request.requested_by:
                _check_actor(policy, request, tx.actor, verb="reject")
            decision = tx.writer.add_decision(
                request.id,
                decision="reject",
                reason=why,
                accepted=request.evidence,
                at=tx.now,
                actor=tx.actor,
            )
            tx.writer.close_approval(request.id, status="rejected", at=tx.now)
            tx.audit(
                "approval.decided",
                f"{name} v{version}@{request.alias}",
                {"approval_id": request.id, "decision": "reject", "reason": why},
            )
            tx.event(
                "approval.decided",
                name,
                {
                    "approval_id": request.id,
                    "version": version,
                    "alias": request.alias,
                    "decision": "reject",
                    "reason": why,
                    "complete": True,
                },
            )
            after = replace(
                request,
                status="rejected",
                closed_at=tx.now,
                decisions=(*request.decisions, decision),
            )
            decisions.append(Decision(approval=after, state="rejected"))
        return decisions
