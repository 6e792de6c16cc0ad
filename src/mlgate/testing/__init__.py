"""Helpers for testing code that plugs into mlgate.

:func:`check_train_function` checks a training function against the contract
``train(data, params, seed) -> model`` in your own tests, without a project or
a pipeline run.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlgate.testing._train import check_train_function as check_train_function

__all__ = ["check_train_function"]

_LAZY = {"check_train_function": "mlgate.testing._train"}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'mlgate.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
