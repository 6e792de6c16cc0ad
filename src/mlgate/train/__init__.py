"""Training: the user's ``train(data, params, seed) -> model``, run safely and reproducibly.

- :mod:`~mlgate.train.split` reads a snapshot's tables and splits rows into
  training and holdout (at random by content and seed, or by time);
- :mod:`~mlgate.train.contract` finds and checks the ``module:function`` named
  in mlgate.yaml;
- :mod:`~mlgate.train.runner` runs it in a child process per seed (timeouts,
  crashes and bad results become clear errors with the user's traceback);
- :mod:`~mlgate.train.seeds` derives the seeds;
- :mod:`~mlgate.train.flavors` saves and loads models (skops with trusted
  types by default; cloudpickle only when the project opts in);
- :mod:`~mlgate.train.signature` records the columns a model reads;
- :mod:`~mlgate.train.lineage` records the code and environment that made it.

Names resolve lazily, so importing this package is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlgate.train.contract import locate_function as locate_function
    from mlgate.train.contract import resolve_function as resolve_function
    from mlgate.train.flavors import dump_model as dump_model
    from mlgate.train.flavors import load_model as load_model
    from mlgate.train.flavors import model_flavor as model_flavor
    from mlgate.train.lineage import Lineage as Lineage
    from mlgate.train.lineage import capture_lineage as capture_lineage
    from mlgate.train.lineage import diff_lineage as diff_lineage
    from mlgate.train.runner import TrainedModel as TrainedModel
    from mlgate.train.runner import TrainInputs as TrainInputs
    from mlgate.train.runner import TrainJob as TrainJob
    from mlgate.train.runner import train_one as train_one
    from mlgate.train.runner import train_seeds as train_seeds
    from mlgate.train.runner import write_inputs as write_inputs
    from mlgate.train.seeds import derive_seeds as derive_seeds
    from mlgate.train.seeds import seeds_for as seeds_for
    from mlgate.train.signature import ColumnSpec as ColumnSpec
    from mlgate.train.signature import Signature as Signature
    from mlgate.train.signature import infer_signature as infer_signature
    from mlgate.train.split import Split as Split
    from mlgate.train.split import load_table as load_table
    from mlgate.train.split import split_frame as split_frame

__all__ = [
    "ColumnSpec",
    "Lineage",
    "Signature",
    "Split",
    "TrainInputs",
    "TrainJob",
    "TrainedModel",
    "capture_lineage",
    "derive_seeds",
    "diff_lineage",
    "dump_model",
    "infer_signature",
    "load_model",
    "load_table",
    "locate_function",
    "model_flavor",
    "resolve_function",
    "seeds_for",
    "split_frame",
    "train_one",
    "train_seeds",
    "write_inputs",
]

_LAZY = {
    "locate_function": "mlgate.train.contract",
    "resolve_function": "mlgate.train.contract",
    "dump_model": "mlgate.train.flavors",
    "load_model": "mlgate.train.flavors",
    "model_flavor": "mlgate.train.flavors",
    "Lineage": "mlgate.train.lineage",
    "capture_lineage": "mlgate.train.lineage",
    "diff_lineage": "mlgate.train.lineage",
    "TrainedModel": "mlgate.train.runner",
    "TrainInputs": "mlgate.train.runner",
    "TrainJob": "mlgate.train.runner",
    "train_one": "mlgate.train.runner",
    "train_seeds": "mlgate.train.runner",
    "write_inputs": "mlgate.train.runner",
    "derive_seeds": "mlgate.train.seeds",
    "seeds_for": "mlgate.train.seeds",
    "ColumnSpec": "mlgate.train.signature",
    "Signature": "mlgate.train.signature",
    "infer_signature": "mlgate.train.signature",
    "Split": "mlgate.train.split",
    "load_table": "mlgate.train.split",
    "split_frame": "mlgate.train.split",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'mlgate.train' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
