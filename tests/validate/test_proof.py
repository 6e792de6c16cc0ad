"""The proof of issue 5, small: equally good challengers are not promoted, better ones are.

bench/gates.py runs the full version (200 challengers, several holdout sizes);
this keeps its claims under test.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from mlgate.spec import ComparisonGate
from mlgate.validate import Champion, Predictions, evaluate_gates

TRAIN, POPULATION, HOLDOUT = 5_000, 50_000, 2_000
GATE = ComparisonGate(metric="accuracy", min_gain=0.0)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, y = make_classification(
        n_samples=TRAIN + POPULATION,
        n_features=20,
        n_informative=8,
        n_redundant=4,
        flip_y=0.05,
        class_sep=0.8,
        random_state=5,
    )
    return x[:TRAIN], y[:TRAIN], x[TRAIN:], y[TRAIN:]


def _promoted(challenger: np.ndarray, champion: np.ndarray, y: np.ndarray, trial: int) -> bool:
    rows = np.random.default_rng(trial).choice(len(y), HOLDOUT, replace=False)
    verdict = evaluate_gates(
        [GATE],
        challenger=Predictions(y[rows], challenger[rows]),
        champions=Champion(predictions=(Predictions(y[rows], champion[rows]),)),
        seed=trial,
    )
    return verdict.status == "pass"


@pytest.mark.slow
def test_challengers_as_good_as_the_champion_are_rarely_promoted(
    data: tuple[np.ndarray, ...],
) -> None:
    x_train, y_train, x_pop, y_pop = data
    predicted = []
    for seed in range(101):
        rows = np.random.default_rng(seed).integers(0, TRAIN, TRAIN)
        model = LogisticRegression(max_iter=1000).fit(x_train[rows], y_train[rows])
        predicted.append(model.predict(x_pop))
    promoted = sum(_promoted(predicted[i], predicted[0], y_pop, i) for i in range(1, 101))
    naive = sum(
        np.mean(predicted[i][:HOLDOUT] == y_pop[:HOLDOUT])
        >= np.mean(predicted[0][:HOLDOUT] == y_pop[:HOLDOUT])
        for i in range(1, 101)
    )
    assert promoted <= 5, f"mlgate promoted {promoted} of 100 equally good challengers"
    assert naive >= 20, f"the point rule promoted only {naive} of 100"


@pytest.mark.slow
def test_a_truly_better_challenger_is_promoted(data: tuple[np.ndarray, ...]) -> None:
    x_train, y_train, x_pop, y_pop = data
    champion = LogisticRegression(max_iter=1000).fit(x_train, y_train).predict(x_pop)
    boosted = HistGradientBoostingClassifier(max_iter=20, early_stopping=False, random_state=0)
    challenger = boosted.fit(x_train, y_train).predict(x_pop)
    assert np.mean(challenger == y_pop) > np.mean(champion == y_pop) + 0.02
    promoted = sum(_promoted(challenger, champion, y_pop, trial) for trial in range(20))
    assert promoted >= 19
