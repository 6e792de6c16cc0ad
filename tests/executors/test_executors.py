"""Executors: results in order, errors come back as the task's own, Ray for real."""

from __future__ import annotations

import builtins
import operator
from typing import Any

import pytest

from mlgate.errors import ConfigError, DataError
from mlgate.executors import open_executor
from mlgate.executors.local import LocalExecutor
from mlgate.spec import LocalExecutor as LocalSpec
from mlgate.spec import RayExecutor as RaySpec


def _fails(x: int) -> int:
    raise DataError(f"task {x} failed", hint="a hint")


def test_local_map_keeps_order_and_reraises_the_task_error() -> None:
    with LocalExecutor(workers=2) as executor:
        assert list(executor.map(operator.mul, [1, 2, 3], [4, 5, 6])) == [4, 10, 18]
        future = executor.submit(_fails, 7)
        with pytest.raises(DataError, match="task 7 failed"):
            future.result()


def test_open_executor_follows_the_spec() -> None:
    with open_executor(LocalSpec(workers=3)) as executor:
        assert executor.kind == "local"
        assert isinstance(executor, LocalExecutor)
        assert executor.workers == 3


def test_ray_without_ray_installed_is_a_clear_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_ray(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(ConfigError, match=r"pip install 'mlgate\[ray\]'"):
        open_executor(RaySpec(kind="ray"))


@pytest.mark.slow
def test_ray_runs_tasks_and_returns_the_tasks_own_errors() -> None:
    pytest.importorskip("ray")

    def fails_remotely(x: int) -> int:  # defined here: Ray ships it by value to its workers
        raise DataError(f"task {x} failed", hint="a hint")

    with open_executor(RaySpec(kind="ray", num_cpus=2)) as executor:
        assert executor.kind == "ray"
        assert list(executor.map(operator.add, [1, 2], [10, 20])) == [11, 22]
        with pytest.raises(DataError, match="task 3 failed"):
            executor.submit(fails_remotely, 3).result()
