"""Finding the files a snapshot is made of: a file, a folder or a glob.

Symlinks are followed only while they stay inside the project or the folder
being snapshotted; one that points elsewhere is an error, so a snapshot never
silently pulls in (or later overwrites) files outside what the user named.
"""

from __future__ import annotations

import glob
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from mlgate.errors import DataError

__all__ = ["SKIP_DIRS", "FoundFile", "find_files"]

#: Folders never taken into a snapshot: mlgate's own state and version control.
SKIP_DIRS = frozenset({".mlgate", ".git", ".hg", ".svn", ".dvc"})
_MAGIC = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class FoundFile:
    """A regular file to snapshot, with the stat fields the cache keys on."""

    path: Path  # absolute, as found (may be a symlink inside the allowed roots)
    rel: str  # '/'-separated, relative to the snapshot root
    size: int
    mtime_ns: int
    inode: int


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _check_link(path: Path, roots: tuple[Path, ...]) -> Path:
    target = path.resolve()
    if not target.exists():
        raise DataError(
            f"the symlink {path} points to {target}, which does not exist",
            hint="Fix or remove the link, then snapshot again.",
        )
    if not _inside(target, roots):
        raise DataError(
            f"the symlink {path} points outside the project, to {target}",
            hint="Snapshot the target folder itself, or copy the file into the project.",
        )
    return target


def _found(path: Path, rel: str, st: os.stat_result) -> FoundFile:
    return FoundFile(path, rel, st.st_size, st.st_mtime_ns, st.st_ino)


def _walk(root: Path, roots: tuple[Path, ...]) -> list[FoundFile]:
    found: list[FoundFile] = []
    seen_dirs: set[Path] = {root.resolve()}
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except PermissionError:
            raise DataError(
                f"the folder {folder} cannot be read (permission denied)",
                hint="Make it readable, or snapshot a folder you can read.",
            ) from None
        for entry in entries:
            path = Path(entry.path)
            rel = f"{prefix}{entry.name}"
            if entry.is_symlink():
                target = _check_link(path, roots)
                if target.is_dir():
                    if target not in seen_dirs and entry.name not in SKIP_DIRS:
                        seen_dirs.add(target)
                        stack.append((path, rel + "/"))
                    continue
                st = os.stat(path)
            elif entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIP_DIRS:
                    stack.append((path, rel + "/"))
                continue
            else:
                st = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(st.st_mode):
                found.append(_found(path, rel, st))
    return found


def _glob_root(pattern: str) -> Path:
    parts = Path(pattern).parts
    plain: list[str] = []
    for part in parts:
        if _MAGIC & set(part):
            break
        plain.append(part)
    return Path(*plain) if plain else Path()


def find_files(target: str | Path, *, project: Path) -> tuple[Path, str, list[FoundFile]]:
    """Resolve ``target`` (relative to the working directory) into files.

    Returns the snapshot root, the source as recorded (relative to the project
    when inside it) and the files sorted by their relative path.
    """
    text = str(target)
    roots: tuple[Path, ...]
    if _MAGIC & set(text):
        root = _glob_root(text).resolve()
        roots = (project, root)
        files = []
        for match in sorted(glob.glob(text, recursive=True)):
            path = Path(match).absolute()
            if any(part in SKIP_DIRS for part in path.parts):
                continue
            real = _check_link(path, roots) if path.is_symlink() else path
            if real.is_file():
                st = os.stat(path)
                files.append(
                    _found(
                        path,
                        path.relative_to(root).as_posix()
                        if path.is_relative_to(root)
                        else path.name,
                        st,
                    )
                )
        if not files:
            raise DataError(
                f"the pattern {text!r} matches no files",
                hint="Check the pattern; quote it so the shell does not expand it.",
            )
    else:
        path = Path(text).absolute()
        if not path.exists() and not path.is_symlink():
            raise DataError(
                f"the data path {text!r} does not exist",
                where=str(path),
                hint="Check the path, or the data.source setting in mlgate.yaml.",
            )
        if path.is_symlink():
            _check_link(path, (project, path.parent.resolve()))
        root = path.resolve() if path.is_dir() else path.parent.resolve()
        roots = (project, root)
        files = _walk(path, roots) if path.is_dir() else [_found(path, path.name, os.stat(path))]
        if not files:
            raise DataError(
                f"the folder {text!r} holds no files to snapshot",
                where=str(path),
                hint="Put the data files in it first.",
            )
    files.sort(key=lambda f: f.rel)
    source = str(target)
    abs_target = Path(text).absolute()
    if not _MAGIC & set(text) and abs_target.is_relative_to(project):
        source = abs_target.relative_to(project).as_posix() or "."
    return root, source, files
