"""Inputs and payloads of the decision-support mutations (graph/clinical_ai/mutations.py):
the clinician's response to a recommendation, in the record's fields."""

from __future__ import annotations

import strawberry

from graph.clinical_ai.types import CdssRecommendation
from graph.mutation_inputs import column_input
from graph.mutations import MutationError, Range
from models import clinical_ai

RESOLVE_RANGES = {"diagnosis_match_score": Range(0, 1)}
_ID = {"id": (strawberry.ID, "Global ID of the recommendation.")}
_MODEL = clinical_ai.CdssRecommendation

CdssRecommendationAcknowledgeInput = column_input(
    "CdssRecommendationAcknowledgeInput",
    _MODEL,
    ("provider_notes",),
    lead=_ID,
    description="An active recommendation the clinician has seen and will act on.",
)
CdssRecommendationDismissInput = column_input(
    "CdssRecommendationDismissInput",
    _MODEL,
    ("dismissed_reason", "provider_notes"),
    required=("dismissed_reason",),
    notes={"dismissed_reason": "Not blank (REQUIRED)."},
    lead=_ID,
    description="A recommendation the clinician overrules, and why.",
)
CdssRecommendationResolveInput = column_input(
    "CdssRecommendationResolveInput",
    _MODEL,
    ("provider_decision", "provider_notes", "actual_diagnosis", "diagnosis_match_score"),
    required=("provider_decision",),
    ranges=RESOLVE_RANGES,
    notes={"provider_decision": "Not blank (REQUIRED)."},
    lead=_ID,
    description="The outcome of a recommendation: what was decided, and the confirmed diagnosis.",
)


@strawberry.type(description="The result of a decision-support recommendation mutation.")
class CdssRecommendationPayload:
    cdss_recommendation: CdssRecommendation | None
    errors: list[MutationError]


def _payload(name: str) -> type:
    return strawberry.type(
        type(name, (CdssRecommendationPayload,), {}),
        description=f"The result of `{name[0].lower()}{name[1:-7]}`.",
    )


CdssRecommendationAcknowledgePayload = _payload("CdssRecommendationAcknowledgePayload")
CdssRecommendationDismissPayload = _payload("CdssRecommendationDismissPayload")
CdssRecommendationResolvePayload = _payload("CdssRecommendationResolvePayload")
