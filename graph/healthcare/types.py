"""GraphQL types of the healthcare domain, mirrored from `models/healthcare.py`."""

from __future__ import annotations

from graph.mirror import mirrored
from graph.ordering import asc, desc
from models import healthcare


@mirrored(healthcare.Patient, order=[asc("last_name"), asc("first_name")], aggregates=True)
class Patient:
    """A row of `healthcare_patients`."""


@mirrored(healthcare.Consultation, order=[desc("consultation_date")])
class Consultation:
    """A row of `healthcare_consultations`."""


@mirrored(healthcare.Examination, order=[desc("examination_date")])
class Examination:
    """A row of `healthcare_examinations`."""


@mirrored(healthcare.Appointment, order=[desc("scheduled_date")])
class Appointment:
    """A row of `healthcare_appointments`."""
