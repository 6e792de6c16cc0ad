"""The quickstart's demo project: Seattle's daily weather 2012–2015 (vega_datasets ships
it; nothing is downloaded), a random-forest classifier of the day's weather, and an
mlgate.yaml that uses every part of the loop."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FEATURES", "LABEL", "MODEL", "Weather", "load_weather", "write_project"]

MODEL = "weather"
LABEL = "weather"
FEATURES = ("precipitation", "temp_max", "temp_min", "wind")

SPEC = """\
# The quickstart's project: what the day's weather was (sun, rain, fog, drizzle, snow),
# from its precipitation, temperatures and wind. Edit it and run `mlgate run`.
project: {name: weather}
data:
  source: data/              # one CSV per year; a new file is new data
  label: weather
  split: {method: random, holdout: 0.25, seed: 7}
train:
  function: train:train
  params: {n_estimators: 60, min_samples_leaf: 3}
  seeds: 3                   # three models: how much of a score is luck
  timeout: 5m
evaluate:
  task: classification
  metrics: [accuracy, f1]
  bootstrap: {resamples: 1000, seed: 0}
gates:
  - {metric: accuracy, min: 0.55}                        # lower confidence bound ≥ 0.55
  - {metric: accuracy, vs: production, max_drop: 0.02}   # not worse than the champion
confidence: 0.95
register: {name: weather, alias: candidate}
deploy:
  production:
    requires: [gates_passed]
    approvals: 1             # a person signs off every production model
    approvers: [bob]
    prediction_log: {flush_every: 1s}
monitor:
  window: 365                # one window per 365 predictions (a year of days)
triggers:
  cooldown: 0s
  data: {debounce: 0s}
  drift: {effect_size: 0.2}
  degradation: {metric: accuracy, min: 0.6}
"""

TRAIN = '''\
"""Training code of the quickstart: a random forest on the day's measurements.

mlgate calls ``train(data, params, seed)`` once per seed with the training rows
of the data snapshot; it saves, evaluates, gates and registers what this returns.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.ensemble import RandomForestClassifier

LABEL = "weather"
FEATURES = ["precipitation", "temp_max", "temp_min", "wind"]


def train(data: pd.DataFrame, params: dict[str, Any], seed: int) -> RandomForestClassifier:
    """Fit a random forest; the seed is the forest's randomness."""
    model = RandomForestClassifier(
        n_estimators=int(params.get("n_estimators", 60)),
        min_samples_leaf=int(params.get("min_samples_leaf", 3)),
        random_state=seed,
        n_jobs=1,
    )
    return model.fit(data[FEATURES], data[LABEL])
'''

README = """\
# weather: the mlgate quickstart project

`mlgate quickstart` built this folder and ran the loop in it. Keep exploring:

    mlgate runs                      # every run, with its trigger
    mlgate show RUN --gates          # the gates' numbers, champion vs challenger
    mlgate report RUN                # the run report (HTML and Markdown)
    mlgate models show weather       # versions, aliases, approvals
    mlgate models history weather    # every alias move: who, when, why
    mlgate monitor weather           # drift and live accuracy per window
    mlgate audit verify              # the tamper-evident audit log
    mlgate serve weather             # the model server (KServe V2 and MLflow protocols)
    mlgate watch                     # the daemon: new data, drift, degradation start runs

Add `data/2015.csv` (see `traffic/2015.csv`) and run `mlgate watch --once`.
"""


@dataclass(frozen=True)
class Weather:
    """The four years of days, by year."""

    frame: pd.DataFrame

    def year(self, year: int) -> pd.DataFrame:
        """The days of ``year`` with the date, the features and the label."""
        rows: pd.DataFrame = self.frame[self.frame["date"].dt.year == year]
        return rows.reset_index(drop=True)


def load_weather() -> Weather:
    """Seattle's weather 2012–2015 from the installed vega_datasets package."""
    from importlib.resources import files

    import pandas as pd

    source = files("vega_datasets") / "_data" / "seattle-weather.csv"
    with source.open("rb") as handle:
        frame = pd.read_csv(handle, parse_dates=["date"])
    return Weather(frame[["date", *FEATURES, LABEL]])


def table(days: pd.DataFrame) -> pd.DataFrame:
    """What goes into data/: the features and the label (no date: the model must not
    learn the calendar, and the server is sent measurements only)."""
    return days[[*FEATURES, LABEL]]


def write_project(dest: Path, weather: Weather) -> list[Path]:
    """The demo project in ``dest``: mlgate.yaml, train.py, a README and 2012's data."""
    from mlgate.project import init

    init(dest, name=MODEL)
    for stale in (dest / "data").iterdir():  # init's example data set: not this demo's
        stale.unlink()
    written = []
    for name, text in (("mlgate.yaml", SPEC), ("train.py", TRAIN), ("README.md", README)):
        (dest / name).write_text(text)
        written.append(dest / name)
    first = dest / "data" / "2012.csv"
    table(weather.year(2012)).to_csv(first, index=False)
    written.append(first)
    return written
