"""Promotion policies and approvals: who may let a version into an alias, and on what evidence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import mlgate.registry as registry
from mlgate.config import Settings
from mlgate.errors import ApprovalRequired, CheckFailed, ConflictError, NotFoundError, UsageError

from .helpers import FAILED_GATES, INCONCLUSIVE_GATES, PRODUCTION, dump, register, sql, write_spec

Actor = Callable[[str], Settings]


@pytest.fixture
def governed(project: Path, settings: Settings) -> Settings:
    write_spec(project, deploy={"production": PRODUCTION})
    return settings


def test_promotion_needing_approval_is_pending_until_approved(
    governed: Settings, as_user: Actor
) -> None:
    register(governed)
    carol = as_user("carol")
    pending = registry.promote("churn", 1, to="production", reason="new data", settings=carol)
    assert pending.state == "pending"
    assert pending.approvers == "alice or bob"
    assert "needs 1 approval from alice or bob" in pending.sentence()
    assert registry.models(settings=carol)[0].aliases == {}
    assert registry.models(settings=carol)[0].pending == 1
    # asking again returns the same request
    again = registry.promote("churn", 1, to="production", settings=carol)
    assert again.approval is not None
    assert pending.approval is not None
    assert again.approval.id == pending.approval.id

    decision = registry.approve(
        "churn", 1, to="production", reason="looks right", settings=as_user("bob")
    )
    assert decision.state == "approved"
    assert decision.move is not None
    assert decision.move.approval_id == pending.approval.id
    assert registry.models(settings=carol)[0].aliases == {"production": 1}
    (move,) = registry.history("churn", settings=carol)
    assert (move.kind, move.actor, move.reason) == ("approval", "bob", "looks right")
    assert registry.verify_audit(settings=carol).ok


def test_failed_gates_cannot_reach_an_alias_that_requires_passed_gates(governed: Settings) -> None:
    register(governed, verdict="fail", gates=FAILED_GATES)
    register(governed, verdict=None)
    before = dump(governed)
    with pytest.raises(CheckFailed, match=r"churn v1 has failed its gates.*is below 0.95"):
        registry.promote("churn", 1, to="production", reason="x", settings=governed)
    with pytest.raises(CheckFailed, match="churn v2 has no gate verdict"):
        registry.promote("churn", 2, to="production", reason="x", settings=governed)
    assert dump(governed) == before
    # an alias without a policy takes it
    assert registry.promote("churn", 1, to="staging", settings=governed).state == "moved"


def test_inconclusive_goes_through_an_approval_that_records_the_numbers(
    project: Path, settings: Settings, as_user: Actor
) -> None:
    write_spec(project, deploy={"production": {**PRODUCTION, "approvals": 0}})
    register(settings, verdict="inconclusive", gates=INCONCLUSIVE_GATES)
    before = dump(settings)
    with pytest.raises(
        UsageError, match="whose gates were inconclusive, to production needs a reason"
    ):
        registry.promote("churn", 1, to="production", settings=settings)
    assert dump(settings) == before
    pending = registry.promote("churn", 1, to="production", reason="try", settings=settings)
    assert pending.state == "pending"
    assert pending.remaining == 1

    reason = "accepted: +0.007 accuracy, CI [-0.004, 0.018], EU label delay"
    decision = registry.approve(
        "churn", 1, to="production", reason=reason, settings=as_user("alice")
    )
    assert decision.state == "approved"
    (recorded,) = decision.approval.decisions
    assert recorded.reason == reason
    assert recorded.accepted["verdict"] == "inconclusive"
    assert recorded.accepted["gates"] == INCONCLUSIVE_GATES
    stored = registry.show("churn", settings=settings).approvals[0].decisions[0]
    assert stored.accepted == recorded.accepted


def test_reason_required_by_policy(project: Path, settings: Settings) -> None:
    write_spec(project, deploy={"staging": {"require_reason": True}})
    register(settings)
    before = dump(settings)
    with pytest.raises(UsageError, match=r"promoting to staging requires a reason"):
        registry.promote("churn", 1, to="staging", reason="  ", settings=settings)
    assert dump(settings) == before
    assert (
        registry.promote("churn", 1, to="staging", reason="ok", settings=settings).state == "moved"
    )


def _pending(settings: Settings, as_user: Actor, requester: str = "alice") -> Settings:
    register(settings)
    who = as_user(requester)
    assert registry.promote("churn", 1, to="production", settings=who).state == "pending"
    return who


def test_self_approval_is_refused(governed: Settings, as_user: Actor) -> None:
    alice = _pending(governed, as_user, "alice")
    before = dump(governed)
    with pytest.raises(
        ApprovalRequired,
        match=r"alice asked for churn v1 → production and may not approve it too.*Ask bob",
    ):
        registry.approve("churn", 1, to="production", reason="mine", settings=alice)
    assert dump(governed) == before


def test_approval_by_someone_not_in_approvers_is_refused(
    governed: Settings, as_user: Actor
) -> None:
    _pending(governed, as_user)
    before = dump(governed)
    with pytest.raises(ApprovalRequired, match="mallory may not approve churn v1 → production"):
        registry.approve("churn", 1, to="production", reason="sure", settings=as_user("mallory"))
    with pytest.raises(ApprovalRequired, match="mallory may not reject"):
        registry.reject("churn", 1, reason="no", settings=as_user("mallory"))
    assert dump(governed) == before


def test_approving_twice_is_refused(project: Path, settings: Settings, as_user: Actor) -> None:
    write_spec(project, deploy={"production": {**PRODUCTION, "approvals": 2}})
    _pending(settings, as_user, "carol")
    first = registry.approve("churn", 1, to="production", reason="ok", settings=as_user("alice"))
    assert (first.state, first.remaining, first.approvers) == ("pending", 1, "bob")
    before = dump(settings)
    with pytest.raises(ConflictError, match="alice already approved churn v1 → production"):
        registry.approve("churn", 1, to="production", reason="again", settings=as_user("alice"))
    assert dump(settings) == before
    done = registry.approve("churn", 1, to="production", reason="ok", settings=as_user("bob"))
    assert done.state == "approved"
    before = dump(settings)
    with pytest.raises(ConflictError, match="was already approved by alice, bob"):
        registry.approve("churn", 1, to="production", reason="late", settings=as_user("bob"))
    assert dump(settings) == before


def test_approval_without_a_request_or_reason(governed: Settings, as_user: Actor) -> None:
    register(governed)
    before = dump(governed)
    with pytest.raises(NotFoundError, match="nobody asked to promote churn v1 → production"):
        registry.approve("churn", 1, to="production", reason="ok", settings=as_user("bob"))
    with pytest.raises(UsageError, match="approving churn v1 → production needs a reason"):
        registry.approve("churn", 1, to="production", reason=" ", settings=as_user("bob"))
    with pytest.raises(NotFoundError, match="no pending approval request for churn v1"):
        registry.reject("churn", 1, reason="no", settings=as_user("bob"))
    assert dump(governed) == before


def test_reject_closes_the_request(governed: Settings, as_user: Actor) -> None:
    _pending(governed, as_user, "carol")
    (decision,) = registry.reject("churn", 1, reason="EU drop", settings=as_user("bob"))
    assert decision.state == "rejected"
    before = dump(governed)
    with pytest.raises(ConflictError, match="was rejected by bob"):
        registry.approve("churn", 1, to="production", reason="ok", settings=as_user("alice"))
    assert dump(governed) == before
    assert registry.models(settings=governed)[0].aliases == {}
    # a new request can be made
    again = registry.promote("churn", 1, to="production", settings=as_user("carol"))
    assert again.state == "pending"


def test_expired_request_cannot_be_approved(governed: Settings, as_user: Actor) -> None:
    _pending(governed, as_user, "carol")
    past = (datetime.now(UTC) - timedelta(hours=1)).replace(tzinfo=None).isoformat(sep=" ")
    sql(governed, "UPDATE approvals SET expires_at = ?", past)
    before = dump(governed)
    with pytest.raises(ConflictError, match="the request to promote churn v1 → production expired"):
        registry.approve("churn", 1, to="production", reason="ok", settings=as_user("bob"))
    assert dump(governed) == before
    assert registry.models(settings=governed)[0].pending == 0
    renewed = registry.promote("churn", 1, to="production", settings=as_user("carol"))
    assert renewed.state == "pending"
    assert renewed.approval is not None
    assert renewed.approval.id == 2
    statuses = [a.status for a in registry.show("churn", settings=governed).approvals]
    assert statuses == ["expired", "pending"]
    assert registry.verify_audit(settings=governed).ok
