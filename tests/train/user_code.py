"""The training code of the test project (written to train.py in tmp_path)."""

USER_CODE = '''
"""Training functions, good and bad, for mlgate's runner tests."""
import os
import signal
import subprocess
import sys
import time

import numpy as np

LABEL = "target"


def forest(data, params, seed):
    from sklearn.ensemble import RandomForestClassifier

    print("training a forest with", params, "and seed", seed)
    model = RandomForestClassifier(n_estimators=params.get("trees", 5), random_state=seed)
    return model.fit(data.drop(columns=[LABEL]), data[LABEL])


def raises(data, params, seed):
    return _check(data)


def _check(data):
    raise ValueError("the data is wrong")


def exits(data, params, seed):
    sys.exit(3)


def hangs(data, params, seed):
    with open("pid.txt", "w") as fh:
        fh.write(str(os.getpid()))
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    with open("grandchild.txt", "w") as fh:
        fh.write(str(child.pid))
    while True:
        time.sleep(0.05)


def dies(data, params, seed):
    os.kill(os.getpid(), signal.SIGKILL)


def quits(data, params, seed):
    os._exit(7)


def not_a_model(data, params, seed):
    return {"weights": [1, 2, 3]}


def forgets_return(data, params, seed):
    data.shape


class Half:
    """Predicts half as many values as it is given rows."""

    def predict(self, X):
        return np.zeros(len(X) // 2)


def wrong_shape(data, params, seed):
    return Half()


class Majority:
    """Predicts the most frequent label: a model skops cannot vouch for (user code)."""

    def fit(self, X, y):
        self.value_ = int(np.bincount(np.asarray(y)).argmax())
        return self

    def predict(self, X):
        return np.full(len(X), self.value_)


def majority(data, params, seed):
    return Majority().fit(data.drop(columns=[LABEL]), data[LABEL])


def two_args(data, params):
    return None


class Seen:
    """Remembers what the seeded sources of randomness gave."""

    def __init__(self, values):
        self.values = values

    def predict(self, X):
        return np.zeros(len(X))


def seeded(data, params, seed):
    import random

    return Seen(
        {
            "hashseed": os.environ.get("PYTHONHASHSEED"),
            "hash": hash("mlgate"),
            "random": random.random(),
            "numpy": float(np.random.rand()),
        }
    )
'''
