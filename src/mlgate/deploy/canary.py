"""Ending a canary or shadow by hand: promote the candidate, or abort it.

The candidate is the version behind the ``candidate`` alias while it differs from
the served alias. Promoting moves the served alias to it (under that alias's
promotion policy, so an approval may be needed); aborting moves ``candidate``
back to the served version, which stops the canary at the server's next poll.
Both are ordinary alias moves: recorded in the audit log, undone by rollback.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlgate.config import Settings
from mlgate.errors import UsageError

__all__ = ["CanaryDecision", "abort", "promote"]


@dataclass(frozen=True)
class CanaryDecision:
    """What happened: the candidate version, the alias moved, and the registry's sentence."""

    model: str
    candidate: int
    alias: str
    state: str
    sentence: str


def _versions(
    name: str, alias: str, candidate_alias: str, settings: Settings | None
) -> tuple[int, int]:
    from mlgate.registry.session import Session
    from mlgate.registry.versions import resolve

    with Session.open(settings) as session:
        _, served = resolve(session, name, alias=alias)
        _, candidate = resolve(session, name, alias=candidate_alias)
    if candidate.version == served.version:
        raise UsageError(
            f"{name} has no canary: '{candidate_alias}' and '{alias}' both point to "
            f"v{served.version}",
            hint=f"Move '{candidate_alias}' to a new version first (mlgate promote {name} "
            f"VERSION --to {candidate_alias}).",
        )
    return served.version, candidate.version


def promote(
    name: str,
    *,
    alias: str = "production",
    candidate_alias: str = "candidate",
    reason: str | None = None,
    settings: Settings | None = None,
) -> CanaryDecision:
    """Move ``alias`` to the candidate version (the canary becomes the primary)."""
    from mlgate.registry.aliases import promote as move

    _, candidate = _versions(name, alias, candidate_alias, settings)
    result = move(name, candidate, to=alias, reason=reason, settings=settings)
    return CanaryDecision(name, candidate, alias, result.state, result.sentence())


def abort(
    name: str,
    *,
    alias: str = "production",
    candidate_alias: str = "candidate",
    reason: str | None = None,
    settings: Settings | None = None,
) -> CanaryDecision:
    """Move ``candidate_alias`` back to the served version (the canary stops serving)."""
    from mlgate.registry.aliases import promote as move

    served, candidate = _versions(name, alias, candidate_alias, settings)
    result = move(name, served, to=candidate_alias, reason=reason, settings=settings)
    return CanaryDecision(name, candidate, candidate_alias, result.state, result.sentence())
