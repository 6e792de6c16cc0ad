"""Reading a snapshot's tables, and splitting the rows into training and holdout.

:func:`load_table` reads the CSV and Parquet files of a snapshot checkout into
one data frame. :func:`split_frame` splits it as ``data.split`` in mlgate.yaml
says:

- ``method: random`` — each row's side is decided by a hash of its content and
  the seed, so the same data and seed always give the same rows; appending rows
  to the data never moves an existing row to the other side, and identical rows
  always land on the same side (no duplicate leaks from training into holdout).
  The holdout share is ``holdout`` on average, not exactly.
- ``method: time`` — the latest rows by a time column are held out: train on
  the past, evaluate on the future. Rows that share the cut-off time all go to
  the holdout, so no row is evaluated on a model trained on its own moment.

Both keep the rows in their original order and with their original index.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mlgate.errors import DataError
from mlgate.spec import RandomSplit, TimeSplit
from mlgate.train._names import did_you_mean, listing

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

__all__ = ["TABLE_SUFFIXES", "Split", "find_tables", "load_table", "require_column", "split_frame"]

#: File name endings read as tables (lower case).
TABLE_SUFFIXES = (".csv", ".parquet", ".pq")

TableFormat = Literal["auto", "csv", "parquet"]

_MASK = (1 << 64) - 1


@dataclass(frozen=True, eq=False)
class Split:
    """The rows a model is trained on, and the rows it is evaluated on."""

    train: pd.DataFrame
    holdout: pd.DataFrame


# -- reading


def find_tables(root: Path) -> list[Path]:
    """The CSV and Parquet files under ``root`` (or ``root`` itself), sorted by path."""
    if root.is_file():
        return [root]
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and path.name.lower().endswith(TABLE_SUFFIXES)
    )


def _format_of(path: Path, fmt: TableFormat) -> Literal["csv", "parquet"]:
    if fmt != "auto":
        return fmt
    name = path.name.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    raise DataError(
        f"cannot tell the format of {path.name}: it is neither .csv nor .parquet",
        where=str(path),
        hint="Remove the file from the data folder, or set data.format in mlgate.yaml.",
    )


def _read_one(path: Path, fmt: TableFormat) -> pa.Table:
    import pyarrow as pa

    kind = _format_of(path, fmt)
    try:
        if kind == "csv":
            import pyarrow.csv as pcsv

            return pcsv.read_csv(path)
        import pyarrow.parquet as pq

        return pq.read_table(path)
    except FileNotFoundError:
        raise DataError("the file does not exist", where=str(path)) from None
    except (pa.ArrowException, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(
            f"cannot read the file as {kind.upper()}: {first}",
            where=str(path),
            hint=f"Check that it is valid {kind.upper()}, or set data.format in mlgate.yaml.",
        ) from None


def _same_columns(tables: Sequence[pa.Table], paths: Sequence[Path]) -> list[pa.Table]:
    first = tables[0].schema.names
    aligned = [tables[0]]
    for table, path in zip(tables[1:], paths[1:], strict=True):
        names = table.schema.names
        if set(names) != set(first) or len(names) != len(first):
            missing = [name for name in first if name not in names]
            extra = [name for name in names if name not in first]
            parts = []
            if missing:
                parts.append(f"lacks {listing(missing)}")
            if extra:
                parts.append(f"has the extra columns {listing(extra)}")
            raise DataError(
                f"the tables do not have the same columns: {path.name} "
                + " and ".join(parts)
                + f" compared with {paths[0].name}",
                where=str(path),
                hint="Give every file of the data set the same columns.",
            )
        aligned.append(table.select(first))
    return aligned


def _concat(tables: list[pa.Table], paths: Sequence[Path]) -> pa.Table:
    import pyarrow as pa

    if len(tables) == 1:
        return tables[0]
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass
    for name in tables[0].schema.names:
        types = {str(table.schema.field(name).type) for table in tables}
        if len(types) > 1:
            per_file = ", ".join(
                f"{path.name}: {table.schema.field(name).type}"
                for table, path in zip(tables, paths, strict=True)
            )
            raise DataError(
                f"the column '{name}' has different types in different files ({per_file})",
                hint="Give the column one type in every file.",
            )
    raise DataError("the tables cannot be combined", where=str(paths[0]))  # pragma: no cover


def load_table(paths: Sequence[Path], *, format: TableFormat = "auto") -> pd.DataFrame:
    """Read CSV/Parquet files with the same columns into one data frame, in the given order.

    Columns are matched by name (their order may differ between files); numeric
    types are widened where files disagree (int in one file, float in another).
    Raises :class:`~mlgate.errors.DataError` for an unreadable file, a file with
    other columns, or a column whose types cannot be reconciled.
    """
    if not paths:
        raise DataError(
            "there are no CSV or Parquet files to read",
            hint="Check data.source in mlgate.yaml and the snapshot's files.",
        )
    tables = [_read_one(Path(path), format) for path in paths]
    table = _concat(_same_columns(tables, list(paths)), list(paths))
    frame: pd.DataFrame = table.to_pandas()
    return frame


# -- splitting


def require_column(frame: pd.DataFrame, column: str, *, role: str) -> None:
    """Raise :class:`~mlgate.errors.DataError` if ``column`` is not in ``frame``.

    ``role`` says what the column is for (``label``, ``time``); the message names
    the nearest columns and lists the ones there are.
    """
    names = [str(name) for name in frame.columns]
    if column in names:
        return
    raise DataError(
        f"the {role} column '{column}' is not in the data{did_you_mean(column, names)}",
        hint=f"The columns are: {listing(names, limit=30)}. Fix the name in mlgate.yaml.",
    )


def _mix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer on uint64 values: a fast, well-spread bijection."""
    import numpy as np

    z = values.astype(np.uint64, copy=True)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A uint64 per row from its content (columns taken in name order); by position if the
    values cannot be hashed (lists, dicts)."""
    import numpy as np
    import pandas as pd

    ordered = frame[sorted(frame.columns, key=str)]
    try:
        hashed = pd.util.hash_pandas_object(ordered, index=False)
        return hashed.to_numpy(dtype=np.uint64)
    except TypeError:
        return np.arange(len(frame), dtype=np.uint64)


def _random_mask(frame: pd.DataFrame, split: RandomSplit) -> np.ndarray:
    import numpy as np

    seed_key = (split.seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & _MASK
    keys = _mix64(_row_hashes(frame) ^ np.uint64(seed_key))
    uniform = (keys >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    mask = uniform < split.holdout
    n = len(frame)
    if 0 < int(mask.sum()) < n:
        return np.asarray(mask)
    # Too few rows for the share to come out on both sides: take the rows with the
    # smallest keys, still decided by content and seed only.
    n_holdout = min(n - 1, max(1, round(n * split.holdout)))
    order = np.argsort(keys, kind="stable")
    mask = np.zeros(n, dtype=bool)
    mask[order[:n_holdout]] = True
    return mask


def _time_values(frame: pd.DataFrame, column: str) -> pd.Series:
    import pandas as pd
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    values = frame[column]
    if values.isna().any():
        count = int(values.isna().sum())
        raise DataError(
            f"the time column '{column}' has {count} empty value{'s' if count > 1 else ''}",
            hint="Fill or drop those rows, or split at random (data.split.method: random).",
        )
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(values):
        return values
    if is_numeric_dtype(values) and not is_bool_dtype(values):
        return values
    try:
        return pd.to_datetime(values, format="ISO8601")
    except (ValueError, TypeError):
        example = str(values.iloc[0])
        raise DataError(
            f"the time column '{column}' holds {values.dtype} values that are not dates "
            f"or numbers (e.g. {example!r})",
            hint="Use a column of dates (ISO 8601, e.g. 2024-05-01T12:00:00) or numbers.",
        ) from None


def _time_mask(frame: pd.DataFrame, split: TimeSplit) -> np.ndarray:
    import numpy as np

    require_column(frame, split.column, role="time")
    values = _time_values(frame, split.column)
    n = len(frame)
    n_holdout = min(n - 1, max(1, math.ceil(n * split.holdout)))
    ordered = values.sort_values(kind="mergesort")
    cutoff = ordered.iloc[n - n_holdout]
    mask = np.asarray(values >= cutoff, dtype=bool)
    if mask.all():
        raise DataError(
            f"cannot split by time: every row has the same '{split.column}' ({cutoff})",
            hint="Split at random (data.split.method: random), or use a column that varies.",
        )
    return mask


def split_frame(frame: pd.DataFrame, *, split: RandomSplit | TimeSplit, label: str) -> Split:
    """Split ``frame`` into training and holdout rows as ``split`` says (see the module).

    Raises :class:`~mlgate.errors.DataError` if the label or time column is
    missing (naming the nearest columns), if there are fewer than two rows, or if
    the time column has empty values or cannot be ordered.
    """
    require_column(frame, label, role="label")
    if len(frame) < 2:
        raise DataError(
            f"cannot split {len(frame)} row{'' if len(frame) == 1 else 's'} into training and "
            "holdout rows: at least 2 are needed",
            hint="Add rows to the data set.",
        )
    mask = _time_mask(frame, split) if isinstance(split, TimeSplit) else _random_mask(frame, split)
    return Split(train=frame[~mask], holdout=frame[mask])
