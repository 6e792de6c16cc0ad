"""``mlgate data …``: snapshot data, list, show, diff, check out, and status."""

from __future__ import annotations

from pathlib import Path

import typer

from mlgate.cli._render import ByteProgress, console, human_bytes, interactive, print_json, short

app = typer.Typer(
    help="Version data: snapshot, list, show, diff, checkout, status.",
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
