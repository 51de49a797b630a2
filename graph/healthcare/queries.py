"""Root fields of the healthcare domain."""

from __future__ import annotations

import strawberry

from graph.healthcare.types import Appointment, Consultation, Examination, Patient
from graph.roots import by_id, listing


@strawberry.type
class HealthcareQuery:
    patient = by_id(Patient)
    patients = listing(Patient)
    consultation = by_id(Consultation)
    consultations = listing(Consultation)
    examination = by_id(Examination)
    examinations = listing(Examination)
    appointment = by_id(Appointment)
    appointments = listing(Appointment)
