"""Schema contracts: what each column must look like, inferred once, edited by hand.

``infer_contract(frame)`` reads (with pyarrow) each column's kind, nullability,
numeric range (integers exactly; floats widened by 10 % of the observed span on
each side, so the next sample fits), category set (up to a cardinality limit) and
uniqueness; the contract
is written as a YAML file the user edits and commits (``data.schema: schema.yaml``)::

    version: 1
    extra_columns: warn          # columns not in the contract: error | warn | off
    columns:
      age: {type: integer, nullable: false, min: 0, max: 99, severity: error}
      city: {type: string, categories: [Lyon, Paris], severity: warn}
      income: {type: float, min: 0, severity: {range: warn}}   # per rule: the rest error

``check_contract(frame, contract)`` lists every violation as a :class:`Finding`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.data._findings import Finding, Severity
from mlgate.errors import ConfigError, NotFoundError
from mlgate.train._names import did_you_mean
from mlgate.train.signature import dtype_kind

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ColumnRule", "Contract", "check_contract", "infer_contract", "load_contract"]

_FORMAT = 1
KINDS = ("integer", "float", "boolean", "string", "datetime", "category", "other")
RULES = ("type", "nullable", "min", "max", "categories", "unique", "severity")
_TOP = ("version", "extra_columns", "columns")
#: The kinds of violation, each of which may get its own severity.
CHECKS = ("missing", "retyped", "nulls", "range", "categories", "unique")
_SAME = {"integer": "number", "float": "number", "category": "string"}
#: Most distinct values a column may have for its set to be written in the contract.
MAX_CATEGORIES = 50
_EXAMPLES = 5
#: Inferred float ranges are widened by this share of the observed span on each side.
RANGE_MARGIN = 0.1


def _round(value: float) -> float:
    return float(f"{value:.6g}")


@dataclass(frozen=True)
class ColumnRule:
    """What one column must be. ``None`` means "not checked"."""

    name: str
    type: str
    nullable: bool = True
    min: float | None = None
    max: float | None = None
    categories: tuple[str, ...] | None = None
    unique: bool = False
    severity: Severity = "error"
    overrides: Mapping[str, Severity] = field(default_factory=dict)

    def level(self, check: str) -> Severity:
        """The severity of one kind of violation (``range``, ``categories``, …)."""
        return self.overrides.get(check, self.severity)

    def to_dict(self) -> dict[str, Any]:
        """The YAML mapping of this rule (only what is checked)."""
        out: dict[str, Any] = {"type": self.type, "nullable": self.nullable}
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        if self.categories is not None:
            out["categories"] = list(self.categories)
        if self.unique:
            out["unique"] = True
        out["severity"] = (
            {"default": self.severity, **self.overrides} if self.overrides else self.severity
        )
        return out


@dataclass(frozen=True)
class Contract:
    """The columns a data set must have, and what to do with columns it should not."""

    columns: tuple[ColumnRule, ...]
    extra_columns: str = "warn"
    source: str = field(default="", compare=False)

    def to_yaml(self) -> str:
        """A readable YAML document (:func:`load_contract` reads it back)."""
        from ruamel.yaml import YAML

        yaml = YAML()
        yaml.default_flow_style = None
        yaml.width = 100
        doc = {
            "version": _FORMAT,
            "extra_columns": self.extra_columns,
            "columns": {c.name: c.to_dict() for c in self.columns},
        }
        buffer = io.StringIO()
        buffer.write(
            "# mlgate schema contract: edit and commit it, then set `data.schema` in mlgate.yaml.\n"
            f"# Rules per column: {', '.join(RULES)} (error | warn).\n"
        )
        yaml.dump(doc, buffer)
        return buffer.getvalue()


def _py(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def infer_contract(
    frame: pd.DataFrame, *, max_categories: int = MAX_CATEGORIES, source: str = ""
) -> Contract:
    """The contract ``frame`` satisfies: kinds, nullability, ranges, category sets."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.Table.from_pandas(frame, preserve_index=False)
    rules = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = dtype_kind(column.type)
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        n = len(column)
        nulls = column.null_count
        lo = hi = None
        categories = None
        unique = False
        if kind in {"integer", "float"} and n > nulls:
            bounds = pc.min_max(column)
            lo, hi = _py(bounds["min"].as_py()), _py(bounds["max"].as_py())
            if kind == "float":  # measured values: leave room for the next sample
                margin = RANGE_MARGIN * (hi - lo)
                lo, hi = _round(lo - margin), _round(hi + margin)
        if kind in {"string", "category", "boolean", "integer"} and n > nulls:
            distinct = pc.count_distinct(column).as_py()
            if kind in {"string", "category", "boolean"} and distinct <= max_categories:
                categories = tuple(
                    sorted(str(v) for v in pc.unique(column.drop_null()).to_pylist())
                )
            unique = kind in {"string", "integer"} and distinct == n - nulls and n - nulls > 1
            if unique:
                categories = None
        rules.append(
            ColumnRule(
                name=name,
                type=kind,
                nullable=nulls > 0,
                min=lo,
                max=hi,
                categories=categories,
                unique=unique,
            )
        )
    return Contract(columns=tuple(rules), source=source)


def _at(node: Any, key: Any, path: str) -> str:
    try:
        line, col = node.lc.key(key)
        return f"{path}:{line + 1}:{col + 1}"
    except (AttributeError, KeyError, TypeError):
        return path


def _bad(message: str, where: str, hint: str | None = None) -> ConfigError:
    return ConfigError(message, where=where, hint=hint or "Fix the contract file.")


def _severity(name: str, node: Any, path: str) -> tuple[Severity, dict[str, Severity]]:
    """``severity: warn`` for every rule of the column, or ``{range: warn, …}`` per rule
    (``default`` for the others, else error)."""
    value = node.get("severity", "error")
    levels = dict(value) if isinstance(value, Mapping) else {"default": value}
    for key, level in levels.items():
        if key not in ("default", *CHECKS):
            raise _bad(
                f"unknown rule '{key}' in the severity of the column '{name}'"
                f"{did_you_mean(str(key), CHECKS)}",
                _at(value, key, path),
                f"Severities are set for: default, {', '.join(CHECKS)}.",
            )
        if level not in ("error", "warn"):
            raise _bad(
                f"the column '{name}' has severity {level!r}",
                _at(node, "severity", path),
                "Use error or warn.",
            )
    default = levels.pop("default", "error")
    return default, levels


def _rule(name: str, node: Any, path: str) -> ColumnRule:
    if not isinstance(node, Mapping):
        raise _bad(f"the column '{name}' must be a mapping of rules", path)
    for key in node:
        if key not in RULES:
            raise _bad(
                f"unknown rule '{key}' for the column '{name}'{did_you_mean(str(key), RULES)}",
                _at(node, key, path),
                f"Rules are: {', '.join(RULES)}.",
            )
    kind = node.get("type")
    if kind not in KINDS:
        raise _bad(
            f"the column '{name}' has type {kind!r}{did_you_mean(str(kind), KINDS)}",
            _at(node, "type", path),
            f"Types are: {', '.join(KINDS)}.",
        )
    severity, overrides = _severity(name, node, path)
    for key in ("min", "max"):
        if node.get(key) is not None and not isinstance(node[key], int | float):
            raise _bad(f"'{key}' of the column '{name}' must be a number", _at(node, key, path))
    categories = node.get("categories")
    if categories is not None and not isinstance(categories, list):
        raise _bad(f"'categories' of '{name}' must be a list", _at(node, "categories", path))
    return ColumnRule(
        name=str(name),
        type=kind,
        nullable=bool(node.get("nullable", True)),
        min=node.get("min"),
        max=node.get("max"),
        categories=None if categories is None else tuple(str(c) for c in categories),
        unique=bool(node.get("unique", False)),
        severity=severity,
        overrides=overrides,
    )


def load_contract(path: Path | str) -> Contract:
    """Read a contract file; ConfigError with file:line:column for anything unknown."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(
            f"the schema contract {file} does not exist",
            hint="Write one with `mlgate data schema SNAPSHOT --output schema.yaml`.",
        ) from None
    try:
        doc = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise _bad(f"the contract is not valid YAML: {exc}".splitlines()[0], str(file)) from None
    where = str(file)
    if not isinstance(doc, Mapping) or not isinstance(doc.get("columns"), Mapping):
        raise _bad("a contract needs a 'columns' mapping (column → rules)", where)
    for key in doc:
        if key not in _TOP:
            raise _bad(
                f"unknown key '{key}'{did_you_mean(str(key), _TOP)}",
                _at(doc, key, where),
                f"Top-level keys are: {', '.join(_TOP)}.",
            )
    if doc.get("version", _FORMAT) != _FORMAT:
        raise _bad(f"unknown contract version {doc.get('version')!r}", _at(doc, "version", where))
    extra = doc.get("extra_columns", "warn")
    if extra not in ("error", "warn", "off"):
        raise _bad(
            f"extra_columns is {extra!r}",
            _at(doc, "extra_columns", where),
            "Use error, warn or off.",
        )
    columns = doc["columns"]
    rules = tuple(_rule(str(name), columns[name], where) for name in columns)
    return Contract(columns=rules, extra_columns=extra, source=where)


def _same(a: str, b: str) -> bool:
    return _SAME.get(a, a) == _SAME.get(b, b)


def _examples(values: Any) -> tuple[Any, ...]:
    return tuple(_py(v) for v in list(values)[:_EXAMPLES])


def check_contract(frame: pd.DataFrame, contract: Contract) -> list[Finding]:
    """Every way ``frame`` breaks ``contract``, one finding per column and rule."""
    from mlgate.data._compat import frame_kind, renamed_to

    found: list[Finding] = []
    present = {str(c): c for c in frame.columns}
    expected = {rule.name for rule in contract.columns}
    extra = [name for name in present if name not in expected]
    for rule in contract.columns:

        def add(kind: str, message: str, *, rule: ColumnRule = rule, **more: Any) -> None:
            found.append(
                Finding("schema", kind, rule.level(kind), message, column=rule.name, **more)
            )

        if rule.name not in present:
            same = [n for n in extra if _same(frame_kind(frame[present[n]]), rule.type)]
            guess = renamed_to(rule.name, same)
            hint = f"; was it renamed to '{guess}'?" if guess else ""
            add(
                "missing",
                f"the column '{rule.name}' ({rule.type}) is missing{hint}",
                expected=rule.type,
            )
            continue
        series = frame[present[rule.name]]
        kind = frame_kind(series)
        if _SAME.get(kind, kind) != _SAME.get(rule.type, rule.type):
            add(
                "retyped",
                f"the column '{rule.name}' should be {rule.type} but is {kind}",
                expected=rule.type,
                found=kind,
            )
            continue
        nulls = int(series.isna().sum())
        if not rule.nullable and nulls:
            add(
                "nulls",
                f"the column '{rule.name}' has {nulls:,} empty values, the contract "
                "says it has none",
                expected="no empty value",
                found=f"{nulls}",
                count=nulls,
            )
        if rule.min is not None or rule.max is not None:
            values = series.dropna()
            low = values < rule.min if rule.min is not None else values != values
            high = values > rule.max if rule.max is not None else values != values
            bad = values[low | high]
            if len(bad):
                add(
                    "range",
                    f"the column '{rule.name}' has {len(bad):,} value(s) outside "
                    f"[{rule.min}, {rule.max}], e.g. {list(_examples(bad))}",
                    expected=f"[{rule.min}, {rule.max}]",
                    found=f"[{values.min()}, {values.max()}]",
                    count=len(bad),
                    examples=_examples(bad),
                )
        if rule.categories is not None:
            values = series.dropna().astype(str)
            new = values[~values.isin(rule.categories)]
            if len(new):
                kinds = new.unique()
                add(
                    "categories",
                    f"the column '{rule.name}' has {len(kinds)} value(s) not in "
                    f"the contract ({len(new):,} rows), e.g. {list(_examples(kinds))}",
                    expected=f"{len(rule.categories)} categories",
                    found=f"{len(kinds)} new",
                    count=len(new),
                    examples=_examples(kinds),
                )
        if rule.unique:
            dupes = series.dropna()
            dupes = dupes[dupes.duplicated()]
            if len(dupes):
                add(
                    "unique",
                    f"the column '{rule.name}' should be unique but has {len(dupes):,} "
                    f"repeated value(s), e.g. {list(_examples(dupes.unique()))}",
                    count=len(dupes),
                    examples=_examples(dupes.unique()),
                )
    if contract.extra_columns != "off":
        for name in extra:
            found.append(
                Finding(
                    "schema",
                    "extra",
                    "error" if contract.extra_columns == "error" else "warn",
                    f"the column '{name}' is not in the contract",
                    column=name,
                    found=frame_kind(frame[present[name]]),
                )
            )
    return found
