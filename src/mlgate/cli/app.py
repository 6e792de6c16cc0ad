"""The ``mlgate`` command: the Typer app, its command groups, and the one error handler.

Commands parse their arguments, call one API function and render the result.
Heavy libraries (pandas, pyarrow, SQLAlchemy, scikit-learn) are imported inside
the command bodies, so ``mlgate --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from typing import NoReturn

import typer

from mlgate._version import __version__

__all__ = ["app", "main"]

app = typer.Typer(
    name="mlgate",
    help="CI/CD for machine learning: version data, run pipelines, gate models on evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: Typer's rich help imports rich.markdown and pygments (~110 ms),
    # which would double the time of `mlgate --help`.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlgate {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: bool = typer.Option(
        False, "--debug", help="Show the full traceback when a command fails."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """CI/CD for machine learning: version data, run pipelines, gate models on evidence.

    Exit codes: 0 ok, 1 a gate or check failed, 2 usage or configuration error,
    3 bad data, 4 conflict, 5 integrity error, 6 needs approval.
    """


def _register() -> None:
    # Each module only defines commands; importing it costs typer alone.
    from mlgate.cli import ci, data, models, monitor, project, quickstart, runs, serve, watch

    project.register(app)
    runs.register(app)
    quickstart.register(app)
    app.add_typer(data.app, name="data")
    models.register(app)
    serve.register(app)
    monitor.register(app)
    ci.register(app)
    watch.register(app)


_register()


def _debug_requested(argv: Sequence[str]) -> bool:
    import os

    return "--debug" in argv or os.environ.get("MLGATE_DEBUG", "").lower() in {"1", "true", "yes"}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns (and exits with) the exit code.

    Typer/Click handle usage errors themselves (exit 2, with the usage line);
    everything a command raises lands in :func:`_handle`.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)
    try:
        command.main(args=args, prog_name="mlgate", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # the one handler: every command's errors end here
        code = _handle(exc, debug=_debug_requested(args))
    else:
        code = 0
    if argv is None:
        _exit(code)
    return code


def _exit(code: int) -> NoReturn:
    """End the console script with ``code``: threads are waited for, at-exit handlers
    run (webhooks are delivered, logs flushed) and the output is flushed, but the
    interpreter's teardown — freeing every object of every module loaded, 0.1–0.2 s
    once SQLAlchemy, pandas or matplotlib are in — is left to the operating system.
    Under a profiler or tracer (``python -m cProfile -m mlgate``, coverage), and when
    the output cannot be flushed, it takes the ordinary way out."""
    import atexit
    import os
    import threading

    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    atexit._run_exitfuncs()
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _handle(exc: BaseException, *, debug: bool) -> int:
    from mlgate.errors import MlgateError

    if isinstance(exc, KeyboardInterrupt):
        sys.stderr.write("Interrupted.\n")
        return 130
    if isinstance(exc, MlgateError):
        if debug:
            import traceback

            traceback.print_exception(exc)
        sys.stderr.write(f"error: {exc.render()}\n")
        if not debug:
            sys.stderr.write("(run with --debug for the traceback)\n")
        return exc.exit_code
    import traceback

    traceback.print_exception(exc)
    sys.stderr.write(
        "internal error: mlgate failed unexpectedly. This is a bug; please report it "
        "with the traceback above.\n"
    )
    return 70
