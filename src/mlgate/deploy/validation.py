"""Requests checked against the model's signature: a clear 4xx naming the field, never a 500.

:class:`BadRequest` carries the HTTP status and a message; the protocols turn it
into their own error body. :func:`check_frame` is the careful path: it compares
column names, then dtype kinds (from ``frame.dtypes``, one call), then empty
values. When every input column is a number, rows that arrive as one block of
numbers skip it: :func:`numeric_frame` and :func:`float_frame` check width, dtype
and NaN on the array and give :class:`CheckedRows`, which stays an array (no
DataFrame is built) unless the model reads frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mlgate.deploy.model import ServedModel

__all__ = [
    "BadRequest",
    "CheckedRows",
    "Features",
    "check_frame",
    "float_frame",
    "frame_from_rows",
    "numeric_frame",
]

_NUMBER = {"integer", "float"}


@dataclass(frozen=True, eq=False, slots=True)
class CheckedRows:
    """Rows that passed the all-number fast path for one model: ``values`` is a float64
    array (rows × the model's columns in training order, column-major, no NaN);
    ``columns`` is that model's own :attr:`~mlgate.deploy.model.ServedModel.columns`
    tuple, whose identity says which model they were checked for."""

    values: np.ndarray[Any, Any]
    columns: tuple[str, ...]
    index: pd.Index

    def __len__(self) -> int:
        return len(self.values)

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame (for a model that reads frames, or another model's check)."""
        import pandas as pd

        return pd.DataFrame(self.values, columns=self.index)


#: What a protocol parser gives and the model scores: a frame, or checked all-number rows.
Features: TypeAlias = "pd.DataFrame | CheckedRows"


class BadRequest(Exception):
    """A client mistake: ``status`` (400, 413, 415, 422…), a message, and a protocol code."""

    def __init__(self, message: str, *, status: int = 400, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


_KINDS: dict[str, str] = {}


def _kind_of(dtype: Any) -> str:
    name = str(dtype)
    kind = _KINDS.get(name)
    if kind is None:
        from mlgate.train.signature import dtype_kind

        found = dtype_kind(name)
        kind = _KINDS[name] = "number" if found in _NUMBER else found
    return kind


def numeric_frame(
    served: ServedModel, rows: list[Any], *, may_hold_bools: bool = True
) -> CheckedRows | None:
    """The fast path for all-number signatures: rows (lists in training order) as one float
    array, or None when they need the careful path (a wrong width, text, true/false, null).
    ``may_hold_bools=False`` (the body has no ``true``/``false`` token) skips the bool scan."""
    import numpy as np

    if not served.all_numeric:
        return None
    try:
        array = np.array(rows)
    except ValueError:  # ragged
        return None
    if array.ndim != 2 or array.shape[1] != len(served.columns) or array.dtype.kind not in "if":
        return None
    if may_hold_bools and any(type(v) is bool for row in rows for v in row):
        return None  # true/false mixed with numbers: let the careful path name the column
    return float_frame(served, array)


def float_frame(served: ServedModel, array: np.ndarray[Any, Any]) -> CheckedRows | None:
    """The fast path for a 2-D array of rows × the model's columns (training order) holding
    integers or float64 without NaN: :class:`CheckedRows`; None when it needs the careful
    path (another width or dtype, NaN, a signature with other kinds)."""
    import numpy as np

    if (
        not served.all_numeric
        or array.ndim != 2
        or array.shape[1] != len(served.columns)
        or not (array.dtype.kind in "iu" or array.dtype == np.float64)
    ):
        return None
    if array.dtype.kind == "f" and bool(np.isnan(array).any()):
        return None
    # column-major, as pandas keeps a frame's float block: the model computes exactly what
    # it computes from the frame (BLAS sums in another order for a row-major array)
    values = np.asfortranarray(array, dtype=np.float64)
    return CheckedRows(values, served.columns, served.column_index)


def frame_from_rows(
    served: ServedModel, rows: list[Any], *, where: str, may_hold_bools: bool = True
) -> Features:
    """A frame from positional rows (lists in training column order)."""
    import pandas as pd

    columns = served.columns
    if not columns:
        return pd.DataFrame(rows)
    fast = numeric_frame(served, rows, may_hold_bools=may_hold_bools)
    if fast is not None:
        return fast
    for index, row in enumerate(rows):
        if not isinstance(row, list):
            raise BadRequest(f"{where}[{index}] is {type(row).__name__}, expected a list of values")
        if len(row) != len(columns):
            raise BadRequest(
                f"{where}[{index}] has {len(row)} values, but the model reads {len(columns)} "
                f"columns ({_list(columns)})",
                code="INVALID_PARAMETER_VALUE",
            )
    return pd.DataFrame(rows, columns=list(columns))


def _list(names: tuple[str, ...] | list[str], limit: int = 6) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")


def check_frame(served: ServedModel, frame: Features) -> Features:
    """``frame`` with the model's columns in training order, or BadRequest naming the column
    that is missing, unknown, of the wrong type, or empty where training had no empty value.
    Rows checked for this model already pass as they are."""
    if len(frame) == 0:
        raise BadRequest("the request has no rows to score")
    if isinstance(frame, CheckedRows):
        if frame.columns is served.columns:
            return frame
        frame = frame.frame()
    signature = served.signature
    if signature is None:
        return frame
    names = signature.names
    present = [str(c) for c in frame.columns]
    if present != list(names):
        known = set(names)
        given = set(present)
        missing = [n for n in names if n not in given]
        if missing:
            raise BadRequest(
                f"missing input column{'s' if len(missing) > 1 else ''} {_list(missing)}; "
                f"the model reads {_list(names)}",
                code="INVALID_PARAMETER_VALUE",
            )
        extra = [n for n in present if n not in known]
        if extra:
            raise BadRequest(
                f"unknown input column{'s' if len(extra) > 1 else ''} {_list(extra)}; "
                f"the model reads {_list(names)}",
                code="INVALID_PARAMETER_VALUE",
            )
        if len(present) != len(given):
            raise BadRequest("an input column is given twice", code="INVALID_PARAMETER_VALUE")
        frame = frame[list(names)]
    dtypes = frame.dtypes.tolist()
    for spec, expected, dtype in zip(signature.columns, served.kinds, dtypes, strict=True):
        found = _kind_of(dtype)
        if found == expected:
            continue
        if str(dtype) == "object":
            found = _object_kind(frame[spec.name])
            if found in {expected, "empty"}:
                continue
        raise BadRequest(
            f"the column '{spec.name}' holds {found} values, but the model was trained on "
            f"{spec.dtype} ({_kind_of(spec.dtype)})",
            code="INVALID_PARAMETER_VALUE",
        )
    nulls = frame.isna()
    if bool(nulls.to_numpy().any()):
        for spec in signature.columns:
            if not spec.nullable and bool(nulls[spec.name].any()):
                raise BadRequest(
                    f"the column '{spec.name}' has an empty value, but had none in training",
                    code="INVALID_PARAMETER_VALUE",
                )
    return frame


def _object_kind(series: pd.Series) -> str:
    from pandas.api.types import infer_dtype

    inferred = infer_dtype(series, skipna=True)
    mapping = {
        "string": "string",
        "empty": "empty",
        "integer": "number",
        "floating": "number",
        "mixed-integer-float": "number",
        "boolean": "boolean",
    }
    return mapping.get(
        inferred, f"mixed ({inferred})" if inferred.startswith("mixed") else inferred
    )
