"""Automatic canary decisions from live traffic (``deploy.<alias>.canary`` in mlgate.yaml).

While the ``candidate`` alias points at another version than the served alias and the
alias's strategy is ``canary``, the candidate answers a share of requests on the
``canary`` route. Once it has served ``min_requests`` requests, its labelled rows are
compared with the primary's on ``metric``: an unpaired two-sample bootstrap of the
difference (canary and primary answer different requests, so no pairing is possible),
at the spec's ``confidence``, oriented so that a positive difference means the canary
is better. Then

* the upper bound below ``-max_drop`` (the canary is worse by more than allowed):
  **abort**, the ``candidate`` alias moves back to the served version;
* the lower bound at least ``-max_drop`` (it is no worse than allowed): **promote**,
  the served alias moves to the candidate under its promotion policy, so a required
  approval is still required (the verdict is then ``pending`` and names who approves);
* otherwise **wait** for more labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from mlgate.config import Settings
from mlgate.errors import ConfigError, MlgateError

if TYPE_CHECKING:
    from mlgate.monitor._config import MonitorConfig
    from mlgate.monitor._log import WindowData
    from mlgate.validate.bootstrap import Interval

__all__ = ["CanaryVerdict", "decide_canary"]

Decision = Literal["promote", "abort", "wait"]


@dataclass(frozen=True)
class CanaryVerdict:
    """What :func:`decide_canary` decided and did.

    ``decision`` is ``promote``, ``abort`` or ``wait``; ``state`` what happened to the
    aliases: ``moved``, ``pending`` (a promotion waits for approval), ``unchanged``,
    ``waiting`` (nothing decided yet) or ``refused`` (the registry's policy refused the
    move; the sentence says why). ``difference`` is the canary's improvement over the
    primary on ``metric`` (positive: better), with its interval.
    """

    model: str
    alias: str
    primary: int
    candidate: int
    metric: str
    decision: Decision
    state: str
    sentence: str
    canary_requests: int
    min_requests: int
    canary_labelled: int
    primary_labelled: int
    max_drop: float
    canary_metric: Interval | None = None
    primary_metric: Interval | None = None
    difference: Interval | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        from mlgate.monitor._report import plain_dict

        def interval(value: Interval | None) -> dict[str, Any] | None:
            if value is None:
                return None
            return {"estimate": value.estimate, "low": value.low, "high": value.high}

        return plain_dict(
            {
                "model": self.model,
                "alias": self.alias,
                "primary": self.primary,
                "candidate": self.candidate,
                "metric": self.metric,
                "decision": self.decision,
                "state": self.state,
                "sentence": self.sentence,
                "canary_requests": self.canary_requests,
                "min_requests": self.min_requests,
                "canary_labelled": self.canary_labelled,
                "primary_labelled": self.primary_labelled,
                "max_drop": self.max_drop,
                "canary_metric": interval(self.canary_metric),
                "primary_metric": interval(self.primary_metric),
                "difference": interval(self.difference),
            }
        )


def _metric(config: MonitorConfig, chosen: str | None, alias: str) -> str:
    from mlgate.monitor._live import metric_names
    from mlgate.validate.metrics import METRICS

    where = f"deploy.{alias}.canary.metric"
    if chosen is not None:
        spec = METRICS.get(chosen)
        if spec is None or config.task not in spec.tasks:
            kind = "a custom metric" if spec is None else f"not a {config.task} metric"
            raise ConfigError(
                f"the canary cannot be judged on {chosen!r}: it is {kind}, and the canary is "
                "judged by mlgate's own metrics on the logged predictions",
                where=where,
                hint="Use a built-in metric of the task, e.g. accuracy, f1 or roc_auc "
                "(classification), mae or rmse (regression).",
            )
        return chosen
    names, _ = metric_names(config)
    if not names:
        raise ConfigError(
            "none of evaluate.metrics can be computed from the prediction log",
            where=where,
            hint="Set deploy.<alias>.canary.metric, e.g. accuracy.",
        )
    return names[0]


def _scan(
    settings: Settings, name: str, groups: set[tuple[int, str]]
) -> dict[tuple[int, str], WindowData]:
    from mlgate.deploy.run import log_location
    from mlgate.monitor._config import monitor_config
    from mlgate.monitor._log import Scheme, scan
    from mlgate.monitor._monitor import label_fetch
    from mlgate.store.stores import open_stores

    config = monitor_config(settings)
    with open_stores(settings) as stores:
        fetch = label_fetch(stores, name)
        return {
            (data.version, data.route): data
            for data in scan(
                log_location(settings, name),
                scheme=Scheme(),
                refs={},
                keep=groups.__contains__,
                fetch=fetch,
                max_delay=float(config.labels.max_delay),
            )
        }


def decide_canary(
    name: str, *, settings: Settings | None = None, alias: str = "production"
) -> CanaryVerdict | None:
    """Promote, abort or keep waiting on the canary of ``name`` (see the module docstring).

    None when there is nothing to decide: ``deploy.<alias>`` is not a canary with a
    ``canary`` section, or ``candidate`` points at the served version (or nowhere).
    """
    from mlgate.monitor._config import monitor_config
    from mlgate.registry.lookup import check_model_name, no_model
    from mlgate.store.stores import open_stores

    check_model_name(name)
    settings = settings or Settings.load()
    config = monitor_config(settings)
    policy = config.deploy.get(alias)
    if policy is None or policy.strategy != "canary" or policy.canary is None:
        return None
    with open_stores(settings) as stores:
        model = stores.metadata.get_model(name)
        if model is None:
            raise no_model(name, (m.name for m in stores.metadata.list_models()))
    served, candidate = model.aliases.get(alias), model.aliases.get("candidate")
    if served is None or candidate is None or served == candidate:
        return None
    rule = policy.canary
    metric = _metric(config, rule.metric, alias)
    found = _scan(settings, name, {(candidate, "canary"), (served, "primary")})
    canary, primary = found.get((candidate, "canary")), found.get((served, "primary"))
    base: dict[str, Any] = {
        "model": name,
        "alias": alias,
        "primary": served,
        "candidate": candidate,
        "metric": metric,
        "canary_requests": 0 if canary is None else canary.requests,
        "min_requests": rule.min_requests,
        "canary_labelled": 0 if canary is None else len(canary.y_true),
        "primary_labelled": 0 if primary is None else len(primary.y_true),
        "max_drop": float(rule.max_drop),
    }
    if base["canary_requests"] < rule.min_requests:
        sentence = (
            f"canary v{candidate} has served {base['canary_requests']} of the "
            f"{rule.min_requests} requests needed before a decision"
        )
        return CanaryVerdict(decision="wait", state="waiting", sentence=sentence, **base)
    return _compare(settings, canary, primary, metric=metric, config=config, base=base)


def _compare(
    settings: Settings,
    canary: WindowData | None,
    primary: WindowData | None,
    *,
    metric: str,
    config: MonitorConfig,
    base: dict[str, Any],
) -> CanaryVerdict:
    from mlgate.monitor._live import (
        MIN_LABELLED,
        difference,
        live_predictions,
        positive_like,
        scored_predictions,
    )
    from mlgate.validate.metrics import METRICS

    positive: Any = None
    if METRICS[metric].needs_score:
        scored = [
            scored_predictions(
                d.y_true, d.y_pred, d.y_score, d.score_label, d.y_scores, d.score_classes
            )
            if d
            else None
            for d in (canary, primary)
        ]
        sides = [None if found is None else found[0] for found in scored]
        positives = {found[1] for found in scored if found is not None and found[0] is not None}
        if len(positives) > 1:
            sentence = (
                f"waiting: the canary's and the primary's logged scores are for different "
                f"classes ({', '.join(sorted(map(str, positives)))}), so {metric} cannot be "
                "compared"
            )
            return CanaryVerdict(decision="wait", state="waiting", sentence=sentence, **base)
        positive = positives.pop() if positives else None
        what = "labelled rows with a logged class score"
    else:
        sides = [
            live_predictions(d.y_true, d.y_pred, task=config.task)[0] if d else None
            for d in (canary, primary)
        ]
        what = "labelled rows"
        if sides[0] is not None:
            positive = positive_like(config.pos_label, sides[0])
    if any(side is None or side.n < MIN_LABELLED for side in sides):
        have = [0 if side is None else side.n for side in sides]
        sentence = (
            f"waiting for labels: the canary has {have[0]} and the primary {have[1]} {what}; "
            f"a decision needs {MIN_LABELLED} each"
        )
        return CanaryVerdict(decision="wait", state="waiting", sentence=sentence, **base)
    assert sides[0] is not None
    assert sides[1] is not None
    try:
        mine, theirs, diff, _ = difference(
            metric, sides[0], sides[1], config=config, pos_label=positive
        )
    except MlgateError as exc:
        sentence = f"waiting: {metric} cannot be compared yet ({exc.message})"
        return CanaryVerdict(decision="wait", state="waiting", sentence=sentence, **base)
    numbers: dict[str, Any] = {"canary_metric": mine, "primary_metric": theirs}
    numbers["difference"] = diff
    drop = base["max_drop"]
    evidence = (
        f"{metric} {mine.estimate:.3g} (canary v{base['candidate']}) vs {theirs.estimate:.3g} "
        f"(v{base['primary']}), improvement {diff.estimate:+.3g} "
        f"[{diff.low:+.3g}, {diff.high:+.3g}] at {config.confidence:.0%} on "
        f"{sides[0].n} and {sides[1].n} {what}"
    )
    if diff.defined and diff.high < -drop:
        return _act("abort", settings, evidence + f": worse by more than {drop:g}", base, numbers)
    if diff.defined and diff.low >= -drop:
        return _act(
            "promote", settings, evidence + f": not worse by more than {drop:g}", base, numbers
        )
    sentence = f"inconclusive, waiting for more labels: {evidence}"
    return CanaryVerdict(decision="wait", state="waiting", sentence=sentence, **base, **numbers)


def _act(
    decision: Decision,
    settings: Settings,
    why: str,
    base: dict[str, Any],
    numbers: dict[str, Any],
) -> CanaryVerdict:
    from mlgate.deploy import canary as hand

    act = hand.abort if decision == "abort" else hand.promote
    reason = f"automatic canary decision: {why}"
    try:
        done = act(base["model"], alias=base["alias"], reason=reason, settings=settings)
    except MlgateError as exc:
        sentence = f"{decision} refused: {exc.render()} ({why})"
        return CanaryVerdict(
            decision=decision, state="refused", sentence=sentence, **base, **numbers
        )
    verb = "aborted" if decision == "abort" else "promoted"
    sentence = f"canary {verb}: {why} → {done.sentence}"
    return CanaryVerdict(decision=decision, state=done.state, sentence=sentence, **base, **numbers)
