"""Benchmark: ``mlgate serve`` against ``mlflow models serve`` and a bare uvicorn app.

    python bench/serving.py [--seconds S] [--workdir DIR] [--no-mlflow]

The same scikit-learn logistic regression (breast-cancer data, 30 columns) is
served three ways, one after the other, on 127.0.0.1:

- ``mlgate serve`` with signature validation and the prediction log on (and
  once more with ``--no-log``, for the logging overhead);
- a bare uvicorn app (the floor): read the body, ``json.loads``, build the
  DataFrame, ``predict``, ``json.dumps``: no validation, no logging, no metrics;
- ``mlflow models serve --env-manager local`` from a throw-away venv
  (``<workdir>/mlflow-venv``, shared with bench/registry.py), never a dependency.

Cases: single-row requests at concurrency 1 and 8, and a 1,000-row batch at
concurrency 1, all in MLflow's ``dataframe_split`` form on ``/invocations``,
each for ``--seconds``. The load generator is one asyncio process writing
pre-built HTTP/1.1 requests on keep-alive connections (cheap enough not to be
the bottleneck on a small machine, but it shares the CPU with the server).
Start-up is the wall time from spawning the server to its first 200 on the
health endpoint. Prints a Markdown table on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
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


def load(
    port: int, body: bytes, *, concurrency: int, seconds: float, name: str, case: str
) -> Result:
    request = (
        f"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    errors: list[int] = []

    async def run() -> None:
        warm_until = time.perf_counter() + min(1.0, seconds / 4)
        await asyncio.gather(
            *(_client(port, request, warm_until, [], []) for _ in range(concurrency))
        )
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *(_client(port, request, until, latencies, errors) for _ in range(concurrency))
        )

    started = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - started - min(1.0, seconds / 4)
    ordered = sorted(latencies) or [float("nan")]
    return Result(
        server=name,
        case=case,
        requests=len(latencies),
        seconds=round(elapsed, 2),
        rps=round(len(latencies) / elapsed, 1),
        p50_ms=round(statistics.median(ordered) * 1000, 2),
        p99_ms=round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
        errors=len(errors),
    )


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


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
import json, os
import pandas as pd
import skops.io as sio
data = open(os.environ["BARE_MODEL"], "rb").read()
model = sio.loads(data, trusted=sio.get_untrusted_types(data=data))

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
        frame = pd.DataFrame(split["data"], columns=split["columns"])
        out = json.dumps({"predictions": model.predict(frame).tolist()}).encode()
    else:
        out = b"{}"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(out)).encode())]})
    await send({"type": "http.response.body", "body": out})
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workdir", type=Path, default=HERE / "_work")
    parser.add_argument("--no-mlflow", action="store_true")
    args = parser.parse_args()
    work = args.workdir / "serving"
    work.mkdir(parents=True, exist_ok=True)
    say("training and registering the model")
    project, features = build(work)
    row = json.dumps(
        {
            "dataframe_split": {
                "columns": list(features.columns),
                "data": features.iloc[:1].values.tolist(),
            }
        }
    ).encode()
    batch = json.dumps(
        {
            "dataframe_split": {
                "columns": list(features.columns),
                "data": features.sample(1000, replace=True, random_state=0).values.tolist(),
            }
        }
    ).encode()
    (work / "bare_app.py").write_text(BARE_APP)
    env = {**os.environ, "MLGATE_PROJECT": str(project), "MLGATE_USER": "bench"}
    env.pop("MLGATE_DEBUG", None)
    servers: list[tuple[str, list[str], str, dict[str, str]]] = []
    mlgate = [sys.executable, "-m", "mlgate", "serve", "churn", "--port", "{port}"]
    servers.append(("mlgate (validation + log)", mlgate, "/v2/health/ready", env))
    servers.append(("mlgate (validation, no log)", [*mlgate, "--no-log"], "/v2/health/ready", env))
    bare = [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(work),
        "bare_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--log-level",
        "warning",
    ]
    bare_env = {**env, "BARE_MODEL": str(work / "model.skops")}
    servers.append(("bare uvicorn app", bare, "/ping", bare_env))
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
        mlflow_cmd = [
            str(python.parent / "mlflow"),
            "models",
            "serve",
            "-m",
            str(model_dir),
            "--env-manager",
            "local",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
        ]
        # mlflow runs ``uvicorn`` from PATH: the venv's, not ours
        mlflow_env = {**env, "PATH": f"{python.parent}{os.pathsep}{env.get('PATH', '')}"}
        servers.append((f"mlflow models serve {mlflow_version}", mlflow_cmd, "/ping", mlflow_env))
    results: list[Result] = []
    startup: dict[str, float] = {}
    for name, command, health, server_env in servers:
        port = free_port()
        argv = [part.replace("{port}", str(port)) for part in command]
        log = (work / f"{name.split()[0]}-{port}.log").open("wb")
        say(f"starting {name}")
        process = subprocess.Popen(
            argv, env=server_env, stdout=log, stderr=subprocess.STDOUT, cwd=str(work)
        )
        try:
            startup[name] = round(wait_ready(process, f"http://127.0.0.1:{port}{health}"), 2)
            for case, body, concurrency in (
                ("1 row, concurrency 1", row, 1),
                ("1 row, concurrency 8", row, 8),
                ("1,000 rows, concurrency 1", batch, 1),
            ):
                if name.endswith("no log)") and not case.endswith("8"):
                    continue
                say(f"  {case}")
                results.append(
                    load(
                        port,
                        body,
                        concurrency=concurrency,
                        seconds=args.seconds,
                        name=name,
                        case=case,
                    )
                )
        finally:
            stop(process)
            log.close()
    print(render(results, startup, mlflow_version))
    (work / "results.json").write_text(
        json.dumps({"results": [asdict(r) for r in results], "startup": startup}, indent=2)
    )
    return 0


def render(results: list[Result], startup: dict[str, float], mlflow_version: str) -> str:
    import sklearn

    lines = [
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}; MLflow {mlflow_version or '(skipped)'}",
        "",
        "| server | case | requests/s | p50 ms | p99 ms | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.server} | {r.case} | {r.rps:,.0f} | {r.p50_ms} | {r.p99_ms} | {r.errors} |"
        )
    lines += ["", "| server | start-up to ready (s) |", "| --- | ---: |"]
    lines += [f"| {name} | {seconds} |" for name, seconds in startup.items()]
    by = {(r.server, r.case): r for r in results}
    c8 = "1 row, concurrency 8"
    ours = by.get(("mlgate (validation + log)", c8))
    nolog = by.get(("mlgate (validation, no log)", c8))
    bare = by.get(("bare uvicorn app", c8))
    mlflow = next((r for (s, c), r in by.items() if s.startswith("mlflow") and c == c8), None)
    lines.append("")
    if ours and bare:
        lines.append(
            f"- mlgate / bare app at concurrency 8: {ours.rps / bare.rps:.0%} (target ≥ 70 %)"
        )
    if ours and mlflow:
        lines.append(
            f"- mlgate / MLflow at concurrency 8: {ours.rps / mlflow.rps:.1f}× (target ≥ 6×)"
        )
    if ours:
        lines.append(
            f"- mlgate p99 at concurrency 8, validation and log on: {ours.p99_ms} ms "
            "(target ≤ 20 ms)"
        )
    if ours and nolog:
        lines.append(
            f"- logging costs {1 - ours.rps / nolog.rps:.1%} of throughput (target ≤ 10 %)"
        )
    return textwrap.dedent("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
