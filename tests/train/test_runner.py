"""The runner: user code in a child process, whatever it does; seeds; parallel jobs."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from mlgate.errors import ConfigError, TrainingError, UsageError
from mlgate.train.flavors import load_model
from mlgate.train.runner import TrainedModel, TrainInputs, TrainJob, train_one, train_seeds

from .conftest import LABEL

MakeJob = Callable[..., TrainJob]


def _gone(pid: int) -> bool:
    """Whether no process ``pid`` runs (a zombie whose parent has not reaped it counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ", 1)[1].startswith("Z")
    except OSError:
        return True


def test_trains_saves_checks_and_signs(make_job: MakeJob, inputs: TrainInputs) -> None:
    job = make_job("train:forest", seed=3, params={"trees": 4})
    trained = train_one(job)

    data = trained.read_bytes()
    assert trained.size == len(data)
    holdout = pd.read_parquet(inputs.holdout)
    model = load_model(data, flavor="sklearn")
    assert model.n_estimators == 4
    assert model.random_state == 3
    assert model.predict(holdout.drop(columns=[LABEL])).shape == (len(holdout),)
    assert trained.signature.names == tuple(c for c in holdout.columns if c != LABEL)
    assert (trained.n_train, trained.n_holdout) == (
        len(pd.read_parquet(inputs.train)),
        len(holdout),
    )
    assert 0 < trained.fit_seconds < trained.seconds
    assert "training a forest with {'trees': 4} and seed 3" in trained.log_path.read_text()


def test_same_seed_gives_the_same_model_hash_in_parallel_runs(make_job: MakeJob) -> None:
    jobs = [make_job("train:forest", seed=seed) for seed in (11, 12)]
    first = train_seeds(jobs, workers=2)
    again = train_one(make_job("train:forest", seed=11))

    assert [t.seed for t in first] == [11, 12]
    assert again.digest == first[0].digest
    assert first[1].digest != first[0].digest
    assert again.model_path.read_bytes() == first[0].model_path.read_bytes()


def test_the_child_seeds_hashing_random_and_numpy(make_job: MakeJob) -> None:
    def seen(trained: TrainedModel) -> dict[str, object]:
        model = load_model(trained.read_bytes(), flavor="python", allow_pickle=True)
        values: dict[str, object] = model.values
        return values

    five, six = train_seeds([make_job("train:seeded", seed=s, flavor="python") for s in (5, 6)])
    again = train_one(make_job("train:seeded", seed=5, flavor="python"))

    assert seen(five) == seen(again)
    assert seen(five)["hashseed"] == "5"
    assert all(seen(five)[key] != seen(six)[key] for key in ("hash", "random", "numpy"))


def test_the_users_exception_with_their_traceback(make_job: MakeJob, project: Path) -> None:
    with pytest.raises(
        TrainingError, match=r"train:raises raised ValueError: the data is wrong \(seed 0\)"
    ) as info:
        train_one(make_job("train:raises"))

    error = info.value
    assert error.where == f"{project / 'train.py'}:{_line(project, 'raise ValueError')}"
    assert error.traceback is not None
    assert "in _check" in error.traceback
    assert "in raises" in error.traceback
    assert "mlgate" not in error.traceback.replace(str(project), "")
    assert error.log_path is not None
    assert Path(error.log_path).is_file()
    assert error.log_path in str(error)


def _line(project: Path, text: str) -> int:
    lines = (project / "train.py").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def test_sys_exit_is_reported_not_obeyed(make_job: MakeJob) -> None:
    with pytest.raises(TrainingError, match=r"train:exits called sys.exit\(3\)"):
        train_one(make_job("train:exits"))


def test_a_hang_past_the_timeout_is_stopped_with_everything_it_started(
    make_job: MakeJob, project: Path
) -> None:
    job = make_job("train:hangs", timeout=2)
    start = time.monotonic()
    with pytest.raises(TrainingError, match=r"train:hangs did not finish within 2 s") as info:
        train_one(job)

    assert time.monotonic() - start < 15
    assert re.search(r'File ".*train\.py", line \d+ in hangs', str(info.value))
    assert "Raise train.timeout" in str(info.value)
    child = int((project / "pid.txt").read_text())
    grandchild = int((project / "grandchild.txt").read_text())
    assert _gone(child)
    assert _gone(grandchild)


def test_a_process_killed_by_a_signal(make_job: MakeJob) -> None:
    with pytest.raises(TrainingError, match=r"was killed by SIGKILL \(out of memory\?"):
        train_one(make_job("train:dies"))


def test_a_process_that_exits_without_a_word(make_job: MakeJob) -> None:
    with pytest.raises(TrainingError, match=r"exited with code 7"):
        train_one(make_job("train:quits"))


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ("train:not_a_model", r"returned a builtins\.dict, which has no predict method"),
        ("train:forgets_return", r"returned None \(is a `return model` missing\?\)"),
        ("train:wrong_shape", r"predicted an array of shape \(\d+,\) for \d+ holdout rows"),
    ],
)
def test_results_that_are_not_usable_models(
    make_job: MakeJob, inputs: TrainInputs, function: str, message: str
) -> None:
    job = make_job(function)
    with pytest.raises(TrainingError, match=message) as info:
        train_one(job)
    assert not (job.work_dir / "model.bin").exists()
    if function == "train:wrong_shape":
        n = len(pd.read_parquet(inputs.holdout))
        assert f"shape ({n // 2},) for {n} holdout rows; expected ({n},)" in str(info.value)


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ("train:forst", r"the module 'train' has no function 'forst'; did you mean 'forest'\?"),
        ("trian:forest", r"there is no module 'trian' .*; did you mean 'train'\?"),
        ("train:two_args", r"cannot be called as two_args\(data, params, seed\)"),
    ],
)
def test_a_wrong_function_name_is_a_config_error(
    make_job: MakeJob, function: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        train_one(make_job(function))


def test_a_module_that_fails_to_import(make_job: MakeJob, project: Path) -> None:
    (project / "broken.py").write_text("import numpy\n\nVALUE = 1 / 0\n")
    with pytest.raises(
        TrainingError, match="importing the module 'broken' failed: ZeroDivisionError"
    ) as info:
        train_one(make_job("broken:train"))
    assert info.value.where == f"{project / 'broken.py'}:3"


def test_a_model_skops_cannot_vouch_for_needs_the_python_flavor(make_job: MakeJob) -> None:
    with pytest.raises(ConfigError, match=r"'train\.Majority'.*train\.flavor: python"):
        train_one(make_job("train:majority"))

    trained = train_one(make_job("train:majority", flavor="python"))
    # The user's class travels inside the pickle: this process cannot import train.py.
    assert "train" not in sys.modules
    model = load_model(trained.read_bytes(), flavor="python", allow_pickle=True)
    assert model.predict(pd.DataFrame({"a": [1, 2]})).tolist() == [1, 1]


def test_a_training_command_writes_the_model(make_job: MakeJob, project: Path) -> None:
    (project / "make_model.py").write_text(
        "import json, os, cloudpickle, numpy as np, pandas as pd\n"
        "data = pd.read_parquet(os.environ['MLGATE_TRAIN_DATA'])\n"
        "params = json.loads(os.environ['MLGATE_PARAMS'])\n"
        "class Constant:\n"
        "    def predict(self, X):\n"
        "        return np.full(len(X), params['value'])\n"
        "with open(os.environ['MLGATE_MODEL_PATH'], 'wb') as fh:\n"
        "    cloudpickle.dump(Constant(), fh)\n"
        "env = os.environ\n"
        "print('rows', len(data), 'label', env['MLGATE_LABEL'], 'seed', env['MLGATE_SEED'])\n"
    )
    job = make_job(
        command=(sys.executable, "make_model.py"), params={"value": 1}, flavor="python", seed=5
    )
    trained = train_one(job)
    assert f"label {LABEL} seed 5" in trained.log_path.read_text()
    model = load_model(trained.read_bytes(), flavor="python", allow_pickle=True)
    assert model.predict([[0], [0]]).tolist() == [1, 1]


def test_a_failing_training_command(make_job: MakeJob) -> None:
    job = make_job(command=(sys.executable, "-c", "import sys; sys.exit(2)"))
    with pytest.raises(TrainingError, match=r"the training command `.*` exited with code 2"):
        train_one(job)


def test_seeds_run_in_parallel_and_the_first_failure_is_raised(make_job: MakeJob) -> None:
    jobs = [make_job("train:exits", seed=1), make_job("train:raises", seed=2)]
    with pytest.raises(TrainingError, match=r"train:exits called sys.exit\(3\) \(seed 1\)"):
        train_seeds(jobs, workers=2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seed": -1}, r"a seed must be an integer ≥ 0, got -1"),
        ({"function": None}, r"exactly one of function or command"),
        ({"command": ("python",)}, r"exactly one of function or command"),
        ({"timeout": 0}, r"the timeout must be a positive number of seconds"),
        ({"flavor": "onnx"}, r"unknown model flavor 'onnx'"),
    ],
)
def test_a_bad_job_changes_nothing(
    make_job: MakeJob, change: dict[str, object], message: str
) -> None:
    import dataclasses

    job = dataclasses.replace(make_job("train:forest"), **change)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match=message):
        train_one(job)
    assert not job.work_dir.exists()


def test_params_must_be_json(make_job: MakeJob) -> None:
    job = make_job("train:forest", params={"when": object()})
    with pytest.raises(ConfigError, match=r"train\.params cannot be passed"):
        train_one(job)
    assert not job.work_dir.exists()


def test_train_seeds_refuses_repeated_seeds_and_shared_folders(make_job: MakeJob) -> None:
    import dataclasses

    one = make_job("train:forest", seed=1)
    with pytest.raises(UsageError, match=r"the seeds \[1, 1\] repeat a seed"):
        train_seeds([one, make_job("train:forest", seed=1)])
    with pytest.raises(UsageError, match="its own work folder"):
        train_seeds([one, dataclasses.replace(one, seed=2)])
    with pytest.raises(UsageError, match="workers must be at least 1"):
        train_seeds([one], workers=0)
    assert train_seeds([]) == []


def test_job_files_are_json(make_job: MakeJob) -> None:
    job = make_job("train:raises", params={"C": 0.5})
    with pytest.raises(TrainingError):
        train_one(job)
    spec = json.loads((job.work_dir / "job.json").read_text())
    assert spec["params"] == {"C": 0.5}
    assert spec["function"] == "train:raises"
