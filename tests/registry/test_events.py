"""Events: hooks after commit, signed webhooks with retries that never block a write."""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import mlgate.registry as registry
from mlgate.config import Settings
from mlgate.errors import ConfigError, NotFoundError
from mlgate.registry.events import Event, Webhook, WebhookSender, sender, signature

from .helpers import PRODUCTION, dump, register, write_spec

SECRET = "s3cret"


class Receiver:
    """An HTTP server on 127.0.0.1 that records POSTs and answers with planned statuses."""

    def __init__(self, statuses: list[int] | None = None, delay: float = 0.0) -> None:
        self.statuses = list(statuses or [])
        self.delay = delay
        self.calls: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((dict(self.headers), body))
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.calls]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def test_hooks_hear_committed_events_only(settings: Settings) -> None:
    heard: list[Event] = []
    stop = registry.on(None, heard.append)
    try:
        register(settings, alias="candidate")
        with pytest.raises(NotFoundError, match="churn has no version 5"):
            registry.promote("churn", 5, to="production", settings=settings)
    finally:
        stop()
    assert [(e.name, e.model, e.actor) for e in heard] == [
        ("version.created", "churn", "ci"),
        ("alias.moved", "churn", "ci"),
    ]
    assert heard[1].data["to_version"] == 1
    register(settings)
    assert len(heard) == 2  # unsubscribed


def test_a_failing_hook_does_not_fail_the_write(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: Event) -> None:
        raise RuntimeError("subscriber bug")

    stop = registry.on("version.created", broken)
    try:
        assert register(settings).version.version == 1
    finally:
        stop()
    assert "registry hook" in caplog.text
    assert registry.models(settings=settings)[0].versions == 1


def test_unknown_event_name_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"unknown registry event\(s\) version.made"):
        registry.on("version.made", print)


def test_webhook_is_signed_and_filtered(
    project: Path, settings: Settings, receiver: Receiver
) -> None:
    write_spec(
        project, webhooks=[{"url": receiver.url, "secret": SECRET, "events": ["alias.moved"]}]
    )
    register(settings, alias="candidate")
    assert sender().flush(10)
    ((headers, body),) = receiver.calls
    assert hmac.compare_digest(headers["X-Mlgate-Signature"], signature(SECRET, body))
    assert headers["X-Mlgate-Event"] == "alias.moved"
    document = json.loads(body)
    assert (document["event"], document["model"], document["actor"]) == (
        "alias.moved",
        "churn",
        "ci",
    )
    assert document["data"]["to_version"] == 1
    assert document["id"] == headers["X-Mlgate-Delivery"]


def test_webhook_events_of_an_approval(
    project: Path, settings: Settings, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_spec(project, deploy={"production": PRODUCTION}, webhooks=[{"url": receiver.url}])
    register(settings)
    registry.promote("churn", 1, to="production", settings=settings)
    monkeypatch.setenv("MLGATE_USER", "alice")
    registry.approve("churn", 1, to="production", reason="ok", settings=Settings.load())
    assert sender().flush(10)
    names = [b["event"] for b in receiver.bodies()]
    assert names == ["version.created", "approval.requested", "approval.decided", "alias.moved"]
    assert "X-Mlgate-Signature" not in receiver.calls[0][0]  # no secret, no signature


def test_webhook_retries_when_the_receiver_fails_first(project: Path, settings: Settings) -> None:
    flaky = Receiver(statuses=[500, 503])
    try:
        write_spec(project, webhooks=[{"url": flaky.url, "secret": SECRET}])
        register(settings)
        assert sender().flush(15)
        assert len(flaky.calls) == 3
        bodies = {body for _, body in flaky.calls}
        assert len(bodies) == 1  # the same delivery, retried
        (headers, body) = flaky.calls[-1]
        assert headers["X-Mlgate-Signature"] == signature(SECRET, body)
    finally:
        flaky.close()


def test_webhook_never_blocks_the_write(project: Path, settings: Settings) -> None:
    slow = Receiver(delay=3.0)
    try:
        write_spec(project, webhooks=[{"url": slow.url}])
        started = time.monotonic()
        register(settings)
        assert time.monotonic() - started < 2.0
        assert registry.models(settings=settings)[0].versions == 1
        assert sender().flush(15)
        assert len(slow.calls) == 1
    finally:
        slow.close()


def test_webhook_gives_up_on_a_dead_receiver(caplog: pytest.LogCaptureFixture) -> None:
    dead = Receiver()
    url = dead.url
    dead.close()
    quick = WebhookSender(delays=(0.01, 0.01), timeout=1)
    quick.send(Webhook(url=url), Event("version.created", "churn", "ci", _now(), {}))
    assert quick.flush(10)
    assert (quick.delivered, quick.failed) == (0, 1)
    assert "not delivered" in caplog.text


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("ftp://127.0.0.1/hook", r"mlgate.yaml:\d+:\d+: .*is not an http:// or https:// URL"),
        ("http://example.com/hook", "points at example.com, which is not a loopback address"),
        ("http://10.0.0.8:8080/hook", "points at 10.0.0.8"),
    ],
)
def test_bad_webhook_urls_change_nothing(
    project: Path, settings: Settings, url: str, match: str
) -> None:
    register(settings)
    write_spec(project, webhooks=[{"url": url}])
    before = dump(settings)
    with pytest.raises(ConfigError, match=match):
        registry.promote("churn", 1, to="production", settings=settings)
    with pytest.raises(ConfigError, match=match):
        register(settings)
    assert dump(settings) == before
