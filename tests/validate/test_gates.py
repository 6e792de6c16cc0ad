"""Gate decisions on constructed cases, the verdict, and every bad input."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from mlgate.errors import ConfigError, DataError
from mlgate.spec import AbsoluteGate, BudgetGate, ComparisonGate, parse_spec
from mlgate.validate import (
    Budgets,
    Champion,
    LatencySample,
    Predictions,
    SchemaMismatch,
    champion_unreadable,
    evaluate_gates,
    evaluate_spec_gates,
    holm,
)

from .conftest import Scored
from .helpers import LABELS, simulated

N = 2000


def production(*predictions: Predictions) -> Champion:
    return Champion("production", predictions, version="demo:v1")


def one(gate: AbsoluteGate | ComparisonGate | BudgetGate, **options: object):  # type: ignore[no-untyped-def]
    verdict = evaluate_gates([gate], **options)  # type: ignore[arg-type]
    assert len(verdict.results) == 1
    return verdict.results[0]


# -- absolute gates


@pytest.mark.parametrize(
    ("minimum", "status", "reason"),
    [
        (0.85, "pass", r"lower bound 0\.8\d\d ≥ 0\.850 at 95 % → pass"),
        (0.95, "fail", r"upper bound 0\.9\d\d < 0\.950 at 95 % → fail"),
        (0.90, "inconclusive", r"cannot show accuracy ≥ 0\.900 at 95 % → inconclusive"),
    ],
)
def test_absolute_gate_decides_on_the_interval(minimum: float, status: str, reason: str) -> None:
    p = simulated(N, 0.90, seed=1)
    result = one(AbsoluteGate(metric="accuracy", min=minimum), challenger=p)
    assert result.status == status
    assert re.fullmatch(
        r"accuracy 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\] \(n=2,000, 1 seed\): " + reason, result.sentence
    ), result.sentence
    assert result.numbers is not None
    ci = result.numbers.challenger
    assert ci.low < ci.estimate < ci.high
    assert result.numbers.method == "bca"
    assert result.numbers.confidence == 0.95


def test_maximum_of_a_lower_is_better_metric(cancer: Scored) -> None:
    good = one(AbsoluteGate(metric="log_loss", max=0.5), challenger=cancer.challenger)
    bad = one(AbsoluteGate(metric="log_loss", max=0.01), challenger=cancer.challenger)
    assert good.status == "pass"
    assert "upper bound" in good.sentence
    assert "≤ 0.500" in good.sentence
    assert bad.status == "fail"
    assert "lower bound" in bad.sentence
    assert "> 0.010" in bad.sentence


# -- comparison gates


@pytest.mark.parametrize(
    ("mine", "theirs", "status", "words"),
    [
        (0.95, 0.85, "pass", "shows a gain at 95 % → pass"),
        (0.85, 0.95, "fail", "rules out a gain at 95 % → fail"),
    ],
)
def test_superiority_clear_cases(mine: float, theirs: float, status: str, words: str) -> None:
    result = one(
        ComparisonGate(metric="accuracy", min_gain=0.0),
        challenger=simulated(N, mine, seed=1),
        champions=production(simulated(N, theirs, seed=2)),
    )
    assert result.status == status
    assert result.sentence.endswith(words)
    assert result.numbers is not None
    assert result.numbers.paired


def test_the_issue_sentence_for_an_undecided_gain() -> None:
    """Three seeds nearly as good as the champion, 5,000 paired rows: not a gain yet."""
    champion = simulated(5000, 0.907, seed=10)
    right = np.flatnonzero(champion.y_pred == champion.y_true)
    wrong = np.flatnonzero(champion.y_pred != champion.y_true)
    seeds = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        # Each seed fixes 70 of the champion's errors and makes 60 new ones: +0.002.
        flip = np.concatenate([rng.choice(wrong, 70), rng.choice(right, 60)])
        pred = champion.y_pred.copy()
        pred[flip] = 1 - pred[flip]
        seeds.append(Predictions(champion.y_true, pred, champion.y_score))
    result = one(
        ComparisonGate(metric="accuracy", min_gain=0.0),
        challenger=seeds,
        champions=production(champion),
    )
    number, signed = r"0\.\d{3}", r"[+-]0\.\d{3}"
    assert re.fullmatch(
        rf"accuracy {number} \[{number}, {number}\] vs champion {number} \[{number}, {number}\]; "
        rf"difference {signed} \[{signed}, {signed}\] \(paired, n=5,000, 3 seeds\): "
        r"cannot show a gain at 95 % → inconclusive",
        result.sentence,
    ), result.sentence
    assert result.numbers is not None
    assert result.numbers.seeds == 3
    assert result.numbers.champion_seeds == 1


def test_non_inferiority_of_an_identical_model_passes() -> None:
    p = simulated(N, 0.9, seed=1)
    result = one(
        ComparisonGate(metric="roc_auc", max_drop=0.005), challenger=p, champions=production(p)
    )
    assert result.status == "pass"
    assert "rules out a drop of more than 0.005" in result.sentence


def test_non_inferiority_fails_when_much_worse() -> None:
    result = one(
        ComparisonGate(metric="roc_auc", max_drop=0.01),
        challenger=simulated(N, 0.80, seed=1),
        champions=production(simulated(N, 0.92, seed=2)),
    )
    assert result.status == "fail"
    assert "shows a drop of more than 0.010" in result.sentence


def test_lower_is_better_metrics_flip_the_sign_and_say_so() -> None:
    y = LABELS[:N]
    rng = np.random.default_rng(0)
    sharp = np.clip(np.where(y == 1, 0.8, 0.2) + rng.normal(0, 0.1, N), 0.01, 0.99)
    blurred = np.clip(0.5 + 0.5 * (sharp - 0.5) + rng.normal(0, 0.05, N), 0.01, 0.99)
    better, worse = Predictions(y, sharp > 0.5, sharp), Predictions(y, blurred > 0.5, blurred)
    gain = one(
        ComparisonGate(metric="log_loss", min_gain=0.0),
        challenger=better,
        champions=production(worse),
    )
    assert gain.status == "pass"
    assert gain.numbers is not None
    assert gain.numbers.difference is not None
    assert gain.numbers.difference.high < 0  # log loss went down: a gain
    assert "lower is better; paired" in gain.sentence
    assert gain.sentence.endswith("shows a decrease at 95 % → pass")
    drop = one(
        ComparisonGate(metric="log_loss", max_drop=0.01),
        challenger=worse,
        champions=production(better),
    )
    assert drop.status == "fail"
    assert "shows a rise of more than 0.010" in drop.sentence


def test_regression_error_gates_compare_in_the_right_direction(diabetes: Scored) -> None:
    better = one(
        ComparisonGate(metric="mae", max_drop=0.0),
        challenger=diabetes.challenger,
        champions=production(diabetes.champion),
        task="regression",
    )
    worse = one(
        ComparisonGate(metric="mae", min_gain=0.0),
        challenger=diabetes.champion,
        champions=production(diabetes.challenger),
        task="regression",
    )
    assert better.status == "pass"
    assert worse.status == "fail"


def test_without_a_champion_comparisons_pass_and_say_so() -> None:
    gate = ComparisonGate(metric="accuracy", min_gain=0.0)
    first = one(gate, challenger=simulated(N, 0.9, seed=1))
    assert first.status == "pass"
    assert first.no_champion
    assert "no champion behind 'production' yet (the first model)" in first.sentence
    waiting = evaluate_gates(
        [gate], challenger=simulated(N, 0.9, seed=1), no_champion="inconclusive"
    )
    assert waiting.status == "needs-approval"
    assert waiting.exit_code == 6


def test_a_champion_that_cannot_read_the_data_fails_the_comparison() -> None:
    gate = ComparisonGate(metric="accuracy", max_drop=0.01)
    broken = Champion(
        mismatch=SchemaMismatch(missing=("age",), retyped=(("zip", "int64", "string"),)),
        version="demo:v3",
    )
    result = one(gate, challenger=simulated(N, 0.9, seed=1), champions=broken)
    assert result.status == "fail"
    assert result.champion_unreadable
    assert "missing 'age'; retyped 'zip' (int64 → string)" in result.sentence
    assert "production (demo:v3)" in result.sentence
    direct = champion_unreadable(gate, Champion(), mismatch=SchemaMismatch(missing=("a", "b")))
    assert direct.status == "fail"
    assert "missing 'a', 'b'" in direct.sentence


# -- slices


def _five_slices(accuracy_of_last: float = 0.85) -> tuple[Predictions, np.ndarray]:
    """Five regions of 400 rows, each with observed accuracy 0.85 (the last one settable)."""
    y = np.tile([0, 1], 1000)
    pred = y.copy()
    rng = np.random.default_rng(0)
    for i, share in enumerate([0.15] * 4 + [1 - accuracy_of_last]):
        wrong = rng.choice(np.arange(i * 400, (i + 1) * 400), int(400 * share), replace=False)
        pred[wrong] = 1 - pred[wrong]
    return Predictions(y, pred), np.repeat(np.array(["a", "b", "c", "d", "e"]), 400)


def test_holm_keeps_marginal_slices_from_failing_by_chance() -> None:
    p, region = _five_slices()
    gate = AbsoluteGate(metric="accuracy", min=0.888, slice="region")
    plain = one(gate, challenger=p, columns={"region": region}, correction="none")
    corrected = one(gate, challenger=p, columns={"region": region}, correction="holm")
    assert [s.status for s in plain.slices] == ["fail"] * 5
    assert [s.status for s in corrected.slices] == ["inconclusive"] * 5
    assert corrected.status == "inconclusive"
    first = corrected.slices[0]
    assert first.numbers is not None
    assert first.numbers.p_value is not None
    assert first.numbers.p_adjusted is not None
    assert first.numbers.p_value < 0.025 < first.numbers.p_adjusted
    assert "but not after Holm's correction across 5 slices" in first.sentence
    assert "5 slices, Holm-corrected" in corrected.sentence


def test_holm_still_fails_a_clearly_bad_slice() -> None:
    p, region = _five_slices(accuracy_of_last=0.6)
    result = one(
        AbsoluteGate(metric="accuracy", min=0.8, slice="region"),
        challenger=p,
        columns={"region": region},
    )
    assert [s.status for s in result.slices] == ["pass"] * 4 + ["fail"]
    assert result.status == "fail"
    assert "4 pass, 1 fail (region='e')" in result.sentence


def test_a_tiny_slice_is_inconclusive_with_its_count() -> None:
    p = simulated(N, 0.95, seed=1)
    region = np.where(np.arange(N) < 12, "north", "south")
    result = one(
        AbsoluteGate(metric="recall", min=0.5, slice="region"),
        challenger=p,
        columns={"region": region},
    )
    north = next(s for s in result.slices if s.value == "north")
    assert north.status == "inconclusive"
    assert north.n == 12
    assert "only 12 rows; at least 30 are needed to decide" in north.sentence
    assert result.status == "inconclusive"


def test_a_slice_with_one_class_cannot_have_an_auc() -> None:
    p = simulated(N, 0.95, seed=1)
    region = np.where(p.y_true == 1, "pos", "mixed")
    region[:50] = "mixed"
    result = one(
        ComparisonGate(metric="roc_auc", max_drop=0.05, slice="region"),
        challenger=p,
        champions=production(simulated(N, 0.9, seed=2)),
        columns={"region": region},
    )
    only = next(s for s in result.slices if s.value == "pos")
    assert only.status == "inconclusive"
    assert "roc_auc is undefined here" in only.sentence


def test_slice_holm_adjustment() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.2, float("nan")])[0] == 0.2


# -- budgets


@pytest.mark.parametrize(
    ("limit", "status"), [(100.0, "pass"), (0.1, "fail"), (None, "inconclusive")]
)
def test_latency_budget_on_its_interval(limit: float | None, status: str) -> None:
    timings = np.random.default_rng(0).gamma(4.0, 1.0, 1000)
    p99 = float(np.quantile(timings, 0.99))
    gate = BudgetGate(latency_ms_p99=limit if limit is not None else p99)
    result = one(
        gate, challenger=simulated(N, 0.9, seed=1), budgets=Budgets(LatencySample(timings))
    )
    assert result.status == status
    assert result.budget is not None
    assert result.budget.interval is not None
    assert "latency p99" in result.sentence
    assert "(1,000 calls, 95 %)" in result.sentence


def test_size_budget_and_unmeasured_budgets() -> None:
    p = simulated(N, 0.9, seed=1)
    small = one(BudgetGate(model_size_mb=5.0), challenger=p, budgets=Budgets(model_size_mb=1.5))
    large = one(BudgetGate(model_size_mb=1.0), challenger=p, budgets=Budgets(model_size_mb=1.5))
    unknown = one(BudgetGate(latency_ms_p50=10.0), challenger=p)
    assert (small.status, large.status) == ("pass", "fail")
    assert small.sentence == "model size 1.50 MB: within the budget of 5 MB → pass"
    assert unknown.status == "inconclusive"
    assert "latency p50 was not measured" in unknown.sentence


# -- verdict


def test_verdict_combines_gates_and_gives_exit_codes() -> None:
    p = simulated(N, 0.9, seed=1)
    passing = AbsoluteGate(metric="accuracy", min=0.8)
    failing = AbsoluteGate(metric="accuracy", min=0.97)
    unsure = AbsoluteGate(metric="accuracy", min=0.9)
    cases = [([passing], "pass", 0), ([passing, unsure], "needs-approval", 6)]
    cases.append(([passing, unsure, failing], "fail", 1))
    for gates, status, code in cases:
        verdict = evaluate_gates(gates, challenger=p)
        assert (verdict.status, verdict.exit_code) == (status, code)
    assert evaluate_gates([], challenger=p).status == "pass"
    last = evaluate_gates([passing, unsure, failing], challenger=p)
    assert last.sentence == "3 gates: 1 pass, 1 fail, 1 inconclusive → fail"


def test_same_inputs_give_the_same_verdict_and_json() -> None:
    p = [simulated(N, 0.9, seed=s) for s in range(3)]
    region = np.where(np.arange(N) % 3 == 0, "x", "y")
    gates = [
        AbsoluteGate(metric="f1", min=0.85, slice="region"),
        ComparisonGate(metric="roc_auc", max_drop=0.01),
    ]
    options = {"challenger": p, "champions": production(simulated(N, 0.9, seed=9))}
    first = evaluate_gates(gates, columns={"region": region}, seed=4, **options)  # type: ignore[arg-type]
    again = evaluate_gates(gates, columns={"region": region}, seed=4, **options)  # type: ignore[arg-type]
    assert first.to_dict() == again.to_dict()
    text = json.dumps(first.to_dict())
    assert '"written": "{metric: roc_auc, vs: production, max_drop: 0.01}"' in text


# -- bad input


@pytest.mark.parametrize("confidence", [0.5, 1.0, 0.3, 1.2])
def test_confidence_outside_half_to_one_is_refused(confidence: float) -> None:
    with pytest.raises(ConfigError, match=r"confidence must be between 0.5 and 1"):
        evaluate_gates(
            [AbsoluteGate(metric="accuracy", min=0.5)],
            challenger=simulated(100, 0.9, seed=1),
            confidence=confidence,
        )


def test_missing_slice_column_is_named_with_the_available_ones() -> None:
    gate = AbsoluteGate(metric="accuracy", min=0.5, slice="regoin")
    with pytest.raises(
        DataError, match="the slice column 'regoin' is not in the holdout"
    ) as caught:
        evaluate_gates(
            [gate],
            challenger=simulated(100, 0.9, seed=1),
            columns={"region": np.zeros(100), "age": np.zeros(100)},
        )
    assert "did you mean 'region'?" in caught.value.message
    assert caught.value.hint == "Columns available: 'region', 'age'."


def test_slice_column_of_the_wrong_length_is_a_data_error() -> None:
    with pytest.raises(DataError, match="has 5 values for 100 rows"):
        evaluate_gates(
            [AbsoluteGate(metric="accuracy", min=0.5, slice="region")],
            challenger=simulated(100, 0.9, seed=1),
            columns={"region": np.zeros(5)},
        )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"method": "basic"}, "method must be one of bca, percentile"),
        ({"correction": "bonferroni"}, "correction must be one of holm, none"),
        ({"no_champion": "maybe"}, "no_champion must be one of pass, fail, inconclusive"),
        ({"min_slice_rows": 0}, "min_slice_rows must be a positive integer"),
        ({"task": "regression"}, "'accuracy' is a classification metric"),
    ],
)
def test_bad_options_are_config_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        evaluate_gates(
            [AbsoluteGate(metric="accuracy", min=0.5)],
            challenger=simulated(100, 0.9, seed=1),
            **options,  # type: ignore[arg-type]
        )


def test_unknown_metric_in_a_gate_suggests_the_nearest() -> None:
    with pytest.raises(ConfigError, match="did you mean 'roc_auc'"):
        evaluate_gates(
            [AbsoluteGate(metric="roc_acu", min=0.5)], challenger=simulated(100, 0.9, seed=1)
        )


def test_auc_gate_on_a_one_class_holdout_explains(cancer: Scored) -> None:
    y = np.zeros(50, dtype=int)
    p = Predictions(y, y, np.linspace(0, 1, 50))
    with pytest.raises(DataError, match="needs rows of both classes"):
        evaluate_gates([AbsoluteGate(metric="roc_auc", min=0.5)], challenger=p)


# -- from mlgate.yaml


@pytest.fixture
def metric_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    (tmp_path / "gate_metrics_mod.py").write_text(
        "import numpy as np\n\n\ndef hits(y_true, y_pred):\n"
        "    return float(np.mean(y_true == y_pred))\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "gate_metrics_mod"
    sys.modules.pop("gate_metrics_mod", None)


def test_gates_of_a_spec(tmp_path: Path, metric_module: str) -> None:
    spec = parse_spec(
        textwrap.dedent(
            f"""
            project: {{name: demo}}
            data: {{label: y}}
            train: {{function: "train:train"}}
            evaluate:
              metrics: [accuracy, roc_auc]
              slices: [region]
              custom_metrics: {{hits: "{metric_module}:hits"}}
              bootstrap: {{method: percentile, resamples: 500, seed: 3}}
              correction: none
            gates:
              - {{metric: accuracy, min: 0.8}}
              - {{metric: roc_auc, vs: production, max_drop: 0.05}}
              - {{metric: hits, min: 0.8}}
              - {{metric: recall, slice: region, min: 0.5}}
              - {{model_size_mb: 10}}
            confidence: 0.9
            """
        ),
        path=tmp_path / "mlgate.yaml",
    )
    p = simulated(N, 0.9, seed=1)
    verdict = evaluate_spec_gates(
        spec,
        challenger=p,
        champions=production(simulated(N, 0.9, seed=2)),
        columns={"region": np.where(np.arange(N) % 2 == 0, "x", "y")},
        budgets=Budgets(model_size_mb=2.0),
    )
    assert [r.status for r in verdict.results] == ["pass"] * 5
    numbers = verdict.results[0].numbers
    assert numbers is not None
    assert (numbers.method, numbers.confidence, numbers.resamples) == ("percentile", 0.9, 500)
    assert "90 %" in verdict.results[0].sentence
    assert verdict.results[2].numbers is not None
    assert verdict.results[2].numbers.challenger.estimate == pytest.approx(
        float(np.mean(p.y_true == p.y_pred))
    )
