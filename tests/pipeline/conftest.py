"""A real project for pipeline tests: scikit-learn's breast-cancer data, a small spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.config import Settings
from mlgate.project import init

SPEC = """\
project: {name: cancer}
data:
  source: data/
  label: target
  split: {method: random, holdout: 0.3, seed: 0}
train:
  function: train:train
  params: {C: 1.0, max_iter: 500}
  seeds: 2
  timeout: 2m
evaluate:
  task: classification
  metrics: [accuracy, roc_auc]
  bootstrap: {resamples: 300, seed: 0}
gates:
  - {metric: accuracy, min: 0.80}
  - {metric: roc_auc, vs: production, max_drop: 0.05}
confidence: 0.9
register: {name: cancer, alias: candidate}
deploy:
  production: {requires: [gates_passed]}
executor: EXECUTOR
"""


def write_spec(project: Path, *, executor: str = "local", **replace: str) -> None:
    text = SPEC.replace("EXECUTOR", executor)
    for old, new in replace.items():
        text = text.replace(old, new)
    (project / "mlgate.yaml").write_text(text)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "cancer"
    init(root, name="cancer")
    write_spec(root)
    return root


@pytest.fixture
def settings(project: Path) -> Settings:
    return Settings.load(project=project)
