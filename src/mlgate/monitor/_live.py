"""Live performance: the spec's metrics on the labelled rows of a window, with intervals.

The prediction log keeps each row's predicted label (or value). Metrics that need scores
(roc_auc, log_loss, brier) use the class scores the server keeps beside it for a
classifier when a watched metric needs them (see :mod:`mlgate.deploy.predlog`), on the
labelled rows that have them; without scores they are left out with a note. Custom
metrics are left out too (they would run user code inside the monitor). Intervals come
from :func:`mlgate.validate.bootstrap.bootstrap_metric` on the window's labelled rows,
at the spec's ``confidence`` with evaluate's bootstrap settings. A window with fewer
than :data:`MIN_LABELLED` labelled rows gets no metrics: an interval from a handful of
rows says little.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mlgate.errors import MlgateError

if TYPE_CHECKING:
    import numpy as np

    from mlgate.monitor._config import MonitorConfig
    from mlgate.validate.bootstrap import Interval
    from mlgate.validate.metrics import Predictions

__all__ = [
    "MIN_LABELLED",
    "difference",
    "live_metrics",
    "live_predictions",
    "metric_names",
    "positive_like",
    "scored_predictions",
]

#: Labelled rows a window needs before its metrics are computed.
MIN_LABELLED = 20


def metric_names(config: MonitorConfig) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The evaluate metrics that can be computed from logged outputs, and notes on the rest."""
    from mlgate.validate.metrics import METRICS

    names: list[str] = []
    notes: list[str] = []
    for name in config.metrics:
        spec = METRICS.get(name)
        if spec is None:
            notes.append(f"the custom metric {name} is not computed on live traffic")
        elif config.task in spec.tasks:
            names.append(name)
    return tuple(names), tuple(notes)


def _numbers(values: Sequence[Any]) -> np.ndarray[Any, Any]:
    import numpy as np
    import pandas as pd

    series = pd.Series(np.asarray(values, dtype=object))
    bools = series.map(lambda v: isinstance(v, bool)).to_numpy(dtype=bool)
    numbers = np.array(pd.to_numeric(series, errors="coerce"), dtype="float64")
    numbers[bools] = np.nan
    return numbers


def live_predictions(
    y_true: Sequence[Any], y_pred: Sequence[Any], *, task: str
) -> tuple[Predictions | None, int]:
    """Labels and predictions as :class:`Predictions` (classes compared as numbers when both
    sides are numbers, else as text), and how many rows had to be left out."""
    import numpy as np

    from mlgate.monitor._log import canonical_labels
    from mlgate.validate.metrics import Predictions

    if not y_true:
        return None, 0
    truth, pred = _numbers(y_true), _numbers(y_pred)
    if task == "regression":
        keep = np.isfinite(truth) & np.isfinite(pred)
        dropped = int((~keep).sum())
        if not keep.any():
            return None, dropped
        return Predictions(truth[keep], pred[keep]), dropped
    if np.isfinite(truth).all() and np.isfinite(pred).all():
        return Predictions(truth, pred), 0
    return Predictions(canonical_labels(y_true), canonical_labels(y_pred)), 0


def scored_predictions(
    y_true: Sequence[Any],
    y_pred: Sequence[Any],
    y_score: Sequence[float],
    score_label: Sequence[str | None],
    y_scores: Sequence[Any] = (),
    score_classes: Sequence[str | None] = (),
) -> tuple[Predictions | None, Any, str]:
    """The labelled rows that have logged class scores, as :class:`Predictions` with those
    scores (labels compared as text, like :func:`canonical_labels`), the positive class
    of two-class scores (None for more classes), and a note on what was left out (or why
    nothing could be used). ``y_score`` and ``score_label`` are a two-class model's,
    ``y_scores`` and ``score_classes`` those of a model with more classes."""
    import numpy as np

    from mlgate.monitor._log import canonical_labels
    from mlgate.validate.metrics import Predictions

    many = [i for i, value in enumerate(y_scores) if value is not None]
    if many and len(y_scores) == len(y_true):
        if len({score_classes[i] for i in many}) != 1:
            return None, None, "the logged class scores are not all for the same classes"
        classes = canonical_labels(np.array(json.loads(str(score_classes[many[0]])), object))
        keep = np.zeros(len(y_true), dtype=bool)
        keep[many] = True
        matrix = np.stack([np.asarray(y_scores[i], dtype=np.float64) for i in many])
        truth = canonical_labels(np.asarray(y_true, dtype=object)[keep])
        pred = canonical_labels(np.asarray(y_pred, dtype=object)[keep])
        dropped = len(y_true) - len(many)
        note = f"{dropped} labelled row(s) have no logged class score" if dropped else ""
        return Predictions(truth, pred, matrix, tuple(classes.tolist())), None, note
    scores = np.asarray(y_score, dtype=np.float64)
    if len(scores) != len(y_true) or not np.isfinite(scores).any():
        return (
            None,
            None,
            (
                "none of the labelled rows has a logged class score (mlgate serve keeps them for "
                "classifiers with predict_proba, when a watched metric needs them)"
            ),
        )
    keep = np.isfinite(scores)
    positives = {score_label[i] for i in np.flatnonzero(keep).tolist()}
    if len(positives) != 1 or None in positives:
        return None, None, "the logged scores are not all for the same class"
    (positive,) = canonical_labels(np.array(list(positives), dtype=object)).tolist()
    truth = canonical_labels(np.asarray(y_true, dtype=object)[keep])
    pred = canonical_labels(np.asarray(y_pred, dtype=object)[keep])
    if len({*truth.tolist(), *pred.tolist(), positive}) > 2:
        return None, None, "the labels have more than the two classes the scores are for"
    dropped = int((~keep).sum())
    note = f"{dropped} labelled row(s) have no logged class score" if dropped else ""
    return Predictions(truth, pred, scores[keep]), positive, note


def positive_like(pos_label: Any, predictions: Predictions) -> Any:
    """``evaluate.pos_label`` in the form of these live labels: a number when they are
    numbers, else text as :func:`canonical_labels` writes it (None stays None)."""
    import numpy as np

    from mlgate.monitor._log import canonical_labels

    if pos_label is None:
        return None
    if predictions.y_true.dtype.kind == "f" and not isinstance(pos_label, bool):
        try:
            return float(pos_label)
        except (TypeError, ValueError):
            return pos_label
    return canonical_labels(np.array([pos_label], dtype=object))[0]


def _interval(result: Any, config: MonitorConfig) -> Interval:
    return result.interval(config.confidence, method=config.method)  # type: ignore[no-any-return]


def live_metrics(
    y_true: Sequence[Any],
    y_pred: Sequence[Any],
    *,
    config: MonitorConfig,
    names: Sequence[str],
    y_score: Sequence[float] = (),
    score_label: Sequence[str | None] = (),
    y_scores: Sequence[Any] = (),
    score_classes: Sequence[str | None] = (),
) -> tuple[dict[str, Interval], list[str]]:
    """Each metric in ``names`` with its interval, and notes (too few rows, undefined, no
    scores). Score-based metrics use the labelled rows with a logged score (``y_score``
    and ``score_label``, or ``y_scores`` and ``score_classes``, one per labelled row)."""
    from mlgate.validate.metrics import METRICS

    notes: list[str] = []
    predictions, dropped = live_predictions(y_true, y_pred, task=config.task)
    if dropped:
        notes.append(f"{dropped} labelled row(s) left out: the label or prediction is no number")
    if predictions is None or not names:
        return {}, notes
    if predictions.n < MIN_LABELLED:
        notes.append(
            f"only {predictions.n} labelled row(s): live metrics need at least {MIN_LABELLED}"
        )
        return {}, notes
    scored = [n for n in names if n in METRICS and METRICS[n].needs_score]
    positive = positive_like(config.pos_label, predictions)
    metrics = _bootstrapped(
        [n for n in names if n not in scored], predictions, positive, config, notes
    )
    if scored:
        with_scores, positive, note = scored_predictions(
            y_true, y_pred, y_score, score_label, y_scores, score_classes
        )
        listed = ", ".join(scored)
        if with_scores is None:
            notes.append(f"{listed} not computed: {note}")
        elif with_scores.n < MIN_LABELLED:
            notes.append(
                f"{listed} not computed: only {with_scores.n} labelled row(s) have a logged "
                f"class score; live metrics need at least {MIN_LABELLED}"
            )
        else:
            if note:
                notes.append(f"{listed}: {note}")
            metrics.update(_bootstrapped(scored, with_scores, positive, config, notes))
    return {name: metrics[name] for name in names if name in metrics}, notes


def _bootstrapped(
    names: Sequence[str],
    predictions: Predictions,
    positive: Any,
    config: MonitorConfig,
    notes: list[str],
) -> dict[str, Interval]:
    from mlgate.validate.bootstrap import bootstrap_metric

    metrics: dict[str, Interval] = {}
    for name in names:
        try:
            result = bootstrap_metric(
                name,
                predictions,
                task=config.task,  # type: ignore[arg-type]
                resamples=config.resamples,
                seed=config.seed,
                pos_label=positive,
                threads=1,
            )
        except MlgateError as exc:
            notes.append(f"{name}: {exc.message}")
            continue
        metrics[name] = _interval(result.challenger, config)
    return metrics


def difference(
    metric: str,
    canary: Predictions,
    primary: Predictions,
    *,
    config: MonitorConfig,
    pos_label: Any = None,
) -> tuple[Interval, Interval, Interval, bool]:
    """The canary's and the primary's metric and their difference *as an improvement*
    (canary - primary when larger is better, primary - canary otherwise), from an
    unpaired two-sample bootstrap: each side is resampled on its own rows with its own
    stream, and the difference's percentile interval is read off the paired-up
    resampled values. The last item says whether larger is better."""
    import math

    import numpy as np

    from mlgate.validate.bootstrap import Interval, bootstrap_metric, percentile_interval

    runs = [
        bootstrap_metric(
            metric,
            side,
            task=config.task,  # type: ignore[arg-type]
            resamples=config.resamples,
            seed=config.seed + offset,
            pos_label=pos_label,
            threads=1,
        )
        for offset, side in ((0, canary), (1, primary))
    ]
    higher = runs[0].higher_is_better
    sign = 1.0 if higher else -1.0
    a, b = runs[0].challenger, runs[1].challenger
    size = min(len(a.distribution), len(b.distribution))
    estimate = sign * (a.estimate - b.estimate)
    if size == 0 or not math.isfinite(estimate):
        diff = Interval(estimate, math.nan, math.nan, config.confidence, "percentile")
    else:
        values = sign * (a.distribution[:size] - b.distribution[:size])
        low, high = percentile_interval(np.asarray(values), confidence=config.confidence)
        diff = Interval(estimate, low, high, config.confidence, "percentile")
    return _interval(a, config), _interval(b, config), diff, higher
