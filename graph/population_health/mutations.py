"""Mutations of population health: cohort membership (add, remove) and quality measurements.

A membership is never deleted: removing it sets `isActive: false`, the instant and the reason,
so a cohort's history stays; adding a patient who is already an active member is DUPLICATE,
removing an inactive membership CONFLICT. The cohort's `patientCount` follows. A measurement's
value is numerator / denominator (graph/population_health/equations.py), compared with the
indicator's target in force.
"""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import false, select

from graph.mutation_inputs import resolve_references, values_of
from graph.mutations import (
    Checks,
    MutationErrorCode,
    Write,
    reference,
    refuse,
    run_mutation,
    snapshot_of,
)
from graph.permissions import write_rule
from graph.population_health.equations import TargetOperator, measurement_rate, meets_target
from graph.population_health.inputs import (
    MEASUREMENT_RANGES,
    CohortMemberAddInput,
    CohortMemberAddPayload,
    CohortMemberRemoveInput,
    CohortMemberRemovePayload,
    QualityMeasurementRecordInput,
    QualityMeasurementRecordPayload,
)
from models.population_health import Cohort, CohortMember, QualityIndicator, QualityMeasurement
from models.types import utcnow

_MEMBER_RULE = write_rule(CohortMember).describe()
_MEASUREMENT_RULE = write_rule(QualityMeasurement).describe()


async def _cohort_count(write: Write, cohort_id: str, change: int) -> None:
    """Move the cohort's patient count by `change` (the cohort's row locked, audited)."""
    cohort = await write.get(Cohort, cohort_id, "cohortId", lock=True)
    before = snapshot_of(cohort)
    cohort.patient_count = max(0, (cohort.patient_count or 0) + change)
    cohort.last_patient_count_update = utcnow()
    await write.audit(cohort, before)


@strawberry.type
class PopulationHealthMutation:
    @strawberry.mutation(description=f"Add a patient to a cohort. {_MEMBER_RULE}")
    async def cohort_member_add(
        self,
        info: strawberry.Info,
        input: CohortMemberAddInput,  # type: ignore[valid-type]
    ) -> CohortMemberAddPayload:
        async def work(write: Write) -> CohortMember:
            values = values_of(input, CohortMember, Checks())
            await resolve_references(write, CohortMember, values)
            await write.get(Cohort, values["cohort_id"], "cohortId", lock=True)
            active = await write.db.rows(
                select(CohortMember.id).where(
                    CohortMember.cohort_id == values["cohort_id"],
                    CohortMember.patient_id == values["patient_id"],
                    CohortMember.is_active.is_not(false()),
                )
            )
            if active:
                raise refuse(
                    MutationErrorCode.DUPLICATE, "patientId", "The patient is already a member."
                )
            row = CohortMember(
                **values,
                added_at=utcnow(),
                added_by="manual",
                added_by_user_id=write.user_id,
                is_active=True,
            )
            write.add(row)
            await write.audit(row, None)
            await _cohort_count(write, values["cohort_id"], +1)
            return row

        row, errors = await run_mutation(info, CohortMember, "create", work)
        return CohortMemberAddPayload(cohort_member=row, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description=f"Remove a patient from a cohort. {_MEMBER_RULE}")
    async def cohort_member_remove(
        self,
        info: strawberry.Info,
        input: CohortMemberRemoveInput,  # type: ignore[valid-type]
    ) -> CohortMemberRemovePayload:
        async def work(write: Write) -> CohortMember:
            checks = Checks()
            values = values_of(input, CohortMember, checks)
            checks.required("removalReason", values.get("removal_reason"))
            checks.done()
            data: Any = input
            member_id = reference("id", data.id, "CohortMember")
            row = await write.get(CohortMember, member_id, "id", lock=True)
            if row.is_active is False:
                raise refuse(MutationErrorCode.CONFLICT, "id", "The patient has already left.")
            before = snapshot_of(row)
            row.is_active, row.removed_at = False, utcnow()
            row.removal_reason = values["removal_reason"]
            await write.audit(row, before)
            await _cohort_count(write, row.cohort_id, -1)
            return row

        row, errors = await run_mutation(info, CohortMember, "update", work)
        return CohortMemberRemovePayload(cohort_member=row, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(
        description=f"Record a quality measurement of an indicator. {_MEASUREMENT_RULE}"
    )
    async def quality_measurement_record(
        self,
        info: strawberry.Info,
        input: QualityMeasurementRecordInput,  # type: ignore[valid-type]
    ) -> QualityMeasurementRecordPayload:
        async def work(write: Write) -> QualityMeasurement:
            checks = Checks()
            values = values_of(input, QualityMeasurement, checks)
            checks.required("measurementPeriod", values.get("measurement_period"))
            checks.ranges(values, MEASUREMENT_RANGES)
            _measurement_checks(checks, values)
            checks.done()
            found = await resolve_references(write, QualityMeasurement, values)
            await _one_per_period(write, values)
            row = QualityMeasurement(**values, calculated_at=utcnow())
            _computed(row, found["indicator_id"])
            write.add(row)
            await write.audit(row, None)
            return row

        row, errors = await run_mutation(info, QualityMeasurement, "create", work)
        return QualityMeasurementRecordPayload(quality_measurement=row, errors=errors)  # type: ignore[arg-type]


def _measurement_checks(checks: Checks, values: dict[str, Any]) -> None:
    numerator, denominator = values.get("numerator"), values.get("denominator")
    if numerator is not None and denominator is not None and numerator > denominator:
        checks.add(
            MutationErrorCode.OUT_OF_RANGE, "numerator", "numerator must not exceed denominator."
        )
    start, end = values.get("period_start"), values.get("period_end")
    if start is not None and end is not None and end <= start:
        checks.add(
            MutationErrorCode.OUT_OF_RANGE, "periodEnd", "periodEnd must follow periodStart."
        )


def _computed(row: QualityMeasurement, indicator: QualityIndicator) -> None:
    """The value, and the target comparison when the indicator states one."""
    rate = measurement_rate(row.numerator, row.denominator).value
    row.value = round(rate if rate is not None else 0.0, 6)  # the denominator is >= 1
    row.target_value = indicator.target
    if indicator.target is None or indicator.target_operator is None:
        return
    met = meets_target(
        row.value,
        TargetOperator(indicator.target_operator),
        indicator.target,
        indicator.target_value_secondary,
    ).value
    if met is not None:
        row.is_target_met = bool(met)
        row.gap_to_target = round(row.value - indicator.target, 6)


async def _one_per_period(write: Write, values: dict[str, Any]) -> None:
    taken = await write.db.rows(
        select(QualityMeasurement.id).where(
            QualityMeasurement.indicator_id == values["indicator_id"],
            QualityMeasurement.measurement_period == values["measurement_period"],
        )
    )
    if taken:
        raise refuse(
            MutationErrorCode.DUPLICATE,
            "measurementPeriod",
            "The indicator already has a measurement for this period.",
        )
