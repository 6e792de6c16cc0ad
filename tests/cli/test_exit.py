"""The console script leaves without the interpreter's teardown, yet like an ordinary exit:
threads are waited for, at-exit handlers run, output is complete, the exit code stands."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mlgate import __version__


def _script(argv: list[str], *, before: str = "") -> subprocess.CompletedProcess[str]:
    """Run the console script's ``main()`` in a fresh interpreter, after ``before``."""
    code = "\n".join(
        [
            "import atexit, sys, threading, time",
            before,
            f"sys.argv = ['mlgate', *{argv!r}]",
            "from mlgate.cli.app import main",
            "main()",
        ]
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_at_exit_handlers_run_and_the_output_is_complete() -> None:
    done = _script(["--version"], before="atexit.register(print, 'handler ran')")
    assert done.returncode == 0
    assert done.stdout == f"mlgate {__version__}\nhandler ran\n"


def test_the_exit_code_of_a_usage_error_stands() -> None:
    done = _script(["run", "--force", "trian"])
    assert done.returncode == 2
    assert "there is no stage 'trian' to force" in done.stderr


def test_a_thread_still_working_is_waited_for() -> None:
    worker = (
        "threading.Thread(target=lambda: (time.sleep(0.3), print('thread done', flush=True)))"
        ".start()"
    )
    done = _script(["--version"], before=worker)
    assert done.returncode == 0
    assert "thread done" in done.stdout


#: An object that says when the interpreter's teardown frees it (os.write bound early:
#: by then the modules are half cleared).
class_with_del = (
    "import os\n"
    "class Noisy:\n"
    "    def __del__(self, write=os.write):\n"
    "        write(1, b'torn down\\n')\n"
    "noisy = Noisy()"
)


def test_the_teardown_is_skipped() -> None:
    done = _script(["--version"], before=class_with_del)
    assert done.returncode == 0
    assert "torn down" not in done.stdout  # the objects are left to the operating system


@pytest.mark.parametrize(
    "tracer", ["sys.setprofile(lambda *a: None)", "sys.settrace(lambda *a: None)"]
)
def test_under_a_profiler_or_tracer_the_ordinary_exit_is_taken(tracer: str) -> None:
    done = _script(["--version"], before=f"{class_with_del}\n{tracer}")
    assert done.returncode == 0
    assert "torn down" in done.stdout  # e.g. cProfile writes its output at that point
