"""``mlgate monitor`` and ``mlgate labels add`` as a user types them."""

from __future__ import annotations

import json
from pathlib import Path

from ..cli._run import mlgate
from .helpers import NAME, features, make_project, register, truth, write_log


def test_monitor_exits_1_on_an_alert(tmp_path: Path) -> None:
    settings = make_project(tmp_path / "proj")
    register(settings, features(3000, seed=1))
    project = settings.project

    quiet = mlgate(project, "monitor", NAME)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.strip() == (
        "no predictions logged for churn yet; serve it with mlgate serve churn"
    )

    steady = features(500, seed=2)
    moved = features(500, seed=3, shift={"x1": 1.5, "x2": 1.5})
    write_log(settings, steady, truth(steady), version=1, batch=10)
    write_log(settings, moved, truth(moved), version=1, batch=10, prefix="m")
    (tmp_path / "labels.csv").write_text("request_id,label\nq1p-0,1\nnobody,0\n")
    added = mlgate(project, "labels", "add", str(tmp_path / "labels.csv"))
    assert added.returncode == 0, added.stderr
    assert "stored 2 label(s) of churn" in added.stdout
    assert "1 match no logged prediction yet (e.g. nobody)" in added.stdout

    shown = mlgate(project, "monitor", NAME, "--json")
    assert shown.returncode == 1, shown.stderr
    document = json.loads(shown.stdout)
    assert [w["key"] for w in document["windows"]] == ["count:500:0", "count:500:1"]
    assert document["windows"][0]["labelled"] == 1
    assert [a["kind"] for a in document["alerts"]] == ["drift"]
    assert document["alerts"][0]["sentence"].startswith("drift on 2/5 features (x1, x2)")
    assert document["canary"] is None

    table = mlgate(project, "monitor", NAME, "--window", "250", "--last", "1")
    assert table.returncode == 1
    assert "count:250:3" in table.stdout
    assert "count:250:2" not in table.stdout
    assert "ALERT drift (v1 primary, count:250:3): drift on 2/5 features (x1, x2)" in (table.stdout)

    first_only = mlgate(project, "monitor", NAME, "--window", "250", "--last", "4", "-v", "1")
    assert first_only.returncode == 1
    early = mlgate(project, "monitor", NAME, "--route", "canary")
    assert early.returncode == 0
    assert "no predictions logged for churn on the canary route yet" in early.stdout


def test_bad_input_exit_codes(tmp_path: Path) -> None:
    settings = make_project(tmp_path / "proj")
    register(settings, features(100, seed=1))
    project = settings.project
    window = mlgate(project, "monitor", NAME, "--window", "often")
    assert window.returncode == 2
    assert "--window 'often' is neither a number of predictions nor a duration" in window.stderr
    unknown = mlgate(project, "monitor", "chrun")
    assert unknown.returncode == 2
    assert "did you mean 'churn'?" in unknown.stderr
    (tmp_path / "bad.csv").write_text("id,label\n1,1\n")
    bad = mlgate(project, "labels", "add", str(tmp_path / "bad.csv"))
    assert bad.returncode == 3
    assert "bad.csv has no request id column 'request_id'" in bad.stderr
