"""What monitoring returns: windows, their alerts, and the report; each has a JSON form."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from mlgate.data._drift import DriftReport
    from mlgate.validate.bootstrap import Interval

__all__ = [
    "Alert",
    "AlertKind",
    "MonitorReport",
    "WindowResult",
    "drift_dict",
    "plain",
    "plain_dict",
]

AlertKind = Literal["drift", "prediction_drift", "degradation"]


def plain(value: Any) -> Any:
    """``value`` as plain JSON data: NaN and infinities become None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def plain_dict(value: Mapping[str, Any]) -> dict[str, Any]:
    """A mapping as plain JSON data (see :func:`plain`)."""
    return {str(k): plain(v) for k, v in value.items()}


def drift_dict(report: DriftReport | None) -> dict[str, Any] | None:
    """The part of a drift report worth keeping per window: verdict and per-column numbers."""
    if report is None:
        return None
    return plain_dict(
        {
            "drifted": report.drifted,
            "share_drifted": report.share_drifted,
            "drifted_columns": list(report.drifted_columns),
            "n_reference": report.n_reference,
            "n_current": report.n_current,
            "columns": {
                c.column: {
                    "status": c.status,
                    "test": c.test,
                    "p_adjusted": c.p_adjusted,
                    "effect": c.effect,
                    "effect_size": c.effect_size,
                    "note": c.note,
                }
                for c in report.columns
            },
        }
    )


def _interval_dict(interval: Interval) -> dict[str, Any]:
    return plain_dict(
        {
            "estimate": interval.estimate,
            "low": interval.low,
            "high": interval.high,
            "confidence": interval.confidence,
            "method": interval.method,
        }
    )


@dataclass(frozen=True)
class Alert:
    """Something a complete window shows that people should act on.

    ``kind`` is ``drift`` (the inputs moved away from the reference profile),
    ``prediction_drift`` (the outputs moved away from the holdout predictions) or
    ``degradation`` (a live metric's interval lies past its floor); ``sentence`` says it
    in words and ``evidence`` holds the numbers.
    """

    kind: AlertKind
    version: int
    route: str
    window: str
    sentence: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return plain_dict(
            {
                "kind": self.kind,
                "version": self.version,
                "route": self.route,
                "window": self.window,
                "sentence": self.sentence,
                "evidence": dict(self.evidence),
            }
        )


@dataclass(frozen=True)
class WindowResult:
    """One window of one version and route.

    ``key`` is stable (``count:1000:7``, ``time:3600:<epoch of the start>``); ``start`` and
    ``end`` are the window's bounds (time windows) or its first and last prediction
    (count windows). Only a ``complete`` window (all its rows logged, or its time over,
    with a minute's grace for the server's log writer) raises alerts. ``drift``
    compares the inputs with the version's reference profile and ``prediction_drift``
    the outputs with the holdout predictions (None when there is no reference);
    ``drifted_columns`` and ``max_effect`` (the largest effect size among
    them, 0.0 when none) summarise the former. ``metrics`` are live metrics with
    intervals on the ``labelled`` rows (labels that came later than ``labels.max_delay``
    are counted in ``late`` and left out).
    """

    key: str
    version: int
    route: str
    start: datetime
    end: datetime
    rows: int
    requests: int
    complete: bool
    drift: DriftReport | None
    prediction_drift: DriftReport | None
    labelled: int
    late: int
    metrics: Mapping[str, Interval]
    alerts: tuple[Alert, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        """The input columns that drifted."""
        return () if self.drift is None else self.drift.drifted_columns

    @property
    def max_effect(self) -> float:
        """The largest effect size among the drifted input columns (0.0 when none)."""
        if self.drift is None:
            return 0.0
        sizes = [c.effect_size for c in self.drift.columns if c.drifted and c.effect_size]
        return max(sizes, default=0.0)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (what is stored per window, with the window's identity)."""
        return plain_dict(
            {
                "key": self.key,
                "version": self.version,
                "route": self.route,
                "start": self.start,
                "end": self.end,
                "rows": self.rows,
                "requests": self.requests,
                "complete": self.complete,
                "drifted_columns": list(self.drifted_columns),
                "max_effect": self.max_effect,
                "drift": drift_dict(self.drift),
                "prediction_drift": drift_dict(self.prediction_drift),
                "labelled": self.labelled,
                "late": self.late,
                "metrics": {name: _interval_dict(i) for name, i in self.metrics.items()},
                "alerts": [a.to_dict() for a in self.alerts],
                "notes": list(self.notes),
            }
        )


@dataclass(frozen=True)
class MonitorReport:
    """The windows of one model (oldest first per version and route), every alert of its
    complete windows, a ``note`` when there is nothing to judge (no traffic yet), and
    ``notes`` on what could not be measured (no reference profile, metrics that need
    scores)."""

    model: str
    window: str
    windows: tuple[WindowResult, ...]
    alerts: tuple[Alert, ...]
    note: str = ""
    notes: tuple[str, ...] = ()

    @property
    def alerting(self) -> bool:
        """Whether an alert fired (``mlgate monitor`` then exits 1)."""
        return bool(self.alerts)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (``mlgate monitor --json``)."""
        return {
            "model": self.model,
            "window": self.window,
            "windows": [w.to_dict() for w in self.windows],
            "alerts": [a.to_dict() for a in self.alerts],
            "note": self.note,
            "notes": list(self.notes),
        }
