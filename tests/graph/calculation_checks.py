"""What the tests of computed clinical values share: the selection of a `CalculationResult`,
its reading back as a `Calculation` (tests/graph/<domain>/ and
tests/graph/core/test_calculate.py)."""

from __future__ import annotations

from typing import Any

from graph.calculation import Calculation

RESULT = "{ value unit method reason factors }"


def as_calculation(got: dict[str, Any]) -> Calculation:
    """A `CalculationResult` of the API as the `Calculation` the equation returns."""
    return Calculation(
        got["value"], got["unit"], got["method"], got["reason"], tuple(got["factors"])
    )
