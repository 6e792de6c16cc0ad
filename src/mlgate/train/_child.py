"""The training child process: ``python -m mlgate.train._child WORK/job.json``.

It seeds ``random`` and NumPy (``PYTHONHASHSEED`` is set by the parent before
the interpreter starts; torch is seeded too when the user's module imported
it), imports the user's function from the project folder, calls
``train(data, params, seed)`` (or runs the training command), checks that the
result is a model whose predictions on the holdout rows have the right shape,
saves it with its flavor, loads it back and checks the predictions did not
change, and writes ``model.bin`` and ``result.json`` into the work folder.

When the job asks for it (``task``), the reloaded model then scores the holdout
rows for the evaluate stage, which needs no model of its own then:
``predictions.parquet``, the champion's ``champion.parquet`` (or why it cannot
read the rows) and ``latency_calls`` timed single-row predictions, all named in
``result.json`` under ``scores``. Scoring never fails the training: what cannot
be scored here is left out, and the evaluate stage scores it (and reports its
failure) as it would without the child's help.

Whatever goes wrong is written to ``error.json`` (kind, message, the user's
traceback) and the process exits with 1; the parent turns it into an error.
The user's prints go to the log file the parent opened as stdout and stderr.
"""

from __future__ import annotations

import faulthandler
import json
import os
import random
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

__all__ = ["main"]

_RESULT = "result.json"
_ERROR = "error.json"
_MODEL = "model.bin"
_PREDICTIONS = "predictions.parquet"
_CHAMPION = "champion.parquet"


class _Failure(Exception):
    """A failure to report to the parent: ``kind`` is config, user, model or data."""

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        traceback: str | None = None,
        where: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.traceback = traceback
        self.where = where
        self.hint = hint


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def _seed(seed: int) -> None:
    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)


def _seed_torch(seed: int) -> None:
    """Seed torch only if the user's code imported it (importing it costs seconds)."""
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "manual_seed"):
        torch.manual_seed(seed)


def _user_error(message: str, exc: BaseException) -> _Failure:
    """``message`` about ``exc`` raised in the user's code, with their traceback."""
    from mlgate.train.contract import last_user_frame, user_traceback

    return _Failure("user", message, traceback=user_traceback(exc), where=last_user_frame(exc))


def _exception(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _call_function(job: dict[str, Any], data: Any) -> tuple[Any, float]:
    from mlgate.errors import ConfigError, TrainingError
    from mlgate.train.contract import resolve_function

    target = job["function"]
    try:
        fn = resolve_function(target, project=Path(job["project"]))
    except ConfigError as exc:
        raise _Failure("config", exc.message, where=exc.where, hint=exc.hint) from None
    except TrainingError as exc:
        raise _Failure("user", exc.message, traceback=exc.traceback, where=exc.where) from None
    _seed_torch(job["seed"])
    start = time.perf_counter()
    try:
        model = fn(data, job["params"], job["seed"])
    except SystemExit as exc:
        raise _user_error(f"{target} called sys.exit({exc.code!r})", exc) from None
    except KeyboardInterrupt as exc:
        raise _user_error(f"{target} was interrupted", exc) from None
    except Exception as exc:
        raise _user_error(f"{target} raised {_exception(exc)}", exc) from None
    return model, time.perf_counter() - start


def _run_command(job: dict[str, Any], work: Path) -> tuple[Any, float]:
    from mlgate.train.flavors import load_model

    command = list(job["command"])
    model_path = work / _MODEL
    env = {
        **os.environ,
        "MLGATE_TRAIN_DATA": job["train"],
        "MLGATE_LABEL": job["label"],
        "MLGATE_PARAMS": json.dumps(job["params"]),
        "MLGATE_SEED": str(job["seed"]),
        "MLGATE_MODEL_PATH": str(model_path),
        "MLGATE_FLAVOR": job["flavor"],
    }
    start = time.perf_counter()
    try:
        code = subprocess.call(command, cwd=job["project"], env=env)
    except OSError as exc:
        raise _Failure(
            "config",
            f"cannot run the training command {command[0]!r}: {exc.strerror or exc}",
            hint="Check train.command in mlgate.yaml (is the program installed and on PATH?).",
        ) from None
    seconds = time.perf_counter() - start
    shown = " ".join(command)
    if code != 0:
        raise _Failure("user", f"the training command `{shown}` exited with code {code}")
    if not model_path.is_file():
        raise _Failure(
            "model",
            f"the training command `{shown}` wrote no model file",
            hint="Write the model to the path in the MLGATE_MODEL_PATH environment variable.",
        )
    data = model_path.read_bytes()
    model = load_model(data, flavor=job["flavor"], allow_pickle=job["flavor"] == "python")
    return model, seconds


def _describe(value: Any) -> str:
    if value is None:
        return "None (is a `return model` missing?)"
    return f"a {type(value).__module__}.{type(value).__qualname__}"


def _predict(model: Any, features: Any, *, what: str) -> Any:
    import numpy as np

    try:
        return np.asarray(model.predict(features))
    except Exception as exc:
        raise _user_error(
            f"the {what} model's predict failed on the holdout rows: {_exception(exc)}", exc
        ) from None


def _check_predictions(predictions: Any, n_rows: int, source: str) -> None:
    shape = tuple(predictions.shape)
    if shape in {(n_rows,), (n_rows, 1)}:
        return
    raise _Failure(
        "model",
        f"the model from {source} predicted an array of shape {shape} for {n_rows} holdout "
        f"rows; expected ({n_rows},)",
        hint="predict(X) must return one prediction per row of X.",
    )


def _same(a: Any, b: Any) -> bool:
    import numpy as np

    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def _project_modules(project: Path) -> list[str]:
    root = str(project.resolve())
    names = []
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and os.path.abspath(path).startswith(root + os.sep) and "site-packages" not in path:
            names.append(name)
    return names


def _save(model: Any, job: dict[str, Any], work: Path) -> bytes:
    from mlgate.errors import MlgateError
    from mlgate.train.flavors import dump_model

    flavor = job["flavor"]
    try:
        return dump_model(
            model,
            flavor=flavor,
            allow_pickle=flavor == "python",
            by_value=_project_modules(Path(job["project"])),
        )
    except MlgateError as exc:
        raise _Failure(_kind(exc), exc.message, hint=exc.hint) from None


def _kind(exc: BaseException) -> str:
    """``config`` when the fix is in mlgate.yaml (a flavor that cannot hold the model)."""
    from mlgate.errors import ConfigError

    return "config" if isinstance(exc, ConfigError) else "model"


def _run(job: dict[str, Any], work: Path) -> dict[str, Any]:
    import pandas as pd

    from mlgate.errors import MlgateError
    from mlgate.train.flavors import load_model
    from mlgate.train.signature import infer_signature

    _seed(job["seed"])
    try:
        train = pd.read_parquet(job["train"])
        holdout = pd.read_parquet(job["holdout"])
    except (OSError, ValueError) as exc:
        raise _Failure("data", f"cannot read the training data: {exc}") from None
    features = holdout.drop(columns=[job["label"]], errors="ignore")
    source = job["function"] or f"`{' '.join(job['command'])}`"
    if job["function"]:
        model, fit_seconds = _call_function(job, train)
    else:
        model, fit_seconds = _run_command(job, work)
    if not callable(getattr(model, "predict", None)):
        raise _Failure(
            "model",
            f"{source} returned {_describe(model)}, which has no predict method",
            hint="Return the fitted model, e.g. a scikit-learn estimator after fit().",
        )
    predictions = _predict(model, features, what="trained")
    _check_predictions(predictions, len(features), source)
    if job["function"]:
        data = _save(model, job, work)
        (work / _MODEL).write_bytes(data)
    else:
        data = (work / _MODEL).read_bytes()
    try:
        loaded = load_model(data, flavor=job["flavor"], allow_pickle=job["flavor"] == "python")
    except MlgateError as exc:
        raise _Failure(_kind(exc), exc.message, hint=exc.hint) from None
    if not _same(predictions, _predict(loaded, features, what="saved and reloaded")):
        raise _Failure(
            "model",
            f"the model from {source} predicts differently after it is saved and loaded "
            f"with the {job['flavor']} flavor",
            hint="Keep state the model needs for predict in attributes that are saved.",
        )
    result: dict[str, Any] = {
        "fit_seconds": fit_seconds,
        "signature": infer_signature(train, label=job["label"]).to_dict(),
        "n_train": len(train),
        "n_holdout": len(holdout),
    }
    if job.get("task"):
        result["scores"] = _score(job, work, loaded, features, holdout)
    return result


def _skipped(what: str, exc: BaseException) -> None:
    print(f"mlgate: {what} is left to the evaluate stage: {_exception(exc)}", file=sys.stderr)


def _score(
    job: dict[str, Any], work: Path, model: Any, features: Any, holdout: Any
) -> dict[str, Any] | None:
    """The reloaded model's holdout predictions, latency timings and the champion's
    predictions, for the evaluate stage; None (or a part None) where scoring failed."""
    from mlgate.train._scoring import predict, predictions_bytes

    task = job["task"]
    try:
        y_true = holdout[job["label"]].to_numpy()
        y_pred, y_score, classes = predict(model, features, task=task)
        (work / _PREDICTIONS).write_bytes(predictions_bytes(y_true, y_pred, y_score))
    except Exception as exc:
        _skipped("scoring the holdout", exc)
        return None
    scores: dict[str, Any] = {"classes": classes, "latency_ms": None, "champion": None}
    calls = int(job.get("latency_calls") or 0)
    if calls:
        from mlgate.validate.budgets import measure_latency

        try:
            sample = measure_latency(model, features, calls=calls)
        except Exception as exc:
            _skipped("timing single-row predictions", exc)
        else:
            scores["latency_ms"] = [float(x) for x in sample.timings_ms]
    if job.get("champion"):
        scores["champion"] = _score_champion(job["champion"], work, features, y_true, task)
    return scores


def _score_champion(
    champion: dict[str, Any], work: Path, features: Any, y_true: Any, task: str
) -> dict[str, Any] | None:
    from mlgate.train._scoring import champion_columns, predict, predictions_bytes
    from mlgate.train.flavors import load_model

    flavor = champion["flavor"]
    try:
        readable, mismatch = champion_columns(champion["signature"], features)
        if mismatch is not None:
            return {"mismatch": mismatch}
        data = Path(champion["model"]).read_bytes()
        model = load_model(data, flavor=flavor, allow_pickle=flavor == "python")
        y_pred, y_score, classes = predict(model, readable, task=task)
        (work / _CHAMPION).write_bytes(predictions_bytes(y_true, y_pred, y_score))
    except Exception as exc:
        _skipped("scoring the champion", exc)
        return None
    return {"classes": classes}


def main(argv: list[str]) -> int:
    """Run the job in ``argv[1]``; 0 on success, 1 when ``error.json`` was written."""
    faulthandler.enable()
    if hasattr(signal, "SIGUSR1"):
        # The parent sends SIGUSR1 before it stops a run that timed out: the stacks
        # show where the user's code was.
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    job_path = Path(argv[1])
    work = job_path.parent
    job = json.loads(job_path.read_text(encoding="utf-8"))
    try:
        result = _run(job, work)
    except _Failure as failure:
        _write_json(
            work / _ERROR,
            {
                "kind": failure.kind,
                "message": failure.message,
                "traceback": failure.traceback,
                "where": failure.where,
                "hint": failure.hint,
            },
        )
        return 1
    except BaseException:
        _write_json(
            work / _ERROR,
            {
                "kind": "internal",
                "message": "mlgate's training process failed",
                "traceback": traceback.format_exc(),
            },
        )
        return 1
    _write_json(work / _RESULT, result)
    return 0


if __name__ == "__main__":
    sys.stdout.flush()
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
