"""Quality measurement arithmetic (graph/population_health/equations.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.calculation import Calculation
from graph.population_health.equations import TargetOperator, measurement_rate, meets_target

PROPERTY = settings(database=None, deadline=None, max_examples=300)


def refused(calculation: Calculation, *words: str) -> None:
    assert calculation.value is None and calculation.reason, calculation
    for word in words:
        assert word in calculation.reason, calculation.reason


def test_rate() -> None:
    assert measurement_rate(17, 20).value == pytest.approx(0.85)
    assert measurement_rate(0, 20).value == 0.0
    assert measurement_rate(17, 20).unit == "proportion"
    refused(measurement_rate(17, 0), "denominator", "greater than 0")
    refused(measurement_rate(-1, 20), "numerator")
    refused(measurement_rate(None, 20), "numerator is missing")


@pytest.mark.parametrize(
    ("value", "operator", "target", "upper", "met"),
    [
        (0.85, TargetOperator.GTE, 0.85, None, 1.0),
        (0.84, TargetOperator.GTE, 0.85, None, 0.0),
        (0.85, TargetOperator.GT, 0.85, None, 0.0),
        (0.10, TargetOperator.LTE, 0.15, None, 1.0),
        (0.15, TargetOperator.LT, 0.15, None, 0.0),
        (0.1 + 0.2, TargetOperator.EQ, 0.3, None, 1.0),
        (11.0, TargetOperator.BETWEEN, 10.0, 12.0, 1.0),
        (12.5, TargetOperator.BETWEEN, 10.0, 12.0, 0.0),
    ],
)
def test_meets_target(
    value: float, operator: TargetOperator, target: float, upper: float | None, met: float
) -> None:
    assert meets_target(value, operator, target, upper).value == met


def test_meets_target_refusals() -> None:
    refused(meets_target(0.8, None, 0.85), "no target operator")
    refused(meets_target(0.8, TargetOperator.GTE, None), "target is missing")
    refused(meets_target(11.0, TargetOperator.BETWEEN, 10.0, None), "upper target")


@PROPERTY
@given(
    numerator=st.integers(min_value=0, max_value=10**6),
    extra=st.integers(min_value=0, max_value=10**6),
)
def test_a_proportion_is_between_0_and_1(numerator: int, extra: int) -> None:
    value = measurement_rate(numerator, numerator + extra + 1).value
    assert value is not None and 0 <= value < 1
