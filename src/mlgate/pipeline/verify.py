"""``mlgate verify``: prove (or disprove) that a registered model is reproducible.

From the version's run: restore the snapshot's bytes (verified), split the rows
again, retrain with the recorded params and seed and the project's code as it
is now, then compare: identical model bytes; else identical predictions on
the holdout; else equal within a tolerance (largest score difference and share
of changed predictions); else not reproducible, naming what differs in the
lineage (code, packages, Python, …).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mlgate.config import Settings
from mlgate.errors import IntegrityError, NotFoundError, UsageError
from mlgate.store.metadata.base_registry import VersionRecord
from mlgate.store.stores import Stores, open_stores

__all__ = ["Reproduction", "verify"]


@dataclass(frozen=True, slots=True)
class Reproduction:
    """What ``verify`` found."""

    model: str
    version: int
    run_id: str
    outcome: str  # identical, same-predictions, within-tolerance, not-reproducible
    sentence: str
    original: str  # model digest
    retrained: str
    max_abs_difference: float | None = None
    changed_share: float | None = None
    lineage_changes: list[str] = field(default_factory=list)

    @property
    def reproducible(self) -> bool:
        """Whether the model was reproduced (exactly or within the tolerance)."""
        return self.outcome != "not-reproducible"


def _version(ref: str, stores: Stores) -> VersionRecord:
    """``name:7``, ``name@alias``, ``name`` (latest version), or a run id."""
    metadata = stores.metadata
    if ":" in ref or "@" in ref:
        sep = ":" if ":" in ref else "@"
        name, _, tail = ref.partition(sep)
        if sep == ":":
            if not tail.isdigit():
                raise UsageError(
                    f"{ref!r}: the version after ':' must be a number", hint="e.g. churn:7"
                )
            record = metadata.get_version(name, int(tail))
        else:
            alias = metadata.get_alias(name, tail)
            record = metadata.get_version(name, alias.version) if alias else None
        if record is None:
            raise NotFoundError(f"no model version matches {ref!r}", hint="See `mlgate models`.")
        return record
    model = metadata.get_model(ref)
    if model is not None:
        found = metadata.get_version(ref, model.last_version)
        if found is not None:
            return found
    from mlgate.pipeline.query import resolve_run

    run = resolve_run(ref, stores)
    model_name, number = run.summary.get("model"), run.summary.get("version")
    found_run = (
        metadata.get_version(str(model_name), int(number)) if model_name and number else None
    )
    if found_run is None:
        raise NotFoundError(
            f"run {run.id} registered no model version", hint="Verify a run that passed register."
        )
    return found_run


def _stage_output(stores: Stores, run_id: str, name: str) -> dict[str, Any]:
    for stage in stores.metadata.stages_of(run_id):
        if stage.stage == name and stage.output_digest:
            value: dict[str, Any] = json.loads(stores.artifacts.get_bytes(stage.output_digest))
            return value
    raise NotFoundError(
        f"run {run_id} has no recorded {name} stage", hint="Verify a run that trained a model."
    )


def verify(ref: str, *, tolerance: float = 1e-6, settings: Settings | None = None) -> Reproduction:
    """Retrain the version named by ``ref`` from its lineage and compare (see the module)."""
    import numpy as np

    from mlgate.data._snapshot import load_snapshot
    from mlgate.pipeline.stages import _train_task
    from mlgate.pipeline.tables import frame_from_bytes, frame_to_bytes, read_snapshot_frame
    from mlgate.spec import load_spec
    from mlgate.train._scoring import predict
    from mlgate.train.flavors import load_model
    from mlgate.train.lineage import Lineage, capture_lineage, diff_lineage
    from mlgate.train.split import split_frame

    settings = settings or Settings.load()
    spec = load_spec(project=settings.project)
    with open_stores(settings) as stores:
        version = _version(ref, stores)
        if version.run_id is None:
            raise NotFoundError(
                f"{version.model} v{version.version} was registered outside a run: "
                "it has no lineage to retrain from",
                hint="Verify versions registered by `mlgate run`.",
            )
        run = stores.metadata.get_run(version.run_id)
        if run is None or not run.summary.get("lineage"):
            raise NotFoundError(
                f"the run {version.run_id} of {version.model} v{version.version} is not recorded"
            )
        recorded = Lineage.from_dict(json.loads(stores.artifacts.get_bytes(run.summary["lineage"])))
        extra = dict(recorded.extra)
        snapshot_id = extra["snapshot"]
        if stores.metadata.get_snapshot(snapshot_id) is None:
            raise NotFoundError(
                f"the snapshot {snapshot_id[:12]} the model was trained on is not recorded"
            )
        snap = load_snapshot(snapshot_id, stores)
        missing = [f.path for f in snap.files if not stores.artifacts.has(f.digest)]
        if missing:
            raise IntegrityError(
                f"the snapshot {snapshot_id[:12]} cannot be restored: {len(missing)} of its "
                f"files are no longer in the store ({', '.join(missing[:5])}"
                f"{', …' if len(missing) > 5 else ''})",
                where=stores.artifacts.url,
                hint="They were garbage-collected or the store was moved (MLGATE_STORE); "
                "restore them from a backup to verify this version.",
            )
        check = _stage_output(stores, run.id, "check")
        frame = read_snapshot_frame(snap, stores.artifacts, fmt=spec.data.format)
        parts = split_frame(frame, split=spec.data.split, label=spec.data.label)
        train_digest = stores.artifacts.put_bytes(frame_to_bytes(parts.train))
        holdout_digest = stores.artifacts.put_bytes(frame_to_bytes(parts.holdout))
        seed = int(extra["model_seed"])
        retrained = _train_task(
            settings.store_url,
            str(settings.project),
            train_digest,
            holdout_digest,
            spec.data.label,
            seed,
            spec.train.function,
            spec.train.command,
            dict(extra.get("params", {})),
            str(extra.get("flavor", version.flavor)),
            spec.train.timeout,
        )
        now = capture_lineage(settings.project, extra=extra)
        changes = diff_lineage(recorded, now)
        if train_digest != check["train"]:
            changes.insert(
                0, "the split gives other training rows (data.split changed in mlgate.yaml?)"
            )
        base = {
            "model": version.model,
            "version": version.version,
            "run_id": run.id,
            "original": version.artifact,
            "retrained": retrained["model"],
            "lineage_changes": changes,
        }
        label = f"{version.model} v{version.version}"
        if retrained["model"] == version.artifact:
            return Reproduction(
                outcome="identical",
                sentence=f"{label} is reproducible: the retrained model's bytes are identical "
                f"(BLAKE3 {version.artifact[:12]})",
                **base,
            )
        holdout = frame_from_bytes(stores.artifacts.get_bytes(check["holdout"]))
        features = holdout.drop(columns=[spec.data.label])
        task = spec.evaluate.task
        flavor = version.flavor
        old = load_model(
            stores.artifacts.get_bytes(version.artifact),
            flavor=flavor,
            allow_pickle=flavor == "python",
        )
        new = load_model(
            stores.artifacts.get_bytes(retrained["model"]),
            flavor=flavor,
            allow_pickle=flavor == "python",
        )
        old_pred, old_score, _ = predict(old, features, task=task)
        new_pred, new_score, _ = predict(new, features, task=task)
        changed = float(np.mean(old_pred != new_pred))
        if old_score is not None and new_score is not None:
            diff = float(np.max(np.abs(np.asarray(old_score) - np.asarray(new_score))))
        elif task == "regression":
            diff = float(np.max(np.abs(old_pred.astype(float) - new_pred.astype(float))))
        else:
            diff = 0.0 if changed == 0 else 1.0
        numbers = (
            f"largest score difference {diff:.3g}, "
            f"{changed:.1%} of {len(holdout):,} holdout predictions changed"
        )
        why = (
            ("; differences in lineage: " + "; ".join(changes))
            if changes
            else "; the lineage is the same, so training itself is not deterministic"
        )
        if diff == 0 and changed == 0:
            outcome, sentence = (
                "same-predictions",
                f"{label} is reproducible: the bytes differ but every holdout prediction "
                "and score is identical",
            )
        elif diff <= tolerance and changed == 0:
            outcome, sentence = (
                "within-tolerance",
                f"{label} is reproducible within {tolerance:g}: {numbers}",
            )
        else:
            outcome, sentence = "not-reproducible", f"{label} is not reproducible: {numbers}{why}"
        return Reproduction(
            outcome=outcome,
            sentence=sentence,
            max_abs_difference=diff,
            changed_share=changed,
            **base,
        )
