"""``mlgate serve``: read the deploy policy, load the version behind the alias, run uvicorn."""

from __future__ import annotations

import gc
import ipaddress
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from mlgate.config import SPEC_FILE, Settings
from mlgate.deploy.routing import Routing
from mlgate.deploy.server import MAX_BODY, ServeOptions
from mlgate.errors import UsageError

__all__ = ["DeployPolicy", "deploy_policy", "log_folder", "log_location", "serve"]


@dataclass(frozen=True)
class DeployPolicy:
    """What ``deploy.<alias>`` of mlgate.yaml says about serving."""

    routing: Routing
    log_sample: float = 1.0
    log_flush_every: float = 5.0


def deploy_policy(settings: Settings, alias: str) -> DeployPolicy:
    """The serving part of the alias's policy (defaults when mlgate.yaml sets none)."""
    path = settings.project / SPEC_FILE
    if not path.is_file():
        return DeployPolicy(routing=Routing())
    from mlgate.spec import load_spec

    rule = load_spec(path).deploy.get(alias)
    if rule is None:
        return DeployPolicy(routing=Routing())
    return DeployPolicy(
        routing=Routing(strategy=rule.strategy, traffic=float(rule.traffic)),
        log_sample=float(rule.prediction_log.sample),
        log_flush_every=float(rule.prediction_log.flush_every),
    )


def log_folder(settings: Settings, name: str) -> Path:
    """The local folder of the prediction log of model ``name``: ``.mlgate/predictions/NAME``."""
    return settings.state_dir / "predictions" / name


def log_location(settings: Settings, name: str) -> Path | str:
    """Where the prediction log of model ``name`` lives: beside the artifact store when that
    is remote (``<MLGATE_STORE>/predictions/NAME``, so several servers and the monitor share
    it), else the local :func:`log_folder`."""
    from mlgate.deploy.predlog import is_remote

    store = settings.store_url
    if is_remote(store):
        return f"{store.rstrip('/')}/predictions/{name}"
    return log_folder(settings, name)


def _check_host(host: str) -> str:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        raise UsageError(f"--host {host!r} is not an IP address", hint="Use 127.0.0.1.") from None
    if not loopback:
        logging.getLogger("mlgate.deploy").warning(
            "listening on %s: the server has no authentication; put it behind a proxy", host
        )
    return host


def serve(
    name: str,
    *,
    alias: str = "production",
    host: str = "127.0.0.1",
    port: int = 8080,
    poll: float = 1.0,
    max_body: int = MAX_BODY,
    log: bool = True,
    allow_pickle: bool = False,
    settings: Settings | None = None,
) -> None:
    """Serve the version of ``name`` behind ``alias`` until SIGTERM/SIGINT (then drain)."""
    import uvicorn

    _DrainingServer = _draining_server_class()  # noqa: N806 (a class)
    from mlgate.deploy.model import load_served
    from mlgate.deploy.server import create_app
    from mlgate.monitor._config import monitor_config
    from mlgate.registry.session import Session
    from mlgate.registry.versions import resolve

    _check_host(host)
    if not 0 < port < 65536:
        raise UsageError(f"--port {port} is not a TCP port", hint="Use 1-65535, e.g. 8080.")
    settings = settings or Settings.load()
    policy = deploy_policy(settings, alias)
    candidate_alias = "candidate"
    with Session.open(settings) as session:
        _, record = resolve(session, name, alias=alias)
        model = load_served(session.stores, name, record.version, allow_pickle=allow_pickle)
        candidate = None
        if policy.routing.strategy != "direct":
            pointer = session.stores.metadata.get_alias(name, candidate_alias)
            if pointer is not None and pointer.version != record.version:
                try:
                    candidate = load_served(
                        session.stores, name, pointer.version, allow_pickle=allow_pickle
                    )
                except Exception as exc:
                    logging.getLogger("mlgate.deploy").error(
                        "candidate v%d cannot serve: %s", pointer.version, exc
                    )
    options = ServeOptions(
        alias=alias,
        candidate_alias=candidate_alias,
        routing=policy.routing,
        max_body=max_body,
        poll=poll,
        allow_pickle=allow_pickle,
        log_folder=log_location(settings, name) if log else None,
        log_sample=policy.log_sample if log else 0.0,
        log_flush_every=policy.log_flush_every,
        log_scores=log and monitor_config(settings).scores_needed,
    )
    app = create_app(model, options=options, settings=settings, candidate=candidate)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    sys.stderr.write(
        f"serving {name} v{model.version} ({alias}) on http://{host}:{port} "
        f"[{policy.routing.strategy}]\n"
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=30,
        lifespan="on",
    )
    # Everything built so far (modules, the model) lives as long as the process: keep it out
    # of the garbage collector's full passes, which otherwise stall a request for ~0.1 s.
    gc.freeze()
    _DrainingServer(config).run()


def _draining_server_class() -> type:
    import contextlib
    import signal
    import threading
    from collections.abc import Iterator

    import uvicorn

    class DrainingServer(uvicorn.Server):
        """uvicorn's server, but a SIGTERM/SIGINT that drained cleanly exits 0 (uvicorn
        re-raises the signal after shutdown, which ends the process with -15)."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            signals = (signal.SIGINT, signal.SIGTERM)
            original = {sig: signal.signal(sig, self.handle_exit) for sig in signals}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

    return DrainingServer
