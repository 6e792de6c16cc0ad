"""The sections that run the model after training: deploy, monitor, triggers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from mlgate.spec._sections import Section
from mlgate.spec._types import Bool, Cron, Duration, Float, Int, MetricName, invalid, parse_duration

__all__ = [
    "AliasPolicy",
    "CanarySpec",
    "DataTrigger",
    "DegradationTrigger",
    "DriftSpec",
    "DriftTrigger",
    "LabelsSpec",
    "MonitorSpec",
    "PredictionLogSpec",
    "TriggersSpec",
    "Window",
]

# -- deploy


class CanarySpec(Section):
    """When a canary is promoted or aborted automatically, from live traffic."""

    min_requests: Int = Field(
        500, ge=1, description="Requests the canary must serve before a decision."
    )
    metric: MetricName | None = Field(
        None, description="Metric compared between canary and primary. Default: evaluate's first."
    )
    max_drop: Float = Field(
        0.0, ge=0, description="The canary may be worse than the primary by at most this much."
    )


class PredictionLogSpec(Section):
    """What the model server logs for monitoring and delayed labels."""

    sample: Float = Field(
        1.0, ge=0, le=1, description="Share of requests logged; 0 turns the log off."
    )
    flush_every: Duration = Field(
        5, gt=0, description="Write buffered predictions at least this often (e.g. 5s)."
    )


class AliasPolicy(Section):
    """What moving a model version to this alias requires, and how the alias is served."""

    requires: tuple[Literal["gates_passed"], ...] = Field(
        (), description="Conditions on the version: gates_passed (its run's verdict is pass)."
    )
    approvals: Int = Field(0, ge=0, description="Approvals needed before the alias moves.")
    approvers: tuple[str, ...] = Field(
        (), description="Who may approve (user names). Empty: anyone."
    )
    allow_self_approval: Bool = Field(
        False, description="Whether whoever asked for the promotion may approve it."
    )
    require_reason: Bool = Field(
        False, description="Whether promotions, approvals and rejections must give a reason."
    )
    expires: Duration | None = Field(
        7 * 86400, gt=0, description="An approval expires after this long (e.g. 7d)."
    )
    strategy: Literal["direct", "canary", "shadow"] = Field(
        "direct",
        description="How a new version starts serving: direct (swap), canary (a share of "
        "traffic first) or shadow (mirrored requests, answers only logged).",
    )
    traffic: Float = Field(
        0.1,
        gt=0,
        le=1,
        description="Share of requests sent to the canary, or mirrored to the shadow.",
    )
    canary: CanarySpec | None = Field(
        None, description="Automatic canary decision (strategy: canary)."
    )
    prediction_log: PredictionLogSpec = Field(
        default_factory=PredictionLogSpec, description="Prediction logging of the server."
    )

    @model_validator(mode="after")
    def _consistent(self) -> AliasPolicy:
        if self.approvers and self.approvals > len(self.approvers):
            raise invalid(
                "approvals",
                f"needs {self.approvals} approvals but lists only {len(self.approvers)} "
                f"approver{'s' if len(self.approvers) != 1 else ''}",
            )
        if len(set(self.approvers)) != len(self.approvers):
            raise invalid("approvers", "an approver is listed twice")
        if self.strategy == "direct" and "traffic" in self.model_fields_set:
            raise invalid("traffic", "'traffic' applies to strategy: canary or shadow, not direct")
        if self.canary is not None and self.strategy != "canary":
            raise invalid("canary", f"'canary' applies to strategy: canary, not {self.strategy}")
        return self


# -- monitor


class Window(Section):
    """A monitoring window: a number of predictions, or a span of time."""

    count: Int | None = Field(None, ge=1, description="Predictions per window.")
    seconds: Int | None = Field(None, ge=1, description="Seconds per window.")


def _window(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {"count": value}
    if isinstance(value, str):
        return {"seconds": parse_duration(value)}
    return value


WindowField = Annotated[
    Window,
    BeforeValidator(_window),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1},
                {"type": "string", "pattern": r"^\s*(\d+\s*[smhdwSMHDW]\s*)+$"},
            ],
            "examples": [1000, "1h"],
        }
    ),
]


class DriftSpec(Section):
    """When a column, and the data set, counts as drifted."""

    alpha: Float = Field(0.05, gt=0, lt=1, description="Significance level of each test.")
    effect_size: Float = Field(
        0.1,
        gt=0,
        description="A column drifts only if its test rejects and its effect size "
        "(e.g. normalized Wasserstein, Jensen-Shannon) is at least this.",
    )
    correction: Literal["holm", "bh", "none"] = Field(
        "holm", description="Correction across columns: holm, bh (Benjamini-Hochberg) or none."
    )
    share: Float = Field(
        0.25, gt=0, le=1, description="The data set drifts when this share of columns drifts."
    )


class LabelsSpec(Section):
    """How delayed labels join the prediction log."""

    key: str = Field("request_id", min_length=1, description="Join labels on this id.")
    max_delay: Duration = Field(
        30 * 86400, gt=0, description="Labels arriving later than this are not joined."
    )


class MonitorSpec(Section):
    """How live traffic is watched: windows, drift, delayed labels."""

    window: WindowField = Field(
        default_factory=lambda: Window(count=1000),
        description="A window: a number of predictions (1000) or a span of time (1h).",
    )
    drift: DriftSpec = Field(default_factory=DriftSpec, description="Drift thresholds.")
    labels: LabelsSpec = Field(default_factory=LabelsSpec, description="Delayed labels.")


# -- triggers


def _toggle(value: Any) -> Any:
    return {"enabled": value} if isinstance(value, bool) else value


class DataTrigger(Section):
    """Run when the data source changes (its snapshot id differs from the last trained one)."""

    enabled: Bool = Field(True, description="Whether this trigger starts runs.")
    debounce: Duration = Field(
        60, description="Wait until the source has not changed for this long (e.g. 1m)."
    )
    cooldown: Duration | None = Field(None, description="Overrides triggers.cooldown.")


class DriftTrigger(Section):
    """Run when monitoring finds input drift beyond an effect size."""

    enabled: Bool = Field(True, description="Whether this trigger starts runs.")
    effect_size: Float = Field(
        0.2, gt=0, description="Start a run when a drifted column's effect size reaches this."
    )
    cooldown: Duration | None = Field(None, description="Overrides triggers.cooldown.")


class DegradationTrigger(Section):
    """Run when a live metric's confidence interval falls past a floor (not one noisy window)."""

    enabled: Bool = Field(True, description="Whether this trigger starts runs.")
    metric: MetricName = Field(description="Live metric to watch, e.g. accuracy.")
    min: Float | None = Field(
        None, description="Run when the metric's upper confidence bound falls below this."
    )
    max: Float | None = Field(
        None, description="Run when the metric's lower confidence bound rises above this."
    )
    cooldown: Duration | None = Field(None, description="Overrides triggers.cooldown.")

    @model_validator(mode="after")
    def _bound(self) -> DegradationTrigger:
        if (self.min is None) == (self.max is None):
            raise invalid(
                "degradation_bound",
                f"the degradation trigger on {self.metric!r} needs exactly one of 'min' "
                "(for metrics where larger is better) or 'max'",
            )
        return self


def _degradation(value: Any) -> Any:
    if value is False:
        return None
    if value is True:
        return {}
    return value


class TriggersSpec(Section):
    """What starts a run by itself (mlgate watch), besides `mlgate run`."""

    cooldown: Duration = Field(
        3600, description="Minimum time between two runs started by triggers (e.g. 1h)."
    )
    data: Annotated[
        DataTrigger, BeforeValidator(_toggle, json_schema_input_type=bool | DataTrigger)
    ] = Field(
        default_factory=DataTrigger, description="New data: true, false or {debounce, cooldown}."
    )
    drift: Annotated[
        DriftTrigger, BeforeValidator(_toggle, json_schema_input_type=bool | DriftTrigger)
    ] = Field(
        default_factory=DriftTrigger,
        description="Input drift: true, false or {effect_size, cooldown}.",
    )
    degradation: Annotated[
        DegradationTrigger | None,
        BeforeValidator(_degradation, json_schema_input_type=bool | DegradationTrigger | None),
    ] = Field(None, description="Live metric below a floor: {metric, min, cooldown}.")
    schedule: Cron | None = Field(
        None, description="Cron expression, e.g. '0 3 * * 1' for Mondays at 03:00."
    )
    manual: Bool = Field(True, description="Whether `mlgate run` may start runs by hand.")
