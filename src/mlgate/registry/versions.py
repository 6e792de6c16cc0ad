"""Model versions: register (numbered 1, 2, … per model, in one transaction), list, show, load.

A version is immutable: the model's bytes (by artifact digest), flavor, input
signature, reference profile, metrics with intervals, gate verdict and the run
that made it. Numbers are assigned under the registry lock, so concurrent
registrations from several processes get consecutive numbers, never the same
one and never a gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mlgate.config import Settings
from mlgate.errors import UsageError
from mlgate.registry.lookup import (
    check_alias,
    check_model_name,
    check_version,
    no_alias,
    no_model,
    no_version,
)
from mlgate.registry.session import Session, Tx, using
from mlgate.store.metadata.base_registry import (
    AliasMove,
    ApprovalRecord,
    ModelRecord,
    NewVersion,
    VersionRecord,
)
from mlgate.store.metadata.canonical import canonical_json

__all__ = [
    "VERDICTS",
    "ModelDetails",
    "ModelSummary",
    "Registered",
    "models",
    "register_version",
    "resolve",
    "show",
]

#: The gate verdicts a version can carry (None: no gates were run).
VERDICTS = ("pass", "fail", "inconclusive")


@dataclass(frozen=True, slots=True)
class Registered:
    """A newly registered version, and what happened to the alias it was given (if any)."""

    version: VersionRecord
    promotion: Any = None  # mlgate.registry.aliases.Promotion


@dataclass(frozen=True, slots=True)
class ModelSummary:
    """A model as ``mlgate models`` lists it."""

    name: str
    versions: int
    aliases: dict[str, int]
    created_at: datetime
    created_by: str
    pending: int


@dataclass(frozen=True, slots=True)
class ModelDetails:
    """One version with everything the registry knows about it."""

    model: ModelRecord
    version: VersionRecord
    aliases: tuple[str, ...]
    approvals: tuple[ApprovalRecord, ...]
    moves: tuple[AliasMove, ...]


def _json(field: str, value: Any) -> Any:
    """A plain JSON copy of ``value``; anything else is a usage error naming ``field``."""
    if value is None:
        return None
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    try:
        import json

        return json.loads(canonical_json(value))
    except (TypeError, ValueError) as exc:
        raise UsageError(
            f"the version's {field} cannot be stored: {exc}",
            hint=f"Pass {field} as plain JSON data (dicts, lists, strings, finite numbers).",
        ) from None


def _new_version(
    *,
    artifact: str,
    flavor: str,
    signature: Any,
    profile: Any,
    metrics: Any,
    verdict: str | None,
    gates: Any,
    run_id: str | None,
    description: str,
) -> NewVersion:
    if verdict is not None and verdict not in VERDICTS:
        raise UsageError(
            f"{verdict!r} is not a gate verdict", hint=f"Use one of {', '.join(VERDICTS)} or None."
        )
    gates_list = _json("gates", list(gates or []))
    if not all(isinstance(gate, dict) for gate in gates_list):
        raise UsageError("the version's gates must be a list of mappings (one per gate)")
    metrics_map = _json("metrics", dict(metrics or {}))
    return NewVersion(
        artifact=artifact,
        flavor=flavor,
        signature=_json("signature", signature),
        profile=_json("profile", profile),
        metrics=metrics_map,
        verdict=verdict,
        gates=gates_list,
        run_id=run_id,
        description=description,
    )


def register_version(
    name: str,
    model: Any = None,
    *,
    artifact: str | None = None,
    flavor: str | None = None,
    signature: Any = None,
    profile: Any = None,
    metrics: dict[str, Any] | None = None,
    verdict: str | None = None,
    gates: list[dict[str, Any]] | None = None,
    run_id: str | None = None,
    description: str = "",
    alias: str | None = None,
    reason: str | None = None,
    allow_pickle: bool = False,
    settings: Settings | None = None,
    session: Session | None = None,
) -> Registered:
    """Register a new version of model ``name`` (created on first use).

    Give either ``model`` (saved with its flavor: skops for scikit-learn style
    models; pickle only with ``allow_pickle``) or ``artifact``, the digest of
    bytes already in the artifact store with their ``flavor``. ``signature`` is
    a :class:`mlgate.train.signature.Signature` or its dict; ``metrics``,
    ``gates`` and ``profile`` are plain JSON data; ``verdict`` is ``pass``,
    ``fail``, ``inconclusive`` or None. ``alias`` moves that alias to the new
    version in the same transaction, under its promotion policy (a pending
    approval if the policy asks for one).
    """
    check_model_name(name)
    if alias is not None:
        check_alias(alias)
    if (model is None) == (artifact is None):
        raise UsageError(
            "give exactly one of a model object or the digest of a stored artifact",
            hint="register_version(name, model) or register_version(name, artifact=DIGEST, "
            "flavor=...)",
        )
    with using(session, settings, write=True) as session:
        if model is not None:
            from mlgate.train.flavors import dump_model, model_flavor

            flavor = flavor or model_flavor(model)
            data = dump_model(model, flavor=flavor, allow_pickle=allow_pickle)
            artifact = session.stores.artifacts.put_bytes(data)
        elif flavor is None:
            raise UsageError(
                "an artifact needs its flavor", hint="Pass flavor='sklearn' (or the one used)."
            )
        assert artifact is not None
        assert flavor is not None
        if not session.stores.artifacts.has(artifact):
            raise UsageError(
                f"the artifact store has no artifact {artifact!r}",
                where=session.stores.artifacts.url,
                hint="Store the model's bytes first (ArtifactStore.put_bytes) and pass the digest.",
            )
        new = _new_version(
            artifact=artifact,
            flavor=flavor,
            signature=signature,
            profile=profile,
            metrics=metrics,
            verdict=verdict,
            gates=gates,
            run_id=run_id,
            description=description,
        )
        with session.write() as tx:
            record = add_version(tx, name, new)
            promotion = None
            if alias is not None:
                from mlgate.registry.aliases import place

                promotion = place(
                    session, tx, record, alias, reason=reason, kind="register", run_id=run_id
                )
        return Registered(version=record, promotion=promotion)


def add_version(tx: Tx, name: str, new: NewVersion) -> VersionRecord:
    """Add the next version of ``name`` inside ``tx`` (creating the model), with its audit entry."""
    created = tx.writer.model(name) is None
    if created:
        tx.writer.create_model(name, at=tx.now, actor=tx.actor)
    record = tx.writer.add_version(name, new, at=tx.now, actor=tx.actor)
    payload: dict[str, Any] = {
        "model": name,
        "version": record.version,
        "model_created": created,
        "artifact": record.artifact,
        "flavor": record.flavor,
        "verdict": record.verdict,
        "run_id": record.run_id,
        "metrics": record.metrics,
        "gates": record.gates,
        "signature": record.signature,
        "description": record.description,
    }
    tx.audit("version.created", f"{name} v{record.version}", payload)
    tx.event(
        "version.created",
        name,
        {
            "version": record.version,
            "artifact": record.artifact,
            "flavor": record.flavor,
            "verdict": record.verdict,
            "run_id": record.run_id,
        },
    )
    return record


def models(
    *, settings: Settings | None = None, session: Session | None = None
) -> list[ModelSummary]:
    """Every registered model with what its aliases point to, by name."""
    with using(session, settings) as session:
        store = session.stores.metadata
        found = []
        now = datetime.now(UTC)
        for model in store.list_models():
            pending = [
                a
                for a in store.list_approvals(model.name)
                if a.status == "pending" and not a.expired(now)
            ]
            found.append(
                ModelSummary(
                    name=model.name,
                    versions=model.last_version,
                    aliases=dict(model.aliases),
                    created_at=model.created_at,
                    created_by=model.created_by,
                    pending=len(pending),
                )
            )
        return found


def resolve(
    session: Session, name: str, *, version: int | None = None, alias: str | None = None
) -> tuple[ModelRecord, VersionRecord]:
    """The model and one of its versions: by number, by alias, or the latest."""
    check_model_name(name)
    store = session.stores.metadata
    model = store.get_model(name)
    if model is None:
        raise no_model(name, (m.name for m in store.list_models()))
    if version is not None:
        check_version(version)
        number = version
    elif alias is not None:
        check_alias(alias)
        if alias not in model.aliases:
            raise no_alias(model, alias)
        number = model.aliases[alias]
    elif model.last_version:
        number = model.last_version
    else:
        raise no_version(model, 1)
    record = store.get_version(name, number)
    if record is None:
        raise no_version(model, number)
    return model, record


def show(
    name: str,
    *,
    version: int | None = None,
    settings: Settings | None = None,
    session: Session | None = None,
) -> ModelDetails:
    """One version (default: the latest) with its aliases, approvals and alias moves."""
    with using(session, settings) as session:
        model, record = resolve(session, name, version=version)
        store = session.stores.metadata
        moves = [
            move
            for move in store.alias_moves(name)
            if record.version in (move.to_version, move.from_version)
        ]
        return ModelDetails(
            model=model,
            version=record,
            aliases=tuple(a for a, v in sorted(model.aliases.items()) if v == record.version),
            approvals=tuple(store.list_approvals(name, version=record.version)),
            moves=tuple(moves),
        )
