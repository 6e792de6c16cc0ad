"""The model server's ASGI app (Starlette, with the prediction endpoints on raw ASGI: see
:mod:`mlgate.deploy._asgi`); :func:`mlgate.deploy.run.serve` runs it under uvicorn.

Every answer carries ``X-Request-ID`` (the client's, else a new one) and
``X-Model-Version``; prediction answers also ``X-Model-Route``. Client mistakes
are 4xx with a body naming the problem; an unexpected failure is a 500 with a
one-line JSON body, never a traceback.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mlgate._version import __version__
from mlgate.deploy import _asgi
from mlgate.deploy._asgi import Answer, App, Endpoint, Receive, Scope, header, read_body
from mlgate.deploy.metrics import ServerMetrics
from mlgate.deploy.model import ServedModel
from mlgate.deploy.predlog import LogRecord, PredictionLog
from mlgate.deploy.protocols import mlflow, v2
from mlgate.deploy.routing import Routing, bucket, choose
from mlgate.deploy.swap import AliasWatcher, ModelSlot, SwapFailure
from mlgate.deploy.validation import BadRequest, CheckedRows, Features, check_frame

if TYPE_CHECKING:
    import numpy as np

    from mlgate.config import Settings
    from mlgate.store.metadata.base_loop import LabelRow, LabelWrite
    from mlgate.store.stores import Stores

__all__ = ["ServeOptions", "create_app"]

_log = logging.getLogger("mlgate.deploy.server")
_JSON = "application/json"
_V2_HEADER = v2.HEADER.encode()
#: Bodies larger than this are refused with 413 before they are read (16 MiB).
MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True)
class ServeOptions:
    """How the server behaves: limits, routing, polling, the prediction log."""

    alias: str = "production"
    candidate_alias: str = "candidate"
    routing: Routing = field(default_factory=Routing)
    max_body: int = MAX_BODY
    poll: float = 1.0
    allow_pickle: bool = False
    log_folder: Path | str | None = None
    log_sample: float = 1.0
    log_flush_every: float = 5.0
    #: Keep each row's positive-class score in the log (the project watches a score-based
    #: metric such as roc_auc); the log's writer computes them off the request path.
    log_scores: bool = False


def _dumps(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def _json(document: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_dumps(document), status_code=status, headers=headers, media_type=_JSON)


class _Server:
    """The app's state and handlers (one instance per app)."""

    def __init__(self, slot: ModelSlot, options: ServeOptions, settings: Settings | None) -> None:
        self.slot = slot
        self.options = options
        self.settings = settings
        self.metrics = ServerMetrics()
        self.name = slot.live.primary.name
        self.predlog: PredictionLog | None = None
        if options.log_folder is not None and options.log_sample > 0:
            self.predlog = PredictionLog(
                options.log_folder,
                sample=options.log_sample,
                flush_every=options.log_flush_every,
            )
        self.shadow_pool = ThreadPoolExecutor(1, thread_name_prefix="mlgate-shadow")
        self._id_prefix = os.urandom(8).hex()
        self._ids = itertools.count()
        self.watcher: AliasWatcher | None = None
        #: Opened on the first feedback call and kept until shutdown (opening costs more
        #: than storing a label).
        self._label_stores: Stores | None = None
        self._label_lock = threading.Lock()
        self._set_version("primary", slot.live.primary)
        self._set_version("candidate", slot.live.candidate)

    # -- lifecycle

    def _set_version(self, route: str, served: ServedModel | None) -> None:
        self.metrics.version.labels(self.name, route).set(0 if served is None else served.version)

    def _failed(self, failure: SwapFailure) -> None:
        self.metrics.swaps.labels("failed").inc()

    def _changed(self, route: str, served: ServedModel | None) -> None:
        self.metrics.swaps.labels("swapped").inc()
        self._set_version(route, served)

    @asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        if self.predlog is not None:
            self.predlog.start()
        if self.settings is not None:
            strategy = self.options.routing.strategy
            self.watcher = AliasWatcher(
                self.slot,
                settings=self.settings,
                name=self.name,
                alias=self.options.alias,
                candidate_alias=None if strategy == "direct" else self.options.candidate_alias,
                poll=self.options.poll,
                allow_pickle=self.options.allow_pickle,
                on_change=self._changed,
                on_failure=self._failed,
            )
            self.watcher.start()
        try:
            yield
        finally:
            if self.watcher is not None:
                self.watcher.stop()
            self.shadow_pool.shutdown(wait=True)
            if self.predlog is not None:
                self.predlog.close()
            with self._label_lock:
                if self._label_stores is not None:
                    self._label_stores.close()
                    self._label_stores = None

    # -- helpers

    def _headers(
        self, request_id: str, served: ServedModel, route: str | None = None
    ) -> dict[str, str]:
        headers = {"X-Request-ID": request_id, "X-Model-Version": str(served.version)}
        if route is not None:
            headers["X-Model-Route"] = route
        return headers

    def _raw_headers(
        self, request_id: str, served: ServedModel, route: str | None = None
    ) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"x-request-id", request_id.encode("latin-1")),
            (b"x-model-version", str(served.version).encode()),
        ]
        if route is not None:
            headers.append((b"x-model-route", route.encode()))
        return headers

    def _new_id(self) -> str:
        """A request id: 32 hex digits, a random prefix per server and a counter (unique
        like a uuid4, without reading 16 random bytes per request)."""
        return f"{self._id_prefix}{next(self._ids):016x}"

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
        declared = header(scope, b"content-length")
        return await read_body(receive, declared=declared, limit=self.options.max_body)

    def _lookup(self, path_params: dict[str, Any]) -> ServedModel:
        name = path_params["name"]
        live = self.slot.live
        if name != self.name:
            raise BadRequest(
                f"unknown model {name!r}; this server serves {self.name!r}", status=404
            )
        version = path_params.get("version")
        if version is None:
            return live.primary
        for served in (live.primary, live.candidate):
            if served is not None and str(served.version) == version:
                return served
        serving = ", ".join(str(s.version) for s in (live.primary, live.candidate) if s is not None)
        raise BadRequest(
            f"version {version!r} of {self.name!r} is not being served (serving: {serving})",
            status=404,
        )

    def _log(
        self,
        request_id: str,
        served: ServedModel,
        route: str,
        frame: Features,
        outputs: list[Any] | np.ndarray[Any, Any],
    ) -> None:
        log = self.predlog
        if log is None or (log.sample < 1.0 and not log.wants(bucket(request_id))):
            return
        scorer = served if self.options.log_scores and served.has_proba else None
        kept: Any = frame
        columns: tuple[str, ...] = ()
        if isinstance(frame, CheckedRows):  # all numbers: the array is all there is to keep
            kept, columns = frame.values, frame.columns
        record = LogRecord(
            request_id,
            time.time(),
            served.name,
            served.version,
            route,
            kept,
            outputs,
            columns,
            scorer,
        )
        if not log.append(record):
            self.metrics.logged_dropped.inc()

    def _shadow(self, candidate: ServedModel, request_id: str, frame: Features) -> None:
        try:
            frame = check_frame(candidate, frame)
            outputs = candidate.predict(frame)
        except Exception as exc:  # a shadow's failure is logged, never seen by the client
            _log.warning("shadow v%d failed on %s: %s", candidate.version, request_id, exc)
            return
        self.metrics.scored("shadow", len(frame))
        self._log(request_id, candidate, "shadow", frame, outputs)

    def _score(self, served: ServedModel, frame: Features) -> tuple[Features, np.ndarray[Any, Any]]:
        frame = check_frame(served, frame)
        try:
            return frame, served.predict(frame)
        except (ValueError, TypeError) as exc:
            raise BadRequest(
                f"the model could not score the input: {exc}".splitlines()[0],
                status=422,
                code="INVALID_PARAMETER_VALUE",
            ) from None

    def _after(
        self,
        *,
        request_id: str,
        served: ServedModel,
        route: str,
        mirror: bool,
        frame: Features,
        outputs: np.ndarray[Any, Any],
        candidate: ServedModel | None,
    ) -> None:
        self.metrics.scored(route, len(frame))
        self._log(request_id, served, route, frame, outputs)
        if mirror and candidate is not None:
            asyncio.get_running_loop().run_in_executor(
                self.shadow_pool, self._shadow, candidate, request_id, frame
            )

    def _route(self, request_id: str) -> tuple[ServedModel, str, bool, ServedModel | None]:
        live = self.slot.live
        route, mirror = choose(
            self.options.routing, request_id, has_candidate=live.candidate is not None
        )
        served = live.candidate if route == "canary" and live.candidate else live.primary
        return served, route, mirror, live.candidate

    def _finish(self, protocol: str, route: str, status: int, started: float) -> None:
        self.metrics.answered(protocol, route, status, time.perf_counter() - started)

    # -- endpoints: KServe V2

    async def live(self, request: Request) -> Response:
        return _json({"live": True}, headers=self._plain_headers(request))

    async def ready(self, request: Request) -> Response:
        return _json({"ready": True}, headers=self._plain_headers(request))

    async def server_metadata(self, request: Request) -> Response:
        document = {"name": "mlgate", "version": __version__, "extensions": ["binary_tensor_data"]}
        return _json(document, headers=self._plain_headers(request))

    def _plain_headers(self, request: Request) -> dict[str, str]:
        request_id = request.headers.get("x-request-id") or self._new_id()
        return self._headers(request_id, self.slot.live.primary)

    async def model_metadata(self, request: Request) -> Response:
        try:
            served = self._lookup(request.path_params)
        except BadRequest as error:
            return _json(v2.error_body(error), error.status, self._plain_headers(request))
        return _json(v2.metadata(served), headers=self._plain_headers(request))

    async def model_ready(self, request: Request) -> Response:
        try:
            served = self._lookup(request.path_params)
        except BadRequest as error:
            return _json(v2.error_body(error), error.status, self._plain_headers(request))
        return _json({"name": served.name, "ready": True}, headers=self._plain_headers(request))

    async def infer(self, scope: Scope, receive: Receive) -> Answer:
        started = time.perf_counter()
        request_id = header(scope, b"x-request-id") or ""
        route = "primary"
        served = self.slot.live.primary
        try:
            path_params = scope["path_params"]
            looked_up = self._lookup(path_params)
            fixed = looked_up if "version" in path_params else None
            body = await self._read(scope, receive)
            parsed = v2.parse_infer(fixed or served, body, header(scope, _V2_HEADER))
            request_id = request_id or parsed.id or self._new_id()
            if fixed is not None:
                served, mirror, candidate = fixed, False, None
                route = "canary" if fixed is not self.slot.live.primary else "primary"
            else:
                served, route, mirror, candidate = self._route(request_id)
            frame, predictions = self._score(served, parsed.frame)
            results: dict[str, np.ndarray[Any, Any]] = {}
            for name in parsed.outputs:
                results[name] = predictions if name == "predict" else served.predict_proba(frame)
            body_out, head_length = v2.render_infer(
                served, parsed.id or request_id, results, parsed.binary
            )
            headers = self._raw_headers(request_id, served, route)
            media = _asgi.JSON
            if head_length is not None:
                headers.append((_V2_HEADER, str(head_length).encode()))
                media = b"application/octet-stream"
            self._after(
                request_id=request_id,
                served=served,
                route=route,
                mirror=mirror,
                frame=frame,
                outputs=predictions,
                candidate=candidate,
            )
            self._finish("v2", route, 200, started)
            return Answer(200, body_out, headers, media)
        except BadRequest as error:
            self._finish("v2", route, error.status, started)
            headers = self._raw_headers(request_id or self._new_id(), served)
            return Answer(error.status, _dumps(v2.error_body(error)), headers)

    # -- endpoints: MLflow

    async def ping(self, request: Request) -> Response:
        return _json({"status": "ok"}, headers=self._plain_headers(request))

    async def version(self, request: Request) -> Response:
        return Response(__version__, media_type="text/plain", headers=self._plain_headers(request))

    async def invocations(self, scope: Scope, receive: Receive) -> Answer:
        started = time.perf_counter()
        request_id = header(scope, b"x-request-id") or self._new_id()
        served, route, mirror, candidate = self._route(request_id)
        try:
            body = await self._read(scope, receive)
            frame, _params = mlflow.parse_invocation(served, body, header(scope, b"content-type"))
            frame, predictions = self._score(served, frame)
            answer = Answer(
                200,
                _dumps({"predictions": predictions.tolist()}),
                self._raw_headers(request_id, served, route),
            )
            self._after(
                request_id=request_id,
                served=served,
                route=route,
                mirror=mirror,
                frame=frame,
                outputs=predictions,
                candidate=candidate,
            )
            self._finish("mlflow", route, 200, started)
            return answer
        except BadRequest as error:
            self._finish("mlflow", route, error.status, started)
            headers = self._raw_headers(request_id, served, route)
            return Answer(error.status, _dumps(mlflow.error_body(error)), headers)

    # -- delayed labels

    async def feedback(self, request: Request) -> Response:
        """Store delayed labels (see :mod:`mlgate.deploy.feedback`) off the event loop."""
        from starlette.concurrency import run_in_threadpool

        from mlgate.deploy.feedback import parse_feedback
        from mlgate.errors import MlgateError

        headers = self._plain_headers(request)
        try:
            self._lookup(request.path_params)
            if self.settings is None:
                raise BadRequest(
                    "this server has no project to keep labels in (serve it with mlgate serve)",
                    status=503,
                )
            rows = parse_feedback(await self._read(request.scope, request.receive))
            try:
                written = await run_in_threadpool(self._store_labels, rows)
            except MlgateError as exc:
                message = f"the labels could not be stored: {exc.render()}"
                raise BadRequest(message, status=503) from None
        except BadRequest as error:
            return _json(v2.error_body(error), error.status, headers)
        document = {"received": len(rows), "inserted": written.inserted}
        document["replaced"] = written.replaced
        return _json(document, headers=headers)

    def _store_labels(self, rows: list[LabelRow]) -> LabelWrite:
        """Store labels through the server's own stores (opened once; a failure closes them,
        so the next call opens them again)."""
        from mlgate.store.stores import open_stores

        assert self.settings is not None
        with self._label_lock:
            if self._label_stores is None:
                self._label_stores = open_stores(self.settings)
            stores = self._label_stores
        try:
            return stores.metadata.put_labels(self.name, rows, source="http", actor=None)
        except BaseException:
            with self._label_lock:
                if self._label_stores is stores:
                    self._label_stores = None
            stores.close()
            raise

    # -- metrics and errors

    async def prometheus(self, request: Request) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(self.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 404:
            message = f"no such endpoint: {request.method} {request.url.path}"
        elif status == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        else:
            message = str(getattr(exc, "detail", "")) or "bad request"
        return _json({"error": message}, status, self._plain_headers(request))

    async def internal_error(self, request: Request, exc: Exception) -> Response:
        _log.error("internal error on %s: %s: %s", request.url.path, type(exc).__name__, exc)
        document = {"error": f"internal error ({type(exc).__name__}); see the server log"}
        return _json(document, 500, self._plain_headers(request))

    def crashed(self, scope: Scope, exc: Exception) -> Answer:
        """The 500 answer of a prediction endpoint (see :meth:`internal_error`)."""
        _log.error("internal error on %s: %s: %s", scope["path"], type(exc).__name__, exc)
        document = {"error": f"internal error ({type(exc).__name__}); see the server log"}
        request_id = header(scope, b"x-request-id") or self._new_id()
        return Answer(500, _dumps(document), self._raw_headers(request_id, self.slot.live.primary))


def create_app(
    model: ServedModel,
    *,
    options: ServeOptions | None = None,
    settings: Settings | None = None,
    candidate: ServedModel | None = None,
) -> App:
    """The ASGI app serving ``model``; with ``settings`` it follows ``options.alias`` in that
    project's registry (hot swap) and, for canary or shadow, ``options.candidate_alias``."""
    from mlgate.deploy.swap import Live

    options = options or ServeOptions()
    server = _Server(ModelSlot(Live(primary=model, candidate=candidate)), options, settings)
    infer = Endpoint(server.infer, server.crashed)
    invocations = Endpoint(server.invocations, server.crashed)
    model_paths = ["/v2/models/{name}", "/v2/models/{name}/versions/{version}"]
    routes = [
        Route("/v2/health/live", server.live, methods=["GET"]),
        Route("/v2/health/ready", server.ready, methods=["GET"]),
        Route("/v2", server.server_metadata, methods=["GET"]),
        *[Route(p, server.model_metadata, methods=["GET"]) for p in model_paths],
        *[Route(p + "/ready", server.model_ready, methods=["GET"]) for p in model_paths],
        *[Route(p + "/infer", infer, methods=["POST"]) for p in model_paths],
        Route("/v2/models/{name}/feedback", server.feedback, methods=["POST"]),
        Route("/invocations", invocations, methods=["POST"]),
        Route("/ping", server.ping, methods=["GET"]),
        Route("/health", server.ping, methods=["GET"]),
        Route("/version", server.version, methods=["GET"]),
        Route("/metrics", server.prometheus, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        lifespan=server.lifespan,
        exception_handlers={HTTPException: server.http_error, Exception: server.internal_error},
    )
    app.state.server = server
    return App(app, invocations=invocations, infer=infer)
