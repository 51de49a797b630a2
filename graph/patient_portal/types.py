"""GraphQL types of the patient_portal domain, mirrored from `models/patient_portal.py`."""

from __future__ import annotations

from graph.mirror import mirrored
from graph.ordering import desc
from models import patient_portal


@mirrored(patient_portal.PortalAccount, order=[desc("created_at")])
class PortalAccount:
    """A row of `portal_accounts`."""


@mirrored(patient_portal.PortalMessage, order=[desc("sent_at")])
class PortalMessage:
    """A row of `portal_messages`."""


@mirrored(patient_portal.PortalAppointmentRequest, order=[desc("scheduled_at")])
class PortalAppointmentRequest:
    """A row of `portal_appointments`."""


@mirrored(patient_portal.PortalMessageThread, order=[desc("created_at")])
class PortalMessageThread:
    """A row of `portal_message_threads`."""
