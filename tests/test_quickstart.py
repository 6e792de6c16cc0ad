"""``mlgate quickstart`` runs the loop end to end in a new folder, as the README promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_quickstart_runs_in_a_new_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLGATE_")}
    done = subprocess.run(
        [sys.executable, "-m", "mlgate", "quickstart", "qs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "rows 569 → 625" in done.stdout
    assert "verdict: " in done.stdout
    assert "cached: check, train[" in done.stdout
    assert "is reproducible: the retrained model's bytes are identical" in done.stdout
    project = tmp_path / "qs"
    assert (project / "mlgate.yaml").is_file()
    restored = project / "restored-v1" / "breast_cancer.parquet"
    assert restored.is_file()
    assert (project / ".mlgate" / "mlgate.db").is_file()


def test_quickstart_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "qs").mkdir()
    (tmp_path / "qs" / "mine.txt").write_text("keep")
    done = subprocess.run(
        [sys.executable, "-m", "mlgate", "quickstart", "qs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4
    assert "is not empty" in done.stderr
    assert [p.name for p in (tmp_path / "qs").iterdir()] == ["mine.txt"]
