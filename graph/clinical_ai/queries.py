"""Root fields of the clinical_ai domain."""

from __future__ import annotations

import strawberry

from graph.clinical_ai.types import CdssRecommendation, ClinicalAiSession
from graph.roots import aggregate, by_id, listing


@strawberry.type
class ClinicalAiQuery:
    clinical_ai_session = by_id(ClinicalAiSession)
    clinical_ai_sessions = listing(ClinicalAiSession)
    clinical_ai_sessions_aggregate = aggregate(ClinicalAiSession)
    cdss_recommendation = by_id(CdssRecommendation)
    cdss_recommendations = listing(CdssRecommendation)
    cdss_recommendations_aggregate = aggregate(CdssRecommendation)
