"""GraphQL types of the population_health domain, mirrored from `models/population_health.py`.

Computed fields return `CalculationResult` from `graph/population_health/equations.py`; the
indicator a measurement is compared with comes through the request's `QualityIndicatorByIdLoader`.
"""

from __future__ import annotations

from typing import Any

import strawberry

from graph.core.calculations import CalculationResult, result
from graph.mirror import mirrored
from graph.ordering import desc
from graph.population_health import equations
from models import population_health


@mirrored(population_health.Cohort, order=[desc("created_at")])
class Cohort:
    """A row of `population_cohorts`."""


@mirrored(population_health.CohortMember, order=[desc("created_at")])
class CohortMember:
    """A row of `population_cohort_members`."""


@mirrored(population_health.QualityIndicator, order=[desc("created_at")])
class QualityIndicator:
    """A row of `quality_indicators`."""


@mirrored(population_health.QualityMeasurement, order=[desc("created_at")])
class QualityMeasurement:
    """A row of `quality_measurements`."""

    @strawberry.field(
        description="numerator / denominator of this measurement as a fraction (0.85 = 85 %), "
        "whatever the indicator's display format; the denominator is net of exclusions. "
        "Unit: proportion."
    )
    def rate(self) -> CalculationResult:
        row: Any = self
        return result(equations.measurement_rate(row.numerator, row.denominator))

    @strawberry.field(
        description="Whether `value` meets the target in force for the period (`targetValue`, "
        "else the indicator's `target`) by the indicator's `targetOperator` (`BETWEEN`: up to "
        "its `targetValueSecondary`). Unit: 1 = met, 0 = not met."
    )
    async def meets_target(self, info: strawberry.Info) -> CalculationResult:
        row: Any = self
        loader = info.context.loaders.by_id(population_health.QualityIndicator)
        indicator = await loader.load(row.indicator_id)
        operator = target = upper = None
        if indicator is not None:
            if indicator.target_operator is not None:
                operator = equations.TargetOperator(indicator.target_operator)
            target = indicator.target
            upper = indicator.target_value_secondary
        if row.target_value is not None:
            target = row.target_value
        return result(equations.meets_target(row.value, operator, target, upper))
