"""``mlgate quickstart``: the loop on the embedded defaults, explained step by step.

Everything happens in a new folder with its own SQLite database and artifact
store; nothing outside it is touched. The steps that exist so far: a project
from ``mlgate init``, data snapshots, change detection, diff and an exact,
verified checkout. Later issues add training, gates, the registry and serving.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlgate.config import Settings
from mlgate.errors import ConflictError

__all__ = ["QuickstartResult", "quickstart"]

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class QuickstartResult:
    """Where the quickstart project is and what it produced."""

    project: Path
    first_snapshot: str
    second_snapshot: str
    restored: Path
    run_id: str | None = None
    version: int | None = None


def quickstart(dest: Path, *, say: Say = print) -> QuickstartResult:
    """Create a project in ``dest`` (new or empty) and walk through the loop's data steps."""
    import numpy as np
    import pandas as pd

    from mlgate import data
    from mlgate.project import init

    dest = dest.absolute()
    if dest.exists() and any(dest.iterdir()):
        raise ConflictError(
            f"the quickstart folder {dest} is not empty",
            hint="Pass a new folder: mlgate quickstart DIR.",
        )
    say(f"1. mlgate init {dest}")
    created = init(dest)
    for file in created.files:
        say(f"   {file.action} {file.path}")
    settings = Settings.load(project=dest)
    spec_source = dest / "data"
    table = next(iter(sorted(spec_source.glob("*.parquet"))))

    say("2. mlgate data snapshot data/ --name training-data")
    first = data.snapshot(spec_source, name="training-data", settings=settings)
    say(
        f"   snapshot {first.snapshot.id[:12]}: {first.snapshot.n_files} file(s), "
        f"{first.snapshot.n_bytes:,} bytes, content-addressed by BLAKE3"
    )
    again = data.snapshot(spec_source, settings=settings)
    if again.files_read:
        why = "files written in the last seconds are re-hashed: their mtime is too fresh to trust"
    else:
        why = "the stat cache vouches for every file, so nothing is read"
    say(f"   again: same id {again.snapshot.id[:12]}, {again.files_read} file(s) read ({why})")

    say("3. new rows arrive (the last 10 % of rows again, with some noise)")
    frame = pd.read_parquet(table)
    rng = np.random.default_rng(0)
    extra = frame.tail(max(1, len(frame) // 10)).copy()
    numeric = extra.select_dtypes("number").columns.drop(
        [c for c in ("target",) if c in extra.columns]
    )
    extra[numeric] = extra[numeric] * rng.normal(1.0, 0.01, size=(len(extra), len(numeric)))
    pd.concat([frame, extra], ignore_index=True).to_parquet(table, index=False)
    status = data.status(spec_source, settings=settings)
    say(f"   mlgate data status: changed={status.changed}, modified={list(status.modified)}")

    say("4. mlgate data snapshot data/ --name training-data  (the name moves, like a tag)")
    second = data.snapshot(spec_source, name="training-data", settings=settings)
    changes = data.diff(first.snapshot.id, second.snapshot.id, settings=settings)
    for change in changes.changes:
        rows = ""
        if change.table_before and change.table_after:
            rows = f", rows {change.table_before.rows} → {change.table_after.rows}"
        say(f"   mlgate data diff: {change.kind} {change.path}{rows}")

    restored = dest / "restored-v1"
    say(f"5. mlgate data checkout {first.snapshot.id[:12]} {restored.name}")
    data.checkout(first.snapshot.id, restored, settings=settings)
    say("   the first version's exact bytes are back, every file verified against its hash")

    run_id, version = _pipeline(settings, say=say)
    say("")
    say(f"Done. Look around: cd {dest} && mlgate runs && mlgate show {run_id} --gates")
    return QuickstartResult(dest, first.snapshot.id, second.snapshot.id, restored, run_id, version)


def _pipeline(settings: Settings, *, say: Say) -> tuple[str, int | None]:
    """Run the pipeline twice (the second is cached), approve if asked, verify."""
    from mlgate.pipeline.api import run
    from mlgate.pipeline.verify import verify
    from mlgate.registry.approvals import approve

    say("6. mlgate run: snapshot → check → train 3 seeds → evaluate → gates → register → deploy")
    outcome = run(settings=settings, say=lambda line: say("   " + line))
    record = outcome.run
    if record.status == "error":
        say(f"   the run failed: {record.error}")
        return record.id, None
    say(f"   verdict: {record.summary.get('verdict_sentence')}")
    version = record.summary.get("version")
    model = record.summary.get("model")
    say("7. mlgate run again: nothing changed, so every stage up to register is cached")
    again = run(settings=settings)
    cached = [n for n, s in again.run.summary.get("stages", {}).items() if s.get("cached")]
    say(f"   cached: {', '.join(cached)} ({len(cached)} stages)")
    if record.status == "needs-approval" and model and version:
        reason = "quickstart: the inconclusive slices are small; accepted for the demo"
        say(f'8. mlgate approve {model} {version} --to production --reason "{reason}"')
        decision = approve(model, version, to="production", reason=reason, settings=settings)
        say(f"   {decision.sentence()}")
    if model and version:
        say(f"9. mlgate verify {model}:{version}: retrain from the lineage and compare")
        say("   " + verify(f"{model}:{version}", settings=settings).sentence)
    return record.id, version
