"""The registry opened for one operation: stores, actor, policies, and events after commit.

:meth:`Session.write` is the one way registry code writes: a transaction that
holds the registry lock, whose audit entries commit with the change, and whose
events are told to hooks and webhooks only after the commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mlgate.config import SPEC_FILE, Settings
from mlgate.registry.events import Event, Webhook, check_webhook_url, emit
from mlgate.registry.identity import current_actor
from mlgate.registry.policy import Policy
from mlgate.store.metadata.base_registry import AuditEntry, RegistryWriter
from mlgate.store.stores import Stores, open_stores

__all__ = ["RegistryConfig", "Session", "Tx", "using"]


@dataclass(frozen=True, slots=True)
class RegistryConfig:
    """What mlgate.yaml says about the registry: promotion policies and webhooks."""

    policies: dict[str, Policy] = field(default_factory=dict)
    webhooks: tuple[Webhook, ...] = ()

    @classmethod
    def load(cls, settings: Settings) -> RegistryConfig:
        """Read ``deploy:`` and ``registry.webhooks`` from the project's mlgate.yaml, if any."""
        path = settings.project / SPEC_FILE
        if not path.is_file():
            return cls()
        from mlgate.spec import load_spec

        spec = load_spec(path)
        policies = {alias: Policy.from_spec(alias, rule) for alias, rule in spec.deploy.items()}
        webhooks = tuple(
            Webhook(
                url=check_webhook_url(
                    hook.url,
                    loopback_only=settings.webhooks_loopback_only,
                    where=f"{path}: registry.webhooks[{index}].url",
                ),
                events=frozenset(hook.events),
                secret=hook.secret,
            )
            for index, hook in enumerate(spec.registry.webhooks)
        )
        return cls(policies=policies, webhooks=webhooks)

    def policy(self, alias: str) -> Policy:
        """The alias's policy (no requirements when mlgate.yaml sets none)."""
        return self.policies.get(alias) or Policy(alias=alias)


@dataclass(slots=True)
class Tx:
    """One registry write transaction: the writer, who acts, when, and the events to tell."""

    writer: RegistryWriter
    actor: str
    now: datetime
    events: list[Event] = field(default_factory=list)

    def audit(self, action: str, subject: str, payload: dict[str, Any]) -> AuditEntry:
        """Append an audit entry in this transaction."""
        return self.writer.append_audit(
            action=action, subject=subject, payload=payload, at=self.now, actor=self.actor
        )

    def event(self, name: str, model: str, data: dict[str, Any]) -> None:
        """Tell ``name`` to hooks and webhooks once the transaction commits."""
        self.events.append(Event(name=name, model=model, actor=self.actor, at=self.now, data=data))


class Session:
    """The registry opened for a series of operations (a context manager).

    Every ``mlgate.registry`` function opens one for its call by default; pass
    ``session=`` to reuse one, which keeps the database open between calls::

        with Session.open() as session:
            registry.register_version("churn", model, session=session)
            registry.promote("churn", 7, to="staging", session=session)

    The actor and mlgate.yaml's registry settings are read once, before the first
    write.
    """

    def __init__(
        self,
        stores: Stores,
        *,
        actor: str | None = None,
        config: RegistryConfig | None = None,
    ) -> None:
        self.stores = stores
        self._actor = actor
        self._config = config

    @classmethod
    def open(cls, settings: Settings | None = None, *, write: bool = False) -> Session:
        """Open the project's stores; ``write`` reads the actor and mlgate.yaml first, so a bad
        configuration stops before anything is opened or written."""
        settings = settings or Settings.load()
        actor = current_actor(settings) if write else None
        config = RegistryConfig.load(settings) if write else None
        return cls(open_stores(settings), actor=actor, config=config)

    @property
    def settings(self) -> Settings:
        """The settings the stores were opened with."""
        return self.stores.settings

    @property
    def actor(self) -> str:
        """Who writes (``MLGATE_USER``, else the OS user), read once."""
        if self._actor is None:
            self._actor = current_actor(self.settings)
        return self._actor

    @property
    def config(self) -> RegistryConfig:
        """Policies and webhooks from mlgate.yaml, read once."""
        if self._config is None:
            self._config = RegistryConfig.load(self.settings)
        return self._config

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A write transaction; events go out after it commits, never if it fails."""
        actor, webhooks = self.actor, self.config.webhooks
        with self.stores.metadata.registry_write() as writer:
            tx = Tx(writer=writer, actor=actor, now=datetime.now(UTC))
            yield tx
        emit(tx.events, webhooks=webhooks)

    def close(self) -> None:
        """Close the stores."""
        self.stores.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def using(
    session: Session | None, settings: Settings | None, *, write: bool = False
) -> Iterator[Session]:
    """``session`` if given (left open), else a new one closed after the block."""
    if session is not None:
        yield session
        return
    with Session.open(settings, write=write) as opened:
        yield opened
