"""Value types of mlgate.yaml: durations, cron expressions, names, ``module:function``, metrics.

Each type is declared once, with its check and its JSON Schema, so every
section of the spec reads alike and every message names what was expected.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

__all__ = [
    "BUDGETS",
    "CLASSIFICATION_METRICS",
    "LOWER_IS_BETTER",
    "REGRESSION_METRICS",
    "AliasName",
    "Bool",
    "Column",
    "Cron",
    "Duration",
    "Float",
    "Int",
    "MetricName",
    "ModelName",
    "Seed",
    "Target",
    "cron_fields",
    "invalid",
    "parse_cron",
    "parse_duration",
]


def invalid(kind: str, message: str) -> PydanticCustomError:
    """A validation error of type ``kind`` whose message is exactly ``message``."""
    return PydanticCustomError(kind, "{message}", {"message": message})


# -- metrics (validate/metrics.py computes them; the names live here so the spec can check them)

#: Metrics for ``evaluate.task: classification`` (binary, or macro-averaged with ``_macro``).
CLASSIFICATION_METRICS: tuple[str, ...] = (
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "roc_auc",
    "log_loss",
    "brier",
)
#: Metrics for ``evaluate.task: regression``.
REGRESSION_METRICS: tuple[str, ...] = ("mae", "rmse", "r2", "mape")
#: Metrics where a smaller value is better (a "drop" of these is an increase).
LOWER_IS_BETTER: frozenset[str] = frozenset({"log_loss", "brier", "mae", "rmse", "mape"})
#: Budget gates, measured during evaluation.
BUDGETS: tuple[str, ...] = ("latency_ms_p50", "latency_ms_p99", "model_size_mb")

# -- strict scalars: YAML already types its values, so "3" is not silently a number

Int = Annotated[int, Strict()]
Float = Annotated[float, Strict()]
Bool = Annotated[bool, Strict()]
#: A random seed: what numpy and scikit-learn accept (0 to 2**32 - 1).
Seed = Annotated[int, Strict(), Field(ge=0, le=2**32 - 1)]

# -- names

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_ALIAS = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_TARGET = re.compile(
    r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"
)


def _check_name(value: str) -> str:
    if not _NAME.match(value):
        raise invalid(
            "name",
            f"{value!r} is not a valid name: use 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
        )
    return value


def _check_alias(value: str) -> str:
    if not _ALIAS.match(value):
        raise invalid(
            "alias_name",
            f"{value!r} is not a valid alias: use lowercase letters, digits, '_' or '-', "
            "starting with a letter (e.g. candidate, staging, production)",
        )
    return value


def _check_column(value: str) -> str:
    if not value.strip():
        raise invalid("column", "a name cannot be empty")
    return value


def _check_target(value: str) -> str:
    if _TARGET.match(value):
        return value
    hint = "expected 'module:function', e.g. 'train:train' for the function train in train.py"
    if ".py:" in value or value.endswith(".py"):
        hint = "name the module, not the file: drop the '.py' (e.g. 'train:train')"
    elif "/" in value or "\\" in value:
        hint = "use a dotted module name, not a path (e.g. 'models.train:fit')"
    elif ":" not in value and "." in value:
        module, _, function = value.rpartition(".")
        hint = f"separate the module from the function with a colon: '{module}:{function}'"
    elif "(" in value:
        hint = "name the function without calling it (no parentheses)"
    raise invalid("target", f"{value!r} is not a 'module:function': {hint}")


ModelName = Annotated[
    str,
    Strict(),
    AfterValidator(_check_name),
    WithJsonSchema({"type": "string", "pattern": _NAME.pattern}),
]
AliasName = Annotated[
    str,
    Strict(),
    AfterValidator(_check_alias),
    WithJsonSchema({"type": "string", "pattern": _ALIAS.pattern}),
]
Column = Annotated[
    str, Strict(), AfterValidator(_check_column), WithJsonSchema({"type": "string", "minLength": 1})
]
MetricName = Annotated[
    str,
    Strict(),
    AfterValidator(_check_column),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "examples": [*CLASSIFICATION_METRICS, *REGRESSION_METRICS],
        }
    ),
]
Target = Annotated[
    str,
    Strict(),
    AfterValidator(_check_target),
    WithJsonSchema(
        {"type": "string", "pattern": _TARGET.pattern, "examples": ["train:train"]},
    ),
]

# -- durations

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(?:\d+\s*[smhdw]\s*)+$")
_PART = re.compile(r"(\d+)\s*([smhdw])")


def parse_duration(value: Any) -> int:
    """Seconds in a duration: ``30s``, ``15m``, ``12h``, ``7d``, ``2w``, ``1h30m`` or an integer.

    >>> parse_duration("1h30m"), parse_duration("7d"), parse_duration(45)
    (5400, 604800, 45)
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid("duration", f"expected a duration such as 30s, 15m, 12h or 7d, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise invalid("duration", f"a duration cannot be negative, got {value}")
        return value
    text = value.strip().lower()
    if not _DURATION.match(text):
        raise invalid(
            "duration",
            "expected a duration such as 30s, 15m, 12h, 7d, 2w or 1h30m "
            f"(a number and a unit s/m/h/d/w), got {value!r}",
        )
    return sum(int(number) * _UNITS[unit] for number, unit in _PART.findall(text))


_DURATION_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "pattern": r"^\s*(\d+\s*[smhdwSMHDW]\s*)+$"},
        {"type": "integer", "minimum": 0},
    ],
    "examples": ["30s", "15m", "12h", "7d"],
}

#: Seconds, written as ``30s``, ``15m``, ``12h``, ``7d``, ``2w``, ``1h30m`` or an integer.
Duration = Annotated[int, BeforeValidator(parse_duration), WithJsonSchema(_DURATION_SCHEMA)]

# -- cron

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day-of-month", 1, 31, ()),
    (
        "month",
        1,
        12,
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    ),
    ("day-of-week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)


def _cron_error(message: str, expression: str) -> PydanticCustomError:
    return invalid("cron", f"{expression!r} is not a cron expression: {message}")


def _cron_value(text: str, field: str, low: int, high: int, names: tuple[str, ...]) -> int:
    lowered = text.lower()
    if names and lowered in names:
        return names.index(lowered) + (1 if field == "month" else 0)
    if not text.isdigit():
        raise ValueError(f"the {field} field has {text!r}, which is not a number")
    number = int(text)
    if not low <= number <= high:
        raise ValueError(f"the {field} field has {number}, outside {low}-{high}")
    return number


def _cron_field(text: str, field: str, low: int, high: int, names: tuple[str, ...]) -> set[int]:
    """The values a cron field matches (ValueError naming the problem)."""
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step = part.partition("/")
        if slash and (not step.isdigit() or int(step) == 0):
            raise ValueError(f"the {field} field has the step {step!r}; use a positive number")
        stride = int(step) if slash else 1
        if base == "*":
            values.update(range(low, high + 1, stride))
            continue
        start, dash, end = base.partition("-")
        if not start:
            raise ValueError(f"the {field} field has an empty value in {text!r}")
        first = _cron_value(start, field, low, high, names)
        last = first if not dash and not slash else high
        if dash:
            last = _cron_value(end, field, low, high, names)
            if last < first:
                raise ValueError(f"the {field} range {base!r} runs backwards")
        values.update(range(first, last + 1, stride))
    return values


def cron_fields(expression: str) -> tuple[frozenset[int], ...]:
    """The minutes, hours, days of month, months and days of week (0 = Sunday) a cron
    expression matches, plus whether day-of-month and day-of-week were both restricted
    (then a day matches either, as in Vixie cron): ``(*fields, restricted)``.

    >>> minute, hour, *_ = cron_fields("*/20 3 * * *")
    >>> sorted(minute), sorted(hour)
    ([0, 20, 40], [3])
    """
    text = parse_cron(expression)
    text = _MACROS.get(text, text)
    parts = text.split(" ")
    sets = [
        frozenset(_cron_field(value, field, low, high, names))
        for value, (field, low, high, names) in zip(parts, _FIELDS, strict=True)
    ]
    sets[4] = frozenset(d % 7 for d in sets[4])  # 7 is Sunday too
    both = parts[2] != "*" and parts[4] != "*"
    return (*sets, frozenset({1}) if both else frozenset())


def parse_cron(expression: str) -> str:
    """Check a cron expression (5 fields, or a macro like ``@daily``); return it normalized.

    >>> parse_cron("0  3 * * mon-fri")
    '0 3 * * mon-fri'
    """
    text = " ".join(expression.split())
    if text.lower() in _MACROS:
        return text.lower()
    fields = text.split(" ") if text else []
    if len(fields) != len(_FIELDS):
        raise _cron_error(
            f"it has {len(fields)} field{'s' if len(fields) != 1 else ''}; a cron expression "
            "has 5: minute hour day-of-month month day-of-week (e.g. '0 3 * * *' = 03:00 daily)",
            expression,
        )
    for value, (field, low, high, names) in zip(fields, _FIELDS, strict=True):
        try:
            _cron_field(value, field, low, high, names)
        except ValueError as exc:
            raise _cron_error(str(exc), expression) from None
    return text


Cron = Annotated[
    str,
    Strict(),
    AfterValidator(parse_cron),
    WithJsonSchema(
        {
            "type": "string",
            "description": "Cron expression: minute hour day-of-month month day-of-week, "
            "or @hourly, @daily, @weekly, @monthly, @yearly.",
            "examples": ["0 3 * * *", "@daily"],
        }
    ),
]
