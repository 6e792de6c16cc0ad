"""Metadata store: runs, snapshots, registry and audit records in one SQL database.

``base.MetadataStore`` is the interface; ``sql.SqlMetadataStore`` writes every
query once with SQLAlchemy Core; ``sqlite`` and ``postgres`` only connect and
tune. The schema is versioned by one Alembic history in ``migrations/``.
"""
