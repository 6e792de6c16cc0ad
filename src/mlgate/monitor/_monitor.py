""":func:`monitor`: judge a model's prediction log window by window and store the results."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from mlgate.config import Settings
from mlgate.errors import UsageError
from mlgate.monitor._log import LabelFetch, Scheme, VersionRef
from mlgate.monitor._report import Alert, MonitorReport, WindowResult

if TYPE_CHECKING:
    import pandas as pd

    from mlgate.spec import Window
    from mlgate.store.metadata.base_loop import WindowRecord
    from mlgate.store.stores import Stores

__all__ = ["ROUTES", "label_fetch", "monitor", "scheme_of"]

#: The routes the model server logs.
ROUTES = ("primary", "canary", "shadow")


class _Refs(Mapping[int, VersionRef]):
    """Each version's references, built the first time the scan asks for them."""

    def __init__(self, stores: Stores, name: str, task: str) -> None:
        self.stores, self.name, self.task = stores, name, task
        self.built: dict[int, VersionRef] = {}
        self.notes: list[str] = []

    def __getitem__(self, version: int) -> VersionRef:
        if version not in self.built:
            from mlgate.monitor._reference import version_ref

            record = self.stores.metadata.get_version(self.name, version)
            if record is None:
                self.notes.append(f"the log has rows of v{version}, which is not registered")
                self.built[version] = VersionRef(categorical=self.task == "classification")
            else:
                self.built[version], notes = version_ref(self.stores, record, task=self.task)
                self.notes.extend(notes)
        return self.built[version]

    def __iter__(self) -> Iterator[int]:
        return iter(self.built)

    def __len__(self) -> int:
        return len(self.built)


def label_fetch(stores: Stores, name: str) -> LabelFetch | None:
    """A function giving the labels of some requests as a frame (request_id, row, label,
    received in ns since the epoch), or None when the model has no labels at all."""
    if stores.metadata.count_labels(name) == 0:
        return None

    def fetch(request_ids: Sequence[str]) -> pd.DataFrame:
        import pandas as pd

        found = list(stores.metadata.get_label_records(name, request_ids))
        frame = pd.DataFrame(found, columns=["request_id", "row", "label", "received"])
        frame = frame.astype({"request_id": str, "row": "int64"})
        received = pd.to_datetime(frame["received"], utc=True).dt.as_unit("ns")
        frame["received"] = received.astype("int64")
        return frame

    return fetch


def scheme_of(window: Window) -> Scheme:
    """The scan's window scheme for a spec :class:`~mlgate.spec.Window`."""
    if (window.count is None) == (window.seconds is None):
        raise UsageError(
            "a monitoring window is a number of predictions or a span of time, not both",
            where="monitor.window",
            hint="Use e.g. window: 1000 or window: 1h.",
        )
    return Scheme(count=window.count, seconds=window.seconds)


def _check(name: str, version: int | None, route: str | None, last: int | None) -> None:
    from mlgate.registry.lookup import check_model_name, check_version

    check_model_name(name)
    if version is not None:
        check_version(version)
    if route is not None and route not in ROUTES:
        raise UsageError(
            f"{route!r} is not a route of the model server",
            hint=f"Use one of {', '.join(ROUTES)}.",
        )
    if last is not None and (isinstance(last, bool) or last < 1):
        raise UsageError(f"last must be at least 1, got {last!r}", hint="Use e.g. --last 5.")


def _filtered(name: str, version: int | None, route: str | None) -> str:
    parts = [f"{name}{f' v{version}' if version is not None else ''}"]
    if route is not None:
        parts.append(f"on the {route} route")
    return " ".join(parts)


def monitor(
    name: str,
    *,
    settings: Settings | None = None,
    window: Window | None = None,
    version: int | None = None,
    route: str | None = None,
    last: int | None = None,
) -> MonitorReport:
    """Judge the prediction log of model ``name`` window by window.

    ``window`` overrides ``monitor.window`` of mlgate.yaml (a
    :class:`~mlgate.spec.Window` with ``count`` or ``seconds``; see
    :func:`mlgate.monitor.parse_window`). ``version`` and ``route`` (``primary``,
    ``canary``, ``shadow``) keep only those rows; ``last`` keeps the last ``last`` windows
    of each version and route. Every window returned is stored (the metadata store's
    monitoring windows, keyed by model, version, route and window key), so a later call
    replaces it. The log is read one Parquet segment at a time.

    A model without logged predictions gives a report with a ``note`` and no windows;
    an unknown model or version raises :class:`~mlgate.errors.NotFoundError`.
    """
    from mlgate.deploy.run import log_location
    from mlgate.monitor._config import monitor_config
    from mlgate.monitor._judge import judge
    from mlgate.monitor._live import metric_names
    from mlgate.monitor._log import log_segments, scan
    from mlgate.registry.lookup import no_model, no_version
    from mlgate.store.stores import open_stores

    _check(name, version, route, last)
    settings = settings or Settings.load()
    config = monitor_config(settings)
    scheme = scheme_of(window or config.window)
    with open_stores(settings) as stores:
        model = stores.metadata.get_model(name)
        if model is None:
            raise no_model(name, (m.name for m in stores.metadata.list_models()))
        if version is not None and stores.metadata.get_version(name, version) is None:
            raise no_version(model, version)
        folder = log_location(settings, name)
        if not log_segments(folder):
            return MonitorReport(
                name,
                scheme.name,
                (),
                (),
                note=f"no predictions logged for {name} yet; serve it with mlgate serve {name}",
            )
        names, notes = metric_names(config)
        refs = _Refs(stores, name, config.task)
        fetch = label_fetch(stores, name)
        windows: list[WindowResult] = []
        for data in scan(
            folder,
            scheme=scheme,
            refs=refs,
            keep=lambda g: (
                (version is None or g[0] == version) and (route is None or g[1] == route)
            ),
            last=last,
            fetch=fetch,
            max_delay=float(config.labels.max_delay),
            grace=config.grace,
        ):
            windows.append(judge(data, refs[data.version], config=config, metric_names=names))
        stores.metadata.put_windows([_record(name, result) for result in windows])
    windows.sort(key=lambda w: (w.version, w.route, w.start, w.key))
    alerts: tuple[Alert, ...] = tuple(a for w in windows for a in w.alerts)
    note = ""
    if not windows:
        note = f"no predictions logged for {_filtered(name, version, route)} yet"
    return MonitorReport(
        name,
        scheme.name,
        tuple(windows),
        alerts,
        note=note,
        notes=tuple(dict.fromkeys([*notes, *refs.notes])),
    )


def _record(name: str, result: WindowResult) -> WindowRecord:
    from mlgate.store.metadata.base_loop import WindowRecord

    return WindowRecord(
        model=name,
        version=result.version,
        route=result.route,
        key=result.key,
        start=result.start,
        end=result.end,
        rows=result.rows,
        labelled=result.labelled,
        result=result.to_dict(),
        alerts=[a.to_dict() for a in result.alerts],
    )
