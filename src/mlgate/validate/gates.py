"""Gates: the rules of mlgate.yaml decided on bootstrap intervals → pass, fail or inconclusive.

At confidence ``c`` each metric gets a two-sided interval ``[lo, hi]``:

* absolute ``min``: pass if ``lo ≥ min``, fail if ``hi < min``; ``max``: pass if
  ``hi ≤ max``, fail if ``lo > max``; otherwise inconclusive.
* comparison with the champion, on the *gain* ``g`` = challenger - champion,
  or champion - challenger for lower-is-better metrics (log_loss, brier, mae,
  rmse, mape, custom metrics with ``greater_is_better: false``), so that a
  positive gain is always an improvement and ``max_drop`` of log_loss is an
  *increase* of at most that much. Non-inferiority (``max_drop: d``): pass if
  ``lo(g) ≥ -d``, fail if ``hi(g) < -d``. Superiority (``min_gain: m``): pass
  if ``lo(g) > m``, fail if ``hi(g) ≤ m``. Otherwise inconclusive.
* ``slice: column``: the rule applies to every value of the column. A slice
  passes on its own interval at confidence ``c`` (all slices must pass, an
  intersection-union test, which needs no correction); with ``correction:
  holm`` a slice *fails* only when its one-sided bootstrap p-value for failing
  stays below ``(1 - c) / 2`` after Holm's step-down correction across the
  slices (S. Holm 1979, Scand. J. Statist. 6:65–70), so many slices do not
  fail a good model by chance. A slice with fewer than ``min_slice_rows`` rows,
  or on which the metric has no value, is inconclusive with its count.
* budgets: latency p50/p99 on their bootstrap interval like metrics; model size
  exactly.

Verdict: fail if any gate fails, needs-approval if any is inconclusive, pass
otherwise. With no champion yet (the first model) a comparison gate is
``pass`` with ``no_champion=True`` and a sentence that says so: nothing can be
worse than nothing. Pass ``no_champion="inconclusive"`` (or ``"fail"``) to
make the first model wait for a person instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from mlgate.errors import ConfigError, DataError
from mlgate.spec import AbsoluteGate, BudgetGate, ComparisonGate, Spec
from mlgate.validate import _text as text
from mlgate.validate._builtin import UndefinedMetric
from mlgate.validate.bootstrap import (
    BootstrapResult,
    Method,
    MetricBootstrap,
    bootstrap_metric,
    check_confidence,
)
from mlgate.validate.budgets import Budgets, budget_gate
from mlgate.validate.metrics import MetricSpec, Predictions, Task, load_custom_metrics, metric_spec
from mlgate.validate.results import (
    AnyGate,
    Champion,
    GateKind,
    GateNumbers,
    GateResult,
    SchemaMismatch,
    SliceResult,
    Status,
    Verdict,
    verdict_of,
)

__all__ = ["champion_unreadable", "evaluate_gates", "evaluate_spec_gates", "holm"]

Correction = Literal["holm", "none"]
#: A one-sided requirement on a quantity: at least, strictly above, at most a threshold.
_Rule = tuple[Literal["at_least", "above", "at_most"], float]


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (NaN stays NaN and is not counted).

    >>> [round(p, 3) for p in holm([0.01, 0.04, 0.03])]
    [0.03, 0.06, 0.06]
    """
    tested = [i for i, p in enumerate(p_values) if p == p]
    order = sorted(tested, key=lambda i: p_values[i])
    adjusted = [float("nan")] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def champion_unreadable(
    gate: ComparisonGate, champion: Champion, *, mismatch: SchemaMismatch | None = None
) -> GateResult:
    """The ``fail`` result of a comparison gate whose champion cannot read the holdout."""
    why = (mismatch or champion.mismatch or SchemaMismatch()).describe()
    return GateResult(
        gate,
        "comparison",
        "fail",
        f"{gate.metric}: the champion {champion.name} cannot read the challenger's holdout "
        f"rows ({why}), so the two cannot be compared on the same rows → fail",
        champion_unreadable=True,
    )


def _verb(rule: _Rule, low: float, high: float) -> Status:
    kind, t = rule
    if kind == "at_least":
        return "pass" if low >= t else "fail" if high < t else "inconclusive"
    if kind == "above":
        return "pass" if low > t else "fail" if high <= t else "inconclusive"
    return "pass" if high <= t else "fail" if low > t else "inconclusive"


def _worst(statuses: Sequence[Status]) -> Status:
    return (
        "fail" if "fail" in statuses else "inconclusive" if "inconclusive" in statuses else "pass"
    )


@dataclass(frozen=True)
class _Slice:
    """A slice's own decision, before Holm's correction across slices."""

    n: int
    status: Status
    sentence: str
    numbers: GateNumbers | None = None
    p: float = float("nan")


@dataclass
class _Evaluator:
    """One run of the gates: the inputs, the options, and bootstraps shared between gates."""

    challenger: list[Predictions]
    champions: dict[str, Champion]
    columns: Mapping[str, npt.ArrayLike] | None
    budgets: Budgets
    task: Task
    confidence: float
    method: Method
    resamples: int
    seed: int
    correction: Correction
    custom: Mapping[str, MetricSpec] | None
    pos_label: Any
    min_slice_rows: int
    no_champion: Status
    threads: int | None
    n: int
    cache: dict[tuple[Any, ...], MetricBootstrap] = field(default_factory=dict)

    # -- inputs

    def rows_of(self, column: str) -> list[tuple[Any, npt.NDArray[np.bool_]]]:
        columns = self.columns or {}
        if column not in columns:
            guess = difflib.get_close_matches(column, list(columns), n=1)
            raise DataError(
                f"the slice column {column!r} is not in the holdout"
                + (f"; did you mean {guess[0]!r}?" if guess else ""),
                hint="Columns available: " + (", ".join(map(repr, columns)) or "none") + ".",
            )
        values = np.asarray(columns[column])
        if len(values) != self.n:
            raise DataError(
                f"the slice column {column!r} has {len(values):,} values for {self.n:,} rows"
            )
        try:
            distinct, inverse = np.unique(values, return_inverse=True)
            keys = distinct.tolist()
        except TypeError:
            keys = sorted({str(v) for v in values.tolist()})
            inverse = np.searchsorted(np.array(keys), np.array([str(v) for v in values.tolist()]))
        inverse = inverse.reshape(-1)
        return [(key, inverse == i) for i, key in enumerate(keys)]

    def boot(
        self, spec: MetricSpec, rows: npt.NDArray[np.bool_] | None, champion: Champion | None
    ) -> MetricBootstrap:
        key = (spec.name, None if rows is None else rows.tobytes(), champion and champion.alias)
        if key not in self.cache:
            mine = [p if rows is None else p.take(rows) for p in self.challenger]
            theirs = None
            if champion is not None:
                theirs = [p if rows is None else p.take(rows) for p in champion.predictions]
            self.cache[key] = bootstrap_metric(
                spec, mine, theirs, resamples=self.resamples, seed=self.seed,
                pos_label=self.pos_label, threads=self.threads,
            )  # fmt: skip
        return self.cache[key]

    # -- metric gates

    def numbers(self, b: MetricBootstrap) -> GateNumbers:
        ci = b.challenger.interval(self.confidence, method=self.method)
        champ = (
            None if b.champion is None else b.champion.interval(self.confidence, method=self.method)
        )
        diff = (
            None
            if b.difference is None
            else b.difference.interval(self.confidence, method=self.method)
        )
        return GateNumbers(
            metric=b.metric, higher_is_better=b.higher_is_better, challenger=ci,
            n=b.challenger.n, seeds=b.challenger.seeds, resamples=b.challenger.resamples,
            method=self.method, confidence=self.confidence, champion=champ, difference=diff,
            champion_seeds=0 if b.champion is None else b.champion.seeds,
            undefined=(b.difference or b.challenger).undefined,
        )  # fmt: skip

    def rules(self, gate: AbsoluteGate | ComparisonGate) -> list[_Rule]:
        if isinstance(gate, ComparisonGate):
            if gate.max_drop is not None:
                return [("at_least", -gate.max_drop)]
            return [("above", float(gate.min_gain or 0.0))]
        rules: list[_Rule] = []
        if gate.min is not None:
            rules.append(("at_least", gate.min))
        if gate.max is not None:
            rules.append(("at_most", gate.max))
        return rules

    def decide(
        self, gate: AbsoluteGate | ComparisonGate, b: MetricBootstrap
    ) -> tuple[Status, str, GateNumbers, float]:
        """Status, reason clause, numbers, and the one-sided p-value for failing."""
        nums = self.numbers(b)
        absolute = isinstance(gate, AbsoluteGate)
        result = b.challenger if absolute else b.difference
        ci = nums.challenger if absolute else nums.difference
        assert result is not None
        assert ci is not None
        if not ci.defined:
            share = f"{result.undefined:,} of {result.resamples:,} resamples"
            return "inconclusive", f"the interval is undefined ({share} had no value)", nums, np.nan
        # Comparisons decide on the gain, positive when better: flip lower-is-better metrics.
        flip = not absolute and not b.higher_is_better
        low, high = (-ci.high, -ci.low) if flip else (ci.low, ci.high)
        outcomes: list[tuple[Status, str]] = []
        p_values: list[float] = []
        for rule in self.rules(gate):
            status = _verb(rule, low, high)
            outcomes.append((status, text.clause(gate, rule, status, low, high, nums)))
            p_values.append(self.p_fail(result, rule, flip=flip))
        status = _worst([s for s, _ in outcomes])
        reason = " and ".join(c for s, c in outcomes if s == status)
        p_fail = min(1.0, len(p_values) * min(p_values))  # Bonferroni over min and max
        return status, f"{reason} at {text.percent(self.confidence)}", nums, p_fail

    def p_fail(self, result: BootstrapResult, rule: _Rule, *, flip: bool) -> float:
        """One-sided bootstrap p-value for the rule failing: the quantity below its
        threshold (at_least, above) or above it (at_most)."""
        kind, threshold = rule
        below = kind != "at_most"
        if flip:
            threshold, below = -threshold, not below
        side: Literal["less", "greater"] = "less" if below else "greater"
        return result.p_value(threshold, alternative=side, method=self.method)

    def metric_gate(self, gate: AbsoluteGate | ComparisonGate) -> GateResult:
        spec = metric_spec(gate.metric, task=self.task, custom=self.custom)
        kind: GateKind = "comparison" if isinstance(gate, ComparisonGate) else "absolute"
        champion = None
        if isinstance(gate, ComparisonGate):
            champion = self.champions.get(gate.vs)
            if champion is not None and champion.mismatch is not None:
                return champion_unreadable(gate, champion)
            if champion is None or not champion.predictions:
                return GateResult(
                    gate, "comparison", self.no_champion,
                    f"{gate.metric}: no champion behind {gate.vs!r} yet (the first model), so "
                    f"there is nothing to compare with → {self.no_champion}",
                    no_champion=True,
                )  # fmt: skip
        if gate.slice is not None:
            return self.sliced(gate, spec, champion)
        status, reason, nums, _ = self.decide(gate, self.boot(spec, None, champion))
        return GateResult(gate, kind, status, f"{text.head(nums)}: {reason} → {status}", nums)

    def one_slice(
        self,
        gate: AbsoluteGate | ComparisonGate,
        spec: MetricSpec,
        champion: Champion | None,
        label: str,
        rows: npt.NDArray[np.bool_],
    ) -> _Slice:
        n = int(rows.sum())
        if n < self.min_slice_rows:
            why = f"only {n:,} rows; at least {self.min_slice_rows:,} are needed to decide"
            return _Slice(n, "inconclusive", f"{label}: {why} → inconclusive")
        try:
            status, reason, nums, p = self.decide(gate, self.boot(spec, rows, champion))
        except UndefinedMetric as exc:
            return _Slice(n, "inconclusive", f"{label}: {exc.message} → inconclusive")
        return _Slice(n, status, f"{label}: {text.head(nums)}: {reason}", nums, p)

    def sliced(
        self, gate: AbsoluteGate | ComparisonGate, spec: MetricSpec, champion: Champion | None
    ) -> GateResult:
        assert gate.slice is not None
        column = gate.slice
        groups = self.rows_of(column)
        found = [
            self.one_slice(gate, spec, champion, text.slice_label(column, value), rows)
            for value, rows in groups
        ]
        p_values = [f.p for f in found]
        adjusted = holm(p_values) if self.correction == "holm" else p_values
        tested = sum(p == p for p in p_values)
        tail = (1 - self.confidence) / 2
        slices = []
        for (value, _), f, p_adj in zip(groups, found, adjusted, strict=True):
            status, sentence, nums = f.status, f.sentence, f.numbers
            if nums is not None:
                # Holm only keeps a slice from failing by chance; it never makes one fail.
                if self.correction == "holm" and status == "fail" and not p_adj < tail:
                    status = "inconclusive"
                    sentence += (
                        f", but not after Holm's correction across {tested} slices (p={p_adj:.3g})"
                    )
                sentence += f" → {status}"
                nums = replace(nums, p_value=f.p, p_adjusted=p_adj)
            slices.append(SliceResult(column, value, f.n, status, sentence, nums))
        overall = _worst([s.status for s in slices])
        kind: GateKind = "comparison" if isinstance(gate, ComparisonGate) else "absolute"
        how = ", Holm-corrected" if self.correction == "holm" else ""
        tally = ", ".join(
            f"{sum(s.status == k for s in slices)} {k}"
            for k in ("pass", "fail", "inconclusive")
            if any(s.status == k for s in slices)
        )
        named = [text.slice_label(column, s.value) for s in slices if s.status == overall != "pass"]
        more = f" ({', '.join(named[:3])}{', …' if len(named) > 3 else ''})" if named else ""
        sentence = (
            f"{gate.metric} {text.rule_words(gate)} for every {column} "
            f"({len(slices)} slices{how}): {tally}{more} → {overall}"
        )
        return GateResult(gate, kind, overall, sentence, slices=tuple(slices))


def evaluate_gates(
    gates: Sequence[AnyGate],
    *,
    challenger: Predictions | Sequence[Predictions],
    champions: Champion | Sequence[Champion] = (),
    columns: Mapping[str, npt.ArrayLike] | None = None,
    budgets: Budgets | None = None,
    task: Task = "classification",
    confidence: float = 0.95,
    method: Method = "bca",
    resamples: int = 2000,
    seed: int = 0,
    correction: Correction = "holm",
    custom: Mapping[str, MetricSpec] | None = None,
    pos_label: Any = None,
    min_slice_rows: int = 30,
    no_champion: Status = "pass",
    threads: int | None = None,
) -> Verdict:
    """Decide every gate on the challenger's holdout predictions (one per training seed),
    paired with each champion's predictions on the same rows; see the module docstring
    for the rules. ``columns`` holds the slice columns of the holdout rows (e.g.
    ``dict(holdout_frame.items())``)."""
    check_confidence(confidence)
    for name, value, allowed in (
        ("method", method, ("bca", "percentile")),
        ("correction", correction, ("holm", "none")),
        ("no_champion", no_champion, ("pass", "fail", "inconclusive")),
    ):
        if value not in allowed:
            raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    if (
        isinstance(min_slice_rows, bool)
        or not isinstance(min_slice_rows, int)
        or min_slice_rows < 1
    ):
        raise ConfigError(f"min_slice_rows must be a positive integer, got {min_slice_rows!r}")
    mine = [challenger] if isinstance(challenger, Predictions) else list(challenger)
    if not mine:
        raise ConfigError("no challenger predictions were given", hint="Pass at least one seed's.")
    listed = [champions] if isinstance(champions, Champion) else list(champions)
    evaluator = _Evaluator(
        challenger=mine, champions={c.alias: c for c in listed}, columns=columns,
        budgets=budgets or Budgets(), task=task, confidence=float(confidence), method=method,
        resamples=resamples, seed=seed, correction=correction, custom=custom,
        pos_label=pos_label, min_slice_rows=min_slice_rows, no_champion=no_champion,
        threads=threads, n=mine[0].n,
    )  # fmt: skip
    results = [
        budget_gate(gate, evaluator.budgets, confidence=confidence, resamples=resamples, seed=seed)
        if isinstance(gate, BudgetGate)
        else evaluator.metric_gate(gate)
        for gate in gates
    ]
    return verdict_of(results)


def evaluate_spec_gates(
    spec: Spec,
    *,
    challenger: Predictions | Sequence[Predictions],
    champions: Champion | Sequence[Champion] = (),
    columns: Mapping[str, npt.ArrayLike] | None = None,
    budgets: Budgets | None = None,
    custom: Mapping[str, MetricSpec] | None = None,
    **options: Any,
) -> Verdict:
    """:func:`evaluate_gates` with the gates and settings of a loaded ``mlgate.yaml``
    (``evaluate.task``, ``evaluate.bootstrap``, ``evaluate.correction``,
    ``evaluate.pos_label``, ``evaluate.min_slice_rows``, ``evaluate.no_champion``,
    ``confidence``).
    Custom metrics are imported unless given: the project folder must be importable."""
    evaluate = spec.evaluate
    return evaluate_gates(
        spec.gates,
        challenger=challenger,
        champions=champions,
        columns=columns,
        budgets=budgets,
        task=evaluate.task,
        confidence=spec.confidence,
        method=evaluate.bootstrap.method,
        resamples=evaluate.bootstrap.resamples,
        seed=evaluate.bootstrap.seed,
        correction=evaluate.correction,
        custom=custom if custom is not None else load_custom_metrics(evaluate.custom_metrics),
        **{
            "pos_label": evaluate.pos_label,
            "min_slice_rows": evaluate.min_slice_rows,
            "no_champion": evaluate.no_champion,
            **options,
        },
    )
