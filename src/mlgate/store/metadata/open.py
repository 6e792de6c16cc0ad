"""Open a metadata store by URL: the scheme picks the backend from :data:`BACKENDS`.

Parsing, connecting and upgrading errors are translated here, so a caller
only ever sees mlgate errors: a malformed or unsupported URL is a
:class:`~mlgate.errors.ConfigError` that shows the URL (password masked); a
folder or file that cannot be written is a ``StorageError`` naming the path.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from mlgate.errors import ConfigError
from mlgate.store.metadata.migrate import ensure_schema
from mlgate.store.metadata.sql import SqlMetadataStore

__all__ = ["BACKENDS", "Backend", "mask_password", "open_url"]

_EXAMPLES = "sqlite:///path/to/mlgate.db or postgresql+psycopg://user@host/dbname"


@dataclass(frozen=True, slots=True)
class Backend:
    """Where a backend's ``connect(url) -> (engine, where)`` lives, and how to install it."""

    connect: str
    install: str | None = None


#: URL scheme (the dialect, before any ``+driver``) → backend.
BACKENDS: dict[str, Backend] = {
    "sqlite": Backend("mlgate.store.metadata.sqlite:connect"),
    "postgresql": Backend(
        "mlgate.store.metadata.postgres:connect", "pip install 'mlgate[postgres]'"
    ),
    "postgres": Backend("mlgate.store.metadata.postgres:connect", "pip install 'mlgate[postgres]'"),
}

_PASSWORD = re.compile(r"(?P<head>://[^:/@]*:)[^@/]*@")


def mask_password(url: str) -> str:
    """The URL with any password replaced by ``***``."""
    return _PASSWORD.sub(r"\g<head>***@", url)


def open_url(url: str) -> SqlMetadataStore:
    """Connect to ``url``, bring its schema to the head revision and return the store."""
    shown = mask_password(url)
    parsed = _parse(url, shown)
    backend = BACKENDS.get(parsed.get_backend_name())
    if backend is None:
        raise ConfigError(
            f"mlgate does not support the database {parsed.get_backend_name()!r}",
            where=shown,
            hint=f"Use {_EXAMPLES} (MLGATE_DB).",
        )
    engine, where = _load(backend, shown)(parsed)
    try:
        ensure_schema(engine, where=where)
    except BaseException:
        engine.dispose()
        raise
    return SqlMetadataStore(engine, url=shown, where=where)


def _parse(url: str, shown: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(
            "is not a database URL",
            where=shown,
            hint=f"Use {_EXAMPLES} (MLGATE_DB).",
        ) from None


def _load(backend: Backend, shown: str) -> Callable[[URL], tuple[Engine, str]]:
    module_name, _, attribute = backend.connect.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"the backend for this database cannot be loaded ({exc})",
            where=shown,
            hint=backend.install,
        ) from None
    connect: Callable[[URL], tuple[Engine, str]] = getattr(module, attribute)
    return connect
