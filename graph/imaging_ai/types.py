"""GraphQL types of the imaging_ai domain, mirrored from `models/imaging_ai.py`."""

from __future__ import annotations

from graph.mirror import mirrored
from graph.ordering import desc
from models import imaging_ai


@mirrored(imaging_ai.ImagingAnalysis, order=[desc("acquisition_date")])
class ImagingAnalysis:
    """A row of `imaging_analyses`."""


@mirrored(imaging_ai.ImagingReport, order=[desc("created_at")])
class ImagingReport:
    """A row of `imaging_reports`."""
