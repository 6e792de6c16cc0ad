"""The prediction log: what the server saw and answered, in Parquet segments.

The request path only appends a record to an in-memory queue (never waits on
disk). A writer thread turns the queue into a Parquet segment at least every
``flush_every`` seconds and on close. One row per scored row: ``request_id``,
``row``, ``time`` (UTC), ``model``, ``version``, ``route`` (primary, canary or
shadow), one ``input.<column>`` per input column, and ``output`` (the
prediction; JSON text when it is not a plain value). Building the segment is
vectorized (one concat per batch), so the writer thread steals little time
from the requests. Segments are written to a temp
name and renamed, so a reader never sees half a file. Labels arriving later join
on ``request_id`` (plus ``row`` for batches).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LogRecord", "PredictionLog", "read_log"]

_log = logging.getLogger("mlgate.deploy.predlog")
_TICK = object()


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One answered request, as queued by the request path."""

    request_id: str
    at: float
    model: str
    version: int
    route: str
    frame: pd.DataFrame
    outputs: list[Any]


class PredictionLog:
    """Batches :class:`LogRecord` into Parquet segments under ``folder`` on a writer thread."""

    def __init__(
        self,
        folder: Path,
        *,
        sample: float = 1.0,
        flush_every: float = 5.0,
        max_queue: int = 100_000,
    ) -> None:
        self.folder = folder
        self.sample = sample
        self.flush_every = flush_every
        self._queue: queue.Queue[LogRecord | None] = queue.Queue(maxsize=max_queue)
        self._thread: threading.Thread | None = None
        self.written = 0
        self.dropped = 0
        self.segments = 0

    @property
    def enabled(self) -> bool:
        """Whether anything is logged at all."""
        return self.sample > 0

    def wants(self, bucket: float) -> bool:
        """Whether a request in ``bucket`` (see :func:`mlgate.deploy.routing.bucket`) is logged."""
        return bucket < self.sample

    def start(self) -> None:
        """Start the writer thread."""
        if self.enabled and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="mlgate-predlog", daemon=True)
            self._thread.start()

    def append(self, record: LogRecord) -> bool:
        """Queue a record; False (and counted as dropped) when the queue is full."""
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1
            return False
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued and stop the writer thread."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        pending: list[LogRecord] = []
        deadline = time.monotonic() + self.flush_every
        while True:
            try:
                item: LogRecord | object | None = self._queue.get(
                    timeout=max(0.0, deadline - time.monotonic())
                )
            except queue.Empty:
                item = _TICK
            if isinstance(item, LogRecord):
                pending.append(item)
            if item is None or time.monotonic() >= deadline:
                if pending:
                    self._write(pending)
                    pending = []
                deadline = time.monotonic() + self.flush_every
            if item is None:
                return

    def _write(self, records: list[LogRecord]) -> None:
        try:
            self._write_segment(records)
        except Exception:  # the log must never take the server down
            _log.exception("could not write %d prediction log records", len(records))

    def _write_segment(self, records: list[LogRecord]) -> None:
        import numpy as np
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        sizes = np.fromiter((len(r.frame) for r in records), dtype=np.int64, count=len(records))
        inputs = _inputs(records)
        outputs = [value for r in records for value in r.outputs]
        meta = pd.DataFrame(
            {
                "request_id": np.repeat([r.request_id for r in records], sizes),
                "row": np.concatenate([np.arange(n, dtype=np.int32) for n in sizes]),
                "time": pd.to_datetime(
                    np.repeat([r.at for r in records], sizes), unit="s", utc=True
                ),
                "model": np.repeat([r.model for r in records], sizes),
                "version": np.repeat([r.version for r in records], sizes),
                "route": np.repeat([r.route for r in records], sizes),
            }
        )
        try:
            output = pa.array(outputs)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            output = pa.array([json.dumps(v, default=str) for v in outputs])
        table = pa.Table.from_pandas(
            pd.concat([meta, inputs], axis=1), preserve_index=False
        ).append_column("output", output)
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        folder = self.folder / day
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%H%M%S%f}-{uuid.uuid4().hex[:8]}.parquet"
        temp = folder / f".{name}.tmp"
        pq.write_table(table, temp)
        temp.replace(folder / name)
        self.written += table.num_rows
        self.segments += 1


def _inputs(records: list[LogRecord]) -> pd.DataFrame:
    """The input rows of ``records`` as one frame with ``input.<column>`` names. Records with
    the same columns (the usual case) are stacked as numpy blocks, not frame by frame."""
    import numpy as np
    import pandas as pd

    groups: dict[tuple[str, ...], list[int]] = {}
    for index, record in enumerate(records):
        groups.setdefault(tuple(map(str, record.frame.columns)), []).append(index)
    if len(groups) == 1:
        ((columns, _),) = groups.items()
        blocks = [r.frame.to_numpy() for r in records]
        kinds = {b.dtype.kind for b in blocks}
        if kinds <= {"f", "i", "u"}:
            stacked = np.concatenate(blocks)
            return pd.DataFrame(stacked, columns=[f"input.{c}" for c in columns])
    frame = pd.concat([r.frame for r in records], ignore_index=True)
    frame.columns = [f"input.{c}" for c in frame.columns]
    return frame


def read_log(folder: Path) -> pd.DataFrame:
    """Every segment under ``folder`` as one frame (empty when nothing was logged)."""
    import pandas as pd
    import pyarrow.parquet as pq

    files = sorted(p for p in folder.rglob("*.parquet") if not p.name.startswith("."))
    if not files:
        return pd.DataFrame(columns=["request_id", "row", "time", "model", "version", "route"])
    frame: pd.DataFrame = pd.concat(
        [pq.read_table(f).to_pandas() for f in files], ignore_index=True
    )
    return frame
