"""Dataloaders of the healthcare domain: rows by id, and rows per parent of each
relationship that a parent type lists (created per request by `graph.dataloaders`)."""

from __future__ import annotations

from graph.dataloaders import ByIdLoader, ByRelationLoader
from models import healthcare


class PatientByIdLoader(ByIdLoader):
    model = healthcare.Patient


class ConsultationByIdLoader(ByIdLoader):
    model = healthcare.Consultation


class ConsultationsByPatientLoader(ByRelationLoader):
    relation = healthcare.Consultation.patient


class ExaminationByIdLoader(ByIdLoader):
    model = healthcare.Examination


class ExaminationsByPatientLoader(ByRelationLoader):
    relation = healthcare.Examination.patient


class ExaminationsByConsultationLoader(ByRelationLoader):
    relation = healthcare.Examination.consultation


class AppointmentByIdLoader(ByIdLoader):
    model = healthcare.Appointment


class AppointmentsByPatientLoader(ByRelationLoader):
    relation = healthcare.Appointment.patient


class AppointmentsByRescheduledFromLoader(ByRelationLoader):
    relation = healthcare.Appointment.rescheduled_from


class AppointmentsByRescheduledToLoader(ByRelationLoader):
    relation = healthcare.Appointment.rescheduled_to
