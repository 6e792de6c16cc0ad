"""Reading the prediction log in windows, one Parquet segment at a time.

Segments are read in time order (day folder, then name: the writer names them by the
time they were written), and only the columns a window needs. A first pass reads
``version``, ``route`` and ``time`` of every segment, so it is known which windows each
segment holds and in which segment each window ends. The second pass reads only the
segments that hold a wanted window: each segment's part of a window is profiled against
the version's reference profile (the same bin edges, so the parts merge exactly), the
delayed labels of the segment's requests are joined, and a window is handed over as
soon as its last segment has been read. Memory holds one segment and the summaries of
the windows still open, never the whole log.

Windows are per model version and route. A count window ``i`` holds rows
``[i * count, (i + 1) * count)`` of its version and route, numbered in log order; a
time window holds the rows whose time falls in ``[i * seconds, (i + 1) * seconds)``
since the epoch (UTC); it is complete once the server has had time to write them
(see :func:`scan`'s ``grace``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.errors import DataError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from mlgate.deploy.predlog import LogPlace, RemoteSegment

    #: A local segment file, or one in a remote log.
    Segment = Path | RemoteSegment

    from mlgate.data._profile import Profile

__all__ = [
    "Group",
    "LabelFetch",
    "Scheme",
    "VersionRef",
    "WindowData",
    "log_segments",
    "read_segment",
    "scan",
    "segment_rows",
]

Group = tuple[int, str]
#: The columns every part of the scan reads (inputs and output come on top).
_BASE = ("request_id", "row", "time", "version", "route")
_NS = 1_000_000_000
_FAR = 2**62
#: ``fetch(request_ids)`` → a frame of request_id, row, label, received (int ns since epoch).
LabelFetch = Callable[[Sequence[str]], "pd.DataFrame"]


@dataclass(frozen=True)
class Scheme:
    """How rows are cut into windows: by ``count``, by ``seconds``, or (neither) one window
    per version and route holding all its rows."""

    count: int | None = None
    seconds: int | None = None

    def key(self, index: int) -> str:
        """The stable key of window ``index``: ``count:1000:7``, ``time:3600:<epoch>``, ``all``."""
        if self.count is not None:
            return f"count:{self.count}:{index}"
        if self.seconds is not None:
            return f"time:{self.seconds}:{index * self.seconds}"
        return "all"

    @property
    def name(self) -> str:
        """``count:1000``, ``time:3600`` or ``all``."""
        return self.key(0).rsplit(":", 1)[0] if self.count or self.seconds else "all"


@dataclass(frozen=True)
class VersionRef:
    """What one version's windows are profiled against: the reference profile of its
    input columns and of its holdout predictions (``prediction``), when known."""

    inputs: Profile | None = None
    outputs: Profile | None = None
    categorical: bool = True


@dataclass
class WindowData:
    """The merged summary of one window: rows, requests, profiles, labelled rows."""

    version: int
    route: str
    index: int
    key: str
    complete: bool
    rows: int = 0
    requests: int = 0
    first_ns: int = 0
    last_ns: int = 0
    start: datetime | None = None
    end: datetime | None = None
    inputs: Profile | None = None
    outputs: Profile | None = None
    y_true: list[Any] = field(default_factory=list)
    y_pred: list[Any] = field(default_factory=list)
    #: The positive-class score of each labelled row (NaN where the log has none), and the
    #: class it is the probability of (None where there is no score).
    y_score: list[float] = field(default_factory=list)
    score_label: list[str | None] = field(default_factory=list)
    #: A model with more than two classes: each labelled row's class probabilities (None
    #: where the log has none) and those classes (a JSON list).
    y_scores: list[Any] = field(default_factory=list)
    score_classes: list[str | None] = field(default_factory=list)
    late: int = 0


def log_segments(folder: LogPlace) -> list[Segment]:
    """The log's Parquet segments in the order they were written (temp files left out);
    ``folder`` is a local folder or a log URL (see :mod:`mlgate.deploy.predlog`)."""
    from mlgate.deploy.predlog import is_remote, local_folder, remote_segments

    if is_remote(folder):
        return list(remote_segments(str(folder)))
    local = local_folder(folder)
    if not local.is_dir():
        return []
    files = sorted(
        (p for p in local.rglob("*.parquet") if not p.name.startswith(".")),
        key=lambda p: p.relative_to(local).as_posix(),
    )
    return list(files)


def segment_rows(segment: Segment) -> int:
    """The number of rows in a segment (read from its footer)."""
    import pyarrow.parquet as pq

    if isinstance(segment, Path):
        return int(pq.ParquetFile(segment).metadata.num_rows)
    with segment.fs.open(segment.path, "rb") as fh:
        return int(pq.ParquetFile(fh).metadata.num_rows)


def read_segment(path: Segment, columns: Sequence[str] | None = None) -> pa.Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if isinstance(path, Path):
            file = pq.ParquetFile(path)
            names = set(file.schema_arrow.names)
            wanted = None if columns is None else [c for c in columns if c in names]
            table = file.read(columns=wanted)
        else:
            with path.fs.open(path.path, "rb") as fh:
                file = pq.ParquetFile(fh)
                names = set(file.schema_arrow.names)
                wanted = None if columns is None else [c for c in columns if c in names]
                table = file.read(columns=wanted)
    except (OSError, pa.ArrowException) as exc:
        raise DataError(
            f"cannot read the prediction log segment {path}: {exc}".splitlines()[0],
            hint="Move the damaged file out of the log folder and monitor again.",
        ) from None
    if "time" in table.column_names:  # int64 nanoseconds since the epoch, whatever the unit
        at = table.column_names.index("time")
        nanos = table.column("time").cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64())
        table = table.set_column(at, "time", nanos)
    return table


def _groups(frame: pd.DataFrame) -> dict[Group, np.ndarray[Any, Any]]:
    """Row positions of each (version, route) in the segment, in log order."""
    indices: dict[Any, Any] = frame.groupby(["version", "route"], sort=False).indices
    return {(int(key[0]), str(key[1])): rows for key, rows in indices.items()}


@dataclass
class _Index:
    """What the first pass learnt: per segment, each group's first row number and the
    windows it holds; per window, the last segment that holds its rows."""

    offsets: list[dict[Group, int]] = field(default_factory=list)
    windows: list[dict[Group, np.ndarray[Any, Any]]] = field(default_factory=list)
    last_segment: dict[tuple[Group, int], int] = field(default_factory=dict)
    totals: dict[Group, int] = field(default_factory=dict)


def _window_numbers(scheme: Scheme, ordinals: Any, nanos: Any) -> Any:
    import numpy as np

    if scheme.count is not None:
        return ordinals // scheme.count
    if scheme.seconds is not None:
        return nanos // (scheme.seconds * _NS)
    return np.zeros(len(ordinals), dtype=np.int64)


def _index(files: Sequence[Segment], scheme: Scheme, keep: Callable[[Group], bool]) -> _Index:
    import numpy as np

    index = _Index()
    for number, path in enumerate(files):
        base = ("version", "route", "time")
        frame = _required(read_segment(path, base).to_pandas(), path, base)
        offsets: dict[Group, int] = {}
        windows: dict[Group, np.ndarray[Any, Any]] = {}
        for group, rows in _groups(frame).items():
            if not keep(group):
                continue
            start = index.totals.get(group, 0)
            offsets[group] = start
            index.totals[group] = start + len(rows)
            ordinals = np.arange(start, start + len(rows), dtype=np.int64)
            nanos = frame["time"].to_numpy()[rows]
            found = np.unique(_window_numbers(scheme, ordinals, nanos))
            windows[group] = found
            for window in found.tolist():
                index.last_segment[(group, window)] = number
        index.offsets.append(offsets)
        index.windows.append(windows)
    return index


def _wanted(index: _Index, last: int | None) -> set[tuple[Group, int]]:
    by_group: dict[Group, list[int]] = {}
    for group, window in index.last_segment:
        by_group.setdefault(group, []).append(window)
    wanted: set[tuple[Group, int]] = set()
    for group, windows in by_group.items():
        chosen = sorted(windows)[-last:] if last is not None else windows
        wanted.update((group, w) for w in chosen)
    return wanted


def _complete(scheme: Scheme, group: Group, window: int, index: _Index, now_ns: int) -> bool:
    if scheme.count is not None:
        return (window + 1) * scheme.count <= index.totals[group]
    if scheme.seconds is not None:
        return (window + 1) * scheme.seconds * _NS <= now_ns
    return True


def scan(
    folder: LogPlace,
    *,
    scheme: Scheme,
    refs: Mapping[int, VersionRef],
    keep: Callable[[Group], bool] = lambda group: True,
    last: int | None = None,
    fetch: LabelFetch | None = None,
    max_delay: float | None = None,
    now: float | None = None,
    grace: float = 60.0,
) -> Iterator[WindowData]:
    """The windows of the log under ``folder`` for the groups ``keep`` accepts (the
    ``last`` ones of each group, or all), each as soon as its last segment is read.

    ``refs`` gives each version's reference profiles (a version without one gets no
    profiles); ``fetch`` the labels of a segment's requests (None: no labels). Labels
    received more than ``max_delay`` seconds after the prediction count as ``late`` and
    are not joined. A time window is complete ``grace`` seconds after its end (``now``:
    the time to judge at), when the server has written its last rows.
    """
    files = log_segments(folder)
    index = _index(files, scheme, keep)
    wanted = _wanted(index, last)
    now_ns = int(((time.time() if now is None else now) - grace) * _NS)
    open_windows: dict[tuple[Group, int], WindowData] = {}
    for number, path in enumerate(files):
        present = {
            (group, w)
            for group, windows in index.windows[number].items()
            for w in windows.tolist()
            if (group, w) in wanted
        }
        if not present:
            continue
        groups = {group for group, _ in present}
        frame = _segment_frame(path, groups, refs)
        labels = _join_labels(frame, fetch, max_delay) if fetch is not None else None
        for group, rows in _groups(frame).items():
            if group not in groups:
                continue
            _add_group(
                frame,
                rows,
                labels,
                group=group,
                start=index.offsets[number][group],
                scheme=scheme,
                ref=refs.get(group[0], VersionRef()),
                wanted=wanted,
                open_windows=open_windows,
                complete=lambda g, w: _complete(scheme, g, w, index, now_ns),
            )
        for key in sorted(present):
            if index.last_segment[key] == number and key in open_windows:
                yield _finish(open_windows.pop(key), scheme)


def _segment_frame(
    path: Segment, groups: set[Group], refs: Mapping[int, VersionRef]
) -> pd.DataFrame:
    columns = [*_BASE, "output", "score", "score_label", "scores", "score_classes"]
    for version in {v for v, _ in groups}:
        ref = refs.get(version)
        if ref is not None and ref.inputs is not None:
            columns.extend(f"input.{c}" for c in ref.inputs.columns if f"input.{c}" not in columns)
    return _required(read_segment(path, columns).to_pandas(), path, _BASE)


def _required(frame: pd.DataFrame, path: Segment, columns: Sequence[str]) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"the prediction log segment {path} has no column(s) {', '.join(missing)}",
            hint="It was not written by mlgate serve; move it out of the log folder.",
        )
    return frame


@dataclass(frozen=True)
class _Labels:
    """Per row of a segment: whether a label joined, whether it came too late, its value."""

    joined: np.ndarray[Any, Any]
    late: np.ndarray[Any, Any]
    values: np.ndarray[Any, Any]


def _join_labels(frame: pd.DataFrame, fetch: LabelFetch, max_delay: float | None) -> _Labels:
    import numpy as np

    found = fetch(frame["request_id"].astype(str).unique().tolist())
    nothing = np.zeros(len(frame), dtype=bool)
    if found.empty:
        return _Labels(nothing, nothing, np.full(len(frame), None, dtype=object))
    keys = frame[["request_id", "row"]].astype({"request_id": str, "row": "int64"})
    merged = keys.merge(found, how="left", on=["request_id", "row"], sort=False)
    received = merged["received"].to_numpy(dtype="float64")
    labelled = ~np.isnan(received)
    late = nothing
    if max_delay is not None:
        with np.errstate(invalid="ignore"):
            late = labelled & (received - frame["time"].to_numpy() > max_delay * _NS)
    return _Labels(labelled & ~late, late, merged["label"].to_numpy(dtype=object))


def _add_group(
    frame: pd.DataFrame,
    rows: np.ndarray[Any, Any],
    labels: _Labels | None,
    *,
    group: Group,
    start: int,
    scheme: Scheme,
    ref: VersionRef,
    wanted: set[tuple[Group, int]],
    open_windows: dict[tuple[Group, int], WindowData],
    complete: Callable[[Group, int], bool],
) -> None:
    import numpy as np

    nanos = frame["time"].to_numpy()[rows]
    ordinals = np.arange(start, start + len(rows), dtype=np.int64)
    numbers = _window_numbers(scheme, ordinals, nanos)
    for window in np.unique(numbers).tolist():
        if (group, window) not in wanted:
            continue
        part = rows[numbers == window]
        data = open_windows.get((group, window))
        if data is None:
            data = open_windows[(group, window)] = WindowData(
                version=group[0],
                route=group[1],
                index=window,
                key=scheme.key(window),
                complete=complete(group, window),
                first_ns=_FAR,
                last_ns=-_FAR,
            )
        _add_part(data, frame, part, labels, ref)


def _add_part(
    data: WindowData,
    frame: pd.DataFrame,
    part: np.ndarray[Any, Any],
    labels: _Labels | None,
    ref: VersionRef,
) -> None:
    import numpy as np
    import pandas as pd

    from mlgate.data._profile import merge_profiles, profile_frame

    nanos = frame["time"].to_numpy()[part]
    data.rows += len(part)
    data.requests += len(pd.unique(frame["request_id"].to_numpy()[part]))
    data.first_ns = min(data.first_ns, int(nanos.min()))
    data.last_ns = max(data.last_ns, int(nanos.max()))
    if ref.inputs is not None:
        columns = [c for c in ref.inputs.columns if f"input.{c}" in frame.columns]
        if columns:
            inputs = frame.iloc[part][[f"input.{c}" for c in columns]]
            inputs.columns = columns
            profile = profile_frame(inputs, like=ref.inputs)
            data.inputs = profile if data.inputs is None else merge_profiles(data.inputs, profile)
    outputs = frame["output"].to_numpy()[part] if "output" in frame.columns else None
    if ref.outputs is not None and outputs is not None:
        column = prediction_frame(outputs, categorical=ref.categorical)
        profile = profile_frame(column, like=ref.outputs)
        data.outputs = profile if data.outputs is None else merge_profiles(data.outputs, profile)
    if labels is not None and outputs is not None:
        data.late += int(labels.late[part].sum())
        joined = labels.joined[part]
        if joined.any():
            data.y_true.extend(labels.values[part][joined].tolist())
            data.y_pred.extend(outputs[joined].tolist())
            if "score" in frame.columns and "score_label" in frame.columns:
                scores = frame["score"].to_numpy(dtype="float64", na_value=np.nan)[part]
                data.y_score.extend(scores[joined].tolist())
                data.score_label.extend(frame["score_label"].to_numpy()[part][joined].tolist())
            else:  # a segment written without scores
                count = int(joined.sum())
                data.y_score.extend([math.nan] * count)
                data.score_label.extend([None] * count)
            if "scores" in frame.columns and "score_classes" in frame.columns:
                data.y_scores.extend(frame["scores"].to_numpy()[part][joined].tolist())
                data.score_classes.extend(frame["score_classes"].to_numpy()[part][joined].tolist())
            else:
                count = int(joined.sum())
                data.y_scores.extend([None] * count)
                data.score_classes.extend([None] * count)


def prediction_frame(values: Any, *, categorical: bool) -> pd.DataFrame:
    """Predictions as a one-column frame (``prediction``): labels as text for
    classification (1, 1.0 and "1" are the same class), numbers for regression."""
    import numpy as np
    import pandas as pd

    if categorical:
        return pd.DataFrame({"prediction": canonical_labels(values)})
    numbers = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce")
    return pd.DataFrame({"prediction": numbers.astype("float64")})


def canonical_labels(values: Any) -> np.ndarray[Any, Any]:
    """Class labels as text, whole numbers without a decimal point (``1.0`` → ``"1"``)."""
    import numpy as np
    import pandas as pd

    array = np.asarray(values)
    if array.dtype.kind in "iub":
        return array.astype(np.int64).astype(str) if array.dtype.kind != "b" else array.astype(str)
    if array.dtype.kind == "f":
        whole = np.isfinite(array) & (array == np.round(array))
        text = array.astype(str)
        text[whole] = array[whole].astype(np.int64).astype(str)
        return text
    series = pd.Series(array, dtype=object)
    numbers = pd.to_numeric(series, errors="coerce")
    whole = numbers.notna() & (numbers == numbers.round()) & ~series.map(_is_bool)
    text = np.array(series.astype(str), dtype=object)
    text[whole.to_numpy()] = numbers[whole].astype(np.int64).astype(str).to_numpy()
    return text


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _finish(data: WindowData, scheme: Scheme) -> WindowData:
    if scheme.seconds is not None:
        data.start = datetime.fromtimestamp(data.index * scheme.seconds, UTC)
        data.end = datetime.fromtimestamp((data.index + 1) * scheme.seconds, UTC)
    else:
        data.start = datetime.fromtimestamp(data.first_ns / _NS, UTC)
        data.end = datetime.fromtimestamp(data.last_ns / _NS, UTC)
    return data
