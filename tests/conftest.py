"""Fixtures for the whole suite: every test starts from a clean environment.

Folders below add their own fixtures in their own ``conftest.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No MLGATE_* setting leaks in from the caller (MLGATE_TEST_* variables, which
    switch on optional backends, stay), and the working directory is a fresh
    ``tmp_path``, so a test can never create ``.mlgate/`` in the repository."""
    for name in list(os.environ):
        if name.startswith("MLGATE_") and not name.startswith("MLGATE_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session", autouse=True)
def _no_stray_project(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests make projects in temporary folders; an mlgate project in a folder above
    them (say a stray /tmp/.mlgate) would be found instead and break them. Say so."""
    base = tmp_path_factory.getbasetemp().resolve()
    for folder in base.parents:
        for marker in (".mlgate", "mlgate.yaml"):
            if (folder / marker).exists():
                pytest.exit(
                    f"{folder / marker} exists above the test folders, so mlgate would take "
                    f"{folder} for the project of every test; remove it and run again",
                    returncode=3,
                )


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """An S3 server (moto) on 127.0.0.1 for the session; its endpoint URL. Skips when the
    test extra's ``moto[server]`` or ``s3fs`` is missing."""
    import logging
    import socket

    moto_server = pytest.importorskip("moto.server")
    pytest.importorskip("s3fs")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A fresh bucket on the loopback S3 server, emptied afterwards. The ``AWS_*`` variables
    point at that server (child processes inherit them), never at a real account."""
    import uuid

    import s3fs

    for name, value in {
        "AWS_ENDPOINT_URL": s3_server,
        "AWS_ACCESS_KEY_ID": "mlgate-test",
        "AWS_SECRET_ACCESS_KEY": "mlgate-test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem()
    bucket = f"mlgate-{uuid.uuid4().hex[:16]}"
    fs.mkdir(bucket)
    yield bucket
    fs.rm(bucket, recursive=True)
    s3fs.S3FileSystem.clear_instance_cache()
