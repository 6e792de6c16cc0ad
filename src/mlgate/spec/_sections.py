"""The sections that describe what to build: project, data, train, evaluate, register, executor."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    Tag,
    model_validator,
)

from mlgate.spec._types import (
    REGRESSION_METRICS,
    AliasName,
    Bool,
    Column,
    Duration,
    Float,
    Int,
    MetricName,
    ModelName,
    Seed,
    Target,
    invalid,
)

__all__ = [
    "BootstrapSpec",
    "CustomMetric",
    "DataChecks",
    "DataSpec",
    "EvaluateSpec",
    "Executor",
    "LocalExecutor",
    "ProjectSpec",
    "RandomSplit",
    "RayExecutor",
    "RegisterSpec",
    "RegistrySpec",
    "Section",
    "Severity",
    "Split",
    "TimeSplit",
    "TrainSpec",
    "Webhook",
]


class Section(BaseModel):
    """Base of every part of the spec: immutable, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# -- project


class ProjectSpec(Section):
    """What the project is called."""

    name: ModelName = Field(
        description="Project name; also the registered model's name unless register.name is set."
    )
    description: str = Field("", description="One line about what the model is for.")


# -- data


class RandomSplit(Section):
    """Hold out a random share of the rows, the same rows for the same seed."""

    method: Literal["random"] = Field("random", description="Split rows at random.")
    holdout: Float = Field(0.2, gt=0, lt=1, description="Share of rows held out for evaluation.")
    seed: Seed = Field(0, description="Seed of the random split.")


class TimeSplit(Section):
    """Hold out the most recent rows by a time column: train on the past, evaluate on the future."""

    method: Literal["time"] = Field(description="Split by time.")
    column: Column = Field(description="The time (or any ordered) column to split on.")
    holdout: Float = Field(
        0.2, gt=0, lt=1, description="Share of rows, the latest ones, held out for evaluation."
    )


def _split_default(value: Any) -> Any:
    if isinstance(value, Mapping) and "method" not in value:
        return {**value, "method": "random"}
    return value


Split = Annotated[
    RandomSplit | TimeSplit, Field(discriminator="method"), BeforeValidator(_split_default)
]

Severity = Literal["error", "warn", "off"]


class DataChecks(Section):
    """What each data check does when it finds a problem: error (stop the run), warn, or off."""

    contract: Severity = Field(
        "error", alias="schema", description="Violations of the schema contract (data.schema)."
    )
    compatibility: Severity = Field(
        "error",
        description="Columns the production model needs that are missing, retyped or renamed.",
    )
    label: Severity = Field("error", description="Label column missing, empty or single-class.")
    duplicates: Severity = Field("warn", description="Duplicate rows.")
    constant_columns: Severity = Field("warn", description="Columns with a single value.")
    empty_columns: Severity = Field("warn", description="Columns with no value at all.")
    label_shift: Severity = Field(
        "warn", description="Label distribution changed against the champion's training data."
    )
    leakage: Severity = Field(
        "warn", description="A feature that predicts the label almost perfectly."
    )


class DataSpec(Section):
    """Where the data is, which column to predict, and how to hold out evaluation rows."""

    source: str = Field(
        "data/",
        min_length=1,
        description="File, folder or glob, relative to the project (e.g. data/ or data/*.parquet).",
    )
    format: Literal["auto", "csv", "parquet"] = Field(
        "auto", description="File format; auto decides by file extension."
    )
    label: Column = Field(description="The column to predict.")
    split: Split = Field(
        default_factory=RandomSplit,
        description="How rows are split into training and holdout: "
        "{method: random, holdout, seed} or {method: time, column, holdout}.",
    )
    contract: str | None = Field(
        None,
        alias="schema",
        min_length=1,
        description="Schema contract file (YAML), relative to the project; write one with "
        "`mlgate data schema SNAPSHOT`.",
    )
    checks: DataChecks = Field(
        default_factory=DataChecks, description="Severity of each data check."
    )


# -- train


def _command(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise invalid("command", f"cannot split the command {value!r}: {exc}") from None
    return value


def _seed_kind(value: Any) -> str:
    return "list" if isinstance(value, list | tuple) else "count"


#: A number of seeds (``3``) or the seeds themselves (``[0, 1, 2]``).
Seeds = Annotated[
    Annotated[Int, Field(ge=1, le=1000), Tag("count")]
    | Annotated[tuple[Seed, ...], Field(min_length=1), Tag("list")],
    Discriminator(_seed_kind),
]


class TrainSpec(Section):
    """The user's training code, its parameters, and how many seeds to train."""

    function: Target | None = Field(
        None,
        description="The training function as module:function, called as "
        "train(data, params, seed) -> model; the module is imported from the project folder.",
    )
    command: Annotated[
        tuple[str, ...] | None,
        BeforeValidator(_command, json_schema_input_type=str | list[str] | None),
    ] = Field(
        None,
        description="Instead of function: a command that trains and writes a model file.",
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="Passed to the training function as `params`."
    )
    seeds: Seeds = Field(
        3,
        description="How many seeds to train (each a model, to measure how much the model "
        "varies by chance), or the list of seeds.",
    )
    base_seed: Seed = Field(0, description="The seeds are derived from this one.")
    flavor: Literal["sklearn", "python"] = Field(
        "sklearn",
        description="How the model is saved: sklearn (skops, safe to load) or python "
        "(cloudpickle: runs code when loaded, only for models you trust).",
    )
    timeout: Duration | None = Field(
        None, gt=0, description="Stop a training run after this long (e.g. 30m)."
    )

    @model_validator(mode="after")
    def _function_or_command(self) -> TrainSpec:
        if (self.function is None) == (self.command is None):
            raise invalid(
                "train_target",
                "set exactly one of 'function' (module:function) or 'command'",
            )
        if self.command is not None and not self.command:
            raise invalid("train_command", "'command' is empty")
        if isinstance(self.seeds, tuple) and len(set(self.seeds)) != len(self.seeds):
            raise invalid("seeds", f"the seeds {list(self.seeds)} repeat a seed")
        return self


# -- evaluate


class BootstrapSpec(Section):
    """How confidence intervals are computed."""

    method: Literal["bca", "percentile"] = Field(
        "bca", description="Bootstrap interval: bca (bias-corrected, accelerated) or percentile."
    )
    resamples: Int = Field(2000, ge=100, description="Bootstrap resamples.")
    seed: Seed = Field(0, description="Seed of the resampling, so a verdict is repeatable.")


class CustomMetric(Section):
    """A metric of your own: module:function(y_true, y_pred[, y_score]) -> float."""

    function: Target = Field(description="The metric function as module:function.")
    greater_is_better: Bool = Field(True, description="Whether a larger value is better.")


def _custom_metric(value: Any) -> Any:
    return {"function": value} if isinstance(value, str) else value


def _default_metrics(value: Any) -> Any:
    if isinstance(value, Mapping) and "metrics" not in value:
        task = value.get("task", "classification")
        metrics = ("rmse", "mae", "r2") if task == "regression" else ("accuracy", "roc_auc", "f1")
        return {**value, "metrics": metrics}
    return value


def _class_label(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise invalid(
        "class_label",
        f"{value!r} is not a class label: give text, a whole number, or true/false",
    )


class EvaluateSpec(Section):
    """What is measured on the holdout, per slice, and how intervals are computed."""

    task: Literal["classification", "regression"] = Field(
        "classification", description="What the model does."
    )
    metrics: tuple[MetricName, ...] = Field(
        default_factory=tuple,
        description="Metrics to compute. Classification: accuracy, balanced_accuracy, precision, "
        "recall, f1 (and *_macro), roc_auc, log_loss, brier; regression: "
        + ", ".join(REGRESSION_METRICS)
        + "; or a name from custom_metrics. Default: accuracy, roc_auc, f1 or rmse, mae, r2.",
    )
    slices: tuple[Column, ...] = Field(
        (), description="Columns whose values each get their own metrics (e.g. [region])."
    )
    custom_metrics: dict[
        MetricName,
        Annotated[
            CustomMetric,
            BeforeValidator(_custom_metric, json_schema_input_type=Target | CustomMetric),
        ],
    ] = Field(
        default_factory=dict,
        description="Your own metrics by name: name: module:function, or "
        "name: {function, greater_is_better}.",
    )
    bootstrap: BootstrapSpec = Field(
        default_factory=BootstrapSpec, description="Bootstrap settings for the intervals."
    )
    correction: Literal["holm", "none"] = Field(
        "holm", description="Multiple-comparison correction across slices."
    )
    min_slice_rows: Int = Field(
        30,
        ge=1,
        description="Holdout rows a slice needs before its gates decide; a smaller slice's gate "
        "is inconclusive.",
    )
    no_champion: Literal["pass", "fail", "inconclusive"] = Field(
        "pass",
        description="What a comparison gate (vs: production) says while there is no champion: "
        "pass lets the first model through, inconclusive sends it to a person.",
    )
    pos_label: Annotated[
        StrictBool | StrictInt | str | None,
        BeforeValidator(_class_label, json_schema_input_type=bool | int | str | None),
    ] = Field(
        None,
        description="The positive class of a two-class task, for precision, recall, f1, roc_auc, "
        "log_loss and brier (e.g. fraud, or 0). Default: the larger of the two labels "
        "(1 of 0 and 1, yes of no and yes).",
    )

    @model_validator(mode="before")
    @classmethod
    def _metrics_by_task(cls, value: Any) -> Any:
        return _default_metrics(value)


# -- register, registry


class RegisterSpec(Section):
    """Where a model that passes its gates is registered."""

    name: ModelName | None = Field(
        None, description="Registered model name. Default: project.name."
    )
    alias: AliasName = Field(
        "candidate", description="Alias the new version gets when it is registered."
    )


WebhookEvent = Literal["version.created", "alias.moved", "approval.requested", "approval.decided"]


def _check_url(value: str) -> str:
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in {"http", "https"} or not rest.split("/", 1)[0]:
        raise invalid("url", f"{value!r} is not an http:// or https:// URL")
    return value


class Webhook(Section):
    """An HTTP endpoint told about registry events (body signed with HMAC-SHA256)."""

    url: Annotated[str, AfterValidator(_check_url)] = Field(
        description="http:// or https:// URL that receives the events."
    )
    events: tuple[WebhookEvent, ...] = Field(
        ("version.created", "alias.moved", "approval.requested", "approval.decided"),
        min_length=1,
        description="Events to send.",
    )
    secret: str | None = Field(
        None, min_length=1, description="Key for the HMAC-SHA256 signature of each body."
    )


class RegistrySpec(Section):
    """Registry settings."""

    webhooks: tuple[Webhook, ...] = Field((), description="Endpoints told about registry events.")


# -- executor


class LocalExecutor(Section):
    """Run stages and seeds as local processes."""

    kind: Literal["local"] = Field("local", description="Local processes.")
    workers: Int | None = Field(None, ge=1, description="Processes at once. Default: one per core.")


class RayExecutor(Section):
    """Run stages and seeds as Ray tasks (pip install 'mlgate[ray]')."""

    kind: Literal["ray"] = Field(description="A Ray cluster.")
    address: str | None = Field(
        None,
        min_length=1,
        description="Cluster address (auto, ray://host:10001). Default: start Ray locally.",
    )
    num_cpus: Int | None = Field(None, ge=1, description="CPUs for a Ray started locally.")


def _executor_shorthand(value: Any) -> Any:
    if isinstance(value, str):
        return {"kind": value}
    if isinstance(value, Mapping) and "kind" not in value:
        return {**value, "kind": "local"}
    return value


Executor = Annotated[
    LocalExecutor | RayExecutor,
    Field(discriminator="kind"),
    BeforeValidator(
        _executor_shorthand,
        json_schema_input_type=Literal["local", "ray"] | LocalExecutor | RayExecutor,
    ),
]
