"""``mlgate data …``: snapshot data, list, show, diff, check out, status; schema, check, drift."""

from __future__ import annotations

from pathlib import Path

import typer

from mlgate.cli._render import ByteProgress, console, human_bytes, interactive, print_json, short

app = typer.Typer(
    help="Version and check data: snapshot, list, show, diff, checkout, status, schema, "
    "check, drift.",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain, fast help (see cli/app.py)
)

_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


@app.command("snapshot")
def snapshot_cmd(
    path: str = typer.Argument(
        ..., help="A file, a folder, or a quoted glob such as 'data/*.csv'."
    ),
    name: str = typer.Option(None, "--name", "-n", help="A name for the snapshot (a moving tag)."),
    as_json: bool = _JSON,
) -> None:
    """Snapshot data into the store: an immutable, content-addressed version."""
    from mlgate.data._snapshot import snapshot

    with ByteProgress("snapshotting", enabled=interactive() and not as_json) as bar:
        result = snapshot(path, name=name, on_files=bar.start, progress=bar.advance)
    snap = result.snapshot
    if as_json:
        print_json(
            {
                "id": snap.id,
                "name": snap.name,
                "source": snap.source,
                "created": result.created,
                "n_files": snap.n_files,
                "n_bytes": snap.n_bytes,
                "files_read": result.files_read,
                "files_cached": result.files_cached,
                "bytes_read": result.bytes_read,
                "bytes_stored": result.bytes_stored,
                "seconds": round(result.seconds, 4),
            }
        )
        return
    out = console()
    verb = "created" if result.created else "unchanged, already stored as"
    label = f" ({snap.name})" if snap.name else ""
    out.print(f"snapshot {verb} {snap.id}{label}")
    out.print(
        f"  {snap.n_files} files, {human_bytes(snap.n_bytes)} from {snap.source}; "
        f"read {result.files_read} ({human_bytes(result.bytes_read)}), "
        f"{result.files_cached} unchanged by the stat cache, "
        f"stored {human_bytes(result.bytes_stored)} new, in {result.seconds:.2f} s"
    )


@app.command("list")
def list_cmd(
    name: str = typer.Option(None, "--name", "-n", help="Only snapshots with this name."),
    as_json: bool = _JSON,
) -> None:
    """List snapshots, newest first."""
    from mlgate.data._api import list_snapshots

    records = list_snapshots(name=name)
    if as_json:
        print_json(records)
        return
    from rich.table import Table

    table = Table("id", "name", "created (UTC)", "files", "size", "source", box=None)
    for rec in records:
        table.add_row(
            short(rec.id),
            rec.name or "",
            rec.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            str(rec.n_files),
            human_bytes(rec.n_bytes),
            rec.source,
        )
    out = console()
    if records:
        out.print(table)
    else:
        out.print("no snapshots yet: run `mlgate data snapshot PATH`")


@app.command("show")
def show_cmd(
    ref: str = typer.Argument(..., help="Snapshot id, unique id prefix, or name."),
    as_json: bool = _JSON,
) -> None:
    """Show one snapshot and its files."""
    from mlgate.data._api import show

    snap = show(ref)
    if as_json:
        print_json(
            {
                "id": snap.id,
                "name": snap.name,
                "source": snap.source,
                "created_at": snap.created_at,
                "n_files": snap.n_files,
                "n_bytes": snap.n_bytes,
                "files": snap.files,
            }
        )
        return
    from rich.table import Table

    out = console()
    out.print(f"snapshot {snap.id}" + (f" ({snap.name})" if snap.name else ""))
    out.print(
        f"  source {snap.source}, created {snap.created_at:%Y-%m-%d %H:%M:%S} UTC, "
        f"{snap.n_files} files, {human_bytes(snap.n_bytes)}"
    )
    table = Table("path", "size", "blake3", box=None)
    for entry in snap.files:
        table.add_row(entry.path, human_bytes(entry.size), short(entry.digest))
    out.print(table)


@app.command("diff")
def diff_cmd(
    a: str = typer.Argument(..., help="The older snapshot (id, prefix or name)."),
    b: str = typer.Argument(..., help="The newer snapshot (id, prefix or name)."),
    tables: bool = typer.Option(
        True, "--tables/--no-tables", help="Compare rows and columns of CSV/Parquet files."
    ),
    as_json: bool = _JSON,
) -> None:
    """Show files added, removed and modified between two snapshots."""
    from mlgate.data._api import diff

    result = diff(a, b, tables=tables)
    if as_json:
        print_json(
            {
                "a": result.a,
                "b": result.b,
                "unchanged": result.unchanged,
                "changes": [
                    {
                        "path": c.path,
                        "kind": c.kind,
                        "before": c.before,
                        "after": c.after,
                        "rows_before": c.table_before.rows if c.table_before else None,
                        "rows_after": c.table_after.rows if c.table_after else None,
                        "columns_added": c.columns_added,
                        "columns_removed": c.columns_removed,
                        "columns_retyped": c.columns_retyped,
                    }
                    for c in result.changes
                ],
            }
        )
        return
    out = console()
    out.print(
        f"{short(result.a)} → {short(result.b)}: "
        f"{len(result.changes)} changed, {result.unchanged} unchanged"
    )
    marks = {
        "added": "+",
        "removed": "-",
        "modified": "~",
    }
    for change in result.changes:
        line = f"  {marks[change.kind]} {change.path}"
        size_before = change.before.size if change.before else 0
        size_after = change.after.size if change.after else 0
        line += (
            f"  ({human_bytes(size_before)} → {human_bytes(size_after)})"
            if change.kind == "modified"
            else ""
        )
        out.print(line)
        shape_a, shape_b = change.table_before, change.table_after
        if shape_a and shape_b:
            delta = shape_b.rows - shape_a.rows
            out.print(f"      rows {shape_a.rows} → {shape_b.rows} ({delta:+d})")
        elif shape_b:
            out.print(f"      rows {shape_b.rows}, {len(shape_b.columns)} columns")
        elif shape_a:
            out.print(f"      had rows {shape_a.rows}, {len(shape_a.columns)} columns")
        if change.columns_added:
            out.print(f"      columns added: {', '.join(change.columns_added)}")
        if change.columns_removed:
            out.print(f"      columns removed: {', '.join(change.columns_removed)}")
        for column, (old, new) in change.columns_retyped.items():
            out.print(f"      column {column}: {old} → {new}")


@app.command("checkout")
def checkout_cmd(
    ref: str = typer.Argument(..., help="Snapshot id, unique id prefix, or name."),
    dest: Path = typer.Argument(..., help="A new or empty folder to restore the files into."),
    as_json: bool = _JSON,
) -> None:
    """Restore a snapshot's exact bytes (every file verified) into a new folder."""
    from mlgate.data._api import checkout, show

    target = checkout(ref, dest)
    snap = show(ref)
    if as_json:
        print_json(
            {"id": snap.id, "dest": target, "n_files": snap.n_files, "n_bytes": snap.n_bytes}
        )
        return
    console().print(
        f"checked out {short(snap.id)}: {snap.n_files} files, {human_bytes(snap.n_bytes)} "
        f"into {target} (every file verified)"
    )


@app.command("status")
def status_cmd(
    path: str = typer.Argument(None, help="Data path; default: data.source in mlgate.yaml."),
    exit_code: bool = typer.Option(
        False, "--exit-code", help="Exit with 1 when the data changed since its last snapshot."
    ),
    as_json: bool = _JSON,
) -> None:
    """Has the data source changed since its last snapshot?"""
    from mlgate.data._status import data_status

    status = data_status(path)
    if as_json:
        print_json(
            {
                "source": status.source,
                "changed": status.changed,
                "last_snapshot": status.last_snapshot,
                "current_id": status.current_id,
                "added": status.added,
                "removed": status.removed,
                "modified": status.modified,
                "files_read": status.files_read,
            }
        )
    else:
        out = console()
        if status.last_snapshot is None:
            out.print(
                f"{status.source}: never snapshotted (run `mlgate data snapshot {status.source}`)"
            )
        elif not status.changed:
            out.print(f"{status.source}: unchanged since snapshot {short(status.last_snapshot)}")
        else:
            out.print(f"{status.source}: changed since snapshot {short(status.last_snapshot)}")
            for kind, paths in (
                ("added", status.added),
                ("removed", status.removed),
                ("modified", status.modified),
            ):
                for p in paths:
                    out.print(f"  {kind}: {p}")
    if exit_code and status.changed:
        raise typer.Exit(1)


@app.command("schema")
def schema_cmd(
    ref: str = typer.Argument(..., help="Snapshot id, unique id prefix, or name."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the contract to this YAML file (not overwritten)."
    ),
    max_categories: int = typer.Option(
        50, "--max-categories", min=1, help="Most distinct values listed as a category set."
    ),
    as_json: bool = _JSON,
) -> None:
    """Infer a snapshot's schema contract: types, nullability, ranges, categories."""
    from mlgate.data._checks import infer_schema
    from mlgate.errors import ConflictError

    if output is not None and output.exists():
        raise ConflictError(
            f"{output} exists already", hint="Choose another path or delete the file first."
        )
    contract = infer_schema(ref, max_categories=max_categories)
    if as_json:
        print_json(
            {
                "source": contract.source,
                "columns": [c.to_dict() | {"name": c.name} for c in contract.columns],
            }
        )
        return
    text = contract.to_yaml()
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    console().print(
        f"wrote {output}: {len(contract.columns)} columns; edit it, commit it and set "
        f"`data.schema: {output.name}` in mlgate.yaml"
    )


def _spec_or_none() -> object:
    from mlgate.config import Settings
    from mlgate.spec import load_spec

    settings = Settings.load()
    if not (settings.project / "mlgate.yaml").is_file():
        return None
    return load_spec(project=settings.project)


@app.command("check")
def check_cmd(
    ref: str = typer.Argument(..., help="Snapshot id, unique id prefix, or name."),
    contract: Path | None = typer.Option(
        None, "--contract", "-c", help="Contract file; default: data.schema in mlgate.yaml."
    ),
    as_json: bool = _JSON,
) -> None:
    """Check a snapshot against the contract, the production model and quality rules."""
    from mlgate.data._checks import check_data
    from mlgate.spec import Spec

    spec = _spec_or_none()
    report = check_data(ref, contract=contract, spec=spec if isinstance(spec, Spec) else None)
    if as_json:
        print_json(
            {
                "ok": report.ok,
                "rows": report.rows,
                "columns": report.columns,
                "findings": [f.to_dict() for f in report.findings],
            }
        )
    else:
        out = console()
        out.print(
            f"{ref}: {report.rows:,} rows, {report.columns} columns; "
            f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        )
        for finding in report.warnings:
            out.print(f"  warn  [{finding.check}] {finding.message}", markup=False)
    if not report.ok:
        report.raise_for_errors(where=f"snapshot {ref}")


@app.command("drift")
def drift_cmd(
    reference: str = typer.Argument(..., help="The reference snapshot (id, prefix or name)."),
    current: str = typer.Argument(..., help="The current snapshot (id, prefix or name)."),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance level after correction."),
    effect_size: float = typer.Option(
        0.1, "--effect-size", help="Least effect size (normalized Wasserstein, JS) that drifts."
    ),
    correction: str = typer.Option("holm", "--correction", help="holm, bh or none."),
    share: float = typer.Option(
        0.5, "--share", help="Share of drifted columns at which the data set drifts."
    ),
    columns: list[str] | None = typer.Option(None, "--column", help="Only these columns (repeat)."),
    exit_code: bool = typer.Option(
        False, "--exit-code", help="Exit with 1 when the data set drifted."
    ),
    as_json: bool = _JSON,
) -> None:
    """Per-column and overall drift of CURRENT against REFERENCE, with effect sizes."""
    from mlgate.data._checks import drift_snapshots

    report = drift_snapshots(
        reference,
        current,
        alpha=alpha,
        effect_size=effect_size,
        correction=correction,
        share=share,
        columns=columns or None,
    )
    if as_json:
        print_json(
            {
                "drifted": report.drifted,
                "share_drifted": report.share_drifted,
                "drifted_columns": report.drifted_columns,
                "n_reference": report.n_reference,
                "n_current": report.n_current,
                "columns": report.columns,
            }
        )
    else:
        from rich.table import Table

        table = Table(
            "column", "kind", "status", "test", "p (adj.)", "effect", "PSI", "note", box=None
        )
        for c in report.columns:
            table.add_row(
                c.column,
                c.kind,
                c.status,
                c.test or "",
                "" if c.p_adjusted is None else f"{c.p_adjusted:.3g}",
                "" if c.effect_size is None else f"{c.effect_size:.3f}",
                "" if c.psi is None else f"{c.psi:.3f}",
                c.note,
            )
        out = console()
        out.print(table)
        verdict = "drifted" if report.drifted else "no drift"
        out.print(
            f"{verdict}: {len(report.drifted_columns)} column(s) drifted "
            f"({report.share_drifted:.0%}, threshold {report.share:.0%}); "
            f"{report.n_reference:,} reference rows, {report.n_current:,} current rows"
        )
    if exit_code and report.drifted:
        raise typer.Exit(1)
