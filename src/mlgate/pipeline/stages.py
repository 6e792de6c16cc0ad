"""What each stage of a run does. Each returns JSON-able output; big things (split
tables, models, predictions) go into the artifact store and the output names
them by digest, so a cached stage is a lookup, and a Ray worker needs nothing
but digests.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.data._manifest import Snapshot
from mlgate.data._snapshot import load_snapshot
from mlgate.errors import DataError
from mlgate.pipeline.run import RunContext, StageResult
from mlgate.pipeline.tables import frame_from_bytes, frame_to_bytes, read_snapshot_frame
from mlgate.spec import Spec

if TYPE_CHECKING:
    import pandas as pd

    from mlgate.store.stores import Stores
    from mlgate.train.runner import HoldoutScores
    from mlgate.validate.metrics import Predictions

__all__ = [
    "ChampionRef",
    "check_components",
    "check_stage",
    "deploy_stage",
    "evaluate_stage",
    "gate_stage",
    "predictions_of",
    "register_stage",
    "snapshot_stage",
    "train_stages",
]


@dataclass(frozen=True, slots=True)
class ChampionRef:
    """The model behind the compared alias when the run started."""

    alias: str
    version: int
    artifact: str
    flavor: str
    signature: dict[str, Any] | None


# --- snapshot, check ---------------------------------------------------------------------


def snapshot_stage(ctx: RunContext, spec: Spec) -> tuple[StageResult, Snapshot]:
    """Snapshot ``data.source`` (cheap when unchanged: the stat cache vouches for files)."""
    from mlgate.data._snapshot import snapshot

    settings = ctx.stores.settings
    source = str(settings.project / spec.data.source)
    result = snapshot(source, settings=settings)
    snap = result.snapshot
    output = {
        "snapshot": snap.id,
        "source": snap.source,
        "n_files": snap.n_files,
        "n_bytes": snap.n_bytes,
        "files_read": result.files_read,
    }
    stage = ctx.stage(
        "snapshot",
        stage="snapshot",
        components={"snapshot": snap.id},
        compute=lambda: output,
        cacheable=False,
    )
    return stage, load_snapshot(snap.id, ctx.stores)


def _histogram(column: Any) -> dict[str, Any] | None:
    """A profiled column as the report plots it (inner bins; categories by label)."""
    if column is None:
        return None
    if column.edges:
        return {"counts": list(column.counts[1:-1]), "edges": list(column.edges)}
    if column.categories:
        return {"counts": list(column.categories.values()), "labels": list(column.categories)}
    return None


def _drift_vs_champion(champ: Any, train: pd.DataFrame, spec: Spec) -> list[dict[str, Any]]:
    """Drift of the new training rows against the champion's reference profile, per column,
    with both distributions on the champion's bins (empty without a champion profile)."""
    if champ is None or champ.profile is None:
        return []
    import dataclasses

    from mlgate.data._drift import drift
    from mlgate.data._profile import profile_frame

    settings = spec.monitor.drift
    report = drift(
        champ.profile,
        train,
        alpha=settings.alpha,
        effect_size=settings.effect_size,
        correction=settings.correction,
        share=settings.share,
    )
    current = profile_frame(train, like=champ.profile)
    rows = []
    for column in report.columns:
        row = dataclasses.asdict(column)
        row["reference"] = _histogram(champ.profile.columns.get(column.column))
        row["current"] = _histogram(current.columns.get(column.column))
        rows.append(row)
    return rows


def check_stage(ctx: RunContext, spec: Spec, snap: Snapshot) -> StageResult:
    """Read the snapshot's tables, run the data checks (contract, compatibility with the
    champion, quality), split into train/holdout and profile the training rows."""
    artifacts = ctx.stores.artifacts
    where = f"snapshot {snap.id[:12]} ({snap.source})"
    production = ctx.stores.metadata.get_alias(spec.model_name, "production")

    def compute() -> dict[str, Any]:  # imports here: a cached check needs none of them
        import json

        from mlgate.data._checks import champion_for, check_frame, severities_of
        from mlgate.data._profile import profile_frame
        from mlgate.data._schema import load_contract
        from mlgate.train.split import require_column, split_frame

        frame = read_snapshot_frame(snap, artifacts, fmt=spec.data.format)
        contract = (
            load_contract(ctx.stores.settings.project / spec.data.contract)
            if spec.data.contract and spec.data.checks.contract != "off"
            else None
        )
        champ = champion_for(ctx.stores, spec.model_name) if production is not None else None
        report = check_frame(
            frame,
            contract=contract,
            champion=champ,
            label=spec.data.label,
            task=spec.evaluate.task,
            severities=severities_of(spec),
        )
        report.raise_for_errors(where=where)
        require_column(frame, spec.data.label, role="label")
        parts = split_frame(frame, split=spec.data.split, label=spec.data.label)
        profile = profile_frame(parts.train).to_dict()
        drifted = _drift_vs_champion(champ, parts.train, spec)
        return {
            "rows": len(frame),
            "columns": {str(c): str(t) for c, t in frame.dtypes.items()},
            "train": artifacts.put_bytes(frame_to_bytes(parts.train)),
            "holdout": artifacts.put_bytes(frame_to_bytes(parts.holdout)),
            "n_train": len(parts.train),
            "n_holdout": len(parts.holdout),
            "profile": artifacts.put_bytes(json.dumps(profile, sort_keys=True).encode()),
            "warnings": [f.message for f in report.warnings],
            "findings": [f.to_dict() for f in report.findings],
            "drift": drifted,
        }

    return ctx.stage(
        "check",
        stage="check",
        components=check_components(ctx.stores, spec, snap.id),
        compute=compute,
    )


def check_components(stores: Stores, spec: Spec, snapshot_id: str) -> dict[str, Any]:
    """What the check stage's output depends on: the data, the spec's data section, the
    contract file's bytes and the production model (its signature and profile)."""
    import hashlib

    production = stores.metadata.get_alias(spec.model_name, "production")
    contract: str | None = None
    if spec.data.contract is not None:
        file = stores.settings.project / spec.data.contract
        contract = hashlib.sha256(file.read_bytes()).hexdigest() if file.is_file() else "missing"
    return {
        "snapshot": snapshot_id,
        "data": spec.data.model_dump(mode="json", by_alias=True),
        "task": spec.evaluate.task,
        "champion": None if production is None else production.version,
        "contract": contract,
    }


# --- train -------------------------------------------------------------------------------


def _train_task(
    store_url: str,
    project: str,
    train_digest: str,
    holdout_digest: str,
    label: str,
    seed: int,
    function: str | None,
    command: tuple[str, ...] | None,
    params: dict[str, Any],
    flavor: str,
    timeout: float | None,
    *,
    task: str | None = None,
    latency_calls: int = 0,
    champion: ChampionRef | None = None,
) -> dict[str, Any]:
    """One seed's training, runnable in any worker: data in and model out by digest.

    With ``task`` the child also scores the holdout rows (and ``champion``, and times
    ``latency_calls`` single-row predictions): the output's ``scores`` then names the
    holdout rows and the task they were scored for, so the evaluate stage uses them
    only when they are its own.
    """
    from mlgate.store.artifacts import open_artifacts
    from mlgate.train.runner import ChampionModel, TrainInputs, TrainJob, train_one

    artifacts = open_artifacts(store_url)
    with tempfile.TemporaryDirectory(prefix="mlgate-train-") as tmp:
        work = Path(tmp)
        inputs = TrainInputs(
            train=work / "train.parquet", holdout=work / "holdout.parquet", label=label
        )
        inputs.train.write_bytes(artifacts.get_bytes(train_digest))
        inputs.holdout.write_bytes(artifacts.get_bytes(holdout_digest))
        champion_model = None
        if task is not None and champion is not None:
            path = work / "champion.bin"
            path.write_bytes(artifacts.get_bytes(champion.artifact))
            champion_model = ChampionModel(path, champion.flavor, champion.signature)
        trained = train_one(
            TrainJob(
                project=Path(project),
                inputs=inputs,
                seed=seed,
                work_dir=work / "job",
                function=function,
                command=command,
                params=params,
                flavor=flavor,  # type: ignore[arg-type]
                timeout=timeout,
                task=task,
                latency_calls=latency_calls,
                champion=champion_model,
            )
        )
        model_digest = artifacts.put_file(trained.model_path)
        log_digest = artifacts.put_file(trained.log_path)
        output = {
            "seed": seed,
            "model": model_digest,
            "flavor": trained.flavor,
            "size": trained.size,
            "signature": trained.signature.to_dict(),
            "fit_seconds": round(trained.fit_seconds, 4),
            "seconds": round(trained.seconds, 4),
            "log_digest": log_digest,
        }
        if trained.scores is not None and task is not None:
            output["scores"] = _stored_scores(
                artifacts, trained.scores, holdout=holdout_digest, task=task, champion=champion
            )
    return output


def _stored_scores(
    artifacts: Any,
    scores: HoldoutScores,
    *,
    holdout: str,
    task: str,
    champion: ChampionRef | None,
) -> dict[str, Any]:
    """A child's holdout scores with their files put into the artifact store."""
    stored: dict[str, Any] = {
        "holdout": holdout,
        "task": task,
        "predictions": artifacts.put_file(scores.predictions),
        "classes": scores.classes,
        "latency_ms": None if scores.latency_ms is None else list(scores.latency_ms),
        "champion": None,
    }
    if champion is not None:
        scored: dict[str, Any] = {"version": champion.version, "artifact": champion.artifact}
        if scores.champion_mismatch is not None:
            stored["champion"] = {**scored, "mismatch": dict(scores.champion_mismatch)}
        elif scores.champion_predictions is not None:
            stored["champion"] = {
                **scored,
                "predictions": artifacts.put_file(scores.champion_predictions),
                "classes": scores.champion_classes,
            }
    return stored


def train_stages(
    ctx: RunContext,
    spec: Spec,
    check: StageResult,
    *,
    code: str,
    executor: Any,
    champion: ChampionRef | None = None,
    while_training: Callable[[], object] | None = None,
) -> list[StageResult]:
    """Train one model per seed (in parallel on the executor); cached per seed.

    The children that train also score the holdout rows for the evaluate stage
    (the first of them the champion too), so that stage loads no model. The
    latency budget is timed in a child only when it is the run's one training on
    this machine (no other training competes for the cores while it is timed); else
    the evaluate stage times it. A seed re-trained only because ``--force`` asked
    (its output is cached) scores nothing: the model is most likely the same, and
    the evaluate stage then stays cached.

    ``while_training`` is called once before the first child starts that scores,
    i.e. when the stages after training will run: the caller has this process's
    time until the children end.
    """
    from concurrent.futures import Future

    from mlgate.pipeline.cache import fingerprint
    from mlgate.train.seeds import seeds_for
    from mlgate.validate.budgets import latency_calls

    train = spec.train
    params = dict(train.params)
    store_url = ctx.stores.settings.store_url
    results: list[StageResult] = []
    futures: dict[int, Future[dict[str, Any]]] = {}

    def components(seed: int) -> dict[str, Any]:
        return {
            "code": code,
            "train": check.output["train"],
            "function": train.function,
            "command": list(train.command) if train.command else None,
            "params": params,
            "seed": seed,
            "flavor": train.flavor,
        }

    seeds = seeds_for(train)
    running = [s for s in seeds if ctx.would_run("train", f"train[seed={s}]", components(s))]
    cache_get = ctx.stores.metadata.cache_get
    scoring = [s for s in running if cache_get(fingerprint("train", components(s))) is None]
    alone = executor.kind == "local" and (len(running) == 1 or getattr(executor, "workers", 0) == 1)
    timed = seeds[0] if alone and seeds[0] in scoring else None
    if scoring and while_training is not None:
        while_training()
    for seed in running:  # start every seed that is not cached, then collect in order
        futures[seed] = executor.submit(
            _train_task,
            store_url,
            str(ctx.stores.settings.project),
            check.output["train"],
            check.output["holdout"],
            spec.data.label,
            seed,
            train.function,
            train.command,
            params,
            train.flavor,
            train.timeout,
            task=spec.evaluate.task if seed in scoring else None,
            latency_calls=latency_calls(spec.gates) if seed == timed else 0,
            champion=champion if scoring and seed == scoring[0] else None,
        )
    try:
        for seed in seeds:
            future = futures.get(seed)
            results.append(
                ctx.stage(
                    f"train[seed={seed}]",
                    stage="train",
                    components=components(seed),
                    compute=future.result if future is not None else _never,
                )
            )
    finally:
        for future in futures.values():
            future.cancel()
    return results


def _never() -> dict[str, Any]:  # pragma: no cover - cached stages never compute
    raise AssertionError("a cached stage was asked to compute")


# --- evaluate ---------------------------------------------------------------------------


def predictions_of(data: bytes, classes: list[Any] | None) -> Predictions:
    """Stored per-example predictions back as a ``Predictions``."""
    from mlgate.validate.metrics import Predictions

    frame = frame_from_bytes(data)
    score_columns = [c for c in frame.columns if str(c).startswith("score")]
    y_score: Any = None
    if score_columns == ["score"]:
        y_score = frame["score"].to_numpy()
    elif score_columns:
        y_score = frame[score_columns].to_numpy()
    return Predictions(
        frame["y_true"].to_numpy(),
        frame["y_pred"].to_numpy(),
        y_score,
        tuple(classes) if classes else None,
    )


def champion_of(ctx: RunContext, spec: Spec) -> ChampionRef | None:
    """The version behind the first comparison gate's alias (``production``), if any."""
    from mlgate.spec import ComparisonGate

    aliases = [g.vs for g in spec.gates if isinstance(g, ComparisonGate)]
    alias = aliases[0] if aliases else "production"
    record = ctx.stores.metadata.get_alias(spec.model_name, alias)
    if record is None:
        return None
    version = ctx.stores.metadata.get_version(spec.model_name, record.version)
    if version is None:
        return None
    return ChampionRef(alias, version.version, version.artifact, version.flavor, version.signature)


def _champion_scored(
    scores: list[dict[str, Any] | None], champion: ChampionRef, artifacts: Any
) -> dict[str, Any] | None:
    """The champion as a training child scored it on these rows, if one did."""
    for found in scores:
        scored = (found or {}).get("champion")
        if not scored or [scored["version"], scored["artifact"]] != [
            champion.version,
            champion.artifact,
        ]:
            continue
        if "mismatch" in scored:
            return {"mismatch": scored["mismatch"]}
        if artifacts.has(scored["predictions"]):
            return {"predictions": scored["predictions"], "classes": scored["classes"]}
    return None


def evaluate_stage(
    ctx: RunContext,
    spec: Spec,
    check: StageResult,
    trained: list[StageResult],
    champion: ChampionRef | None,
) -> StageResult:
    """Score every seed's model and the champion on the holdout rows; time and size budgets.

    What the training children scored on these holdout rows (``scores`` in a train
    output) is used as it is; a model is loaded into this process only for what no
    child scored (see :func:`train_stages`).
    """
    from mlgate.validate.budgets import latency_calls

    artifacts = ctx.stores.artifacts
    task = spec.evaluate.task
    label = spec.data.label
    holdout_digest = check.output["holdout"]
    calls = latency_calls(spec.gates)

    def scored(stage: StageResult) -> dict[str, Any] | None:
        scores = stage.output.get("scores")
        if (
            isinstance(scores, dict)
            and scores.get("holdout") == holdout_digest
            and scores.get("task") == task
            and artifacts.has(scores["predictions"])
        ):
            return scores
        return None

    def compute() -> dict[str, Any]:
        from mlgate.train._scoring import champion_columns, predict, predictions_bytes
        from mlgate.validate.budgets import measure_latency
        from mlgate.validate.metrics import compute_metric, load_custom_metrics

        holdout = frame_from_bytes(artifacts.get_bytes(holdout_digest))
        features = holdout.drop(columns=[label])
        y_true = holdout[label].to_numpy()
        custom = (
            load_custom_metrics(spec.evaluate.custom_metrics)
            if spec.evaluate.custom_metrics
            else None
        )
        loaded: dict[str, Any] = {}

        def model_of(artifact: str, flavor: str) -> Any:
            if artifact not in loaded:
                from mlgate.train.flavors import load_model

                loaded[artifact] = load_model(
                    artifacts.get_bytes(artifact), flavor=flavor, allow_pickle=flavor == "python"
                )
            return loaded[artifact]

        scores = [scored(stage) for stage in trained]
        models: list[dict[str, Any]] = []
        for stage, found in zip(trained, scores, strict=True):
            out = stage.output
            if found is not None:
                digest, classes = found["predictions"], found["classes"]
            else:
                model = model_of(out["model"], out["flavor"])
                y_pred, y_score, classes = predict(model, features, task=task)
                if len(y_pred) != len(holdout):
                    raise DataError(
                        f"the model of seed {out['seed']} returned {len(y_pred):,} predictions "
                        f"for {len(holdout):,} holdout rows",
                        hint="predict(rows) must return one prediction per row.",
                    )
                digest = artifacts.put_bytes(predictions_bytes(y_true, y_pred, y_score))
            preds = predictions_of(artifacts.get_bytes(digest), classes)
            metrics = {
                m: compute_metric(
                    m, preds, task=task, custom=custom, pos_label=spec.evaluate.pos_label
                )
                for m in spec.evaluate.metrics
            }
            models.append(
                {"seed": out["seed"], "predictions": digest, "classes": classes, "metrics": metrics}
            )
        champ: dict[str, Any] | None = None
        if champion is not None:
            champ = {"alias": champion.alias, "version": champion.version}
            found_champion = _champion_scored(scores, champion, artifacts)
            if found_champion is not None:
                champ.update(found_champion)
            else:
                readable, mismatch = champion_columns(champion.signature, features)
                if mismatch is not None:
                    champ["mismatch"] = mismatch
                else:
                    model = model_of(champion.artifact, champion.flavor)
                    y_pred, y_score, classes = predict(model, readable, task=task)
                    champ["predictions"] = artifacts.put_bytes(
                        predictions_bytes(y_true, y_pred, y_score)
                    )
                    champ["classes"] = classes
        latency: list[float] | None = None
        if calls and trained:
            latency = (scores[0] or {}).get("latency_ms")
            if latency is None or len(latency) != calls:
                first = trained[0].output
                sample = measure_latency(
                    model_of(first["model"], first["flavor"]), features, calls=calls
                )
                latency = [float(x) for x in sample.timings_ms]
        return {
            "n": len(holdout),
            "models": models,
            "champion": champ,
            "latency_ms": latency,
            "model_size_mb": trained[0].output["size"] / 1e6,
        }

    return ctx.stage(
        "evaluate",
        stage="evaluate",
        components={
            "holdout": holdout_digest,
            "models": [t.output["model"] for t in trained],
            "evaluate": spec.evaluate.model_dump(mode="json"),
            "champion": None
            if champion is None
            else [champion.alias, champion.version, champion.artifact],
            "latency_calls": calls,
        },
        compute=compute,
        cacheable=True,
    )


# --- gate, register, deploy --------------------------------------------------------------


def gate_stage(
    ctx: RunContext, spec: Spec, check: StageResult, evaluate: StageResult
) -> StageResult:
    """Decide every gate on the evaluated predictions; the output is the verdict."""
    artifacts = ctx.stores.artifacts

    def compute() -> dict[str, Any]:
        import numpy as np

        from mlgate.validate.budgets import Budgets, LatencySample
        from mlgate.validate.gates import evaluate_spec_gates
        from mlgate.validate.results import Champion, SchemaMismatch

        out = evaluate.output
        challenger = [
            predictions_of(artifacts.get_bytes(m["predictions"]), m["classes"])
            for m in out["models"]
        ]
        champions: list[Champion] = []
        champ = out["champion"]
        if champ is not None:
            name = f"{spec.model_name}:v{champ['version']}"
            if "mismatch" in champ:
                mismatch = SchemaMismatch(
                    missing=tuple(champ["mismatch"]["missing"]),
                    retyped=tuple((a, b, c) for a, b, c in champ["mismatch"]["retyped"]),
                )
                champions.append(Champion(alias=champ["alias"], version=name, mismatch=mismatch))
            else:
                preds = predictions_of(artifacts.get_bytes(champ["predictions"]), champ["classes"])
                champions.append(Champion(alias=champ["alias"], predictions=(preds,), version=name))
        holdout = frame_from_bytes(artifacts.get_bytes(check.output["holdout"]))
        columns = {c: holdout[c].to_numpy() for c in spec.evaluate.slices if c in holdout.columns}
        latency = out["latency_ms"]
        budgets = Budgets(
            latency=None if latency is None else LatencySample(np.asarray(latency, dtype=float)),
            model_size_mb=out["model_size_mb"],
        )
        verdict = evaluate_spec_gates(
            spec,
            challenger=challenger,
            champions=champions,
            columns=columns,
            budgets=budgets,
            threads=ctx.stores.settings.threads,
        )
        return verdict.to_dict()

    return ctx.stage(
        "gate",
        stage="gate",
        components={
            "evaluate": evaluate.record.output_digest,
            "gates": [g.model_dump(mode="json") for g in spec.gates],
            "confidence": spec.confidence,
            "evaluate_spec": spec.evaluate.model_dump(mode="json"),
        },
        compute=compute,
    )


def _metrics_summary(evaluate: StageResult, gate: StageResult) -> dict[str, Any]:
    """Metrics per seed with their spread, and the gated metrics with intervals."""
    import statistics

    models = evaluate.output["models"]
    per_metric: dict[str, list[float]] = {}
    for model in models:
        for name, value in model["metrics"].items():
            per_metric.setdefault(name, []).append(float(value))
    spread = {
        name: {
            "mean": statistics.fmean(values),
            "min": min(values),
            "max": max(values),
            "std": statistics.pstdev(values) if len(values) > 1 else 0.0,
            "seeds": len(values),
        }
        for name, values in per_metric.items()
    }
    intervals = {}
    for result in gate.output["results"]:
        numbers = result.get("numbers")
        if numbers and not result.get("slices"):
            intervals[numbers["metric"]] = numbers["challenger"]
    return {"seeds": spread, "intervals": intervals}


_VERDICT_TO_REGISTRY = {"pass": "pass", "fail": "fail", "needs-approval": "inconclusive"}


def register_stage(
    ctx: RunContext,
    spec: Spec,
    trained: list[StageResult],
    evaluate: StageResult,
    gate: StageResult,
    *,
    lineage_digest: str,
    profile: str | None = None,
) -> StageResult:
    """Register the first seed's model as a new version (candidate alias unless it failed),
    with the reference profile of its training rows (``profile``: the check stage's digest)."""
    import json

    from mlgate.registry.versions import register_version

    first = trained[0].output
    verdict = gate.output["status"]

    def compute() -> dict[str, Any]:
        versions = ctx.stores.metadata.list_versions(spec.model_name)
        same = [v for v in versions if v.artifact == first["model"]]
        if same:  # the very same model bytes are registered already: no duplicate version
            return {
                "model": spec.model_name,
                "version": same[-1].version,
                "alias": None,
                "promotion": f"the model is {spec.model_name} v{same[-1].version} already",
                "lineage": lineage_digest,
                "reused": True,
            }
        registered = register_version(
            spec.model_name,
            artifact=first["model"],
            flavor=first["flavor"],
            signature=first["signature"],
            profile=None
            if profile is None
            else json.loads(ctx.stores.artifacts.get_bytes(profile)),
            metrics=_metrics_summary(evaluate, gate),
            verdict=_VERDICT_TO_REGISTRY[verdict],
            gates=gate.output["results"],
            run_id=ctx.run.id,
            description=f"run {ctx.run.id}, lineage {lineage_digest[:12]}",
            alias=spec.registration.alias if verdict != "fail" else None,
            settings=ctx.stores.settings,
        )
        promotion = registered.promotion
        return {
            "model": spec.model_name,
            "version": registered.version.version,
            "alias": spec.registration.alias if verdict != "fail" else None,
            "promotion": None if promotion is None else promotion.sentence(),
            "lineage": lineage_digest,
        }

    return ctx.stage(
        "register",
        stage="register",
        components={
            "model": spec.model_name,
            "artifact": first["model"],
            "gate": gate.record.output_digest,
            "lineage": lineage_digest,
            "alias": spec.registration.alias,
            "profile": profile,
        },
        compute=compute,
    )


def deploy_stage(
    ctx: RunContext, spec: Spec, register: StageResult, gate: StageResult
) -> StageResult:
    """Ask for the version to move to every alias in ``deploy``; policies decide (never cached).

    A failed verdict moves nothing. A policy that wants approvals leaves the move
    pending, and the run ends ``needs-approval`` naming who must approve.
    """
    from mlgate.errors import CheckFailed
    from mlgate.registry.aliases import promote

    version = register.output["version"]
    verdict = gate.output["status"]

    def compute() -> dict[str, Any]:
        moves: list[dict[str, Any]] = []
        if verdict == "fail":
            return {"moves": moves, "pending": False, "skipped": "the gates failed"}
        for alias in spec.deploy:
            if alias == spec.registration.alias:
                continue
            try:
                promotion = promote(
                    spec.model_name,
                    version,
                    to=alias,
                    reason=f"run {ctx.run.id}: gates {verdict}",
                    settings=ctx.stores.settings,
                )
            except CheckFailed as exc:
                moves.append({"alias": alias, "state": "refused", "sentence": exc.render()})
                continue
            moves.append(
                {"alias": alias, "state": promotion.state, "sentence": promotion.sentence()}
            )
        pending = any(m["state"] == "pending" for m in moves)
        return {"moves": moves, "pending": pending, "skipped": None}

    return ctx.stage(
        "deploy",
        stage="deploy",
        components={"model": spec.model_name, "version": version, "aliases": sorted(spec.deploy)},
        compute=compute,
        cacheable=False,
    )
