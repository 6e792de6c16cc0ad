"""The one exception tree of mlgate, and the exit codes the CLI maps it to.

::

    MlgateError                        exit  code
    ├── CheckFailed                      1   check-failed    a data check or gate said no
    ├── TrainingError                    1   training        the user's training code failed
    ├── UsageError                       2   usage           a bad CLI argument or API call
    │   ├── ConfigError                  2   config          mlgate.yaml, MLGATE_* variables
    │   └── NotFoundError (LookupError)  2   not-found       an id or name that does not exist
    ├── StorageError (OSError)           2   storage         disk full, read-only, unreachable
    ├── DataError                        3   data            data unreadable or invalid
    ├── ConflictError                    4   conflict        a lock is held, a folder not empty
    ├── IntegrityError                   5   integrity       bytes or records fail their hash
    │   └── SchemaVersionError           5   schema-version  a database from a newer mlgate
    └── ApprovalRequired                 6   approval        a human must approve first

Exit code 0 means success. A failed gate is a verdict (exit 1), not an exception;
``CheckFailed`` exists for API callers that want one.

Every error carries ``where`` (file:line:column, a URL, a version) and ``hint``
(what to do). ``str(error)`` is the one paragraph the CLI prints.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "EXIT_CODES",
    "ApprovalRequired",
    "CheckFailed",
    "ConfigError",
    "ConflictError",
    "DataError",
    "IntegrityError",
    "MlgateError",
    "NotFoundError",
    "SchemaVersionError",
    "StorageError",
    "TrainingError",
    "UsageError",
]

#: Exit codes of the ``mlgate`` command (docs/errors.md shows the same table).
EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "a gate or check failed",
    2: "usage or configuration error",
    3: "bad data",
    4: "conflict with the current state",
    5: "integrity error: stored data does not match its hash or version",
    6: "needs approval",
}


class MlgateError(Exception):
    """Base of every error mlgate raises on purpose.

    ``message`` says what is wrong, ``where`` where (a file:line:column, a path,
    a URL, a version) and ``hint`` what to do about it.
    """

    exit_code: ClassVar[int] = 1
    code: ClassVar[str] = "error"

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        """One paragraph: ``where: message. hint``."""
        text = self.message.rstrip()
        if self.where:
            text = f"{self.where}: {text}"
        if self.hint:
            if not text.endswith((".", "?", "!", ":")):
                text += "."
            text = f"{text} {self.hint.strip()}"
        return text


class CheckFailed(MlgateError):
    """A data check or gate decided against the run."""

    exit_code = 1
    code = "check-failed"


class TrainingError(MlgateError):
    """The user's training code failed: it raised, exited, crashed, hung past its
    timeout, or returned something that is not a usable model.

    ``traceback`` holds the user's traceback (their frames, not mlgate's) and
    ``log_path`` the file with the run's full output.
    """

    exit_code = 1
    code = "training"

    def __init__(
        self,
        message: str,
        *,
        where: str | None = None,
        hint: str | None = None,
        traceback: str | None = None,
        log_path: str | None = None,
    ) -> None:
        self.traceback = traceback
        self.log_path = log_path
        super().__init__(message, where=where, hint=hint)


class UsageError(MlgateError):
    """The command or API call was used wrongly."""

    exit_code = 2
    code = "usage"


class ConfigError(UsageError):
    """mlgate.yaml or an MLGATE_* setting is missing or invalid."""

    code = "config"


class NotFoundError(UsageError, LookupError):
    """An id, name or path does not exist, or a prefix matches more than one."""

    code = "not-found"


class StorageError(MlgateError, OSError):
    """A store cannot be written or reached: disk full, read-only, permissions."""

    exit_code = 2
    code = "storage"


class DataError(MlgateError):
    """Data cannot be read, or breaks its contract."""

    exit_code = 3
    code = "data"


class ConflictError(MlgateError):
    """The current state is in the way: a lock is held, a folder is not empty."""

    exit_code = 4
    code = "conflict"


class IntegrityError(MlgateError):
    """Stored bytes or records do not match their hash, chain or version."""

    exit_code = 5
    code = "integrity"


class SchemaVersionError(IntegrityError):
    """The metadata database was written by a newer mlgate than this one."""

    code = "schema-version"


class ApprovalRequired(MlgateError):
    """A person listed in the promotion policy must approve first."""

    exit_code = 6
    code = "approval"
