"""Restoring a snapshot's exact bytes into a new folder, every file verified."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path, PurePosixPath

from mlgate.data._manifest import Snapshot
from mlgate.errors import ConflictError, IntegrityError, StorageError
from mlgate.store.artifacts.cas import ArtifactStore

__all__ = ["checkout_snapshot"]


def _safe_rel(path: str) -> PurePosixPath:
    rel = PurePosixPath(path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise IntegrityError(
            f"the manifest lists the unsafe path {path!r}",
            hint="The manifest was tampered with; do not restore it.",
        )
    return rel


def checkout_snapshot(snap: Snapshot, dest: Path, artifacts: ArtifactStore) -> Path:
    """Write every file of ``snap`` under ``dest`` (which must be absent or empty).

    Files are written into a temporary sibling folder and verified there; the
    folder takes ``dest``'s name only when complete, so a failure leaves
    nothing behind.
    """
    dest = dest.absolute()
    if dest.exists():
        if not dest.is_dir():
            raise ConflictError(
                f"cannot check out into {dest}: it is a file",
                hint="Choose a new folder name.",
            )
        if any(dest.iterdir()):
            raise ConflictError(
                f"cannot check out into {dest}: the folder is not empty",
                hint="Choose a new or empty folder; mlgate never overwrites files.",
            )
    parent = dest.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = parent / f".{dest.name}.mlgate-checkout-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
    except OSError as exc:
        raise StorageError(
            f"cannot create {dest}: {exc.strerror or exc}", hint="Check permissions and free space."
        ) from exc
    try:
        for entry in snap.files:
            target = staging.joinpath(*_safe_rel(entry.path).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            artifacts.export(entry.digest, target)
        if dest.exists():
            dest.rmdir()  # empty, checked above
        os.replace(staging, dest)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise StorageError(
            f"cannot write {dest}: {exc.strerror or exc}; nothing was checked out",
            hint="Check permissions and free space.",
        ) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dest
