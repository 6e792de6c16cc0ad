"""The built-in metrics, each written once as per-row columns and a ``combine`` of their sums.

The values match scikit-learn's (``tests/validate/test_metrics.py`` checks them):
precision, recall and F1 give 0 where sklearn's ``zero_division`` default
does; macro averages run over the classes present in the labels or the
predictions; balanced accuracy over the classes present in the labels;
log loss clips probabilities to ``[eps, 1 - eps]``; R² is 1 for a perfect fit
of a constant target and 0 for an imperfect one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mlgate.errors import DataError
from mlgate.validate._statistics import AUCStatistic, FloatArray, IntArray, SumsStatistic

if TYPE_CHECKING:
    from mlgate.validate._statistics import Statistic
    from mlgate.validate.metrics import Predictions

__all__ = ["BUILDERS", "Encoded", "UndefinedMetric", "encode"]

_EPS = float(np.finfo(np.float64).eps)


class UndefinedMetric(DataError):
    """A metric has no value on these rows (e.g. AUC when every row has the same class)."""


@dataclass(frozen=True, eq=False)
class Encoded:
    """Labels as codes, shared by every model scored on the same rows.

    For two classes code 1 is the positive class; ``scores`` is then (m, n), the
    score of the positive class. For k > 2 classes ``scores`` is (m, n, k).
    """

    classes: tuple[Any, ...]
    labels: IntArray
    predicted: IntArray  # (m, n)
    scores: FloatArray | None


def _same_rows(models: Sequence[Predictions]) -> None:
    first = models[0].y_true
    for other in models[1:]:
        if len(other.y_true) != len(first) or not np.array_equal(other.y_true, first):
            raise DataError(
                "the models were scored on different rows: a comparison needs the same "
                f"holdout rows, in the same order ({len(first):,} vs {len(other.y_true):,} rows)",
                hint="Score the champion on the challenger's holdout rows.",
            )


def _distinct(values: Any) -> list[Any]:
    return list(np.unique(np.asarray(values)).tolist())


def encode(models: Sequence[Predictions], *, pos_label: Any = None, scores: bool) -> Encoded:
    """Class codes for labels and predictions of all models; scores aligned to the classes."""
    _same_rows(models)
    seen: set[Any] = set()
    try:
        for values in [models[0].y_true, *(p.y_pred for p in models)]:
            seen.update(_distinct(values))
        for p in models:
            seen.update(np.asarray(p.classes).tolist() if p.classes is not None else ())
        if pos_label is not None and pos_label not in seen:
            if len(seen) >= 2:
                raise DataError(
                    f"pos_label {pos_label!r} is not one of the labels {sorted(seen)}",
                    hint="Give one of the labels as the positive class.",
                )
            seen.add(pos_label)
        classes = tuple(sorted(seen))
    except TypeError as exc:
        raise DataError(
            f"the class labels cannot be ordered: {exc}",
            hint="Use labels of one type (all numbers or all strings) in y_true and y_pred.",
        ) from None
    binary = len(classes) <= 2
    positive = pos_label if pos_label is not None else classes[-1]
    index = {label: code for code, label in enumerate(classes)}

    def codes(values: Any) -> IntArray:
        array = np.asarray(values)
        if binary:
            return np.asarray(array == positive, dtype=np.int64)
        distinct, inverse = np.unique(array, return_inverse=True)
        lookup = np.array([index[label] for label in distinct.tolist()], dtype=np.int64)
        return lookup[inverse.reshape(-1)]

    labels = codes(models[0].y_true)
    predicted = np.stack([codes(p.y_pred) for p in models])
    if not scores:
        return Encoded(classes, labels, predicted, None)
    aligned = [_align(p, classes, positive, binary=binary) for p in models]
    return Encoded(classes, labels, predicted, np.stack(aligned))


def _align(p: Predictions, classes: tuple[Any, ...], positive: Any, *, binary: bool) -> FloatArray:
    score = p.y_score
    if score is None:
        raise DataError(
            "this metric needs scores (class probabilities), but the predictions have none",
            hint="Give y_score: the model's predict_proba (or decision_function) output.",
        )
    if score.ndim == 1:
        if not binary:
            raise DataError(
                f"y_score has one column but there are {len(classes)} classes",
                hint="Give the (n, k) class probabilities of predict_proba.",
            )
        return score
    own = tuple(np.asarray(p.classes).tolist()) if p.classes is not None else classes
    if len(own) != score.shape[1]:
        raise DataError(
            f"y_score has {score.shape[1]} columns but {len(own)} classes {list(own)}",
            hint="Pass classes= in the order of y_score's columns (the model's classes_).",
        )
    column = {label: index for index, label in enumerate(own)}
    if binary:
        if positive in column:
            return np.asarray(score[:, column[positive]], dtype=np.float64)
        return np.asarray(1.0 - score.sum(axis=1), dtype=np.float64)
    out = np.zeros((len(score), len(classes)))
    for index, label in enumerate(classes):
        if label in column:
            out[:, index] = score[:, column[label]]
    return out


def _finite(name: str, values: Any) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(
            f"{name} is not numeric", hint="A regression needs numeric targets."
        ) from None
    bad = int(np.count_nonzero(~np.isfinite(array)))
    if bad:
        raise DataError(
            f"{name} has {bad:,} missing or infinite values",
            hint="Drop or fill them before evaluation.",
        )
    return array


def _ratio(top: FloatArray, bottom: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), 0.0)


def _mean_present(values: FloatArray, present: np.ndarray) -> FloatArray:
    count = present.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, (values * present).sum(axis=-1) / count, np.nan)


# -- classification from labels


def _onehot(codes: IntArray, k: int) -> FloatArray:
    return np.eye(k)[codes]


def _label_columns(e: Encoded, per_model: Callable[[IntArray, IntArray, int], FloatArray]) -> Any:
    k = max(len(e.classes), 2)
    return np.stack([per_model(e.labels, pred, k) for pred in e.predicted], axis=1)


def _accuracy(models: Sequence[Predictions], pos_label: Any) -> Statistic:
    e = encode(models, pos_label=pos_label, scores=False)
    ones = np.ones(len(e.labels))
    cols = np.stack([np.column_stack([ones, e.labels == p]) for p in e.predicted], axis=1)
    return SumsStatistic(cols.astype(np.float64), lambda s: s[..., 1] / s[..., 0], discrete=True)


def _balanced_accuracy(models: Sequence[Predictions], pos_label: Any) -> Statistic:
    e = encode(models, pos_label=pos_label, scores=False)

    def columns(y: IntArray, pred: IntArray, k: int) -> FloatArray:
        truth = _onehot(y, k)
        return np.column_stack([truth, truth * (y == pred)[:, None]])

    def combine(s: FloatArray) -> FloatArray:
        k = s.shape[-1] // 2
        support, hits = s[..., :k], s[..., k:]
        return _mean_present(_ratio(hits, support), support > 0)

    return SumsStatistic(_label_columns(e, columns), combine, discrete=True)


def _confusion(e: Encoded, *, macro: bool) -> FloatArray:
    def columns(y: IntArray, pred: IntArray, k: int) -> FloatArray:
        if not macro:
            return np.column_stack([(y == 1) & (pred == 1), pred == 1, y == 1]).astype(float)
        truth, said = _onehot(y, k), _onehot(pred, k)
        return np.column_stack([truth * said, said, truth])

    return np.asarray(_label_columns(e, columns), dtype=np.float64)


def _scores(kind: str, tp: FloatArray, said: FloatArray, truth: FloatArray) -> FloatArray:
    if kind == "precision":
        return _ratio(tp, said)
    if kind == "recall":
        return _ratio(tp, truth)
    return _ratio(2 * tp, said + truth)


def _prf(kind: str, average: str) -> Callable[[Sequence[Predictions], Any], Statistic]:
    def build(models: Sequence[Predictions], pos_label: Any) -> Statistic:
        e = encode(models, pos_label=pos_label, scores=False)
        macro = average == "macro" or (average == "auto" and len(e.classes) > 2)
        if not macro:
            return SumsStatistic(
                _confusion(e, macro=False),
                lambda s: _scores(kind, s[..., 0], s[..., 1], s[..., 2]),
                discrete=True,
            )

        def combine(s: FloatArray) -> FloatArray:
            k = s.shape[-1] // 3
            tp, said, truth = s[..., :k], s[..., k : 2 * k], s[..., 2 * k :]
            return _mean_present(_scores(kind, tp, said, truth), (said + truth) > 0)

        return SumsStatistic(_confusion(e, macro=True), combine, discrete=True)

    return build


# -- classification from scores


def _mean_of(loss: Callable[[Encoded, int], FloatArray], *, needs_scores: bool) -> Any:
    def build(models: Sequence[Predictions], pos_label: Any) -> Statistic:
        e = encode(models, pos_label=pos_label, scores=needs_scores)
        ones = np.ones(len(e.labels))
        cols = np.stack([np.column_stack([ones, loss(e, j)]) for j in range(len(models))], axis=1)
        return SumsStatistic(cols, lambda s: s[..., 1] / s[..., 0], discrete=False)

    return build


def _log_loss(e: Encoded, j: int) -> FloatArray:
    assert e.scores is not None
    score = e.scores[j]
    if score.ndim == 1:
        p = np.where(e.labels == 1, score, 1.0 - score)
    else:
        p = score[np.arange(len(e.labels)), e.labels]
    return np.asarray(-np.log(np.clip(p, _EPS, 1.0 - _EPS)), dtype=np.float64)


def _brier(e: Encoded, j: int) -> FloatArray:
    assert e.scores is not None
    score = e.scores[j]
    if score.ndim == 1:
        return np.asarray((score - e.labels) ** 2, dtype=np.float64)
    return np.asarray(((score - _onehot(e.labels, score.shape[1])) ** 2).sum(axis=1))


def _roc_auc(models: Sequence[Predictions], pos_label: Any) -> Statistic:
    e = encode(models, pos_label=pos_label, scores=True)
    assert e.scores is not None
    present = np.unique(e.labels)
    if len(present) < 2:
        label = np.asarray(models[0].y_true)[:1].tolist()[0]
        raise UndefinedMetric(
            f"roc_auc is undefined here: all {len(e.labels):,} rows have the label {label!r}. "
            "AUC is the chance that a positive row scores above a negative one, so it "
            "needs rows of both classes",
            hint="Use a larger or stratified holdout (data.split), or gate on a metric "
            "that does not compare classes, such as accuracy.",
        )
    if len(e.classes) > 2 and len(present) < len(e.classes):
        scores = e.scores[:, :, present]
        labels = np.searchsorted(present, e.labels).astype(np.int64)
        return AUCStatistic(labels, scores, classes=len(present))
    return AUCStatistic(e.labels, e.scores, classes=len(e.classes))


# -- regression


def _regression(kind: str) -> Callable[[Sequence[Predictions], Any], Statistic]:
    def build(models: Sequence[Predictions], pos_label: Any) -> Statistic:
        _same_rows(models)
        y = _finite("y_true", models[0].y_true)
        centred = y - y.mean()
        per_model = []
        for p in models:
            err = _finite("y_pred", p.y_pred) - y
            ones = np.ones_like(y)
            if kind == "mae":
                per_model.append(np.column_stack([ones, np.abs(err)]))
            elif kind == "rmse":
                per_model.append(np.column_stack([ones, err**2]))
            elif kind == "mape":
                per_model.append(np.column_stack([ones, np.abs(err) / np.maximum(np.abs(y), _EPS)]))
            else:
                per_model.append(np.column_stack([ones, centred, centred**2, err**2]))
        return SumsStatistic(np.stack(per_model, axis=1), _COMBINE[kind], discrete=False)

    return build


def _r2(s: FloatArray) -> FloatArray:
    total = s[..., 2] - s[..., 1] ** 2 / s[..., 0]
    residual = s[..., 3]
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 1.0 - residual / total
    return np.where(total > 0, value, np.where(residual > 0, 0.0, 1.0))


_COMBINE: dict[str, Callable[[FloatArray], FloatArray]] = {
    "mae": lambda s: s[..., 1] / s[..., 0],
    "mape": lambda s: s[..., 1] / s[..., 0],
    "rmse": lambda s: np.sqrt(s[..., 1] / s[..., 0]),
    "r2": _r2,
}

#: name → how to build its statistic from the models' predictions.
BUILDERS: dict[str, Callable[[Sequence[Predictions], Any], Statistic]] = {
    "accuracy": _accuracy,
    "balanced_accuracy": _balanced_accuracy,
    "precision": _prf("precision", "auto"),
    "recall": _prf("recall", "auto"),
    "f1": _prf("f1", "auto"),
    "precision_macro": _prf("precision", "macro"),
    "recall_macro": _prf("recall", "macro"),
    "f1_macro": _prf("f1", "macro"),
    "roc_auc": _roc_auc,
    "log_loss": _mean_of(_log_loss, needs_scores=True),
    "brier": _mean_of(_brier, needs_scores=True),
    "mae": _regression("mae"),
    "rmse": _regression("rmse"),
    "mape": _regression("mape"),
    "r2": _regression("r2"),
}
