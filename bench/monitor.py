"""Monitoring benchmark: windows over a large prediction log, rows/s and peak memory.

Builds a project in ``bench/_work/monitor/`` with one registered version (a reference
profile of 50,000 training rows × 25 features, 20 numeric + 5 categorical, and a run
whose evaluate stage holds 10,000 holdout predictions), then a prediction log of N rows
written by the model server's own log writer as segments of 10,000 rows (100 requests
of 100 rows each, one request a minute), the second half with 8 numeric features
shifted by half a standard deviation; 10 % of the requests get labels. Each case runs
``mlgate.monitor.monitor`` in its own process and prints the wall time of the call, the
log rows per second, and the process's peak RSS during the call (VmHWM, reset just
before it) with its growth over the RSS before the call (imports and the stores opened).

    python bench/monitor.py                  # 1,000,000 rows (100 segments)
    python bench/monitor.py --rows 100000    # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _common import cpu_model, say

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work" / "monitor"
NUMERIC, CATEGORICAL, SHIFTED = 20, 5, 8
SEGMENT, BATCH = 10_000, 100
NAME = "bench"


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Reset the process's peak RSS (VmHWM) to its current RSS (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _features(rows: int, seed: int, *, shift: float = 0.0) -> object:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    for j in range(NUMERIC):
        data[f"num{j:02d}"] = rng.normal(shift if j < SHIFTED else 0.0, 1.0, rows)
    categories = np.array([f"v{i}" for i in range(8)])
    for j in range(CATEGORICAL):
        data[f"cat{j}"] = categories[rng.integers(0, 8, rows)]
    return pd.DataFrame(data)


def _label(frame: object) -> object:
    import numpy as np

    return (frame["num00"].to_numpy() + frame["num10"].to_numpy() > 0).astype(np.int64)  # type: ignore[index]


def _register(project: Path) -> None:
    """The version: reference profile, signature, and a run with holdout predictions."""
    import io
    from datetime import UTC, datetime

    import pandas as pd

    from mlgate.config import Settings
    from mlgate.data._profile import profile_frame
    from mlgate.registry.versions import register_version
    from mlgate.store.metadata.base_runs import RunRecord, StageRecord
    from mlgate.store.stores import open_stores
    from mlgate.train.signature import infer_signature

    settings = Settings.load(project=project)
    train = _features(50_000, 1)
    train["target"] = _label(train)  # type: ignore[index]
    holdout = _label(_features(10_000, 2))
    now = datetime.now(UTC)
    buffer = io.BytesIO()
    pd.DataFrame({"y_true": holdout, "y_pred": holdout}).to_parquet(buffer, index=False)
    with open_stores(settings) as stores:
        predictions = stores.artifacts.put_bytes(buffer.getvalue())
        output = {"models": [{"seed": 0, "predictions": predictions, "classes": [0, 1]}]}
        digest = stores.artifacts.put_bytes(json.dumps(output).encode())
        artifact = stores.artifacts.put_bytes(b"a model the monitor never loads")
        stores.metadata.create_run(RunRecord("bench-run", "manual", "passed", now))
        stores.metadata.add_stage(
            StageRecord("bench-run", "evaluate", "evaluate", "passed", "f" * 64, {}, now,
                        ended_at=now, output_digest=digest)
        )  # fmt: skip
    register_version(
        NAME,
        artifact=artifact,
        flavor="sklearn",
        signature=infer_signature(train, label="target"),  # type: ignore[arg-type]
        profile=profile_frame(train).to_dict(),  # type: ignore[arg-type]
        run_id="bench-run",
        alias="production",
        settings=settings,
    )


def make_project(rows: int) -> Path:
    """Write (once per size) the project, its version, the log and the labels."""
    from mlgate.config import Settings
    from mlgate.deploy.predlog import LogRecord, PredictionLog
    from mlgate.deploy.run import log_folder
    from mlgate.store.metadata.base_loop import LabelRow
    from mlgate.store.stores import open_stores

    project = WORK / f"proj-{rows}"
    if (project / "done").exists():
        return project
    shutil.rmtree(project, ignore_errors=True)
    (project / ".mlgate").mkdir(parents=True)
    spec = {
        "project": {"name": NAME},
        "data": {"label": "target"},
        "train": {"function": "train:train"},
        "evaluate": {"metrics": ["accuracy", "f1"], "bootstrap": {"resamples": 1000}},
        "monitor": {"window": 1000},
    }
    (project / "mlgate.yaml").write_text(json.dumps(spec))
    say(f"registering a version and writing {rows:,} logged predictions to {project}")
    _register(project)
    settings = Settings.load(project=project)
    folder = log_folder(settings, NAME)
    start = time.time() - rows / BATCH * 60 - 86_400
    labels: list[LabelRow] = []
    for segment in range(rows // SEGMENT):
        shift = 0.5 if segment >= rows // SEGMENT // 2 else 0.0
        frame = _features(SEGMENT, 100 + segment, shift=shift)
        outputs = _label(frame)
        log = PredictionLog(folder, flush_every=3600)
        log.start()
        for first in range(0, SEGMENT, BATCH):
            number = (segment * SEGMENT + first) // BATCH
            request = f"r{number:07d}"
            part = frame.iloc[first : first + BATCH].reset_index(drop=True)  # type: ignore[attr-defined]
            log.append(
                LogRecord(request, start + number * 60, NAME, 1, "primary", part,
                          outputs[first : first + BATCH].tolist())  # type: ignore[index]
            )  # fmt: skip
            if number % 10 == 0:  # 10 % of the requests get their labels
                truth = _label(part)
                labels.extend(LabelRow(request, i, int(v)) for i, v in enumerate(truth))  # type: ignore[call-overload]
        log.close()
    with open_stores(settings) as stores:
        stores.metadata.put_labels(NAME, labels, source="file", actor="bench")
    (project / "done").write_text("")
    return project


def worker(project: str, window: str, last: str) -> dict[str, object]:
    """One monitoring call in this process: seconds, rows, windows, memory."""
    from mlgate.config import Settings
    from mlgate.monitor import monitor, parse_window
    from mlgate.store.stores import open_stores

    settings = Settings.load(project=Path(project))
    if window == "whole":  # for comparison: the whole log read into one frame at once
        from mlgate.deploy.predlog import read_log
        from mlgate.deploy.run import log_folder

        base = _status_kib("VmRSS")
        _reset_peak()
        start = time.perf_counter()
        rows = len(read_log(log_folder(settings, NAME)))
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "rows": rows, "base_kib": base,
                "peak_kib": _status_kib("VmHWM")}  # fmt: skip
    with open_stores(settings):  # the database opened once, as a daemon would have it
        pass
    monitor(NAME, settings=settings, window=parse_window("100"), last=1)  # warm imports
    base = _status_kib("VmRSS")
    reset = _reset_peak()  # so the peak is the call's, not the imports'
    start = time.perf_counter()
    report = monitor(
        NAME, settings=settings, window=parse_window(window), last=int(last) if last else None
    )
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "windows": len(report.windows),
        "alerts": len(report.alerts),
        "labelled": sum(w.labelled for w in report.windows),
        "base_kib": base,
        "peak_kib": _status_kib("VmHWM")
        if reset
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def run_worker(project: Path, window: str, last: str = "") -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src"))
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", str(project), window, last],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"the worker failed:\n{proc.stderr[-3000:]}")
    out: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--worker", nargs=3)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    project = make_project(args.rows)
    files = sorted((project / ".mlgate" / "predictions").rglob("*.parquet"))
    size = sum(f.stat().st_size for f in files) / 2**20
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, load average {os.getloadavg()}")
    print(
        f"log: {args.rows:,} rows × {NUMERIC + CATEGORICAL} features in {len(files)} segments "
        f"({size:.0f} MiB of Parquet); {args.rows // 10:,} labelled rows\n"
    )
    print("| windows | last | windows judged | alerts | seconds | rows/s | peak RSS (MiB) "
          "| growth (MiB) |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for window, last in (("1000", ""), ("10000", ""), ("1h", ""), ("1000", "1")):
        say(f"monitor --window {window}{' --last ' + last if last else ''}")
        out = run_worker(project, window, last)
        seconds = float(out["seconds"])  # type: ignore[arg-type]
        peak = int(out["peak_kib"]) / 1024  # type: ignore[call-overload]
        growth = (int(out["peak_kib"]) - int(out["base_kib"])) / 1024  # type: ignore[call-overload]
        speed = "-" if last else f"{args.rows / seconds:,.0f}"  # --last reads a segment
        print(
            f"| {window} | {last or 'all'} | {out['windows']:,} | {out['alerts']:,} "
            f"| {seconds:.2f} | {speed} | {peak:,.0f} | {growth:,.0f} |"
        )
    say("read_log: the whole log as one frame, for comparison")
    whole = run_worker(project, "whole")
    growth = (int(whole["peak_kib"]) - int(whole["base_kib"])) / 1024  # type: ignore[call-overload]
    print(
        f"\nfor comparison, reading the whole log into one frame (deploy.predlog.read_log) "
        f"takes {float(whole['seconds']):.1f} s and grows the process by {growth:,.0f} MiB"  # type: ignore[arg-type]
    )


if __name__ == "__main__":
    main()
