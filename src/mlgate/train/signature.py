"""A model's input signature: the columns it was trained on, with their types.

The signature is inferred from the training features (every column but the
label) and saved with the model version. Serving checks each request against it
and data checks compare a new snapshot with the champion's signature, so a
model never sees data it cannot read (DESIGN.md, invariant 4).

Types are compared by *kind* (integer, float, boolean, string, datetime,
category, other), not by exact dtype: an int32 column arriving as int64 is
fine, and integer and float columns are interchangeable (a JSON request or a
column with a missing value turns integers into floats).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from mlgate.errors import IntegrityError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ColumnSpec",
    "Signature",
    "SignatureProblem",
    "dtype_kind",
    "infer_signature",
]

Kind = Literal["integer", "float", "boolean", "string", "datetime", "category", "other"]
ProblemKind = Literal["missing", "extra", "retyped", "nulls"]
_FORMAT = 1
#: Kinds that stand in for each other.
_COMPATIBLE: dict[str, str] = {"integer": "number", "float": "number"}
_INTEGER = re.compile(r"^u?int\d*$")
_FLOAT = re.compile(r"^(float|double|halffloat)\d*$")


def dtype_kind(dtype: Any) -> Kind:
    """The kind of a pandas/numpy/arrow dtype (or its name).

    >>> dtype_kind("int32"), dtype_kind("Float64"), dtype_kind("datetime64[ns, UTC]")
    ('integer', 'float', 'datetime')
    """
    base = str(dtype).lower().split("[")[0].strip()
    if base in {"bool", "boolean"}:
        return "boolean"
    if _INTEGER.match(base):
        return "integer"
    if _FLOAT.match(base) or base.startswith("decimal"):
        return "float"
    if base.startswith(("datetime64", "timestamp")) or base == "datetime":
        return "datetime"
    if base == "category" or base.startswith("dictionary"):
        return "category"
    if base in {"str", "string", "large_string", "utf8"}:
        return "string"
    return "other"


@dataclass(frozen=True)
class ColumnSpec:
    """One input column: its name, its dtype when trained, and whether it had empty values."""

    name: str
    dtype: str
    nullable: bool

    @property
    def kind(self) -> Kind:
        """The dtype's kind (see :func:`dtype_kind`)."""
        return dtype_kind(self.dtype)


@dataclass(frozen=True)
class SignatureProblem:
    """A difference between a frame and a signature, with a sentence that explains it."""

    column: str
    kind: ProblemKind
    message: str
    expected: str | None = None
    found: str | None = None


def _frame_dtype(series: pd.Series) -> str:
    """The dtype name; object columns that hold only text count as ``str``."""
    name = str(series.dtype)
    if name == "object":
        from pandas.api.types import infer_dtype

        inferred = infer_dtype(series, skipna=True)
        if inferred in {"string", "empty"}:
            return "str"
        if inferred in {"integer", "floating", "boolean", "datetime", "datetime64"}:
            return {"floating": "float64", "datetime64": "datetime64[ns]"}.get(
                inferred, {"integer": "int64", "boolean": "bool"}.get(inferred, inferred)
            )
    return name


@dataclass(frozen=True)
class Signature:
    """The columns a model reads, in training order."""

    columns: tuple[ColumnSpec, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in training order."""
        return tuple(column.name for column in self.columns)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (:meth:`from_dict` reads it back)."""
        return {
            "format": _FORMAT,
            "columns": [
                {"name": c.name, "dtype": c.dtype, "nullable": c.nullable} for c in self.columns
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Signature:
        """Read what :meth:`to_dict` wrote; IntegrityError if it is malformed."""
        try:
            if data.get("format", _FORMAT) != _FORMAT:
                raise ValueError(f"unknown format {data.get('format')!r}")
            columns = tuple(
                ColumnSpec(name=str(c["name"]), dtype=str(c["dtype"]), nullable=bool(c["nullable"]))
                for c in data["columns"]
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IntegrityError(f"the stored model signature is malformed: {exc}") from None
        return cls(columns=columns)

    def check_frame(
        self, frame: pd.DataFrame, *, allow_extra: bool = False, check_nulls: bool = False
    ) -> list[SignatureProblem]:
        """What keeps ``frame`` from being read by the model: missing columns, extra ones
        (unless ``allow_extra``), columns of another kind, and (with ``check_nulls``) empty
        values in columns that had none in training. Empty when the frame fits."""
        problems: list[SignatureProblem] = []
        present = {str(name): name for name in frame.columns}
        for spec in self.columns:
            if spec.name not in present:
                problems.append(
                    SignatureProblem(
                        spec.name,
                        "missing",
                        f"the column '{spec.name}' ({spec.dtype}) is missing",
                        expected=spec.dtype,
                    )
                )
                continue
            series = frame[present[spec.name]]
            found = _frame_dtype(series)
            kind = dtype_kind(found)
            if _COMPATIBLE.get(kind, kind) != _COMPATIBLE.get(spec.kind, spec.kind):
                problems.append(
                    SignatureProblem(
                        spec.name,
                        "retyped",
                        f"the column '{spec.name}' is {found} ({kind}), but the model was "
                        f"trained on {spec.dtype} ({spec.kind})",
                        expected=spec.dtype,
                        found=found,
                    )
                )
            elif check_nulls and not spec.nullable and bool(series.isna().any()):
                count = int(series.isna().sum())
                problems.append(
                    SignatureProblem(
                        spec.name,
                        "nulls",
                        f"the column '{spec.name}' has {count} empty value"
                        f"{'s' if count > 1 else ''}, but had none in training",
                    )
                )
        if not allow_extra:
            known = set(self.names)
            for name in present:
                if name not in known:
                    problems.append(
                        SignatureProblem(
                            name,
                            "extra",
                            f"the column '{name}' is not one the model was trained on",
                            found=_frame_dtype(frame[present[name]]),
                        )
                    )
        return problems


def infer_signature(frame: pd.DataFrame, *, label: str | None = None) -> Signature:
    """The signature of the features in ``frame``: every column except ``label``."""
    columns = tuple(
        ColumnSpec(
            name=str(name),
            dtype=_frame_dtype(frame[name]),
            nullable=bool(frame[name].isna().any()),
        )
        for name in frame.columns
        if str(name) != label
    )
    return Signature(columns=columns)
