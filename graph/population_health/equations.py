"""Quality measurement arithmetic: the rate of a measurement and whether a value meets its
target. Pure functions; see `graph/calculation.py` for refusals."""

from __future__ import annotations

import enum
import math

from graph.calculation import Refused, equation, need

RATE_METHOD = "Rate: numerator / denominator (the denominator net of exclusions)"
TARGET_METHOD = "The measured value compared with the target in force by the indicator's operator"
MET = "1 = met, 0 = not met"


class TargetOperator(enum.Enum):
    """How a value is compared with its target (quality_indicators.target_operator)."""

    GTE = "gte"
    LTE = "lte"
    EQ = "eq"
    GT = "gt"
    LT = "lt"
    BETWEEN = "between"


@equation("proportion", RATE_METHOD)
def measurement_rate(numerator: float | None, denominator: float | None) -> float:
    """Proportion of the denominator (patients or events eligible, exclusions already
    removed) counted in the numerator, as a fraction (0.85 = 85 %), whatever the indicator's
    display format (percent, per 1,000...)."""
    top = need("numerator", numerator, at_least=0)
    bottom = need("denominator", denominator, above=0)
    return top / bottom


@equation(MET, TARGET_METHOD)
def meets_target(
    value: float | None,
    operator: TargetOperator | None,
    target: float | None,
    upper: float | None = None,
) -> float:
    """1 when `value` meets `target` by `operator` (`between`: target <= value <= upper),
    else 0; value and targets in the indicator's own scale. Equality allows for floating
    point (relative 1e-9)."""
    measured = need("value", value)
    if operator is None:
        raise Refused("the indicator has no target operator")
    goal = need("target", target)
    if operator is TargetOperator.BETWEEN:
        high = need("upper target", upper)
        return float(goal <= measured <= high)
    checks = {
        TargetOperator.GTE: measured >= goal,
        TargetOperator.LTE: measured <= goal,
        TargetOperator.GT: measured > goal,
        TargetOperator.LT: measured < goal,
        TargetOperator.EQ: math.isclose(measured, goal, rel_tol=1e-9, abs_tol=1e-12),
    }
    return float(checks[operator])
