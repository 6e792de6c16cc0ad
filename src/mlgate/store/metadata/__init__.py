"""Metadata store: runs, snapshots, registry and audit records in one SQL database.

``base.MetadataStore`` is the interface; ``sql.SqlMetadataStore`` writes every
query once with SQLAlchemy Core; ``sqlite`` and ``postgres`` only connect and
tune. The schema is versioned by one Alembic history in ``migrations/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlgate.config import Settings
    from mlgate.store.metadata.base import MetadataStore

__all__ = ["open_metadata", "open_metadata_for"]


def open_metadata(url: str) -> MetadataStore:
    """Open the metadata store at a SQLAlchemy URL, upgrading an older schema.

    ``sqlite:///path/to/mlgate.db`` (the folder is created), ``sqlite://`` (in
    memory) or ``postgresql+psycopg://user@host/dbname``. Raises ``ConfigError``
    for a malformed or unsupported URL or a missing driver, ``StorageError`` when
    the database cannot be created or written, and ``SchemaVersionError`` when a
    newer mlgate wrote it. Close the store (or use it as a context manager).
    """
    from mlgate.store.metadata.open import open_url

    return open_url(url)


def open_metadata_for(settings: Settings) -> MetadataStore:
    """Open the project's metadata store: ``MLGATE_DB`` or ``.mlgate/mlgate.db``."""
    return open_metadata(settings.db_url)
