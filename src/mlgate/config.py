"""Settings: where the project, the metadata database and the artifact store are.

One typed object, built once per command (``Settings.load()``) and passed down.
Every field can be set by an ``MLGATE_*`` environment variable; an invalid
value is a :class:`~mlgate.errors.ConfigError` that names the variable.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mlgate.errors import ConfigError

__all__ = ["SPEC_FILE", "STATE_DIR", "Settings", "find_project_root"]

SPEC_FILE = "mlgate.yaml"
STATE_DIR = ".mlgate"

_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://")


def find_project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding mlgate.yaml or .mlgate/.

    Falls back to ``start`` itself, so commands work in a plain data folder too.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SPEC_FILE).is_file() or (folder / STATE_DIR).is_dir():
            return folder
    return here


class Settings(BaseSettings):
    """mlgate's settings; each field is also the variable ``MLGATE_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="MLGATE_", extra="ignore", frozen=True)

    project: Path = Field(
        default_factory=find_project_root,
        description=(
            "Project folder (holds mlgate.yaml and .mlgate/). "
            "Default: found upwards from the working directory."
        ),
    )
    db: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the metadata database. Default: sqlite:///<project>/.mlgate/mlgate.db",
    )
    store: str | None = Field(
        default=None,
        description=(
            "Artifact store: a folder or an fsspec URL (s3://bucket/prefix). "
            "Default: <project>/.mlgate/store"
        ),
    )
    link: Literal["auto", "reflink", "hardlink", "copy"] = Field(
        default="auto",
        description=(
            "How snapshot files enter the store: auto (reflink where the file system allows, "
            "else copy), reflink, hardlink (fast, but editing a data file in place then "
            "corrupts the stored copy: mlgate detects it on read) or copy."
        ),
    )
    hash_threads: int = Field(
        default=0, ge=0, description="Threads for hashing; 0 means one per core."
    )
    debug: bool = Field(default=False, description="Show tracebacks for errors.")
    user: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="Who you are in the registry's records (promotions, approvals, audit "
        "log). Default: the operating-system user. Set it in CI.",
    )
    webhooks_loopback_only: bool = Field(
        default=False,
        description="Refuse registry webhooks whose host is not a loopback address "
        "(for tests and sandboxes).",
    )

    @field_validator("db")
    @classmethod
    def _check_db(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        match = _SCHEME.match(value)
        if not match or "://" not in value:
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

    @field_validator("user")
    @classmethod
    def _check_user(cls, value: str | None) -> str | None:
        if value is not None and (value != value.strip() or "\n" in value):
            raise ValueError("is not a user name: no leading or trailing spaces, one line")
        return value

    @field_validator("store")
    @classmethod
    def _check_store(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if "://" in value:
            match = _SCHEME.match(value)
            if not match:
                raise ValueError(
                    "is not a store URL; expected a folder or protocol://location, "
                    "e.g. s3://bucket/prefix"
                )
            rest = value[match.end() :]
            if not rest.strip("/"):
                raise ValueError("names no location after the protocol")
        return value

    @classmethod
    def load(cls, *, project: Path | None = None) -> Settings:
        """Read the environment once; ``project`` overrides MLGATE_PROJECT."""
        try:
            settings = cls(project=project) if project is not None else cls()
        except ValidationError as exc:
            first = exc.errors()[0]
            name = "MLGATE_" + str(first["loc"][0]).upper() if first["loc"] else "MLGATE_*"
            raw = os.environ.get(name, "")
            raise ConfigError(
                f"the variable {name}={raw!r} {first['msg'].removeprefix('Value error, ')}",
                hint=f"Fix or unset {name}.",
            ) from None
        return settings.model_copy(update={"project": settings.project.resolve()})

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
