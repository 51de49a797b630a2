"""`<plural>Aggregate(where, groupBy, bucket)`: counts and numeric figures per group, in one
statement, on the root and per patient (batched over all patients of a page).

Only the figures a query selects are computed (`avg { ktv }` adds one AVG). Date buckets are
one SQL expression per dialect (`DateBucket`), truncating to the day, Monday-based week, month
or year in UTC. The number of groups is bounded: a query that would return more is refused
with advice instead of being cut short silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from sqlalchemy import Date, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from graph.companions import AggregateTypes, aggregates_of, enum_of, target_of
from graph.errors import BadUserInput
from graph.ids import encode
from graph.naming import camel
from models.base import Base
from models.types import kind_of

MAX_GROUPS = 1000
FIGURES = ("avg", "min", "max", "sum")


class DateBucket(FunctionElement[Any]):
    """The first day of the bucket of a date or timestamp: `DateBucket(column, unit, kind)`."""

    type = Date()
    inherit_cache = True
    name = "date_bucket"


@compiles(DateBucket, "sqlite")
def _bucket_sqlite(element: DateBucket, compiler: Any, **kw: Any) -> str:
    column, unit, kind = element.clauses.clauses
    value = compiler.process(column, **kw)
    source = f"{value}, 'unixepoch'" if kind.value == "timestamp" else value
    shift = {
        "day": "",
        "week": ", 'weekday 0', '-6 days'",
        "month": ", 'start of month'",
        "year": ", 'start of year'",
    }[unit.value]
    return f"date({source}{shift})"


@compiles(DateBucket, "postgresql")
def _bucket_postgresql(element: DateBucket, compiler: Any, **kw: Any) -> str:
    column, unit, kind = element.clauses.clauses
    value = compiler.process(column, **kw)
    if kind.value == "timestamp":
        value = f"({value} AT TIME ZONE 'UTC')"
    return f"CAST(date_trunc('{unit.value}', {value}) AS DATE)"


def bucket_expression(model: type[Base], attribute: str, unit: str) -> Any:
    column = getattr(model, attribute)
    kind = kind_of(column.property.columns[0].type)
    return DateBucket(column, _literal(unit), _literal(kind))


def _literal(text: str) -> Any:
    return literal(text, literal_execute=True)


def selected_figures(info: strawberry.Info) -> dict[str, list[str]]:
    """figure -> numeric fields selected under it (`avg { ktv }` -> {"avg": ["ktv"]})."""
    wanted: dict[str, list[str]] = {}

    def visit(selections: Sequence[Any], figure: str | None) -> None:
        for selection in selections:
            nested = getattr(selection, "selections", None) or []
            name = getattr(selection, "name", None)
            if figure is None and name in FIGURES:
                wanted.setdefault(name, [])
                visit(nested, name)
            elif figure is not None and name is not None and not nested:
                wanted[figure].append(name)
            else:
                visit(nested, figure)

    for field in info.selected_fields:
        visit(field.selections, None)
    return wanted


def aggregate_statement(
    model: type[Base],
    types: AggregateTypes,
    condition: Any,
    group_by: Sequence[Any],
    bucket: Any | None,
    figures: dict[str, list[str]],
    parent_key: str | None = None,
    limit: int = MAX_GROUPS + 1,
) -> tuple[Any, list[str], dict[str, tuple[str, str]]]:
    """(statement, grouped attributes, label -> (figure, attribute)) of one aggregate query."""
    grouped = [str(item.value) for item in dict.fromkeys(group_by or ())]  # enum value = attribute
    columns: list[Any] = []
    if parent_key is not None:
        columns.append(getattr(model, parent_key).label("parent"))
    columns += [getattr(model, attribute).label(f"k_{attribute}") for attribute in grouped]
    if bucket is not None:
        columns.append(
            bucket_expression(model, str(bucket.field.value), bucket.unit.value).label("bucket")
        )
    keys = list(columns)
    columns.append(func.count().label("count"))
    labels: dict[str, tuple[str, str]] = {}
    sql: dict[str, Any] = {"avg": func.avg, "min": func.min, "max": func.max, "sum": func.sum}
    camel_to_attr = {camel(a): a for a in types.numeric}
    for figure, names in figures.items():
        for name in dict.fromkeys(names):
            attribute = camel_to_attr.get(name)
            if attribute is not None:
                label = f"{figure}_{attribute}"
                labels[label] = (figure, attribute)
                columns.append(sql[figure](getattr(model, attribute)).label(label))
    statement = select(*columns).select_from(model).where(condition)
    if keys:
        statement = statement.group_by(*keys).order_by(*keys)
    return statement.limit(limit), grouped, labels


def groups(
    model: type[Base],
    types: AggregateTypes,
    rows: Sequence[Any],
    grouped: list[str],
    labels: dict[str, tuple[str, str]],
    has_bucket: bool,
) -> list[Any]:
    """The AggregateGroup objects of the statement's rows."""
    if len(rows) > MAX_GROUPS:
        raise BadUserInput(
            f"more than {MAX_GROUPS} groups: narrow `where`, group by fewer columns or use a "
            "wider bucket"
        )
    enums = {a: _enum_of(model, a) for a in grouped}
    result = []
    for row in rows:
        mapping = row._mapping
        key_values: dict[str, Any] = dict.fromkeys(_key_fields(types), None)
        for attribute in grouped:
            key_values[attribute] = _key(model, attribute, mapping[f"k_{attribute}"], enums)
        if has_bucket:
            key_values["bucket"] = mapping["bucket"]
        group: dict[str, Any] = {"keys": types.keys(**key_values), "count": int(mapping["count"])}
        if types.stats is not None:
            figures = {f: dict.fromkeys(types.numeric, None) for f in FIGURES}
            for label, (figure, attribute) in labels.items():
                value = mapping[label]
                figures[figure][attribute] = None if value is None else float(value)
            group |= {f: types.stats(**values) for f, values in figures.items()}
        result.append(types.group(**group))
    return result


def _key_fields(types: AggregateTypes) -> list[str]:
    definition = types.keys.__strawberry_definition__
    return [field.python_name for field in definition.fields]


def _enum_of(model: type[Base], attribute: str) -> Any:
    column = getattr(model, attribute).property.columns[0]
    if kind_of(column.type) != "enum":
        return None
    return enum_of(model, column.name)


def _key(model: type[Base], attribute: str, value: Any, enums: dict[str, Any]) -> Any:
    if value is None:
        return None
    column = getattr(model, attribute).property.columns[0]
    if column.foreign_keys:
        return strawberry.ID(encode(target_of(column).__name__, value))
    if enums.get(attribute) is not None:
        return enums[attribute](value)
    return value


__all__ = ["aggregate_statement", "aggregates_of", "groups", "selected_figures"]
