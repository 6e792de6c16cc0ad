"""Alembic environment: migrate the connection mlgate hands over.

mlgate passes its own open connection (inside a transaction that holds the
write lock) in ``config.attributes["connection"]``. A developer may instead set
``sqlalchemy.url`` on the config to run Alembic by hand.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from mlgate.store.metadata.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    if context.is_offline_mode():
        raise RuntimeError("mlgate migrations run online only: pass a connection or sqlalchemy.url")
    connection = context.config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as own:
            _run(own)
    finally:
        engine.dispose()


_main()
