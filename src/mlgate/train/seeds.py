"""The seeds a project trains with: given in mlgate.yaml, or derived from a base seed."""

from __future__ import annotations

from mlgate.errors import UsageError
from mlgate.spec import TrainSpec

__all__ = ["derive_seeds", "seeds_for"]


def derive_seeds(base: int, k: int) -> list[int]:
    """``k`` seeds in ``[0, 2**32)`` derived from ``base``, the same on every machine.

    They come from NumPy's ``SeedSequence(base).spawn(k)``, whose output is fixed
    by design, so the i-th seed does not depend on ``k`` (training 5 seeds
    repeats the 3 of a run that trained 3) and seeds are well spread even for
    neighbouring bases.

    >>> derive_seeds(0, 3) == derive_seeds(0, 5)[:3]
    True
    """
    if isinstance(base, bool) or not isinstance(base, int) or base < 0:
        raise UsageError(f"the base seed must be an integer ≥ 0, got {base!r}")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise UsageError(
            f"the number of seeds must be an integer ≥ 1, got {k!r}",
            hint="Set train.seeds to 1 or more in mlgate.yaml.",
        )
    import numpy as np

    children = np.random.SeedSequence(base).spawn(k)
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]


def seeds_for(train: TrainSpec) -> list[int]:
    """The seeds of ``train``: its list of seeds, or ``train.seeds`` derived from
    ``train.base_seed``."""
    if isinstance(train.seeds, tuple):
        return list(train.seeds)
    return derive_seeds(train.base_seed, train.seeds)
