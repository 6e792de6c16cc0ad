"""``mlgate deploy export``: a self-contained bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlgate.config import Settings
from mlgate.deploy.export import export_bundle
from mlgate.errors import ConflictError, NotFoundError


def test_export_bundle(settings: Settings, tmp_path: Path) -> None:
    bundle = export_bundle("churn", tmp_path / "out", settings=settings)
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert files == {"model.skops", "model.json", "requirements.txt", "entrypoint.py", "Dockerfile"}
    assert bundle.version == 1
    meta = json.loads((tmp_path / "out" / "model.json").read_text())
    assert meta["name"] == "churn"
    assert meta["signature"]["columns"][0]["name"] == "radius"
    requirements = (tmp_path / "out" / "requirements.txt").read_text().splitlines()
    assert requirements[0].startswith("mlgate==")
    assert any(r.startswith("scikit-learn==") for r in requirements)
    assert any(r.startswith("uvicorn==") for r in requirements)
    assert "entrypoint.py" in (tmp_path / "out" / "Dockerfile").read_text()
    compile((tmp_path / "out" / "entrypoint.py").read_text(), "entrypoint.py", "exec")


def test_export_refuses_a_folder_in_use(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(ConflictError, match="not empty"):
        export_bundle("churn", out, settings=settings)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    with pytest.raises(NotFoundError):
        export_bundle("nosuch", tmp_path / "other", settings=settings)
    assert not (tmp_path / "other").exists()


def test_export_cli(
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mlgate.cli.app import main

    monkeypatch.setenv("MLGATE_PROJECT", str(settings.project))
    assert main(["deploy", "export", "churn", str(tmp_path / "b"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 1


def test_bundle_entrypoint_serves(settings: Settings, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from .helpers import free_port, rows

    export_bundle("churn", tmp_path / "bundle", settings=settings)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLGATE_")}
    env.update({"PORT": str(port), "MLGATE_HOST": "127.0.0.1", "MLGATE_USER": "ci"})
    log = (tmp_path / "bundle.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "entrypoint.py"],
        cwd=tmp_path / "bundle",
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "bundle.log").read_text()
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/invocations", json={"instances": rows(2)}, timeout=2
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, (tmp_path / "bundle.log").read_text()
                time.sleep(0.1)
        assert answer.status_code == 200
        assert len(answer.json()["predictions"]) == 2
        assert answer.headers["x-model-version"] == "1"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
        log.close()
    assert (tmp_path / "bundle" / "project" / ".mlgate").is_dir()
