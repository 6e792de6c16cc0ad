"""Gates: the rules a challenger must satisfy, as written in mlgate.yaml.

Three kinds, told apart by their keys::

    - {metric: accuracy, min: 0.90}                       # absolute (per slice with slice:)
    - {metric: roc_auc, vs: production, max_drop: 0.005}  # comparison with the champion
    - {latency_ms_p99: 20}                                # budget

What each gives (pass, fail, inconclusive) is decided in ``mlgate.validate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag, model_validator

from mlgate.spec._sections import Section
from mlgate.spec._types import BUDGETS, AliasName, Column, Float, MetricName, invalid

__all__ = ["GATE_FORMS", "AbsoluteGate", "BudgetGate", "ComparisonGate", "Gate", "gate_keys"]

#: The three forms, for messages.
GATE_FORMS = (
    "{metric, min and/or max, slice?} · {metric, vs: production, max_drop or min_gain, slice?} · "
    "{latency_ms_p50 | latency_ms_p99 | model_size_mb: N}"
)


class AbsoluteGate(Section):
    """The metric's confidence interval must clear a threshold (in every slice, with slice)."""

    metric: MetricName = Field(description="The metric, e.g. accuracy.")
    min: Float | None = Field(None, description="The lower confidence bound must be at least this.")
    max: Float | None = Field(None, description="The upper confidence bound must be at most this.")
    slice: Column | None = Field(
        None, description="Apply to every value of this column (one of evaluate.slices)."
    )

    @model_validator(mode="after")
    def _bounds(self) -> AbsoluteGate:
        if self.min is None and self.max is None:
            raise invalid(
                "gate_bound",
                f"the gate on {self.metric!r} needs 'min' or 'max' "
                f"(e.g. {{metric: {self.metric}, min: 0.9}})",
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            raise invalid("gate_bound", f"min {self.min} is greater than max {self.max}")
        return self


class ComparisonGate(Section):
    """The challenger against the model behind an alias, paired on the same holdout rows."""

    metric: MetricName = Field(description="The metric, e.g. roc_auc.")
    vs: AliasName = Field(
        "production", description="Alias of the model to compare with (the champion)."
    )
    max_drop: Float | None = Field(
        None,
        ge=0,
        description="Non-inferiority: the challenger may be worse by at most this much "
        "(lower bound of the difference ≥ -max_drop).",
    )
    min_gain: Float | None = Field(
        None,
        ge=0,
        description="Superiority: the challenger must be better by more than this "
        "(lower bound of the difference > min_gain).",
    )
    slice: Column | None = Field(
        None, description="Compare within every value of this column (one of evaluate.slices)."
    )

    @model_validator(mode="after")
    def _one_rule(self) -> ComparisonGate:
        if (self.max_drop is None) == (self.min_gain is None):
            raise invalid(
                "gate_rule",
                f"the comparison on {self.metric!r} needs exactly one of 'max_drop' "
                "(may be slightly worse) or 'min_gain' (must be better)",
            )
        return self


class BudgetGate(Section):
    """A limit on prediction latency or model size, measured during evaluation."""

    latency_ms_p50: Float | None = Field(
        None, gt=0, description="Median single-row prediction latency, in milliseconds."
    )
    latency_ms_p99: Float | None = Field(
        None, gt=0, description="99th-percentile single-row prediction latency, in milliseconds."
    )
    model_size_mb: Float | None = Field(
        None, gt=0, description="Size of the saved model, in megabytes."
    )

    @model_validator(mode="after")
    def _one_budget(self) -> BudgetGate:
        given = [name for name in BUDGETS if getattr(self, name) is not None]
        if len(given) != 1:
            raise invalid(
                "gate_budget",
                "a budget gate sets exactly one of "
                + ", ".join(BUDGETS)
                + (f"; split {' and '.join(given)} into separate gates" if given else ""),
            )
        return self


_KINDS: dict[type[Section], str] = {
    AbsoluteGate: "absolute",
    ComparisonGate: "comparison",
    BudgetGate: "budget",
}


def _gate_kind(value: Any) -> str | None:
    """Which kind of gate a mapping is, from its keys (None: not a gate)."""
    if isinstance(value, Section):
        return _KINDS.get(type(value))
    if not isinstance(value, Mapping):
        return None
    keys = set(value)
    if keys & {"vs", "max_drop", "min_gain"}:
        return "comparison"
    if keys & {"metric", "min", "max"}:
        return "absolute"
    if keys & set(BUDGETS):
        return "budget"
    return None


#: One gate: absolute, comparison or budget, told apart by its keys.
Gate = Annotated[
    Annotated[AbsoluteGate, Tag("absolute")]
    | Annotated[ComparisonGate, Tag("comparison")]
    | Annotated[BudgetGate, Tag("budget")],
    Discriminator(
        _gate_kind,
        custom_error_type="gate_kind",
        custom_error_message="is not a gate; a gate is one of " + GATE_FORMS,
    ),
]


def gate_keys() -> tuple[str, ...]:
    """Every key any gate may have (for "did you mean")."""
    keys: dict[str, None] = {}
    for model in _KINDS:
        keys.update(dict.fromkeys(model.model_fields))
    return tuple(keys)
