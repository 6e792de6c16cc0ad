"""The prediction log: what the server saw and answered, in Parquet segments.

The request path only appends a record to an in-memory deque (never waits on
disk, never wakes a thread); all-number inputs are queued as their array, so a
queued record is a handful of objects for the garbage collector. A writer thread
turns what is queued into a Parquet segment at least every ``flush_every``
seconds and on close. One row per scored row: ``request_id``, ``row``, ``time``
(UTC), ``model``, ``version``, ``route`` (primary, canary or shadow), one
``input.<column>`` per input column, ``output`` (the prediction; JSON text
when it is not a plain value). When the server keeps class scores, which live
metrics such as roc_auc need, a two-class model's rows get ``score`` (the
probability of the positive class, the second of ``classes_``) and
``score_label`` (that class, as text); a model with more classes gets
``scores`` (one probability per class) and ``score_classes`` (its classes, a
JSON list); other rows have nulls there. The writer thread computes scores,
one ``predict_proba`` call per model version and segment, never on the request
path. The segment is built in Arrow from numpy blocks (per-request values are
repeated per row by Arrow's ``take``, with no Python object per row), so the
writer thread holds the GIL briefly. Segments are written to a temp name and
renamed, so a reader never sees half a file. Labels arriving later join on
``request_id`` (plus ``row`` for batches).

The log lives in a local folder, or under an fsspec URL when the artifact store is
remote (``s3://bucket/prefix/predictions/NAME``), so several servers and the monitor
share it: a segment is uploaded whole (object stores publish an object at once; other
file systems get a temporary name and a rename). A segment that cannot be written is
kept for the next flush (up to ``max_queue`` records), so a network hiccup loses
nothing.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mlgate.deploy.model import ServedModel

__all__ = [
    "LogPlace",
    "LogRecord",
    "PredictionLog",
    "RemoteSegment",
    "is_remote",
    "local_folder",
    "read_log",
    "remote_segments",
]

_log = logging.getLogger("mlgate.deploy.predlog")

#: Where a prediction log lives: a local folder, or an fsspec URL (``s3://…``, ``memory://…``).
LogPlace: TypeAlias = "Path | str"


def is_remote(place: Path | str) -> bool:
    """Whether ``place`` is an fsspec URL (``file://`` is a local folder)."""
    return isinstance(place, str) and "://" in place and not place.startswith("file://")


def local_folder(place: Path | str) -> Path:
    """A local log place as a folder (a path, or a ``file://`` URL)."""
    return place if isinstance(place, Path) else Path(place.removeprefix("file://"))


@dataclass(frozen=True)
class RemoteSegment:
    """One segment of a remote log: its file system, its path there, and its path under the
    log's root (which orders segments: day folder, then the time-stamped name)."""

    fs: Any
    path: str
    relative: str
    url: str

    @property
    def name(self) -> str:
        """The file name."""
        return self.relative.rsplit("/", 1)[-1]

    def __str__(self) -> str:
        return self.url


def remote_segments(url: str) -> list[RemoteSegment]:
    """The segments under the log URL ``url``, in the order they were written."""
    from fsspec.core import url_to_fs

    fs, root = url_to_fs(url)
    root = root.rstrip("/")
    # Servers keep adding segments: forget every cached listing (s3fs, for one, keeps each
    # folder's, and would not find a segment added since in the day folder's old listing).
    fs.invalidate_cache()
    try:
        found = fs.find(root)
    except FileNotFoundError:
        return []
    segments = []
    for path in found:
        relative = path[len(root) + 1 :] if path.startswith(root + "/") else path
        name = relative.rsplit("/", 1)[-1]
        if name.endswith(".parquet") and not name.startswith("."):
            segments.append(RemoteSegment(fs, path, relative, f"{url.rstrip('/')}/{relative}"))
    return sorted(segments, key=lambda segment: segment.relative)


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One answered request, as queued by the request path.

    ``frame`` is the scored frame, or (the server's all-number fast path) its 2-D array with
    the names in ``columns``; ``outputs`` a list or a 1-D array. Arrays keep a queued record
    to a few objects the garbage collector has to visit, instead of a whole DataFrame.
    """

    request_id: str
    at: float
    model: str
    version: int
    route: str
    frame: pd.DataFrame | np.ndarray[Any, Any]
    outputs: list[Any] | np.ndarray[Any, Any]
    columns: tuple[str, ...] = ()
    #: The model that answered, when the log keeps scores: the writer asks it for them.
    scorer: ServedModel | None = None

    def names(self) -> tuple[str, ...]:
        """The input column names."""
        if self.columns:
            return self.columns
        return tuple(map(str, getattr(self.frame, "columns", ())))


class PredictionLog:
    """Batches :class:`LogRecord` into Parquet segments under ``folder`` on a writer thread.

    ``append`` only puts the record on a deque (atomic, no lock, no thread woken); the
    writer sleeps ``flush_every`` seconds (or until :meth:`close`) and takes all of it.
    """

    def __init__(
        self,
        folder: Path | str,
        *,
        sample: float = 1.0,
        flush_every: float = 5.0,
        max_queue: int = 100_000,
    ) -> None:
        self.folder = folder
        self.remote = is_remote(folder)
        self.sample = sample
        self.flush_every = flush_every
        self.max_queue = max_queue
        self._pending: deque[LogRecord] = deque()
        #: Records whose segment could not be written, tried again at the next flush.
        self._retry: list[LogRecord] = []
        self._closing = threading.Event()
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
            self._closing.clear()
            self._thread = threading.Thread(target=self._run, name="mlgate-predlog", daemon=True)
            self._thread.start()

    def append(self, record: LogRecord) -> bool:
        """Queue a record; False (and counted as dropped) when the queue is full."""
        if len(self._pending) >= self.max_queue:
            self.dropped += 1
            return False
        self._pending.append(record)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued and stop the writer thread."""
        if self._thread is None:
            return
        self._closing.set()
        self._thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        while True:
            closing = self._closing.wait(self.flush_every)
            pending = self._pending
            records = self._retry + [pending.popleft() for _ in range(len(pending))]
            self._retry = []
            if records:
                self._write(records, last=closing)
            if closing:
                return

    def _write(self, records: list[LogRecord], *, last: bool = False) -> None:
        try:
            self._write_segment(records)
        except Exception:  # the log must never take the server down
            if last or len(records) > self.max_queue:
                self.dropped += len(records)
                _log.exception("could not write %d prediction log records", len(records))
            else:
                self._retry = records
                _log.exception(
                    "could not write %d prediction log records; trying again at the next flush",
                    len(records),
                )

    def _write_segment(self, records: list[LogRecord]) -> None:
        import numpy as np
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        sizes = np.fromiter((len(r.frame) for r in records), dtype=np.int64, count=len(records))
        # per-record values are taken row by row inside Arrow: no Python object per row
        owner = pa.array(np.repeat(np.arange(len(records)), sizes))
        starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
        rows = (np.arange(int(sizes.sum())) - starts).astype(np.int32)
        times = pd.to_datetime(np.array([r.at for r in records]), unit="s", utc=True)
        meta = {
            "request_id": pa.array([r.request_id for r in records], pa.large_string()),
            "row": pa.array(rows),
            "time": pa.array(times),
            "model": pa.array([r.model for r in records], pa.large_string()),
            "version": pa.array([r.version for r in records], pa.int64()),
            "route": pa.array([r.route for r in records], pa.large_string()),
        }
        columns = {k: v if k == "row" else v.take(owner) for k, v in meta.items()}
        inputs = _inputs(records)
        columns.update(zip(inputs.column_names, inputs.columns, strict=True))
        columns["output"] = _outputs(records)
        if any(r.scorer is not None for r in records):
            columns.update(_scores(records, sizes))
        table = pa.table(columns)
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        name = f"{datetime.now(UTC):%H%M%S%f}-{uuid.uuid4().hex[:8]}.parquet"
        # dictionary pages only for text (ids, names, categories): tried on random floats they
        # only cost time (half of the write for number inputs)
        text = [
            f.name
            for f in table.schema
            if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
        ]
        if self.remote:
            self._upload(table, day, name, text)
        else:
            folder = local_folder(self.folder) / day
            folder.mkdir(parents=True, exist_ok=True)
            temp = folder / f".{name}.tmp"
            pq.write_table(table, temp, use_dictionary=text)
            temp.replace(folder / name)
        self.written += table.num_rows
        self.segments += 1

    def _upload(self, table: Any, day: str, name: str, text: list[str]) -> None:
        """Write the segment to the remote log in one upload."""
        import pyarrow as pa
        import pyarrow.parquet as pq
        from fsspec.core import url_to_fs

        from mlgate.store.artifacts.remote import ATOMIC_PUT

        fs, root = url_to_fs(str(self.folder))
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, use_dictionary=text)
        data = sink.getvalue().to_pybytes()
        target = f"{root.rstrip('/')}/{day}/{name}"
        protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
        if protocol in ATOMIC_PUT:
            fs.pipe_file(target, data)
            return
        temp = f"{root.rstrip('/')}/{day}/.{name}.tmp"
        fs.makedirs(f"{root.rstrip('/')}/{day}", exist_ok=True)
        fs.pipe_file(temp, data)
        fs.mv(temp, target)


def _inputs(records: list[LogRecord]) -> Any:
    """The input rows of ``records`` as one Arrow table with ``input.<column>`` names.
    Records with the same columns (the usual case) are stacked as numpy blocks."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    names = {r.names() for r in records}
    if len(names) == 1:
        (columns,) = names
        blocks = [
            r.frame if isinstance(r.frame, np.ndarray) else r.frame.to_numpy() for r in records
        ]
        if {b.dtype.kind for b in blocks} <= {"f", "i", "u"}:
            stacked = np.concatenate(blocks)
            return pa.table({f"input.{c}": pa.array(stacked[:, j]) for j, c in enumerate(columns)})
    frames = [
        r.frame if isinstance(r.frame, pd.DataFrame) else pd.DataFrame(r.frame, columns=r.names())
        for r in records
    ]
    frame = pd.concat(frames, ignore_index=True)
    frame.columns = [f"input.{c}" for c in frame.columns]
    return pa.Table.from_pandas(frame, preserve_index=False)


def _scores(records: list[LogRecord], sizes: np.ndarray[Any, Any]) -> dict[str, Any]:
    """The score columns (see the module docstring): the records of each model are scored
    together, in one call."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    n = int(sizes.sum())
    score, label = np.full(n, np.nan), np.full(n, None, dtype=object)
    lengths = np.zeros(n, dtype=np.int64)
    classes_of = np.full(n, None, dtype=object)
    many: list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] = []  # (rows, proba)
    starts = np.cumsum(sizes) - sizes
    by_model: dict[int, list[int]] = {}
    for number, record in enumerate(records):
        if record.scorer is not None:
            by_model.setdefault(id(record.scorer), []).append(number)
    for numbers in by_model.values():
        scorer = records[numbers[0]].scorer
        assert scorer is not None
        frames = [records[n].frame for n in numbers]
        rows: np.ndarray[Any, Any] | pd.DataFrame
        if all(isinstance(f, np.ndarray) for f in frames):
            rows = np.concatenate(frames)
        else:
            rows = pd.concat(
                [f if isinstance(f, pd.DataFrame) else scorer.frame_of(f) for f in frames],
                ignore_index=True,
            )
        try:
            found = scorer.class_scores(rows)
        except Exception as exc:  # a model that cannot score leaves nulls, never a lost log
            _log.warning("v%d could not score %d logged rows: %s", scorer.version, len(rows), exc)
            continue
        if found is None:
            continue
        proba, classes = found
        where = np.concatenate([np.arange(starts[n], starts[n] + sizes[n]) for n in numbers])
        if len(classes) == 2:
            score[where], label[where] = proba[:, 1], classes[1]
        else:
            lengths[where] = len(classes)
            classes_of[where] = json.dumps(list(classes))
            many.append((where, proba))
    columns: dict[str, Any] = {
        "score": pa.array(score),
        "score_label": pa.array(label, pa.large_string()),
    }
    if many:
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        values = np.zeros(int(offsets[-1]))
        for where, proba in many:
            cells = offsets[where][:, None] + np.arange(proba.shape[1])
            values[cells] = proba
        columns["scores"] = pa.ListArray.from_arrays(
            pa.array(offsets, pa.int32()), pa.array(values), mask=pa.array(lengths == 0)
        )
        columns["score_classes"] = pa.array(classes_of, pa.large_string())
    return columns


def _outputs(records: list[LogRecord]) -> Any:
    """The ``output`` column: plain values as they are, anything else as JSON text."""
    import numpy as np
    import pyarrow as pa

    arrays = [r.outputs for r in records if isinstance(r.outputs, np.ndarray)]
    if (
        len(arrays) == len(records)
        and all(a.ndim == 1 for a in arrays)
        and {a.dtype.kind for a in arrays} <= {"b", "i", "u", "f"}
    ):
        return pa.array(np.concatenate(arrays))
    outputs = [
        value
        for r in records
        for value in (r.outputs.tolist() if isinstance(r.outputs, np.ndarray) else r.outputs)
    ]
    try:
        return pa.array(outputs)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([json.dumps(v, default=str) for v in outputs])


def read_log(folder: Path | str) -> pd.DataFrame:
    """Every segment under ``folder`` (a local folder or a log URL) as one frame (empty when
    nothing was logged)."""
    import pandas as pd
    import pyarrow.parquet as pq

    tables = []
    if is_remote(folder):
        for segment in remote_segments(str(folder)):
            with segment.fs.open(segment.path, "rb") as fh:
                tables.append(pq.read_table(fh))
    else:
        local = local_folder(folder)
        files = sorted(p for p in local.rglob("*.parquet") if not p.name.startswith("."))
        tables = [pq.read_table(f) for f in files]
    if not tables:
        return pd.DataFrame(columns=["request_id", "row", "time", "model", "version", "route"])
    frame: pd.DataFrame = pd.concat([t.to_pandas() for t in tables], ignore_index=True)
    return frame
