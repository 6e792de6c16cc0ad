"""mlgate.yaml: loading, defaults, and a located, helpful error for every kind of bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from mlgate.errors import ConfigError
from mlgate.spec import (
    AbsoluteGate,
    BudgetGate,
    ComparisonGate,
    LocalExecutor,
    RandomSplit,
    RayExecutor,
    Spec,
    TimeSplit,
    json_schema,
    load_spec,
    parse_cron,
    parse_duration,
)

# Line numbers below refer to this text (1-based), so keep its layout.
VALID = """\
project:
  name: churn
data:
  source: data/
  label: churned
  split: {method: random, holdout: 0.25, seed: 7}
train:
  function: train:train
  params: {C: 0.5}
  seeds: 3
  timeout: 30m
evaluate:
  task: classification
  metrics: [accuracy, roc_auc]
  slices: [region]
gates:
  - {metric: accuracy, min: 0.9}
  - metric: roc_auc
    vs: production
    max_drop: 0.005
  - {metric: recall, slice: region, min: 0.8}
  - {latency_ms_p99: 20}
confidence: 0.95
register: {name: churn-model, alias: candidate}
deploy:
  production:
    requires: [gates_passed]
    approvals: 1
    approvers: [alice, bob]
    expires: 7d
triggers:
  schedule: "0 3 * * 1"
executor: local
"""


def _write(folder: Path, text: str, name: str = "mlgate.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _state(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes: to show an error changed nothing."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _error(folder: Path, text: str) -> ConfigError:
    """Load ``text`` as mlgate.yaml in ``folder``; it must fail and change nothing."""
    _write(folder, text)
    before = _state(folder)
    with pytest.raises(ConfigError) as info:
        load_spec(project=folder)
    assert _state(folder) == before
    assert "Traceback" not in str(info.value)
    return info.value


# --- a valid spec ----------------------------------------------------------------------


def test_valid_spec_loads_with_every_section(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID)
    spec = load_spec(path)
    assert spec.project.name == "churn"
    assert spec.data.label == "churned"
    assert spec.data.split == RandomSplit(holdout=0.25, seed=7)
    assert spec.train.function == "train:train"
    assert spec.train.params == {"C": 0.5}
    assert spec.train.timeout == 1800
    assert isinstance(spec.gates[0], AbsoluteGate)
    assert isinstance(spec.gates[1], ComparisonGate)
    assert spec.gates[1].max_drop == 0.005
    assert isinstance(spec.gates[3], BudgetGate)
    assert spec.gates[3].latency_ms_p99 == 20
    assert spec.deploy["production"].approvals == 1
    assert spec.deploy["production"].expires == 7 * 86400
    assert spec.triggers.schedule == "0 3 * * 1"
    assert spec.executor == LocalExecutor()
    assert spec.model_name == "churn-model"
    assert spec.path == path.resolve()
    assert spec.root == tmp_path.resolve()


def test_minimal_spec_gets_the_defaults(tmp_path: Path) -> None:
    _write(tmp_path, "project: {name: p}\ndata: {label: y}\ntrain: {function: m:f}\n")
    spec = load_spec(project=tmp_path)
    assert spec.data.source == "data/"
    assert spec.data.format == "auto"
    assert spec.data.split == RandomSplit(holdout=0.2, seed=0)
    assert spec.train.seeds == 3
    assert spec.train.flavor == "sklearn"
    assert spec.evaluate.task == "classification"
    assert spec.evaluate.metrics == ("accuracy", "roc_auc", "f1")
    assert spec.confidence == 0.95
    assert spec.registration.alias == "candidate"
    assert spec.model_name == "p"
    assert spec.gates == ()
    assert spec.deploy == {}
    assert spec.monitor.window.count == 1000
    assert spec.triggers.manual is True
    assert spec.executor == LocalExecutor()


def test_regression_gets_regression_metrics(tmp_path: Path) -> None:
    text = "project: {name: p}\ndata: {label: y}\ntrain: {function: m:f}\n"
    _write(tmp_path, text + "evaluate: {task: regression}\n")
    assert load_spec(project=tmp_path).evaluate.metrics == ("rmse", "mae", "r2")


def test_shorthands(tmp_path: Path) -> None:
    text = """\
project: {name: p}
data: {label: y, split: {method: time, column: day}}
train: {command: "python fit.py --out model.skops", seeds: [4, 5]}
evaluate: {custom_metrics: {profit: "metrics:profit"}, metrics: [accuracy, profit]}
monitor: {window: 1h}
triggers: {data: false, drift: true, degradation: false}
executor: ray
"""
    _write(tmp_path, text)
    spec = load_spec(project=tmp_path)
    assert spec.data.split == TimeSplit(method="time", column="day")
    assert spec.train.command == ("python", "fit.py", "--out", "model.skops")
    assert spec.train.seeds == (4, 5)
    assert spec.evaluate.custom_metrics["profit"].function == "metrics:profit"
    assert spec.monitor.window.seconds == 3600
    assert spec.monitor.window.count is None
    assert spec.triggers.data.enabled is False
    assert spec.triggers.drift.enabled is True
    assert spec.triggers.degradation is None
    assert spec.executor == RayExecutor(kind="ray")


def test_ray_executor_with_address(tmp_path: Path) -> None:
    text = "project: {name: p}\ndata: {label: y}\ntrain: {function: m:f}\n"
    _write(tmp_path, text + "executor: {kind: ray, address: 'ray://127.0.0.1:10001'}\n")
    executor = load_spec(project=tmp_path).executor
    assert isinstance(executor, RayExecutor)
    assert executor.address == "ray://127.0.0.1:10001"


def test_spec_is_immutable(tmp_path: Path) -> None:
    spec = load_spec(_write(tmp_path, VALID))
    with pytest.raises(ValidationError, match="frozen"):
        spec.confidence = 0.9  # type: ignore[misc]


# --- where the file is -----------------------------------------------------------------


def test_default_is_mlgate_yaml_in_the_working_directory(tmp_path: Path) -> None:
    _write(tmp_path, VALID)
    assert load_spec().project.name == "churn"


def test_found_upwards_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, VALID)
    sub = tmp_path / "src" / "deep"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert load_spec().root == tmp_path.resolve()


def test_mlgate_project_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "elsewhere"
    project.mkdir()
    _write(project, VALID)
    monkeypatch.setenv("MLGATE_PROJECT", str(project))
    assert load_spec().root == project.resolve()


def test_relative_path_is_taken_from_the_project(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    _write(tmp_path / "conf", VALID, name="other.yaml")
    spec = load_spec(Path("conf/other.yaml"), project=tmp_path)
    assert spec.path == (tmp_path / "conf" / "other.yaml").resolve()


def test_missing_file_says_run_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"there is no mlgate\.yaml") as info:
        load_spec(project=tmp_path)
    assert "mlgate init" in str(info.value)
    assert info.value.exit_code == 2
    assert info.value.code == "config"
    assert list(tmp_path.iterdir()) == []


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "mlgate.yaml").mkdir()
    with pytest.raises(ConfigError, match="is a folder"):
        load_spec(project=tmp_path)


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "mlgate.yaml").write_bytes(b"project:\n  name: caf\xe9\n")
    with pytest.raises(ConfigError, match="not UTF-8") as info:
        load_spec(project=tmp_path)
    assert info.value.where == "mlgate.yaml:2:12"


# --- bad input: each names file:line:column, says what is wrong, and changes nothing ----

CASES: list[tuple[str, str, str, str]] = [
    # (id, text, where, message pattern)
    ("empty", "", "1:1", r"mlgate\.yaml is empty"),
    ("only-comments", "# nothing yet\n", "1:1", "is empty"),
    ("top-level-list", "- project\n- data\n", "1:1", "must be a mapping of sections.*not a list"),
    ("top-level-text", "hello\n", "1:1", "must be a mapping of sections"),
    (
        "invalid-yaml",
        VALID.replace("  split: {method: random, holdout: 0.25, seed: 7}", "  split: {method: x"),
        "7:6",
        r"invalid YAML: expected ',' or '}', but got ':'",
    ),
    ("tab", "project:\n\tname: x\n", "2:1", r"invalid YAML.*'\\t'"),
    ("duplicate-key", "project:\n  name: a\n  name: b\n", "3:3", "'name' appears twice"),
    ("key-not-text", VALID + "1: one\n", "34:1", "the key 1 is not text"),
    (
        "unknown-top-level-key",
        VALID.replace("train:\n", "tran:\n"),
        "7:1",
        r"unknown key 'tran' at the top level; did you mean 'train'\?",
    ),
    (
        "unknown-nested-key",
        VALID.replace("    max_drop: 0.005", "    max_dorp: 0.005"),
        "20:5",
        r"unknown key 'max_dorp' in gates\[1\]; did you mean 'max_drop'\?",
    ),
    (
        "unknown-key-flow-mapping",
        VALID.replace("{metric: accuracy, min: 0.9}", "{metric: accuracy, mni: 0.9}"),
        "17:24",
        r"unknown key 'mni' in gates\[0\]; did you mean 'min'\?",
    ),
    (
        "unknown-key-deep",
        VALID.replace("    approvals: 1\n", "    approval: 1\n"),
        "28:5",
        r"unknown key 'approval' in deploy\.production; did you mean 'approvals'\?",
    ),
    (
        "missing-key",
        VALID.replace("  label: churned\n", ""),
        "3:1",
        r"missing required key 'label' in data",
    ),
    (
        "seeds-not-a-number",
        VALID.replace("seeds: 3", "seeds: three"),
        "10:10",
        r"train\.seeds: expected an integer, got 'three'",
    ),
    (
        "seeds-zero",
        VALID.replace("seeds: 3", "seeds: 0"),
        "10:10",
        r"train\.seeds: must be at least 1, got 0",
    ),
    (
        "seed-in-list-not-a-number",
        VALID.replace("seeds: 3", "seeds: [1, x]"),
        "10:14",
        r"train\.seeds\[1\]: expected an integer, got 'x'",
    ),
    (
        "seeds-repeat",
        VALID.replace("seeds: 3", "seeds: [1, 1]"),
        "7:1",
        r"train: the seeds \[1, 1\] repeat a seed",
    ),
    (
        "confidence-above-1",
        VALID.replace("confidence: 0.95", "confidence: 1.5"),
        "23:13",
        r"confidence: must be less than 1(\.0)?, got 1\.5",
    ),
    (
        "confidence-below-half",
        VALID.replace("confidence: 0.95", "confidence: 0.3"),
        "23:13",
        r"confidence: must be greater than 0\.5, got 0\.3",
    ),
    (
        "confidence-is-text",
        VALID.replace("confidence: 0.95", "confidence: high"),
        "23:13",
        r"confidence: expected a number, got 'high'",
    ),
    (
        "holdout-1",
        VALID.replace("holdout: 0.25", "holdout: 1"),
        "6:36",
        r"data\.split\.holdout: must be less than 1",
    ),
    (
        "pos-label-not-a-label",
        VALID.replace("  slices: [region]\n", "  slices: [region]\n  pos_label: [yes]\n"),
        "16:3",
        r"evaluate\.pos_label: \['yes'\] is not a class label: give text, a whole number",
    ),
    (
        "pos-label-for-regression",
        VALID.replace("  slices: [region]\n", "  slices: [region]\n  pos_label: churned\n")
        .replace("task: classification", "task: regression")
        .replace("metrics: [accuracy, roc_auc]", "metrics: [rmse]")
        .replace("{metric: accuracy, min: 0.9}", "{metric: rmse, max: 0.9}")
        .replace("metric: roc_auc", "metric: rmse")
        .replace("{metric: recall, slice: region, min: 0.8}", "{metric: mae, max: 1.0}"),
        "16:14",
        r"evaluate\.pos_label: pos_label names a class, but evaluate\.task is regression",
    ),
    (
        "no-champion-value",
        VALID.replace("  slices: [region]\n", "  slices: [region]\n  no_champion: maybe\n"),
        "16:16",
        r"evaluate\.no_champion: expected 'pass', 'fail' or 'inconclusive', got 'maybe'",
    ),
    (
        "min-slice-rows-zero",
        VALID.replace("  slices: [region]\n", "  slices: [region]\n  min_slice_rows: 0\n"),
        "16:19",
        r"evaluate\.min_slice_rows: .*(at least 1|greater than or equal to 1)",
    ),
    (
        "split-method",
        VALID.replace("method: random", "method: rondom"),
        "6:19",
        r"data\.split\.method: expected 'random' or 'time', got 'rondom'; did you mean 'random'\?",
    ),
    (
        "time-split-without-column",
        VALID.replace("{method: random, holdout: 0.25, seed: 7}", "{method: time}"),
        "6:3",
        r"missing required key 'column' in data\.split",
    ),
    (
        "target-with-dot",
        VALID.replace("function: train:train", "function: train.train"),
        "8:13",
        r"'train\.train' is not a 'module:function'.*'train:train'",
    ),
    (
        "target-is-a-file",
        VALID.replace("function: train:train", "function: train.py"),
        "8:13",
        r"drop the '\.py'",
    ),
    (
        "function-and-command",
        VALID.replace("  function: train:train\n", "  function: train:train\n  command: x\n"),
        "7:1",
        "exactly one of 'function'",
    ),
    (
        "cron-hour",
        VALID.replace('"0 3 * * 1"', '"0 25 * * 1"'),
        "32:13",
        r"triggers\.schedule: '0 25 \* \* 1' is not a cron expression: the hour field has 25",
    ),
    (
        "cron-fields",
        VALID.replace('"0 3 * * 1"', '"0 3 *"'),
        "32:13",
        "it has 3 fields; a cron expression has 5",
    ),
    (
        "duration",
        VALID.replace("expires: 7d", "expires: 7 days"),
        "30:14",
        r"deploy\.production\.expires: expected a duration such as 30s.*got '7 days'",
    ),
    (
        "timeout-zero",
        VALID.replace("timeout: 30m", "timeout: 0s"),
        "11:12",
        r"train\.timeout: must be greater than 0",
    ),
    (
        "literal",
        VALID.replace("task: classification", "task: clasification"),
        "13:9",
        r"evaluate\.task: expected 'classification' or 'regression'.*did you mean 'classification'",
    ),
    (
        "unknown-key-near-another",
        VALID + "triggers2: 1\n",
        "34:1",
        r"unknown key 'triggers2' at the top level; did you mean 'triggers'\?",
    ),
    (
        "section-is-a-list",
        VALID.replace("executor: local\n", "monitor: [1, 2]\n"),
        "33:1",
        r"monitor: expected a mapping \(key: value\), got a list",
    ),
    (
        "not-a-gate",
        VALID.replace("  - {latency_ms_p99: 20}", "  - accuracy"),
        "22:5",
        r"gates\[3\]: 'accuracy' is not a gate",
    ),
    (
        "gate-without-bound",
        VALID.replace("{metric: accuracy, min: 0.9}", "{metric: accuracy}"),
        "17:5",
        r"gates\[0\]: the gate on 'accuracy' needs 'min' or 'max'",
    ),
    (
        "comparison-with-both-rules",
        VALID.replace("    max_drop: 0.005", "    max_drop: 0.005\n    min_gain: 0.0"),
        "18:5",
        r"gates\[1\]: .*exactly one of 'max_drop'.*or 'min_gain'",
    ),
    (
        "two-budgets-in-one-gate",
        VALID.replace("{latency_ms_p99: 20}", "{latency_ms_p99: 20, model_size_mb: 5}"),
        "22:5",
        r"split latency_ms_p99 and model_size_mb into separate gates",
    ),
    (
        "metric-of-the-other-task",
        VALID.replace("{metric: accuracy, min: 0.9}", "{metric: rmse, min: 0.9}"),
        "17:14",
        r"gates\[0\]\.metric: 'rmse' is a regression metric, but evaluate\.task is classification",
    ),
    (
        "unknown-metric",
        VALID.replace("metrics: [accuracy, roc_auc]", "metrics: [accuracy, roc_auk]"),
        "14:23",
        r"evaluate\.metrics\[1\]: unknown metric 'roc_auk'; did you mean 'roc_auc'\?",
    ),
    (
        "slice-not-listed",
        VALID.replace("slice: region", "slice: regoin"),
        "21:29",
        r"gates\[2\]\.slice: the slice 'regoin' is not one of evaluate\.slices.*'region'",
    ),
    (
        "alias-name",
        VALID.replace("  production:\n", "  Production:\n"),
        "26:3",
        r"deploy\.Production: 'Production' is not a valid alias",
    ),
    (
        "more-approvals-than-approvers",
        VALID.replace("approvals: 1", "approvals: 3"),
        "26:3",
        r"deploy\.production: needs 3 approvals but lists only 2 approvers",
    ),
    (
        "executor-kind",
        VALID.replace("executor: local", "executor: rya"),
        "33:11",
        r"executor\.kind: expected 'local' or 'ray', got 'rya'; did you mean 'ray'\?",
    ),
    (
        "unknown-tag",
        VALID.replace("label: churned", "label: !foo churned"),
        "5:10",
        r"the YAML tag !foo is not supported",
    ),
    (
        "python-object-tag",
        VALID.replace("executor: local", "executor: !!python/object:os.system {}"),
        "33:11",
        r"the YAML tag tag:yaml\.org,2002:python/object:os\.system is not supported",
    ),
    (
        "second-document",
        VALID + "---\nproject: {name: x}\n",
        "34:1",
        r"invalid YAML: a second document",
    ),
    ("null-key", VALID + "~: 1\n", "34:1", r"an empty \(null\) key is not allowed"),
    (
        "nan",
        VALID.replace("{metric: accuracy, min: 0.9}", "{metric: accuracy, min: .nan}"),
        "17:29",
        r"gates\[0\]\.min: expected a finite number, got nan",
    ),
    (
        "too-many-seeds",
        VALID.replace("seeds: 3", "seeds: 100000"),
        "10:10",
        r"train\.seeds: must be at most 1000",
    ),
    (
        "seed-too-large",
        VALID.replace("seed: 7", "seed: 4294967296"),
        "6:48",
        r"data\.split\.seed: must be at most 4294967295",
    ),
    (
        "label-empty",
        VALID.replace("label: churned", "label:"),
        "5:3",
        r"data\.label: expected text, got nothing",
    ),
]


@pytest.mark.parametrize(
    ("text", "where", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_spec(tmp_path: Path, text: str, where: str, pattern: str) -> None:
    error = _error(tmp_path, text)
    assert error.where == f"mlgate.yaml:{where}", str(error)
    assert re.search(pattern, str(error)), str(error)


def test_unknown_key_lists_the_valid_keys(tmp_path: Path) -> None:
    error = _error(tmp_path, VALID.replace("  timeout: 30m\n", "  timout: 30m\n"))
    assert "did you mean 'timeout'?" in error.message
    assert error.hint is not None
    assert "Valid keys here: function, command, params, seeds" in error.hint


def test_wrong_type_hint_explains_the_key(tmp_path: Path) -> None:
    error = _error(tmp_path, VALID.replace("seeds: 3", "seeds: three"))
    assert error.hint is not None
    assert error.hint.startswith("seeds: How many seeds")


def test_yes_is_not_a_boolean(tmp_path: Path) -> None:
    error = _error(
        tmp_path,
        VALID.replace('  schedule: "0 3 * * 1"\n', '  schedule: "0 3 * * 1"\n  manual: yes\n'),
    )
    assert error.where == "mlgate.yaml:33:11"
    assert "expected true or false, got 'yes'" in error.message
    assert error.hint is not None
    assert "YAML 1.2" in error.hint


def test_first_problem_is_reported_and_the_others_counted(tmp_path: Path) -> None:
    text = (
        VALID.replace("seeds: 3", "seeds: three")
        .replace("confidence: 0.95", "confidence: 2")
        .replace("train:\n", "train:\n  fuction: x\n")
    )
    error = _error(tmp_path, text)
    assert error.where == "mlgate.yaml:8:3"
    assert "unknown key 'fuction' in train; did you mean 'function'?" in error.message
    assert "(2 more problems, at lines 11, 24)" in error.message


def test_an_unknown_key_comes_before_the_missing_key_it_causes(tmp_path: Path) -> None:
    error = _error(tmp_path, VALID.replace("project:\n  name: churn\n", "project:\n  nme: churn\n"))
    assert error.where == "mlgate.yaml:2:3"
    assert "did you mean 'name'?" in error.message
    assert "(1 more problem, at line 1)" in error.message


def test_a_key_of_another_form_is_named(tmp_path: Path) -> None:
    text = VALID.replace(
        "{method: random, holdout: 0.25, seed: 7}", "{method: time, column: d, seed: 7}"
    )
    error = _error(tmp_path, text)
    assert "unknown key 'seed' in data.split; 'seed' belongs to another form" in error.message


def test_error_renders_as_one_paragraph(tmp_path: Path) -> None:
    error = _error(tmp_path, VALID.replace("train:\n", "tran:\n"))
    text = error.render()
    assert text.startswith("mlgate.yaml:7:1: unknown key 'tran' at the top level")
    assert "\n" not in text


def test_absolute_path_is_shown_outside_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "p"
    project.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    error = _error(project, "")
    assert error.where == f"{(project / 'mlgate.yaml').resolve()}:1:1"


# --- the Python API checks what load_spec checks ----------------------------------------


def _minimal(**sections: Any) -> dict[str, Any]:
    return {
        "project": {"name": "p"},
        "data": {"label": "y"},
        "train": {"function": "m:f"},
        **sections,
    }


def test_model_validate_checks_sections_against_each_other() -> None:
    data = _minimal(gates=[{"metric": "r2", "min": 0.5}])
    with pytest.raises(ValidationError, match=r"gates\[0\]\.metric: 'r2' is a regression metric"):
        Spec.model_validate(data)


def test_model_validate_accepts_a_valid_dict() -> None:
    spec = Spec.model_validate(
        _minimal(evaluate={"task": "regression"}, gates=[{"metric": "r2", "min": 0.5}])
    )
    assert spec.path is None
    assert spec.root is None


def test_custom_metric_may_not_shadow_a_builtin(tmp_path: Path) -> None:
    text = VALID.replace(
        "  slices: [region]\n", "  slices: [region]\n  custom_metrics: {accuracy: m:f}\n"
    )
    error = _error(tmp_path, text)
    assert error.where == "mlgate.yaml:16:20"
    assert "has the name of a built-in metric" in error.message


# --- durations and cron ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("15m", 900),
        ("12h", 43200),
        ("7d", 604800),
        ("2w", 1209600),
        ("1h30m", 5400),
        (" 1H ", 3600),
        (0, 0),
        (45, 45),
    ],
)
def test_parse_duration(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["7 days", "1.5h", "h", "", "-1s", -5, True, 1.5, None])
def test_parse_duration_rejects(text: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    "text",
    [
        "* * * * *",
        "0 3 * * 1",
        "*/15 0-6,22-23 1,15 jan-mar mon-fri",
        "0 0 1 */2 7",
        "@daily",
        "@HOURLY",
    ],
)
def test_parse_cron_accepts(text: str) -> None:
    assert parse_cron(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("0 3 *", "it has 3 fields"),
        ("", "it has 0 fields"),
        ("60 * * * *", "the minute field has 60, outside 0-59"),
        ("0 24 * * *", "the hour field has 24"),
        ("0 0 0 * *", "the day-of-month field has 0"),
        ("0 0 * 13 *", "the month field has 13"),
        ("0 0 * * 8", "the day-of-week field has 8"),
        ("0 0 * * funday", "'funday', which is not a number"),
        ("*/0 * * * *", "the step '0'"),
        ("5-1 * * * *", "runs backwards"),
        ("0 0 * * * *", "it has 6 fields"),
        ("@sometimes", "it has 1 field;"),
    ],
)
def test_parse_cron_rejects(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match="is not a cron expression") as info:
        parse_cron(text)
    assert problem in str(info.value)


# --- JSON Schema -----------------------------------------------------------------------


def _properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = [("", schema)]
    found += list(schema.get("$defs", {}).items())
    return [
        (f"{owner}.{name}", prop)
        for owner, node in found
        for name, prop in node.get("properties", {}).items()
    ]


def test_json_schema_is_a_2020_12_schema() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "mlgate.yaml"
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {
        "project",
        "data",
        "train",
        "evaluate",
        "gates",
        "confidence",
        "register",
        "registry",
        "deploy",
        "monitor",
        "triggers",
        "executor",
    }
    json.dumps(schema)  # plain JSON


def test_json_schema_documents_every_key() -> None:
    undocumented = [
        name for name, prop in _properties(json_schema()) if not prop.get("description")
    ]
    assert not undocumented


def test_json_schema_accepts_a_valid_spec_and_rejects_a_bad_one() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from ruamel.yaml import YAML

    validator = jsonschema.Draft202012Validator(json_schema())
    jsonschema.Draft202012Validator.check_schema(json_schema())
    document = YAML(typ="safe").load(VALID)
    assert list(validator.iter_errors(document)) == []
    document["train"]["seeds"] = "three"
    document["confidence"] = 1.5
    document["tran"] = {}
    document["deploy"]["Prod"] = {}
    assert len(list(validator.iter_errors(document))) == 4


def test_json_schema_is_stable() -> None:
    assert json_schema() == json_schema()
