"""Raw ASGI plumbing for the prediction endpoints, the server's hot path.

A prediction request is answered without Starlette's Request and Response
objects or its middleware stack (about 40 µs of a 250 µs request): an
:class:`Endpoint` runs the handler's work on the raw ``scope`` and ``receive``,
gets an :class:`Answer`, and sends it in two messages. :class:`App` sends
``POST /invocations`` and ``POST /v2/models/<name>/infer`` straight to their
endpoints and everything else (the same endpoints under other paths, other
methods, lifespan) to Starlette, whose routes hold the same endpoints, so 404
and 405 answers do not change. An unexpected failure becomes the server's
usual 500 answer and is re-raised for uvicorn to log, as Starlette does.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlgate.deploy.validation import BadRequest

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["Answer", "App", "Disconnected", "Endpoint", "header", "read_body"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

JSON = b"application/json"
#: ``/v2/models/{name}/infer`` as Starlette's router matches it (``{name}``: no slash).
_INFER = re.compile(r"/v2/models/([^/]+)/infer")


class Disconnected(Exception):
    """The client went away before its body arrived: there is nobody to answer."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A response: status, body, media type, and the extra headers (lower-case names)."""

    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]]
    media: bytes = JSON

    async def send(self, send: Send) -> None:
        """Send it as ``http.response.start`` and one ``http.response.body``."""
        headers = [
            (b"content-type", self.media),
            (b"content-length", str(len(self.body)).encode()),
            *self.headers,
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def header(scope: Scope, name: bytes) -> str | None:
    """The value of request header ``name`` (lower case, as ASGI servers give the names)."""
    for key, value in scope["headers"]:
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


async def read_body(receive: Receive, *, declared: str | None, limit: int) -> bytes:
    """The request body, refused with 413 before it is read when Content-Length is over
    ``limit``, and as soon as the bytes read go over it otherwise."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadRequest(
            f"the body is {int(declared)} bytes; the limit is {limit} bytes "
            "(send fewer rows per request)",
            status=413,
        )
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BadRequest(
                f"the body is over the limit of {limit} bytes (send fewer rows per request)",
                status=413,
            )
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


Work = Callable[[Scope, Receive], Awaitable[Answer]]
Crash = Callable[[Scope, Exception], Answer]


class Endpoint:
    """An ASGI endpoint around ``work`` (which answers client mistakes itself); ``crash``
    turns an unexpected exception into the 500 answer, which is sent before re-raising.

    Starlette's router takes an instance for a raw ASGI app (it is not a function)."""

    def __init__(self, work: Work, crash: Crash) -> None:
        self.work = work
        self.crash = crash

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            answer = await self.work(scope, receive)
        except Disconnected:
            return
        except Exception as exc:
            await self.crash(scope, exc).send(send)
            raise
        await answer.send(send)


class App:
    """The server's ASGI app: the hot prediction paths straight to their endpoints, the rest
    to ``router`` (a Starlette app whose routes include the same endpoints)."""

    def __init__(self, router: Starlette, *, invocations: Endpoint, infer: Endpoint) -> None:
        self.router = router
        self.state = router.state
        self.invocations = invocations
        self.infer = infer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            path: str = scope["path"]
            if path == "/invocations":
                scope["path_params"] = {}
                await self.invocations(scope, receive, send)
                return
            found = _INFER.fullmatch(path)
            if found is not None:
                scope["path_params"] = {"name": found.group(1)}
                await self.infer(scope, receive, send)
                return
        await self.router(scope, receive, send)
