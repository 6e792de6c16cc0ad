"""The documentation says what the code does: errors, exit codes, commands, quickstart."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main

from mlgate.cli.app import app
from mlgate.errors import EXIT_CODES

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
ERRORS_MD = ROOT / "docs" / "errors.md"
CLI_MD = ROOT / "docs" / "cli.md"
CI_RUN = ROOT / ".ci" / "run"


def _section(text: str, heading: str) -> str:
    """The body of the ``## heading`` section of a Markdown text."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no '## {heading}' section"
    return match.group(1)


def _table(section: str) -> list[list[str]]:
    """The rows of the first Markdown table in ``section``, without header and rule."""
    lines = [line.strip() for line in section.splitlines() if line.strip().startswith("|")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    return rows[2:]


def _exit_code_table(text: str) -> dict[int, str]:
    return {int(code): meaning for code, meaning in _table(_section(text, "Exit codes"))}


# --- docs/errors.md --------------------------------------------------------------------

# Imports every module of the package (except entry points and migration scripts, which
# run on import) and prints every MlgateError subclass defined in mlgate. A subprocess
# keeps the answer independent of what other tests imported or defined.
_ERROR_CLASSES = """
import importlib, json, pkgutil
import mlgate
from mlgate.errors import MlgateError

for info in pkgutil.walk_packages(mlgate.__path__, "mlgate."):
    parts = info.name.split(".")
    if "__main__" in parts or "migrations" in parts:
        continue
    importlib.import_module(info.name)

def tree(cls):
    yield cls
    for sub in cls.__subclasses__():
        yield from tree(sub)

rows = sorted(
    {(c.__name__, c.code, c.exit_code) for c in tree(MlgateError)
     if c.__module__ == "mlgate" or c.__module__.startswith("mlgate.")}
)
print(json.dumps(rows))
"""


def _defined_error_classes() -> set[tuple[str, str, int]]:
    result = subprocess.run(
        [sys.executable, "-c", _ERROR_CLASSES],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {(name, code, exit_code) for name, code, exit_code in json.loads(result.stdout)}


def test_errors_md_lists_every_error_class() -> None:
    rows = _table(_section(ERRORS_MD.read_text(encoding="utf-8"), "Error classes"))
    documented = {
        (cls.strip("`"), code.strip("`"), int(exit_code)) for cls, code, exit_code, *_ in rows
    }
    assert len(documented) == len(rows), "a class is listed twice in docs/errors.md"
    for cls, _code, _exit, when, what_to_do in rows:
        assert when, f"{cls}: say when it happens"
        assert what_to_do, f"{cls}: say what to do"
    assert documented == _defined_error_classes()


def test_errors_md_exit_codes_equal_the_code() -> None:
    assert _exit_code_table(ERRORS_MD.read_text(encoding="utf-8")) == EXIT_CODES


def test_readme_exit_codes_equal_the_code() -> None:
    assert _exit_code_table(README.read_text(encoding="utf-8")) == EXIT_CODES


# --- docs/cli.md -----------------------------------------------------------------------


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not sub.hidden:
            yield from _commands(sub, (*path, name))


def _cli_commands() -> set[str]:
    return {" ".join(("mlgate", *path)) for path in _commands(typer.main.get_command(app))}


def _documented_commands() -> set[str]:
    text = CLI_MD.read_text(encoding="utf-8")
    return set(re.findall(r"^##+ `(mlgate[^`]*)`\s*$", text, re.M))


def test_every_command_is_documented() -> None:
    missing = _cli_commands() - _documented_commands()
    assert not missing, f"docs/cli.md has no '## `COMMAND`' section for {sorted(missing)}"


def test_every_documented_command_exists() -> None:
    unknown = _documented_commands() - _cli_commands()
    assert not unknown, f"docs/cli.md documents commands that do not exist: {sorted(unknown)}"


# --- README quickstart and .ci/run -----------------------------------------------------


def _quickstart_commands() -> list[str]:
    section = _section(README.read_text(encoding="utf-8"), "Quickstart")
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", section, re.M | re.S)
    return [block.strip() for block in blocks]


def test_quickstart_has_exactly_two_one_line_commands() -> None:
    commands = _quickstart_commands()
    assert len(commands) == 2, commands
    assert all("\n" not in command for command in commands), commands
    install, test = commands
    assert install == "pip install -e . && mlgate quickstart"
    assert test.startswith("pip install -e '.[test]' && ")


def test_ci_runs_the_readme_test_command() -> None:
    _, test = _quickstart_commands()
    install, _, run_tests = test.partition(" && ")
    script = [
        line.strip()
        for line in CI_RUN.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert script[-1] == run_tests, ".ci/run must end with the README's test command"
    installs = [shlex.split(line) for line in script if "pip install" in line]
    assert any(".[test]" in words and "-e" in words for words in installs), (
        f".ci/run must install the same extras as the README ({install})"
    )


def test_ci_run_is_executable_and_strict() -> None:
    assert CI_RUN.stat().st_mode & 0o111, ".ci/run is not executable"
    text = CI_RUN.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
