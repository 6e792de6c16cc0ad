"""Lineage: what code and environment made a model, and what differs between two of them.

:func:`capture_lineage` records the code version (the git commit plus a BLAKE3
hash of ``git diff HEAD``, i.e. uncommitted changes to tracked files; or, with
no git, a BLAKE3 hash of the project's source files), the Python version, the
platform, every installed distribution as ``name==version`` with a hash of that
list, and the mlgate version. The caller adds the rest of what DESIGN.md calls
lineage (snapshot id, params, seed, flavor, run id) in ``extra``.

:func:`diff_lineage` names what differs between two lineages in sentences
(``code changed: commit 1a2b3c4 → 5d6e7f8``, ``package numpy 1.26.4 → 2.0.0``),
which ``mlgate verify`` prints when a model does not reproduce.

The package list is read once per process; capturing a lineage then costs two
short ``git`` calls (or one walk over the project's source files).
"""

from __future__ import annotations

import functools
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import blake3

from mlgate import _version
from mlgate.errors import IntegrityError

__all__ = [
    "CODE_PATTERNS",
    "SOURCE_PATTERNS",
    "CodeVersion",
    "Lineage",
    "capture_lineage",
    "diff_lineage",
    "installed_packages",
    "source_hash",
]

#: Files hashed as the code version of a project that is not in git.
SOURCE_PATTERNS = ("*.py", "mlgate.yaml", "requirements*", "pyproject.toml", "setup.cfg")
_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".mlgate",
        ".dvc",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
    }
)
_FORMAT = 1
_GIT_TIMEOUT = 30


@dataclass(frozen=True)
class CodeVersion:
    """The version of the project's code.

    ``kind`` is ``git`` (``commit`` plus ``changes``, the hash of ``git diff HEAD``
    or None when the working tree matches the commit) or ``files`` (``files_hash``
    of the project's source files, with ``n_files``).
    """

    kind: Literal["git", "files"]
    commit: str | None = None
    changes: str | None = None
    files_hash: str | None = None
    n_files: int = 0

    @property
    def dirty(self) -> bool:
        """Whether tracked files have uncommitted changes."""
        return self.changes is not None

    def describe(self) -> str:
        """``commit 1a2b3c4 (+ uncommitted changes 9f8e7d6)`` or ``files 0a1b2c3 (12 files)``."""
        if self.kind == "git":
            text = f"commit {(self.commit or '?')[:12]}"
            return text + (f" + uncommitted changes {self.changes[:12]}" if self.changes else "")
        return f"files {(self.files_hash or '?')[:12]} ({self.n_files} files)"


@dataclass(frozen=True)
class Lineage:
    """The code and environment a model was trained with, plus the caller's ``extra``."""

    code: CodeVersion
    python: str
    implementation: str
    platform: str
    packages: tuple[str, ...]
    packages_hash: str
    mlgate: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (:meth:`from_dict` reads it back)."""
        return {
            "format": _FORMAT,
            "code": {
                "kind": self.code.kind,
                "commit": self.code.commit,
                "changes": self.code.changes,
                "files_hash": self.code.files_hash,
                "n_files": self.code.n_files,
            },
            "python": self.python,
            "implementation": self.implementation,
            "platform": self.platform,
            "packages": list(self.packages),
            "packages_hash": self.packages_hash,
            "mlgate": self.mlgate,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Lineage:
        """Read what :meth:`to_dict` wrote; IntegrityError if it is malformed."""
        try:
            code = data["code"]
            kind = code["kind"]
            if kind not in ("git", "files"):
                raise ValueError(f"unknown code kind {kind!r}")
            return cls(
                code=CodeVersion(
                    kind=kind,
                    commit=code.get("commit"),
                    changes=code.get("changes"),
                    files_hash=code.get("files_hash"),
                    n_files=int(code.get("n_files") or 0),
                ),
                python=str(data["python"]),
                implementation=str(data.get("implementation", "")),
                platform=str(data["platform"]),
                packages=tuple(str(p) for p in data["packages"]),
                packages_hash=str(data["packages_hash"]),
                mlgate=str(data["mlgate"]),
                extra=dict(data.get("extra") or {}),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IntegrityError(f"the stored lineage is malformed: {exc!r}") from None


# -- environment


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _from_metadata(path: str) -> tuple[str, str] | None:
    from importlib import metadata

    dist = metadata.Distribution.at(path)
    name = dist.metadata["Name"] if dist.metadata else None
    return (name, dist.version) if name and dist.version else None


@functools.cache
def installed_packages() -> tuple[str, ...]:
    """Every installed distribution as ``name==version`` (names normalized), sorted.

    Read from the ``*.dist-info`` folder names on ``sys.path`` (their metadata
    only where the name does not carry the version), first match winning as for
    imports; read once per process, so packages installed meanwhile are not seen.
    """
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for item in names:
            if item.endswith(".dist-info"):
                stem = item[: -len(".dist-info")]
                name, sep, version = stem.partition("-")
                pair = (name, version) if sep and version else None
            elif item.endswith(".egg-info"):
                pair = None
            else:
                continue
            if pair is None:
                pair = _from_metadata(os.path.join(entry or ".", item))
            if pair is not None:
                key = _normalize(pair[0])
                found.setdefault(key, f"{key}=={pair[1]}")
    return tuple(found[key] for key in sorted(found))


def _hash_lines(lines: Iterable[str]) -> str:
    return str(blake3.blake3("\n".join(lines).encode()).hexdigest())


# -- code version


def _git(project: Path, *args: str) -> bytes | None:
    git = shutil.which("git")
    if git is None:
        return None
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        result = subprocess.run(
            [git, "-C", str(project), *args],
            capture_output=True,
            timeout=_GIT_TIMEOUT,
            check=False,
            env=env,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def _git_version(project: Path) -> CodeVersion | None:
    head = _git(project, "rev-parse", "--verify", "-q", "HEAD")
    if head is None:
        return None  # not a repository, or no commit yet
    diff = _git(
        project,
        "-c",
        "core.quotepath=off",
        "diff",
        "HEAD",
        "--binary",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
    )
    if diff is None:
        return None
    changes = str(blake3.blake3(diff).hexdigest()) if diff else None
    return CodeVersion(kind="git", commit=head.decode().strip(), changes=changes)


def _source_files(
    project: Path, skip: frozenset[Path], patterns: tuple[str, ...] = SOURCE_PATTERNS
) -> Iterator[Path]:
    import fnmatch

    for root, dirs, files in os.walk(project):
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _SKIP_DIRS
            and not d.endswith(".egg-info")
            and Path(root, d) not in skip
            and not os.path.exists(os.path.join(root, d, "pyvenv.cfg"))
        )
        for name in sorted(files):
            if any(fnmatch.fnmatch(name, pattern) for pattern in patterns):
                yield Path(root) / name


def _files_version(
    project: Path, skip: frozenset[Path], patterns: tuple[str, ...] = SOURCE_PATTERNS
) -> CodeVersion:
    hasher = blake3.blake3()
    count = 0
    for path in _source_files(project, skip, patterns):
        rel = path.relative_to(project).as_posix()
        try:
            data = path.read_bytes()
        except OSError:
            continue
        hasher.update(f"{rel}\0{len(data)}\0".encode())
        hasher.update(data)
        count += 1
    return CodeVersion(kind="files", files_hash=str(hasher.hexdigest()), n_files=count)


#: What a stage's code fingerprint covers: code and requirements, not mlgate.yaml (its
#: sections that matter to a stage are part of that stage's fingerprint already).
CODE_PATTERNS = ("*.py", "requirements*", "pyproject.toml", "setup.cfg")


def source_hash(project: Path, *, skip: Iterable[str] = ("data",)) -> str:
    """BLAKE3 of the project's code files (:data:`CODE_PATTERNS`), for stage fingerprints.

    Unlike the git commit, it changes only when code changes: a commit that
    touches documentation leaves cached training valid.
    """
    project = Path(project).resolve()
    skipped = frozenset((project / folder).resolve() for folder in skip)
    return _files_version(project, skipped, CODE_PATTERNS).files_hash or ""


def capture_lineage(
    project: Path,
    *,
    extra: Mapping[str, Any] | None = None,
    skip: Iterable[str] = ("data",),
) -> Lineage:
    """The lineage of code in ``project`` run by this Python, plus ``extra``.

    ``extra`` (snapshot id, params, seed, run id, …) must be JSON-able. ``skip``
    names folders, relative to the project, left out of the source-file hash
    (the data folder); ``.mlgate``, version control, caches and virtual
    environments are always left out.
    """
    project = Path(project).resolve()
    skipped = frozenset((project / folder).resolve() for folder in skip)
    code = _git_version(project) or _files_version(project, skipped)
    packages = installed_packages()
    payload = dict(extra or {})
    json.dumps(payload)  # fail here, not when the lineage is stored
    return Lineage(
        code=code,
        python=platform.python_version(),
        implementation=sys.implementation.name,
        platform=f"{sys.platform}-{platform.machine()}",
        packages=packages,
        packages_hash=_hash_lines(packages),
        mlgate=_version.__version__,
        extra=payload,
    )


# -- comparing


def _split_package(line: str) -> tuple[str, str]:
    name, _, version = line.partition("==")
    return name, version


def _package_changes(a: tuple[str, ...], b: tuple[str, ...]) -> list[str]:
    before = dict(_split_package(line) for line in a)
    after = dict(_split_package(line) for line in b)
    changes = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if old is None:
            changes.append(f"package {name} {new} was added")
        elif new is None:
            changes.append(f"package {name} {old} was removed")
        else:
            changes.append(f"package {name} {old} → {new}")
    return changes


def _code_changes(a: CodeVersion, b: CodeVersion) -> list[str]:
    if a == b:
        return []
    if a.kind == "git" and b.kind == "git" and a.commit == b.commit:
        return [f"code changed: uncommitted changes differ on commit {(a.commit or '?')[:12]}"]
    return [f"code changed: {a.describe()} → {b.describe()}"]


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _extra_changes(a: Mapping[str, Any], b: Mapping[str, Any], prefix: str = "") -> list[str]:
    changes = []
    for key in sorted(a.keys() | b.keys(), key=str):
        name = f"{prefix}{key}"
        if key not in a:
            changes.append(f"{name} was added: {_short(b[key])}")
        elif key not in b:
            changes.append(f"{name} was removed (was {_short(a[key])})")
        elif isinstance(a[key], Mapping) and isinstance(b[key], Mapping):
            changes.extend(_extra_changes(a[key], b[key], prefix=f"{name}."))
        elif a[key] != b[key]:
            changes.append(f"{name} changed: {_short(a[key])} → {_short(b[key])}")
    return changes


def diff_lineage(a: Lineage, b: Lineage) -> list[str]:
    """What differs from ``a`` to ``b``, one sentence each; empty when nothing does."""
    changes = _code_changes(a.code, b.code)
    if (a.implementation, a.python) != (b.implementation, b.python):
        changes.append(
            f"python changed: {a.implementation} {a.python} → {b.implementation} {b.python}"
        )
    if a.platform != b.platform:
        changes.append(f"platform changed: {a.platform} → {b.platform}")
    if a.mlgate != b.mlgate:
        changes.append(f"mlgate changed: {a.mlgate} → {b.mlgate}")
    if a.packages_hash != b.packages_hash:
        changes.extend(_package_changes(a.packages, b.packages))
    changes.extend(_extra_changes(a.extra, b.extra))
    return changes
