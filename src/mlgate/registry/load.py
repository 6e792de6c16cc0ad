"""Load a registered model by alias or version: the call a batch job or a server starts with.

A fresh process pays for it before its first prediction, so this module imports
little: with the default SQLite database the version is found with the standard
library (:func:`~mlgate.store.metadata.peek.peek_version`) and SQLAlchemy is never
imported. Anything that path cannot answer for sure (another database, an older
schema, an unknown name) goes through the ordinary registry lookup, which gives
the same answer or the error with its suggestions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlgate.config import Settings
from mlgate.registry.lookup import check_alias, check_model_name, check_version

if TYPE_CHECKING:
    from mlgate.registry.session import Session

__all__ = ["load_model"]


def load_model(
    name: str,
    *,
    alias: str | None = "production",
    version: int | None = None,
    allow_pickle: bool = False,
    settings: Settings | None = None,
    session: Session | None = None,
) -> Any:
    """The model behind ``alias`` (or ``version``; the latest if both are None), loaded from
    its verified bytes.

    Loading refuses to run code from the artifact (skops) unless the version's
    flavor is pickle-based and ``allow_pickle`` is set.
    """
    check_model_name(name)
    if version is not None:
        check_version(version)
        alias = None
    elif alias is not None:
        check_alias(alias)
    if session is None:
        settings = settings or Settings.load()
        data, flavor = _peek(settings, name, alias=alias, version=version) or _lookup(
            None, settings, name, alias=alias, version=version
        )
    else:
        data, flavor = _lookup(session, settings, name, alias=alias, version=version)
    from mlgate.train.flavors import load_model as load_flavor

    return load_flavor(data, flavor=flavor, allow_pickle=allow_pickle)


def _peek(
    settings: Settings, name: str, *, alias: str | None, version: int | None
) -> tuple[bytes, str] | None:
    """The artifact's bytes and flavor found without SQLAlchemy, or None (see the module)."""
    from mlgate.store.metadata.peek import peek_version

    found = peek_version(settings.db_url, name, alias=alias, version=version)
    if found is None:
        return None
    from mlgate.store.artifacts import open_artifacts

    artifacts = open_artifacts(settings.store_url)
    try:
        return artifacts.get_bytes(found.artifact), found.flavor
    finally:
        artifacts.close()


def _lookup(
    session: Session | None,
    settings: Settings | None,
    name: str,
    *,
    alias: str | None,
    version: int | None,
) -> tuple[bytes, str]:
    """The artifact's bytes and flavor through the registry's ordinary lookup."""
    from mlgate.registry.session import using
    from mlgate.registry.versions import resolve

    with using(session, settings) as opened:
        _, record = resolve(opened, name, version=version, alias=alias)
        return opened.stores.artifacts.get_bytes(record.artifact), record.flavor
