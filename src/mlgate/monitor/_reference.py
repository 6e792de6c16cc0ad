"""What a version's live windows are compared with.

Input drift is measured against the version's reference profile (the training rows,
stored with the version), restricted to the columns its signature reads. Prediction
drift is measured against the predictions the registered model made on the holdout of
the run that trained it: the evaluate stage's output for the first seed, whose model is
the one registered.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mlgate.errors import MlgateError
from mlgate.monitor._log import VersionRef, prediction_frame

if TYPE_CHECKING:
    from mlgate.data._profile import Profile
    from mlgate.store.metadata.base_registry import VersionRecord
    from mlgate.store.stores import Stores

__all__ = ["version_ref"]


def _inputs(record: VersionRecord) -> tuple[Profile | None, str | None]:
    from mlgate.data._profile import Profile

    if not record.profile:
        return None, (
            f"v{record.version} has no reference profile, so its input drift is not measured "
            "(versions registered by `mlgate run` have one)"
        )
    profile = Profile.from_dict(record.profile)
    names: list[str] | None = None
    if record.signature:
        names = [str(c.get("name")) for c in record.signature.get("columns", [])]
    if names:
        kept = {n: c for n, c in profile.columns.items() if n in names}
        profile = type(profile)(n=profile.n, columns=kept)
    return (profile if profile.columns else None), None


def _holdout_predictions(stores: Stores, record: VersionRecord) -> tuple[Any, str | None]:
    """The registered model's predictions on its run's holdout, or a note saying why not."""
    if record.run_id is None:
        return None, (
            f"v{record.version} was not registered by a run, so its prediction drift is not "
            "measured (no holdout predictions to compare with)"
        )
    stages = [s for s in stores.metadata.stages_of(record.run_id) if s.stage == "evaluate"]
    done = [s for s in stages if s.output_digest]
    if not done:
        return None, f"run {record.run_id} of v{record.version} has no evaluate output"
    from mlgate.pipeline.stages import predictions_of

    try:
        output = json.loads(stores.artifacts.get_bytes(done[-1].output_digest or ""))
        first = output["models"][0]
        predictions = predictions_of(
            stores.artifacts.get_bytes(first["predictions"]), first.get("classes")
        )
    except (MlgateError, KeyError, IndexError, TypeError, ValueError) as exc:
        return None, f"the holdout predictions of v{record.version} cannot be read: {exc}"
    return predictions.y_pred, None


def version_ref(
    stores: Stores, record: VersionRecord, *, task: str
) -> tuple[VersionRef, list[str]]:
    """The reference profiles of ``record`` and notes on what is missing."""
    from mlgate.data._profile import profile_frame

    notes: list[str] = []
    inputs, note = _inputs(record)
    if note:
        notes.append(note)
    categorical = task == "classification"
    y_pred, note = _holdout_predictions(stores, record)
    outputs = None
    if note:
        notes.append(note)
    elif y_pred is not None and len(y_pred):
        outputs = profile_frame(prediction_frame(y_pred, categorical=categorical))
    return VersionRef(inputs=inputs, outputs=outputs, categorical=categorical), notes
