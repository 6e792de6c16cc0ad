"""Benchmark: mlgate's statistical gates against the point-comparison rule, and their speed.

    python bench/gates.py [--trials 200] [--quick] [--speed]

(a) Challengers exactly as good as the champion *in distribution*: the same
    model class and recipe, each trained on its own bootstrap resample of the
    training rows. Each is compared with the champion on a fresh holdout drawn
    from a 200,000-row population; we count how often mlgate's superiority gate
    promotes it, and how often the naive rule "challenger point ≥ champion
    point" (what MLflow's ``mlflow.evaluate`` thresholds do) would.
(b) A challenger truly better by a known margin (its accuracy on the whole
    population, measured once): mlgate's power for several holdout sizes, and
    the holdout size it needs for 80 % power.
(c) Speed: a paired bootstrap of 100,000 rows × 2,000 resamples, for accuracy
    and for AUC.

Data: ``sklearn.datasets.make_classification`` with a fixed seed; nothing is
downloaded. Prints Markdown on stdout, progress on stderr. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from mlgate.spec import ComparisonGate
from mlgate.validate import Champion, Predictions, bootstrap_metric, evaluate_gates

SEED = 5
TRAIN_ROWS = 20_000
POPULATION_ROWS = 200_000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Scores:
    """A model's predicted labels and positive-class scores on every population row."""

    label: np.ndarray
    score: np.ndarray

    def on(self, y: np.ndarray, rows: np.ndarray) -> Predictions:
        return Predictions(y[rows], self.label[rows], self.score[rows])


def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, y = make_classification(
        n_samples=TRAIN_ROWS + POPULATION_ROWS,
        n_features=20,
        n_informative=8,
        n_redundant=4,
        flip_y=0.05,
        class_sep=0.8,
        random_state=SEED,
    )
    return x[:TRAIN_ROWS], y[:TRAIN_ROWS], x[TRAIN_ROWS:], y[TRAIN_ROWS:]


def scored(model: object, x: np.ndarray) -> Scores:
    proba = model.predict_proba(x)[:, 1]  # type: ignore[attr-defined]
    return Scores((proba > 0.5).astype(np.int64), proba)


def verdict_of(
    metric: str, challenger: Predictions, champion: Predictions, seed: int
) -> tuple[str, bool]:
    """mlgate's verdict on a superiority gate, and the naive rule's decision."""
    gate = ComparisonGate(metric=metric, min_gain=0.0)
    verdict = evaluate_gates(
        [gate], challenger=challenger, champions=Champion(predictions=(champion,)), seed=seed
    )
    numbers = verdict.results[0].numbers
    assert numbers is not None
    assert numbers.champion is not None
    return verdict.status, numbers.challenger.estimate >= numbers.champion.estimate


def percent(count: int, total: int) -> str:
    return f"{100 * count / total:.1f} %"


def null_study(trials: int, holdout: int) -> str:
    """(a) challengers that are as good as the champion in distribution."""
    x_train, y_train, x_pop, y_pop = data()
    models = []
    for index in range(trials + 1):
        rows = np.random.default_rng(index).integers(0, TRAIN_ROWS, TRAIN_ROWS)
        model = LogisticRegression(max_iter=1000).fit(x_train[rows], y_train[rows])
        models.append(scored(model, x_pop))
        if index % 50 == 0:
            log(f"(a) trained {index + 1}/{trials + 1} models")
    champion = models[0]
    true = {
        "accuracy": np.array([np.mean(m.label == y_pop) for m in models]),
        "roc_auc": np.array([roc_auc_score(y_pop, m.score) for m in models]),
    }
    about = "; ".join(
        f"{metric}: median |difference| {np.median(np.abs(v[1:] - v[0])):.4f}, "
        f"largest {np.abs(v[1:] - v[0]).max():.4f}, {np.mean(v[1:] > v[0]):.0%} better by it"
        for metric, v in true.items()
    )
    lines = [
        f"### (a) {trials} challengers as good as the champion\n",
        f"Champion and challengers: logistic regression, each trained on its own bootstrap "
        f"resample of the {TRAIN_ROWS:,} training rows. On the {POPULATION_ROWS:,}-row "
        f"population they differ from the champion by a hair ({about}). Each challenger is "
        f"compared with the champion on a fresh holdout of {holdout:,} rows drawn from the "
        "population; mlgate uses a paired BCa bootstrap, 95 %, 2,000 resamples.\n",
        "| metric | rule | promoted | needs approval | rejected |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for metric in ("accuracy", "roc_auc"):
        tally = {"pass": 0, "needs-approval": 0, "fail": 0}
        naive = 0
        started = time.perf_counter()
        for trial in range(1, trials + 1):
            rows = np.random.default_rng(10_000 + trial).choice(
                POPULATION_ROWS, holdout, replace=False
            )
            status, point = verdict_of(
                metric, models[trial].on(y_pop, rows), champion.on(y_pop, rows), trial
            )
            tally[status] += 1
            naive += point
        log(f"(a) {metric}: {trials} trials in {time.perf_counter() - started:.1f} s")
        lines.append(
            f"| {metric} | naive: challenger ≥ champion on the holdout | "
            f"{percent(naive, trials)} | – | {percent(trials - naive, trials)} |"
        )
        lines.append(
            f"| {metric} | mlgate: `{{metric: {metric}, vs: production, min_gain: 0}}` | "
            f"{percent(tally['pass'], trials)} | {percent(tally['needs-approval'], trials)} | "
            f"{percent(tally['fail'], trials)} |"
        )
    return "\n".join(lines)


def power_study(trials: int, sizes: list[int]) -> str:
    """(b) a challenger truly better by a known margin."""
    x_train, y_train, x_pop, y_pop = data()
    log("(b) training the champion (40 boosting rounds) and the challenger (100)")
    champion, challenger = (
        scored(
            HistGradientBoostingClassifier(
                max_iter=rounds, early_stopping=False, random_state=0
            ).fit(x_train, y_train),
            x_pop,
        )
        for rounds in (40, 100)
    )
    right_new = challenger.label == y_pop
    right_old = champion.label == y_pop
    margin = float(np.mean(right_new) - np.mean(right_old))
    spread = float(np.var(right_new.astype(float) - right_old))
    z = NormalDist().inv_cdf
    needed = (z(0.975) + z(0.8)) ** 2 * spread / margin**2
    lines = [
        "### (b) a challenger truly better by a known margin\n",
        f"Champion: gradient boosting with 40 rounds, accuracy {np.mean(right_old):.4f} on the "
        f"{POPULATION_ROWS:,}-row population; challenger: 100 rounds, {np.mean(right_new):.4f}: "
        f"**+{margin:.4f}**. The two disagree on {np.mean(right_new != right_old):.1%} of rows. "
        f"Gate `{{metric: accuracy, vs: production, min_gain: 0}}`, {trials} fresh holdouts "
        "per size.\n",
        "| holdout rows | mlgate promotes (power) | needs approval | rejected | naive promotes |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    first_enough = None
    for size in sizes:
        tally = {"pass": 0, "needs-approval": 0, "fail": 0}
        naive = 0
        for trial in range(trials):
            rows = np.random.default_rng(20_000 + trial).choice(
                POPULATION_ROWS, size, replace=False
            )
            status, point = verdict_of(
                "accuracy", challenger.on(y_pop, rows), champion.on(y_pop, rows), trial
            )
            tally[status] += 1
            naive += point
        if first_enough is None and tally["pass"] >= 0.8 * trials:
            first_enough = size
        log(f"(b) n={size:,}: power {tally['pass'] / trials:.2f}")
        lines.append(
            f"| {size:,} | {percent(tally['pass'], trials)} | "
            f"{percent(tally['needs-approval'], trials)} | {percent(tally['fail'], trials)} | "
            f"{percent(naive, trials)} |"
        )
    lines.append(
        f"\nHoldout rows for 80 % power: about {needed:,.0f} by the normal approximation "
        f"((z₀.₉₇₅ + z₀.₈)² · var(paired difference) / margin²); in the simulation the first "
        f"size with ≥ 80 % power is "
        + (f"{first_enough:,}." if first_enough else "beyond the sizes tried.")
    )
    return "\n".join(lines)


def speed_study(rows: int, resamples: int, repeats: int) -> str:
    """(c) wall time of paired bootstraps."""
    x_train, y_train, x_pop, y_pop = data()
    fits = [
        scored(LogisticRegression(C=c, max_iter=1000).fit(x_train, y_train), x_pop[:rows])
        for c in (1.0, 0.001)
    ]
    y = y_pop[:rows]
    everything = np.arange(rows)
    chal, champ = (f.on(y, everything) for f in fits)
    load_before = os.getloadavg()[0]
    table = []
    for metric in ("accuracy", "roc_auc"):
        for threads in (1, None):
            best = float("inf")
            for _ in range(repeats):
                started = time.perf_counter()
                bootstrap_metric(metric, chal, champ, resamples=resamples, threads=threads)
                best = min(best, time.perf_counter() - started)
            shown = "1" if threads == 1 else f"{min(4, os.cpu_count() or 1)} (default)"
            log(f"(c) {metric}, threads {shown}: {best:.3f} s")
            table.append(f"| {metric} | {shown} | {best:.3f} |")
    return "\n".join(
        [
            f"### (c) speed: paired bootstrap, {rows:,} rows × {resamples:,} resamples\n",
            f"Best of {repeats} runs, this machine: "
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, numpy {np.__version__}; load average "
            f"(1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after.\n",
            "| metric | threads | seconds |",
            "| --- | ---: | ---: |",
            *table,
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200, help="challengers in (a) and (b)")
    parser.add_argument("--quick", action="store_true", help="50 trials, fewer sizes")
    parser.add_argument("--speed", action="store_true", help="only (c), the speed (~30 s)")
    args = parser.parse_args()
    trials = 50 if args.quick else args.trials
    sizes = [1_000, 5_000] if args.quick else [1_000, 2_000, 5_000, 10_000, 20_000]
    started = time.perf_counter()
    if not args.speed:
        print(null_study(trials, holdout=5_000))
        print()
        print(power_study(trials, sizes))
        print()
    print(speed_study(100_000, 2_000, repeats=1 if args.quick else 3))
    log(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
