"""Settings: where the project, the metadata database and the artifact store are.

One typed, frozen object, built once per command (``Settings.load()``) and
passed down. Every field can be set by the variable ``MLGATE_<FIELD>``; an
invalid value is a :class:`~mlgate.errors.ConfigError` that names the
variable. Each field's description lives in its ``metadata`` (docs read it).

The environment is parsed here by hand rather than with pydantic-settings:
that library costs ~100 ms of imports, paid by every command, where these
eight variables need a few lines each.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mlgate.errors import ConfigError

__all__ = ["SPEC_FILE", "STATE_DIR", "Settings", "find_project_root"]

SPEC_FILE = "mlgate.yaml"
STATE_DIR = ".mlgate"

LinkMode = Literal["auto", "reflink", "hardlink", "copy"]
_LINKS: tuple[LinkMode, ...] = ("auto", "reflink", "hardlink", "copy")
_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def find_project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding mlgate.yaml or .mlgate/.

    Falls back to ``start`` itself, so commands work in a plain data folder too.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SPEC_FILE).is_file() or (folder / STATE_DIR).is_dir():
            return folder
    return here


# --- parsers: text of a variable → value, or ValueError saying what is wrong ---------------


def _db(value: str) -> str | None:
    if not value:
        return None
    match = _SCHEME.match(value)
    if not match:
        raise ValueError(
            "is not a database URL; expected e.g. sqlite:///path/to/mlgate.db "
            "or postgresql+psycopg://user@host/dbname"
        )
    dialect = match.group("scheme").split("+", 1)[0].lower()
    if dialect not in {"sqlite", "postgresql", "postgres"}:
        raise ValueError(
            f"uses the database {dialect!r}, which mlgate does not support; "
            "use sqlite:///... or postgresql+psycopg://..."
        )
    return value


def _store(value: str) -> str | None:
    if not value:
        return None
    if "://" in value:
        match = _SCHEME.match(value)
        if not match:
            raise ValueError(
                "is not a store URL; expected a folder or protocol://location, "
                "e.g. s3://bucket/prefix"
            )
        if not value[match.end() :].strip("/"):
            raise ValueError("names no location after the protocol")
    return value


def _link(value: str) -> LinkMode:
    if value not in _LINKS:
        raise ValueError(f"must be one of {', '.join(_LINKS)}")
    return value


def _threads(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError("must be a whole number (0: one per core)") from None
    if number < 0:
        raise ValueError("must be 0 or more (0: one per core)")
    return number


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("must be one of 1, true, yes, on, 0, false, no, off")


def _user(value: str) -> str | None:
    if not value:
        return None
    if value != value.strip() or "\n" in value or len(value) > 255:
        raise ValueError("is not a user name: one line, no leading or trailing spaces")
    return value


def _project(value: str) -> Path:
    return Path(value).expanduser().resolve()


def _setting(description: str, parse: Callable[[str], Any]) -> dict[str, Any]:
    return {"description": description, "parse": parse}


@dataclass(frozen=True)
class Settings:
    """mlgate's settings; each field is also the variable ``MLGATE_<FIELD>``."""

    project: Path = field(
        default_factory=find_project_root,
        metadata=_setting(
            "Project folder (holds mlgate.yaml and .mlgate/). "
            "Default: found upwards from the working directory.",
            _project,
        ),
    )
    db: str | None = field(
        default=None,
        metadata=_setting(
            "SQLAlchemy URL of the metadata database. "
            "Default: sqlite:///<project>/.mlgate/mlgate.db",
            _db,
        ),
    )
    store: str | None = field(
        default=None,
        metadata=_setting(
            "Artifact store: a folder or an fsspec URL (s3://bucket/prefix). "
            "Default: <project>/.mlgate/store",
            _store,
        ),
    )
    link: LinkMode = field(
        default="auto",
        metadata=_setting(
            "How snapshot files enter the store: auto (reflink where the file system allows, "
            "else copy), reflink, hardlink (fast, but editing a data file in place then "
            "corrupts the stored copy: mlgate detects it on read) or copy.",
            _link,
        ),
    )
    hash_threads: int = field(
        default=0,
        metadata=_setting("Threads for hashing; 0 means one per core.", _threads),
    )
    debug: bool = field(default=False, metadata=_setting("Show tracebacks for errors.", _flag))
    user: str | None = field(
        default=None,
        metadata=_setting(
            "Who you are in the registry's records (promotions, approvals, audit log). "
            "Default: the operating-system user. Set it in CI.",
            _user,
        ),
    )
    webhooks_loopback_only: bool = field(
        default=False,
        metadata=_setting(
            "Refuse registry webhooks whose host is not a loopback address "
            "(for tests and sandboxes).",
            _flag,
        ),
    )

    @classmethod
    def load(
        cls, *, project: Path | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Read the ``MLGATE_*`` variables once; ``project`` overrides MLGATE_PROJECT."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            name = f"MLGATE_{item.name.upper()}"
            if name not in env:
                continue
            raw = env[name]
            try:
                values[item.name] = item.metadata["parse"](raw)
            except ValueError as exc:
                raise ConfigError(
                    f"the variable {name}={raw!r} {exc}", hint=f"Fix or unset {name}."
                ) from None
        if project is not None:
            values["project"] = _project(str(project))
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (e.g. another database for a test)."""
        return dataclasses.replace(self, **changes)

    @property
    def state_dir(self) -> Path:
        """The project's ``.mlgate/`` folder."""
        return self.project / STATE_DIR

    @property
    def db_url(self) -> str:
        """The metadata database URL, defaulting to SQLite inside ``.mlgate/``."""
        return self.db or f"sqlite:///{self.state_dir / 'mlgate.db'}"

    @property
    def store_url(self) -> str:
        """The artifact store location, defaulting to ``.mlgate/store``."""
        return self.store or str(self.state_dir / "store")

    @property
    def threads(self) -> int:
        """Threads to use for hashing and copying."""
        return self.hash_threads or max(os.cpu_count() or 1, 1)
