"""Numbers and sentences of gate results, written once so every result reads alike."""

from __future__ import annotations

import math
from typing import Any

from mlgate.spec import AbsoluteGate, ComparisonGate
from mlgate.validate.bootstrap import Interval
from mlgate.validate.results import GateNumbers, Status

__all__ = [
    "clause",
    "count",
    "digits_for",
    "head",
    "interval",
    "number",
    "percent",
    "rule_words",
    "seeds",
    "signed",
    "slice_label",
]


def digits_for(*intervals: Interval | None) -> int:
    """Decimals that show the narrowest interval with one significant digit: at least 3
    for values below 10 (fewer for larger values), at most 6."""
    shown = [i for i in intervals if i is not None and i.defined]
    widths = [i.high - i.low for i in shown if i.high - i.low > 0]
    size = max((abs(i.estimate) for i in shown if math.isfinite(i.estimate)), default=0.0)
    base = 3 if size < 10 else max(0, 3 - math.floor(math.log10(size)))
    if not widths:
        return base
    return max(base, min(6, -math.floor(math.log10(min(widths)))))


def number(value: float, digits: int = 3) -> str:
    """``0.912``; ``nan`` for a missing value."""
    if math.isnan(value):
        return "nan"
    return f"{value:,.{digits}f}"


def signed(value: float, digits: int = 3) -> str:
    """``+0.005`` or ``-0.001``."""
    if math.isnan(value):
        return "nan"
    return f"{value:+,.{digits}f}"


def interval(i: Interval, digits: int, *, sign: bool = False) -> str:
    """``0.912 [0.905, 0.919]``."""
    show = signed if sign else number
    if not i.defined:
        return f"{show(i.estimate, digits)} [interval undefined]"
    return f"{show(i.estimate, digits)} [{show(i.low, digits)}, {show(i.high, digits)}]"


def count(n: int) -> str:
    """``5,000``."""
    return f"{n:,}"


def percent(confidence: float) -> str:
    """``95 %`` (``97.5 %``)."""
    return f"{confidence * 100:g} %"


def seeds(k: int) -> str:
    """``1 seed``, ``3 seeds``."""
    return f"{k} seed" + ("" if k == 1 else "s")


def slice_label(column: str, value: Any) -> str:
    """``region='north'``."""
    return f"{column}={value!r}"


def head(nums: GateNumbers) -> str:
    """``accuracy 0.912 [0.905, 0.919] vs champion …; difference … (paired, n=5,000, 3 seeds)``."""
    d = digits_for(nums.challenger, nums.champion, nums.difference)
    shown = seeds(nums.seeds) + (f" vs {nums.champion_seeds}" if nums.champion_seeds > 1 else "")
    start = f"{nums.metric} {interval(nums.challenger, d)}"
    if nums.champion is None or nums.difference is None:
        return f"{start} (n={count(nums.n)}, {shown})"
    better = "" if nums.higher_is_better else "lower is better; "
    return (
        f"{start} vs champion {interval(nums.champion, d)}; difference "
        f"{interval(nums.difference, d, sign=True)} ({better}paired, n={count(nums.n)}, {shown})"
    )


def clause(
    gate: AbsoluteGate | ComparisonGate,
    rule: tuple[str, float],
    status: Status,
    low: float,
    high: float,
    nums: GateNumbers,
) -> str:
    """Why one rule gave ``status``: ``lower bound 0.905 ≥ 0.900``, ``cannot show a gain``.

    ``low`` and ``high`` bound the metric (absolute gates) or the gain (comparisons:
    positive is better, so for a lower-is-better metric a gain is a decrease)."""
    kind, t = rule
    d = digits_for(nums.challenger, nums.difference)
    threshold = number(abs(t), max(d, 3))
    if isinstance(gate, AbsoluteGate):
        at_least = kind == "at_least"
        need = "≥" if at_least else "≤"
        if status == "pass":
            side, value = ("lower", low) if at_least else ("upper", high)
            return f"{side} bound {number(value, d)} {need} {number(t, max(d, 3))}"
        if status == "fail":
            side, value, op = ("upper", high, "<") if at_least else ("lower", low, ">")
            return f"{side} bound {number(value, d)} {op} {number(t, max(d, 3))}"
        return f"cannot show {gate.metric} {need} {number(t, max(d, 3))}"
    worse, better = ("drop", "gain") if nums.higher_is_better else ("rise", "decrease")
    if kind == "at_least":
        loss = f"a {worse} of more than {threshold}" if t < 0 else f"any {worse}"
        words = {"pass": f"rules out {loss}", "fail": f"shows {loss}"}
        return words.get(status, f"cannot rule out {loss}")
    gain = f"a {better}" if t == 0 else f"a {better} of more than {threshold}"
    return {"pass": f"shows {gain}", "fail": f"rules out {gain}"}.get(status, f"cannot show {gain}")


def rule_words(gate: AbsoluteGate | ComparisonGate) -> str:
    """``≥ 0.8``, ``drops at most 0.005 vs production``."""
    if isinstance(gate, ComparisonGate):
        if gate.max_drop is not None:
            return f"worsens by at most {gate.max_drop:g} vs {gate.vs}"
        return f"improves by more than {gate.min_gain or 0:g} vs {gate.vs}"
    parts = [
        f"≥ {gate.min:g}" if gate.min is not None else "",
        f"≤ {gate.max:g}" if gate.max is not None else "",
    ]
    return " and ".join(p for p in parts if p)
