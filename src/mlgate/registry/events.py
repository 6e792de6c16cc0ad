"""Registry events: in-process hooks and signed webhooks, told after a write commits.

Events: ``version.created``, ``alias.moved``, ``approval.requested``,
``approval.decided``. :func:`on` subscribes a function in this process.
Webhooks (``registry.webhooks`` in mlgate.yaml) get a POST with the event as a
JSON body, signed with HMAC-SHA256 of the body under the webhook's secret
(header ``X-Mlgate-Signature: sha256=<hex>``). Deliveries run on a background
thread with retries and exponential backoff: they never block or undo the
registry write. At exit, the process waits up to :data:`EXIT_WAIT` seconds for
deliveries still queued.

Receivers check a body with :func:`signature`::

    hmac.compare_digest(request.headers["X-Mlgate-Signature"], signature(secret, body))
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import ipaddress
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from mlgate._version import __version__
from mlgate.errors import ConfigError
from mlgate.store.metadata.canonical import canonical_json, utc_text

__all__ = [
    "EVENTS",
    "EXIT_WAIT",
    "Event",
    "Hook",
    "Webhook",
    "WebhookSender",
    "check_webhook_url",
    "emit",
    "on",
    "sender",
    "signature",
]

#: The events the registry emits.
EVENTS = ("version.created", "alias.moved", "approval.requested", "approval.decided")

#: Seconds a process waits at exit for webhook deliveries still queued.
EXIT_WAIT = 10.0

_log = logging.getLogger("mlgate.registry.events")


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened in the registry (after it committed)."""

    name: str
    model: str
    actor: str
    at: datetime
    data: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def body(self) -> bytes:
        """The webhook body: canonical JSON, UTF-8."""
        document = {
            "id": self.id,
            "event": self.name,
            "model": self.model,
            "actor": self.actor,
            "at": utc_text(self.at),
            "data": self.data,
        }
        return canonical_json(document).encode("utf-8")


#: An in-process subscriber.
Hook = Callable[[Event], None]

_hooks: list[tuple[frozenset[str] | None, Hook]] = []
_hooks_lock = threading.Lock()


def on(events: str | Iterable[str] | None, hook: Hook) -> Callable[[], None]:
    """Call ``hook(event)`` after each committed event named in ``events`` (None: all).

    Returns a function that unsubscribes. A hook runs in the writing thread after
    the commit; an exception in it is logged and does not affect the write.
    """
    names = None if events is None else frozenset([events] if isinstance(events, str) else events)
    unknown = sorted((names or frozenset()) - set(EVENTS))
    if unknown:
        raise ConfigError(
            f"unknown registry event(s) {', '.join(unknown)}",
            hint=f"Events are {', '.join(EVENTS)}.",
        )
    entry = (names, hook)
    with _hooks_lock:
        _hooks.append(entry)

    def unsubscribe() -> None:
        with _hooks_lock:
            if entry in _hooks:
                _hooks.remove(entry)

    return unsubscribe


@dataclass(frozen=True, slots=True)
class Webhook:
    """An endpoint told about some events; ``secret`` signs the bodies."""

    url: str
    events: frozenset[str] = frozenset(EVENTS)
    secret: str | None = None


def signature(secret: str, body: bytes) -> str:
    """The ``X-Mlgate-Signature`` header value of ``body``: ``sha256=<hex HMAC>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def check_webhook_url(url: str, *, loopback_only: bool = False, where: str | None = None) -> str:
    """``url`` if it is an http(s) URL with a host (a loopback one when ``loopback_only``)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"the webhook URL {url!r} is not an http:// or https:// URL with a host",
            where=where,
            hint="Fix registry.webhooks[].url in mlgate.yaml.",
        )
    if loopback_only and not _loopback(parts.hostname):
        raise ConfigError(
            f"the webhook URL {url!r} points at {parts.hostname}, which is not a loopback "
            "address, and MLGATE_WEBHOOKS_LOOPBACK_ONLY is set",
            where=where,
            hint="Use a receiver on 127.0.0.1, ::1 or localhost, or unset the variable.",
        )
    return url


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookSender:
    """Delivers webhooks on one background thread, retrying with exponential backoff.

    ``delays`` are the waits between attempts (so ``len(delays) + 1`` attempts);
    ``timeout`` bounds each HTTP request.
    """

    def __init__(
        self, *, delays: Sequence[float] = (0.5, 1.0, 2.0, 4.0, 8.0), timeout: float = 5.0
    ) -> None:
        self.delays = tuple(delays)
        self.timeout = timeout
        self._queue: queue.Queue[tuple[Webhook, Event] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.delivered = 0
        self.failed = 0

    def send(self, webhook: Webhook, event: Event) -> None:
        """Queue a delivery; returns at once."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="mlgate-webhooks", daemon=True
                )
                self._thread.start()
        self._queue.put((webhook, event))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued delivery is done (or ``timeout``); True if all are done."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._deliver(*item)
            finally:
                self._queue.task_done()

    def _deliver(self, webhook: Webhook, event: Event) -> None:
        body = event.body()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"mlgate/{__version__}",
            "X-Mlgate-Event": event.name,
            "X-Mlgate-Delivery": event.id,
        }
        if webhook.secret:
            headers["X-Mlgate-Signature"] = signature(webhook.secret, body)
        problem = ""
        for attempt in range(len(self.delays) + 1):
            if attempt:
                time.sleep(self.delays[attempt - 1])
            request = urllib.request.Request(webhook.url, data=body, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    response.read()
                self.delivered += 1
                return
            except urllib.error.HTTPError as exc:
                problem = f"HTTP {exc.code}"
                if 400 <= exc.code < 500 and exc.code not in (408, 429):
                    break  # the receiver refuses this body: retrying will not help
            except (OSError, ValueError) as exc:
                problem = str(exc)
        self.failed += 1
        _log.warning(
            "webhook %s for %s %s not delivered: %s", webhook.url, event.name, event.id, problem
        )


_sender: WebhookSender | None = None
_sender_lock = threading.Lock()


def sender() -> WebhookSender:
    """The process's webhook sender (started on first use; flushed at exit)."""
    global _sender
    with _sender_lock:
        if _sender is None:
            _sender = WebhookSender()
            atexit.register(_sender.flush, EXIT_WAIT)
        return _sender


def emit(events: Sequence[Event], *, webhooks: Sequence[Webhook] = ()) -> None:
    """Tell hooks and webhooks about committed ``events``; never raises."""
    with _hooks_lock:
        hooks = list(_hooks)
    for event in events:
        for names, hook in hooks:
            if names is None or event.name in names:
                try:
                    hook(event)
                except Exception:  # a subscriber's bug must not look like a failed write
                    _log.exception("registry hook %r failed on %s", hook, event.name)
        for webhook in webhooks:
            if event.name in webhook.events:
                sender().send(webhook, event)
