"""The quickstart's model server: ``mlgate serve`` as a child process on 127.0.0.1, and a
small client that replays days as requests, sends labels, and watches the version."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from mlgate.errors import MlgateError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DemoServer"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class DemoServer:
    """``mlgate serve MODEL`` in a child process; stopped by SIGTERM (it drains)."""

    def __init__(self, project: Path, model: str) -> None:
        self.project = project
        self.model = model
        self.port = _free_port()
        self.log_path = project / ".mlgate" / "logs" / "quickstart-serve.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._connection: http.client.HTTPConnection | None = None

    @property
    def url(self) -> str:
        """Where the server listens."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until it is ready."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k != "MLGATE_PROJECT"}
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "mlgate", "serve", self.model),
                    *("--port", str(self.port), "--poll", "0.5"),
                ],
                cwd=self.project,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise MlgateError(
                    f"the model server stopped at start (exit code {self._process.returncode})",
                    where=str(self.log_path),
                    hint="Read its log for the reason.",
                )
            try:
                status, _, _ = self.request("GET", "/v2/health/ready")
            except OSError:
                status = 0
            if status == 200:
                return
            time.sleep(0.2)
        self.stop()
        raise MlgateError(
            f"the model server did not get ready in {timeout:.0f} s", where=str(self.log_path)
        )

    def stop(self) -> None:
        """SIGTERM (the server drains and writes its prediction log), then wait."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        """One request on a kept-alive connection: status, headers, decoded JSON body."""
        data = None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        for attempt in range(2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self._connection.request(method, path, body=data, headers=sent)
                response = self._connection.getresponse()
                raw = response.read()
                break
            except (ConnectionError, http.client.HTTPException):
                self._connection.close()
                self._connection = None
                if attempt:
                    raise
        answer = json.loads(raw) if raw else None
        return response.status, {k.lower(): v for k, v in response.getheaders()}, answer

    def predict_days(self, days: pd.DataFrame, features: tuple[str, ...]) -> dict[str, int]:
        """One MLflow-style request per day (request id: the date); how many answers each
        model version gave."""
        versions: dict[str, int] = {}
        for date, values in zip(
            days["date"].dt.strftime("%Y-%m-%d"),
            days[list(features)].to_numpy().tolist(),
            strict=True,
        ):
            status, headers, answer = self.request(
                "POST",
                "/invocations",
                {"dataframe_split": {"columns": list(features), "data": [values]}},
                {"X-Request-ID": date},
            )
            if status != 200:
                raise MlgateError(f"the server answered {status} for day {date}: {answer}")
            version = headers.get("x-model-version", "?")
            versions[version] = versions.get(version, 0) + 1
        return versions

    def send_labels(self, days: pd.DataFrame, label: str) -> dict[str, Any]:
        """The days' true weather through ``POST /v2/models/MODEL/feedback``."""
        labels = [
            {"request_id": date, "label": value}
            for date, value in zip(days["date"].dt.strftime("%Y-%m-%d"), days[label], strict=True)
        ]
        status, _, answer = self.request(
            "POST", f"/v2/models/{self.model}/feedback", {"labels": labels}
        )
        if status != 200:
            raise MlgateError(f"the feedback endpoint answered {status}: {answer}")
        return dict(answer or {})

    def serving_version(self) -> str:
        """The version that answers requests now (``X-Model-Version`` of ``GET /ping``)."""
        status, headers, answer = self.request("GET", "/ping")
        if status != 200:
            raise MlgateError(f"the server answered {status}: {answer}")
        return headers.get("x-model-version", "?")

    def wait_for_version(self, version: int, timeout: float = 30) -> float:
        """Seconds until the server answers with ``version`` (it polls the alias)."""
        started = time.monotonic()
        while self.serving_version() != str(version):
            if time.monotonic() - started > timeout:
                raise MlgateError(f"the server did not swap to v{version} in {timeout:.0f} s")
            time.sleep(0.1)
        return time.monotonic() - started
