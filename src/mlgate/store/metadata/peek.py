"""Find one model version in a SQLite metadata database with the standard library only.

Loading a model by alias in a fresh process (a batch job, a notebook, a server
starting) needs three values from the database: the version number, the
artifact's digest and the flavor. Opening the store the ordinary way imports
SQLAlchemy and checks the schema, about 0.2 s before the first query, on top of
the second or so it takes to import scikit-learn. :func:`peek_version` reads
those values with :mod:`sqlite3`, read-only, in one transaction.

It answers only when it is sure, and returns None otherwise: a URL that is not a
plain SQLite file, a missing file, a schema revision other than the one this
mlgate writes (:data:`~mlgate.store.metadata.migrations.HEAD`), no such model,
alias or version, or any SQLite error. The caller then opens the store the
ordinary way, which upgrades an old schema and explains every error with
suggestions, so nothing is decided twice. It never writes, and it never creates
the database.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from mlgate.store.metadata.migrations import HEAD

__all__ = ["Peeked", "peek_version", "sqlite_file"]

_PREFIX = "sqlite:///"

_BY_ALIAS = """
SELECT v.version, v.artifact, v.flavor
FROM model_aliases AS a
JOIN model_versions AS v ON v.model_name = a.model_name AND v.version = a.version
WHERE a.model_name = ? AND a.alias = ?
"""
_BY_NUMBER = """
SELECT version, artifact, flavor FROM model_versions WHERE model_name = ? AND version = ?
"""
_LATEST = """
SELECT v.version, v.artifact, v.flavor
FROM registered_models AS m
JOIN model_versions AS v ON v.model_name = m.name AND v.version = m.last_version
WHERE m.name = ?
"""


@dataclass(frozen=True, slots=True)
class Peeked:
    """What loading a version needs: its number, artifact digest and flavor."""

    version: int
    artifact: str
    flavor: str


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL (relative to the working folder, as
    SQLAlchemy reads it); None for anything else (memory, ``file:`` URIs, query options,
    other databases)."""
    if not url.startswith(_PREFIX) or "?" in url:
        return None
    database = url[len(_PREFIX) :]
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser().absolute()


def peek_version(
    url: str, name: str, *, alias: str | None = None, version: int | None = None
) -> Peeked | None:
    """Version ``version`` of ``name``, else the one behind ``alias``, else its latest;
    None when this cannot be answered here for sure (see the module docstring)."""
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    arguments: tuple[str | int, ...]
    if version is not None:
        query, arguments = _BY_NUMBER, (name, version)
    elif alias is not None:
        query, arguments = _BY_ALIAS, (name, alias)
    else:
        query, arguments = _LATEST, (name,)
    try:
        connection = sqlite3.connect(
            f"{path.as_uri()}?mode=ro", uri=True, timeout=30.0, isolation_level=None
        )
    except sqlite3.Error:
        return None
    try:
        connection.execute("BEGIN")  # the revision and the row from one snapshot
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        if revision != [(HEAD,)]:
            return None
        row = connection.execute(query, arguments).fetchone()
        connection.execute("COMMIT")
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    if row is None:
        return None
    number, artifact, flavor = row
    if not isinstance(number, int) or not isinstance(artifact, str) or not isinstance(flavor, str):
        return None
    return Peeked(version=number, artifact=artifact, flavor=flavor)
