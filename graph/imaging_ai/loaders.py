"""Dataloaders of the imaging_ai domain: rows by id, and rows per parent of each
relationship that a parent type lists (created per request by `graph.dataloaders`)."""

from __future__ import annotations

from graph.dataloaders import ByIdLoader, ByRelationLoader
from models import imaging_ai


class ImagingAnalysisByIdLoader(ByIdLoader):
    model = imaging_ai.ImagingAnalysis


class ImagingAnalysesByPatientLoader(ByRelationLoader):
    relation = imaging_ai.ImagingAnalysis.patient


class ImagingAnalysesByComparedToLoader(ByRelationLoader):
    relation = imaging_ai.ImagingAnalysis.compared_to


class ImagingReportByIdLoader(ByIdLoader):
    model = imaging_ai.ImagingReport


class ImagingReportsByImagingAnalysisLoader(ByRelationLoader):
    relation = imaging_ai.ImagingReport.imaging_analysis
