"""Root fields of the healthcare domain."""

from __future__ import annotations

import strawberry

from graph.healthcare.search import SEARCH_HELP, patient_search
from graph.healthcare.types import Appointment, Consultation, Examination, Patient
from graph.roots import aggregate, by_id, listing


@strawberry.type
class HealthcareQuery:
    patient = by_id(Patient)
    patients = listing(Patient, search=patient_search, search_help=SEARCH_HELP)
    patients_aggregate = aggregate(Patient)
    consultation = by_id(Consultation)
    consultations = listing(Consultation)
    consultations_aggregate = aggregate(Consultation)
    examination = by_id(Examination)
    examinations = listing(Examination)
    examinations_aggregate = aggregate(Examination)
    appointment = by_id(Appointment)
    appointments = listing(Appointment)
    appointments_aggregate = aggregate(Appointment)
