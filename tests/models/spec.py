"""The schema spec (`../shared/schema`) as plain dataclasses, and comparators against it.

`load_spec()` reads the YAML files, keeps the tables of `TIERS` and adds the implicit columns the
spec README gives every table. `compare()` lists the differences between those tables and a
SQLAlchemy `MetaData`; `compare_database()` does the same for a reflected, migrated database.
Both return readable lines such as `dialyse_sessions.status: nullable is True, spec says required`;
an empty list means the models (or the database) match the spec.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import re
import uuid
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import CheckConstraint, Column, MetaData, Table, UniqueConstraint
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.reflection import Inspector
from sqlalchemy.sql.elements import False_, TextClause, True_

from models.base import SERVING_INDEX_PREFIX, UNREFLECTABLE_INDEX_WARNING
from models.types import kind_of

# The tiers under test. Add 2 once the tier-2 models exist.
TIERS: tuple[int, ...] = (1,)

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SCHEMA_DIR = REPO.parent / "shared" / "schema"

KINDS = frozenset(
    {
        "id",
        "ref",
        "text",
        "integer",
        "real",
        "decimal",
        "boolean",
        "timestamp",
        "date",
        "time",
        "json",
        "enum",
    }
)
ON_DELETE = frozenset({"cascade", "set null", "restrict"})

# Tables without organization_id (README: "Only `organizations` itself lacks it"; core.yaml and
# the users table's description add users, a global login identity).
GLOBAL_TABLES = frozenset({"organizations", "users"})

# Storage of each kind per dialect: the README's "Kinds of column" table, as the type names
# SQLAlchemy compiles reflected types to.
_TEXT = frozenset({"TEXT"})
STORAGE: dict[str, dict[str, frozenset[str]]] = {
    "sqlite": {
        "id": _TEXT,
        "ref": _TEXT,
        "text": _TEXT,
        "enum": _TEXT,
        "integer": frozenset({"INTEGER"}),
        "real": frozenset({"REAL"}),
        "decimal": frozenset({"NUMERIC", "NUMERIC(12, 2)"}),
        "boolean": frozenset({"INTEGER"}),
        "timestamp": frozenset({"INTEGER"}),
        "date": _TEXT,
        "time": _TEXT,
        "json": _TEXT,
    },
    "postgresql": {
        "id": frozenset({"TEXT", "UUID"}),
        "ref": frozenset({"TEXT", "UUID"}),
        "text": _TEXT,
        "enum": _TEXT,
        "integer": frozenset({"INTEGER", "BIGINT"}),
        "real": frozenset({"DOUBLE PRECISION"}),
        "decimal": frozenset({"NUMERIC(12, 2)"}),
        "boolean": frozenset({"BOOLEAN"}),
        "timestamp": frozenset({"TIMESTAMP WITH TIME ZONE"}),
        "date": frozenset({"DATE"}),
        "time": frozenset({"TIME WITHOUT TIME ZONE"}),
        "json": frozenset({"JSONB"}),
    },
}

_TABLE_KEYS = frozenset(
    {
        "name",
        "module",
        "tier",
        "description",
        "patient_centric",
        "soft_delete",
        "columns",
        "indexes",
        "source",
    }
)
_COLUMN_KEYS = frozenset(
    {
        "name",
        "kind",
        "required",
        "default",
        "values",
        "references",
        "on_delete",
        "unit",
        "description",
        "shape",
        "sensitive",
    }
)
_INDEX_KEYS = frozenset({"name", "columns", "unique"})


class SpecError(Exception):
    """The spec is missing or malformed; the message says where and what."""


@dataclass(frozen=True)
class SpecColumn:
    """One column of the spec; `implicit` for the README's columns every table has."""

    name: str
    kind: str
    required: bool = False
    default: Any = None
    values: tuple[str, ...] = ()
    references: str | None = None
    on_delete: str | None = None
    unit: str | None = None
    description: str | None = None
    shape: str | None = None
    sensitive: bool = False
    implicit: bool = False
    # Set by the application, not the spec's `default`: "uuid", "insert" or "insert_update".
    generated: str | None = None


@dataclass(frozen=True)
class SpecIndex:
    name: str
    columns: tuple[str, ...]
    unique: bool = False


@dataclass(frozen=True)
class SpecTable:
    name: str
    module: str
    tier: int
    description: str
    patient_centric: bool
    soft_delete: bool
    columns: tuple[SpecColumn, ...]
    indexes: tuple[SpecIndex, ...]
    source: str | None = None

    @property
    def explicit_columns(self) -> tuple[SpecColumn, ...]:
        return tuple(column for column in self.columns if not column.implicit)

    @property
    def has_tenant(self) -> bool:
        return self.name not in GLOBAL_TABLES

    def column(self, name: str) -> SpecColumn:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name}.{name}")

    def with_column(self, name: str, **changes: Any) -> SpecTable:
        """A copy with column `name` changed (for tests that alter the spec)."""
        self.column(name)
        columns = tuple(
            dataclasses.replace(c, **changes) if c.name == name else c for c in self.columns
        )
        return dataclasses.replace(self, columns=columns)


def schema_dir() -> Path:
    """Where the spec is: PERFEX_SCHEMA_DIR, else `<repo>/../shared/schema`."""
    raw = os.environ.get("PERFEX_SCHEMA_DIR")
    return Path(raw).expanduser().resolve() if raw else DEFAULT_SCHEMA_DIR


def load_spec(tiers: Iterable[int] = TIERS, directory: Path | None = None) -> dict[str, SpecTable]:
    """The spec's tables of `tiers`, by name, with their implicit columns (raises SpecError)."""
    directory = directory or schema_dir()
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        raise SpecError(
            f"schema spec not found: no *.yaml files in {directory} "
            "(set PERFEX_SCHEMA_DIR to the folder holding the spec's YAML files)"
        )
    wanted = set(tiers)
    tables: dict[str, SpecTable] = {}
    for path in files:
        document = _read_yaml(path, path.stat().st_mtime_ns)
        if not isinstance(document, dict) or not isinstance(document.get("tables"), list):
            raise SpecError(f"{path}: expected a mapping with a `tables` list")
        for raw in document["tables"]:
            table = _table(raw, path, document.get("module"))
            if table.name in tables:
                raise SpecError(f"{path}: table {table.name} is defined twice")
            if table.tier in wanted:
                tables[table.name] = table
    return tables


@functools.cache
def _read_yaml(path: Path, _mtime_ns: int) -> Any:
    """One spec file, parsed with libyaml when available (cached: the files are large)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506


def _table(raw: dict[str, Any], path: Path, module: str | None) -> SpecTable:
    where = f"{path.name}: {raw.get('name', '?')}"
    _check_keys(raw, _TABLE_KEYS, where)
    if raw["module"] != module:
        raise SpecError(f"{where}: module {raw['module']!r}, file says {module!r}")
    explicit = tuple(_column(c, where) for c in raw.get("columns") or ())
    name = raw["name"]
    soft_delete = bool(raw.get("soft_delete", False))
    first = [SpecColumn("id", "id", required=True, implicit=True, generated="uuid")]
    if name not in GLOBAL_TABLES:
        first.append(
            SpecColumn(
                "organization_id",
                "ref",
                required=True,
                references="organizations",
                implicit=True,
            )
        )
    last = [
        SpecColumn("created_at", "timestamp", required=True, implicit=True, generated="insert"),
        SpecColumn(
            "updated_at", "timestamp", required=True, implicit=True, generated="insert_update"
        ),
    ]
    if soft_delete:
        last += [
            SpecColumn("deleted_at", "timestamp", implicit=True),
            SpecColumn("deleted_by", "ref", references="users", implicit=True),
        ]
    columns = (*first, *explicit, *last)
    names = [c.name for c in columns]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SpecError(f"{where}: duplicate columns {duplicates}")
    indexes = []
    for index in raw.get("indexes") or ():
        _check_keys(index, _INDEX_KEYS, f"{where} index")
        indexes.append(
            SpecIndex(index["name"], tuple(index["columns"]), bool(index.get("unique", False)))
        )
    return SpecTable(
        name=name,
        module=raw["module"],
        tier=int(raw["tier"]),
        description=_squash(raw.get("description")) or "",
        patient_centric=bool(raw.get("patient_centric", False)),
        soft_delete=soft_delete,
        columns=columns,
        indexes=tuple(indexes),
        source=raw.get("source"),
    )


def _column(raw: dict[str, Any], where: str) -> SpecColumn:
    where = f"{where}.{raw.get('name', '?')}"
    _check_keys(raw, _COLUMN_KEYS, where)
    kind = raw["kind"]
    if kind not in KINDS:
        raise SpecError(f"{where}: unknown kind {kind!r}")
    if (kind == "enum") != bool(raw.get("values")):
        raise SpecError(f"{where}: `values` goes with kind enum, and only with it")
    if (kind == "ref") != bool(raw.get("references")):
        raise SpecError(f"{where}: `references` goes with kind ref, and only with it")
    on_delete = raw.get("on_delete")
    if on_delete is not None and (kind != "ref" or on_delete not in ON_DELETE):
        raise SpecError(f"{where}: bad on_delete {on_delete!r}")
    return SpecColumn(
        name=raw["name"],
        kind=kind,
        required=bool(raw.get("required", False)),
        default=raw.get("default"),
        values=tuple(raw.get("values") or ()),
        references=raw.get("references"),
        on_delete=on_delete,
        unit=raw.get("unit"),
        description=_squash(raw.get("description")),
        shape=raw.get("shape"),
        sensitive=bool(raw.get("sensitive", False)),
    )


def _check_keys(raw: Any, allowed: frozenset[str], where: str) -> None:
    if not isinstance(raw, dict) or "name" not in raw:
        raise SpecError(f"{where}: expected a mapping with a name")
    unknown = set(raw) - allowed
    if unknown:
        raise SpecError(f"{where}: unknown keys {sorted(unknown)}")


def _squash(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


# --- what the spec expects, dialect-independent ------------------------------------------------


def expected_server_default(column: SpecColumn) -> str | None:
    """The server default the spec's `default` implies, as plain SQL text."""
    default = column.default
    if default is None:
        return None
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, int | float):
        return repr(default)
    return str(default)


def expected_info(column: SpecColumn) -> dict[str, Any]:
    """The spec facts `models.columns` records in `Column.info` of an explicit column."""
    info: dict[str, Any] = {"kind": column.kind}
    facts = {
        "values": column.values,
        "references": column.references,
        "on_delete": column.on_delete,
        "unit": column.unit,
        "description": column.description,
        "shape": column.shape,
        "sensitive": column.sensitive or None,
        "default": column.default,
    }
    info.update({key: value for key, value in facts.items() if value not in (None, ())})
    return info


# Columns named `<x>IN (...)` (SQLite, SQLAlchemy) or `<x> = ANY (ARRAY[...])` (PostgreSQL).
_CHECK_COLUMN = re.compile(r'^\s*\(*\s*(?:"?\w+"?\.)?"?(\w+)"?\s*(?:IN\b|=\s*ANY\b)', re.I)
_CHECK_VALUE = re.compile(r"'((?:[^']|'')*)'")


def parse_enum_check(sqltext: str) -> tuple[str, frozenset[str]] | None:
    """The column and allowed values of an `x IN ('a', 'b')` CHECK, or None if it is not one."""
    match = _CHECK_COLUMN.match(sqltext)
    if not match:
        return None
    values = frozenset(v.replace("''", "'") for v in _CHECK_VALUE.findall(sqltext))
    return match.group(1), values


def _check_text(constraint: CheckConstraint) -> str:
    sqltext = constraint.sqltext
    if isinstance(sqltext, TextClause):
        return sqltext.text
    compiled = sqltext.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    return str(compiled)


def _fmt(value: Any) -> str:
    if isinstance(value, frozenset | set):
        return "{" + ", ".join(sorted(map(repr, value))) + "}"
    return repr(value)


def _nullability(where: str, nullable: bool, spec: SpecColumn) -> list[str]:
    if nullable == (not spec.required):
        return []
    wanted = "required" if spec.required else "optional"
    return [f"{where}: nullable is {nullable}, spec says {wanted}"]


def _index_lines(
    table: str, actual: Mapping[str, tuple[tuple[str, ...], bool]], spec: SpecTable
) -> list[str]:
    lines = []
    actual = {k: v for k, v in actual.items() if not k.startswith(SERVING_INDEX_PREFIX)}
    wanted = {i.name: (i.columns, i.unique) for i in spec.indexes}
    for name in sorted(wanted.keys() - actual.keys()):
        lines.append(f"{table}: index {name} {wanted[name]} in the spec, missing")
    for name in sorted(actual.keys() - wanted.keys()):
        lines.append(f"{table}: index {name} {actual[name]} is not in the spec")
    for name in sorted(wanted.keys() & actual.keys()):
        (columns, unique), (spec_columns, spec_unique) = actual[name], wanted[name]
        if columns != spec_columns:
            lines.append(f"{table}: index {name} columns are {columns}, spec says {spec_columns}")
        if unique != spec_unique:
            lines.append(f"{table}: index {name} unique is {unique}, spec says {spec_unique}")
    if spec.has_tenant and not any(cols[:1] == ("organization_id",) for cols, _ in actual.values()):
        lines.append(f"{table}: no index leads with organization_id (spec: indexed)")
    return lines


def _table_set(spec_names: Iterable[str], actual_names: Iterable[str]) -> list[str]:
    spec_set, actual_set = set(spec_names), set(actual_names)
    return [f"{name}: table in the spec, missing" for name in sorted(spec_set - actual_set)] + [
        f"{name}: table is not in the spec (tiers {TIERS})"
        for name in sorted(actual_set - spec_set)
    ]


def _column_set(table: str, spec: SpecTable, actual: Iterable[str]) -> list[str]:
    spec_set, actual_set = {c.name for c in spec.columns}, set(actual)
    return [
        f"{table}.{name}: column in the spec, missing" for name in sorted(spec_set - actual_set)
    ] + [f"{table}.{name}: column is not in the spec" for name in sorted(actual_set - spec_set)]


def _enum_checks(
    table: str, spec: SpecTable, checks: Iterable[tuple[str | None, str]]
) -> list[str]:
    """Compare CHECK constraints `(name, sqltext)` with the spec's enum columns."""
    lines = []
    found: dict[str, frozenset[str]] = {}
    for name, sqltext in checks:
        parsed = parse_enum_check(sqltext)
        if parsed is None:
            lines.append(f"{table}: CHECK {name} is not an enum check: {sqltext}")
            continue
        column, values = parsed
        if column in found:
            lines.append(f"{table}.{column}: more than one CHECK constraint")
        found[column] = values
        if name is not None and name != f"ck_{table}_{column}":
            lines.append(f"{table}.{column}: CHECK is named {name}, expected ck_{table}_{column}")
    enums = {c.name: frozenset(c.values) for c in spec.columns if c.kind == "enum"}
    for column in sorted(enums.keys() - found.keys()):
        lines.append(f"{table}.{column}: no CHECK constraint for the enum values")
    for column in sorted(found.keys() - enums.keys()):
        lines.append(f"{table}.{column}: has a CHECK constraint but is not an enum in the spec")
    for column in sorted(enums.keys() & found.keys()):
        if found[column] != enums[column]:
            lines.append(
                f"{table}.{column}: CHECK values are {_fmt(found[column])}, "
                f"spec says {_fmt(enums[column])}"
            )
    return lines


def _comment_lines(where: str, comment: str | None, spec: SpecColumn) -> list[str]:
    if spec.implicit:
        return []
    lines = []
    text = _squash(comment) or ""
    if spec.description and spec.description not in text:
        lines.append(f"{where}: comment {comment!r} lacks the description {spec.description!r}")
    if spec.unit and f"Unit: {spec.unit}." not in text:
        lines.append(f"{where}: comment {comment!r} lacks 'Unit: {spec.unit}.'")
    if not spec.description and not spec.unit and comment:
        lines.append(f"{where}: comment is {comment!r}, spec has no description or unit")
    return lines


def _ondelete(raw: str | None) -> str | None:
    value = (raw or "").strip().lower()
    return None if value in ("", "no action") else value


# --- models --------------------------------------------------------------------------------------


def model_kind(column: Column[Any]) -> str:
    """The spec kind of a model column: its type's kind, `ref` when an `id` has a foreign key."""
    kind = kind_of(column.type)
    return "ref" if kind == "id" and column.foreign_keys else kind


def _server_default_text(column: Column[Any]) -> str | None:
    default = column.server_default
    if default is None:
        return None
    arg = getattr(default, "arg", default)
    if isinstance(arg, True_):
        return "true"
    if isinstance(arg, False_):
        return "false"
    if isinstance(arg, TextClause):
        return arg.text
    if isinstance(arg, str):
        return arg
    return str(arg)


def _python_default_lines(where: str, column: Column[Any], spec: SpecColumn) -> list[str]:
    default, onupdate = column.default, column.onupdate
    if spec.generated:
        if default is None or not default.is_callable:
            return [f"{where}: Python default is {default!r}, spec says generated on insert"]
        value = default.arg(None)  # type: ignore[union-attr]
        if spec.generated == "uuid":
            try:
                uuid.UUID(value)
            except (TypeError, ValueError):
                return [f"{where}: generated id {value!r} is not a UUID string"]
        elif not (isinstance(value, dt.datetime) and value.utcoffset() == dt.timedelta(0)):
            return [f"{where}: generated value {value!r} is not an aware UTC datetime"]
        wants_onupdate = spec.generated == "insert_update"
        if wants_onupdate != (onupdate is not None and onupdate.is_callable):
            return [f"{where}: onupdate is {onupdate!r}, spec says set on update: {wants_onupdate}"]
        return []
    lines = []
    if onupdate is not None:
        lines.append(f"{where}: onupdate is {onupdate!r}, spec says none")
    if spec.default is None:
        if default is not None:
            lines.append(f"{where}: Python default is {default!r}, spec says none")
    elif default is None or not default.is_scalar:
        lines.append(f"{where}: Python default is {default!r}, spec says {spec.default!r}")
    else:
        value = default.arg  # type: ignore[union-attr]
        if (type(value), value) != (type(spec.default), spec.default):
            lines.append(f"{where}: Python default is {value!r}, spec says {spec.default!r}")
    return lines


def _foreign_key_lines(where: str, column: Column[Any], spec: SpecColumn) -> list[str]:
    keys = list(column.foreign_keys)
    if spec.kind != "ref":
        return [f"{where}: has a foreign key, spec says kind {spec.kind}"] if keys else []
    if len(keys) != 1:
        return [f"{where}: has {len(keys)} foreign keys, spec says one to {spec.references}"]
    key = keys[0]
    lines = []
    if key.target_fullname != f"{spec.references}.id":
        lines.append(
            f"{where}: foreign key target is {key.target_fullname}, spec says {spec.references}.id"
        )
    if _ondelete(key.ondelete) != spec.on_delete:
        lines.append(f"{where}: ON DELETE is {_ondelete(key.ondelete)}, spec says {spec.on_delete}")
    return lines


def _model_column_lines(table: str, column: Column[Any], spec: SpecColumn) -> list[str]:
    where = f"{table}.{spec.name}"
    lines = []
    kind = model_kind(column)
    if kind != spec.kind:
        lines.append(f"{where}: kind is {kind}, spec says {spec.kind}")
    lines += _nullability(where, bool(column.nullable), spec)
    if column.primary_key != (spec.name == "id"):
        lines.append(f"{where}: primary_key is {column.primary_key}")
    lines += _python_default_lines(where, column, spec)
    server_default = _server_default_text(column)
    if server_default != expected_server_default(spec):
        lines.append(
            f"{where}: server default is {server_default!r}, "
            f"spec says {expected_server_default(spec)!r}"
        )
    lines += _foreign_key_lines(where, column, spec)
    if not spec.implicit:
        info = dict(column.info)
        wanted = expected_info(spec)
        for key in sorted(info.keys() | wanted.keys()):
            if info.get(key) != wanted.get(key) or type(info.get(key)) is not type(wanted.get(key)):
                lines.append(
                    f"{where}: info[{key!r}] is {info.get(key)!r}, spec says {wanted.get(key)!r}"
                )
    lines += _comment_lines(where, column.comment, spec)
    return lines


def _model_table_lines(model: Table, spec: SpecTable) -> list[str]:
    name = spec.name
    lines = []
    info = model.info
    for key, wanted in (
        ("module", spec.module),
        ("tier", spec.tier),
        ("patient_centric", spec.patient_centric),
    ):
        if info.get(key) != wanted:
            lines.append(f"{name}: {key} is {info.get(key)!r}, spec says {wanted!r}")
    soft = "deleted_at" in model.c and "deleted_by" in model.c
    if soft != spec.soft_delete:
        lines.append(f"{name}: soft_delete is {soft}, spec says {spec.soft_delete}")
    if _squash(model.comment) != spec.description:
        lines.append(f"{name}: table comment is {model.comment!r}, spec says {spec.description!r}")
    lines += _column_set(name, spec, model.c.keys())
    for spec_column in spec.columns:
        if spec_column.name in model.c:
            lines += _model_column_lines(name, model.c[spec_column.name], spec_column)
    indexes = {
        str(index.name): (tuple(c.name for c in index.columns), bool(index.unique))
        for index in model.indexes
    }
    lines += _index_lines(name, indexes, spec)
    for constraint in model.constraints:
        if isinstance(constraint, UniqueConstraint):
            lines.append(f"{name}: unique constraint {constraint.name} is not in the spec")
    checks = [
        (str(ck.name) if ck.name else None, _check_text(ck))
        for ck in model.constraints
        if isinstance(ck, CheckConstraint)
    ]
    lines += _enum_checks(name, spec, checks)
    return lines


def compare(spec_tables: Mapping[str, SpecTable], metadata: MetaData) -> list[str]:
    """Differences between the spec's tables and the models' `metadata`; empty when they match."""
    lines = _table_set(spec_tables, metadata.tables)
    for name, spec in sorted(spec_tables.items()):
        if name in metadata.tables:
            lines += _model_table_lines(metadata.tables[name], spec)
    return lines


# --- a migrated database -----------------------------------------------------------------------


def reflected_default(raw: str | None, kind: str) -> Any:
    """A reflected server default as the Python value it stands for (per kind)."""
    if raw is None:
        return None
    text = raw.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    text = re.sub(r"::[\w ]+$", "", text)
    if kind == "boolean":
        return {"1": True, "true": True, "0": False, "false": False}.get(text.lower(), raw)
    try:
        if kind == "integer":
            return int(text)
        if kind == "real":
            return float(text)
        if kind == "decimal":
            return Decimal(text)
    except (ValueError, InvalidOperation):
        return raw
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    return raw


def _reflected_column_lines(
    table: str, column: Mapping[str, Any], spec: SpecColumn, dialect: str
) -> list[str]:
    where = f"{table}.{spec.name}"
    lines = _nullability(where, bool(column["nullable"]), spec)
    storage = column["type"].compile(dialect=_dialects()[dialect])
    allowed = STORAGE[dialect][spec.kind]
    if storage not in allowed:
        lines.append(f"{where}: stored as {storage}, spec says {' or '.join(sorted(allowed))}")
    default = reflected_default(column.get("default"), spec.kind)
    if default != spec.default or type(default) is not type(spec.default):
        lines.append(
            f"{where}: server default is {column.get('default')!r}, spec says {spec.default!r}"
        )
    if dialect == "postgresql":
        lines += _comment_lines(where, column.get("comment"), spec)
    return lines


def _dialects() -> dict[str, Any]:
    return {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}


def compare_database(spec_tables: Mapping[str, SpecTable], inspector: Inspector) -> list[str]:
    """Differences between the spec's tables and a reflected database; empty when they match."""
    dialect = inspector.dialect.name
    names = set(inspector.get_table_names()) - {"alembic_version"}
    lines = _table_set(spec_tables, names)
    present = sorted(names & spec_tables.keys())
    if not present:
        return lines
    columns = inspector.get_multi_columns(filter_names=present)
    primary_keys = inspector.get_multi_pk_constraint(filter_names=present)
    foreign_keys = inspector.get_multi_foreign_keys(filter_names=present)
    with warnings.catch_warnings():  # SQLite cannot reflect the expression serving indexes
        warnings.filterwarnings("ignore", message=UNREFLECTABLE_INDEX_WARNING)
        indexes = inspector.get_multi_indexes(filter_names=present)
        uniques = inspector.get_multi_unique_constraints(filter_names=present)
    checks = inspector.get_multi_check_constraints(filter_names=present)
    comments = (
        inspector.get_multi_table_comment(filter_names=present) if dialect == "postgresql" else {}
    )
    for name in present:
        spec, key = spec_tables[name], (None, name)
        by_name = {c["name"]: c for c in columns[key]}
        soft = {"deleted_at", "deleted_by"} <= by_name.keys()
        if soft != spec.soft_delete:
            lines.append(f"{name}: soft_delete is {soft}, spec says {spec.soft_delete}")
        lines += _column_set(name, spec, by_name)
        for spec_column in spec.columns:
            if spec_column.name in by_name:
                lines += _reflected_column_lines(
                    name, by_name[spec_column.name], spec_column, dialect
                )
        if primary_keys[key]["constrained_columns"] != ["id"]:
            lines.append(f"{name}: primary key is {primary_keys[key]['constrained_columns']}")
        lines += _reflected_fk_lines(name, spec, foreign_keys[key])
        actual = {
            i["name"]: (tuple(i["column_names"]), bool(i["unique"]))
            for i in indexes[key]
            if not i.get("duplicates_constraint")
        }
        lines += _index_lines(name, actual, spec)
        lines += [f"{name}: unique constraint {u['name']} is not in the spec" for u in uniques[key]]
        lines += _enum_checks(name, spec, [(c["name"], c["sqltext"]) for c in checks[key]])
        if dialect == "postgresql" and _squash(comments[key].get("text")) != spec.description:
            lines.append(f"{name}: table comment differs from the spec's description")
    return lines


def _reflected_fk_lines(table: str, spec: SpecTable, keys: list[dict[str, Any]]) -> list[str]:
    lines = []
    by_column: dict[str, list[dict[str, Any]]] = {}
    for key in keys:
        if len(key["constrained_columns"]) != 1:
            lines.append(f"{table}: composite foreign key {key['name']} is not in the spec")
            continue
        by_column.setdefault(key["constrained_columns"][0], []).append(key)
    for column in spec.columns:
        where = f"{table}.{column.name}"
        found = by_column.pop(column.name, [])
        if column.kind != "ref":
            lines += [f"{where}: has a foreign key, spec says kind {column.kind}"] if found else []
            continue
        if len(found) != 1:
            lines.append(
                f"{where}: has {len(found)} foreign keys, spec says one to {column.references}"
            )
            continue
        key = found[0]
        target = f"{key['referred_table']}.{','.join(key['referred_columns'])}"
        if target != f"{column.references}.id":
            lines.append(
                f"{where}: foreign key target is {target}, spec says {column.references}.id"
            )
        ondelete = _ondelete(key.get("options", {}).get("ondelete"))
        if ondelete != column.on_delete:
            lines.append(f"{where}: ON DELETE is {ondelete}, spec says {column.on_delete}")
    lines += [f"{table}.{name}: has a foreign key, spec says none" for name in sorted(by_column)]
    return lines
