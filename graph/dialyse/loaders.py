"""Dataloaders of the dialyse domain: rows by id, and rows per parent of each
relationship that a parent type lists (created per request by `graph.dataloaders`)."""

from __future__ import annotations

from graph.dataloaders import ByIdLoader, ByRelationLoader
from models import dialyse


class DialysisProfileByIdLoader(ByIdLoader):
    model = dialyse.DialysisProfile


class DialysisProfilesByPatientLoader(ByRelationLoader):
    relation = dialyse.DialysisProfile.patient


class DialysisSessionByIdLoader(ByIdLoader):
    model = dialyse.DialysisSession


class DialysisSessionsByPatientLoader(ByRelationLoader):
    relation = dialyse.DialysisSession.patient


class DialysisSessionsByMachineLoader(ByRelationLoader):
    relation = dialyse.DialysisSession.machine


class DialysisSessionsByPrescriptionLoader(ByRelationLoader):
    relation = dialyse.DialysisSession.prescription


class DialysisSessionsBySlotLoader(ByRelationLoader):
    relation = dialyse.DialysisSession.slot


class DialysisMachineByIdLoader(ByIdLoader):
    model = dialyse.DialysisMachine


class DialysisLabByIdLoader(ByIdLoader):
    model = dialyse.DialysisLab


class DialysisLabsByPatientLoader(ByRelationLoader):
    relation = dialyse.DialysisLab.patient


class DialysisPrescriptionByIdLoader(ByIdLoader):
    model = dialyse.DialysisPrescription


class DialysisPrescriptionsByPatientLoader(ByRelationLoader):
    relation = dialyse.DialysisPrescription.patient


class DialysisPrescriptionsBySupersededByLoader(ByRelationLoader):
    relation = dialyse.DialysisPrescription.superseded_by


class DialysisSessionSlotByIdLoader(ByIdLoader):
    model = dialyse.DialysisSessionSlot
