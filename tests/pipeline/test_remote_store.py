"""The whole pipeline with its artifacts on S3 (``MLGATE_STORE=s3://…``): snapshot, train
in child processes, evaluate, register and deploy, a cached second run, a verified
retrain and a checkout, all against an S3 server on 127.0.0.1 (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

import mlgate.registry as registry
from mlgate.config import Settings
from mlgate.data import checkout
from mlgate.pipeline.api import run
from mlgate.pipeline.query import show_run
from mlgate.pipeline.verify import verify


def test_a_pipeline_on_an_s3_store(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_bucket: str
) -> None:
    import s3fs

    store = f"s3://{s3_bucket}/store"
    monkeypatch.setenv("MLGATE_STORE", store)  # the training children read it too
    settings = Settings.load(project=project)
    assert settings.store_url == store

    first = run(settings=settings).run
    assert first.status == "passed", first.error
    assert first.summary["version"] == 1
    assert not (project / ".mlgate" / "store").exists()  # nothing went to the local store
    objects = s3fs.S3FileSystem().find(f"{s3_bucket}/store/objects")
    assert len(objects) >= 5  # data files, the manifest, models, outputs

    second = run(settings=settings).run
    stages = {s.name: s.status for s in show_run(second.id, settings=settings).stages}
    assert all(stages[n] == "cached" for n in stages if n.startswith("train["))

    model = registry.load_model("cancer", alias="production", settings=settings)
    assert hasattr(model, "predict")
    assert verify("cancer@production", settings=settings).outcome == "identical"
    restored = tmp_path / "restored"
    checkout(first.summary["snapshot"], restored, settings=settings)
    originals = sorted(p.name for p in (project / "data").iterdir())
    assert sorted(p.name for p in restored.iterdir()) == originals
    for name in originals:
        assert (restored / name).read_bytes() == (project / "data" / name).read_bytes()
