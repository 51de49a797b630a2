"""The schema: mirrored types, the root Query, and the request-independent limits.

`perfex-graph export-schema` prints it into `schema.graphql`, the reviewed contract.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from graph.errors import classify
from graph.mirror import mirror_types
from graph.queries import build_query
from models.base import Base

MAX_DEPTH = 8
MAX_ALIASES = 30
MAX_TOKENS = 3000
CACHE_SIZE = 256


class ClinicalSchema(strawberry.Schema):
    """Every error goes through `graph.errors.classify` (Strawberry calls `process_errors` for
    parse, validation and execution errors alike) instead of Strawberry's default logging,
    which would print error messages that can contain patient data."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = execution_context.context if execution_context else None
        request_id = getattr(context, "request_id", None)
        for error in errors:
            classify(error, request_id)


def build_schema() -> ClinicalSchema:
    models = sorted((m.class_ for m in Base.registry.mappers), key=lambda m: m.__name__)
    types = mirror_types(models)
    extensions: list[Any] = [
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]
    return ClinicalSchema(
        query=build_query(types),
        types=list(types.values()),
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=True),
    )


schema = build_schema()
