"""The document limits (`PERFEX_MAX_COST`, `_DEPTH`, `_ALIASES`, `_DIRECTIVES`), enforced with
the figures of `graph.cost` before anything executes, in two steps:

1. `cost_rule(budget)`: a validation rule, so the validation cache keeps its verdict. It sees
   no variable values and counts a page size given by a variable as 1 row: a lower bound, so it
   refuses only what every set of variables would refuse (fragment doubling, the depth-7
   probe), and it walks every operation of the document.
2. `QueryCost`: with the request's variables, the exact figures of the operation that runs,
   checked in the validation step (a refusal is a validation error, like the rule's), and the
   cost of an accepted operation in the response's `extensions.cost`.

A refusal is a GRAPHQL_VALIDATION_FAILED error per limit exceeded, whose extensions name the
limit: `{"code": …, "limit": "cost", "cost": 30151002, "maxCost": 50000}`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    ValidationContext,
    get_operation_ast,
)
from graphql.language.visitor import SKIP, VisitorAction
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from graph.cost import Budget, CostWalker, Figures
from graph.errors import ErrorCode
from models.memo import IdentityMemo

# (limit = the figure's name, budget field, extension key of the maximum, message)
LIMITS = (
    ("depth", "max_depth", "maxDepth", "The operation's depth is {value} levels"),
    ("aliases", "max_aliases", "maxAliases", "The operation has {value} aliases (as expanded)"),
    ("directives", "max_directives", "maxDirectives", "The operation has {value} directives"),
    ("cost", "max_cost", "maxCost", "The operation costs {value}"),
)
ADVICE = {"cost": ": ask for smaller pages (`first`/`last`), fewer nested lists or fewer fields"}


def limit_errors(
    figures: Figures, budget: Budget, node: Node | None = None, *, at_least: bool = False
) -> list[GraphQLError]:
    """One validation error per limit the figures exceed (none when all are within)."""
    errors = []
    for limit, field, key, text in LIMITS:
        value, maximum = getattr(figures, limit), getattr(budget, field)
        if value <= maximum:
            continue
        bound = "at least " if at_least and limit == "cost" else ""
        message = (
            text.format(value=f"{bound}{value}")
            + f", more than the limit of {maximum}{ADVICE.get(limit, '')}."
        )
        extensions = {
            "code": ErrorCode.GRAPHQL_VALIDATION_FAILED,
            "limit": limit,
            limit: value,
            key: maximum,
        }
        errors.append(GraphQLError(message, node, extensions=extensions))
    return errors


def cost_rule(budget: Budget) -> type[ASTValidationRule]:
    """The validation rule of `budget`; make it once (the validation cache keys on it)."""

    class CostRule(ASTValidationRule):
        """Refuses operations whose figures exceed the budget whatever the variables."""

        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            # One walker per document: its fragment summaries serve every operation.
            self.walker = CostWalker(context.schema, context.document, budget)

        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_args: Any
        ) -> VisitorAction:
            figures = self.walker.operation(node)
            for error in limit_errors(figures, budget, node, at_least=self.walker.lower_bound):
                self.report_error(error)
            return SKIP

        def enter_fragment_definition(self, *_args: Any) -> VisitorAction:
            return SKIP  # walked from the operations' spreads

    return CostRule


def chosen_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    """The operation that runs: the named one, else the first (as Strawberry chooses)."""
    found = get_operation_ast(document, operation_name)
    if found is None and operation_name is None:
        found = next(
            (d for d in document.definitions if isinstance(d, OperationDefinitionNode)), None
        )
    return found


class QueryCost(SchemaExtension):
    """The exact check with the request's variables, and `extensions.cost`. Must come after
    `ValidationCache` in the schema's extensions: it reads the validation's errors."""

    def __init__(self, budget: Budget) -> None:
        super().__init__()
        self.budget = budget
        self.cost: int | None = None

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            if context.pre_execution_errors is None:  # no validation cache ran before us
                context.pre_execution_errors = validate_document(
                    context.schema._schema, document, context.validation_rules
                )
            if not context.pre_execution_errors:
                self._check(context, document)
        yield

    def _check(self, context: Any, document: DocumentNode) -> None:
        operation = chosen_operation(document, context.operation_name)
        if operation is None:
            return  # Strawberry refuses the request itself
        variables = context.variables if isinstance(context.variables, Mapping) else {}
        figures = _figures(context.schema._schema, document, operation, self.budget, variables)
        errors = limit_errors(figures, self.budget, operation)
        if errors:
            context.pre_execution_errors = errors
        else:
            self.cost = figures.cost

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.cost} if self.cost is not None else {}


# The figures of the last documents and variables: a dashboard sends the same few again and
# again, and walking the operation was a tenth of a small request's time.
_FIGURES: IdentityMemo[Figures] = IdentityMemo(256)
_VARIABLES_KEPT_BYTES = 2048  # larger variables are walked every time, not kept


def _figures(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    budget: Budget,
    variables: Mapping[str, Any],
) -> Figures:
    """The operation's figures; the same document (Strawberry's parse cache returns the same
    node for the same text), operation, budget and variables give the same figures."""
    try:
        given: bytes | None = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        given = None
    if given is None or len(given) > _VARIABLES_KEPT_BYTES:
        return CostWalker(schema, document, budget, variables).operation(operation)
    key = (id(operation), budget, given)  # the operation is the document's: kept with it
    kept = _FIGURES.get(document, key)
    if kept is None:
        figures = CostWalker(schema, document, budget, variables).operation(operation)
        kept = _FIGURES.put(document, figures, key)
    return kept


__all__ = ["QueryCost", "chosen_operation", "cost_rule", "limit_errors"]
