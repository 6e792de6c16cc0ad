"""Snapshot manifests: relative path → (BLAKE3 digest, size), and their canonical bytes.

The manifest is stored as an artifact; its digest is the snapshot id. The
bytes are canonical (sorted paths, compact JSON) so the same files always give
the same id, wherever they were snapshotted from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from mlgate.errors import IntegrityError

__all__ = ["FORMAT", "ManifestEntry", "Snapshot", "decode_manifest", "encode_manifest"]

FORMAT = "mlgate-snapshot/1"


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One file of a snapshot: its path relative to the snapshot root ('/'-separated)."""

    path: str
    digest: str
    size: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An immutable data snapshot: its id, what it was made from, and its files."""

    id: str
    name: str | None
    source: str
    created_at: datetime
    files: tuple[ManifestEntry, ...]

    @property
    def n_files(self) -> int:
        """Number of files."""
        return len(self.files)

    @property
    def n_bytes(self) -> int:
        """Total size of the files."""
        return sum(f.size for f in self.files)

    def file(self, path: str) -> ManifestEntry | None:
        """The entry for ``path``, if the snapshot has it."""
        for entry in self.files:
            if entry.path == path:
                return entry
        return None


def encode_manifest(files: list[ManifestEntry]) -> bytes:
    """Canonical manifest bytes (sorted by path)."""
    rows = [[f.path, f.digest, f.size] for f in sorted(files, key=lambda f: f.path)]
    return json.dumps(
        {"format": FORMAT, "files": rows}, separators=(",", ":"), ensure_ascii=False
    ).encode()


def decode_manifest(data: bytes, *, where: str) -> tuple[ManifestEntry, ...]:
    """Parse manifest bytes (already hash-verified) into entries."""
    try:
        doc = json.loads(data)
        if doc.get("format") != FORMAT:
            raise ValueError(f"unknown format {doc.get('format')!r}")
        return tuple(ManifestEntry(str(p), str(d), int(s)) for p, d, s in doc["files"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IntegrityError(
            f"the snapshot manifest cannot be read: {exc}",
            where=where,
            hint="It may have been written by a newer mlgate; upgrade mlgate.",
        ) from None
