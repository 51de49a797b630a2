"""One INSERT of many rows that share most of their values: `INSERT … SELECT` over arrays.

An audit batch is one row per patient read, and the rows differ only in `id` and
`patient_id`. Sent as an executemany, every row's every value went through SQLAlchemy's
parameter processing (timestamps, JSON): about 15 ms of Python for 500 rows. Here the shared
values are bound (and converted by their column types) once, and the varying text columns
arrive as arrays the database expands itself: `json_each` of one JSON array on SQLite,
`unnest` of one array per column on PostgreSQL. Only text columns may vary, so nothing is
left to convert per row.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import ARRAY, Insert, String, Text, bindparam, cast, func, insert, inspect, select
from sqlalchemy.types import TypeDecorator


def fanned_insert(
    model: type[Any],
    shared: Mapping[str, Any],
    varying: Mapping[str, Sequence[str | None]],
    dialect: str,
) -> tuple[Insert, dict[str, Any]] | None:
    """`INSERT INTO <table> (<shared>, <varying>) SELECT :shared…, <array elements>` and its
    parameters: one row per position of the `varying` lists (attribute -> values, all of one
    length), each with the `shared` values (attribute -> value). None when the lists are
    empty. The statement is built once per model, attributes and dialect (its SQLAlchemy
    cache key with it); only the parameters are new.

    Raises ValueError when a varying attribute is not a text column, the lists differ in
    length, the primary key does not vary, or a column with a Python-side default is left
    out (such a default would be computed once for the whole statement, not per row)."""
    lengths = {len(values) for values in varying.values()}
    if len(lengths) != 1:
        raise ValueError("the varying columns must be given, with one length")
    if not lengths.pop():
        return None
    statement = _statement(model, tuple(shared), tuple(varying), dialect)  # type: ignore[arg-type]  # a class is hashable
    parameters = {f"shared_{i}": value for i, value in enumerate(shared.values())}
    if dialect == "postgresql":
        parameters.update({f"varying_{i}": list(v) for i, v in enumerate(varying.values())})
    else:
        parameters["varying"] = orjson.dumps(list(zip(*varying.values(), strict=True))).decode()
    return statement, parameters


@functools.lru_cache(maxsize=64)
def _statement(
    model: type[Any], shared: tuple[str, ...], varying: tuple[str, ...], dialect: str
) -> Insert:
    mapper = inspect(model)
    columns = mapper.columns
    for key in varying:
        if not _is_text(columns[key].type):
            raise ValueError(f"{model.__name__}.{key} is not a text column: it cannot vary")
    if not set(mapper.local_table.primary_key.columns) <= {columns[key] for key in varying}:
        raise ValueError(f"{model.__name__}: each row needs its own primary key (in `varying`)")
    given = {columns[key] for key in (*shared, *varying)}
    table = mapper.local_table
    missing = [c.name for c in table.columns if c.default is not None and c not in given]
    if missing:
        raise ValueError(f"{model.__name__}: give {', '.join(missing)} (Python-side defaults)")
    values = [
        bindparam(f"shared_{i}", type_=columns[key].type).label(f"s{i}")
        for i, key in enumerate(shared)
    ]
    names = [f"v{i}" for i in range(len(varying))]
    if dialect == "postgresql":
        arrays = [
            cast(bindparam(f"varying_{i}", type_=ARRAY(Text)), ARRAY(Text))
            for i in range(len(varying))
        ]
        source = func.unnest(*arrays).table_valued(*names).render_derived(name="fanned")
        expanded: list[Any] = [source.c[name] for name in names]
    else:
        source = func.json_each(bindparam("varying", type_=Text)).table_valued("value")
        expanded = [func.json_extract(source.c.value, f"$[{i}]") for i in range(len(names))]
    targets = [columns[key] for key in (*shared, *varying)]
    return insert(table).from_select(
        targets, select(*values, *expanded).select_from(source), include_defaults=False
    )


def _is_text(kind: Any) -> bool:
    while isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, String)
