"""One model version loaded for serving: the model, its signature, and a warm-up call."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlgate.errors import IntegrityError, MlgateError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

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

    @property
    def columns(self) -> tuple[str, ...]:
        """Input column names in training order (empty without a signature)."""
        return () if self.signature is None else self.signature.names

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

    def predict(self, frame: pd.DataFrame) -> np.ndarray[Any, Any]:
        """The model's predictions for ``frame`` as a numpy array."""
        import numpy as np

        return np.asarray(self.model.predict(frame))

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray[Any, Any]:
        """Class probabilities for ``frame``."""
        import numpy as np

        return np.asarray(self.model.predict_proba(frame))


def _warm_frame(signature: Signature) -> pd.DataFrame:
    import pandas as pd

    values: dict[str, Any] = {"integer": 0, "float": 0.0, "boolean": False, "string": ""}
    row = {c.name: values.get(c.kind, 0.0) for c in signature.columns}
    return pd.DataFrame([row], columns=list(signature.names))


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
    if signature is not None:
        try:
            served.predict(_warm_frame(signature))
        except Exception as exc:
            raise IntegrityError(
                f"{name} v{version} failed its warm-up prediction ({type(exc).__name__}: {exc})"
            ) from None
    elapsed = time.perf_counter() - started
    return ServedModel(
        name=name, version=version, model=model, signature=signature, load_seconds=elapsed
    )


def describe(exc: BaseException) -> str:
    """A one-line reason for a failed load, without a traceback."""
    if isinstance(exc, MlgateError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"
