"""The whole of mlgate.yaml, and the checks that relate one section to another."""

from __future__ import annotations

from pathlib import Path

from pydantic import ConfigDict, Field, PrivateAttr, ValidationInfo, model_validator

from mlgate.spec._gates import BudgetGate, Gate
from mlgate.spec._operate import AliasPolicy, MonitorSpec, TriggersSpec
from mlgate.spec._problems import Loc, Problem, closest, format_loc, quoted
from mlgate.spec._sections import (
    DataSpec,
    EvaluateSpec,
    Executor,
    LocalExecutor,
    ProjectSpec,
    RegisterSpec,
    RegistrySpec,
    Section,
    TimeSplit,
    TrainSpec,
)
from mlgate.spec._types import (
    BUDGETS,
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    AliasName,
    Float,
    invalid,
)

__all__ = ["DEFER_CROSS_CHECK", "Spec", "cross_check"]

#: Validation context key: the caller runs :func:`cross_check` itself (to locate its problems).
DEFER_CROSS_CHECK = "mlgate.spec.defer_cross_check"


class Spec(Section):
    """mlgate.yaml: the project, its data, training, evaluation, gates, registry, deployment,
    monitoring and triggers."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, title="mlgate.yaml")

    project: ProjectSpec = Field(description="The project's name and what it is for.")
    data: DataSpec = Field(description="Where the data is and how it is split.")
    train: TrainSpec = Field(description="The training function and its parameters.")
    evaluate: EvaluateSpec = Field(
        default_factory=EvaluateSpec, description="Metrics, slices and intervals."
    )
    gates: tuple[Gate, ...] = Field(
        (),
        description="Rules a new model must satisfy to be registered: absolute thresholds, "
        "comparisons with the production model, latency and size budgets.",
    )
    confidence: Float = Field(
        0.95,
        gt=0.5,
        lt=1,
        description="Confidence level of the intervals the gates decide on (e.g. 0.95).",
    )
    registration: RegisterSpec = Field(
        default_factory=RegisterSpec,
        alias="register",
        description="Where a passing model is registered.",
    )
    registry: RegistrySpec = Field(
        default_factory=RegistrySpec, description="Registry settings (webhooks)."
    )
    deploy: dict[AliasName, AliasPolicy] = Field(
        default_factory=dict,
        description="Per alias (e.g. production): what a promotion requires "
        "(gates, approvals) and how the alias is served (direct, canary, shadow).",
    )
    monitor: MonitorSpec = Field(
        default_factory=MonitorSpec, description="Monitoring of live traffic."
    )
    triggers: TriggersSpec = Field(
        default_factory=TriggersSpec, description="What starts a run by itself."
    )
    executor: Executor = Field(
        default_factory=LocalExecutor,
        description="Where stages run: local, or {kind: ray, address: ...}.",
    )

    _path: Path | None = PrivateAttr(None)

    @property
    def path(self) -> Path | None:
        """The file this spec was loaded from (None if built in memory)."""
        return self._path

    @property
    def root(self) -> Path | None:
        """The project folder: where mlgate.yaml is (None if built in memory)."""
        return None if self._path is None else self._path.parent

    @property
    def model_name(self) -> str:
        """The registered model's name: register.name, else project.name."""
        return self.registration.name or self.project.name

    @model_validator(mode="after")
    def _cross_check(self, info: ValidationInfo) -> Spec:
        if info.context and info.context.get(DEFER_CROSS_CHECK):
            return self
        problems = cross_check(self)
        if problems:
            first = problems[0]
            raise invalid("spec", first.message)
        return self


def cross_check(spec: Spec) -> list[Problem]:
    """Problems that involve two sections (a gate's metric and evaluate.task, …)."""
    problems: list[Problem] = []
    evaluate = spec.evaluate
    task = evaluate.task
    builtin = CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS
    other_task = "regression" if task == "classification" else "classification"
    other = REGRESSION_METRICS if task == "classification" else CLASSIFICATION_METRICS
    known = (*builtin, *evaluate.custom_metrics)

    def add(loc: Loc, message: str, hint: str | None = None, *, at_key: bool = False) -> None:
        problems.append(Problem(loc, f"{format_loc(loc)}: {message}", hint, at_key=at_key))

    def check_metric(loc: Loc, name: str) -> None:
        if name in known:
            return
        if name in other:
            add(
                loc,
                f"{name!r} is a {other_task} metric, but evaluate.task is {task}",
                f"Use one of {', '.join(builtin)}, or set evaluate.task: {other_task}.",
            )
        elif name in BUDGETS:
            add(
                loc,
                f"{name!r} is a budget, not a metric",
                f"Write the budget as its own gate: - {{{name}: N}}.",
            )
        else:
            guess = closest(name, known)
            add(
                loc,
                f"unknown metric {name!r}" + (f"; did you mean {guess!r}?" if guess else ""),
                f"Metrics for {task}: {', '.join(builtin)}; or define your own under "
                "evaluate.custom_metrics.",
            )

    for index, name in enumerate(evaluate.metrics):
        check_metric(("evaluate", "metrics", index), name)
        if name in evaluate.metrics[:index]:
            add(("evaluate", "metrics", index), f"{name!r} is listed twice")
    for name in evaluate.custom_metrics:
        if name in (*CLASSIFICATION_METRICS, *REGRESSION_METRICS, *BUDGETS):
            add(
                ("evaluate", "custom_metrics", name),
                f"the custom metric {name!r} has the name of a built-in metric",
                "Give it another name.",
                at_key=True,
            )
    if evaluate.pos_label is not None and task != "classification":
        add(
            ("evaluate", "pos_label"),
            f"pos_label names a class, but evaluate.task is {task}",
            "Remove pos_label, or set evaluate.task: classification.",
        )
    for index, column in enumerate(evaluate.slices):
        if column == spec.data.label:
            add(("evaluate", "slices", index), f"{column!r} is the label; it cannot be a slice")
        elif column in evaluate.slices[:index]:
            add(("evaluate", "slices", index), f"{column!r} is listed twice")

    for index, gate in enumerate(spec.gates):
        if isinstance(gate, BudgetGate):
            continue
        check_metric(("gates", index, "metric"), gate.metric)
        if gate.slice is not None and gate.slice not in evaluate.slices:
            guess = closest(gate.slice, evaluate.slices)
            add(
                ("gates", index, "slice"),
                f"the slice {gate.slice!r} is not one of evaluate.slices"
                + (f" ({quoted(evaluate.slices)})" if evaluate.slices else " (none listed)")
                + (f"; did you mean {guess!r}?" if guess else ""),
                f"Add {gate.slice!r} to evaluate.slices, or fix the name.",
            )

    split = spec.data.split
    if isinstance(split, TimeSplit) and split.column == spec.data.label:
        add(
            ("data", "split", "column"),
            f"the time column {split.column!r} is the label",
            "Split on a time column that is not the label.",
        )

    degradation = spec.triggers.degradation
    if degradation is not None:
        check_metric(("triggers", "degradation", "metric"), degradation.metric)
    for alias, policy in spec.deploy.items():
        if policy.canary is not None and policy.canary.metric is not None:
            check_metric(("deploy", alias, "canary", "metric"), policy.canary.metric)
    return problems
