"""``mlgate init``, ``mlgate schema``: start a project, and the JSON Schema of its spec."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["init_command", "register", "schema_command"]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("init")(init_command)
    app.command("schema")(schema_command)


def init_command(
    directory: Annotated[
        Path,
        typer.Argument(help="Folder for the project (created if missing).", show_default=False),
    ] = Path("."),
    name: Annotated[
        str | None,
        typer.Option("--name", help="Project name. Default: the folder's name."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite mlgate.yaml, train.py and the data file."),
    ] = False,
    ci: Annotated[
        str | None,
        typer.Option(
            "--ci",
            help="Also write a CI workflow that runs `mlgate ci` (github: "
            ".github/workflows/mlgate.yml); in an existing project, only the workflow.",
        ),
    ] = None,
) -> None:
    """Write a runnable example project: mlgate.yaml, train.py and a small data set.

    The spec has every section filled in and commented; the data is scikit-learn's
    bundled breast-cancer set as Parquet. Refuses if the files already exist,
    unless --force.
    """
    from mlgate.project import ci_workflow, init

    if ci is not None:
        _check_ci(ci)
        if (directory / "mlgate.yaml").is_file():  # an existing project: the workflow only
            file = ci_workflow(directory, provider=ci, force=force)
            typer.echo(f"{file.action.capitalize()} {file.path.as_posix()}: it runs `mlgate ci`")
            return
    result = init(directory, name=name, force=force)
    if ci is not None:
        file = ci_workflow(directory, provider=ci, force=force)
        result = type(result)(result.project, result.name, (*result.files, file))
    shown = _shown(result.project)
    typer.echo(f"Created the project {result.name!r} in {shown}:")
    width = max(len(file.action) for file in result.files)
    for file in result.files:
        note = " (already there)" if file.action == "kept" else ""
        typer.echo(f"  {file.action:<{width}}  {file.path.as_posix()}{note}")
    typer.echo("\nNext:")
    if result.project != Path.cwd().resolve():
        typer.echo(f"  cd {shown}")
    typer.echo("  mlgate data snapshot data/   # version the data")
    typer.echo("  mlgate run                   # train, evaluate, gate, register")


def schema_command(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the schema to this file instead of printing it."
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of mlgate.yaml, for editor completion and checks.

    With the YAML extension of VS Code (yaml-language-server), save it with
    --output mlgate.schema.json and start mlgate.yaml with the comment
    "# yaml-language-server: $schema=mlgate.schema.json".
    """
    import json

    from mlgate.spec import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    _write_text(output, text)
    typer.echo(f"Wrote the JSON Schema of mlgate.yaml to {output}")


def _check_ci(provider: str) -> None:
    from mlgate.errors import UsageError
    from mlgate.project import CI_PROVIDERS

    if provider not in CI_PROVIDERS:
        raise UsageError(
            f"mlgate cannot write a workflow for {provider!r}; nothing was written",
            hint="Supported: " + ", ".join(CI_PROVIDERS) + " (e.g. --ci github).",
        )


def _shown(path: Path) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _write_text(path: Path, text: str) -> None:
    import secrets

    from mlgate.errors import StorageError, UsageError

    if path.is_dir():
        raise UsageError("is a folder", where=str(path), hint="Give a file name for --output.")
    if not path.parent.is_dir():
        raise UsageError(
            "the folder for --output does not exist",
            where=str(path.parent),
            hint="Create it first, or write the schema elsewhere.",
        )
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp, path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise StorageError(
            f"cannot write the schema: {exc.strerror or exc}",
            where=str(path),
            hint="Check the folder's permissions and free space.",
        ) from None
