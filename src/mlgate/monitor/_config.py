"""What monitoring reads from mlgate.yaml (or its defaults when a project has none)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlgate.config import SPEC_FILE, Settings
from mlgate.errors import UsageError

if TYPE_CHECKING:
    from mlgate.spec import AliasPolicy, DriftSpec, LabelsSpec, Spec, Window

__all__ = ["Floor", "MonitorConfig", "monitor_config", "parse_window", "window_of"]


@dataclass(frozen=True)
class Floor:
    """A bound a live metric must keep: ``min`` (its upper bound must reach it) or ``max``
    (its lower bound must stay under it), and where it was configured."""

    metric: str
    min: float | None
    max: float | None
    source: str


@dataclass(frozen=True)
class MonitorConfig:
    """The spec's monitor section with what monitoring borrows from evaluate and deploy."""

    model: str | None
    label: str | None
    window: Window
    drift: DriftSpec
    labels: LabelsSpec
    task: str
    metrics: tuple[str, ...]
    confidence: float
    resamples: int
    method: str
    seed: int
    floors: tuple[Floor, ...]
    deploy: dict[str, AliasPolicy]
    #: ``evaluate.pos_label``: the positive class of a two-class task (None: the larger label).
    pos_label: Any = None

    @property
    def scores_needed(self) -> bool:
        """Whether a watched metric (in evaluate.metrics, a floor, or a canary's metric) needs
        class scores, such as roc_auc: the server then keeps each row's positive-class score
        in its log."""
        from mlgate.validate.metrics import METRICS

        if self.task == "regression":
            return False
        names = {*self.metrics, *(floor.metric for floor in self.floors)}
        names.update(
            p.canary.metric
            for p in self.deploy.values()
            if p.canary is not None and p.canary.metric is not None
        )
        return any(METRICS[n].needs_score for n in names if n in METRICS)

    @property
    def grace(self) -> float:
        """Seconds after its end until a time window counts as complete: twice the
        longest prediction-log flush interval of the deploy policies, at least a minute."""
        flushes = [float(p.prediction_log.flush_every) for p in self.deploy.values()]
        return max([60.0, *(2 * f for f in flushes)])


def _floors(spec: Spec) -> tuple[Floor, ...]:
    from mlgate.spec import AbsoluteGate

    found: dict[tuple[str, float | None, float | None], Floor] = {}
    degradation = spec.triggers.degradation
    if degradation is not None and degradation.enabled:
        floor = Floor(degradation.metric, degradation.min, degradation.max, "triggers.degradation")
        found[(floor.metric, floor.min, floor.max)] = floor
    for gate in spec.gates:
        if isinstance(gate, AbsoluteGate) and gate.slice is None:
            floor = Floor(gate.metric, gate.min, gate.max, "gates")
            found.setdefault((floor.metric, floor.min, floor.max), floor)
    return tuple(found.values())


def monitor_config(settings: Settings) -> MonitorConfig:
    """The project's monitoring settings (defaults when there is no mlgate.yaml)."""
    from mlgate.spec import BootstrapSpec, EvaluateSpec, MonitorSpec, load_spec

    if not (settings.project / SPEC_FILE).is_file():
        section, evaluate = MonitorSpec(), EvaluateSpec()
        boot = BootstrapSpec()
        return MonitorConfig(
            model=None,
            label=None,
            window=section.window,
            drift=section.drift,
            labels=section.labels,
            task=evaluate.task,
            metrics=evaluate.metrics,
            confidence=0.95,
            resamples=boot.resamples,
            method=boot.method,
            seed=boot.seed,
            floors=(),
            deploy={},
        )
    spec = load_spec(project=settings.project)
    boot = spec.evaluate.bootstrap
    return MonitorConfig(
        model=spec.model_name,
        label=spec.data.label,
        window=spec.monitor.window,
        drift=spec.monitor.drift,
        labels=spec.monitor.labels,
        task=spec.evaluate.task,
        metrics=spec.evaluate.metrics,
        confidence=spec.confidence,
        resamples=boot.resamples,
        method=boot.method,
        seed=boot.seed,
        floors=_floors(spec),
        deploy=dict(spec.deploy),
        pos_label=spec.evaluate.pos_label,
    )


def window_of(*, count: int | None = None, seconds: int | None = None) -> Window:
    """A :class:`~mlgate.spec.Window` of ``count`` predictions or ``seconds``."""
    from mlgate.spec import Window

    if (count is None) == (seconds is None):
        raise UsageError(
            "a window is a number of predictions or a span of time, not both or neither",
            hint="Use e.g. Window(count=1000) or Window(seconds=3600).",
        )
    for value, what in ((count, "count"), (seconds, "seconds")):
        if value is not None and (isinstance(value, bool) or value < 1):
            raise UsageError(f"the window's {what} must be at least 1, got {value!r}")
    return Window(count=count, seconds=seconds)


def parse_window(text: str) -> Window:
    """``1000`` (predictions) or a duration such as ``1h``, ``30m``, ``1d`` (time).

    >>> parse_window("1000").count, parse_window("1h").seconds
    (1000, 3600)
    """
    from pydantic_core import PydanticCustomError

    from mlgate.spec import parse_duration

    cleaned = text.strip()
    if cleaned.isdigit():
        return window_of(count=int(cleaned))
    try:
        seconds = parse_duration(cleaned)
    except PydanticCustomError:
        raise UsageError(
            f"--window {text!r} is neither a number of predictions nor a duration",
            hint="Use e.g. --window 1000 (predictions) or --window 1h (30m, 1d, …).",
        ) from None
    return window_of(seconds=seconds)
