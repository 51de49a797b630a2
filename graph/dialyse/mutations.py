"""Mutations of the dialysis domain: a session's life (schedule, start, complete, cancel) and
lab results.

A session moves scheduled/checked_in -> in_progress -> completed, or to cancelled before it
starts. Each transition locks the session's row (graph/mutations.py `Write.get(lock=True)`),
so of two nurses completing one session exactly one wins; the other finds it completed and
gets CONFLICT. Asking for a transition the session is past (a completed session started, a
cancelled one completed) is INVALID_STATE.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry
from sqlalchemy import select

from graph.dialyse.inputs import (
    LAB_RANGES,
    SESSION_RANGES,
    DialysisLabResultsRecordInput,
    DialysisLabResultsRecordPayload,
    DialysisSessionCancelInput,
    DialysisSessionCancelPayload,
    DialysisSessionCompleteInput,
    DialysisSessionCompletePayload,
    DialysisSessionScheduleInput,
    DialysisSessionSchedulePayload,
    DialysisSessionStartInput,
    DialysisSessionStartPayload,
)
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
from models import dialyse
from models.types import utcnow

_SESSION_RULE = write_rule(dialyse.DialysisSession).describe()
_LAB_RULE = write_rule(dialyse.DialysisLab).describe()
_LIVE = ("scheduled", "checked_in", "in_progress", "completed", "no_show")  # not cancelled


async def _transition(
    write: Write, data: Any, target: str, allowed: tuple[str, ...]
) -> tuple[dialyse.DialysisSession, dict[str, Any]]:
    """The locked session `data.id`, when it may move to `target`, and its values before."""
    session_id = reference("id", data.id, "DialysisSession")
    row = await write.get(dialyse.DialysisSession, session_id, "id", lock=True)
    if row.status == target:
        raise refuse(MutationErrorCode.CONFLICT, "id", f"The session is already {target}.")
    if row.status not in allowed:
        raise refuse(
            MutationErrorCode.INVALID_STATE, "id", f"A {row.status} session cannot be {target}."
        )
    return row, snapshot_of(row)


async def _apply(write: Write, row: Any, before: Any, values: dict[str, Any]) -> Any:
    for key, value in values.items():
        if value is not None:
            setattr(row, key, value)
    await write.audit(row, before)
    return row


@strawberry.type
class DialyseMutation:
    @strawberry.mutation(description=f"Plan a dialysis session. {_SESSION_RULE}")
    async def dialysis_session_schedule(
        self,
        info: strawberry.Info,
        input: DialysisSessionScheduleInput,  # type: ignore[valid-type]
    ) -> DialysisSessionSchedulePayload:  # type: ignore[valid-type]
        async def work(write: Write) -> dialyse.DialysisSession:
            checks = Checks()
            values = values_of(input, dialyse.DialysisSession, checks)
            checks.ranges(values, SESSION_RANGES)
            checks.done()
            found = await resolve_references(write, dialyse.DialysisSession, values)
            prescription = found.get("prescription_id")
            if prescription is not None and prescription.patient_id != values["patient_id"]:
                raise refuse(
                    MutationErrorCode.INVALID_STATE,
                    "prescriptionId",
                    "The prescription is another patient's.",
                )
            await _one_per_day(write, values["patient_id"], values["session_date"])
            number = f"DS-{values['session_date']:%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"
            row = dialyse.DialysisSession(
                **values, status="scheduled", session_number=number, created_by=write.user_id
            )
            write.add(row)
            await write.audit(row, None)
            return row

        row, errors = await run_mutation(info, dialyse.DialysisSession, "create", work)
        return DialysisSessionSchedulePayload(dialysis_session=row, errors=errors)  # type: ignore[no-any-return]

    @strawberry.mutation(description=f"Start a scheduled session. {_SESSION_RULE}")
    async def dialysis_session_start(
        self,
        info: strawberry.Info,
        input: DialysisSessionStartInput,  # type: ignore[valid-type]
    ) -> DialysisSessionStartPayload:  # type: ignore[valid-type]
        async def work(write: Write) -> dialyse.DialysisSession:
            checks = Checks()
            values = values_of(input, dialyse.DialysisSession, checks)
            checks.ranges(values, SESSION_RANGES)
            checks.done()
            await resolve_references(write, dialyse.DialysisSession, values)
            row, before = await _transition(
                write, input, "in_progress", ("scheduled", "checked_in")
            )
            values["actual_start_time"] = values.get("actual_start_time") or utcnow()
            return await _apply(write, row, before, {**values, "status": "in_progress"})

        row, errors = await run_mutation(info, dialyse.DialysisSession, "update", work)
        return DialysisSessionStartPayload(dialysis_session=row, errors=errors)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description=f"Complete a session in progress with its measurements. {_SESSION_RULE}"
    )
    async def dialysis_session_complete(
        self,
        info: strawberry.Info,
        input: DialysisSessionCompleteInput,  # type: ignore[valid-type]
    ) -> DialysisSessionCompletePayload:  # type: ignore[valid-type]
        async def work(write: Write) -> dialyse.DialysisSession:
            checks = Checks()
            values = values_of(input, dialyse.DialysisSession, checks)
            checks.ranges(values, SESSION_RANGES)
            checks.required("postWeight", values.get("post_weight"))
            checks.below("postBun", values.get("post_bun"), "preBun", values.get("pre_bun"))
            checks.done()
            row, before = await _transition(write, input, "completed", ("in_progress",))
            _complete_values(checks, row, values)
            checks.done()
            return await _apply(write, row, before, {**values, "status": "completed"})

        row, errors = await run_mutation(info, dialyse.DialysisSession, "update", work)
        return DialysisSessionCompletePayload(dialysis_session=row, errors=errors)  # type: ignore[no-any-return]

    @strawberry.mutation(description=f"Cancel a session not yet started. {_SESSION_RULE}")
    async def dialysis_session_cancel(
        self,
        info: strawberry.Info,
        input: DialysisSessionCancelInput,  # type: ignore[valid-type]
    ) -> DialysisSessionCancelPayload:  # type: ignore[valid-type]
        async def work(write: Write) -> dialyse.DialysisSession:
            checks = Checks()
            values = values_of(input, dialyse.DialysisSession, checks)
            checks.required("cancellationReason", values.get("cancellation_reason"))
            checks.done()
            row, before = await _transition(write, input, "cancelled", ("scheduled", "checked_in"))
            values |= {"status": "cancelled", "cancelled_by": write.user_id}
            values["cancelled_at"] = utcnow()
            return await _apply(write, row, before, values)

        row, errors = await run_mutation(info, dialyse.DialysisSession, "update", work)
        return DialysisSessionCancelPayload(dialysis_session=row, errors=errors)  # type: ignore[no-any-return]

    @strawberry.mutation(description=f"Record a laboratory panel. {_LAB_RULE}")
    async def dialysis_lab_results_record(
        self,
        info: strawberry.Info,
        input: DialysisLabResultsRecordInput,  # type: ignore[valid-type]
    ) -> DialysisLabResultsRecordPayload:
        async def work(write: Write) -> dialyse.DialysisLab:
            checks = Checks()
            values = values_of(input, dialyse.DialysisLab, checks)
            checks.ranges(values, LAB_RANGES)
            checks.below("ureaPost", values.get("urea_post"), "ureaPre", values.get("urea_pre"))
            checks.done()
            await resolve_references(write, dialyse.DialysisLab, values)
            row = dialyse.DialysisLab(**values, created_by=write.user_id)
            row.import_method = row.import_method or "manual"
            write.add(row)
            await write.audit(row, None)
            return row

        row, errors = await run_mutation(info, dialyse.DialysisLab, "create", work)
        return DialysisLabResultsRecordPayload(dialysis_lab=row, errors=errors)  # type: ignore[arg-type]


def _complete_values(checks: Checks, row: dialyse.DialysisSession, values: dict[str, Any]) -> None:
    """Defaults and checks that need the session as recorded so far (start, pre values)."""
    if values.get("pre_weight") is None:
        checks.required("preWeight", row.pre_weight)
    if values.get("pre_bun") is None:  # else checked with the input
        checks.below("postBun", values.get("post_bun"), "preBun", row.pre_bun)
    end = values.get("actual_end_time") or utcnow()
    values["actual_end_time"] = end
    start = row.actual_start_time
    if start is not None and end <= start:
        checks.add(MutationErrorCode.OUT_OF_RANGE, "actualEndTime", "The end is before the start.")
    elif start is not None and values.get("duration_minutes") is None:
        minutes = int((end - start) / dt.timedelta(minutes=1))
        values["duration_minutes"] = minutes if minutes > 0 else None


async def _one_per_day(write: Write, patient_id: str, day: dt.date) -> None:
    statement = select(dialyse.DialysisSession.id).where(
        dialyse.DialysisSession.patient_id == patient_id,
        dialyse.DialysisSession.session_date == day,
        dialyse.DialysisSession.status.in_(_LIVE),
    )
    if await write.db.rows(statement):
        raise refuse(
            MutationErrorCode.DUPLICATE,
            "sessionDate",
            "The patient already has a session that day.",
        )
