"""Finding ``module:function`` in a project, with and without running its code."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.errors import ConfigError, TrainingError
from mlgate.train.contract import locate_function, parse_target, resolve_function

TRAIN_PY = """\
import pandas as pd


def fit(data, params, seed):
    return None


def fit_two(data, params):
    return None


def helper(x):
    return x


CONSTANT = 3
"""


@pytest.fixture
def code(tmp_path: Path) -> Path:
    root = tmp_path / "code"
    (root / "models").mkdir(parents=True)
    (root / "train.py").write_text(TRAIN_PY)
    (root / "models" / "__init__.py").write_text("")
    (root / "models" / "forest.py").write_text(
        "def train(data, params, seed, *, extra=1):\n    pass\n"
    )
    (root / "trainer.py").write_text("")
    return root


@pytest.mark.parametrize("target", ["train", "train:", ":fit", "a:b:c"])
def test_parse_target_refuses_what_is_not_module_function(target: str) -> None:
    with pytest.raises(ConfigError, match="is not a 'module:function' reference"):
        parse_target(target)


def test_locate_finds_the_function_without_running_the_code(code: Path) -> None:
    (code / "train.py").write_text(TRAIN_PY + "\nraise SystemExit('never run')\n")
    location = locate_function("train:fit", project=code)
    assert (location.path, location.line, location.params) == (
        code / "train.py",
        4,
        ("data", "params", "seed"),
    )
    assert locate_function("models.forest:train", project=code).params is None  # has a keyword-only


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("train:fitt", r"the module 'train' has no function 'fitt'; did you mean 'fit'"),
        (
            "trainn:fit",
            r"there is no module 'trainn' in the project folder "
            r".*did you mean 'train' or 'trainer'\?",
        ),
        (
            "models.forst:train",
            r"no module 'models.forst' in the package models .*did you mean 'forest'",
        ),
        (
            "train:fit_two",
            r"takes \(data, params\), but mlgate calls it as fit_two\(data, params, seed\)",
        ),
    ],
)
def test_locate_explains_what_is_wrong(code: Path, target: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        locate_function(target, project=code)


def test_locate_sees_functions_bound_in_blocks_and_trusts_star_imports(code: Path) -> None:
    (code / "guarded.py").write_text(
        "try:\n    from fast import fit\nexcept ImportError:\n"
        "    def fit(data, params, seed):\n        return None\n"
    )
    (code / "star.py").write_text("from train import *\n")
    assert locate_function("guarded:fit", project=code).line == 2
    assert locate_function("star:anything", project=code).params is None


def test_locate_gives_the_line_of_a_wrong_signature(code: Path) -> None:
    with pytest.raises(ConfigError) as info:
        locate_function("train:fit_two", project=code)
    assert info.value.where == f"{code / 'train.py'}:8"


def test_locate_reports_a_syntax_error_with_its_position(code: Path) -> None:
    (code / "train.py").write_text("def fit(data, params, seed)\n    pass\n")
    with pytest.raises(ConfigError, match="has a syntax error") as info:
        locate_function("train:fit", project=code)
    assert info.value.where is not None
    assert info.value.where.startswith(f"{code / 'train.py'}:1:")


@pytest.mark.usefixtures("clean_imports")
def test_resolve_imports_and_checks(code: Path) -> None:
    fn = resolve_function("train:fit", project=code)
    assert fn(None, {}, 0) is None
    assert resolve_function("models.forest:train", project=code).__name__ == "train"


@pytest.mark.usefixtures("clean_imports")
@pytest.mark.parametrize(
    ("target", "error", "message"),
    [
        (
            "train:fitt",
            ConfigError,
            r"no function 'fitt'; did you mean 'fit' or 'fit_two'\?"
            r".*Functions defined there: fit, fit_two, helper\.",
        ),
        (
            "train:CONSTANT",
            ConfigError,
            r"train:CONSTANT is not a function: it is a value of type int",
        ),
        (
            "train:fit_two",
            ConfigError,
            r"train:fit_two\(data, params\) cannot be called as fit_two\(data, params, seed\)",
        ),
        ("train:helper", ConfigError, r"cannot be called as helper\(data, params, seed\)"),
        ("nothere:fit", ConfigError, r"there is no module 'nothere'"),
    ],
)
def test_resolve_explains_what_is_wrong(
    code: Path, target: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        resolve_function(target, project=code)


@pytest.mark.usefixtures("clean_imports")
def test_a_missing_import_inside_user_code_is_their_error(code: Path) -> None:
    (code / "broken.py").write_text("import a_package_that_is_not_installed\n")
    with pytest.raises(
        TrainingError, match=r"importing the module 'broken' failed: ModuleNotFoundError"
    ) as info:
        resolve_function("broken:fit", project=code)
    assert info.value.where == f"{code / 'broken.py'}:1"
    assert info.value.traceback is not None
    assert "a_package_that_is_not_installed" in info.value.traceback
