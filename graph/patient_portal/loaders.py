"""Dataloaders of the patient_portal domain: rows by id, and rows per parent of each
relationship that a parent type lists (created per request by `graph.dataloaders`)."""

from __future__ import annotations

from graph.dataloaders import ByIdLoader, ByRelationLoader
from models import patient_portal


class PortalAccountByIdLoader(ByIdLoader):
    model = patient_portal.PortalAccount


class PortalAccountsByPatientLoader(ByRelationLoader):
    relation = patient_portal.PortalAccount.patient


class PortalMessageByIdLoader(ByIdLoader):
    model = patient_portal.PortalMessage


class PortalMessagesByThreadLoader(ByRelationLoader):
    relation = patient_portal.PortalMessage.thread


class PortalAppointmentRequestByIdLoader(ByIdLoader):
    model = patient_portal.PortalAppointmentRequest


class PortalAppointmentRequestsByPatientLoader(ByRelationLoader):
    relation = patient_portal.PortalAppointmentRequest.patient


class PortalAppointmentRequestsByPortalAccountLoader(ByRelationLoader):
    relation = patient_portal.PortalAppointmentRequest.portal_account


class PortalAppointmentRequestsByOriginalAppointmentLoader(ByRelationLoader):
    relation = patient_portal.PortalAppointmentRequest.original_appointment


class PortalAppointmentRequestsByAppointmentLoader(ByRelationLoader):
    relation = patient_portal.PortalAppointmentRequest.appointment


class PortalMessageThreadByIdLoader(ByIdLoader):
    model = patient_portal.PortalMessageThread


class PortalMessageThreadsByPortalAccountLoader(ByRelationLoader):
    relation = patient_portal.PortalMessageThread.portal_account


class PortalMessageThreadsByPatientLoader(ByRelationLoader):
    relation = patient_portal.PortalMessageThread.patient
