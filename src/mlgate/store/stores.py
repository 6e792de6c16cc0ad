"""Both stores of a project, opened together from its settings."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

from mlgate.config import Settings
from mlgate.store.artifacts import open_artifacts
from mlgate.store.artifacts.cas import ArtifactStore
from mlgate.store.metadata import open_metadata
from mlgate.store.metadata.base import MetadataStore

__all__ = ["Stores", "open_stores"]


@dataclass(frozen=True)
class Stores:
    """The metadata store and artifact store of one project; close with ``with``."""

    settings: Settings
    metadata: MetadataStore
    artifacts: ArtifactStore

    def close(self) -> None:
        """Close both stores."""
        try:
            self.metadata.close()
        finally:
            self.artifacts.close()

    def __enter__(self) -> Stores:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_stores(settings: Settings | None = None) -> Stores:
    """Open the project's metadata database and artifact store (created on first use)."""
    settings = settings or Settings.load()
    artifacts = open_artifacts(settings.store_url)
    try:
        metadata = open_metadata(settings.db_url)
    except BaseException:
        artifacts.close()
        raise
    return Stores(settings=settings, metadata=metadata, artifacts=artifacts)
