"""Inputs and payloads of the population-health mutations
(graph/population_health/mutations.py): the record's fields, with what the mutations check
stated in their descriptions."""

from __future__ import annotations

import strawberry

from graph.mutation_inputs import column_input
from graph.mutations import MutationError, Range
from graph.population_health.types import CohortMember, QualityMeasurement
from models import population_health

COUNT = Range(0, 10_000_000)
MEASUREMENT_RANGES = {
    "numerator": COUNT,
    "denominator": Range(1, 10_000_000),
    "excluded_count": COUNT,
    "data_quality_score": Range(0, 100),
}

CohortMemberAddInput = column_input(
    "CohortMemberAddInput",
    population_health.CohortMember,
    ("cohort_id", "patient_id", "notes"),
    required=("cohort_id", "patient_id"),
    notes={"patient_id": "Not already an active member of the cohort (DUPLICATE otherwise)."},
    description="A patient added to a cohort by hand.",
)
CohortMemberRemoveInput = column_input(
    "CohortMemberRemoveInput",
    population_health.CohortMember,
    ("removal_reason",),
    required=("removal_reason",),
    notes={"removal_reason": "Not blank (REQUIRED)."},
    lead={"id": (strawberry.ID, "Global ID of the cohort membership.")},
    description="A patient who leaves a cohort, and why (the membership is kept, inactive).",
)
QualityMeasurementRecordInput = column_input(
    "QualityMeasurementRecordInput",
    population_health.QualityMeasurement,
    (
        "indicator_id",
        "measurement_period",
        "period_start",
        "period_end",
        "numerator",
        "denominator",
        "excluded_count",
        "data_quality_score",
        "calculation_method",
        "status",
        "notes",
    ),
    required=(
        "indicator_id",
        "measurement_period",
        "period_start",
        "period_end",
        "numerator",
        "denominator",
    ),
    ranges=MEASUREMENT_RANGES,
    notes={
        "numerator": "At most the denominator.",
        "period_end": "After periodStart; not in the future.",
        "measurement_period": "One measurement per indicator and period (DUPLICATE otherwise).",
    },
    description="A quality measurement of an indicator for a period; the value "
    "(numerator / denominator, a fraction) and whether it meets the indicator's target are "
    "computed.",
)


@strawberry.type(description="The result of a cohort membership mutation.")
class CohortMemberPayload:
    cohort_member: CohortMember | None
    errors: list[MutationError]


@strawberry.type(description="The result of `cohortMemberAdd`.")
class CohortMemberAddPayload(CohortMemberPayload):
    pass


@strawberry.type(description="The result of `cohortMemberRemove`.")
class CohortMemberRemovePayload(CohortMemberPayload):
    pass


@strawberry.type(description="The result of `qualityMeasurementRecord`.")
class QualityMeasurementRecordPayload:
    quality_measurement: QualityMeasurement | None
    errors: list[MutationError]
