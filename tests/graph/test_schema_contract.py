"""The GraphQL schema against the spec (`../shared/schema`): one type per tier-1 table, one field
per non-sensitive column with the spec's nullability, scalar, unit and enum values, and no way to
reach a sensitive column (password hashes, two-factor secrets, device credentials).

Everything is read through introspection, the way a client sees the schema; the queries that ask
for a sensitive column go through the whole HTTP stack (authentication included).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from api_client import Api, Client
from sqlalchemy.engine import URL

from graph.ids import encode
from graph.naming import camel, enum_value_name, lower_first, plural
from graph.schema import schema
from models.base import Base

REPO = Path(__file__).resolve().parents[2]
GLOBAL_TABLES = frozenset({"organizations", "users"})
# Soft-delete bookkeeping is deliberately not served: soft-deleted rows never are (graph.mirror).
HIDDEN_COLUMNS = frozenset({"deleted_at", "deleted_by"})
SCALAR_OF_KIND = {
    "id": "ID",
    "ref": "ID",
    "text": "String",
    "integer": "Int",
    "real": "Float",
    "decimal": "Decimal",
    "boolean": "Boolean",
    "timestamp": "DateTime",
    "date": "Date",
    "time": "Time",
    "json": "JSON",
}


# --- the spec -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecColumn:
    table: str
    name: str
    kind: str
    required: bool
    values: tuple[str, ...] = ()
    unit: str | None = None
    sensitive: bool = False


@dataclass(frozen=True)
class SpecTable:
    name: str
    tier: int
    columns: tuple[SpecColumn, ...]


def schema_dir() -> Path:
    raw = os.environ.get("PERFEX_SCHEMA_DIR")
    return Path(raw).expanduser().resolve() if raw else REPO.parent / "shared" / "schema"


def _implicit(table: str, soft_delete: bool) -> tuple[list[SpecColumn], list[SpecColumn]]:
    first = [SpecColumn(table, "id", "id", True)]
    if table not in GLOBAL_TABLES:
        first.append(SpecColumn(table, "organization_id", "ref", True))
    last = [
        SpecColumn(table, "created_at", "timestamp", True),
        SpecColumn(table, "updated_at", "timestamp", True),
    ]
    if soft_delete:
        last += [
            SpecColumn(table, "deleted_at", "timestamp", False),
            SpecColumn(table, "deleted_by", "ref", False),
        ]
    return first, last


def load_spec() -> dict[str, SpecTable]:
    """Every table of the spec (all tiers), with the implicit columns the spec README adds."""
    files = sorted(schema_dir().glob("*.yaml"))
    if not files:
        pytest.fail(f"no spec YAML in {schema_dir()} (set PERFEX_SCHEMA_DIR)", pytrace=False)
    tables: dict[str, SpecTable] = {}
    for path in files:
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["tables"]:
            name = raw["name"]
            first, last = _implicit(name, bool(raw.get("soft_delete")))
            explicit = [
                SpecColumn(
                    table=name,
                    name=c["name"],
                    kind=c["kind"],
                    required=bool(c.get("required", False)),
                    values=tuple(c.get("values") or ()),
                    unit=c.get("unit"),
                    sensitive=bool(c.get("sensitive", False)),
                )
                for c in raw.get("columns") or ()
            ]
            tables[name] = SpecTable(name, int(raw["tier"]), (*first, *explicit, *last))
    return tables


SPEC = load_spec()
TIER_1 = {name: table for name, table in SPEC.items() if table.tier == 1}
SENSITIVE = [c for t in SPEC.values() for c in t.columns if c.sensitive]
SENSITIVE_TIER_1 = [c for t in TIER_1.values() for c in t.columns if c.sensitive]


def type_name_of(table: str) -> str | None:
    """The GraphQL type mirroring `table` (its model's class name), or None when not mirrored."""
    if table not in Base.metadata.tables:
        return None
    table_object = Base.metadata.tables[table]
    (mapper,) = (m for m in Base.registry.mappers if m.local_table is table_object)
    return mapper.class_.__name__


# --- the schema, as introspection shows it ----------------------------------------------------


INTROSPECTION = schema.introspect()["__schema"]
TYPES: dict[str, dict[str, Any]] = {t["name"]: t for t in INTROSPECTION["types"]}


def fields_of(type_name: str) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in TYPES[type_name]["fields"] or ()}


def named(type_ref: dict[str, Any]) -> dict[str, Any]:
    while type_ref["ofType"] is not None:
        type_ref = type_ref["ofType"]
    return type_ref


def test_the_spec_has_the_sensitive_columns_this_test_is_about() -> None:
    """Guards the test itself: an unreadable spec must not make the checks below vacuous."""
    names = {f"{c.table}.{c.name}" for c in SENSITIVE_TIER_1}
    assert {
        "users.password_hash",
        "portal_accounts.password_hash",
        "portal_accounts.two_factor_secret",
        "portal_accounts.backup_codes",
        "rpm_devices.connection_details",
    } <= names
    assert len(TIER_1) == 39


@pytest.mark.parametrize("column", SENSITIVE, ids=lambda c: f"{c.table}.{c.name}")
def test_no_sensitive_column_is_a_field(column: SpecColumn) -> None:
    type_name = type_name_of(column.table)
    if type_name is None:
        assert SPEC[column.table].tier != 1, f"tier-1 table {column.table} has no model"
        return
    fields = fields_of(type_name)
    assert camel(column.name) not in fields, f"{type_name}.{camel(column.name)} is exposed"
    assert column.name not in fields, f"{type_name}.{column.name} is exposed"


@pytest.mark.parametrize("column", SENSITIVE_TIER_1, ids=lambda c: f"{c.table}.{c.name}")
def test_no_sensitive_column_name_appears_anywhere_in_the_schema(column: SpecColumn) -> None:
    """Not as a field of any type, an argument or an input: the printed schema never names it."""
    printed = str(schema)
    assert not re.search(rf"\b{camel(column.name)}\b", printed), camel(column.name)


def test_every_tier_1_table_has_a_type() -> None:
    missing = [t for t in TIER_1 if type_name_of(t) is None or type_name_of(t) not in TYPES]
    assert missing == []
    for table in TIER_1:
        type_name = type_name_of(table)
        assert type_name is not None
        assert TYPES[type_name]["kind"] == "OBJECT"
        assert "Node" in {i["name"] for i in TYPES[type_name]["interfaces"]}


def _column_problems(type_name: str, column: SpecColumn) -> list[str]:
    fields = fields_of(type_name)
    field_name = camel(column.name)
    where = f"{type_name}.{field_name} ({column.table}.{column.name})"
    if field_name not in fields:
        return [f"{where}: no such field"]
    field = fields[field_name]
    problems = []
    non_null = field["type"]["kind"] == "NON_NULL"
    if non_null != column.required:
        problems.append(f"{where}: non-null is {non_null}, spec required is {column.required}")
    base = named(field["type"])
    if column.kind == "enum" and base["kind"] != "ENUM":
        problems.append(f"{where}: type {base['name']}, spec says an enum")
    if column.kind != "enum" and base["name"] != SCALAR_OF_KIND[column.kind]:
        problems.append(f"{where}: type {base['name']}, spec kind {column.kind}")
    description = field["description"] or ""
    if column.unit and column.unit not in description:
        problems.append(f"{where}: description {description!r} lacks the unit {column.unit!r}")
    if column.kind == "enum" and base["kind"] == "ENUM":
        problems += _enum_problems(where, base["name"], column)
    return problems


def _enum_problems(where: str, enum_name: str, column: SpecColumn) -> list[str]:
    """The GraphQL enum has one value per spec value, and each maps to exactly that value."""
    introspected = {v["name"] for v in TYPES[enum_name]["enumValues"]}
    expected = {enum_value_name(v, column.name) for v in column.values}
    if introspected != expected:
        return [f"{where}: enum values {sorted(introspected)}, spec gives {sorted(expected)}"]
    enum_type = schema._schema.get_type(enum_name)
    stored = sorted(v.value for v in enum_type.values.values())  # type: ignore[union-attr]
    if stored != sorted(column.values):
        return [f"{where}: enum maps to {stored}, spec values {sorted(column.values)}"]
    problems = []
    for value in column.values:
        name = enum_type.serialize(value)  # type: ignore[union-attr]
        parsed = enum_type.parse_value(name)  # type: ignore[union-attr]
        if name != enum_value_name(value, column.name) or getattr(parsed, "value", None) != value:
            problems.append(f"{where}: spec value {value!r} <-> {name!r} <-> {parsed!r}")
    return problems


@pytest.mark.parametrize("table", sorted(TIER_1))
def test_every_column_is_a_field_with_the_spec_nullability_scalar_unit_and_values(
    table: str,
) -> None:
    type_name = type_name_of(table)
    assert type_name is not None, f"{table} has no type"
    columns = [c for c in TIER_1[table].columns if not c.sensitive and c.name not in HIDDEN_COLUMNS]
    problems = [line for column in columns for line in _column_problems(type_name, column)]
    assert problems == []


def test_the_contract_checks_cover_units_and_enums() -> None:
    """Guards the test above: the spec gives units and enums, so those checks ran."""
    columns = [c for t in TIER_1.values() for c in t.columns]
    assert sum(1 for c in columns if c.unit) > 50
    assert sum(1 for c in columns if c.kind == "enum") > 50


# --- asking for a sensitive column over HTTP --------------------------------------------------


@pytest.fixture(scope="module")
async def member(api: Api, migrated_url: URL) -> Client:
    """The admin of a new organization (so its only user; users and portal accounts are
    admin's to read)."""
    return await api(migrated_url, roles=["admin"])


def _list_field(type_name: str) -> str:
    return lower_first(plural(type_name))


@pytest.mark.parametrize("column", SENSITIVE_TIER_1, ids=lambda c: f"{c.table}.{c.name}")
async def test_asking_for_a_sensitive_column_fails_validation(
    member: Client, column: SpecColumn
) -> None:
    type_name = type_name_of(column.table)
    assert type_name is not None
    field = camel(column.name)
    queries = [
        f"{{ {_list_field(type_name)}(first: 1) {{ nodes {{ id {field} }} }} }}",
        f'{{ node(id: "eA") {{ ... on {type_name} {{ {field} }} }} }}',
        f"{{ {_list_field(type_name)}(first: 1) {{ nodes {{ {column.name} }} }} }}",
    ]
    for query in queries:
        body = await member.query(query)
        assert body.get("data") is None, body
        codes = {e["extensions"]["code"] for e in body["errors"]}
        assert codes == {"GRAPHQL_VALIDATION_FAILED"}, body
        assert all("Did you mean" not in e["message"] for e in body["errors"]), body


async def test_a_valid_query_works_on_the_same_api(member: Client) -> None:
    """Control for the test above: the refusals are about the field, not the request."""
    response = await member.post(
        "{ users(first: 5) { nodes { id email } } portalAccounts(first: 1) { nodes { id } } }"
    )
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body
    assert [u["id"] for u in body["data"]["users"]["nodes"]] == [encode("User", member.user_id)]
