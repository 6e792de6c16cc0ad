"""Settings from MLGATE_* variables: defaults, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.cli.app import main
from mlgate.config import Settings, find_project_root
from mlgate.errors import ConfigError


def test_defaults_live_in_the_project_state_folder(tmp_path: Path) -> None:
    settings = Settings.load(project=tmp_path)
    assert settings.db_url == f"sqlite:///{tmp_path / '.mlgate' / 'mlgate.db'}"
    assert settings.store_url == str(tmp_path / ".mlgate" / "store")
    assert settings.link == "auto"
    assert settings.threads >= 1


def test_project_root_is_found_upwards(tmp_path: Path) -> None:
    (tmp_path / "mlgate.yaml").write_text("project: {name: x}\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_project_root(deep) == tmp_path


def test_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLGATE_DB", "postgresql+psycopg://u@localhost/mlgate")
    monkeypatch.setenv("MLGATE_STORE", "s3://bucket/prefix")
    monkeypatch.setenv("MLGATE_LINK", "copy")
    settings = Settings.load(project=tmp_path)
    assert settings.db_url.startswith("postgresql+psycopg://")
    assert settings.store_url == "s3://bucket/prefix"
    assert settings.link == "copy"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MLGATE_DB", "notaurl", "MLGATE_DB='notaurl' is not a database URL"),
        ("MLGATE_DB", "mysql://root@localhost/x", "uses the database 'mysql'"),
        ("MLGATE_DB", "://nothing", "is not a database URL"),
        ("MLGATE_STORE", "s3://", "names no location after the protocol"),
        ("MLGATE_STORE", "1nvalid://x", "is not a store URL"),
        ("MLGATE_LINK", "symlink", "MLGATE_LINK='symlink'"),
        ("MLGATE_HASH_THREADS", "-1", "MLGATE_HASH_THREADS='-1'"),
    ],
)
def test_bad_variables_are_config_errors_that_name_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        Settings.load(project=tmp_path)
    assert f"Fix or unset {name}" in str(info.value)


def test_cli_reports_a_bad_variable_with_exit_2_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("x\n1\n")
    monkeypatch.setenv("MLGATE_DB", "sqlite:/missing-slashes")
    code = main(["data", "snapshot", "data"])
    err = capsys.readouterr().err
    assert code == 2
    assert "MLGATE_DB" in err
    assert "Traceback" not in err
    assert not (tmp_path / ".mlgate").exists()
