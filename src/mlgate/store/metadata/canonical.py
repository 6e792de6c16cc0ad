"""Canonical JSON and the audit log's entry hash, shared by the store and its verifier.

Canonical JSON has sorted keys, no spaces, UTF-8 text and no NaN or infinity, so
the same value always gives the same bytes on every backend and Python version.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

__all__ = ["canonical_json", "entry_hash", "utc_text"]


def canonical_json(value: Any) -> str:
    """``value`` as canonical JSON text; raises ``ValueError``/``TypeError`` if it is not JSON."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def utc_text(at: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with microseconds."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    *, prev_hash: str, at: datetime, actor: str, action: str, subject: str, payload: Any
) -> str:
    """SHA-256 (hex) over the canonical JSON of an audit entry and the previous entry's hash."""
    body = {
        "action": action,
        "actor": actor,
        "at": utc_text(at),
        "payload": payload,
        "prev": prev_hash,
        "subject": subject,
    }
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()
