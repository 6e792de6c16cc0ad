"""Benchmark: mlgate's model registry against MLflow's (SQLite backend, same scikit-learn model).

    python bench/registry.py [--reps N] [--moves N] [--workdir DIR] [--no-mlflow]

Three operations, as a user meets them:

- register a version of a trained model (mlgate: ``registry.register_version``;
  MLflow: ``mlflow.sklearn.log_model(..., registered_model_name=...)`` in a run),
  timed inside a warm process (imports done, model trained);
- move an alias (``registry.promote`` against ``set_registered_model_alias``),
  timed the same way;
- load the model by alias and make one prediction in a fresh process
  (``registry.load_model(name, alias="production")`` against
  ``mlflow.pyfunc.load_model("models:/NAME@production")``): the wall time of
  the whole ``python -c`` process, as a server or batch job starting up pays it.

Each figure is the median of ``--reps`` runs (``--moves`` for the alias moves,
which take milliseconds: 50 by default). MLflow is installed into its own
throw-away venv (``<workdir>/mlflow-venv``) with the same scikit-learn version
and never becomes a dependency of mlgate. Both tools train the same model (the
same code, data and seed) and store it on the same disk. A "floor" row times a
fresh process that only imports scikit-learn and unpickles the model: what any
tool pays at least.

Prints a Markdown table on stdout (progress goes to stderr). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from _common import ensure_venv, say

HERE = Path(__file__).resolve().parent

#: The model both tools register: trained by the same code in each interpreter.
TRAIN = textwrap.dedent(
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(20240101)
    X = rng.normal(size=(2000, 20))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=2000) > 0).astype(int)
    model = LogisticRegression(max_iter=500).fit(X, y)
    ROW = X[:1]
    """
)

MLGATE_WARM = TRAIN + textwrap.dedent(
    """
    import json, statistics, sys, time
    import mlgate.registry as registry

    reps, moves = int(sys.argv[1]), int(sys.argv[2])
    out = {"register": [], "move": [], "register_call": [], "move_call": []}
    registry.register_version("bench", model, alias="production")  # warm-up: creates the model
    # one-off calls: each opens and closes the database
    for _ in range(reps):
        started = time.perf_counter()
        registry.register_version("bench", model)
        out["register_call"].append(time.perf_counter() - started)
    for i in range(moves):
        started = time.perf_counter()
        registry.promote("bench", 2 + i % 2, to="production")
        out["move_call"].append(time.perf_counter() - started)
    # a session keeps the database open, as MLflow's client keeps its engine
    with registry.Session.open() as session:
        for _ in range(reps):
            started = time.perf_counter()
            registry.register_version("bench", model, session=session)
            out["register"].append(time.perf_counter() - started)
        for i in range(moves):
            started = time.perf_counter()
            result = registry.promote(
                "bench", 2 + (moves + i) % 2, to="production", session=session
            )
            out["move"].append(time.perf_counter() - started)
            assert result.state == "moved", result
    print(json.dumps(out))
    """
)

MLGATE_LOAD = textwrap.dedent(
    """
    import mlgate.registry as registry
    model = registry.load_model("bench", alias="production")
    print(model.predict([[0.0] * 20])[0])
    """
)

MLFLOW_WARM = TRAIN + textwrap.dedent(
    """
    import json, sys, time, warnings
    warnings.filterwarnings("ignore")
    import mlflow, mlflow.sklearn
    from mlflow import MlflowClient

    reps, moves, uri, artifacts = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    mlflow.set_tracking_uri(uri)
    if mlflow.get_experiment_by_name("bench") is None:
        mlflow.create_experiment("bench", artifact_location=artifacts)
    mlflow.set_experiment("bench")
    client = MlflowClient()

    def log(**extra):
        with mlflow.start_run():
            try:
                info = mlflow.sklearn.log_model(
                    model, name="model", registered_model_name="bench", **extra
                )
            except TypeError:  # MLflow 2 calls it artifact_path
                info = mlflow.sklearn.log_model(
                    model, "model", registered_model_name="bench", **extra
                )
        return info

    log()  # warm-up: creates the registered model
    register, register_pinned, move = [], [], []
    for _ in range(reps):
        started = time.perf_counter()
        log()
        register.append(time.perf_counter() - started)
    for _ in range(reps):
        started = time.perf_counter()
        log(pip_requirements=["scikit-learn"])
        register_pinned.append(time.perf_counter() - started)
    versions = max(int(v.version) for v in client.search_model_versions("name='bench'"))
    client.set_registered_model_alias("bench", "production", str(versions))
    for i in range(moves):
        started = time.perf_counter()
        client.set_registered_model_alias("bench", "production", str(versions - 1 - (i % 2)))
        move.append(time.perf_counter() - started)
    print(json.dumps({"register": register, "register_pinned": register_pinned, "move": move}))
    """
)

MLFLOW_LOAD = textwrap.dedent(
    """
    import sys, warnings
    warnings.filterwarnings("ignore")
    import mlflow, mlflow.pyfunc, numpy as np
    mlflow.set_tracking_uri(sys.argv[1])
    model = mlflow.pyfunc.load_model("models:/bench@production")
    print(model.predict(np.zeros((1, 20)))[0])
    """
)

FLOOR_SAVE = TRAIN + textwrap.dedent(
    """
    import pickle, sys
    with open(sys.argv[1], "wb") as fh:
        pickle.dump(model, fh)
    """
)

FLOOR_LOAD = textwrap.dedent(
    """
    import pickle, sys
    import sklearn.linear_model
    with open(sys.argv[1], "rb") as fh:
        model = pickle.load(fh)
    print(model.predict([[0.0] * 20])[0])
    """
)


def run_json(python: Path | str, code: str, *args: str, env: dict[str, str]) -> dict[str, Any]:
    """Run ``code`` in ``python``; its last stdout line is JSON."""
    result = subprocess.run(
        [str(python), "-c", code, *args], capture_output=True, text=True, env=env, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{python} failed:\n{result.stderr[-4000:]}")
    parsed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


def fresh(python: Path | str, code: str, *args: str, env: dict[str, str], reps: int) -> float:
    """Median wall time of a whole ``python -c code`` process."""
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        result = subprocess.run(
            [str(python), "-c", code, *args], capture_output=True, text=True, env=env, check=False
        )
        times.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise RuntimeError(f"{python} failed:\n{result.stderr[-4000:]}")
    return statistics.median(times)


def ensure_mlflow(venv: Path) -> Path:
    """MLflow (and the same scikit-learn) in its own venv, created once and reused."""
    import sklearn

    return ensure_venv(
        venv, probe="import mlflow", packages=["mlflow", f"scikit-learn=={sklearn.__version__}"]
    )


def version_of(python: Path | str, module: str) -> str:
    """``module.__version__`` as ``python`` sees it."""
    code = f"import {module}; print({module}.__version__)"
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False)
    return result.stdout.strip() or "?"


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def ratio(ours: float, theirs: float | None) -> str:
    return (
        "-"
        if theirs is None
        else f"{theirs / ours:.0f}×"
        if theirs / ours >= 10
        else f"{theirs / ours:.1f}×"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="runs per figure (median)")
    parser.add_argument(
        "--moves", type=int, default=50, help="alias moves per figure (median); they are cheap"
    )
    parser.add_argument("--workdir", type=Path, default=HERE / "_work" / "registry")
    parser.add_argument("--no-mlflow", action="store_true", help="time mlgate only")
    args = parser.parse_args(argv)

    work = args.workdir.resolve()
    shutil.rmtree(work / "mlgate", ignore_errors=True)
    shutil.rmtree(work / "mlflow", ignore_errors=True)
    (work / "mlgate").mkdir(parents=True)
    (work / "mlflow").mkdir(parents=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith("MLGATE_")}
    mlgate_env = {**base, "MLGATE_PROJECT": str(work / "mlgate"), "MLGATE_USER": "bench"}

    say("mlgate: register and move an alias in a warm process")
    ours = run_json(sys.executable, MLGATE_WARM, str(args.reps), str(args.moves), env=mlgate_env)
    say("mlgate: fresh process, load by alias")
    fresh(sys.executable, MLGATE_LOAD, env=mlgate_env, reps=1)  # skops' table cache, page cache
    ours_load = fresh(sys.executable, MLGATE_LOAD, env=mlgate_env, reps=args.reps)

    floor_file = work / "model.pkl"
    run_json(sys.executable, FLOOR_SAVE + "\nprint('{}')", str(floor_file), env=base)
    say("floor: fresh process, import scikit-learn and unpickle")
    floor = fresh(sys.executable, FLOOR_LOAD, str(floor_file), env=base, reps=args.reps)

    theirs: dict[str, Any] = {}
    theirs_load = None
    mlflow_version = "not run"
    if not args.no_mlflow:
        python = ensure_mlflow(HERE / "_work" / "mlflow-venv")
        mlflow_version = version_of(python, "mlflow")
        uri = f"sqlite:///{work / 'mlflow' / 'mlflow.db'}"
        say("MLflow: register and move an alias in a warm process")
        theirs = run_json(
            python,
            MLFLOW_WARM,
            str(args.reps),
            str(args.moves),
            uri,
            str(work / "mlflow" / "artifacts"),
            env=base,
        )
        say("MLflow: fresh process, load by alias")
        fresh(python, MLFLOW_LOAD, uri, env=base, reps=1)
        theirs_load = fresh(python, MLFLOW_LOAD, uri, env=base, reps=args.reps)

    med = statistics.median
    their_register = med(theirs["register"]) if theirs else None
    their_pinned = med(theirs["register_pinned"]) if theirs else None
    their_move = med(theirs["move"]) if theirs else None
    rows = [
        ("register a version", med(ours["register"]), their_register, "≥ 10× faster"),
        (
            "register a version (MLflow given pip requirements)",
            med(ours["register"]),
            their_pinned,
            "",
        ),
        (
            "register a version (mlgate: one-off call, opens and closes the database)",
            med(ours["register_call"]),
            their_register,
            "",
        ),
        ("move an alias", med(ours["move"]), their_move, "≥ 10× faster"),
        (
            "move an alias (mlgate: one-off call, opens and closes the database)",
            med(ours["move_call"]),
            their_move,
            "",
        ),
        ("fresh process: load by alias + 1 prediction", ours_load, theirs_load, "≤ 1.5 s"),
    ]
    lines = [
        f"Median of {args.reps} runs ({args.moves} for alias moves); "
        f"{platform.python_version()}, scikit-learn "
        f"{version_of(sys.executable, 'sklearn')}, MLflow {mlflow_version} (SQLite backend), "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}.",
        "",
        "| operation | mlgate | MLflow | MLflow / mlgate | target |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for name, mine, other, target in rows:
        lines.append(f"| {name} | {fmt(mine)} | {fmt(other)} | {ratio(mine, other)} | {target} |")
    lines.append(
        f"| floor: fresh process, import scikit-learn + unpickle + 1 prediction | "
        f"{fmt(floor)} | | | |"
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
