"""Reading a snapshot's tables (CSV, Parquet) into one DataFrame, from the store.

The bytes come from the artifact store (hash-verified), never from the user's
folder, so a run trains on exactly the snapshot it records.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from mlgate.data._manifest import Snapshot
from mlgate.errors import DataError
from mlgate.store.artifacts.cas import ArtifactStore

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["frame_from_bytes", "frame_to_bytes", "read_snapshot_frame", "table_files"]

_KINDS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def table_files(snap: Snapshot, *, fmt: str = "auto") -> list[tuple[str, str]]:
    """(path, kind) of the snapshot's table files, in path order."""
    found = []
    for entry in snap.files:
        suffix = "." + entry.path.rsplit(".", 1)[-1].lower() if "." in entry.path else ""
        kind = _KINDS.get(suffix)
        if kind is not None and fmt in ("auto", kind):
            found.append((entry.path, kind))
    if not found:
        kinds = "CSV or Parquet" if fmt == "auto" else fmt
        raise DataError(
            f"snapshot {snap.id[:12]} ({snap.source}) holds no {kinds} file",
            hint="Point data.source in mlgate.yaml at the training table(s).",
        )
    return found


def read_snapshot_frame(
    snap: Snapshot, artifacts: ArtifactStore, *, fmt: str = "auto"
) -> pd.DataFrame:
    """All table files of a snapshot, concatenated (they must share their columns)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    frames = []
    columns: list[str] | None = None
    first = ""
    for path, kind in table_files(snap, fmt=fmt):
        entry = snap.file(path)
        assert entry is not None
        data = artifacts.get_bytes(entry.digest)
        try:
            if kind == "csv":
                table = pcsv.read_csv(pa.BufferReader(data))
            else:
                table = pq.read_table(pa.BufferReader(data))
        except (pa.ArrowInvalid, pa.ArrowException) as exc:
            from mlgate.data._read import read_error_place

            place = read_error_place(kind, data, str(exc))
            raise DataError(
                f"{path} in snapshot {snap.id[:12]} cannot be read as {kind}: "
                f"{place + ': ' if place else ''}{str(exc).splitlines()[0]}",
                hint="Fix or remove the file, then snapshot again.",
            ) from None
        if columns is None:
            columns, first = table.column_names, path
        elif sorted(table.column_names) != sorted(columns):
            raise DataError(
                f"{path} has the columns {table.column_names}, but {first} has {columns}",
                hint="All table files of a data source must have the same columns.",
            )
        frames.append(table.to_pandas())
    frame: pd.DataFrame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return frame


def frame_to_bytes(frame: pd.DataFrame) -> bytes:
    """A DataFrame as Parquet bytes (deterministic for the same frame)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def frame_from_bytes(data: bytes) -> pd.DataFrame:
    """Parquet bytes back into a DataFrame."""
    import pandas as pd

    return pd.read_parquet(io.BytesIO(data))
