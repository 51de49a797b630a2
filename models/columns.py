"""Column constructors, one per spec kind, so every model column reads like its spec entry.

Each records the spec facts in `Column.info` (kind, unit, description, allowed values, JSON
shape, sensitivity) and the description with its unit as the column comment. The GraphQL
mirror and the spec test read `info`; nothing else needs to know the spec's YAML.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ForeignKey, false, true
from sqlalchemy import text as sql_text
from sqlalchemy.orm import MappedColumn, mapped_column
from sqlalchemy.sql.elements import ColumnElement, TextClause

from models.types import (
    CalendarDate,
    ClockTime,
    EnumText,
    Flag,
    FreeText,
    Identifier,
    Instant,
    JsonValue,
    Measurement,
    Money,
    WholeNumber,
)

_ON_DELETE = {"cascade": "CASCADE", "set null": "SET NULL", "restrict": "RESTRICT"}


def _comment(description: str | None, unit: str | None) -> str | None:
    parts = [description.strip()] if description else []
    if unit:
        parts.append(f"Unit: {unit}.")
    return " ".join(parts) or None


def _server_default(kind: str, default: Any) -> str | TextClause | ColumnElement[bool] | None:
    if default is None:
        return None
    if kind == "boolean":
        return true() if default else false()
    if kind in ("integer", "real", "decimal"):
        return sql_text(repr(default))
    return str(default)


def _column(
    kind: str,
    type_: Any,
    *fk: ForeignKey,
    required: bool = False,
    default: Any = None,
    description: str | None = None,
    unit: str | None = None,
    values: Sequence[str] | None = None,
    shape: str | None = None,
    sensitive: bool = False,
    name: str | None = None,
) -> MappedColumn[Any]:
    info: dict[str, Any] = {"kind": kind}
    for key, value in (
        ("unit", unit),
        ("description", description),
        ("values", tuple(values or ())),
        ("shape", shape),
        ("sensitive", sensitive),
        ("default", default),
    ):
        if value is None or value == () or (key == "sensitive" and not value):
            continue
        info[key] = value
    args: tuple[Any, ...] = (name, type_, *fk) if name else (type_, *fk)
    return mapped_column(
        *args,
        nullable=not required,
        default=default,
        server_default=_server_default(kind, default),
        comment=_comment(description, unit),
        info=info,
    )


def ref(
    target: str, *, on_delete: str | None = None, required: bool = False, **kw: Any
) -> MappedColumn[Any]:
    """A foreign key to `target.id`; ON DELETE as the spec says (none means NO ACTION)."""
    ondelete = _ON_DELETE[on_delete] if on_delete else None
    column = _column(
        "ref", Identifier(), ForeignKey(f"{target}.id", ondelete=ondelete), required=required, **kw
    )
    column.column.info["references"] = target
    if on_delete:
        column.column.info["on_delete"] = on_delete
    return column


def enum(values: Sequence[str], **kw: Any) -> MappedColumn[Any]:
    """TEXT limited to `values` by a CHECK constraint (added by `models.base.Base`)."""
    return _column("enum", EnumText(), values=values, **kw)


def text(**kw: Any) -> MappedColumn[Any]:
    return _column("text", FreeText(), **kw)


def integer(**kw: Any) -> MappedColumn[Any]:
    return _column("integer", WholeNumber(), **kw)


def real(**kw: Any) -> MappedColumn[Any]:
    return _column("real", Measurement(), **kw)


def decimal(**kw: Any) -> MappedColumn[Any]:
    return _column("decimal", Money(), **kw)


def boolean(**kw: Any) -> MappedColumn[Any]:
    return _column("boolean", Flag(), **kw)


def timestamp(**kw: Any) -> MappedColumn[Any]:
    return _column("timestamp", Instant(), **kw)


def date(**kw: Any) -> MappedColumn[Any]:
    return _column("date", CalendarDate(), **kw)


def time(**kw: Any) -> MappedColumn[Any]:
    return _column("time", ClockTime(), **kw)


def json(**kw: Any) -> MappedColumn[Any]:
    return _column("json", JsonValue(), **kw)
