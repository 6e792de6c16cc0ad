"""Data checks end to end: a snapshot against the contract, the production model and
the quality rules; the schema of a snapshot; drift between two snapshots.

``check_frame`` is what the pipeline's check stage runs before training; the other
functions open the project's stores and back ``mlgate data schema|check|drift``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.data._findings import CheckReport, Finding, apply_severity

if TYPE_CHECKING:
    import pandas as pd

    from mlgate.config import Settings
    from mlgate.data._drift import DriftReport
    from mlgate.data._profile import Profile
    from mlgate.data._schema import Contract
    from mlgate.spec import Spec
    from mlgate.store.stores import Stores
    from mlgate.train.signature import Signature

__all__ = ["Champion", "check_data", "check_frame", "drift_snapshots", "infer_schema"]


@dataclass(frozen=True)
class Champion:
    """The production model as data checks see it: its signature and reference profile."""

    model: str
    version: int
    signature: Signature | None
    profile: Profile | None

    @property
    def label(self) -> str:
        """``name vN``."""
        return f"{self.model} v{self.version}"


def champion_for(stores: Stores, model: str, alias: str = "production") -> Champion | None:
    """The version behind ``alias`` of ``model`` (None when there is none)."""
    from mlgate.data._profile import Profile
    from mlgate.train.signature import Signature

    record = stores.metadata.get_alias(model, alias)
    if record is None:
        return None
    version = stores.metadata.get_version(model, record.version)
    if version is None:
        return None
    profile: Any = version.profile
    if isinstance(profile, str):  # a digest of the profile in the artifact store
        import json

        profile = json.loads(stores.artifacts.get_bytes(profile))
    return Champion(
        model=model,
        version=version.version,
        signature=Signature.from_dict(version.signature) if version.signature else None,
        profile=Profile.from_dict(profile) if profile else None,
    )


def check_frame(
    frame: pd.DataFrame,
    *,
    contract: Contract | None = None,
    champion: Champion | None = None,
    label: str | None = None,
    task: str = "classification",
    severities: Mapping[str, str] | None = None,
) -> CheckReport:
    """Every data check of ``frame``: contract, compatibility with the champion, quality.

    ``severities`` are the spec's ``data.checks`` (``contract``, ``compatibility``,
    ``label``, ``duplicates``, …: error | warn | off).
    """
    from mlgate.data._compat import check_compatibility
    from mlgate.data._quality import check_quality
    from mlgate.data._schema import check_contract

    sev = dict(severities or {})
    found: list[Finding] = []
    if contract is not None:
        found += apply_severity(check_contract(frame, contract), sev.get("contract", "error"))
    if champion is not None and champion.signature is not None:
        features = frame.drop(columns=[label]) if label in frame.columns else frame
        found += apply_severity(
            check_compatibility(
                features, champion.signature, profile=champion.profile, version=champion.label
            ),
            sev.get("compatibility", "error"),
        )
    found += check_quality(
        frame,
        label=label,
        task=task,
        reference=champion.profile if champion is not None else None,
        severities=sev,
    )
    order = {"error": 0, "warn": 1}
    found.sort(key=lambda f: order[f.severity])
    return CheckReport(findings=tuple(found), rows=len(frame), columns=len(frame.columns))


def severities_of(spec: Spec) -> dict[str, str]:
    """The spec's ``data.checks`` as check → severity."""
    return dict(spec.data.checks.model_dump(mode="json"))


def _frame(ref: str, stores: Stores, fmt: str = "auto") -> tuple[Any, pd.DataFrame]:
    from mlgate.data._snapshot import load_snapshot
    from mlgate.pipeline.tables import read_snapshot_frame

    snap = load_snapshot(ref, stores)
    return snap, read_snapshot_frame(snap, stores.artifacts, fmt=fmt)


def infer_schema(
    ref: str, *, max_categories: int = 50, settings: Settings | None = None
) -> Contract:
    """The contract a snapshot satisfies (write it with ``Contract.to_yaml``)."""
    from mlgate.data._schema import infer_contract
    from mlgate.store.stores import open_stores

    with open_stores(settings) as stores:
        snap, frame = _frame(ref, stores)
    return infer_contract(frame, max_categories=max_categories, source=snap.id)


def check_data(
    ref: str,
    *,
    contract: Path | str | None = None,
    spec: Spec | None = None,
    settings: Settings | None = None,
) -> CheckReport:
    """Check a snapshot against the contract (``contract`` or the spec's ``data.schema``),
    the production model of the spec's project, and the quality rules."""
    from mlgate.data._schema import load_contract
    from mlgate.store.stores import open_stores

    with open_stores(settings) as stores:
        project = stores.settings.project
        path = contract or (spec.data.contract if spec is not None else None)
        rules = None
        if path is not None:
            file = Path(path)
            rules = load_contract(file if file.is_absolute() or contract else project / file)
        champion = champion_for(stores, spec.model_name) if spec is not None else None
        _, frame = _frame(ref, stores, spec.data.format if spec is not None else "auto")
    return check_frame(
        frame,
        contract=rules,
        champion=champion,
        label=spec.data.label if spec is not None else None,
        task=spec.evaluate.task if spec is not None else "classification",
        severities=severities_of(spec) if spec is not None else None,
    )


def drift_snapshots(
    reference: str,
    current: str,
    *,
    alpha: float = 0.05,
    effect_size: float = 0.1,
    correction: str = "holm",
    share: float = 0.5,
    columns: list[str] | None = None,
    settings: Settings | None = None,
) -> DriftReport:
    """Drift of snapshot ``current`` against snapshot ``reference``."""
    from mlgate.data._drift import drift
    from mlgate.store.stores import open_stores

    with open_stores(settings) as stores:
        _, ref = _frame(reference, stores)
        _, cur = _frame(current, stores)
    return drift(
        ref,
        cur,
        alpha=alpha,
        effect_size=effect_size,
        correction=correction,
        share=share,
        columns=columns,
    )
