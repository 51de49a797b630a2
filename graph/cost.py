"""What an operation may cost, computed in one linear pass before anything executes.

Depth and alias limiters that walk a fragment again at every spread are exponential on
"fragment doubling" (`fragment F1 { ...F0 ...F0 } … fragment F20 { ...F19 ...F19 }`); so is
graphql-core's field collection at execution. `CostWalker` summarizes each fragment once
(memoized) and combines the summaries at the spreads, so its work is linear in the document
while its figures are those of the document as expanded: a doubled fragment doubles the cost
and the aliases, and is refused before execution.

The figures of an operation (`Figures`):

- depth: levels of fields, a root field being 1 (`{ me { userId } }` is 2); inside
  introspection (`__schema`, `__type`) levels are not counted.
- aliases and directives: as expanded through fragment spreads.
- cost: every field costs 1; a connection field costs 1 plus its selection, where the rows'
  part (`nodes`, `edges`) is multiplied by the page size (`first`/`last`, else the default
  page, clamped to the configured maximum); `totalCount` and an aggregate cost a statement
  (`STATEMENT`), an aggregate's groups count once without `groupBy`/`bucket`, else
  `MAX_GROUPS` times; `nodes(ids:)` multiplies by the number of ids; any other list of
  objects by the nested page maximum. Figures saturate at `CAP`.

The dashboard operations of `queries/` with their default variables (tested): Q1 Roster 5,905
(29,505 at `first: 500`), Q2 PatientChart 288, Q3 RpmAlerts 3,413, Q4 QualityDashboard 14,013,
Q5 PatientSearch 125. The depth-7 probe of issue 10 (`patients(first: 500)` → sessions(100) →
patient → sessions(100) → patient → sessions(3)) costs 30,151,002.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
    value_from_ast_untyped,
)

from graph.aggregates import MAX_GROUPS
from graph.connections import NESTED_DEFAULT, ROOT_DEFAULT
from graph.node import MAX_NODES
from settings.limits import LimitSettings

STATEMENT = 10  # a statement of its own whose size the page does not bound (COUNT, GROUP BY)
CAP = 2**53 - 1  # figures saturate here: exact in JSON, and a refused document stays cheap


@dataclass(frozen=True)
class Budget:
    """The limits an operation must stay within, and the page bounds the cost uses."""

    max_cost: int
    max_depth: int
    max_aliases: int
    max_directives: int
    page_max: int
    nested_page_max: int

    @classmethod
    def of(cls, limits: LimitSettings) -> Budget:
        return cls(
            limits.max_cost,
            limits.max_depth,
            limits.max_aliases,
            limits.max_directives,
            limits.page_max,
            limits.nested_page_max,
        )


@dataclass(frozen=True)
class Figures:
    """What one operation asks for, as expanded."""

    cost: int
    depth: int
    aliases: int
    directives: int


class Part(NamedTuple):
    """Summary of a selection set: `fixed` cost, and `per_row` cost (only on a connection
    type: what each row of the page adds), depth, aliases, directives."""

    fixed: int
    per_row: int
    depth: int
    aliases: int
    directives: int


EMPTY = Part(0, 0, 0, 0, 0)
LOWER = object()  # a variable's value when none are known: counted as its smallest page
ABSENT = object()


def _sat(value: int) -> int:
    return value if value < CAP else CAP


def _plus(a: Part, b: Part) -> Part:
    return Part(
        _sat(a.fixed + b.fixed),
        _sat(a.per_row + b.per_row),
        max(a.depth, b.depth),
        _sat(a.aliases + b.aliases),
        _sat(a.directives + b.directives),
    )


def is_connection(named: Any) -> bool:
    fields = getattr(named, "fields", None)
    return fields is not None and "pageInfo" in fields and "edges" in fields


class CostWalker:
    """Figures of a document's operations in one pass (see the module docstring).

    `variables=None` (validation: no values known) counts every page size or id list given
    by a variable as its smallest (a page of 1 row, no ids), so the figures are a lower bound
    (`lower_bound` says whether that happened), and one walker serves every operation of the
    document; with the request's variables they are exact, for the one operation that runs.
    `visits` counts the selections walked: linear in the document, whatever the expansion.
    """

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        budget: Budget,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        self.schema, self.budget, self.variables = schema, budget, variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[str, Part] = {}
        self.open: set[str] = set()  # fragments being summarized: a spread of one is a cycle
        self.defaults: dict[str, Any] = {}
        self.visits = 0
        self.lower_bound = False

    def operation(self, node: OperationDefinitionNode) -> Figures:
        self.defaults = {
            d.variable.name.value: value_from_ast_untyped(d.default_value)
            for d in node.variable_definitions or ()
            if d.default_value is not None
        }
        part = self.selections(node.selection_set, self.schema.get_root_type(node.operation))
        directives = _sat(part.directives + len(node.directives or ()))
        return Figures(part.fixed, part.depth, part.aliases, directives)

    def selections(self, node: SelectionSetNode, parent: GraphQLNamedType | None) -> Part:
        total = EMPTY
        for selection in node.selections:
            self.visits += 1
            if isinstance(selection, FieldNode):
                part = self.field(selection, parent)
            elif isinstance(selection, FragmentSpreadNode):
                part = self.spread(selection.name.value)
                part = part._replace(
                    directives=_sat(part.directives + len(selection.directives or ()))
                )
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                part = self.selections(selection.selection_set, inner)
                part = part._replace(
                    directives=_sat(part.directives + len(selection.directives or ()))
                )
            total = _plus(total, part)
        return total

    def spread(self, name: str) -> Part:
        if name not in self.memo and name in self.fragments and name not in self.open:
            self._summarize_from(name)
        return self.memo.get(name, EMPTY)  # unknown, or a cycle: validation reports it

    def _summarize_from(self, root: str) -> None:
        """Summarize `root` after the fragments it spreads, without recursing along a chain of
        fragments (only within one definition, whose nesting the parser bounds)."""
        path = [(root, iter(self._spreads(self.fragments[root].selection_set)))]
        self.open.add(root)
        while path:
            name, spreads = path[-1]
            for spread in spreads:
                if spread in self.fragments and spread not in self.memo and spread not in self.open:
                    self.open.add(spread)
                    path.append((spread, iter(self._spreads(self.fragments[spread].selection_set))))
                    break
            else:
                path.pop()
                fragment = self.fragments[name]
                inner = self.schema.get_type(fragment.type_condition.name.value)
                part = self.selections(fragment.selection_set, inner)
                directives = _sat(part.directives + len(fragment.directives or ()))
                self.memo[name] = part._replace(directives=directives)
                self.open.discard(name)

    def _spreads(self, node: SelectionSetNode) -> list[str]:
        """The fragments spread in a selection set, at any level within it."""
        found = []
        for selection in node.selections:
            self.visits += 1
            if isinstance(selection, FragmentSpreadNode):
                found.append(selection.name.value)
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                found.extend(self._spreads(selection.selection_set))
        return found

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Part:
        name = node.name.value
        aliases, directives = int(node.alias is not None), len(node.directives or ())
        definition = None
        if name == "__schema":
            definition = SchemaMetaFieldDef
        elif name == "__type":
            definition = TypeMetaFieldDef
        elif is_composite_type(parent) and name != "__typename":
            definition = getattr(parent, "fields", {}).get(name)
        named = get_named_type(definition.type) if definition is not None else None
        child = EMPTY
        if node.selection_set is not None:
            child = self.selections(node.selection_set, named)
        fixed, per_row = 1 + child.fixed, 0
        meta = parent is not None and parent.name.startswith("__")
        if definition is not None and not meta and not name.startswith("__"):
            fixed, per_row = self._cost(node, definition, parent, named, child)
        depth = 0 if meta else 1 + child.depth
        return Part(
            _sat(fixed),
            _sat(per_row),
            depth,
            _sat(aliases + child.aliases),
            _sat(directives + child.directives),
        )

    def _cost(
        self, node: FieldNode, definition: Any, parent: Any, named: Any, child: Part
    ) -> tuple[int, int]:
        """(fixed, per_row) of a schema field, the selection's figures given."""
        listed = is_list_type(get_nullable_type(definition.type))
        if is_connection(named):
            root = parent is self.schema.query_type
            return 1 + child.fixed + self._page(node, root) * child.per_row, 0
        if is_connection(parent):
            if listed:  # nodes, edges: each row of the page
                return 1, child.fixed
            if node.name.value == "totalCount":
                return 1 + STATEMENT, 0
        if listed and ("groupBy" in definition.args or "bucket" in definition.args):
            return 1 + STATEMENT + self._groups(node) * child.fixed, 0
        if listed and "ids" in definition.args:
            return 1 + self._ids(node) * child.fixed, 0
        if listed and is_composite_type(named):
            return 1 + self.budget.nested_page_max * child.fixed, 0
        return 1 + child.fixed, 0

    def _value(self, node: FieldNode, name: str) -> Any:
        """An argument's value: ABSENT, LOWER (a variable, values unknown), or the value."""
        value: ValueNode | None = next(
            (a.value for a in node.arguments or () if a.name.value == name), None
        )
        if value is None:
            return ABSENT
        if isinstance(value, VariableNode):
            if self.variables is None:
                self.lower_bound = True
                return LOWER
            variable = value.name.value
            if variable in self.variables:
                return self.variables[variable]
            return self.defaults.get(variable, ABSENT)
        if isinstance(value, NullValueNode):
            return None
        if isinstance(value, IntValueNode):  # 5,000 digits parse: no int() of that
            text = value.value
            return int(text) if len(text) < 19 else (-CAP if text.startswith("-") else CAP)
        if isinstance(value, ListValueNode):
            return [LOWER if isinstance(v, VariableNode) else v for v in value.values]
        return value  # of the wrong type: validation reports it

    def _page(self, node: FieldNode, root: bool) -> int:
        maximum = self.budget.page_max if root else self.budget.nested_page_max
        sizes = []
        for name in ("first", "last"):
            value = self._value(node, name)
            if value is LOWER:
                sizes.append(1)
            elif isinstance(value, int) and not isinstance(value, bool):
                sizes.append(min(max(value, 1), maximum))  # a page outside 1..max never runs
            elif value is not ABSENT and value is not None:
                sizes.append(maximum)  # not an Int: coercion refuses it, count the worst
        if sizes:
            return max(sizes)
        return min(ROOT_DEFAULT if root else NESTED_DEFAULT, maximum)

    def _groups(self, node: FieldNode) -> int:
        grouping = [self._value(node, name) for name in ("groupBy", "bucket")]
        if any(v is LOWER for v in grouping):
            return 1
        return MAX_GROUPS if any(v not in (ABSENT, None, []) for v in grouping) else 1

    def _ids(self, node: FieldNode) -> int:
        value = self._value(node, "ids")
        if value is LOWER or value is ABSENT or value is None:
            return 0
        return min(len(value), MAX_NODES) if isinstance(value, list) else 1


__all__ = ["CAP", "STATEMENT", "Budget", "CostWalker", "Figures", "Part", "is_connection"]
