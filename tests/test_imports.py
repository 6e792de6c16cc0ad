"""The command line stays fast: heavy libraries load inside the commands that use them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "alembic",
    "numpy",
    "pandas",
    "pyarrow",
    "pydantic_settings",
    "ray",
    "ruamel",
    "sklearn",
    "sqlalchemy",
)

REPORT = (
    "import json, sys\n"
    f"heavy = set({HEAVY!r})\n"
    "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules} & heavy)))\n"
)


def _loaded_after(code: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", code + "\n" + REPORT],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_import_cli_app_loads_no_heavy_library() -> None:
    assert _loaded_after("import mlgate.cli.app") == []


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["--version"], ["data", "--help"]],
    ids=" ".join,
)
def test_help_loads_no_heavy_library(argv: list[str]) -> None:
    code = f"from mlgate.cli.app import main\nmain({argv!r})"
    assert _loaded_after(code) == []
