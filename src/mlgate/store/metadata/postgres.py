"""PostgreSQL: connect and tune, nothing else (the queries live in ``sql.py``).

``postgresql://`` and ``postgres://`` mean the psycopg 3 driver, installed by
``pip install 'mlgate[postgres]'``; the driver is imported only here, when a
PostgreSQL URL is opened.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL

from mlgate.errors import ConfigError
from mlgate.store.metadata.engines import shared_engine

__all__ = ["INSTALL_HINT", "connect"]

INSTALL_HINT = "Install the PostgreSQL driver: pip install 'mlgate[postgres]'"


def connect(url: URL) -> tuple[Engine, str]:
    """An engine for this PostgreSQL URL and the URL (password masked) to show in messages."""
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    where = url.render_as_string(hide_password=True)
    try:
        engine = shared_engine(
            url.render_as_string(hide_password=False),
            lambda: create_engine(
                url,
                pool_pre_ping=True,
                connect_args={"application_name": "mlgate", "connect_timeout": 10},
            ),
        )
    except ImportError as exc:
        raise ConfigError(
            f"the database driver for {url.drivername} is not installed ({exc})",
            where=where,
            hint=INSTALL_HINT,
        ) from None
    return engine, where
