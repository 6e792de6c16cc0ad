"""Schema contracts: inferred, written as YAML, read back, and checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlgate.data import Contract, check_contract, infer_contract, load_contract
from mlgate.errors import ConfigError, NotFoundError


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "age": [20, 35, 50, 64],
            "income": [1.5, np.nan, 3.0, 4.0],
            "city": ["Lyon", "Paris", "Lyon", "Nice"],
            "label": [0, 1, 0, 1],
        }
    )


def test_inferred_contract_round_trips_through_yaml(frame: pd.DataFrame, tmp_path: Path) -> None:
    contract = infer_contract(frame)
    rules = {r.name: r for r in contract.columns}
    assert rules["id"].unique
    assert rules["id"].type == "integer"
    assert (rules["age"].min, rules["age"].max, rules["age"].nullable) == (20, 64, False)
    assert (rules["income"].min, rules["income"].max) == (1.25, 4.25)  # widened by 10 %
    assert rules["income"].type == "float"
    assert rules["income"].nullable
    assert rules["city"].categories == ("Lyon", "Nice", "Paris")
    file = tmp_path / "schema.yaml"
    file.write_text(contract.to_yaml())
    text = file.read_text()
    assert text.startswith("# mlgate schema contract")
    assert load_contract(file) == contract
    assert check_contract(frame, contract) == []


def test_high_cardinality_text_gets_no_category_set(frame: pd.DataFrame) -> None:
    rules = {r.name: r for r in infer_contract(frame, max_categories=2).columns}
    assert rules["city"].categories is None


def test_every_violation_names_the_column_the_rule_and_what_arrived(frame: pd.DataFrame) -> None:
    contract = infer_contract(frame)
    new = pd.DataFrame(
        {
            "id": [1, 1, 3, 4],  # not unique
            "age_years": [20, 35, 50, 64],  # age renamed
            "income": ["a", "b", "c", "d"],  # retyped
            "city": ["Lyon", "Rome", None, "Nice"],  # a new category
            "label": [0, 1, 0, 1],
            "extra": [1, 2, 3, 4],
        }
    )
    found = {(f.column, f.rule): f for f in check_contract(new, contract)}
    assert set(found) == {
        ("id", "unique"),
        ("age", "missing"),
        ("income", "retyped"),
        ("city", "nulls"),
        ("city", "categories"),
        ("age_years", "extra"),
        ("extra", "extra"),
    }
    assert "was it renamed to 'age_years'?" in found["age", "missing"].message
    retyped = found["income", "retyped"]
    assert (retyped.expected, retyped.found) == ("float", "string")
    assert found["city", "categories"].examples == ("Rome",)
    assert found["extra", "extra"].severity == "warn"


def test_out_of_range_values_are_counted_with_examples(frame: pd.DataFrame) -> None:
    contract = infer_contract(frame)
    new = frame.assign(age=[10, 35, 99, 64])
    (finding,) = check_contract(new, contract)
    assert (finding.rule, finding.count, finding.examples) == ("range", 2, (10, 99))
    assert "outside [20, 64]" in finding.message


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        ("columns:\n  age: {type: integer, maximum: 3}\n", "unknown rule 'maximum'", ":2:"),
        ("columns:\n  age: {type: integr}\n", "did you mean 'integer'", ":2:"),
        ("version: 1\ncolumn:\n  age: {type: integer}\n", "needs a 'columns' mapping", ""),
        ("columns:\n  age: {type: integer}\nextras: warn\n", "unknown key 'extras'", ":3:1"),
        ("columns:\n  age: {type: integer, severity: fatal}\n", "severity 'fatal'", ":2:"),
        ("columns:\n  age: {type: integer, min: low}\n", "'min' of the column 'age'", ":2:"),
        ("columns: [\n", "not valid YAML", ""),
    ],
)
def test_a_bad_contract_file_is_refused_with_its_place(
    tmp_path: Path, text: str, message: str, where: str
) -> None:
    file = tmp_path / "schema.yaml"
    file.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_contract(file)
    assert str(file) + where in str(info.value)
    assert file.read_text() == text  # nothing changed


def test_a_missing_contract_file_says_how_to_write_one(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="mlgate data schema"):
        load_contract(tmp_path / "nope.yaml")
    assert not (tmp_path / "nope.yaml").exists()


def test_severity_warn_and_extra_columns_error(frame: pd.DataFrame, tmp_path: Path) -> None:
    file = tmp_path / "schema.yaml"
    file.write_text(
        "version: 1\nextra_columns: error\ncolumns:\n"
        "  age: {type: integer, min: 0, max: 30, severity: warn}\n"
    )
    contract = load_contract(file)
    assert isinstance(contract, Contract)
    found = {(f.column, f.rule): f.severity for f in check_contract(frame, contract)}
    assert found[("age", "range")] == "warn"
    assert found[("city", "extra")] == "error"


def test_severity_per_rule(frame: pd.DataFrame, tmp_path: Path) -> None:
    file = tmp_path / "schema.yaml"
    file.write_text(
        "columns:\n"
        "  age: {type: integer, max: 30, severity: {range: warn}}\n"
        "  city: {type: string, categories: [Lyon], severity: {default: warn}}\n"
        "  gone: {type: float, severity: {categories: warn}}\n"
    )
    contract = load_contract(file)
    assert load_contract(file) == contract
    found = {(f.column, f.rule): f.severity for f in check_contract(frame, contract)}
    assert found[("age", "range")] == "warn"
    assert found[("city", "categories")] == "warn"
    assert found[("gone", "missing")] == "error"
    again = tmp_path / "again.yaml"
    again.write_text(contract.to_yaml())
    assert load_contract(again) == contract


def test_an_unknown_rule_in_a_severity_mapping_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "schema.yaml"
    text = "columns:\n  age: {type: integer, severity: {ranges: warn}}\n"
    file.write_text(text)
    with pytest.raises(ConfigError, match=r"unknown rule 'ranges'.*did you mean 'range'"):
        load_contract(file)
    assert file.read_text() == text
