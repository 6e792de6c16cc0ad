"""Model persistence: skops with trusted types by default, pickle only when asked for."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlgate.errors import ConfigError, IntegrityError, UsageError
from mlgate.train import _skops
from mlgate.train.flavors import dump_model, load_model, model_flavor, untrusted_types

from .conftest import LABEL


class Custom:
    """A model class from outside the trusted libraries."""

    def __init__(self) -> None:
        self.value = 1

    def predict(self, rows: Any) -> Any:
        return np.full(len(rows), self.value)


@pytest.fixture(scope="module")
def fitted(cancer: pd.DataFrame) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return model.fit(cancer.drop(columns=[LABEL]), cancer[LABEL])


def _rewrite_schema(data: bytes, change: Any) -> bytes:
    """The skops file ``data`` with its schema.json passed through ``change``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "schema.json":
                schema = json.loads(body)
                change(schema)
                body = json.dumps(schema).encode()
            target.writestr(info, body)
    return out.getvalue()


def test_sklearn_round_trip_is_exact_and_byte_stable(fitted: Any, cancer: pd.DataFrame) -> None:
    features = cancer.drop(columns=[LABEL])
    data = dump_model(fitted)
    model = load_model(data, flavor="sklearn")
    assert np.array_equal(model.predict_proba(features), fitted.predict_proba(features))
    assert dump_model(model) == data  # same model, same bytes: hashes can be compared


def test_forests_and_boosting_load_with_the_allow_list(cancer: pd.DataFrame) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

    features, label = cancer.drop(columns=[LABEL]), cancer[LABEL]
    for model in (
        RandomForestClassifier(n_estimators=3, random_state=0).fit(features, label),
        HistGradientBoostingClassifier(max_iter=3).fit(features, label),
    ):
        loaded = load_model(dump_model(model), flavor="sklearn")
        assert np.array_equal(loaded.predict(features), model.predict(features))


def test_a_type_from_outside_the_allow_list_is_refused(fitted: Any) -> None:
    with pytest.raises(
        ConfigError, match=r"'tests\.train\.test_flavors\.Custom'.*train\.flavor: python"
    ):
        dump_model(Custom())

    skops_io = _skops.skops_io()
    data = skops_io.dumps(Custom())
    name = f"{Custom.__module__}.Custom"
    with pytest.raises(
        ConfigError,
        match=rf"could run code: '{name}'\. "
        rf"If you trust this model, load it with trust=\['{name}'\]",
    ):
        load_model(data, flavor="sklearn")
    assert load_model(data, flavor="sklearn", trust=[name]).value == 1


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("builtins", "eval"),
        ("numpy", "memmap"),
        ("numpy.lib._npyio_impl", "load"),
        ("os", "system"),
    ],
)
def test_a_tampered_file_naming_a_dangerous_callable_is_refused(
    fitted: Any, module: str, name: str
) -> None:
    def point_at(schema: dict[str, Any]) -> None:
        schema["__module__"], schema["__class__"] = module, name

    data = _rewrite_schema(dump_model(fitted), point_at)
    assert untrusted_types(data) == [f"{module}.{name}"]
    with pytest.raises(ConfigError, match=rf"loading them could run code: '{module}\.{name}'"):
        load_model(data, flavor="sklearn")


def test_bytes_that_are_not_a_model(fitted: Any) -> None:
    with pytest.raises(IntegrityError, match="the model artifact is not a readable skops file"):
        load_model(b"not a zip file", flavor="sklearn")
    with pytest.raises(IntegrityError, match="not a readable pickle"):
        load_model(b"not a pickle", flavor="python", allow_pickle=True)
    with pytest.raises(UsageError, match=r"unknown model flavor 'onnx'"):
        load_model(dump_model(fitted), flavor="onnx")


def test_pickle_needs_an_explicit_opt_in(fitted: Any, cancer: pd.DataFrame) -> None:
    with pytest.raises(UsageError, match="saving a model with the python flavor uses pickle"):
        dump_model(Custom(), flavor="python")
    data = dump_model(Custom(), flavor="python", allow_pickle=True)
    with pytest.raises(UsageError, match="loading a model with the python flavor uses pickle"):
        load_model(data, flavor="python")
    assert load_model(data, flavor="python", allow_pickle=True).predict([0, 0]).tolist() == [1, 1]


def test_model_flavor() -> None:
    from sklearn.linear_model import LinearRegression

    assert model_flavor(LinearRegression()) == "sklearn"
    assert model_flavor(Custom()) == "python"


# -- skops' trusted-types table, cached across processes

_LOAD = """
import json, sys
from mlgate.train.flavors import load_model
model = load_model(open(sys.argv[1], "rb").read(), flavor="sklearn")
table = sys.modules["skops.io._trusted_types"]
print(json.dumps({
    "cached": (table.__doc__ or "").startswith("skops' default trusted types"),
    "all_of_sklearn": "sklearn.utils._testing" in sys.modules,
    "type": type(model).__name__,
}))
"""


def _load_in_a_fresh_process(path: Path, cache: Path) -> dict[str, Any]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    result = subprocess.run(
        [sys.executable, "-c", _LOAD, str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def test_a_fresh_process_uses_the_cached_table_and_ignores_a_forged_one(
    fitted: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    model = tmp_path / "model.skops"
    model.write_bytes(dump_model(fitted))
    cache_file = _skops.cache_file()
    assert cache_file is not None
    assert cache_file.parent == cache / "mlgate"
    _skops._write(cache_file, sys.modules["skops.io._trusted_types"])

    answer = _load_in_a_fresh_process(model, cache)
    assert answer == {"cached": True, "all_of_sklearn": False, "type": "Pipeline"}

    forged = json.loads(cache_file.read_text())
    forged["names"]["SKLEARN_ESTIMATOR_TYPE_NAMES"].append("builtins.eval")
    cache_file.write_text(json.dumps(forged))
    answer = _load_in_a_fresh_process(model, cache)
    assert answer["cached"] is False
    assert "builtins.eval" not in cache_file.read_text()  # rewritten from skops' own table


@pytest.mark.parametrize(
    ("table", "name"),
    [
        ("SKLEARN_ESTIMATOR_TYPE_NAMES", "builtins.eval"),
        ("SKLEARN_ESTIMATOR_TYPE_NAMES", "numpy.add"),
        ("NUMPY_UFUNC_TYPE_NAMES", "numpy.lib._npyio_impl.load"),
        ("PRIMITIVE_TYPE_NAMES", "builtins.getattr"),
        ("SCIPY_UFUNC_TYPE_NAMES", "scipy.io.loadmat"),
    ],
)
def test_a_cached_table_cannot_widen_trust(table: str, name: str) -> None:
    _skops.skops_io()
    real = sys.modules["skops.io._trusted_types"]
    names = {attr: list(getattr(real, attr)) for attr in dir(real) if attr.endswith("_NAMES")}
    assert _skops._valid(names)
    names[table].append(name)
    assert not _skops._valid(names)
