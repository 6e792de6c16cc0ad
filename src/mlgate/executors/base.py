"""The executor interface: submit callables, get futures, close when done."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["Executor"]

T = TypeVar("T")


class Executor(ABC):
    """Runs independent tasks; results come back as futures, in submission order for ``map``.

    Tasks must be top-level functions with picklable arguments, so that every
    backend (threads, Ray workers on other machines) can run them.
    """

    #: Short name recorded on each run (``local``, ``ray``).
    kind: str

    @abstractmethod
    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Schedule ``fn(*args, **kwargs)``."""

    def map(self, fn: Callable[..., T], *iterables: Iterable[Any]) -> Iterator[T]:
        """``fn`` over zipped arguments; results in order, the first error re-raised."""
        futures = [self.submit(fn, *args) for args in zip(*iterables, strict=True)]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    @abstractmethod
    def close(self) -> None:
        """Wait for running tasks and release workers."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
