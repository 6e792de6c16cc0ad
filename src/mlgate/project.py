"""``mlgate init``: write a commented, runnable example project.

The project has every section of mlgate.yaml filled in, a training function in
``train.py``, and a small real data set: scikit-learn's bundled breast-cancer
data (569 rows, no download) as Parquet, with a synthetic but deterministic
``region`` column so slice gates have something to slice on.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from mlgate.config import SPEC_FILE, STATE_DIR
from mlgate.errors import ConflictError, StorageError, UsageError

__all__ = [
    "CI_PROVIDERS",
    "DATA_FILE",
    "InitFile",
    "InitResult",
    "breast_cancer_parquet",
    "ci_workflow",
    "init",
]

#: The example data set, relative to the project.
DATA_FILE = Path("data") / "breast_cancer.parquet"

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_REGIONS = ("north", "south", "east", "west")
_REGION_SHARES = (0.4, 0.3, 0.2, 0.1)
_REGION_SEED = 20240611

Action = Literal["created", "overwritten", "appended", "kept"]

#: CI systems ``mlgate init --ci`` writes a workflow for.
CI_PROVIDERS = ("github",)


@dataclass(frozen=True)
class InitFile:
    """One file of the new project and what :func:`init` did with it."""

    path: Path
    """Relative to the project folder."""
    action: Action
    """created, overwritten (with ``force``), appended (.gitignore) or kept (an existing README)."""


@dataclass(frozen=True)
class InitResult:
    """What :func:`init` wrote."""

    project: Path
    """The project folder (absolute)."""
    name: str
    """The project's name, as written in mlgate.yaml."""
    files: tuple[InitFile, ...]
    """Every file of the example, in the order written."""

    @property
    def written(self) -> tuple[Path, ...]:
        """The files created, overwritten or appended to."""
        return tuple(file.path for file in self.files if file.action != "kept")


def init(dest: Path, *, name: str | None = None, force: bool = False) -> InitResult:
    """Write an example project into ``dest`` (created if missing).

    ``name`` defaults to the folder's name. Refuses with
    :class:`~mlgate.errors.ConflictError`, writing nothing, when the project's
    files (mlgate.yaml, train.py, the data file) already exist, unless
    ``force``; an existing README.md is kept and an existing .gitignore gets
    ``.mlgate/`` appended.
    """
    folder = Path(os.path.abspath(dest))
    if folder.exists() and not folder.is_dir():
        raise ConflictError(
            "is a file, not a folder", where=str(dest), hint="Choose a folder for the project."
        )
    project_name = _project_name(folder, name)
    files = _render(folder, project_name)
    plan = _plan(folder, files, force=force)
    return InitResult(project=folder, name=project_name, files=_write(folder, files, plan))


# -- what to write


def _project_name(folder: Path, name: str | None) -> str:
    if name is not None:
        if not _NAME.match(name):
            raise UsageError(
                f"{name!r} is not a valid project name",
                hint="Use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or "
                "digit (e.g. --name churn).",
            )
        return name
    derived = re.sub(r"[^a-z0-9._-]+", "-", folder.name.lower()).strip("-._")[:64]
    return derived or "mlgate-project"


def _template(name: str) -> str:
    return (
        resources.files("mlgate")
        .joinpath("templates")
        .joinpath("project")
        .joinpath(f"{name}.tmpl")
        .read_text(encoding="utf-8")
    )


def _yaml_scalar(text: str) -> str:
    """``text`` as a YAML scalar that reads back as the same string."""
    from ruamel.yaml import YAML

    value = YAML(typ="safe").load(text)
    return text if value == text else f"'{text}'"


def _render(folder: Path, name: str) -> dict[Path, bytes]:
    from mlgate.spec import parse_spec

    spec = _template("mlgate.yaml").replace("{{ name }}", _yaml_scalar(name))
    parse_spec(spec, path=folder / SPEC_FILE)  # the example must always be valid
    return {
        Path(SPEC_FILE): spec.encode(),
        Path("train.py"): _template("train.py").replace("{{ name }}", name).encode(),
        DATA_FILE: breast_cancer_parquet(),
        Path("README.md"): _template("README.md").replace("{{ name }}", name).encode(),
        Path(".gitignore"): _template("gitignore").encode(),
    }


def breast_cancer_parquet() -> bytes:
    """scikit-learn's bundled breast-cancer data with a seeded ``region`` column, as Parquet.

    The same bytes every time (for one pyarrow version), so its snapshot id is stable.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    rng = np.random.default_rng(_REGION_SEED)
    region = rng.choice(np.array(_REGIONS), size=len(frame), p=np.array(_REGION_SHARES))
    frame.insert(len(frame.columns) - 1, "region", [str(value) for value in region])
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _plan(folder: Path, files: dict[Path, bytes], *, force: bool) -> dict[Path, Action]:
    """What to do with each file; raise before anything is written if something is in the way."""
    plan: dict[Path, Action] = {}
    in_the_way: list[str] = []
    for relative in files:
        target = folder / relative
        for parent in reversed(relative.parents[:-1]):
            if (folder / parent).exists() and not (folder / parent).is_dir():
                raise ConflictError(
                    f"{parent} is a file, but the example puts {relative} inside a folder there",
                    where=str(folder / parent),
                    hint="Move the file away, or choose another folder.",
                )
        if target.is_dir():
            raise ConflictError(
                f"{relative} is a folder",
                where=str(target),
                hint="Move it away, or choose another folder.",
            )
        exists = target.exists()
        if relative == Path("README.md"):
            plan[relative] = "kept" if exists else "created"
        elif relative == Path(".gitignore"):
            plan[relative] = _gitignore_action(target) if exists else "created"
        elif exists:
            in_the_way.append(str(relative))
            plan[relative] = "overwritten"
        else:
            plan[relative] = "created"
    if in_the_way and not force:
        raise ConflictError(
            "the folder already has " + ", ".join(in_the_way),
            where=str(folder),
            hint="Nothing was written. Pass --force to overwrite those files, "
            "or choose another folder.",
        )
    return plan


def _gitignore_action(target: Path) -> Action:
    try:
        lines = target.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise StorageError(f"cannot read .gitignore: {exc.strerror}", where=str(target)) from None
    ignored = {line.strip().rstrip("/") for line in lines}
    return "kept" if STATE_DIR in ignored or f"/{STATE_DIR}" in ignored else "appended"


# -- CI workflow


def ci_workflow(dest: Path, *, provider: str = "github", force: bool = False) -> InitFile:
    """Write the CI workflow that runs ``mlgate ci`` for the project in ``dest``.

    For ``github``: ``.github/workflows/mlgate.yml`` at the root of the git
    repository that holds the project (the project folder itself when it is not
    in one), running in the project's folder. Refuses with
    :class:`~mlgate.errors.ConflictError` if the file exists, unless ``force``.
    """
    if provider not in CI_PROVIDERS:
        raise UsageError(
            f"mlgate cannot write a workflow for {provider!r}",
            hint="Supported: " + ", ".join(CI_PROVIDERS) + " (e.g. --ci github).",
        )
    folder = Path(os.path.abspath(dest))
    root = next((p for p in (folder, *folder.parents) if (p / ".git").exists()), folder)
    inside = Path(os.path.relpath(folder, root)).as_posix()
    prefix = "" if inside == "." else f"{inside}/"
    text = (
        resources.files("mlgate")
        .joinpath("templates")
        .joinpath("ci")
        .joinpath(f"{provider}.yml.tmpl")
        .read_text(encoding="utf-8")
        .replace("{{ working_directory }}", inside)
        .replace("{{ state_path }}", f"{prefix}{STATE_DIR}")
        .replace("{{ report_path }}", f"{prefix}mlgate-report")
    )
    target = root / ".github" / "workflows" / "mlgate.yml"
    exists = target.exists()
    if exists and not force:
        raise ConflictError(
            "the workflow already exists",
            where=str(target),
            hint="Nothing was written. Pass --force to overwrite it.",
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(target, text.encode())
    except OSError as exc:
        raise StorageError(
            f"cannot write the workflow: {exc.strerror or exc}",
            where=str(exc.filename or target),
            hint="Check the folder's permissions and free space.",
        ) from None
    return InitFile(Path(os.path.relpath(target, folder)), "overwritten" if exists else "created")


# -- writing


def _write(
    folder: Path, files: dict[Path, bytes], plan: dict[Path, Action]
) -> tuple[InitFile, ...]:
    created: list[Path] = []
    made_folders: list[Path] = []
    done: list[InitFile] = []
    try:
        for directory in (folder, *(folder / rel.parent for rel in files)):
            missing = [p for p in (directory, *directory.parents) if not p.exists()]
            for path in reversed(missing):
                path.mkdir()
                made_folders.append(path)
        for relative, content in files.items():
            action = plan[relative]
            target = folder / relative
            if action == "kept":
                pass
            elif action == "appended":
                existing = target.read_bytes()
                separator = b"" if not existing or existing.endswith(b"\n") else b"\n"
                _atomic_write(target, existing + separator + content)
            else:
                _atomic_write(target, content)
                if action == "created":
                    created.append(target)
            done.append(InitFile(relative, action))
    except OSError as exc:
        for path in reversed(created):
            path.unlink(missing_ok=True)
        for path in reversed(made_folders):
            with contextlib.suppress(OSError):
                path.rmdir()
        raise StorageError(
            f"cannot write the project: {exc.strerror or exc}",
            where=str(exc.filename or folder),
            hint="Check the folder's permissions and free space; "
            "the files created so far were removed.",
        ) from None
    return tuple(done)


def _atomic_write(target: Path, content: bytes) -> None:
    """Temp file in the same folder, fsync, rename: a crash leaves the old file or the new one."""
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    # os.open with 0o666 lets the umask decide the mode, as for any file the user creates
    handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
