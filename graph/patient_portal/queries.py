"""Root fields of the patient_portal domain."""

from __future__ import annotations

import strawberry

from graph.patient_portal.types import (
    PortalAccount,
    PortalAppointmentRequest,
    PortalMessage,
    PortalMessageThread,
)
from graph.roots import aggregate, by_id, listing


@strawberry.type
class PatientPortalQuery:
    portal_account = by_id(PortalAccount)
    portal_accounts = listing(PortalAccount)
    portal_accounts_aggregate = aggregate(PortalAccount)
    portal_message = by_id(PortalMessage)
    portal_messages = listing(PortalMessage)
    portal_messages_aggregate = aggregate(PortalMessage)
    portal_appointment_request = by_id(PortalAppointmentRequest)
    portal_appointment_requests = listing(PortalAppointmentRequest)
    portal_appointment_requests_aggregate = aggregate(PortalAppointmentRequest)
    portal_message_thread = by_id(PortalMessageThread)
    portal_message_threads = listing(PortalMessageThread)
    portal_message_threads_aggregate = aggregate(PortalMessageThread)
