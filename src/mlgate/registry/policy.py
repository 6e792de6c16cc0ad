"""Promotion policies: what moving a version to an alias requires (``deploy:`` in mlgate.yaml).

::

    deploy:
      production:
        requires: [gates_passed]   # the version's gate verdict must be pass
        approvals: 1               # people who must approve before the alias moves
        approvers: [alice, bob]    # who may approve (empty: anyone)
        allow_self_approval: false # may whoever asked approve it?
        require_reason: true       # promote, approve and reject need --reason
        expires: 7d                # a pending request expires after this long

An alias without a policy moves at once. A version whose verdict is
``inconclusive`` reaches an alias that requires ``gates_passed`` only through an
approval (at least one, even if ``approvals`` is 0), whose reason is recorded with
the numbers it accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mlgate.errors import CheckFailed, UsageError
from mlgate.store.metadata.base_registry import VersionRecord

if TYPE_CHECKING:
    from mlgate.spec import AliasPolicy

__all__ = ["Policy", "Requirement", "evidence_of"]


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a promotion of one version to one alias needs: ``approvals`` people, or none."""

    approvals: int
    reason_required: bool
    inconclusive: bool

    @property
    def direct(self) -> bool:
        """Whether the alias may move at once."""
        return self.approvals == 0


@dataclass(frozen=True, slots=True)
class Policy:
    """The promotion policy of one alias."""

    alias: str
    requires: tuple[str, ...] = ()
    approvals: int = 0
    approvers: tuple[str, ...] = ()
    allow_self_approval: bool = False
    require_reason: bool = False
    expires: int | None = None  # seconds

    @classmethod
    def from_spec(cls, alias: str, spec: AliasPolicy) -> Policy:
        """The policy as ``deploy.<alias>`` of mlgate.yaml declares it."""
        return cls(
            alias=alias,
            requires=tuple(spec.requires),
            approvals=spec.approvals,
            approvers=tuple(spec.approvers),
            allow_self_approval=spec.allow_self_approval,
            require_reason=spec.require_reason,
            expires=None if spec.expires is None else int(spec.expires),
        )

    def requirement(self, version: VersionRecord, *, reason: str | None) -> Requirement:
        """What promoting ``version`` needs; raises when the policy refuses it outright.

        ``CheckFailed`` when the alias requires passed gates and the version's
        failed (or it has none); ``UsageError`` when a reason is required and missing.
        """
        label = f"{version.model} v{version.version}"
        inconclusive = False
        if "gates_passed" in self.requires:
            if version.verdict == "inconclusive":
                inconclusive = True
            elif version.verdict != "pass":
                got = "no gate verdict" if version.verdict is None else "failed its gates"
                raise CheckFailed(
                    f"{label} has {got}, and {self.alias} requires passed gates "
                    f"(deploy.{self.alias}.requires: [gates_passed]); nothing was changed",
                    hint=_failed_gates(version)
                    + "Train a version that passes, or promote to another alias.",
                )
        if self.require_reason and not reason:
            raise UsageError(
                f"promoting to {self.alias} requires a reason "
                f"(deploy.{self.alias}.require_reason); nothing was changed",
                hint='Add --reason "why this version".',
            )
        needed = max(self.approvals, 1) if inconclusive else self.approvals
        return Requirement(
            approvals=needed,
            reason_required=self.require_reason or inconclusive,
            inconclusive=inconclusive,
        )

    def expiry(self, now: datetime) -> datetime | None:
        """When a request made at ``now`` expires."""
        return None if self.expires is None else now + timedelta(seconds=self.expires)

    def may_decide(self, actor: str) -> bool:
        """Whether ``actor`` is one of the approvers (anyone, when none are listed)."""
        return not self.approvers or actor in self.approvers

    def who(self, *, requester: str | None = None, exclude: tuple[str, ...] = ()) -> str:
        """Who may approve, in words: ``alice or bob``, ``anyone but alice``."""
        barred = set(exclude)
        if requester is not None and not self.allow_self_approval:
            barred.add(requester)
        if self.approvers:
            names = [name for name in self.approvers if name not in barred]
            if not names:
                return "nobody (every approver is excluded; change deploy.approvers)"
            return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        if barred:
            return "anyone but " + ", ".join(sorted(barred))
        return "anyone"


def evidence_of(version: VersionRecord) -> dict[str, Any]:
    """The numbers an approver accepts: the version's verdict, gate results and metrics."""
    return {
        "verdict": version.verdict,
        "gates": version.gates,
        "metrics": version.metrics,
        "run_id": version.run_id,
    }


def _failed_gates(version: VersionRecord) -> str:
    failed = [gate for gate in version.gates if gate.get("status") == "fail"]
    sentences = [str(gate.get("sentence") or gate.get("name") or "") for gate in failed]
    sentences = [sentence for sentence in sentences if sentence]
    return ("Failed: " + "; ".join(sentences) + ". ") if sentences else ""
