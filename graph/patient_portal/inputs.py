"""Inputs and payloads of the portal mutations (graph/patient_portal/mutations.py): the
record's fields, with what the mutations check stated in their descriptions."""

from __future__ import annotations

import strawberry

from graph.mutation_inputs import column_input
from graph.mutations import MutationError, Range
from graph.patient_portal.types import PortalAppointmentRequest, PortalMessage
from models import patient_portal

APPOINTMENT_RANGES = {"estimated_duration": Range(5, 480, "min")}
BODY_MAX = 10_000  # characters of one message

PortalMessageSendInput = column_input(
    "PortalMessageSendInput",
    patient_portal.PortalMessage,
    ("thread_id", "body", "subject", "body_format"),
    required=("thread_id", "body"),
    notes={
        "thread_id": "A patient may write only in its own threads (NOT_FOUND otherwise); "
        "not a closed thread (INVALID_STATE).",
        "body": f"Not blank (REQUIRED), at most {BODY_MAX:,} characters (OUT_OF_RANGE).",
    },
    description="A message in a portal thread, from the patient or from staff.",
)
AppointmentRequestInput = column_input(
    "AppointmentRequestInput",
    patient_portal.PortalAppointmentRequest,
    (
        "patient_id",
        "practitioner_id",
        "request_type",
        "reason",
        "original_appointment_id",
        "preferred_time_of_day",
        "module",
        "specialty_requested",
        "urgency",
        "estimated_duration",
        "notes",
    ),
    required=("patient_id", "practitioner_id", "request_type", "reason"),
    ranges=APPOINTMENT_RANGES,
    notes={
        "patient_id": "A patient requests only for itself (NOT_FOUND otherwise); the patient "
        "needs an active portal account (NOT_FOUND otherwise).",
        "practitioner_id": "A member of the organization (NOT_FOUND otherwise).",
        "reason": "Not blank (REQUIRED).",
    },
    description="An appointment a patient asks for; staff confirm it (`appointmentConfirm`).",
)
AppointmentConfirmInput = column_input(
    "AppointmentConfirmInput",
    patient_portal.PortalAppointmentRequest,
    ("scheduled_at", "estimated_duration", "response_notes"),
    required=("scheduled_at",),
    ranges=APPOINTMENT_RANGES,
    notes={"scheduled_at": "The booked time; may lie in the future, needs a time zone."},
    lead={"id": (strawberry.ID, "Global ID of the appointment request.")},
    description="The booking of a pending appointment request (staff only).",
)


@strawberry.type(description="The result of `portalMessageSend`.")
class PortalMessageSendPayload:
    portal_message: PortalMessage | None
    errors: list[MutationError]


@strawberry.type(description="The result of an appointment request mutation.")
class AppointmentRequestPayload:
    portal_appointment_request: PortalAppointmentRequest | None
    errors: list[MutationError]


@strawberry.type(description="The result of `appointmentConfirm`.")
class AppointmentConfirmPayload(AppointmentRequestPayload):
    pass
