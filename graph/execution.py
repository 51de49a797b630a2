"""The execution context: most of a dashboard answer is columns and already-loaded rows.

graphql-core executes every field alike: resolve info, argument coercion, resolver call,
awaitable check, completion. This context plans each selection once per request: leaf fields
that only read their row (graph/steps.py) and object or list fields whose values are at hand
(graph/direct.py) are completed inline; every other field (computed fields, guarded fields,
anything that awaits or fails) goes to graphql-core unchanged, so answers and errors stay the
same. Before a list's items complete, their relations are loaded for all of them at once
(graph/prefetch.py).

Arguments are coerced once per field of the document and request, not once per row: the
nested lists of a page (`dialysisSessions(first: 5, where: {...})` on 100 patients) would
otherwise coerce the same literals 100 times (a tenth of the roster's time was measured there).
"""

from __future__ import annotations

from typing import Any, cast

from graphql import (
    GraphQLObjectType,
    Undefined,
    get_nullable_type,
    is_leaf_type,
)
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graph.direct import ABANDONED, complete_items, object_step
from graph.prefetch import (
    item_object_type,
    item_object_type_of,
    prefetching_fields,
    settle,
    start_prefetches,
)
from graph.steps import Step, leaf_step, row_reader


class FastFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Executes plain fields inline (see the module docstring), the rest as usual."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per (type, selection) of this request: graphql-core reuses one selection object for
        # all the rows of a list, so the plan is made once per list, not once per row.
        self._plans: dict[tuple[str, int], tuple[Any, dict[str, Step]]] = {}
        self._infos: dict[int, tuple[Any, Any]] = {}
        # Per (item type, selection): whether the items select a relation to prefetch.
        self._prefetching: dict[tuple[str, int], tuple[Any, list[Any]]] = {}
        # Coerced arguments per field node (and fragment variables) of this request.
        self._arguments: dict[tuple[int, int], tuple[Any, Any, dict[str, Any]]] = {}

    def build_response(self, data: Any) -> Any:  # type: ignore[override]
        """graphql-core's, then this context lets go of the request: graphql-core's context
        is a reference cycle (its resolve-info helpers hold its bound methods), as are the
        plans here (their steps hold the context), so everything it reaches (the request's
        context, its loaders and trail, every row of the answer) would otherwise wait for
        the garbage collector's next full pass instead of being freed when the request
        ends."""
        try:
            return super().build_response(data)
        finally:
            self._plans.clear()
            self._infos.clear()
            self._prefetching.clear()
            self._arguments.clear()
            self.context_value = None

    def argument_values(self, field_def: Any, details: Any) -> dict[str, Any]:
        """`get_argument_values` of graphql-core, memoized: the same node and variables give
        the same values (the dict is shared, and no resolver mutates its arguments)."""
        node, fragment_values = details.node, details.fragment_variable_values
        key = (id(node), id(fragment_values))
        found = self._arguments.get(key)
        if found is None or found[0] is not node or found[1] is not fragment_values:
            values = get_argument_values(
                field_def, node, self.variable_values, fragment_values, self.hide_suggestions
            )
            found = self._arguments[key] = (node, fragment_values, values)
        return found[2]

    def plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> dict[str, Step]:
        """The steps of the fields of this selection that need no graphql-core execution."""
        key = (parent_type.name, id(grouped_field_set))
        found = self._plans.get(key)
        if found is None or found[0] is not grouped_field_set:
            steps = {}
            principal = getattr(self.context_value, "principal", None)
            for response_name, details in grouped_field_set.items():
                step = leaf_step(parent_type, details, principal) or self._object_step(
                    parent_type, details, principal
                )
                if step is not None:
                    steps[response_name] = step
            found = self._plans[key] = (grouped_field_set, steps)
        return found[1]

    def execute_fields(  # type: ignore[override]
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        steps = self.plan(parent_type, grouped_field_set)
        if not steps:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        done: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for response_name, details in grouped_field_set.items():
            step = steps.get(response_name)
            if step is not None:
                finished, value = step(source_value)
                if finished:
                    done[response_name] = value
                    continue
            rest[response_name] = details
        if not rest:
            return done
        others = super().execute_fields(parent_type, source_value, path, rest, position_context)
        order = list(grouped_field_set)

        def merged(values: dict[str, Any]) -> dict[str, Any]:
            return {
                k: done[k] if k in done else values[k] for k in order if k in done or k in values
            }

        if self.is_awaitable(others):

            async def later() -> dict[str, Any]:
                return merged(await others)

            return later()
        return merged(cast("dict[str, Any]", others))

    def _object_step(
        self, parent_type: GraphQLObjectType, details: Any, principal: Any
    ) -> Step | None:
        """The direct step (graph/direct.py) of an object or list field, or None."""
        node = details[0].node
        field_def = parent_type.fields.get(node.name.value)
        if field_def is None or is_leaf_type(get_nullable_type(field_def.type)):
            return None
        plain = not (node.arguments or field_def.args)
        read = row_reader(field_def, principal) if plain else None
        return object_step(self, parent_type, field_def, details, read)

    def field_info(self, parent_type: GraphQLObjectType, field_def: Any, details: Any) -> Any:
        """One resolve info per field of the document and request, for resolvers called
        outside graphql-core's execution (graph/direct.py, graph/prefetch.py): they read its
        context, field nodes and fragments, never its path."""
        key = id(details)
        found = self._infos.get(key)
        if found is None or found[0] is not details:
            info = self.build_resolve_info(field_def, to_nodes(details), parent_type, None)  # type: ignore[arg-type]
            found = self._infos[key] = (details, info)
        return found[1]

    def prefetching(self, item_type: GraphQLObjectType, details_list: Any) -> list[Any]:
        """The relation fields selected on items of this type and selection that prefetch
        (graph/prefetch.py), found once per request."""
        key = (item_type.name, id(details_list))
        found = self._prefetching.get(key)
        if found is None or found[0] is not details_list:
            grouped = self.collect_subfields(item_type, details_list)[0]
            found = self._prefetching[key] = (details_list, prefetching_fields(item_type, grouped))
        return found[1]

    def list_needs_loading(self, item_type: Any, details_list: Any, items: list[Any]) -> bool:
        """Whether the items' relations must be loaded (graph/prefetch.py) before they can
        complete; the loads are started (graphql-core's completion then awaits them)."""
        object_type = item_object_type_of(item_type)
        if object_type is None:
            return False
        fields = self.prefetching(object_type, details_list)
        return bool(fields) and bool(start_prefetches(self, object_type, fields, items))

    def complete_list_value(  # type: ignore[override]
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's, after the relations of all the items are loaded at once
        (graph/prefetch.py), and directly (graph/direct.py) when nothing goes wrong."""
        complete = super().complete_list_value
        item_type = item_object_type(return_type)
        if item_type is None or not isinstance(result, list) or not result:
            return complete(return_type, field_details_list, info, path, result, position_context)
        fields = self.prefetching(item_type, field_details_list)
        waits = start_prefetches(self, item_type, fields, result) if fields else []

        def finish() -> Any:
            completed = complete_items(self, return_type, field_details_list, result)
            if completed is not ABANDONED:
                return completed
            return complete(return_type, field_details_list, info, path, result, position_context)

        if not waits:
            return finish()

        async def after_prefetch() -> Any:
            await settle(waits)
            completed = finish()
            return await completed if self.is_awaitable(completed) else completed

        return after_prefetch()

    def execute_field(  # type: ignore[override]
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_field` (3.3), with the arguments memoized per node."""
        details = field_details_list[0]
        field_def = self.schema.get_field(parent_type, details.node.name.value)
        if not field_def:
            return Undefined
        return_type = field_def.type
        resolve_fn = field_def.resolve or self.field_resolver
        if self.middleware_manager:
            resolve_fn = self.middleware_manager.get_field_resolver(resolve_fn)
        info = self.build_resolve_info(field_def, to_nodes(field_details_list), parent_type, path)
        try:
            args = (
                self.argument_values(field_def, details)
                if field_def.args or details.node.arguments
                else {}
            )
            result = resolve_fn(source, info, **args)
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, position_context
                )
            completed = self.complete_value(
                return_type, field_details_list, info, path, result, position_context
            )
            if self.is_awaitable(completed):

                async def await_completed() -> Any:
                    try:
                        return await completed
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, return_type, field_details_list, path)
                        return None

                return await_completed()
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return completed
