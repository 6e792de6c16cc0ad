"""The local executor: a thread pool sized to the machine's cores.

Threads suffice because the heavy tasks do not hold the GIL: training runs in
a child process per seed (``mlgate.train.runner``), and hashing and bootstrap
work in numpy and BLAKE3, which release it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from mlgate.executors.base import Executor

__all__ = ["LocalExecutor"]

T = TypeVar("T")


class LocalExecutor(Executor):
    """Up to ``workers`` tasks at once on this machine (default: one per core)."""

    kind = "local"

    def __init__(self, *, workers: int | None = None) -> None:
        self.workers = workers or max(os.cpu_count() or 1, 1)
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="mlgate-task")

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        return self._pool.submit(fn, *args, **kwargs)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
