"""mlgate: CI/CD for machine learning.

Version data, run the pipeline with cached stages, gate models on statistical
evidence, govern a model registry, serve and monitor. ``import mlgate`` is
cheap: public names resolve on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mlgate._version import __version__

if TYPE_CHECKING:
    from mlgate import data as data
    from mlgate import monitor as monitor
    from mlgate import registry as registry
    from mlgate.config import Settings as Settings
    from mlgate.errors import (
        ApprovalRequired as ApprovalRequired,
    )
    from mlgate.errors import (
        CheckFailed as CheckFailed,
    )
    from mlgate.errors import (
        ConfigError as ConfigError,
    )
    from mlgate.errors import (
        ConflictError as ConflictError,
    )
    from mlgate.errors import (
        DataError as DataError,
    )
    from mlgate.errors import (
        IntegrityError as IntegrityError,
    )
    from mlgate.errors import (
        MlgateError as MlgateError,
    )
    from mlgate.errors import (
        NotFoundError as NotFoundError,
    )
    from mlgate.errors import (
        SchemaVersionError as SchemaVersionError,
    )
    from mlgate.errors import (
        StorageError as StorageError,
    )
    from mlgate.errors import (
        TrainingError as TrainingError,
    )
    from mlgate.errors import (
        UsageError as UsageError,
    )
    from mlgate.monitor import add_labels as add_labels
    from mlgate.pipeline.api import run as run
    from mlgate.pipeline.verify import verify as verify
    from mlgate.project import init as init
    from mlgate.spec import load_spec as load_spec
    from mlgate.triggers import evaluate_triggers as evaluate_triggers
    from mlgate.triggers import watch as watch

__all__ = [
    "ApprovalRequired",
    "CheckFailed",
    "ConfigError",
    "ConflictError",
    "DataError",
    "IntegrityError",
    "MlgateError",
    "NotFoundError",
    "SchemaVersionError",
    "Settings",
    "StorageError",
    "TrainingError",
    "UsageError",
    "__version__",
    "add_labels",
    "data",
    "evaluate_triggers",
    "init",
    "load_spec",
    "monitor",
    "registry",
    "run",
    "verify",
    "watch",
]

_LAZY: dict[str, str] = {
    "Settings": "mlgate.config",
    "data": "mlgate.data",
    "init": "mlgate.project",
    "load_spec": "mlgate.spec",
    "registry": "mlgate.registry",
    "run": "mlgate.pipeline.api",
    "verify": "mlgate.pipeline.verify",
    "add_labels": "mlgate.monitor",
    "monitor": "mlgate.monitor",
    "evaluate_triggers": "mlgate.triggers",
    "watch": "mlgate.triggers",
    **dict.fromkeys(
        (
            "ApprovalRequired",
            "CheckFailed",
            "ConfigError",
            "ConflictError",
            "DataError",
            "IntegrityError",
            "MlgateError",
            "NotFoundError",
            "SchemaVersionError",
            "StorageError",
            "TrainingError",
            "UsageError",
        ),
        "mlgate.errors",
    ),
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'mlgate' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if module_name == f"mlgate.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
