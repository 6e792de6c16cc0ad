"""Monitor: the room where live traffic is watched after a model is served.

:func:`monitor` reads the prediction log in windows (by count or time, per version and
route, one Parquet segment at a time) and judges each: input drift against the
version's reference profile, prediction drift against its holdout predictions, and
live metrics with confidence intervals once delayed labels arrive (:func:`add_labels`,
or ``POST /v2/models/{name}/feedback`` on the model server). :func:`decide_canary`
promotes or aborts a canary from the live labelled rows of both routes. Names resolve
lazily, so importing this package loads nothing heavy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlgate.monitor._canary import CanaryVerdict as CanaryVerdict
    from mlgate.monitor._canary import decide_canary as decide_canary
    from mlgate.monitor._config import parse_window as parse_window
    from mlgate.monitor._labels import LabelsAdded as LabelsAdded
    from mlgate.monitor._labels import add_labels as add_labels
    from mlgate.monitor._monitor import monitor as monitor
    from mlgate.monitor._report import Alert as Alert
    from mlgate.monitor._report import MonitorReport as MonitorReport
    from mlgate.monitor._report import WindowResult as WindowResult

__all__ = [
    "Alert",
    "CanaryVerdict",
    "LabelsAdded",
    "MonitorReport",
    "WindowResult",
    "add_labels",
    "decide_canary",
    "monitor",
    "parse_window",
]

_LAZY = {
    "CanaryVerdict": "mlgate.monitor._canary",
    "decide_canary": "mlgate.monitor._canary",
    "parse_window": "mlgate.monitor._config",
    "LabelsAdded": "mlgate.monitor._labels",
    "add_labels": "mlgate.monitor._labels",
    "monitor": "mlgate.monitor._monitor",
    "Alert": "mlgate.monitor._report",
    "MonitorReport": "mlgate.monitor._report",
    "WindowResult": "mlgate.monitor._report",
}


def __getattr__(name: str) -> Any:
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'mlgate.monitor' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
