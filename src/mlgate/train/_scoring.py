"""A model's answers on the holdout rows, stored the way the evaluate stage reads them.

Scoring happens where the model already is. The training child has just fitted,
saved and reloaded the model, with scikit-learn (and whatever else the model
needs) imported, so it predicts the holdout rows there, scores the champion on
the same rows and, when it is the run's only training, times the latency
budget's single-row calls (see :mod:`mlgate.train.runner`). The evaluate stage
loads a model into mlgate's own process only for what no child scored: a
training reused from the cache of an older mlgate or of other holdout rows, a
champion when nothing was trained. Both sides use these functions, so the stored
predictions are the same bytes wherever they were made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["champion_columns", "predict", "predictions_bytes"]


def predict(model: Any, features: pd.DataFrame, *, task: str) -> tuple[Any, Any, list[Any] | None]:
    """``(y_pred, y_score, classes)``: the predictions and, for a classifier with
    ``predict_proba``, the positive class's score (two classes) or every class's."""
    import numpy as np

    y_pred = np.asarray(model.predict(features))
    y_score = None
    classes = None
    if task == "classification" and callable(getattr(model, "predict_proba", None)):
        y_score = np.asarray(model.predict_proba(features), dtype=float)
        classes = [c.item() if hasattr(c, "item") else c for c in getattr(model, "classes_", [])]
        if y_score.ndim == 2 and y_score.shape[1] == 2:
            y_score = np.ascontiguousarray(y_score[:, 1])
    return y_pred, y_score, classes or None


def predictions_bytes(y_true: Any, y_pred: Any, y_score: Any) -> bytes:
    """Per-row predictions as Parquet: ``y_true``, ``y_pred`` and ``score`` (or
    ``score_0``…``score_k``); :func:`mlgate.pipeline.stages.predictions_of` reads them."""
    import pandas as pd

    from mlgate.pipeline.tables import frame_to_bytes

    frame = pd.DataFrame({"y_true": y_true, "y_pred": y_pred})
    if y_score is not None:
        if getattr(y_score, "ndim", 1) == 1:
            frame["score"] = y_score
        else:
            for k in range(y_score.shape[1]):
                frame[f"score_{k}"] = y_score[:, k]
    return frame_to_bytes(frame)


def champion_columns(
    signature: dict[str, Any] | None, features: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, list[Any]] | None]:
    """The holdout columns the champion reads (its signature's, in its order), and
    ``{"missing": [...], "retyped": [[column, expected, found], ...]}`` when it cannot
    read them (None when it can): such a champion is not scored."""
    if not signature:
        return features, None
    from mlgate.train.signature import Signature

    expected = Signature.from_dict(signature)
    problems = expected.check_frame(features, allow_extra=True)
    readable = features[[c for c in expected.names if c in features.columns]]
    missing = [p.column for p in problems if p.kind == "missing"]
    retyped: list[Any] = [
        [p.column, p.expected or "?", p.found or "?"] for p in problems if p.kind == "retyped"
    ]
    if missing or retyped:
        return readable, {"missing": missing, "retyped": retyped}
    return readable, None
