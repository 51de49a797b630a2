"""Dataloaders of the rpm domain: rows by id, and rows per parent of each
relationship that a parent type lists (created per request by `graph.dataloaders`)."""

from __future__ import annotations

from graph.dataloaders import ByIdLoader, ByRelationLoader
from models import rpm


class RpmDeviceByIdLoader(ByIdLoader):
    model = rpm.RpmDevice


class RpmDevicesByPatientLoader(ByRelationLoader):
    relation = rpm.RpmDevice.patient


class RpmReadingByIdLoader(ByIdLoader):
    model = rpm.RpmReading


class RpmReadingsByDeviceLoader(ByRelationLoader):
    relation = rpm.RpmReading.device


class RpmReadingsByPatientLoader(ByRelationLoader):
    relation = rpm.RpmReading.patient


class RpmReadingsByProgramLoader(ByRelationLoader):
    relation = rpm.RpmReading.program


class RpmProgramByIdLoader(ByIdLoader):
    model = rpm.RpmProgram


class RpmEnrollmentByIdLoader(ByIdLoader):
    model = rpm.RpmEnrollment


class RpmEnrollmentsByPatientLoader(ByRelationLoader):
    relation = rpm.RpmEnrollment.patient


class RpmEnrollmentsByProgramLoader(ByRelationLoader):
    relation = rpm.RpmEnrollment.program


class RpmAlertByIdLoader(ByIdLoader):
    model = rpm.RpmAlert


class RpmAlertsByPatientLoader(ByRelationLoader):
    relation = rpm.RpmAlert.patient


class RpmAlertsByEnrollmentLoader(ByRelationLoader):
    relation = rpm.RpmAlert.enrollment


class RpmAlertsByReadingLoader(ByRelationLoader):
    relation = rpm.RpmAlert.reading
