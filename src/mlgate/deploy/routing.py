"""Which version answers a request: the primary, a canary (sticky by request id), or the
primary with a shadow copy of the request sent to the candidate off the response path."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

__all__ = ["Routing", "bucket", "choose"]

Strategy = Literal["direct", "canary", "shadow"]


def bucket(request_id: str) -> float:
    """A stable number in [0, 1) for ``request_id``: the same id always lands in the same place.

    >>> bucket("abc") == bucket("abc")
    True
    """
    digest = hashlib.blake2b(request_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True)
class Routing:
    """The deploy policy's strategy and share of traffic for the candidate."""

    strategy: Strategy = "direct"
    traffic: float = 0.1


def choose(routing: Routing, request_id: str, *, has_candidate: bool) -> tuple[str, bool]:
    """``(route, mirror)``: ``route`` is ``primary`` or ``canary``; ``mirror`` says whether a
    shadow copy goes to the candidate."""
    if not has_candidate or routing.strategy == "direct":
        return "primary", False
    inside = bucket(request_id) < routing.traffic
    if routing.strategy == "canary":
        return ("canary" if inside else "primary"), False
    return "primary", inside
