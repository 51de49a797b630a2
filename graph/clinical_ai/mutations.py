"""Mutations of clinical decision support: a clinician's response to a recommendation.

A recommendation moves active -> acknowledged -> resolved, or is dismissed (from active or
acknowledged). Each transition locks the row (graph/mutations.py `Write.get(lock=True)`), so
two clinicians answering at once serialize: the second finds it in the target state
(CONFLICT) or past it (INVALID_STATE). Dismissing overrules the system, so it is an action of
physicians and admins only (graph/permissions.py `action_rule`): a nurse gets FORBIDDEN.
"""

from __future__ import annotations

from typing import Any

import strawberry

from graph.clinical_ai.inputs import (
    RESOLVE_RANGES,
    CdssRecommendationAcknowledgeInput,
    CdssRecommendationAcknowledgePayload,
    CdssRecommendationDismissInput,
    CdssRecommendationDismissPayload,
    CdssRecommendationResolveInput,
    CdssRecommendationResolvePayload,
)
from graph.mutation_inputs import values_of
from graph.mutations import (
    Checks,
    MutationErrorCode,
    Write,
    reference,
    refuse,
    run_mutation,
    snapshot_of,
)
from graph.naming import camel
from graph.permissions import action_rule, write_rule
from models.clinical_ai import CdssRecommendation
from models.types import utcnow

_RULE = write_rule(CdssRecommendation).describe()
_DISMISS = action_rule(CdssRecommendation, "dismiss")
_OPEN = ("active", "acknowledged")


async def _answer(
    write: Write, data: Any, target: str, allowed: tuple[str, ...], required: str | None = None
) -> tuple[CdssRecommendation, dict[str, Any]]:
    """Check the input, lock the recommendation, move it to `target` with the input's values."""
    checks = Checks()
    values = values_of(data, CdssRecommendation, checks)
    if required is not None:
        checks.required(camel(required), values.get(required))
    checks.ranges(values, RESOLVE_RANGES)
    checks.done()
    row_id = reference("id", data.id, "CdssRecommendation")
    row = await write.get(CdssRecommendation, row_id, "id", lock=True)
    if row.status == target:
        raise refuse(MutationErrorCode.CONFLICT, "id", f"The recommendation is already {target}.")
    if row.status not in allowed:
        raise refuse(
            MutationErrorCode.INVALID_STATE,
            "id",
            f"A {row.status} recommendation cannot be {target}.",
        )
    before = snapshot_of(row)
    for key, value in {**values, "status": target}.items():
        if value is not None:
            setattr(row, key, value)
    return row, before


@strawberry.type
class ClinicalAiMutation:
    @strawberry.mutation(description=f"Acknowledge an active recommendation. {_RULE}")
    async def cdss_recommendation_acknowledge(
        self,
        info: strawberry.Info,
        input: CdssRecommendationAcknowledgeInput,  # type: ignore[valid-type]
    ) -> CdssRecommendationAcknowledgePayload:  # type: ignore[valid-type]
        async def work(write: Write) -> CdssRecommendation:
            row, before = await _answer(write, input, "acknowledged", ("active",))
            row.acknowledged_by, row.acknowledged_at = write.user_id, utcnow()
            await write.audit(row, before)
            return row

        row, errors = await run_mutation(info, CdssRecommendation, "update", work)
        return CdssRecommendationAcknowledgePayload(cdss_recommendation=row, errors=errors)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description=f"Dismiss an open recommendation, with the reason. {_DISMISS.describe()}"
    )
    async def cdss_recommendation_dismiss(
        self,
        info: strawberry.Info,
        input: CdssRecommendationDismissInput,  # type: ignore[valid-type]
    ) -> CdssRecommendationDismissPayload:  # type: ignore[valid-type]
        async def work(write: Write) -> CdssRecommendation:
            row, before = await _answer(write, input, "dismissed", _OPEN, "dismissed_reason")
            await write.audit(row, before)  # the reason is free text: named, not copied
            return row

        row, errors = await run_mutation(info, CdssRecommendation, "update", work, rule=_DISMISS)
        return CdssRecommendationDismissPayload(cdss_recommendation=row, errors=errors)  # type: ignore[no-any-return]

    @strawberry.mutation(description=f"Resolve an open recommendation with its outcome. {_RULE}")
    async def cdss_recommendation_resolve(
        self,
        info: strawberry.Info,
        input: CdssRecommendationResolveInput,  # type: ignore[valid-type]
    ) -> CdssRecommendationResolvePayload:  # type: ignore[valid-type]
        async def work(write: Write) -> CdssRecommendation:
            row, before = await _answer(write, input, "resolved", _OPEN, "provider_decision")
            row.outcome_recorded_by, row.outcome_recorded_at = write.user_id, utcnow()
            await write.audit(row, before)
            return row

        row, errors = await run_mutation(info, CdssRecommendation, "update", work)
        return CdssRecommendationResolvePayload(cdss_recommendation=row, errors=errors)  # type: ignore[no-any-return]
