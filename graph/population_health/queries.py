"""Root fields of the population_health domain."""

from __future__ import annotations

import strawberry

from graph.population_health.types import Cohort, CohortMember, QualityIndicator, QualityMeasurement
from graph.roots import aggregate, by_id, listing


@strawberry.type
class PopulationHealthQuery:
    cohort = by_id(Cohort)
    cohorts = listing(Cohort)
    cohorts_aggregate = aggregate(Cohort)
    cohort_member = by_id(CohortMember)
    cohort_members = listing(CohortMember)
    cohort_members_aggregate = aggregate(CohortMember)
    quality_indicator = by_id(QualityIndicator)
    quality_indicators = listing(QualityIndicator)
    quality_indicators_aggregate = aggregate(QualityIndicator)
    quality_measurement = by_id(QualityMeasurement)
    quality_measurements = listing(QualityMeasurement)
    quality_measurements_aggregate = aggregate(QualityMeasurement)
