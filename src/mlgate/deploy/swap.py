"""Hot swap: follow the alias in the metadata store and swap versions without dropping requests.

A :class:`ModelSlot` holds the :class:`Live` pair (primary, candidate). A request
reads ``slot.live`` once and uses that object to the end, so it finishes on the
version it started with; a swap replaces the pair in one assignment. The
:class:`AliasWatcher` thread polls the alias (and the candidate alias, for canary
and shadow) every ``poll`` seconds, loads and warms a new version off the request
path, and swaps it in. A version that fails to load or warm never serves: the old
one keeps serving, and the failure is logged, counted
(``mlgate_model_swaps{outcome="failed"}``) and told to registry hooks as the
event ``deploy.swap_failed``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mlgate.deploy.model import ServedModel, describe, load_served

if TYPE_CHECKING:
    from mlgate.config import Settings
    from mlgate.store.stores import Stores

__all__ = ["AliasWatcher", "Live", "ModelSlot", "SwapFailure"]

_log = logging.getLogger("mlgate.deploy.swap")


@dataclass(frozen=True)
class Live:
    """What serves now: the primary version and, for canary or shadow, the candidate."""

    primary: ServedModel
    candidate: ServedModel | None = None


@dataclass(frozen=True)
class SwapFailure:
    """A version that could not be loaded or warmed, and why."""

    version: int
    reason: str
    at: datetime


@dataclass
class ModelSlot:
    """The one mutable thing of the server: the current :class:`Live` pair."""

    live: Live
    failures: dict[int, SwapFailure] = field(default_factory=dict)
    swaps: int = 0


class AliasWatcher:
    """A thread that polls ``alias`` (and ``candidate_alias``) and swaps ``slot``."""

    def __init__(
        self,
        slot: ModelSlot,
        *,
        settings: Settings,
        name: str,
        alias: str,
        candidate_alias: str | None = None,
        poll: float = 1.0,
        allow_pickle: bool = False,
        on_change: Callable[[str, ServedModel | None], None] | None = None,
        on_failure: Callable[[SwapFailure], None] | None = None,
    ) -> None:
        self.slot = slot
        self.settings = settings
        self.name = name
        self.alias = alias
        self.candidate_alias = candidate_alias
        self.poll = poll
        self.allow_pickle = allow_pickle
        self.on_change = on_change
        self.on_failure = on_failure
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start polling on a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="mlgate-swap", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling (a load in progress is abandoned at its end)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        from mlgate.store.stores import open_stores

        stores = None
        try:
            while not self._stop.wait(self.poll):
                try:
                    if stores is None:
                        stores = open_stores(self.settings)
                    self.check(stores)
                except Exception as exc:  # a store hiccup must not stop the watcher
                    _log.warning("could not check alias %s of %s: %s", self.alias, self.name, exc)
        finally:
            if stores is not None:
                stores.close()

    def check(self, stores: Stores) -> None:
        """Look at the aliases once and swap if they moved."""
        record = stores.metadata.get_alias(self.name, self.alias)
        live = self.slot.live
        primary = live.primary
        if record is not None and record.version != primary.version:
            if live.candidate is not None and live.candidate.version == record.version:
                primary = live.candidate
            else:
                loaded = self._load(stores, record.version)
                if loaded is not None:
                    primary = loaded
        candidate = live.candidate
        if self.candidate_alias is not None:
            wanted = stores.metadata.get_alias(self.name, self.candidate_alias)
            if wanted is None or wanted.version == primary.version:
                candidate = None
            elif candidate is None or candidate.version != wanted.version:
                loaded = self._load(stores, wanted.version)
                candidate = loaded if loaded is not None else candidate
        elif candidate is not None:
            candidate = None
        if primary is live.primary and candidate is live.candidate:
            return
        if self._stop.is_set():
            return
        self.slot.live = Live(primary=primary, candidate=candidate)  # the atomic swap
        self.slot.swaps += 1
        if primary is not live.primary:
            _log.info(
                "%s: v%d now serves (was v%d)", self.name, primary.version, live.primary.version
            )
            if self.on_change:
                self.on_change("primary", primary)
        if candidate is not live.candidate:
            _log.info(
                "%s: candidate is %s",
                self.name,
                "none" if candidate is None else f"v{candidate.version}",
            )
            if self.on_change:
                self.on_change("candidate", candidate)

    def _load(self, stores: Stores, version: int) -> ServedModel | None:
        if version in self.slot.failures:
            return None
        try:
            return load_served(stores, self.name, version, allow_pickle=self.allow_pickle)
        except Exception as exc:
            failure = SwapFailure(version=version, reason=describe(exc), at=datetime.now(UTC))
            self.slot.failures[version] = failure
            _log.error(
                "%s v%d cannot serve, the current version keeps serving: %s",
                self.name,
                version,
                failure.reason,
            )
            _report(self.name, failure)
            if self.on_failure:
                self.on_failure(failure)
            return None


def _report(name: str, failure: SwapFailure) -> None:
    """Tell registry hooks (``mlgate.registry.on(None, hook)``) about the failed swap."""
    from mlgate.registry.events import Event, emit

    emit(
        [
            Event(
                name="deploy.swap_failed",
                model=name,
                actor="mlgate serve",
                at=failure.at,
                data={"version": failure.version, "reason": failure.reason},
            )
        ]
    )
