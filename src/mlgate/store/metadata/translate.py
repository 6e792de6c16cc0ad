"""Turn database driver errors into mlgate errors, at the store's boundary.

SQLite reports a full disk, a read-only file or a held lock as
``OperationalError`` with a message; PostgreSQL uses SQLSTATE codes. Both
become :class:`~mlgate.errors.StorageError` or ``ConflictError`` that name the
database; anything else is left alone (an internal error, shown with its
traceback).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError

from mlgate.errors import ConflictError, MlgateError, StorageError

__all__ = ["translate_db_error", "translating"]

_PERMISSIONS = "Check that the folder and the database file exist and are writable by you."

#: (text in the SQLite message or a PostgreSQL SQLSTATE, error class, message, hint)
_RULES: tuple[tuple[str, type[MlgateError], str, str], ...] = (
    (
        "database or disk is full",
        StorageError,
        "the metadata database cannot grow: the disk is full",
        "Free some disk space and retry; the interrupted write was rolled back.",
    ),
    ("53100", StorageError, "the database server's disk is full", "Free space on the server."),
    (
        "readonly database",
        StorageError,
        "the metadata database is read-only",
        _PERMISSIONS,
    ),
    (
        "unable to open database file",
        StorageError,
        "cannot open the metadata database",
        _PERMISSIONS,
    ),
    (
        "disk i/o error",
        StorageError,
        "the metadata database could not be read or written",
        _PERMISSIONS,
    ),
    (
        "database is locked",
        ConflictError,
        "the metadata database stayed locked by another process",
        "Wait for the other mlgate command to finish, then retry.",
    ),
    ("40p01", ConflictError, "the database aborted a deadlock", "Retry the command."),
    ("connection refused", StorageError, "cannot reach the database server", "Check that it runs."),
    ("could not connect", StorageError, "cannot reach the database server", "Check that it runs."),
)


def translate_db_error(exc: DBAPIError, *, where: str) -> MlgateError | None:
    """The mlgate error for a driver error, or None when it is not a known case."""
    text = str(exc.orig).lower()
    sqlstate = str(getattr(exc.orig, "sqlstate", "") or getattr(exc.orig, "pgcode", "") or "")
    for needle, kind, message, hint in _RULES:
        if needle in text or needle == sqlstate.lower():
            return kind(f"{message} ({exc.orig})", where=where, hint=hint)
    return None


@contextmanager
def translating(where: str) -> Iterator[None]:
    """Re-raise known driver errors inside the block as mlgate errors about ``where``."""
    try:
        yield
    except DBAPIError as exc:
        error = translate_db_error(exc, where=where)
        if error is None:
            raise
        raise error from exc
