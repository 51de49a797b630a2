"""Dataloaders of the clinical_ai domain: rows by id, and rows per parent of each
relationship that a parent type lists (created per request by `graph.dataloaders`)."""

from __future__ import annotations

from graph.dataloaders import ByIdLoader, ByRelationLoader
from models import clinical_ai


class ClinicalAiSessionByIdLoader(ByIdLoader):
    model = clinical_ai.ClinicalAiSession


class ClinicalAiSessionsByPatientLoader(ByRelationLoader):
    relation = clinical_ai.ClinicalAiSession.patient


class CdssRecommendationByIdLoader(ByIdLoader):
    model = clinical_ai.CdssRecommendation


class CdssRecommendationsByPatientLoader(ByRelationLoader):
    relation = clinical_ai.CdssRecommendation.patient


class CdssRecommendationsByConsultationLoader(ByRelationLoader):
    relation = clinical_ai.CdssRecommendation.consultation
