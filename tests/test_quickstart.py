"""``mlgate quickstart`` runs the loop end to end in a new folder, as the README promises."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def test_quickstart_runs_the_whole_loop_in_a_new_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLGATE_")}
    done = subprocess.run(
        [sys.executable, "-m", "mlgate", "quickstart", "qs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    out = done.stdout
    assert done.returncode == 0, done.stderr + out
    # New data → the daemon's first run → v1 waits for bob, who approves it.
    assert "data: new data in data/" in out
    assert "(data): snapshot → check → 3 × train" in out
    assert "needs-approval" in out
    assert "approved weather v1 → production" in out
    # Served traffic, labels by HTTP and by file, monitoring with intervals.
    assert "730 predictions" in out
    assert "{'received': 365, 'inserted': 365, 'replaced': 0}" in out
    assert "stored 365 label(s) of weather" in out
    assert "alert: drift on " in out
    assert re.search(r"accuracy 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\] on 365 labels", out)
    # One run for three triggers, champion vs challenger on the same rows.
    assert "(data+drift+degradation): snapshot" in out
    assert "vs champion" in out
    assert "(paired, n=" in out
    assert "approved weather v2 → production" in out
    assert "the server answers with v2" in out
    assert "the server answers with v1 again" in out
    project = tmp_path / "qs"
    assert (project / "mlgate.yaml").is_file()
    assert (project / "traffic" / "2015.csv").is_file()
    assert sorted(p.name for p in (project / "data").iterdir()) == [
        "2012.csv",
        "2013.csv",
        "2014.csv",
    ]
    # The project is left for exploring: the commands it suggests work.
    runs = subprocess.run(
        [sys.executable, "-m", "mlgate", "runs", "--json"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert runs.returncode == 0, runs.stderr
    assert '"trigger": "data+drift+degradation"' in runs.stdout


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
