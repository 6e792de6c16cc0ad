"""Real data for the validate tests: scikit-learn's bundled data sets and seeded simulations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlgate.validate import Predictions


@dataclass(frozen=True)
class Scored:
    """Two models scored on the same holdout rows."""

    challenger: Predictions
    champion: Predictions
    features: np.ndarray


def _classifier(c: float) -> object:
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))


@pytest.fixture(scope="session")
def cancer() -> Scored:
    """Breast cancer (binary): a well-regularised and a strongly regularised logistic model."""
    x, y = load_breast_cancer(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.4, random_state=0)
    scored = []
    for c in (1.0, 0.001):
        model = _classifier(c).fit(x_train, y_train)
        proba = model.predict_proba(x_test)
        scored.append(Predictions(y_test, model.predict(x_test), proba[:, 1]))
    return Scored(scored[0], scored[1], x_test)


@pytest.fixture(scope="session")
def wine() -> Scored:
    """Wine (three classes), labels as strings, probabilities with the model's classes."""
    x, y = load_wine(return_X_y=True)
    names = np.array(["barolo", "grignolino", "barbera"])[y]
    x_train, x_test, y_train, y_test = train_test_split(x, names, test_size=0.5, random_state=1)
    scored = []
    for c in (1.0, 0.01):
        model = _classifier(c).fit(x_train, y_train)
        scored.append(
            Predictions(
                y_test,
                model.predict(x_test),
                model.predict_proba(x_test),
                classes=tuple(model.classes_),
            )
        )
    return Scored(scored[0], scored[1], x_test)


@pytest.fixture(scope="session")
def diabetes() -> Scored:
    """Diabetes (regression): ridge with little and with a lot of shrinkage."""
    x, y = load_diabetes(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.4, random_state=2)
    scored = [
        Predictions(y_test, Ridge(alpha=alpha).fit(x_train, y_train).predict(x_test))
        for alpha in (0.1, 10.0)
    ]
    return Scored(scored[0], scored[1], x_test)
