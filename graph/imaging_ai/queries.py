"""Root fields of the imaging_ai domain."""

from __future__ import annotations

import strawberry

from graph.imaging_ai.types import ImagingAnalysis, ImagingReport
from graph.roots import aggregate, by_id, listing


@strawberry.type
class ImagingAiQuery:
    imaging_analysis = by_id(ImagingAnalysis)
    imaging_analyses = listing(ImagingAnalysis)
    imaging_analyses_aggregate = aggregate(ImagingAnalysis)
    imaging_report = by_id(ImagingReport)
    imaging_reports = listing(ImagingReport)
    imaging_reports_aggregate = aggregate(ImagingReport)
