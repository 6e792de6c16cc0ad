"""The project spec: ``mlgate.yaml`` parsed into immutable pydantic models.

:func:`load_spec` reads and validates the file; every problem is a
:class:`~mlgate.errors.ConfigError` located at ``file:line:column``, with
"did you mean" for unknown keys. :func:`json_schema` gives the JSON Schema for
editors (``mlgate schema``). Later stages read their own section: ``spec.data``,
``spec.train``, ``spec.gates``, ``spec.deploy["production"]``, …
"""

from __future__ import annotations

from mlgate.spec._gates import AbsoluteGate, BudgetGate, ComparisonGate, Gate
from mlgate.spec._load import load_spec, parse_spec
from mlgate.spec._operate import (
    AliasPolicy,
    CanarySpec,
    DataTrigger,
    DegradationTrigger,
    DriftSpec,
    DriftTrigger,
    LabelsSpec,
    MonitorSpec,
    PredictionLogSpec,
    TriggersSpec,
    Window,
)
from mlgate.spec._schema import json_schema
from mlgate.spec._sections import (
    BootstrapSpec,
    CustomMetric,
    DataChecks,
    DataSpec,
    EvaluateSpec,
    Executor,
    LocalExecutor,
    ProjectSpec,
    RandomSplit,
    RayExecutor,
    RegisterSpec,
    RegistrySpec,
    Split,
    TimeSplit,
    TrainSpec,
    Webhook,
)
from mlgate.spec._spec import Spec
from mlgate.spec._types import (
    BUDGETS,
    CLASSIFICATION_METRICS,
    LOWER_IS_BETTER,
    REGRESSION_METRICS,
    parse_cron,
    parse_duration,
)

__all__ = [
    "BUDGETS",
    "CLASSIFICATION_METRICS",
    "LOWER_IS_BETTER",
    "REGRESSION_METRICS",
    "AbsoluteGate",
    "AliasPolicy",
    "BootstrapSpec",
    "BudgetGate",
    "CanarySpec",
    "ComparisonGate",
    "CustomMetric",
    "DataChecks",
    "DataSpec",
    "DataTrigger",
    "DegradationTrigger",
    "DriftSpec",
    "DriftTrigger",
    "EvaluateSpec",
    "Executor",
    "Gate",
    "LabelsSpec",
    "LocalExecutor",
    "MonitorSpec",
    "PredictionLogSpec",
    "ProjectSpec",
    "RandomSplit",
    "RayExecutor",
    "RegisterSpec",
    "RegistrySpec",
    "Spec",
    "Split",
    "TimeSplit",
    "TrainSpec",
    "TriggersSpec",
    "Webhook",
    "Window",
    "json_schema",
    "load_spec",
    "parse_cron",
    "parse_duration",
    "parse_spec",
]
