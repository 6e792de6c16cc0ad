"""Validate: the room where a challenger is measured against its gates.

Metrics on the holdout rows (``metrics``), paired bootstrap intervals for any
metric with training seeds in the interval (``bootstrap``), latency and size
budgets (``budgets``), and the gates of ``mlgate.yaml`` decided on those
intervals into pass, fail or inconclusive, combined into a verdict with the
numbers and a sentence per gate (``gates``, ``results``). A champion is never
replaced because of noise: what cannot be decided at the requested confidence
is inconclusive and goes to a person.

The pipeline calls :func:`evaluate_spec_gates` with the challenger's
:class:`Predictions` (one per seed), the champions' on the same rows, the
slice columns and the measured :class:`Budgets`. Names resolve lazily, so
importing this package does not load numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlgate.validate.bootstrap import BootstrapResult as BootstrapResult
    from mlgate.validate.bootstrap import Interval as Interval
    from mlgate.validate.bootstrap import Method as Method
    from mlgate.validate.bootstrap import MetricBootstrap as MetricBootstrap
    from mlgate.validate.bootstrap import bca_interval as bca_interval
    from mlgate.validate.bootstrap import bootstrap_metric as bootstrap_metric
    from mlgate.validate.bootstrap import percentile_interval as percentile_interval
    from mlgate.validate.budgets import Budgets as Budgets
    from mlgate.validate.budgets import LatencySample as LatencySample
    from mlgate.validate.budgets import measure_budgets as measure_budgets
    from mlgate.validate.budgets import measure_latency as measure_latency
    from mlgate.validate.budgets import model_size_mb as model_size_mb
    from mlgate.validate.gates import champion_unreadable as champion_unreadable
    from mlgate.validate.gates import evaluate_gates as evaluate_gates
    from mlgate.validate.gates import evaluate_spec_gates as evaluate_spec_gates
    from mlgate.validate.gates import holm as holm
    from mlgate.validate.metrics import METRICS as METRICS
    from mlgate.validate.metrics import MetricFailed as MetricFailed
    from mlgate.validate.metrics import MetricSpec as MetricSpec
    from mlgate.validate.metrics import Predictions as Predictions
    from mlgate.validate.metrics import Task as Task
    from mlgate.validate.metrics import UndefinedMetric as UndefinedMetric
    from mlgate.validate.metrics import compute_metric as compute_metric
    from mlgate.validate.metrics import custom_metric as custom_metric
    from mlgate.validate.metrics import load_custom_metrics as load_custom_metrics
    from mlgate.validate.metrics import metric_spec as metric_spec
    from mlgate.validate.results import Champion as Champion
    from mlgate.validate.results import GateNumbers as GateNumbers
    from mlgate.validate.results import GateResult as GateResult
    from mlgate.validate.results import MeasuredBudget as MeasuredBudget
    from mlgate.validate.results import SchemaMismatch as SchemaMismatch
    from mlgate.validate.results import SliceResult as SliceResult
    from mlgate.validate.results import Status as Status
    from mlgate.validate.results import Verdict as Verdict
    from mlgate.validate.results import VerdictStatus as VerdictStatus
    from mlgate.validate.results import verdict_of as verdict_of

__all__ = [
    "METRICS",
    "BootstrapResult",
    "Budgets",
    "Champion",
    "GateNumbers",
    "GateResult",
    "Interval",
    "LatencySample",
    "MeasuredBudget",
    "Method",
    "MetricBootstrap",
    "MetricFailed",
    "MetricSpec",
    "Predictions",
    "SchemaMismatch",
    "SliceResult",
    "Status",
    "Task",
    "UndefinedMetric",
    "Verdict",
    "VerdictStatus",
    "bca_interval",
    "bootstrap_metric",
    "champion_unreadable",
    "compute_metric",
    "custom_metric",
    "evaluate_gates",
    "evaluate_spec_gates",
    "holm",
    "load_custom_metrics",
    "measure_budgets",
    "measure_latency",
    "metric_spec",
    "model_size_mb",
    "percentile_interval",
    "verdict_of",
]

_LAZY = {
    "METRICS": "mlgate.validate.metrics",
    "MetricFailed": "mlgate.validate.metrics",
    "MetricSpec": "mlgate.validate.metrics",
    "Predictions": "mlgate.validate.metrics",
    "Task": "mlgate.validate.metrics",
    "UndefinedMetric": "mlgate.validate.metrics",
    "compute_metric": "mlgate.validate.metrics",
    "custom_metric": "mlgate.validate.metrics",
    "load_custom_metrics": "mlgate.validate.metrics",
    "metric_spec": "mlgate.validate.metrics",
    "BootstrapResult": "mlgate.validate.bootstrap",
    "Interval": "mlgate.validate.bootstrap",
    "Method": "mlgate.validate.bootstrap",
    "MetricBootstrap": "mlgate.validate.bootstrap",
    "bca_interval": "mlgate.validate.bootstrap",
    "bootstrap_metric": "mlgate.validate.bootstrap",
    "percentile_interval": "mlgate.validate.bootstrap",
    "champion_unreadable": "mlgate.validate.gates",
    "evaluate_gates": "mlgate.validate.gates",
    "evaluate_spec_gates": "mlgate.validate.gates",
    "holm": "mlgate.validate.gates",
    "Champion": "mlgate.validate.results",
    "GateNumbers": "mlgate.validate.results",
    "GateResult": "mlgate.validate.results",
    "MeasuredBudget": "mlgate.validate.results",
    "SchemaMismatch": "mlgate.validate.results",
    "SliceResult": "mlgate.validate.results",
    "Status": "mlgate.validate.results",
    "Verdict": "mlgate.validate.results",
    "VerdictStatus": "mlgate.validate.results",
    "verdict_of": "mlgate.validate.results",
    "Budgets": "mlgate.validate.budgets",
    "LatencySample": "mlgate.validate.budgets",
    "measure_budgets": "mlgate.validate.budgets",
    "measure_latency": "mlgate.validate.budgets",
    "model_size_mb": "mlgate.validate.budgets",
}


def __getattr__(name: str) -> Any:
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'mlgate.validate' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
