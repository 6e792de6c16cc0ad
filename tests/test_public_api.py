"""``mlgate``'s public names: declared once in ``__all__``, resolved lazily, cheap to import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import mlgate

INIT = Path(mlgate.__file__)
HEAVY = ("pandas", "pyarrow", "sqlalchemy", "sklearn")


def _type_checking_names() -> set[str]:
    """The names imported under ``if TYPE_CHECKING:`` in mlgate/__init__.py (what mypy sees)."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in ast.walk(node):
                if isinstance(stmt, ast.ImportFrom | ast.Import):
                    names.update(alias.asname or alias.name for alias in stmt.names)
    return names


def test_all_is_sorted_and_unique() -> None:
    assert list(mlgate.__all__) == sorted(set(mlgate.__all__))


@pytest.mark.parametrize("name", sorted(mlgate.__all__))
def test_every_public_name_resolves(name: str) -> None:
    value = getattr(mlgate, name)
    assert value is not None
    if name != "__version__":
        assert getattr(value, "__doc__", None), f"mlgate.{name} has no docstring"


def test_dir_matches_all() -> None:
    assert sorted(dir(mlgate)) == sorted(mlgate.__all__)


def test_type_checkers_see_the_same_names() -> None:
    assert _type_checking_names() == set(mlgate.__all__) - {"__version__"}


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'snapshotz'"):
        _ = mlgate.snapshotz


def test_version_is_a_string() -> None:
    assert isinstance(mlgate.__version__, str)
    assert mlgate.__version__[0].isdigit()


def test_import_mlgate_is_cheap() -> None:
    code = (
        "import sys, mlgate\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]", f"import mlgate loads {result.stdout.strip()}"
