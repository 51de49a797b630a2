"""What every domain's tests check of its declared types on the seeded data (each domain's
`tests/graph/<domain>/` calls `check_domain_lists`): root lists and per-parent relation lists
return exactly the visible rows, in the order the declaration pins (then by id), computed
here in Python from the database rows."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from api_client import Api
from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.orm import RelationshipDirection

from graph.ids import decode
from graph.mirror import DECLARED, Declared
from graph.naming import camel, lower_first, plural
from graph.ordering import Sort
from models.base import SoftDeleteMixin
from models.core import Organization, OrganizationMember, User

ROOT_LIMIT, NESTED_LIMIT, PARENTS = 500, 100, 60


def _compare(order: Sequence[Sort], a: tuple[Any, ...], b: tuple[Any, ...]) -> int:
    """SQL's ORDER BY of the declaration: each key ascending, or descending with nulls last;
    then the id (the last element) ascending."""
    for sort, x, y in zip(order, a, b, strict=False):
        if x == y:
            continue
        if x is None or y is None:
            return 1 if x is None else -1  # nulls last (ascending keys are never null here)
        less = x < y
        return (1 if less else -1) if sort.descending else (-1 if less else 1)
    return -1 if a[-1] < b[-1] else (1 if a[-1] > b[-1] else 0)


def _comparable(order: Sequence[Sort], model: Any, dialect: str) -> bool:
    """Text keys follow the database's collation, which only SQLite shares with Python."""
    texts = [s for s in order if getattr(model, s.attribute).type.python_type is str]
    return dialect == "sqlite" or not texts


async def _rows(client: Any, declared: Declared, where: Any, *also: Any) -> list[tuple[Any, ...]]:
    """(order keys..., also..., id) of the visible rows of the client's organization."""
    model: Any = declared.model
    keys = [getattr(model, s.attribute) for s in declared.order]
    org = client.organization_id
    if model is Organization:
        visible = model.id == org
    elif model is User:
        members = select(OrganizationMember.user_id).where(
            OrganizationMember.organization_id == org
        )
        visible = model.id.in_(members)
    else:
        visible = model.organization_id == org
    statement = select(*keys, *also, model.id).where(where, visible)
    if issubclass(model, SoftDeleteMixin):
        statement = statement.where(model.deleted_at.is_(None))
    async with client.engine.connect() as conn:
        return [tuple(row) for row in (await conn.execute(statement)).all()]


def _sorted(declared: Declared, rows: list[tuple[Any, ...]]) -> list[str]:
    key = functools.cmp_to_key(functools.partial(_compare, declared.order))
    return [row[-1] for row in sorted(rows, key=key)]


def _ids(nodes: list[dict[str, str]]) -> list[str]:
    return [decode(node["id"])[1] for node in nodes]


async def check_domain_lists(api: Api, url: URL, dialect: str, domain: str) -> int:
    """Check the domain's root and relation lists; return how many rows were compared."""
    client = await api(url, org=0, roles=["admin"])
    compared = 0
    declared_here = [d for d in DECLARED.values() if d.type.__module__ == f"graph.{domain}.types"]
    assert declared_here, f"graph/{domain}/types.py declares no type"
    for declared in declared_here:
        model: Any = declared.model
        if not _comparable(declared.order, model, dialect):
            continue
        field = lower_first(plural(model.__name__))
        data = await client.data(f"{{ rows: {field}(first: {ROOT_LIMIT}) {{ nodes {{ id }} }} }}")
        expected = _sorted(declared, await _rows(client, declared, model.id.is_not(None)))
        assert _ids(data["rows"]["nodes"]) == expected[:ROOT_LIMIT], field
        compared += len(expected[:ROOT_LIMIT])
        compared += await _check_relations_into(client, declared)
    return compared


async def _check_relations_into(client: Any, child: Declared) -> int:
    """Every parent type's list of `child` rows, per parent, for the first parents."""
    compared = 0
    for relation in child.model.__mapper__.relationships:
        reverse = relation.back_populates
        if relation.direction is not RelationshipDirection.MANYTOONE or not reverse:
            continue
        parent = DECLARED[relation.mapper.class_]
        list_field = camel(reverse)
        if not relation.mapper.relationships[reverse].uselist:
            continue  # a single object, not a list
        parents = lower_first(plural(parent.model.__name__))
        data = await client.data(
            f"{{ rows: {parents}(first: {PARENTS}) {{ nodes {{ id children: {list_field}"
            f"(first: {NESTED_LIMIT}) {{ nodes {{ id }} }} }} }} }}"
        )
        parent_ids = _ids(data["rows"]["nodes"])
        (column,) = relation.local_columns
        fk = getattr(child.model, child.model.__mapper__.get_property_by_column(column).key)
        grouped: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for row in await _rows(client, child, fk.in_(parent_ids), fk):
            grouped[row[-2]].append(row)
        for parent_id, node in zip(parent_ids, data["rows"]["nodes"], strict=True):
            expected = _sorted(child, grouped[parent_id])[:NESTED_LIMIT]
            assert _ids(node["children"]["nodes"]) == expected, f"{parents}.{list_field}"
            compared += len(expected)
    return compared
