"""GraphQL types of the population_health domain, mirrored from `models/population_health.py`."""

from __future__ import annotations

from graph.mirror import mirrored
from graph.ordering import desc
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
