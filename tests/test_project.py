"""``mlgate.init``: a runnable example project, written whole or not at all."""

from __future__ import annotations

import errno
import importlib.util
from pathlib import Path
from typing import Any

import pytest

import mlgate
import mlgate.project
from mlgate.errors import ConflictError, StorageError, UsageError
from mlgate.project import DATA_FILE, InitFile, init
from mlgate.spec import load_spec

EXAMPLE = {"mlgate.yaml", "train.py", "data/breast_cancer.parquet", "README.md", ".gitignore"}


def _state(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _load_train(project: Path) -> Any:
    spec = importlib.util.spec_from_file_location("example_train", project / "train.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.train


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One example project, written once for the read-only tests of this module."""
    project = tmp_path_factory.mktemp("example") / "demo"
    init(project)
    return project


def test_init_writes_the_example(tmp_path: Path) -> None:
    project = tmp_path / "a" / "b" / "churn"
    result = init(project)
    assert result.project == project
    assert result.name == "churn"
    assert {file.path.as_posix() for file in result.files} == EXAMPLE
    assert all(file.action == "created" for file in result.files)
    assert set(_state(project)) == EXAMPLE
    assert {path.as_posix() for path in result.written} == EXAMPLE


def test_init_is_the_public_api(tmp_path: Path) -> None:
    assert mlgate.init is init
    assert mlgate.init(tmp_path).name == tmp_path.name.lower()


def test_example_spec_passes_validation_with_every_section(example: Path) -> None:
    spec = load_spec(project=example)
    assert spec.project.name == "demo"
    assert spec.model_name == "demo"
    assert spec.data.label == "target"
    assert spec.train.function == "train:train"
    assert spec.evaluate.slices == ("region",)
    assert len(spec.gates) == 5
    assert "production" in spec.deploy
    assert spec.triggers.degradation is not None
    text = (example / "mlgate.yaml").read_text(encoding="utf-8")
    for section in (
        "project",
        "data",
        "train",
        "evaluate",
        "gates",
        "confidence",
        "register",
        "registry",
        "deploy",
        "monitor",
        "triggers",
        "executor",
    ):
        assert f"\n{section}:" in text, section
    blocks = text.split("\n\n")
    assert all(block.lstrip().startswith("#") for block in blocks), "every block has a comment"


def test_example_data_is_breast_cancer_with_regions(example: Path) -> None:
    import pandas as pd

    frame = pd.read_parquet(example / DATA_FILE)
    assert frame.shape == (569, 32)
    assert list(frame.columns[-2:]) == ["region", "target"]
    assert set(frame["target"]) == {0, 1}
    counts = frame["region"].value_counts()
    assert set(counts.index) == {"north", "south", "east", "west"}
    assert counts.min() >= 30, "every region has enough rows to slice on"
    assert not frame.isna().any().any()


def test_example_data_is_the_same_bytes_every_time(example: Path, tmp_path: Path) -> None:
    init(tmp_path / "again")
    assert (tmp_path / "again" / DATA_FILE).read_bytes() == (example / DATA_FILE).read_bytes()


def test_example_train_function_fits_a_good_model(example: Path) -> None:
    import pandas as pd
    from sklearn.metrics import accuracy_score

    frame = pd.read_parquet(example / DATA_FILE)
    train_rows, holdout = frame.iloc[:450], frame.iloc[450:]
    train = _load_train(example)
    model = train(train_rows, {"C": 1.0, "max_iter": 1000}, 0)
    predictions = model.predict(holdout.drop(columns=["target"]))
    assert accuracy_score(holdout["target"], predictions) > 0.9
    again = train(train_rows, {"C": 1.0, "max_iter": 1000}, 0)
    assert (
        again.predict_proba(holdout.drop(columns=["target"]))
        == model.predict_proba(holdout.drop(columns=["target"]))
    ).all()


def test_gitignore_ignores_the_state_folder(example: Path) -> None:
    lines = (example / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".mlgate/" in lines


def test_name_option_and_names_that_need_quotes(tmp_path: Path) -> None:
    for name in ("2024", "true", "null", "1e3", "my.model_v2"):
        folder = tmp_path / f"p-{name}"
        assert init(folder, name=name).name == name
        assert load_spec(project=folder).project.name == name


def test_default_name_comes_from_the_folder(tmp_path: Path) -> None:
    assert init(tmp_path / "My Project!").name == "my-project"
    assert init(tmp_path / "___").name == "mlgate-project"


def test_existing_readme_is_kept_and_gitignore_appended(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# mine\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("*.pyc", encoding="utf-8")
    result = init(tmp_path)
    actions = {file.path.as_posix(): file.action for file in result.files}
    assert actions["README.md"] == "kept"
    assert actions[".gitignore"] == "appended"
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "# mine\n"
    gitignore = (tmp_path / ".gitignore").read_text(encoding="utf-8")
    assert gitignore.startswith("*.pyc\n")
    assert gitignore.count(".mlgate/") == 1
    # force rewrites the project files, leaves a .gitignore that already ignores .mlgate/
    result = init(tmp_path, force=True)
    actions = {file.path.as_posix(): file.action for file in result.files}
    assert actions[".gitignore"] == "kept"
    assert actions["mlgate.yaml"] == "overwritten"
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == gitignore


# --- refusals: a clear error and nothing written -----------------------------------------


def test_refuses_when_mlgate_yaml_exists(tmp_path: Path) -> None:
    (tmp_path / "mlgate.yaml").write_text("project: {name: mine}\n", encoding="utf-8")
    before = _state(tmp_path)
    with pytest.raises(ConflictError, match=r"already has mlgate\.yaml") as info:
        init(tmp_path)
    assert "--force" in str(info.value)
    assert info.value.exit_code == 4
    assert _state(tmp_path) == before


def test_refuses_when_train_py_exists(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("print('mine')\n", encoding="utf-8")
    before = _state(tmp_path)
    with pytest.raises(ConflictError, match=r"already has train\.py"):
        init(tmp_path)
    assert _state(tmp_path) == before


def test_force_overwrites_the_project_files(tmp_path: Path) -> None:
    init(tmp_path)
    (tmp_path / "mlgate.yaml").write_text("broken: [\n", encoding="utf-8")
    result = init(tmp_path, force=True)
    assert InitFile(Path("mlgate.yaml"), "overwritten") in result.files
    assert load_spec(project=tmp_path).project.name == tmp_path.name.lower()


def test_refuses_a_file_as_destination(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(ConflictError, match="is a file, not a folder"):
        init(target)
    assert _state(tmp_path) == {"notes.txt": b"x"}


def test_refuses_a_file_where_the_data_folder_goes(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("x", encoding="utf-8")
    with pytest.raises(ConflictError, match="data is a file"):
        init(tmp_path, force=True)
    assert _state(tmp_path) == {"data": b"x"}


def test_refuses_a_folder_where_a_file_goes(tmp_path: Path) -> None:
    (tmp_path / "train.py").mkdir()
    with pytest.raises(ConflictError, match=r"train\.py is a folder"):
        init(tmp_path, force=True)
    assert _state(tmp_path) == {}


@pytest.mark.parametrize("name", ["", "-x", "has space", "a/b", "x" * 65, "é"])
def test_refuses_a_bad_name(tmp_path: Path, name: str) -> None:
    project = tmp_path / "p"
    with pytest.raises(UsageError, match="is not a valid project name"):
        init(project, name=name)
    assert not project.exists()


def test_a_failed_write_removes_what_it_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = mlgate.project._atomic_write
    calls: list[Path] = []

    def disk_full_on_the_third_file(target: Path, content: bytes) -> None:
        calls.append(target)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real(target, content)

    monkeypatch.setattr(mlgate.project, "_atomic_write", disk_full_on_the_third_file)
    project = tmp_path / "new" / "proj"
    with pytest.raises(StorageError, match="No space left on device") as info:
        init(project)
    assert "removed" in str(info.value)
    assert len(calls) == 3
    assert not (tmp_path / "new").exists()
    assert _state(tmp_path) == {}
