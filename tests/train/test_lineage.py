"""Lineage: the code version (git or files), the environment, and what differs."""

from __future__ import annotations

import dataclasses
import platform
import subprocess
from pathlib import Path

import pytest

from mlgate import __version__
from mlgate.errors import IntegrityError
from mlgate.train.lineage import Lineage, capture_lineage, diff_lineage, installed_packages


@pytest.fixture
def code(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "data").mkdir(parents=True)
    (root / ".mlgate").mkdir()
    (root / "train.py").write_text("def train(data, params, seed):\n    return None\n")
    (root / "mlgate.yaml").write_text("project: {name: demo}\n")
    (root / "requirements.txt").write_text("scikit-learn\n")
    (root / "data" / "rows.csv").write_text("x\n1\n")
    (root / "notes.md").write_text("not code\n")
    return root


@pytest.fixture
def git(code: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``code`` as a git repository with one commit."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{key}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{key}_EMAIL", "test@example.org")
    _run(code, "init", "-q")
    _run(code, "add", "train.py", "mlgate.yaml")
    _run(code, "commit", "-q", "-m", "first")
    return code


def _run(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=folder, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_without_git_the_source_files_are_hashed(code: Path) -> None:
    first = capture_lineage(code)
    assert first.code.kind == "files"
    assert first.code.n_files == 3  # train.py, mlgate.yaml, requirements.txt

    (code / "data" / "rows.csv").write_text("x\n2\n")
    (code / ".mlgate" / "state.py").write_text("x = 1\n")
    (code / "notes.md").write_text("changed\n")
    assert capture_lineage(code).code == first.code

    (code / "train.py").write_text("def train(data, params, seed):\n    return 1\n")
    changed = capture_lineage(code)
    assert changed.code.files_hash != first.code.files_hash
    assert (
        diff_lineage(first, changed)
        == [
            f"code changed: files {first.code.files_hash[:12]} (3 files) → "  # type: ignore[index]
            f"files {changed.code.files_hash[:12]} (3 files)"  # type: ignore[index]
        ]
    )


def test_with_git_the_commit_and_uncommitted_changes(git: Path) -> None:
    clean = capture_lineage(git)
    assert clean.code.kind == "git"
    assert clean.code.commit == _run(git, "rev-parse", "HEAD")
    assert not clean.code.dirty

    (git / "data" / "rows.csv").write_text("untracked files do not count\n")
    assert capture_lineage(git).code == clean.code

    (git / "train.py").write_text("def train(data, params, seed):\n    return 2\n")
    dirty = capture_lineage(git)
    assert dirty.code.dirty
    assert dirty.code.commit == clean.code.commit
    assert diff_lineage(clean, dirty) == [
        f"code changed: uncommitted changes differ on commit {clean.code.commit[:12]}"
    ]

    _run(git, "commit", "-q", "-am", "second")
    committed = capture_lineage(git).code.commit
    assert committed is not None
    assert diff_lineage(clean, capture_lineage(git)) == [
        f"code changed: commit {clean.code.commit[:12]} → commit {committed[:12]}"
    ]


def test_environment_and_extra(code: Path) -> None:
    lineage = capture_lineage(code, extra={"seed": 3, "params": {"C": 1.0}, "snapshot": "ab12"})
    assert lineage.python == platform.python_version()
    assert lineage.mlgate == __version__
    assert lineage.packages == installed_packages()
    assert any(line.startswith("numpy==") for line in lineage.packages)
    names = [line.partition("==")[0] for line in lineage.packages]
    assert names == sorted(set(names))
    assert Lineage.from_dict(lineage.to_dict()) == lineage
    with pytest.raises(TypeError):
        capture_lineage(code, extra={"when": object()})


def test_diff_names_packages_python_and_extra(code: Path) -> None:
    a = capture_lineage(code, extra={"seed": 3, "params": {"C": 1.0, "k": 2}, "snapshot": "ab12"})
    b = dataclasses.replace(
        a,
        packages=("numpy==2.0.0", "pandas==2.2.0", "ray==2.9.0"),
        packages_hash="other",
        python="3.12.1",
        extra={"seed": 4, "params": {"C": 2.0, "k": 2}},
    )
    a = dataclasses.replace(a, packages=("numpy==1.26.4", "pandas==2.2.0", "scipy==1.13.0"))
    assert diff_lineage(a, b) == [
        f"python changed: cpython {a.python} → cpython 3.12.1",
        "package numpy 1.26.4 → 2.0.0",
        "package ray 2.9.0 was added",
        "package scipy 1.13.0 was removed",
        "params.C changed: 1.0 → 2.0",
        "seed changed: 3 → 4",
        'snapshot was removed (was "ab12")',
    ]
    assert diff_lineage(a, a) == []


def test_a_malformed_lineage() -> None:
    with pytest.raises(IntegrityError, match="the stored lineage is malformed"):
        Lineage.from_dict({"code": {"kind": "svn"}})
