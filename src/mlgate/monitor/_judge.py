"""Judging one window: input drift, prediction drift, live metrics, and the alerts.

A window alerts only when it is complete:

* ``drift`` when the data set drifts by ``monitor.drift`` (the share of drifted input
  columns reaches ``share``; a column drifts when its corrected p-value is below
  ``alpha`` and its effect size above ``effect_size``);
* ``prediction_drift`` when the predictions drift by the same rule;
* ``degradation`` when a live metric's interval lies entirely past a floor: the upper
  bound below a ``min`` (or the lower bound above a ``max``) of
  ``triggers.degradation`` or of an absolute gate, so one noisy window does not alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mlgate.monitor._report import Alert, AlertKind, WindowResult

if TYPE_CHECKING:
    from mlgate.data._drift import DriftReport
    from mlgate.data._profile import Profile
    from mlgate.monitor._config import Floor, MonitorConfig
    from mlgate.monitor._log import VersionRef, WindowData
    from mlgate.validate.bootstrap import Interval

__all__ = ["degradation_alert", "drift_sentence", "judge"]


def _drift(reference: Profile | None, current: Profile | None, config: MonitorConfig) -> Any:
    from mlgate.data._drift import drift

    if reference is None or current is None or current.n == 0:
        return None
    columns = [c for c in reference.columns if c in current.columns]
    if not columns:
        return None
    spec = config.drift
    return drift(
        reference,
        current,
        alpha=spec.alpha,
        effect_size=spec.effect_size,
        correction=spec.correction,
        share=spec.share,
        columns=columns,
        threads=1,
    )


def drift_sentence(report: DriftReport, *, what: str = "features") -> str:
    """``drift on 3/25 features (x1, x2, x3), largest effect 0.31``."""
    drifted = [c for c in report.columns if c.drifted]
    compared = [c for c in report.columns if c.test is not None or c.status == "retyped"]
    names = ", ".join(c.column for c in drifted[:5]) + (" …" if len(drifted) > 5 else "")
    largest = max((c.effect_size or 0.0 for c in drifted), default=0.0)
    return f"drift on {len(drifted)}/{len(compared)} {what} ({names}), largest effect {largest:.2f}"


def _prediction_sentence(report: DriftReport, *, categorical: bool) -> str:
    column = report.columns[0]
    moved = "the mix of predicted classes" if categorical else "the distribution of predictions"
    return (
        f"prediction drift: {moved} moved away from the holdout's "
        f"({column.effect} {column.effect_size or 0.0:.2f}, p = {column.p_adjusted or 0.0:.2g})"
    )


def degradation_alert(
    floor: Floor, interval: Interval, *, labelled: int
) -> tuple[str, dict[str, Any]] | None:
    """The sentence and evidence when ``interval`` lies entirely past ``floor``, else None."""
    if not interval.defined:
        return None
    shown = f"{interval.estimate:.3g} [{interval.low:.3g}, {interval.high:.3g}]"
    level = f"{interval.confidence:.0%}"
    if floor.min is not None and interval.high < floor.min:
        sentence = (
            f"live {floor.metric} {shown} on {labelled} labelled rows: even its upper "
            f"{level} bound is below the floor {floor.min:g} ({floor.source})"
        )
    elif floor.max is not None and interval.low > floor.max:
        sentence = (
            f"live {floor.metric} {shown} on {labelled} labelled rows: even its lower "
            f"{level} bound is above the ceiling {floor.max:g} ({floor.source})"
        )
    else:
        return None
    evidence = {
        "metric": floor.metric,
        "estimate": interval.estimate,
        "low": interval.low,
        "high": interval.high,
        "confidence": interval.confidence,
        "min": floor.min,
        "max": floor.max,
        "source": floor.source,
        "labelled": labelled,
    }
    return sentence, evidence


def _alerts(
    data: WindowData,
    inputs: DriftReport | None,
    outputs: DriftReport | None,
    metrics: dict[str, Interval],
    *,
    config: MonitorConfig,
    categorical: bool,
) -> tuple[Alert, ...]:
    if not data.complete:
        return ()
    found: list[Alert] = []

    def alert(kind: AlertKind, sentence: str, evidence: dict[str, Any]) -> Alert:
        return Alert(kind, data.version, data.route, data.key, sentence, evidence)

    if inputs is not None and inputs.drifted:
        evidence = {
            "drifted_columns": list(inputs.drifted_columns),
            "effects": {c.column: c.effect_size for c in inputs.columns if c.drifted},
            "share_drifted": inputs.share_drifted,
            "rows": data.rows,
        }
        found.append(alert("drift", drift_sentence(inputs), evidence))
    if outputs is not None and outputs.drifted:
        column = outputs.columns[0]
        evidence = {
            "test": column.test,
            "p_adjusted": column.p_adjusted,
            "effect": column.effect,
            "effect_size": column.effect_size,
            "rows": data.rows,
        }
        sentence = _prediction_sentence(outputs, categorical=categorical)
        found.append(alert("prediction_drift", sentence, evidence))
    for floor in config.floors:
        interval = metrics.get(floor.metric)
        if interval is None:
            continue
        judged = degradation_alert(floor, interval, labelled=len(data.y_true))
        if judged is not None:
            found.append(alert("degradation", judged[0], judged[1]))
    return tuple(found)


def judge(
    data: WindowData,
    ref: VersionRef,
    *,
    config: MonitorConfig,
    metric_names: Sequence[str],
) -> WindowResult:
    """The window's drift, prediction drift, live metrics and alerts."""
    from mlgate.monitor._live import live_metrics

    inputs = _drift(ref.inputs, data.inputs, config)
    outputs = _drift(ref.outputs, data.outputs, config)
    metrics, notes = live_metrics(
        data.y_true,
        data.y_pred,
        config=config,
        names=metric_names,
        y_score=data.y_score,
        score_label=data.score_label,
        y_scores=data.y_scores,
        score_classes=data.score_classes,
    )
    if data.late:
        notes.append(f"{data.late} label(s) came later than labels.max_delay and were left out")
    alerts = _alerts(data, inputs, outputs, metrics, config=config, categorical=ref.categorical)
    assert data.start is not None
    assert data.end is not None
    return WindowResult(
        key=data.key,
        version=data.version,
        route=data.route,
        start=data.start,
        end=data.end,
        rows=data.rows,
        requests=data.requests,
        complete=data.complete,
        drift=inputs,
        prediction_drift=outputs,
        labelled=len(data.y_true),
        late=data.late,
        metrics=metrics,
        alerts=alerts,
        notes=tuple(notes),
    )
