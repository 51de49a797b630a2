"""Mutations of the ophthalmology domain: biometry, and an eye surgery's life (schedule,
complete).

A surgery moves scheduled -> (in_progress ->) completed, or is cancelled. Completing locks the
row (graph/mutations.py `Write.get(lock=True)`), so of two concurrent completions exactly one
wins and the other gets CONFLICT; completing a cancelled surgery is INVALID_STATE. A surgery
is planned ahead, so its date may lie in the future (a recorded instant may not).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from graph.mutation_inputs import resolve_references, values_of
from graph.mutation_values import business_number, planned_values
from graph.mutations import (
    Checks,
    MutationErrorCode,
    Write,
    reference,
    refuse,
    run_mutation,
    snapshot_of,
)
from graph.ophthalmology.inputs import (
    BIOMETRY_RANGES,
    SURGERY_RANGES,
    BiometryRecordInput,
    BiometryRecordPayload,
    SurgeryCompleteInput,
    SurgeryCompletePayload,
    SurgeryScheduleInput,
    SurgerySchedulePayload,
)
from graph.permissions import write_rule
from models import ophthalmology
from models.types import utcnow

_BIOMETRY_RULE = write_rule(ophthalmology.OcularBiometry).describe()
_SURGERY_RULE = write_rule(ophthalmology.EyeSurgery).describe()
_PLANNED = ("surgery_date", "scheduled_start_time")  # instants of a plan: future allowed


@strawberry.type
class OphthalmologyMutation:
    @strawberry.mutation(description=f"Record an ocular biometry of one eye. {_BIOMETRY_RULE}")
    async def biometry_record(
        self,
        info: strawberry.Info,
        input: BiometryRecordInput,  # type: ignore[valid-type]
    ) -> BiometryRecordPayload:
        async def work(write: Write) -> ophthalmology.OcularBiometry:
            checks = Checks()
            values = values_of(input, ophthalmology.OcularBiometry, checks)
            checks.ranges(values, BIOMETRY_RANGES)
            k1: float = values["k1"]  # required by the input type
            k2: float = values["k2"]
            if k1 > k2:
                checks.add(MutationErrorCode.OUT_OF_RANGE, "k1", "k1 must not be above k2.")
            checks.done()
            await resolve_references(write, ophthalmology.OcularBiometry, values)
            row = ophthalmology.OcularBiometry(
                **values,
                avg_k=round((k1 + k2) / 2, 2),
                delta_k=round(k2 - k1, 2),
                biometry_number=business_number("BIO", values.get("measurement_date")),
                created_by=write.user_id,
            )
            write.add(row)
            await write.audit(row, None)
            return row

        row, errors = await run_mutation(info, ophthalmology.OcularBiometry, "create", work)
        return BiometryRecordPayload(ocular_biometry=row, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description=f"Plan an eye surgery. {_SURGERY_RULE}")
    async def surgery_schedule(
        self,
        info: strawberry.Info,
        input: SurgeryScheduleInput,  # type: ignore[valid-type]
    ) -> SurgerySchedulePayload:
        async def work(write: Write) -> ophthalmology.EyeSurgery:
            checks = Checks()
            values = planned_values(input, ophthalmology.EyeSurgery, checks, _PLANNED)
            checks.ranges(values, SURGERY_RANGES)
            checks.done()
            await resolve_references(write, ophthalmology.EyeSurgery, values)
            row = ophthalmology.EyeSurgery(
                **values,
                status="scheduled",
                surgery_number=business_number("SURG", values.get("surgery_date")),
                created_by=write.user_id,
            )
            write.add(row)
            await write.audit(row, None)
            return row

        row, errors = await run_mutation(info, ophthalmology.EyeSurgery, "create", work)
        return SurgerySchedulePayload(eye_surgery=row, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(
        description=f"Complete a scheduled or started eye surgery with its outcome. {_SURGERY_RULE}"
    )
    async def surgery_complete(
        self,
        info: strawberry.Info,
        input: SurgeryCompleteInput,  # type: ignore[valid-type]
    ) -> SurgeryCompletePayload:
        async def work(write: Write) -> ophthalmology.EyeSurgery:
            checks = Checks()
            values = values_of(input, ophthalmology.EyeSurgery, checks)
            checks.ranges(values, SURGERY_RANGES)
            checks.required("surgeryOutcome", values.get("surgery_outcome"))
            checks.done()
            row, before = await _transition(write, input)
            _complete_values(checks, row, values)
            checks.done()
            for key, value in {**values, "status": "completed"}.items():
                if value is not None:
                    setattr(row, key, value)
            await write.audit(row, before)
            return row

        row, errors = await run_mutation(info, ophthalmology.EyeSurgery, "update", work)
        return SurgeryCompletePayload(eye_surgery=row, errors=errors)  # type: ignore[arg-type]


async def _transition(write: Write, data: Any) -> tuple[ophthalmology.EyeSurgery, dict[str, Any]]:
    """The locked surgery `data.id` when it may be completed, and its values before."""
    surgery_id = reference("id", data.id, "EyeSurgery")
    row = await write.get(ophthalmology.EyeSurgery, surgery_id, "id", lock=True)
    if row.status == "completed":
        raise refuse(MutationErrorCode.CONFLICT, "id", "The surgery is already completed.")
    if row.status not in ("scheduled", "in_progress"):
        raise refuse(
            MutationErrorCode.INVALID_STATE, "id", f"A {row.status} surgery cannot be completed."
        )
    return row, snapshot_of(row)


def _complete_values(checks: Checks, row: ophthalmology.EyeSurgery, values: dict[str, Any]) -> None:
    """The end (default now) after the start; the duration from them when not given."""
    end = values.get("actual_end_time") or utcnow()
    values["actual_end_time"] = end
    start = values.get("actual_start_time") or row.actual_start_time
    if start is not None and end <= start:
        checks.add(MutationErrorCode.OUT_OF_RANGE, "actualEndTime", "The end is before the start.")
    elif start is not None and values.get("duration_minutes") is None:
        minutes = int((end - start) / dt.timedelta(minutes=1))
        values["duration_minutes"] = minutes if minutes > 0 else None
