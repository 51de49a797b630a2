"""Dataloaders of the population_health domain: rows by id, and rows per parent of each
relationship that a parent type lists (created per request by `graph.dataloaders`)."""

from __future__ import annotations

from graph.dataloaders import ByIdLoader, ByRelationLoader
from models import population_health


class CohortByIdLoader(ByIdLoader):
    model = population_health.Cohort


class CohortMemberByIdLoader(ByIdLoader):
    model = population_health.CohortMember


class CohortMembersByCohortLoader(ByRelationLoader):
    relation = population_health.CohortMember.cohort


class CohortMembersByPatientLoader(ByRelationLoader):
    relation = population_health.CohortMember.patient


class QualityIndicatorByIdLoader(ByIdLoader):
    model = population_health.QualityIndicator


class QualityMeasurementByIdLoader(ByIdLoader):
    model = population_health.QualityMeasurement


class QualityMeasurementsByIndicatorLoader(ByRelationLoader):
    relation = population_health.QualityMeasurement.indicator
