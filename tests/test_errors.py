"""The exception tree: messages, exit codes, codes and builtin bases."""

from __future__ import annotations

import pytest

from mlgate import errors
from mlgate.errors import (
    EXIT_CODES,
    ApprovalRequired,
    CheckFailed,
    ConfigError,
    ConflictError,
    DataError,
    IntegrityError,
    MlgateError,
    NotFoundError,
    SchemaVersionError,
    StorageError,
    UsageError,
)


def _tree(cls: type[MlgateError]) -> list[type[MlgateError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_tree(sub))
    return found


ERROR_CLASSES = [cls for cls in _tree(MlgateError) if cls.__module__ == "mlgate.errors"]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, "the snapshot is empty"),
        ({"where": "data/train.csv"}, "data/train.csv: the snapshot is empty"),
        (
            {"hint": "Add files to the folder."},
            "the snapshot is empty. Add files to the folder.",
        ),
        (
            {"where": "mlgate.yaml:3:5", "hint": "Add files to the folder."},
            "mlgate.yaml:3:5: the snapshot is empty. Add files to the folder.",
        ),
    ],
)
def test_render_joins_where_message_and_hint(kwargs: dict[str, str], expected: str) -> None:
    error = MlgateError("the snapshot is empty", **kwargs)
    assert error.render() == expected
    assert str(error) == expected


@pytest.mark.parametrize("ending", [".", "?", "!", ":"])
def test_render_adds_no_second_full_stop(ending: str) -> None:
    error = UsageError(f"no such snapshot{ending}", hint="Run `mlgate data list`.")
    assert error.render() == f"no such snapshot{ending} Run `mlgate data list`."


def test_render_strips_surrounding_whitespace() -> None:
    error = ConfigError(
        "unknown key 'seed'  ", where="mlgate.yaml:1:1", hint="  Did you mean 'seeds'? "
    )
    assert error.render() == "mlgate.yaml:1:1: unknown key 'seed'. Did you mean 'seeds'?"


def test_parts_are_kept() -> None:
    error = DataError("cannot read the file", where="a.csv", hint="Fix it.")
    assert (error.message, error.where, error.hint) == ("cannot read the file", "a.csv", "Fix it.")


@pytest.mark.parametrize(
    ("cls", "exit_code", "code"),
    [
        (MlgateError, 1, "error"),
        (CheckFailed, 1, "check-failed"),
        (UsageError, 2, "usage"),
        (ConfigError, 2, "config"),
        (NotFoundError, 2, "not-found"),
        (StorageError, 2, "storage"),
        (DataError, 3, "data"),
        (ConflictError, 4, "conflict"),
        (IntegrityError, 5, "integrity"),
        (SchemaVersionError, 5, "schema-version"),
        (ApprovalRequired, 6, "approval"),
    ],
)
def test_exit_code_and_code_per_class(cls: type[MlgateError], exit_code: int, code: str) -> None:
    error = cls("something is wrong")
    assert (error.exit_code, error.code) == (exit_code, code)
    assert isinstance(error, MlgateError)


def test_every_class_is_listed_above() -> None:
    assert {cls.__name__ for cls in ERROR_CLASSES} == set(errors.__all__) - {"EXIT_CODES"}


def test_codes_are_unique_and_exit_codes_documented() -> None:
    codes = [cls.code for cls in ERROR_CLASSES]
    assert len(codes) == len(set(codes))
    for cls in ERROR_CLASSES:
        assert cls.exit_code in EXIT_CODES
        assert cls.exit_code != 0
        assert cls.__doc__, f"{cls.__name__} has no docstring"


def test_exit_code_table() -> None:
    assert sorted(EXIT_CODES) == [0, 1, 2, 3, 4, 5, 6]


def test_not_found_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="no snapshot 'abc'"):
        raise NotFoundError("no snapshot 'abc'")
    assert issubclass(NotFoundError, UsageError)


def test_storage_error_is_an_os_error() -> None:
    error = StorageError("the disk is full", where="/tmp/store", hint="Free some space.")
    assert isinstance(error, OSError)
    assert str(error) == "/tmp/store: the disk is full. Free some space."
    assert error.exit_code == 2
    with pytest.raises(OSError, match="the disk is full"):
        raise error


def test_schema_version_error_is_an_integrity_error() -> None:
    assert issubclass(SchemaVersionError, IntegrityError)
    assert issubclass(ConfigError, UsageError)


def test_errors_pickle() -> None:
    import pickle

    error = NotFoundError("no snapshot 'abc'", where="project", hint="List them.")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is NotFoundError
    assert str(copy) == str(error)
    assert (copy.message, copy.where, copy.hint) == (error.message, error.where, error.hint)
