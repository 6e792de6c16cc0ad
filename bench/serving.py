"""Benchmark: ``mlgate serve`` against ``mlflow models serve`` and bare uvicorn apps.

    python bench/serving.py [--seconds S] [--startups N] [--generator auto|wrk|python]
                            [--workdir DIR] [--no-mlflow]

The same scikit-learn logistic regression (breast-cancer data, 30 columns) is
served by each server in turn, on 127.0.0.1:

- ``mlgate serve`` with signature validation and the prediction log on (and
  once more with ``--no-log``, for the logging overhead, and once on uvicorn's
  plain asyncio loop and h11 parser, for what uvloop and httptools bring);
- two bare uvicorn apps (floors: no validation, no logging, no metrics): read
  the body, ``json.loads``, then either build a DataFrame (what the issue's
  floor does) or a float array (what mlgate hands this model), ``predict``,
  ``json.dumps``;
- ``mlflow models serve --env-manager local`` from a throw-away venv
  (``<workdir>/mlflow-venv``, shared with bench/registry.py), never a dependency.

Cases: single-row requests at concurrency 1 and 8, and a 1,000-row batch at
concurrency 1, all in MLflow's ``dataframe_split`` form on ``/invocations``
(mlgate also answers the single row as a KServe V2 tensor at concurrency 8),
each for ``--seconds`` after a one-second warm-up. The load generator is
``wrk`` (native, one thread, a Lua script posting the body) when it is on PATH
(Debian: ``apt-get install wrk``), else a Python asyncio client, which shares
the CPU with the server and costs it about half its throughput; the output
says which one ran. Start-up is the wall time from spawning the server to its
first 200 on the health endpoint, the median of ``--startups`` starts. The
1-minute load average is noted before each server's cases. Prints Markdown on
stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import textwrap
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from _common import ensure_venv

HERE = Path(__file__).resolve().parent


def say(message: str) -> None:
    sys.stderr.write(f"[serving] {message}\n")
    sys.stderr.flush()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


@dataclass(frozen=True)
class Result:
    server: str
    case: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    load: float


# -- the native generator: wrk ------------------------------------------------------------

WRK_SCRIPT = """
local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
"""

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise ValueError(f"cannot read wrk's latency {text!r}")
    return round(float(found.group(1)) * _UNITS[found.group(2)], 2)


def parse_wrk(output: str) -> tuple[int, float, float, float, int]:
    """(requests, seconds, p50 ms, p99 ms, errors) from ``wrk --latency``'s report."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if done is None or p50 is None or p99 is None:
        raise ValueError(f"cannot read wrk's report:\n{output}")
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    seconds = _ms(done.group(2) + done.group(3)) / 1000
    return int(done.group(1)), seconds, _ms(p50.group(1)), _ms(p99.group(1)), errors


class Wrk:
    """``wrk`` with one thread and ``concurrency`` keep-alive connections."""

    name = "wrk"

    def __init__(self, binary: str, work: Path) -> None:
        self.binary = binary
        self.work = work
        self.script = work / "post.lua"
        self.script.write_text(WRK_SCRIPT)

    def run(
        self, url: str, body: bytes, *, concurrency: int, seconds: float, server: str, case: str
    ) -> Result:
        body_file = self.work / "body.json"
        body_file.write_bytes(body)
        env = {**os.environ, "BENCH_BODY": str(body_file)}
        base = [self.binary, "-t1", f"-c{concurrency}", "-s", str(self.script)]
        subprocess.run([*base, "-d1s", url], env=env, capture_output=True, check=True)
        load = load_average()
        measured = subprocess.run(
            [*base, f"-d{seconds:g}s", "--latency", url],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        requests, elapsed, p50, p99, errors = parse_wrk(measured.stdout)
        return Result(
            server, case, requests, elapsed, round(requests / elapsed, 1), p50, p99, errors, load
        )


# -- the fallback generator: Python asyncio -----------------------------------------------


async def _client(
    port: int, request: bytes, until: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(status)
    except (OSError, asyncio.IncompleteReadError, ValueError):
        errors.append(-1)
    finally:
        writer.close()


class PythonClient:
    """One asyncio process writing pre-built HTTP/1.1 requests on keep-alive connections."""

    name = "Python asyncio client"

    def run(
        self, url: str, body: bytes, *, concurrency: int, seconds: float, server: str, case: str
    ) -> Result:
        found = re.fullmatch(r"http://127\.0\.0\.1:(\d+)(/.*)", url)
        assert found is not None, url
        port, path = int(found.group(1)), found.group(2)
        request = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        latencies: list[float] = []
        errors: list[int] = []

        async def run() -> None:
            warm_until = time.perf_counter() + 1.0
            await asyncio.gather(
                *(_client(port, request, warm_until, [], []) for _ in range(concurrency))
            )
            until = time.perf_counter() + seconds
            await asyncio.gather(
                *(_client(port, request, until, latencies, errors) for _ in range(concurrency))
            )

        load = load_average()
        started = time.perf_counter()
        asyncio.run(run())
        elapsed = time.perf_counter() - started - 1.0
        ordered = sorted(latencies) or [float("nan")]
        return Result(
            server=server,
            case=case,
            requests=len(latencies),
            seconds=round(elapsed, 2),
            rps=round(len(latencies) / elapsed, 1),
            p50_ms=round(statistics.median(ordered) * 1000, 2),
            p99_ms=round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
            errors=len(errors),
            load=load,
        )


Generator = Wrk | PythonClient


def pick_generator(choice: str, work: Path) -> tuple[Generator, str]:
    """The generator to use and a note about it for the output."""
    binary = shutil.which("wrk")
    if choice == "wrk" and binary is None:
        raise SystemExit("wrk is not on PATH (Debian: apt-get install wrk)")
    if binary is not None and choice != "python":
        version = subprocess.run([binary, "-v"], capture_output=True, text=True).stdout
        first = version.splitlines()[0] if version else "wrk"
        return Wrk(binary, work), f"load generator: {first.split(' Copyright')[0]}, 1 thread"
    note = (
        "load generator: the Python asyncio client"
        + (" (wrk is not on PATH; Debian: apt-get install wrk)" if binary is None else "")
        + "; it shares the CPUs with the server and takes about half of them"
    )
    say(note)
    return PythonClient(), note


def wait_ready(process: subprocess.Popen[bytes], url: str, timeout: float = 60) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{url} not ready after {timeout} s")


def start(argv: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    """The server in a session of its own, so :func:`stop` reaches its children too
    (``mlflow models serve`` runs uvicorn as a child process)."""
    with log.open("ab") as sink:
        return subprocess.Popen(
            argv,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=str(cwd),
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group (it drains and exits), SIGKILL after 30 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError):  # children left behind go with the group
        os.killpg(process.pid, signal.SIGKILL)


def ensure_mlflow(venv: Path) -> Path:
    """MLflow (and the same scikit-learn) in its own venv, created once and reused."""
    import sklearn

    return ensure_venv(
        venv, probe="import mlflow", packages=["mlflow", f"scikit-learn=={sklearn.__version__}"]
    )


TRAIN = """
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
data = load_breast_cancer(as_frame=True)
frame = data.frame.rename(columns=lambda c: c.replace(' ', '_'))
X, y = frame.drop(columns='target'), frame['target']
model = LogisticRegression(max_iter=5000, random_state=0).fit(X, y)
"""

BARE_APP = """
import json, os, warnings
import numpy as np
import pandas as pd
import skops.io as sio
data = open(os.environ["BARE_MODEL"], "rb").read()
model = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
ARRAY = os.environ.get("BARE_INPUT") == "array"
# the array floor gives the model what it was fitted on, without the column names
warnings.filterwarnings("ignore", message="X does not have valid feature names")

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    if scope["path"] == "/invocations":
        split = json.loads(body)["dataframe_split"]
        if ARRAY:
            rows = np.array(split["data"], dtype=np.float64)
        else:
            rows = pd.DataFrame(split["data"], columns=split["columns"])
        out = json.dumps({"predictions": model.predict(rows).tolist()}).encode()
    else:
        out = b"{}"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(out)).encode())]})
    await send({"type": "http.response.body", "body": out})
"""

#: ``mlgate serve`` on uvicorn's plain asyncio loop and h11 parser (what a server without
#: uvloop and httptools runs), to measure what those two bring.
PLAIN_TRANSPORT = """
import sys
import uvicorn
_init = uvicorn.Config.__init__
def init(self, *args, **kwargs):
    kwargs.update(loop="asyncio", http="h11")
    _init(self, *args, **kwargs)
uvicorn.Config.__init__ = init
from mlgate.cli.app import main
sys.exit(main(sys.argv[1:]))
"""


def build(work: Path) -> tuple[Path, Any]:
    """The mlgate project with the model registered as production; returns it and the frame."""
    sys.path.insert(0, str(HERE.parent / "src"))
    namespace: dict[str, Any] = {}
    exec(TRAIN, namespace)  # our own training snippet, the same one the MLflow side runs
    from mlgate.config import Settings
    from mlgate.registry.versions import register_version
    from mlgate.train.flavors import dump_model
    from mlgate.train.signature import infer_signature

    project = work / "project"
    shutil.rmtree(project, ignore_errors=True)
    (project / ".mlgate").mkdir(parents=True)
    spec = {
        "project": {"name": "bench"},
        "data": {"label": "target"},
        "train": {"function": "train:train"},
        "deploy": {"production": {"strategy": "direct", "prediction_log": {"sample": 1.0}}},
    }
    (project / "mlgate.yaml").write_text(json.dumps(spec))
    settings = Settings.load(project=project)
    frame = namespace["frame"]
    register_version(
        "churn",
        namespace["model"],
        signature=infer_signature(frame, label="target"),
        alias="production",
        settings=settings,
    )
    (work / "model.skops").write_bytes(dump_model(namespace["model"]))
    return project, frame.drop(columns="target")


@dataclass(frozen=True)
class Server:
    name: str
    argv: list[str]
    health: str
    env: dict[str, str]
    cases: tuple[str, ...]


ROW, ROW8, BATCH, V2ROW8 = (
    "1 row, concurrency 1",
    "1 row, concurrency 8",
    "1,000 rows, concurrency 1",
    "1 row as a V2 tensor, concurrency 8",
)
OURS, NOLOG, PLAIN = (
    "mlgate (validation + log)",
    "mlgate (validation, no log)",
    "mlgate (validation + log), asyncio + h11",
)
BARE_FRAME, BARE_ARRAY = "bare uvicorn app, DataFrame", "bare uvicorn app, float array"


def transport() -> str:
    """What uvicorn runs on in this environment (``loop="auto"``, ``http="auto"``)."""
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop} + {http}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--startups", type=int, default=3, help="starts per server (median)")
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--workdir", type=Path, default=HERE / "_work")
    parser.add_argument("--no-mlflow", action="store_true")
    args = parser.parse_args()
    work = args.workdir / "serving"
    work.mkdir(parents=True, exist_ok=True)
    generator, generator_note = pick_generator(args.generator, work)
    say("training and registering the model")
    project, features = build(work)
    columns = list(features.columns)
    one = features.iloc[:1].to_numpy().tolist()
    bodies = {
        ROW: json.dumps({"dataframe_split": {"columns": columns, "data": one}}).encode(),
        BATCH: json.dumps(
            {
                "dataframe_split": {
                    "columns": columns,
                    "data": features.sample(1000, replace=True, random_state=0).to_numpy().tolist(),
                }
            }
        ).encode(),
        V2ROW8: json.dumps(
            {"inputs": [{"name": "x", "shape": [1, len(columns)], "datatype": "FP64", "data": one}]}
        ).encode(),
    }
    bodies[ROW8] = bodies[ROW]
    (work / "bare_app.py").write_text(BARE_APP)
    (work / "serve_plain.py").write_text(PLAIN_TRANSPORT)
    env = {**os.environ, "MLGATE_PROJECT": str(project), "MLGATE_USER": "bench"}
    env.pop("MLGATE_DEBUG", None)
    mlgate = [sys.executable, "-m", "mlgate", "serve", "churn", "--port", "{port}"]
    ready = "/v2/health/ready"
    servers = [
        Server(OURS, mlgate, ready, env, (ROW, ROW8, BATCH, V2ROW8)),
        Server(NOLOG, [*mlgate, "--no-log"], ready, env, (ROW8,)),
    ]
    if transport() != "asyncio + h11":
        plain = [sys.executable, str(work / "serve_plain.py"), *mlgate[3:]]
        servers.append(Server(PLAIN, plain, ready, env, (ROW8,)))
    uvicorn_app = [sys.executable, "-m", "uvicorn", "--app-dir", str(work), "bare_app:app"]
    uvicorn_app += ["--host", "127.0.0.1", "--port", "{port}", "--log-level", "warning"]
    bare_env = {**env, "BARE_MODEL": str(work / "model.skops")}
    servers.append(Server(BARE_FRAME, uvicorn_app, "/ping", bare_env, (ROW, ROW8, BATCH)))
    array_env = {**bare_env, "BARE_INPUT": "array"}
    servers.append(Server(BARE_ARRAY, uvicorn_app, "/ping", array_env, (ROW, ROW8, BATCH)))
    mlflow_version = ""
    if not args.no_mlflow:
        python = ensure_mlflow(args.workdir / "mlflow-venv")
        model_dir = work / "mlflow-model"
        shutil.rmtree(model_dir, ignore_errors=True)
        save = (
            TRAIN
            + f"\nimport mlflow.sklearn\nmlflow.sklearn.save_model(model, {str(model_dir)!r})\n"
        )
        subprocess.run([str(python), "-c", save], check=True, capture_output=True)
        mlflow_version = subprocess.run(
            [str(python), "-c", "import mlflow; print(mlflow.__version__)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        mlflow_cmd = [str(python.parent / "mlflow"), "models", "serve", "-m", str(model_dir)]
        mlflow_cmd += ["--env-manager", "local", "--host", "127.0.0.1", "--port", "{port}"]
        # mlflow runs ``uvicorn`` from PATH: the venv's, not ours
        mlflow_env = {**env, "PATH": f"{python.parent}{os.pathsep}{env.get('PATH', '')}"}
        name = f"mlflow models serve {mlflow_version}"
        servers.append(Server(name, mlflow_cmd, "/ping", mlflow_env, (ROW, ROW8, BATCH)))
    results: list[Result] = []
    startup: dict[str, list[float]] = {}
    for server in servers:
        log = work / f"{re.sub(r'[^a-z0-9]+', '-', server.name.lower()).strip('-')}.log"
        log.unlink(missing_ok=True)
        times: list[float] = []
        for attempt in range(max(1, args.startups)):
            port = free_port()
            argv = [part.replace("{port}", str(port)) for part in server.argv]
            say(f"starting {server.name} ({attempt + 1}/{args.startups}, load {load_average()})")
            process = start(argv, server.env, log, work)
            try:
                times.append(
                    round(wait_ready(process, f"http://127.0.0.1:{port}{server.health}"), 2)
                )
                if attempt + 1 < args.startups:
                    continue
                for case in server.cases:
                    say(f"  {case}")
                    path = "/v2/models/churn/infer" if case == V2ROW8 else "/invocations"
                    results.append(
                        generator.run(
                            f"http://127.0.0.1:{port}{path}",
                            bodies[case],
                            concurrency=8 if "concurrency 8" in case else 1,
                            seconds=args.seconds,
                            server=server.name,
                            case=case,
                        )
                    )
            finally:
                stop(process)
        startup[server.name] = times
    print(render(results, startup, mlflow_version, generator_note))
    (work / "results.json").write_text(
        json.dumps(
            {
                "generator": generator_note,
                "transport": transport(),
                "results": [asdict(r) for r in results],
                "startup": startup,
            },
            indent=2,
        )
    )
    return 0


def render(
    results: list[Result], startup: dict[str, list[float]], mlflow_version: str, note: str
) -> str:
    import sklearn
    import uvicorn

    lines = [
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}; uvicorn {uvicorn.__version__} on "
        f"{transport()}; MLflow {mlflow_version or '(skipped)'}; {note}",
        "",
        "| server | case | requests/s | p50 ms | p99 ms | errors | load |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.server} | {r.case} | {r.rps:,.0f} | {r.p50_ms} | {r.p99_ms} | {r.errors} "
            f"| {r.load} |"
        )
    lines += [
        "",
        "| server | start-up to ready, median (s) | all starts (s) |",
        "| --- | ---: | --- |",
    ]
    for name, times in startup.items():
        lines.append(f"| {name} | {statistics.median(times)} | {', '.join(map(str, times))} |")
    by = {(r.server, r.case): r for r in results}
    ours = by.get((OURS, ROW8))
    nolog = by.get((NOLOG, ROW8))
    plain = by.get((PLAIN, ROW8))
    frame_floor = by.get((BARE_FRAME, ROW8))
    array_floor = by.get((BARE_ARRAY, ROW8))
    mlflow = next((r for (s, c), r in by.items() if s.startswith("mlflow") and c == ROW8), None)
    lines.append("")
    if ours and mlflow:
        lines.append(
            f"- mlgate / MLflow at concurrency 8: {ours.rps / mlflow.rps:.1f}× (target ≥ 6×)"
        )
    for floor in (frame_floor, array_floor):
        if ours and floor:
            lines.append(
                f"- mlgate / {floor.server} at concurrency 8: {ours.rps / floor.rps:.0%} "
                "(target ≥ 70 %)"
            )
    if ours:
        lines.append(
            f"- mlgate p99 at concurrency 8, validation and log on: {ours.p99_ms} ms "
            "(target ≤ 20 ms)"
        )
    if OURS in startup:
        lines.append(
            f"- mlgate start-up to ready: {statistics.median(startup[OURS])} s (target ≤ 2 s)"
        )
    if ours and nolog:
        lines.append(
            f"- logging costs {1 - ours.rps / nolog.rps:.1%} of throughput (target ≤ 10 %)"
        )
    if ours and plain:
        lines.append(
            f"- uvloop + httptools against asyncio + h11: {ours.rps / plain.rps:.2f}× the "
            "requests/s"
        )
    return textwrap.dedent("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
