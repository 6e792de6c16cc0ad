"""The Ray executor: each task becomes a Ray task (``pip install 'mlgate[ray]'``).

Ray is imported here only. With no address, a local Ray is started (and shut
down on close); with one, the executor joins that cluster. Task arguments are
small (paths, URLs, digests): data moves through the artifact store.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from mlgate.errors import ConfigError
from mlgate.executors.base import Executor

__all__ = ["RayExecutor"]

T = TypeVar("T")


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "the project asks for the Ray executor (executor: ray), but Ray is not installed",
            hint="Run: pip install 'mlgate[ray]', or set executor: local in mlgate.yaml.",
        ) from None
    return ray


def _call(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    """Run one task inside a Ray worker (any callable: functions, builtins, partials)."""
    return fn(*args, **kwargs)


class RayExecutor(Executor):
    """Tasks on a Ray cluster (or a local Ray started for this run)."""

    kind = "ray"

    def __init__(self, *, address: str | None = None, num_cpus: int | None = None) -> None:
        self._ray = _import_ray()
        self._started = False
        if not self._ray.is_initialized():
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "configure_logging": False,
            }
            if address:
                options["address"] = address
            else:  # a private local Ray, listening on loopback only
                options["num_cpus"] = num_cpus or max(os.cpu_count() or 1, 1)
                options["_node_ip_address"] = "127.0.0.1"
            try:
                self._ray.init(**options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ConfigError(
                    f"cannot start or reach Ray{f' at {address}' if address else ''}: {exc}",
                    hint="Check executor.address in mlgate.yaml, or use executor: local.",
                ) from None
            self._started = True
        self._call = self._ray.remote(_call)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        inner: Future[T] = self._call.remote(fn, args, kwargs).future()
        outer: Future[T] = Future()

        def settle(done: Future[T]) -> None:
            error = done.exception()
            if error is None:
                outer.set_result(done.result())
            else:  # give callers the task's own error, not Ray's wrapper around it
                outer.set_exception(getattr(error, "cause", None) or error)

        inner.add_done_callback(settle)
        return outer

    def close(self) -> None:
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()
            self._started = False
