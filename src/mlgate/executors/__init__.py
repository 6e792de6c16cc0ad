"""Executors: where a run's independent work (seeds, stages, bootstrap) executes.

``base.Executor`` is a context-manager interface (``submit``, ``map``,
``close``); ``local`` runs tasks in this machine's threads (tasks that need
isolation, like training, start their own child processes), ``ray`` turns them
into Ray tasks. Large inputs and outputs travel through the artifact store by
digest, never through the driver's memory. ``open_executor(spec)`` picks one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlgate.executors.base import Executor
    from mlgate.spec import LocalExecutor, RayExecutor

__all__ = ["open_executor"]


def open_executor(spec: LocalExecutor | RayExecutor | None = None) -> Executor:
    """The executor the spec asks for (default: local, one worker per core)."""
    from mlgate.executors.local import LocalExecutor as Local

    if spec is None or spec.kind == "local":
        workers = getattr(spec, "workers", None)
        return Local(workers=workers)
    from mlgate.executors.ray import RayExecutor as Ray

    return Ray(address=spec.address, num_cpus=spec.num_cpus)
