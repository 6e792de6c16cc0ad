"""What gates give: a result per gate (pass, fail or inconclusive, with numbers and a
sentence) and the verdict of a run.

The verdict is ``fail`` if any gate fails, ``needs-approval`` if any gate is
inconclusive (a person decides), ``pass`` otherwise; :attr:`Verdict.exit_code`
is what ``mlgate run`` exits with (0, 1 or 6). :meth:`Verdict.to_dict` gives
plain JSON-ready data for ``--json`` and reports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal

from mlgate.spec import AbsoluteGate, BudgetGate, ComparisonGate
from mlgate.validate.bootstrap import Interval
from mlgate.validate.metrics import Predictions

__all__ = [
    "Champion",
    "GateKind",
    "GateNumbers",
    "GateResult",
    "MeasuredBudget",
    "SchemaMismatch",
    "SliceResult",
    "Status",
    "Verdict",
    "VerdictStatus",
    "verdict_of",
    "written",
]

Status = Literal["pass", "fail", "inconclusive"]
VerdictStatus = Literal["pass", "fail", "needs-approval"]
GateKind = Literal["absolute", "comparison", "budget"]
AnyGate = AbsoluteGate | ComparisonGate | BudgetGate

_EXIT = {"pass": 0, "fail": 1, "needs-approval": 6}


def written(gate: AnyGate) -> str:
    """The gate as written in mlgate.yaml: ``{metric: accuracy, min: 0.9}``."""
    data = gate.model_dump(exclude_none=True)
    return "{" + ", ".join(f"{key}: {value}" for key, value in data.items()) + "}"


@dataclass(frozen=True)
class SchemaMismatch:
    """Why a champion cannot read the challenger's holdout: missing and retyped columns
    (``(column, type the champion expects, type the data has)``)."""

    missing: tuple[str, ...] = ()
    retyped: tuple[tuple[str, str, str], ...] = ()

    def describe(self) -> str:
        """``missing 'a', 'b'; retyped 'c' (int64 → string)``."""
        parts = []
        if self.missing:
            parts.append("missing " + ", ".join(repr(c) for c in self.missing))
        if self.retyped:
            parts.append(
                "retyped " + ", ".join(f"{c!r} ({old} → {new})" for c, old, new in self.retyped)
            )
        return "; ".join(parts) or "the columns do not match"


@dataclass(frozen=True, eq=False)
class Champion:
    """The model behind an alias, scored on the challenger's holdout rows (one
    Predictions per seed, usually one), or the reason it could not be."""

    alias: str = "production"
    predictions: tuple[Predictions, ...] = ()
    version: str | None = None
    mismatch: SchemaMismatch | None = None

    def __post_init__(self) -> None:
        if isinstance(self.predictions, Predictions):
            object.__setattr__(self, "predictions", (self.predictions,))
        else:
            object.__setattr__(self, "predictions", tuple(self.predictions))

    @property
    def name(self) -> str:
        """``production (model:v3)`` or ``production``."""
        return f"{self.alias} ({self.version})" if self.version else self.alias


@dataclass(frozen=True)
class GateNumbers:
    """The numbers a metric gate decided on.

    ``difference`` is challenger - champion in the metric's units (for a
    lower-is-better metric a gain is a negative difference). ``p_value`` and
    ``p_adjusted`` are set for slices: the one-sided evidence that the slice
    fails, before and after Holm's correction.
    """

    metric: str
    higher_is_better: bool
    challenger: Interval
    n: int
    seeds: int
    resamples: int
    method: str
    confidence: float
    champion: Interval | None = None
    difference: Interval | None = None
    champion_seeds: int = 0
    undefined: int = 0
    p_value: float | None = None
    p_adjusted: float | None = None

    @property
    def paired(self) -> bool:
        """Whether the numbers compare with a champion on the same rows."""
        return self.difference is not None


@dataclass(frozen=True)
class MeasuredBudget:
    """A budget and what was measured (``interval`` None: not measured)."""

    budget: str
    limit: float
    unit: str
    interval: Interval | None
    calls: int | None = None


@dataclass(frozen=True)
class SliceResult:
    """One value of a slice column."""

    column: str
    value: Any
    n: int
    status: Status
    sentence: str
    numbers: GateNumbers | None = None


@dataclass(frozen=True)
class GateResult:
    """One gate's outcome: ``status``, the numbers, and a sentence that explains it.

    ``no_champion`` is set when a comparison gate had no champion to compare
    with (the first model); ``champion_unreadable`` when the champion could not
    read the holdout rows.
    """

    gate: AnyGate
    kind: GateKind
    status: Status
    sentence: str
    numbers: GateNumbers | None = None
    budget: MeasuredBudget | None = None
    slices: tuple[SliceResult, ...] = ()
    no_champion: bool = False
    champion_unreadable: bool = False

    @property
    def written(self) -> str:
        """The gate as written in mlgate.yaml."""
        return written(self.gate)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (NaN as None) for JSON."""
        data: dict[str, Any] = _plain(self)
        data["gate"] = self.gate.model_dump(exclude_none=True)
        data["written"] = self.written
        return data


@dataclass(frozen=True)
class Verdict:
    """The combination of all gates of a run."""

    status: VerdictStatus
    results: tuple[GateResult, ...] = field(default=())
    sentence: str = ""

    @property
    def exit_code(self) -> int:
        """0 pass, 1 fail, 6 needs approval."""
        return _EXIT[self.status]

    def to_dict(self) -> dict[str, Any]:
        """Plain data (NaN as None) for JSON."""
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "sentence": self.sentence,
            "results": [result.to_dict() for result in self.results],
        }


def verdict_of(results: Sequence[GateResult]) -> Verdict:
    """fail if any gate fails; needs-approval if any is inconclusive; pass otherwise."""
    statuses = [r.status for r in results]
    tally = {s: statuses.count(s) for s in ("pass", "fail", "inconclusive") if s in statuses}
    status: VerdictStatus
    if "fail" in tally:
        status = "fail"
    elif "inconclusive" in tally:
        status = "needs-approval"
    else:
        status = "pass"
    if not results:
        return Verdict("pass", (), "no gates → pass")
    parts = ", ".join(f"{n} {s}" for s, n in tally.items())
    words = {"pass": "pass", "fail": "fail", "needs-approval": "needs approval"}
    return Verdict(status, tuple(results), f"{len(results)} gates: {parts} → {words[status]}")


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_none=True)
    if hasattr(value, "item"):
        return value.item()
    return value
