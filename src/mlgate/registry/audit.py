"""The audit log: an append-only, hash-chained record of every registry change.

Each entry holds the SHA-256 of its canonical JSON form (time, actor, action,
subject, payload and the previous entry's hash), so editing any entry breaks its
own hash, deleting one breaks the next entry's link (or, for the last one, the
head that writers record), and moving one breaks the order of links.
:func:`verify` walks the chain and names the first entry that is wrong.

Entries are written by the registry in the same transaction as the change they
describe (see :class:`mlgate.registry.session.Tx`); nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mlgate.config import Settings
from mlgate.registry.session import Session
from mlgate.store.metadata.base import MetadataStore
from mlgate.store.metadata.base_registry import GENESIS, AuditEntry
from mlgate.store.metadata.canonical import entry_hash, utc_text

__all__ = ["AuditProblem", "AuditReport", "describe", "verify", "verify_audit"]

#: Entries read per query while verifying.
PAGE = 5000

Kind = Literal["edited", "deleted", "reordered", "truncated", "head"]


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """The first bad entry: its ``seq``, what happened to it, and a sentence that says so."""

    seq: int
    kind: Kind
    message: str


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The outcome of :func:`verify`: ``ok`` with the number of entries and the head hash."""

    ok: bool
    entries: int
    head: str
    problem: AuditProblem | None = None


def describe(entry: AuditEntry) -> str:
    """``#12 alias.moved churn@production by alice at 2024-05-01T12:00:00Z``."""
    at = utc_text(entry.at).replace("+00:00", "Z")
    return f"#{entry.seq} {entry.action} {entry.subject} by {entry.actor} at {at}"


def _content_hash(entry: AuditEntry) -> str:
    return entry_hash(
        prev_hash=entry.prev_hash,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        subject=entry.subject,
        payload=entry.payload,
    )


def verify(store: MetadataStore) -> AuditReport:
    """Check the whole chain; the report names the first bad entry, if any."""
    head_seq, head_hash = store.audit_head()
    seen: dict[str, int] = {}  # hash → seq of the entry that has it
    expected_prev, expected_seq, count = GENESIS, 1, 0
    after = 0
    while True:
        page = store.audit_entries(after=after, limit=PAGE)
        for entry in page:
            problem = _check(entry, expected_seq, expected_prev, seen)
            if problem is not None:
                return AuditReport(ok=False, entries=count, head=expected_prev, problem=problem)
            seen[entry.hash] = entry.seq
            expected_prev, expected_seq = entry.hash, entry.seq + 1
            count += 1
        if len(page) < PAGE:
            break
        after = page[-1].seq
    last_seq = expected_seq - 1
    if head_seq < 0:
        problem = AuditProblem(
            seq=last_seq,
            kind="head",
            message="the audit log's head record is missing: it was deleted by hand",
        )
        return AuditReport(ok=False, entries=count, head=expected_prev, problem=problem)
    if (head_seq, head_hash) != (last_seq, expected_prev):
        if head_seq > last_seq:
            lost = head_seq - last_seq
            message = (
                f"the log ends at entry #{last_seq}, but #{head_seq} was written: "
                f"the last {lost} entr{'y was' if lost == 1 else 'ies were'} deleted"
            )
            problem = AuditProblem(seq=last_seq + 1, kind="truncated", message=message)
        else:
            problem = AuditProblem(
                seq=head_seq,
                kind="head",
                message=f"the audit head records entry #{head_seq} with another hash than the "
                f"log's last entry #{last_seq}: the head or the log was edited",
            )
        return AuditReport(ok=False, entries=count, head=expected_prev, problem=problem)
    return AuditReport(ok=True, entries=count, head=expected_prev)


def _check(
    entry: AuditEntry, expected_seq: int, expected_prev: str, seen: dict[str, int]
) -> AuditProblem | None:
    if _content_hash(entry) != entry.hash:
        return AuditProblem(
            seq=entry.seq,
            kind="edited",
            message=f"entry {describe(entry)} was edited: its content does not match its hash",
        )
    if entry.prev_hash != expected_prev:
        earlier = seen.get(entry.prev_hash)
        if earlier is not None:
            return AuditProblem(
                seq=entry.seq,
                kind="reordered",
                message=f"entry {describe(entry)} is out of order: it was written after "
                f"#{earlier}, not after #{expected_seq - 1}",
            )
        if entry.seq > expected_seq:
            missing = (
                f"#{expected_seq}"
                if entry.seq == expected_seq + 1
                else f"#{expected_seq} to #{entry.seq - 1}"
            )
            return AuditProblem(
                seq=expected_seq,
                kind="deleted",
                message=f"entry {missing} was deleted: "
                f"{describe(entry)} follows #{expected_seq - 1}",
            )
        return AuditProblem(
            seq=entry.seq,
            kind="reordered",
            message=f"entry {describe(entry)} does not follow #{expected_seq - 1}: "
            "an entry was moved here, or the one before it was deleted",
        )
    if entry.seq != expected_seq:
        return AuditProblem(
            seq=entry.seq,
            kind="edited",
            message=f"entry {describe(entry)} was renumbered: #{expected_seq} was expected",
        )
    return None


def verify_audit(
    *, settings: Settings | None = None, session: Session | None = None
) -> AuditReport:
    """Verify the project's audit log (see :func:`verify`)."""
    if session is not None:
        return verify(session.stores.metadata)
    from mlgate.store.metadata import open_metadata

    settings = settings or Settings.load()
    with open_metadata(settings.db_url) as store:
        return verify(store)
