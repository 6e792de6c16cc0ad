"""One model version loaded for serving: the model, its signature, and a warm-up call.

Array input: scikit-learn spends most of a single-row ``predict`` checking a
DataFrame (dtypes, feature names, about 0.4 ms for 30 columns) that the server
has already checked against the signature. When the whole model is made of
scikit-learn's own estimators (no FunctionTransformer or ColumnTransformer, which
may read columns by name), every input column is a number, the model was fitted
on exactly the signature's columns in that order, and it answers the warm-up
rows the same from the float array as from the frame
(:attr:`ServedModel.array_input`), rows that passed the all-number fast path
(:class:`~mlgate.deploy.validation.CheckedRows`) reach the model as their float
array, laid out as pandas lays out the frame's, so the answers are the very
same. Anything else gets the frame.
"""

from __future__ import annotations

import functools
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlgate.deploy.validation import CheckedRows
from mlgate.errors import IntegrityError, MlgateError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mlgate.deploy.validation import Features
    from mlgate.store.stores import Stores
    from mlgate.train.signature import Signature

__all__ = ["ServedModel", "describe", "load_served"]


@dataclass(frozen=True, eq=False)
class ServedModel:
    """A model version ready to answer: never changes once built (swaps replace it)."""

    name: str
    version: int
    model: Any
    signature: Signature | None
    load_seconds: float
    #: Whether a frame from the all-number fast path goes to the model as its float array
    #: (see the module docstring).
    array_input: bool = False

    @functools.cached_property
    def columns(self) -> tuple[str, ...]:
        """Input column names in training order (empty without a signature)."""
        return () if self.signature is None else self.signature.names

    @functools.cached_property
    def column_index(self) -> pd.Index:
        """:attr:`columns` as one pandas Index of Python strings, built once and shared by
        every request frame (a new Index per request costs more than the frame itself)."""
        import pandas as pd

        return pd.Index(list(self.columns), dtype=object)

    @functools.cached_property
    def kinds(self) -> tuple[str, ...]:
        """The kind of each input column, numbers folded (integer and float are one kind)."""
        if self.signature is None:
            return ()
        return tuple(
            "number" if c.kind in ("integer", "float") else c.kind for c in self.signature.columns
        )

    @functools.cached_property
    def all_numeric(self) -> bool:
        """Whether every input column is a number without empty values in training (the fast
        path: a request's rows become one float array)."""
        assert self.signature is not None or not self.kinds
        return (
            bool(self.kinds)
            and all(k == "number" for k in self.kinds)
            and not any(
                c.nullable
                for c in self.signature.columns  # type: ignore[union-attr]
            )
        )

    @property
    def has_proba(self) -> bool:
        """Whether the model also gives class probabilities."""
        return callable(getattr(self.model, "predict_proba", None))

    def _input(self, frame: Features) -> Any:
        if isinstance(frame, CheckedRows):
            if self.array_input and frame.columns is self.columns:
                return frame.values
            return frame.frame()
        return frame

    def predict(self, frame: Features) -> np.ndarray[Any, Any]:
        """The model's predictions for ``frame`` as a numpy array."""
        import numpy as np

        return np.asarray(self.model.predict(self._input(frame)))

    def predict_proba(self, frame: Features) -> np.ndarray[Any, Any]:
        """Class probabilities for ``frame``."""
        import numpy as np

        return np.asarray(self.model.predict_proba(self._input(frame)))

    def frame_of(self, values: np.ndarray[Any, Any]) -> pd.DataFrame:
        """Checked all-number rows (a float array in :attr:`columns` order) as a frame."""
        return CheckedRows(values, self.columns, self.column_index).frame()

    def class_scores(
        self, rows: np.ndarray[Any, Any] | pd.DataFrame
    ) -> tuple[np.ndarray[Any, Any], tuple[str, ...]] | None:
        """The class probabilities of each row (rows × classes, in ``classes_`` order) and
        those classes as text, or None when the model has no ``predict_proba`` and
        ``classes_``. ``rows`` are checked rows: a frame, or the float array of the
        all-number path in :attr:`columns` order. The prediction log's writer calls this
        for many requests at once, off the request path."""
        import numpy as np

        classes = getattr(self.model, "classes_", None)
        if not self.has_proba or classes is None or len(classes) < 2:
            return None
        features = (
            CheckedRows(rows, self.columns, self.column_index)
            if isinstance(rows, np.ndarray)
            else rows
        )
        proba = self.predict_proba(features)
        if proba.ndim != 2 or proba.shape != (len(rows), len(classes)):
            return None
        names = tuple(str(c.item() if isinstance(c, np.generic) else c) for c in classes)
        return np.ascontiguousarray(proba, dtype=np.float64), names


def _warm_frame(signature: Signature) -> pd.DataFrame:
    import pandas as pd

    values: dict[str, Any] = {"integer": 0, "float": 0.0, "boolean": False, "string": ""}
    row = {c.name: values.get(c.kind, 0.0) for c in signature.columns}
    return pd.DataFrame([row], columns=list(signature.names))


#: scikit-learn's warning for an array given to a model fitted on a frame: the server
#: checked the names itself (see the module docstring).
_UNNAMED = "X does not have valid feature names"
#: scikit-learn classes that may read columns by name or run the user's code.
_BY_NAME = {"ColumnTransformer", "FunctionTransformer"}


def _parts(model: Any) -> list[Any]:
    """The model and every estimator inside it (pipeline steps, nested estimators)."""
    parts = [model]
    get_params = getattr(model, "get_params", None)
    if callable(get_params):
        try:
            params = get_params(deep=True)
        except Exception:
            return parts
        parts += [v for v in params.values() if callable(getattr(v, "get_params", None))]
    return parts


def _reads_arrays(
    model: Any, signature: Signature, warm: pd.DataFrame, expected: np.ndarray[Any, Any]
) -> bool:
    """Whether ``model`` answers a checked all-number frame's float array as it answers the
    frame (see the module docstring); ``expected`` is its answer to ``warm``."""
    import numpy as np

    columns = signature.columns
    if not columns or any(c.kind not in ("integer", "float") or c.nullable for c in columns):
        return False
    fitted = getattr(model, "feature_names_in_", None)
    if fitted is not None and [str(n) for n in fitted] != list(signature.names):
        return False
    if getattr(model, "n_features_in_", len(columns)) != len(columns):
        return False
    for part in _parts(model):
        kind = type(part)
        if not kind.__module__.startswith("sklearn.") or kind.__name__ in _BY_NAME:
            return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            answer = np.asarray(model.predict(warm.to_numpy(dtype=np.float64)))
    except Exception:
        return False
    return answer.shape == expected.shape and bool(np.array_equal(answer, expected))


def _hush_unnamed_arrays() -> None:
    """Silence scikit-learn's feature-name warning for array input in this process (once per
    load: a test runner may have reset the filters in between)."""
    warnings.filterwarnings("ignore", message=_UNNAMED, category=UserWarning)


def load_served(
    stores: Stores, name: str, version: int, *, allow_pickle: bool = False
) -> ServedModel:
    """Load version ``version`` of ``name`` from its verified bytes and warm it with one
    prediction; raises MlgateError (IntegrityError for a broken artifact) when it cannot serve.
    """
    from mlgate.train.flavors import load_model
    from mlgate.train.signature import Signature

    started = time.perf_counter()
    record = stores.metadata.get_version(name, version)
    if record is None:
        raise IntegrityError(f"model {name!r} has no version {version}")
    signature = None if record.signature is None else Signature.from_dict(record.signature)
    data = stores.artifacts.get_bytes(record.artifact)
    model = load_model(data, flavor=record.flavor, allow_pickle=allow_pickle)
    if not callable(getattr(model, "predict", None)):
        raise IntegrityError(f"{name} v{version} has no predict method: it cannot serve")
    served = ServedModel(
        name=name, version=version, model=model, signature=signature, load_seconds=0.0
    )
    array_input = False
    if signature is not None:
        warm = _warm_frame(signature)
        try:
            answer = served.predict(warm)
        except Exception as exc:
            raise IntegrityError(
                f"{name} v{version} failed its warm-up prediction ({type(exc).__name__}: {exc})"
            ) from None
        array_input = _reads_arrays(model, signature, warm, answer)
        if array_input:
            _hush_unnamed_arrays()
    elapsed = time.perf_counter() - started
    return ServedModel(
        name=name,
        version=version,
        model=model,
        signature=signature,
        load_seconds=elapsed,
        array_input=array_input,
    )


def describe(exc: BaseException) -> str:
    """A one-line reason for a failed load, without a traceback."""
    if isinstance(exc, MlgateError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"
