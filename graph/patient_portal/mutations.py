"""Mutations of the patient portal: messages, and appointment requests (request, confirm).

A `patient` principal (bound to one patient, `principal.patient_id`) reads and writes only its
own rows: its request's session filters every patient-scoped lookup to that patient
(models/patient_scope.py), so another patient's thread or patient id is NOT_FOUND, exactly as
another organization's; the mutations check "own" once more before writing. A patient writes
as its portal account (the thread's or the patient's active one); staff as their user.
Confirming a request is staff work (graph/permissions.py `action_rule`).
"""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select

from graph.mutation_inputs import resolve_references, values_of
from graph.mutation_values import planned_values
from graph.mutations import (
    Checks,
    MutationErrorCode,
    Write,
    reference,
    refuse,
    run_mutation,
    snapshot_of,
)
from graph.patient_portal.inputs import (
    APPOINTMENT_RANGES,
    BODY_MAX,
    AppointmentConfirmInput,
    AppointmentConfirmPayload,
    AppointmentRequestInput,
    AppointmentRequestPayload,
    PortalMessageSendInput,
    PortalMessageSendPayload,
)
from graph.permissions import action_rule, write_rule
from models.patient_portal import (
    PortalAccount,
    PortalAppointmentRequest,
    PortalMessage,
    PortalMessageThread,
)
from models.types import utcnow

_MESSAGE_RULE = write_rule(PortalMessage).describe()
_REQUEST_RULE = write_rule(PortalAppointmentRequest).describe()
_CONFIRM = action_rule(PortalAppointmentRequest, "confirm")
_PENDING = ("pending", "processing")
_BOOKED = ("approved", "scheduled")


def _own_patient(write: Write) -> str | None:
    """The patient a `patient` principal is bound to; None for staff."""
    return write.info.context.principal.patient_id  # type: ignore[no-any-return]


def _not_own(field_name: str) -> Exception:
    return refuse(MutationErrorCode.NOT_FOUND, field_name, "No such record.")


@strawberry.type
class PatientPortalMutation:
    @strawberry.mutation(
        description=f"Send a message in a portal thread (a patient: its own). {_MESSAGE_RULE}"
    )
    async def portal_message_send(
        self,
        info: strawberry.Info,
        input: PortalMessageSendInput,  # type: ignore[valid-type]
    ) -> PortalMessageSendPayload:
        async def work(write: Write) -> PortalMessage:
            checks = Checks()
            values = values_of(input, PortalMessage, checks)
            checks.required("body", values.get("body"))
            if len(values.get("body") or "") > BODY_MAX:
                checks.add(MutationErrorCode.OUT_OF_RANGE, "body", "body is too long.")
            checks.done()
            thread_id = reference("threadId", str(values["thread_id"]), "PortalMessageThread")
            thread = await write.get(PortalMessageThread, thread_id, "threadId", lock=True)
            own = _own_patient(write)
            if own is not None and thread.patient_id != own:
                raise _not_own("threadId")
            if thread.status == "closed":
                raise refuse(MutationErrorCode.INVALID_STATE, "threadId", "The thread is closed.")
            before, now = snapshot_of(thread), utcnow()
            from_patient = own is not None
            row = PortalMessage(
                **{**values, "thread_id": thread_id},
                sender_id=thread.portal_account_id if from_patient else write.user_id,
                recipient_id=thread.assigned_provider_id
                if from_patient
                else thread.portal_account_id,
                sent_at=now,
                is_read_by_patient=from_patient,
                is_read_by_provider=not from_patient,
            )
            write.add(row)
            thread.last_message_at = now
            thread.status = "awaiting_provider" if from_patient else "awaiting_patient"
            if from_patient:
                thread.unread_by_provider = (thread.unread_by_provider or 0) + 1
            else:
                thread.unread_by_patient = (thread.unread_by_patient or 0) + 1
            await write.audit(row, None)
            await write.audit(thread, before)
            return row

        row, errors = await run_mutation(info, PortalMessage, "create", work)
        return PortalMessageSendPayload(portal_message=row, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(
        description=f"Ask for an appointment (a patient: for itself). {_REQUEST_RULE}"
    )
    async def appointment_request(
        self,
        info: strawberry.Info,
        input: AppointmentRequestInput,  # type: ignore[valid-type]
    ) -> AppointmentRequestPayload:
        async def work(write: Write) -> PortalAppointmentRequest:
            checks = Checks()
            values = values_of(input, PortalAppointmentRequest, checks)
            checks.required("reason", values.get("reason"))
            checks.ranges(values, APPOINTMENT_RANGES)
            checks.done()
            await resolve_references(write, PortalAppointmentRequest, values)
            own = _own_patient(write)
            if own is not None and values["patient_id"] != own:
                raise _not_own("patientId")
            account = await _portal_account(write, values["patient_id"])
            row = PortalAppointmentRequest(**values, portal_account_id=account, status="pending")
            write.add(row)
            await write.audit(row, None)
            return row

        row, errors = await run_mutation(info, PortalAppointmentRequest, "create", work)
        return AppointmentRequestPayload(portal_appointment_request=row, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(
        description=f"Confirm a pending appointment request at a time. {_CONFIRM.describe()}"
    )
    async def appointment_confirm(
        self,
        info: strawberry.Info,
        input: AppointmentConfirmInput,  # type: ignore[valid-type]
    ) -> AppointmentConfirmPayload:
        async def work(write: Write) -> PortalAppointmentRequest:
            checks = Checks()
            values = planned_values(input, PortalAppointmentRequest, checks, ("scheduled_at",))
            checks.ranges(values, APPOINTMENT_RANGES)
            checks.done()
            data: Any = input
            request_id = reference("id", data.id, "PortalAppointmentRequest")
            row = await write.get(PortalAppointmentRequest, request_id, "id", lock=True)
            if row.status in _BOOKED:
                raise refuse(MutationErrorCode.CONFLICT, "id", "The request is already booked.")
            if row.status not in _PENDING:
                raise refuse(
                    MutationErrorCode.INVALID_STATE,
                    "id",
                    f"A {row.status} request cannot be booked.",
                )
            before = snapshot_of(row)
            values |= {"status": "approved", "processed_by": write.user_id}
            values["processed_at"] = utcnow()
            _apply(row, values)
            await write.audit(row, before)
            return row

        row, errors = await run_mutation(
            info, PortalAppointmentRequest, "update", work, rule=_CONFIRM
        )
        return AppointmentConfirmPayload(portal_appointment_request=row, errors=errors)  # type: ignore[arg-type]


def _apply(row: Any, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if value is not None:
            setattr(row, key, value)


async def _portal_account(write: Write, patient_id: str) -> str:
    """The patient's active portal account (the request is made through it)."""
    found = await write.db.rows(
        select(PortalAccount.id)
        .where(PortalAccount.patient_id == patient_id, PortalAccount.status == "active")
        .order_by(PortalAccount.id)
        .limit(1)
    )
    if not found:
        raise refuse(
            MutationErrorCode.NOT_FOUND, "patientId", "The patient has no active portal account."
        )
    return str(found[0][0])
