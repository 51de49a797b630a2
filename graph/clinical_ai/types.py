"""GraphQL types of the clinical_ai domain, mirrored from `models/clinical_ai.py`."""

from __future__ import annotations

from graph.mirror import mirrored
from graph.ordering import desc
from models import clinical_ai


@mirrored(clinical_ai.ClinicalAiSession, order=[desc("created_at")])
class ClinicalAiSession:
    """A row of `clinical_ai_sessions`."""


@mirrored(clinical_ai.CdssRecommendation, order=[desc("created_at")])
class CdssRecommendation:
    """A row of `cdss_recommendations`."""
