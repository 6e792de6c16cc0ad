"""Metrics: what is measured on the holdout rows, and the registry of their properties.

Classification: ``accuracy``, ``balanced_accuracy``, ``precision``, ``recall``,
``f1`` (binary with two classes, macro-averaged with more; ``*_macro`` forces
the macro average), ``roc_auc`` (one-vs-rest macro with more than two classes),
``log_loss``, ``brier``. Regression: ``mae``, ``rmse``, ``r2``, ``mape``. And
user metrics, ``module:function(y_true, y_pred[, y_score]) -> float``.

>>> import numpy as np
>>> p = Predictions(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]))
>>> compute_metric("accuracy", p), compute_metric("recall", p)
(0.75, 0.5)
>>> METRICS["log_loss"].higher_is_better
False
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import numbers
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from mlgate.errors import ConfigError, DataError
from mlgate.validate._builtin import BUILDERS, UndefinedMetric
from mlgate.validate._statistics import CustomStatistic, FloatArray, Statistic

__all__ = [
    "METRICS",
    "MetricFailed",
    "MetricSpec",
    "Predictions",
    "Task",
    "UndefinedMetric",
    "compute_metric",
    "custom_metric",
    "load_custom_metrics",
    "metric_spec",
]

Task = Literal["classification", "regression"]
_TASKS: tuple[Task, ...] = ("classification", "regression")


@dataclass(frozen=True, eq=False)
class Predictions:
    """One model's answers on the holdout rows, in row order.

    ``y_score`` is for classification: the score (probability) of the positive
    class, shape (n,), or class probabilities, shape (n, k), with columns in
    the order of ``classes`` (the model's ``classes_``; default: the sorted
    labels). With two classes the positive class is the larger label unless a
    ``pos_label`` is given where metrics are computed.
    """

    y_true: npt.NDArray[Any]
    y_pred: npt.NDArray[Any]
    y_score: FloatArray | None = None
    classes: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        y_true, y_pred = np.asarray(self.y_true), np.asarray(self.y_pred)
        if y_true.ndim != 1 or y_pred.ndim != 1:
            raise DataError(
                f"y_true and y_pred must be one-dimensional, got shapes {y_true.shape} "
                f"and {y_pred.shape}",
                hint="Pass one label (or value) per row.",
            )
        if len(y_true) != len(y_pred):
            raise DataError(
                f"y_true has {len(y_true):,} rows but y_pred has {len(y_pred):,}",
                hint="Predict every holdout row, in the holdout's order.",
            )
        if len(y_true) == 0:
            raise DataError("there are no rows to evaluate", hint="Check the holdout split.")
        object.__setattr__(self, "y_true", y_true)
        object.__setattr__(self, "y_pred", y_pred)
        if self.classes is not None:
            object.__setattr__(self, "classes", tuple(np.asarray(self.classes).tolist()))
        if self.y_score is not None:
            object.__setattr__(self, "y_score", _scores(self.y_score, len(y_true)))

    @property
    def n(self) -> int:
        """Number of rows."""
        return len(self.y_true)

    def take(self, rows: npt.NDArray[Any]) -> Predictions:
        """The predictions for some rows only (a boolean mask or row numbers)."""
        score = None if self.y_score is None else self.y_score[rows]
        return Predictions(self.y_true[rows], self.y_pred[rows], score, self.classes)


def _scores(values: Any, n: int) -> FloatArray:
    try:
        score = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError("y_score is not numeric", hint="Pass predict_proba's output.") from None
    if score.ndim not in (1, 2) or len(score) != n:
        raise DataError(
            f"y_score has shape {score.shape}, expected ({n},) or ({n}, k)",
            hint="Pass one score per row, or one probability per row and class.",
        )
    bad = int(np.count_nonzero(~np.isfinite(score)))
    if bad:
        raise DataError(
            f"y_score has {bad:,} missing or infinite values",
            hint="Check the model's predict_proba output.",
        )
    return score


@dataclass(frozen=True)
class MetricSpec:
    """What mlgate knows about a metric.

    ``decomposable`` metrics are a mean of per-row losses (accuracy, log_loss,
    brier, mae, mape); the others (precision, recall, F1, balanced accuracy,
    rmse, r2, roc_auc) are not, but every built-in one is still resampled
    without a loop: as a function of weighted sums, or (roc_auc) ranks.
    """

    name: str
    tasks: frozenset[Task]
    needs_score: bool
    higher_is_better: bool
    decomposable: bool
    description: str
    build: Callable[[Sequence[Predictions], Any], Statistic] = field(repr=False, compare=False)
    target: str | None = None

    def statistic(self, models: Sequence[Predictions], *, pos_label: Any = None) -> Statistic:
        """This metric of every model in ``models`` (scored on the same rows)."""
        return self.build(models, pos_label)


def _builtin(
    name: str, task: Task, *, score: bool, higher: bool, decomposable: bool, about: str
) -> MetricSpec:
    return MetricSpec(name, frozenset({task}), score, higher, decomposable, about, BUILDERS[name])


_C: Task = "classification"
_R: Task = "regression"
#: The built-in metrics by name.
METRICS: Mapping[str, MetricSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            _builtin("accuracy", _C, score=False, higher=True, decomposable=True,
                     about="Share of rows predicted right."),
            _builtin("balanced_accuracy", _C, score=False, higher=True, decomposable=False,
                     about="Mean recall over the classes."),
            _builtin("precision", _C, score=False, higher=True, decomposable=False,
                     about="Share of positive predictions that are right (macro for >2 classes)."),
            _builtin("recall", _C, score=False, higher=True, decomposable=False,
                     about="Share of positive rows found (macro for >2 classes)."),
            _builtin("f1", _C, score=False, higher=True, decomposable=False,
                     about="Harmonic mean of precision and recall (macro for >2 classes)."),
            _builtin("precision_macro", _C, score=False, higher=True, decomposable=False,
                     about="Precision averaged over classes."),
            _builtin("recall_macro", _C, score=False, higher=True, decomposable=False,
                     about="Recall averaged over classes."),
            _builtin("f1_macro", _C, score=False, higher=True, decomposable=False,
                     about="F1 averaged over classes."),
            _builtin("roc_auc", _C, score=True, higher=True, decomposable=False,
                     about="Chance that a positive row scores above a negative one."),
            _builtin("log_loss", _C, score=True, higher=False, decomposable=True,
                     about="Mean negative log-probability of the true class."),
            _builtin("brier", _C, score=True, higher=False, decomposable=True,
                     about="Mean squared error of the predicted probabilities."),
            _builtin("mae", _R, score=False, higher=False, decomposable=True,
                     about="Mean absolute error."),
            _builtin("rmse", _R, score=False, higher=False, decomposable=False,
                     about="Root mean squared error."),
            _builtin("r2", _R, score=False, higher=True, decomposable=False,
                     about="Coefficient of determination."),
            _builtin("mape", _R, score=False, higher=False, decomposable=True,
                     about="Mean absolute percentage error (as a fraction)."),
        )
    }
)  # fmt: skip


def metric_spec(
    name: str, *, task: Task = "classification", custom: Mapping[str, MetricSpec] | None = None
) -> MetricSpec:
    """The metric called ``name`` for ``task``; ConfigError says what is wrong and what fits."""
    custom = custom or {}
    if name in custom:
        return custom[name]
    known = [spec.name for spec in METRICS.values() if task in spec.tasks] + list(custom)
    spec = METRICS.get(name)
    if spec is not None and task not in spec.tasks:
        other = next(iter(spec.tasks))
        raise ConfigError(
            f"{name!r} is a {other} metric, but the task is {task}",
            where="evaluate.metrics",
            hint=f"Use one of {', '.join(known)}, or set evaluate.task: {other}.",
        )
    if spec is None:
        guess = difflib.get_close_matches(name.lower(), [*known, *METRICS], n=1, cutoff=0.6)
        raise ConfigError(
            f"unknown metric {name!r}" + (f"; did you mean {guess[0]!r}?" if guess else ""),
            where="evaluate.metrics",
            hint=f"Metrics for {task}: {', '.join(known)}; or define your own under "
            "evaluate.custom_metrics as module:function.",
        )
    return spec


def compute_metric(
    metric: str | MetricSpec,
    predictions: Predictions,
    *,
    task: Task = "classification",
    custom: Mapping[str, MetricSpec] | None = None,
    pos_label: Any = None,
) -> float:
    """The metric on all rows of ``predictions``, as one number."""
    spec = (
        metric if isinstance(metric, MetricSpec) else metric_spec(metric, task=task, custom=custom)
    )
    statistic = spec.statistic([predictions], pos_label=pos_label)
    return float(statistic.values(np.ones((1, predictions.n), dtype=np.int64))[0, 0])


# -- user metrics


class MetricFailed(ConfigError):
    """A user's metric function could not be loaded, raised, or did not return a number.

    ``detail`` holds the user's traceback (mlgate's own frames left out); the
    original exception is also the ``__cause__``.
    """

    def __init__(self, message: str, *, where: str, hint: str, detail: str = "") -> None:
        self.detail = detail
        super().__init__(message, where=where, hint=hint)


def _load(target: str) -> Callable[..., Any]:
    module_name, _, attr = target.partition(":")
    hint = (
        "Metrics are module:function, imported from the project folder, "
        "e.g. metrics:top3_accuracy for top3_accuracy in metrics.py."
    )
    try:
        value: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise MetricFailed(
            f"cannot import the metric's module {module_name!r}: {type(exc).__name__}: {exc}",
            where=target,
            hint=hint,
            detail=_user_traceback(exc),
        ) from exc
    for part in attr.split("."):
        if not hasattr(value, part):
            raise MetricFailed(f"{module_name!r} has no {attr!r}", where=target, hint=hint)
        value = getattr(value, part)
    if not callable(value):
        raise MetricFailed(
            f"{attr!r} in {module_name!r} is not a function", where=target, hint=hint
        )
    return value  # type: ignore[no-any-return]


def _user_traceback(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_globals.get("__name__", "").startswith("mlgate."):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _takes_score(function: Callable[..., Any]) -> bool:
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 3 or any(p.kind == p.VAR_POSITIONAL for p in parameters)


def custom_metric(
    name: str,
    function: str | Callable[..., Any],
    *,
    greater_is_better: bool = True,
) -> MetricSpec:
    """A user metric: ``function(y_true, y_pred[, y_score]) -> float``, or its
    ``module:function`` path. It gets ``y_score`` when it takes three arguments.

    When it raises or returns something that is not a number, :class:`MetricFailed`
    names the function and carries the user's traceback.
    """
    target = function if isinstance(function, str) else _qualified(function)
    user = _load(function) if isinstance(function, str) else function
    with_score = _takes_score(user)

    def call(y_true: Any, y_pred: Any, y_score: Any) -> float:
        try:
            value = user(y_true, y_pred, y_score) if with_score else user(y_true, y_pred)
        except Exception as exc:
            raise MetricFailed(
                f"the metric {name!r} ({target}) raised {type(exc).__name__}: {exc}",
                where=target,
                hint="Fix the function: it is called as function(y_true, y_pred[, y_score]) "
                "on the holdout rows and on bootstrap resamples of them. Its traceback is "
                "in the error's detail.",
                detail=_user_traceback(exc),
            ) from exc
        return _number(value, name, target)

    def build(models: Sequence[Predictions], pos_label: Any) -> Statistic:
        first = models[0].y_true
        for other in models[1:]:
            if not np.array_equal(other.y_true, first):
                raise DataError("the models were scored on different rows")
        return CustomStatistic(call, first, [(p.y_pred, p.y_score) for p in models])

    return MetricSpec(
        name,
        frozenset(_TASKS),
        with_score,
        greater_is_better,
        False,
        f"Custom metric {target}.",
        build,
        target=target,
    )


def _qualified(function: Callable[..., Any]) -> str:
    module = getattr(function, "__module__", "?")
    return f"{module}:{getattr(function, '__qualname__', repr(function))}"


def _number(value: Any, name: str, target: str) -> float:
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise MetricFailed(
            f"the metric {name!r} ({target}) returned {value!r} ({type(value).__name__}); "
            "a metric returns one number",
            where=target,
            hint="Return a float, e.g. float(score).",
        )
    return float(value)


def load_custom_metrics(definitions: Mapping[str, Any]) -> dict[str, MetricSpec]:
    """Metric specs from ``evaluate.custom_metrics`` (name → CustomMetric, or module:function)."""
    loaded = {}
    for name, definition in definitions.items():
        if isinstance(definition, str):
            loaded[name] = custom_metric(name, definition)
        else:
            loaded[name] = custom_metric(
                name, definition.function, greater_is_better=definition.greater_is_better
            )
    return loaded
