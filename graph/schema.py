"""The schema: the domains' root fields and types, and the request-independent limits.

Each domain package (`graph/<domain>/`) declares its types, loaders and root fields; this
module merges the domains' root fields (`graph.wiring.domain_roots`) into one `Query` (and
one `Mutation` once a domain has `mutations.py`), and checks at build that
every model has a declaration and every relation its named loader, so a gap fails at import,
not in a request. `perfex-graph export-schema` prints the schema into `schema.graphql`.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext
from strawberry.types.base import StrawberryList, StrawberryOptional, get_object_definition

from graph.core.me import MeQuery
from graph.cost import Budget
from graph.cost_limits import QueryCost, cost_rule
from graph.errors import classify
from graph.execution import FastFieldsExecutionContext
from graph.node import NodeQuery
from graph.relations import RAW_RESOLVERS
from graph.wiring import check_wiring, domain_roots
from settings import limit_settings

# The document limits, read once when the schema is built (graph/cost_limits.py).
BUDGET = Budget.of(limit_settings())
MAX_DEPTH = BUDGET.max_depth
MAX_ALIASES = BUDGET.max_aliases
MAX_COST = BUDGET.max_cost
MAX_TOKENS = limit_settings().max_tokens
CACHE_SIZE = 256
# The cost rule (depth, aliases, directives and cost in one linear pass) is made once: the
# validation cache keys on the rule classes, so a rule made per request would never let it hit.
COST_RULE = cost_rule(BUDGET)

FIRST_FIELDS = ("me", "node", "nodes")


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


def build_query() -> type:
    """One `Query` with every domain's root fields: `me`, `node`, `nodes` first, then by
    name, so the Docs explorer lists a type's two root fields together."""
    roots = (MeQuery, NodeQuery, *domain_roots("Query"))
    query = strawberry.type(
        type("Query", tuple(reversed(roots)), {}),
        description="Read access to one organization's clinical data.",
    )
    definition = get_object_definition(query, strict=True)

    def position(field: Any) -> tuple[int, str, bool]:
        name = field.graphql_name or field.python_name
        if name in FIRST_FIELDS:
            return FIRST_FIELDS.index(name), "", False
        listed = isinstance(field.type, StrawberryList)
        of_type = field.type.of_type if listed else field.type
        if isinstance(of_type, StrawberryOptional):
            of_type = of_type.of_type
        return len(FIRST_FIELDS), of_type.__name__, listed

    definition.fields.sort(key=position)
    return query


def build_schema() -> ClinicalSchema:
    query = build_query()
    types = check_wiring()
    extensions: list[Any] = [
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules([COST_RULE]),
        lambda: QueryCost(BUDGET),  # after ValidationCache: it checks what validation passed
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]
    mutations = domain_roots("Mutation")
    mutation = (
        strawberry.type(type("Mutation", tuple(reversed(mutations)), {})) if mutations else None
    )
    built = ClinicalSchema(
        query=query,
        mutation=mutation,
        types=types,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=True),
        execution_context_class=FastFieldsExecutionContext,
    )
    for (type_name, field_name), resolve in RAW_RESOLVERS.items():
        graphql_type = built._schema.type_map[type_name]
        graphql_type.fields[field_name].resolve = resolve  # type: ignore[union-attr, attr-defined]
    return built


schema = build_schema()
