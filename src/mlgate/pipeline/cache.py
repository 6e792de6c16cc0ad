"""Stage fingerprints: the hash of everything a stage reads.

A fingerprint covers the stage's logic version (bumped when mlgate changes what
a stage computes), and the components the stage names: code version, snapshot
id, params, seed, upstream outputs. Same fingerprint → the stored output is
reused. Components are kept with each stage record so ``mlgate status`` can
say which of them changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mlgate.store.artifacts.cas import hash_bytes

__all__ = ["STAGE_LOGIC", "canonical", "changed_components", "fingerprint"]

#: Version of each stage's logic; bump one to invalidate its cached outputs.
STAGE_LOGIC: dict[str, int] = {
    "snapshot": 1,
    "check": 1,
    "train": 1,
    "evaluate": 1,
    "gate": 1,
    "register": 1,
    "deploy": 1,
}


def canonical(value: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no spaces, so equal values hash equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def fingerprint(stage: str, components: Mapping[str, Any]) -> str:
    """BLAKE3 of the stage's logic version and its components."""
    return hash_bytes(canonical({"stage": stage, "logic": STAGE_LOGIC[stage], **components}))


def changed_components(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Names of the components that differ between two fingerprints' inputs."""
    keys = sorted(set(old) | set(new))
    return [k for k in keys if canonical(old.get(k)) != canonical(new.get(k))]
