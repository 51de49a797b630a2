"""Dataloaders of the ophthalmology domain: rows by id, and rows per parent of each
relationship that a parent type lists (created per request by `graph.dataloaders`)."""

from __future__ import annotations

from graph.dataloaders import ByIdLoader, ByRelationLoader
from models import ophthalmology


class OphthalmologyProfileByIdLoader(ByIdLoader):
    model = ophthalmology.OphthalmologyProfile


class OphthalmologyProfilesByPatientLoader(ByRelationLoader):
    relation = ophthalmology.OphthalmologyProfile.patient


class OcularBiometryByIdLoader(ByIdLoader):
    model = ophthalmology.OcularBiometry


class OcularBiometriesByPatientLoader(ByRelationLoader):
    relation = ophthalmology.OcularBiometry.patient


class OcularBiometriesByConsultationLoader(ByRelationLoader):
    relation = ophthalmology.OcularBiometry.consultation


class EyeSurgeryByIdLoader(ByIdLoader):
    model = ophthalmology.EyeSurgery


class EyeSurgeriesByPatientLoader(ByRelationLoader):
    relation = ophthalmology.EyeSurgery.patient
