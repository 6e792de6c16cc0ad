"""Prometheus metrics of one server: requests, latency, errors, model versions, swaps."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["ServerMetrics"]

_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class ServerMetrics:
    """The server's collectors, in a registry of their own (several apps per process stay apart)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "mlgate_requests",
            "Prediction requests answered, by protocol, route and status code.",
            ["protocol", "route", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "mlgate_request_seconds",
            "Time to answer a prediction request.",
            ["protocol"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "mlgate_request_errors",
            "Prediction requests refused or failed, by protocol and status code.",
            ["protocol", "code"],
            registry=self.registry,
        )
        self.version = Gauge(
            "mlgate_model_version",
            "The model version serving each route (0: none).",
            ["model", "route"],
            registry=self.registry,
        )
        self.swaps = Counter(
            "mlgate_model_swaps",
            "Model swaps by outcome: swapped, or failed (the old version kept serving).",
            ["outcome"],
            registry=self.registry,
        )
        self.rows = Counter(
            "mlgate_predicted_rows", "Rows scored.", ["route"], registry=self.registry
        )
        self.logged_dropped = Counter(
            "mlgate_prediction_log_dropped",
            "Predictions not logged because the log queue was full.",
            registry=self.registry,
        )

        self._answered: dict[tuple[str, str, int], tuple[Any, ...]] = {}
        self._rows: dict[str, Any] = {}

    def answered(self, protocol: str, route: str, status: int, seconds: float) -> None:
        """Count one answered prediction request (and its error, for status ≥ 400) and
        observe its latency. The labelled children are looked up once per label set:
        ``labels()`` takes a lock and builds a key on every call."""
        key = (protocol, route, status)
        children = self._answered.get(key)
        if children is None:
            code = str(status)
            children = (
                self.requests.labels(protocol, route, code),
                self.latency.labels(protocol),
                self.errors.labels(protocol, code) if status >= 400 else None,
            )
            self._answered[key] = children
        requests, latency, errors = children
        requests.inc()
        latency.observe(seconds)
        if errors is not None:
            errors.inc()

    def scored(self, route: str, rows: int) -> None:
        """Count ``rows`` scored on ``route``."""
        child = self._rows.get(route)
        if child is None:
            child = self._rows[route] = self.rows.labels(route)
        child.inc(rows)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
