"""Running the user's training code in a child process, one seed at a time or several at once.

:func:`write_inputs` saves the training and holdout rows as Parquet once;
:func:`train_one` trains one seed: it starts ``python -m mlgate.train._child``
in its own process group with ``PYTHONHASHSEED`` set, inputs and outputs passing
through files in the job's work folder, the child's stdout and stderr in
``train.log`` there. Nothing the user's code does can take mlgate down: an
exception, ``sys.exit``, a crash or the out-of-memory killer, a hang past the
timeout (the child's stacks are dumped to the log, then its whole process group
is killed), a result that is not a model, or predictions of the wrong shape —
each becomes a :class:`~mlgate.errors.TrainingError` with the user's traceback
and the log's path (a wrong ``module:function`` is a
:class:`~mlgate.errors.ConfigError`). The child's process group is killed when
it ends, so no stray process survives a run.

A job with a ``task`` also has the child score the holdout rows with the model
it has just reloaded (:class:`HoldoutScores`): the predictions, a champion's
predictions on the same rows, and timed single-row predictions for a latency
budget — so the evaluate stage needs no model (nor scikit-learn) of its own.

:func:`train_seeds` runs several jobs in parallel (each is its own process, so
threads suffice here). An executor can instead submit :func:`train_one` per job:
it is a top-level function of picklable arguments.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.errors import ConfigError, DataError, IntegrityError, TrainingError, UsageError
from mlgate.train._process import child_env, run_logged, stack_at_timeout
from mlgate.train._process import tail as tail_of
from mlgate.train.flavors import FLAVORS, Flavor
from mlgate.train.signature import Signature

if TYPE_CHECKING:
    from mlgate.train.split import Split

__all__ = [
    "LOG_NAME",
    "MODEL_NAME",
    "ChampionModel",
    "HoldoutScores",
    "TrainInputs",
    "TrainJob",
    "TrainedModel",
    "train_one",
    "train_seeds",
    "write_inputs",
]

#: File names inside a job's work folder.
MODEL_NAME = "model.bin"
LOG_NAME = "train.log"
_JOB = "job.json"
_RESULT = "result.json"
_ERROR = "error.json"
_PREDICTIONS = "predictions.parquet"
_CHAMPION = "champion.parquet"
_TASKS = ("classification", "regression")


@dataclass(frozen=True)
class TrainInputs:
    """The training and holdout rows as Parquet files, and the label column."""

    train: Path
    holdout: Path
    label: str


def write_inputs(split: Split, *, folder: Path, label: str) -> TrainInputs:
    """Save ``split`` as ``train.parquet`` and ``holdout.parquet`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    inputs = TrainInputs(
        train=folder / "train.parquet", holdout=folder / "holdout.parquet", label=label
    )
    try:
        split.train.to_parquet(inputs.train)
        split.holdout.to_parquet(inputs.holdout)
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"the data cannot be saved as Parquet for training: {exc}",
            hint="Give every column one type (mixed text and numbers cannot be stored).",
        ) from None
    return inputs


@dataclass(frozen=True)
class ChampionModel:
    """A model to score on the same holdout rows (the run's champion): its file, its
    flavor and its signature (the columns it reads)."""

    path: Path
    flavor: str
    signature: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class TrainJob:
    """One training run: which code, on which rows, with which params and seed.

    Set exactly one of ``function`` (``module:function``, imported from
    ``project``) or ``command`` (run in ``project``; it reads the environment
    variables ``MLGATE_TRAIN_DATA`` (Parquet), ``MLGATE_LABEL``, ``MLGATE_PARAMS``
    (JSON), ``MLGATE_SEED`` and ``MLGATE_FLAVOR`` and writes the model in that
    flavor to ``MLGATE_MODEL_PATH``). ``work_dir`` is this job's own folder.
    ``timeout`` is in seconds (None: no limit).

    With ``task`` (``classification`` or ``regression``) the child also scores
    the holdout rows (:class:`HoldoutScores`): it times ``latency_calls``
    single-row predictions (0: none) and scores ``champion`` on the same rows.
    """

    project: Path
    inputs: TrainInputs
    seed: int
    work_dir: Path
    function: str | None = None
    command: tuple[str, ...] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    flavor: Flavor = "sklearn"
    timeout: float | None = None
    task: str | None = None
    latency_calls: int = 0
    champion: ChampionModel | None = None


@dataclass(frozen=True)
class HoldoutScores:
    """What the child measured on the holdout rows with the reloaded model.

    ``predictions`` is a Parquet file of ``y_true``, ``y_pred`` and the scores
    (:mod:`mlgate.train._scoring`), ``classes`` the classifier's classes.
    ``latency_ms`` holds the timed single-row predictions (None: not asked for,
    or they failed). The champion has predictions and classes when scored,
    ``champion_mismatch`` (missing and retyped columns) when it cannot read the
    rows, and neither when there was no champion or scoring it failed.
    """

    predictions: Path
    classes: list[Any] | None = None
    latency_ms: tuple[float, ...] | None = None
    champion_predictions: Path | None = None
    champion_classes: list[Any] | None = None
    champion_mismatch: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class TrainedModel:
    """A trained, saved and checked model: its bytes are in ``model_path``, named by
    ``digest`` (BLAKE3, the same name the artifact store gives them)."""

    seed: int
    flavor: Flavor
    digest: str
    size: int
    model_path: Path
    signature: Signature
    #: Seconds spent in the user's function (or command).
    fit_seconds: float
    #: Seconds from starting the child to its end.
    seconds: float
    log_path: Path
    n_train: int
    n_holdout: int
    #: The holdout scored in the child (jobs with a ``task``; None if scoring failed).
    scores: HoldoutScores | None = None

    def read_bytes(self) -> bytes:
        """The model's bytes, verified against ``digest``."""
        from mlgate.store.artifacts.cas import hash_bytes

        data = self.model_path.read_bytes()
        if hash_bytes(data) != self.digest:
            raise IntegrityError(
                "the model file changed after training", where=str(self.model_path)
            )
        return data


# -- checks


def _check_job(job: TrainJob) -> None:
    if (job.function is None) == (job.command is None):
        raise UsageError("a training job needs exactly one of function or command")
    if job.command is not None and not job.command:
        raise UsageError("the training command is empty")
    if isinstance(job.seed, bool) or not isinstance(job.seed, int) or job.seed < 0:
        raise UsageError(f"a seed must be an integer ≥ 0, got {job.seed!r}")
    if job.flavor not in FLAVORS:
        raise UsageError(f"unknown model flavor {job.flavor!r}", hint="Use sklearn or python.")
    if job.timeout is not None and not (job.timeout > 0 and math.isfinite(job.timeout)):
        raise UsageError(f"the timeout must be a positive number of seconds, got {job.timeout}")
    if job.task is not None and job.task not in _TASKS:
        raise UsageError(f"unknown task {job.task!r}", hint="Use classification or regression.")
    calls = job.latency_calls
    if isinstance(calls, bool) or not isinstance(calls, int) or calls < 0:
        raise UsageError(f"latency_calls must be an integer ≥ 0, got {calls!r}")
    if job.champion is not None and not job.champion.path.is_file():
        raise UsageError("the champion's model file does not exist", where=str(job.champion.path))
    if not job.project.is_dir():
        raise UsageError("the project folder does not exist", where=str(job.project))
    for path in (job.inputs.train, job.inputs.holdout):
        if not path.is_file():
            raise UsageError("the training input file does not exist", where=str(path))
    try:
        json.dumps(dict(job.params))
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"train.params cannot be passed to the training code: {exc}",
            hint="Use numbers, strings, booleans, lists and mappings in train.params.",
        ) from None


# -- the child process


def _run_child(job: TrainJob, work: Path, log_path: Path) -> tuple[int, float]:
    """Run the child; its exit code and seconds. Raises TrainingError on timeout."""
    code, seconds = run_logged(
        [sys.executable, "-m", "mlgate.train._child", str(work / _JOB)],
        cwd=job.project,
        env=child_env(job.seed),
        log_path=log_path,
        timeout=job.timeout,
    )
    if code is None:
        raise _timeout(job, log_path)
    return code, seconds


# -- reading what the child left


def _source(job: TrainJob) -> str:
    return job.function or f"the training command `{' '.join(job.command or ())}`"


def _timeout(job: TrainJob, log_path: Path) -> TrainingError:
    stack = stack_at_timeout(log_path)
    hint = f"Raise train.timeout in mlgate.yaml if it needs longer. Full output: {log_path}"
    if stack:
        hint = f"Where it was when stopped:\n{stack}\n{hint}"
    return TrainingError(
        f"{_source(job)} did not finish within {job.timeout:g} s (seed {job.seed}), so its "
        "process was stopped",
        hint=hint,
        traceback=stack or None,
        log_path=str(log_path),
    )


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _crash(job: TrainJob, code: int, log_path: Path) -> TrainingError:
    if code < 0:
        name = _signal_name(-code)
        what = f"was killed by {name}"
        if -code == getattr(signal, "SIGKILL", 9):
            what += " (out of memory? the kernel's OOM killer sends SIGKILL)"
    else:
        what = f"exited with code {code} (os._exit or a crash in native code?)"
    tail = tail_of(log_path)
    hint = f"Full output: {log_path}"
    if tail:
        hint = f"Last lines of its output:\n{tail}\n{hint}"
    return TrainingError(
        f"the training process for {_source(job)} (seed {job.seed}) {what}",
        hint=hint,
        traceback=tail or None,
        log_path=str(log_path),
    )


def _failure(job: TrainJob, error: dict[str, Any], log_path: Path) -> Exception:
    kind = error.get("kind")
    message = str(error.get("message"))
    where = error.get("where")
    hint = error.get("hint")
    trace = error.get("traceback")
    if kind == "config":
        return ConfigError(message, where=where, hint=hint)
    if kind == "data":
        return DataError(message, where=where, hint=hint)
    if kind == "internal":
        return RuntimeError(f"{message} (seed {job.seed}):\n{trace}")
    parts = [part for part in (hint, (trace or "").rstrip()) if part]
    parts.append(f"Full output: {log_path}")
    return TrainingError(
        f"{message} (seed {job.seed})",
        where=where,
        hint="\n".join(parts),
        traceback=trace,
        log_path=str(log_path),
    )


def _prepare(job: TrainJob) -> Path:
    work = job.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    for name in (MODEL_NAME, _RESULT, _ERROR, _JOB, _PREDICTIONS, _CHAMPION):
        with contextlib.suppress(FileNotFoundError):
            (work / name).unlink()
    spec = {
        "project": str(job.project.resolve()),
        "function": job.function,
        "command": list(job.command) if job.command is not None else None,
        "train": str(job.inputs.train.resolve()),
        "holdout": str(job.inputs.holdout.resolve()),
        "label": job.inputs.label,
        "params": dict(job.params),
        "seed": job.seed,
        "flavor": job.flavor,
        "task": job.task,
        "latency_calls": job.latency_calls if job.task else 0,
        "champion": None
        if job.champion is None or not job.task
        else {
            "model": str(job.champion.path.resolve()),
            "flavor": job.champion.flavor,
            "signature": None if job.champion.signature is None else dict(job.champion.signature),
        },
    }
    (work / _JOB).write_text(json.dumps(spec), encoding="utf-8")
    return work


def _scores(work: Path, found: Any) -> HoldoutScores | None:
    """The child's ``scores`` (see ``mlgate.train._child``) with its files, or None."""
    predictions = work / _PREDICTIONS
    if not isinstance(found, dict) or not predictions.is_file():
        return None
    latency = found.get("latency_ms")
    champion = found.get("champion") or {}
    scored = "classes" in champion and (work / _CHAMPION).is_file()
    return HoldoutScores(
        predictions=predictions,
        classes=found.get("classes"),
        latency_ms=None if latency is None else tuple(float(x) for x in latency),
        champion_predictions=work / _CHAMPION if scored else None,
        champion_classes=champion.get("classes") if scored else None,
        champion_mismatch=champion.get("mismatch"),
    )


def train_one(job: TrainJob) -> TrainedModel:
    """Train, save and check one model in a child process (see the module docstring).

    Raises TrainingError when the user's code fails in any way, ConfigError when
    ``function`` names nothing callable as ``train(data, params, seed)`` or the
    model cannot be saved with its flavor, UsageError for a bad job.
    """
    from mlgate.store.artifacts.cas import hash_bytes

    _check_job(job)
    work = _prepare(job)
    log_path = work / LOG_NAME
    code, seconds = _run_child(job, work, log_path)
    error_path, result_path = work / _ERROR, work / _RESULT
    if error_path.is_file():
        raise _failure(job, json.loads(error_path.read_text(encoding="utf-8")), log_path)
    if code != 0 or not result_path.is_file():
        raise _crash(job, code, log_path)
    result = json.loads(result_path.read_text(encoding="utf-8"))
    model_path = work / MODEL_NAME
    data = model_path.read_bytes()
    return TrainedModel(
        seed=job.seed,
        flavor=job.flavor,
        digest=hash_bytes(data),
        size=len(data),
        model_path=model_path,
        signature=Signature.from_dict(result["signature"]),
        fit_seconds=float(result["fit_seconds"]),
        seconds=seconds,
        log_path=log_path,
        n_train=int(result["n_train"]),
        n_holdout=int(result["n_holdout"]),
        scores=_scores(work, result.get("scores")) if job.task else None,
    )


def train_seeds(jobs: Sequence[TrainJob], *, workers: int | None = None) -> list[TrainedModel]:
    """Run ``jobs`` (one per seed), up to ``workers`` at once (default: one per core).

    Results come back in the order of ``jobs``. When a job fails, jobs not yet
    started are cancelled, the running ones finish, and the error of the first
    failed job (in ``jobs`` order) is raised.
    """
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise UsageError(f"workers must be at least 1, got {workers!r}")
    seeds = [job.seed for job in jobs]
    if len(set(seeds)) != len(seeds):
        raise UsageError(f"the seeds {seeds} repeat a seed")
    dirs = [job.work_dir.resolve() for job in jobs]
    if len(set(dirs)) != len(dirs):
        raise UsageError("each training job needs its own work folder")
    if not jobs:
        return []
    count = min(len(jobs), workers or os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="mlgate-train") as pool:
        futures: list[Future[TrainedModel]] = [pool.submit(train_one, job) for job in jobs]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        if any(f.exception() is not None for f in done if not f.cancelled()):
            for future in futures:
                future.cancel()
        wait(futures)
    for future in futures:
        error = None if future.cancelled() else future.exception()
        if error is not None:
            raise error
    return [future.result() for future in futures]
