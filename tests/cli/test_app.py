"""The root command: help, version, usage errors and the one error handler."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import typer
import typer.main

from mlgate import __version__
from mlgate.cli import app as cli_app
from mlgate.cli.app import main
from mlgate.errors import (
    ConfigError,
    DataError,
    IntegrityError,
    MlgateError,
    NotFoundError,
    StorageError,
)


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every visible command of the click tree behind the Typer app, root first."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not sub.hidden:
            yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(cli_app.app)))
COMMAND_IDS = [" ".join(("mlgate", *path)) for path, _ in COMMANDS]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlgate", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# --- help and version, as a user runs them ---------------------------------------------


def test_help_in_a_process() -> None:
    result = _run("--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    assert "mlgate" in result.stdout


def test_version_in_a_process() -> None:
    result = _run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"mlgate {__version__}"


def test_unknown_command_in_a_process() -> None:
    result = _run("no-such-command")
    assert result.returncode == 2
    assert "No such command" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=COMMAND_IDS)
def test_every_command_has_help(
    path: tuple[str, ...], command: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (command.help or command.short_help or "").strip()
    assert text, f"`mlgate {' '.join(path)}` has no help text"
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage" in out


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=COMMAND_IDS)
def test_every_option_has_help(path: tuple[str, ...], command: Any) -> None:
    for param in command.params:
        if param.param_type_name == "option":
            assert (param.help or "").strip(), (
                f"option {param.opts[0]} of `mlgate {' '.join(path)}` has no help text"
            )


def test_the_root_accepts_debug(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--debug", "--help"]) == 0
    assert "Usage" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv", [["no-such-command"], ["--no-such-option"], ["data", "no-such-command"]]
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "No such" in captured.err
    assert "Traceback" not in captured.err


# --- the one error handler, exercised through a throwaway app ----------------------------


def _app_raising(error: BaseException) -> typer.Typer:
    """A fresh app shaped like mlgate's root (it takes --debug) whose one command fails."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @app.callback()
    def root(debug: bool = typer.Option(False, "--debug", help="Show tracebacks.")) -> None:
        """Throwaway root."""

    @app.command()
    def fail() -> None:
        """Raise the error."""
        raise error

    return app


@pytest.fixture
def failing(monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(error: BaseException) -> None:
        monkeypatch.setattr(cli_app, "app", _app_raising(error))

    return install


ERRORS = [
    ConfigError("unknown key 'seed'", where="mlgate.yaml:3:5", hint="Did you mean 'seeds'?"),
    NotFoundError("no snapshot starts with 'abc'", hint="Run `mlgate data list`."),
    StorageError("the disk is full", where="/data/.mlgate/store"),
    DataError("cannot read the file", where="data/train.csv"),
    IntegrityError("the bytes do not match their hash", where="store/ab/cdef"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_mlgate_error_is_one_paragraph(
    error: MlgateError, failing: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    failing(error)
    assert main(["fail"]) == error.exit_code
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: {error.render()}\n")
    assert "Traceback" not in captured.err
    assert "\n\n" not in captured.err.strip()
    assert captured.out == ""


def test_debug_shows_the_traceback(failing: Any, capsys: pytest.CaptureFixture[str]) -> None:
    error = DataError("cannot read the file", where="data/train.csv")
    failing(error)
    assert main(["--debug", "fail"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert f"error: {error.render()}" in err


def test_debug_variable_shows_the_traceback(
    failing: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MLGATE_DEBUG", "1")
    failing(ConfigError("bad"))
    assert main(["fail"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_other_exceptions_are_internal_errors(
    failing: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    failing(ZeroDivisionError("division by zero"))
    assert main(["fail"]) == 70
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "ZeroDivisionError: division by zero" in err
    assert "internal error" in err


def test_interrupt_exits_130(failing: Any, capsys: pytest.CaptureFixture[str]) -> None:
    failing(KeyboardInterrupt())
    assert main(["fail"]) == 130
    assert "Traceback" not in capsys.readouterr().err


def test_the_real_app_is_untouched_by_these_tests() -> None:
    assert "fail" not in getattr(typer.main.get_command(cli_app.app), "commands", {})
