"""Delayed labels: the true answers, arriving after the predictions, joined by request id.

A labels file (CSV, Parquet or JSON lines) has a ``request_id`` column (or the one
``monitor.labels.key`` names), a ``label`` column (or the spec's ``data.label``) and an
optional ``row`` (the row of a batch request; default 0). The whole file is checked
before anything is stored: a missing column, an empty id or label, or a bad row number
is a :class:`~mlgate.errors.DataError` naming the file and column, and nothing changes.

The last label wins: a later row of the file for the same request and row overrides an
earlier one, and a label for a request and row that already has one replaces it; both
are counted. Labels whose request is not in the prediction log (yet) are stored too and
counted as ``unmatched``: the log is written a few seconds after the answer and may be
sampled, so a label can rightly arrive before, or without, its logged prediction. They
join as soon as the prediction is logged, and never affect a window otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.config import Settings
from mlgate.errors import DataError, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from mlgate.store.stores import Stores

__all__ = ["LabelsAdded", "add_labels"]

_FORMATS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "json",
    ".ndjson": "json",
    ".json": "json",
}


@dataclass(frozen=True)
class LabelsAdded:
    """What :func:`add_labels` stored.

    ``rows`` were read; ``stored`` distinct (request, row) labels were written, of which
    ``inserted`` are new and ``replaced`` replaced a stored label. ``duplicates`` rows of
    the file were overridden by a later row for the same request and row. ``unmatched``
    labels have no logged prediction (yet); they are stored and join once it is logged.
    """

    model: str
    file: str
    rows: int
    stored: int
    inserted: int
    replaced: int
    duplicates: int
    unmatched: int
    unmatched_examples: tuple[str, ...] = ()

    def sentence(self) -> str:
        """One line for people."""
        text = (
            f"stored {self.stored} label(s) of {self.model} from {self.file}: "
            f"{self.inserted} new, {self.replaced} replacing earlier ones"
        )
        if self.duplicates:
            text += f"; {self.duplicates} duplicate row(s) in the file (the last one wins)"
        if self.unmatched:
            examples = ", ".join(self.unmatched_examples)
            text += (
                f"; {self.unmatched} match no logged prediction yet (e.g. {examples}): kept, "
                "they join when the prediction is logged"
            )
        return text


def _read(path: Path, id_column: str) -> pd.DataFrame:
    import pandas as pd

    kind = _FORMATS.get(path.suffix.lower())
    if kind is None:
        raise DataError(
            f"{path} is not a labels file mlgate reads (suffix {path.suffix or 'none'})",
            hint="Use a .csv, .parquet or .jsonl file with request_id and label columns.",
        )
    if not path.is_file():
        raise DataError(f"the labels file {path} does not exist", hint="Check the path.")
    try:
        if kind == "csv":
            frame = pd.read_csv(path, dtype={id_column: str}, keep_default_na=True)
        elif kind == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_json(path, lines=True, dtype=False)
    except Exception as exc:  # pandas and pyarrow raise many kinds; all mean "unreadable"
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(
            f"cannot read the labels file {path} as {kind}: {detail}",
            hint="Write one label per line with request_id and label columns.",
        ) from None
    return frame


def _column(frame: pd.DataFrame, path: Path, names: Sequence[str], role: str) -> str:
    for name in names:
        if name in frame.columns:
            return name
    wanted = " or ".join(f"'{n}'" for n in dict.fromkeys(names))
    found = ", ".join(map(str, frame.columns[:10])) or "none"
    raise DataError(
        f"the labels file {path} has no {role} column {wanted} (its columns: {found})",
        hint="Name the columns request_id, label and (for batch requests) row.",
    )


def _first_bad(mask: Any, path: Path) -> str:
    """Where the first flagged row is: its line (a CSV's line 1 is the header) or, in a
    Parquet file, its row number."""
    import numpy as np

    index = int(np.flatnonzero(mask)[0])
    kind = _FORMATS[path.suffix.lower()]
    if kind == "parquet":
        return f"row {index}"
    return f"line {index + (2 if kind == 'csv' else 1)}"


def _rows(
    frame: pd.DataFrame, path: Path, *, id_names: Sequence[str], label_names: Sequence[str]
) -> pd.DataFrame:
    """The file's labels as a frame of request_id (text), row (int) and label."""
    import numpy as np
    import pandas as pd

    if frame.empty:
        raise DataError(f"the labels file {path} has no rows", hint="Add request_id,label rows.")
    rid = _column(frame, path, id_names, "request id")
    label = _column(frame, path, label_names, "label")
    ids = frame[rid]
    missing = ids.isna().to_numpy() | (ids.astype(str).str.strip() == "").to_numpy()
    if missing.any():
        raise DataError(
            f"the labels file {path} has {int(missing.sum())} row(s) without a {rid} "
            f"(first at {_first_bad(missing, path)})",
            hint="Every label needs the request id the server answered with (X-Request-ID).",
        )
    values = frame[label]
    empty = values.isna().to_numpy()
    if empty.any():
        raise DataError(
            f"the labels file {path} has {int(empty.sum())} row(s) without a {label} "
            f"(first at {_first_bad(empty, path)})",
            hint="Leave out requests whose label is not known yet; add them later.",
        )
    if "row" in frame.columns:
        absent = frame["row"].isna().to_numpy()  # a row left out is row 0
        numbers = np.array(pd.to_numeric(frame["row"], errors="coerce"), dtype="float64")
        numbers[absent] = 0.0
        bad = ~np.isfinite(numbers) | (numbers < 0) | (numbers != np.round(numbers))
        if bad.any():
            raise DataError(
                f"the labels file {path} has {int(bad.sum())} row(s) whose 'row' is not a "
                f"whole number ≥ 0 (first at {_first_bad(bad, path)})",
                hint="'row' is the row of a batch request, counted from 0; leave it out "
                "for one-row requests.",
            )
        rows = numbers.astype(np.int64)
    else:
        rows = np.zeros(len(frame), dtype=np.int64)
    return pd.DataFrame(
        {
            "request_id": ids.map(_id_text).to_numpy(dtype=object),
            "row": rows,
            "label": np.asarray(values.tolist(), dtype=object),
        }
    )


def _id_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _logged(stores: Stores, folder: Path | str, labels: pd.DataFrame) -> pd.Series:
    """Whether each label's (request_id, row) is in the prediction log, read one segment's
    request_id and row columns at a time."""
    import pandas as pd

    from mlgate.monitor._log import log_segments, read_segment

    wanted = pd.Index(labels["request_id"].unique())
    found: list[pd.DataFrame] = []
    for path in log_segments(folder):
        segment = read_segment(path, ("request_id", "row")).to_pandas()
        if "request_id" not in segment.columns:
            continue
        segment = segment[segment["request_id"].isin(wanted)]
        if len(segment):
            found.append(segment.astype({"request_id": object, "row": "int64"}))
    if not found:
        return pd.Series(False, index=labels.index)
    seen = pd.concat(found, ignore_index=True).drop_duplicates()
    keys = labels[["request_id", "row"]].astype({"request_id": object, "row": "int64"})
    merged = keys.merge(seen.assign(_seen=True), how="left", on=["request_id", "row"])
    return merged["_seen"].notna().set_axis(labels.index)


def _model_name(model: str | None, settings: Settings) -> str:
    if model is not None:
        return model
    from mlgate.monitor._config import monitor_config

    name = monitor_config(settings).model
    if name is None:
        raise UsageError(
            "which model are the labels for? There is no mlgate.yaml to say",
            hint="Pass --model NAME (mlgate labels add FILE --model NAME).",
        )
    return name


def add_labels(
    file: Path | str,
    *,
    model: str | None = None,
    settings: Settings | None = None,
) -> LabelsAdded:
    """Store the delayed labels of ``file`` for ``model`` (default: the spec's registered
    model name). See the module docstring for the file's columns and the rules."""
    from mlgate.deploy.run import log_location
    from mlgate.monitor._config import monitor_config
    from mlgate.registry.identity import current_actor
    from mlgate.registry.lookup import check_model_name, no_model
    from mlgate.store.metadata.base_loop import LabelRow
    from mlgate.store.stores import open_stores

    path = Path(file)
    settings = settings or Settings.load()
    name = check_model_name(_model_name(model, settings))
    config = monitor_config(settings)
    id_names = [config.labels.key, "request_id"]
    label_names = ["label", *([config.label] if config.label else [])]
    labels = _rows(_read(path, config.labels.key), path, id_names=id_names, label_names=label_names)
    with open_stores(settings) as stores:
        if stores.metadata.get_model(name) is None:
            raise no_model(name, (m.name for m in stores.metadata.list_models()))
        distinct = labels.drop_duplicates(["request_id", "row"], keep="last")
        logged = _logged(stores, log_location(settings, name), distinct)
        rows = [
            LabelRow(str(r), int(n), v)
            for r, n, v in zip(
                distinct["request_id"], distinct["row"], distinct["label"], strict=True
            )
        ]
        written = stores.metadata.put_labels(
            name, rows, source="file", actor=current_actor(settings)
        )
    unmatched = distinct[~logged.to_numpy()]
    return LabelsAdded(
        model=name,
        file=str(path),
        rows=len(labels),
        stored=len(rows),
        inserted=written.inserted,
        replaced=written.replaced,
        duplicates=len(labels) - len(distinct),
        unmatched=len(unmatched),
        unmatched_examples=tuple(unmatched["request_id"].head(3).astype(str)),
    )
