"""Budgets: single-row prediction latency and model size, measured during evaluation.

Latency is timed over many calls of ``model.predict`` on one row at a time
(cycling through the holdout rows, after a warm-up), so a gate decides on a
percentile *with its interval*: the timings are resampled like metrics are
(percentile bootstrap of the p50 or p99), and a latency budget is
inconclusive when the measured interval straddles the limit. How many calls are
timed follows from the gates (:func:`latency_calls`): a p99 needs 300, a median
100, and without a latency budget nothing is timed. Model size is the size of
the saved model file (or folder), in megabytes of 10⁶ bytes.

>>> class Echo:
...     def predict(self, rows):
...         return rows
>>> sample = measure_latency(Echo(), [[1.0], [2.0]], calls=200)
>>> sample.calls, sample.p99 >= sample.p50 > 0
(200, True)
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mlgate.errors import DataError, NotFoundError

if TYPE_CHECKING:  # the gate side is imported where it is used: timing needs numpy alone
    from mlgate.spec import BudgetGate
    from mlgate.validate._statistics import FloatArray
    from mlgate.validate.bootstrap import Interval
    from mlgate.validate.results import GateResult, Status

__all__ = [
    "P50_CALLS",
    "P99_CALLS",
    "Budgets",
    "LatencySample",
    "budget_gate",
    "latency_calls",
    "measure_budgets",
    "measure_latency",
    "model_size_mb",
]

#: Timed calls for a p99 budget. With n calls, the slowest one lies above the true p99
#: with probability 1 - 0.99**n, which first reaches 95 % at n = 299: with fewer calls
#: not even the slowest call bounds the p99 at the usual confidence, so a sample that
#: small cannot back a "within the budget" verdict.
P99_CALLS = 300
#: Timed calls for a median (p50) budget alone: with 100 calls the distribution-free
#: 95 % interval of the median lies between the 40th and the 61st fastest call.
P50_CALLS = 100


@dataclass(frozen=True, eq=False)
class LatencySample:
    """Wall-clock milliseconds of single-row ``predict`` calls."""

    timings_ms: FloatArray

    @property
    def calls(self) -> int:
        """How many calls were timed."""
        return len(self.timings_ms)

    @property
    def p50(self) -> float:
        """Median latency, ms."""
        return float(np.quantile(self.timings_ms, 0.5))

    @property
    def p99(self) -> float:
        """99th-percentile latency, ms."""
        return float(np.quantile(self.timings_ms, 0.99))

    def interval(
        self, quantile: float, *, confidence: float = 0.95, resamples: int = 2000, seed: int = 0
    ) -> Interval:
        """The ``quantile`` of the latency with a percentile-bootstrap interval."""
        from mlgate.validate.bootstrap import Interval, check_confidence

        check_confidence(confidence)
        rng = np.random.default_rng(seed)
        n = self.calls
        estimate = float(np.quantile(self.timings_ms, quantile))
        values = np.empty(resamples)
        step = max(1, (1 << 21) // n)
        for start in range(0, resamples, step):
            size = min(step, resamples - start)
            drawn = self.timings_ms[rng.integers(0, n, size=(size, n))]
            values[start : start + size] = np.quantile(drawn, quantile, axis=1)
        tail = (1 - confidence) / 2
        low, high = np.quantile(values, [tail, 1 - tail])
        return Interval(estimate, float(low), float(high), confidence, "percentile")


@dataclass(frozen=True, eq=False)
class Budgets:
    """What budget gates are checked against; None: not measured."""

    latency: LatencySample | None = None
    model_size_mb: float | None = None


def latency_calls(gates: Iterable[object]) -> int:
    """How many single-row calls the gates need timed: :data:`P99_CALLS` for a p99
    budget, :data:`P50_CALLS` for a median budget alone, 0 without a latency budget."""
    wanted = 0
    for gate in gates:
        if getattr(gate, "latency_ms_p99", None) is not None:
            return P99_CALLS
        if getattr(gate, "latency_ms_p50", None) is not None:
            wanted = P50_CALLS
    return wanted


def _single_rows(rows: Any, count: int) -> list[Any]:
    length = len(rows)
    if length == 0:
        raise DataError("there are no rows to time predictions on", hint="Pass holdout rows.")
    pick = [i % length for i in range(min(count, length))]
    if hasattr(rows, "iloc"):
        return [rows.iloc[i : i + 1] for i in pick]
    return [rows[i : i + 1] for i in pick]


def measure_latency(model: Any, rows: Any, *, calls: int = 1000, warmup: int = 20) -> LatencySample:
    """Time ``calls`` single-row ``model.predict`` calls, cycling through ``rows``
    (a DataFrame, an array or a list of rows), after ``warmup`` untimed calls."""
    if not callable(getattr(model, "predict", None)):
        raise DataError(
            f"the model ({type(model).__name__}) has no predict method",
            hint="Latency budgets need a model with predict(rows).",
        )
    if calls < 1:
        raise DataError(f"calls must be at least 1, got {calls}")
    singles = _single_rows(rows, calls)
    try:
        for i in range(warmup):
            model.predict(singles[i % len(singles)])
        timings = np.empty(calls)
        clock = time.perf_counter_ns
        for i in range(calls):
            row = singles[i % len(singles)]
            start = clock()
            model.predict(row)
            timings[i] = clock() - start
    except Exception as exc:
        raise DataError(
            f"the model's predict failed on a single row: {type(exc).__name__}: {exc}",
            hint="Check that the model accepts one row in the holdout's format.",
        ) from exc
    return LatencySample(timings / 1e6)


def model_size_mb(path: str | os.PathLike[str]) -> float:
    """Size of a saved model file, or of all files in a model folder, in MB (10⁶ bytes)."""
    target = Path(path)
    if not target.exists():
        raise NotFoundError(f"the model file {str(target)!r} does not exist")
    if target.is_file():
        return target.stat().st_size / 1e6
    return sum(p.stat().st_size for p in target.rglob("*") if p.is_file()) / 1e6


def measure_budgets(
    model: Any, rows: Any, *, model_path: str | os.PathLike[str] | None = None, calls: int = 1000
) -> Budgets:
    """Latency of ``model`` on ``rows`` and, with ``model_path``, the model's size."""
    return Budgets(
        latency=measure_latency(model, rows, calls=calls),
        model_size_mb=None if model_path is None else model_size_mb(model_path),
    )


_WHAT = {"latency_ms_p50": "latency p50", "latency_ms_p99": "latency p99"}


def budget_gate(
    gate: BudgetGate, budgets: Budgets, *, confidence: float, resamples: int = 2000, seed: int = 0
) -> GateResult:
    """Decide a budget gate: latency on its percentile's interval (pass if the upper bound
    is within the budget, fail if the lower bound is over it), model size exactly."""
    from mlgate.validate import _text as text
    from mlgate.validate.bootstrap import Interval
    from mlgate.validate.results import GateResult, MeasuredBudget

    name, limit = next((k, v) for k, v in gate.model_dump().items() if v is not None)
    unit = "MB" if name == "model_size_mb" else "ms"
    what = _WHAT.get(name, "model size")
    measured: Interval | None = None
    calls = None
    if name == "model_size_mb" and budgets.model_size_mb is not None:
        size = float(budgets.model_size_mb)
        measured = Interval(size, size, size, confidence, "percentile")
        shown = f"{size:.2f} MB"
    elif name != "model_size_mb" and budgets.latency is not None:
        quantile = 0.5 if name == "latency_ms_p50" else 0.99
        measured = budgets.latency.interval(
            quantile, confidence=confidence, resamples=resamples, seed=seed
        )
        calls = budgets.latency.calls
        shown = f"{text.interval(measured, 2)} ms ({calls:,} calls, {text.percent(confidence)})"
    if measured is None:
        return GateResult(
            gate,
            "budget",
            "inconclusive",
            f"{what} was not measured, so the budget of {limit:g} {unit} cannot be checked "
            "→ inconclusive",
            budget=MeasuredBudget(name, limit, unit, None),
        )
    status: Status = (
        "pass" if measured.high <= limit else "fail" if measured.low > limit else "inconclusive"
    )
    words = {"pass": "within the budget of", "fail": "over the budget of"}
    reason = f"{words.get(status, 'cannot show it is within the budget of')} {limit:g} {unit}"
    return GateResult(
        gate,
        "budget",
        status,
        f"{what} {shown}: {reason} → {status}",
        budget=MeasuredBudget(name, limit, unit, measured, calls),
    )
