"""Has the data source changed since its last snapshot? (hashes only changed files)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlgate.config import SPEC_FILE, Settings
from mlgate.data._files import find_files
from mlgate.data._manifest import ManifestEntry, Snapshot
from mlgate.data._snapshot import hash_files, load_snapshot
from mlgate.errors import ConfigError
from mlgate.store.stores import open_stores

__all__ = ["DataStatus", "data_status"]


@dataclass(frozen=True, slots=True)
class DataStatus:
    """The source's files now, against its newest snapshot."""

    source: str
    last_snapshot: str | None  # id of the newest snapshot of this source
    current_id: str  # the id a snapshot taken now would get
    added: tuple[str, ...]
    removed: tuple[str, ...]
    modified: tuple[str, ...]
    files_read: int  # files hashed because the stat cache could not vouch for them

    @property
    def changed(self) -> bool:
        """Whether a snapshot taken now would differ from the last one."""
        return self.current_id != self.last_snapshot


def _configured_source(settings: Settings) -> str:
    spec_path = settings.project / SPEC_FILE
    if not spec_path.is_file():
        raise ConfigError(
            "no data source given and no mlgate.yaml found",
            where=str(settings.project),
            hint="Pass the data path (mlgate data status PATH) or run `mlgate init`.",
        )
    from mlgate.spec import load_spec

    source = load_spec(spec_path).data.source
    return str(settings.project / source)


def data_status(path: str | Path | None = None, *, settings: Settings | None = None) -> DataStatus:
    """Compare the data at ``path`` (default: ``data.source``) with its last snapshot."""
    from mlgate.data._manifest import encode_manifest
    from mlgate.store.artifacts.cas import hash_bytes

    settings = settings or Settings.load()
    target = str(path) if path is not None else _configured_source(settings)
    _, source, files = find_files(target, project=settings.project)
    with open_stores(settings) as stores:
        hashed = hash_files(files, stores, store=False)
        stores.metadata.stat_update(hashed.stat_entries)
        now = [ManifestEntry(f.rel, hashed.digests[f.rel], f.size) for f in files]
        current_id = hash_bytes(encode_manifest(now))
        previous = stores.metadata.list_snapshots(source=source)
        last: Snapshot | None = load_snapshot(previous[0].id, stores) if previous else None
    old = {f.path: f.digest for f in last.files} if last else {}
    new = {f.path: f.digest for f in now}
    return DataStatus(
        source=source,
        last_snapshot=last.id if last else None,
        current_id=current_id,
        added=tuple(sorted(new.keys() - old.keys())),
        removed=tuple(sorted(old.keys() - new.keys())),
        modified=tuple(sorted(p for p in new.keys() & old.keys() if new[p] != old[p])),
        files_read=hashed.files_read,
    )
