"""One SQLAlchemy column type per kind of the spec (`../shared/schema/README.md`).

Storage differs by dialect (SQLite keeps the Perfex/D1 layout, PostgreSQL uses native types),
but Python always sees the same values: aware UTC `datetime`, `date`, `time`, `bool`,
`Decimal`, `float`, dict/list. Each type records its spec kind in `KIND` so that the spec test
and the GraphQL mirror read kinds from the models instead of guessing from SQL types.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Boolean, Date, Dialect, Double, Integer, Numeric, Text, Time
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeDecorator, TypeEngine

UTC = dt.UTC


def utcnow() -> dt.datetime:
    """Now, as an aware UTC datetime truncated to whole seconds (SQLite stores Unix seconds)."""
    return dt.datetime.now(UTC).replace(microsecond=0)


class _KindType(TypeDecorator[Any]):
    """Base of the kind types: `KIND` names the spec kind, `_pg` and `_lite` the storage."""

    KIND: str = ""
    cache_ok = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.cache_ok = True  # SQLAlchemy reads it from each class's own namespace

    def _pg(self) -> TypeEngine[Any]:
        return self.impl_instance

    def _lite(self) -> TypeEngine[Any]:
        return self.impl_instance

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return self._pg() if dialect.name == "postgresql" else self._lite()


class Identifier(_KindType):
    """`id` and `ref`: a UUID string, TEXT on both dialects."""

    KIND = "id"
    impl = Text


class FreeText(_KindType):
    KIND = "text"
    impl = Text


class EnumText(_KindType):
    """An enum stored as TEXT; the allowed values become a CHECK constraint (see `models.base`)."""

    KIND = "enum"
    impl = Text


class WholeNumber(_KindType):
    KIND = "integer"
    impl = Integer


class Measurement(_KindType):
    """A measurement: REAL on SQLite, DOUBLE PRECISION on PostgreSQL."""

    KIND = "real"
    impl = Double

    def _lite(self) -> TypeEngine[Any]:
        return sqlite.REAL()

    def _pg(self) -> TypeEngine[Any]:
        return postgresql.DOUBLE_PRECISION()

    def process_result_value(self, value: Any, dialect: Dialect) -> float | None:
        return None if value is None else float(value)


class Money(_KindType):
    """Money: NUMERIC(12,2) on both dialects, `Decimal` in Python."""

    KIND = "decimal"
    impl = Numeric(12, 2)

    def _lite(self) -> TypeEngine[Any]:
        return Numeric(12, 2, asdecimal=False)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        quantized = Decimal(str(value)).quantize(Decimal("0.01"))
        return str(quantized) if dialect.name == "sqlite" else quantized

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal("0.01"))


class Flag(_KindType):
    """A boolean: INTEGER 0/1 on SQLite, BOOLEAN on PostgreSQL."""

    KIND = "boolean"
    impl = Boolean

    def _lite(self) -> TypeEngine[Any]:
        return Integer()

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return int(bool(value)) if dialect.name == "sqlite" else bool(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> bool | None:
        return None if value is None else bool(value)


class Instant(_KindType):
    """An instant: INTEGER Unix seconds on SQLite (Drizzle `mode: 'timestamp'`), TIMESTAMPTZ on
    PostgreSQL. Naive datetimes are refused rather than guessed."""

    KIND = "timestamp"
    impl = Integer

    def _pg(self) -> TypeEngine[Any]:
        return postgresql.TIMESTAMP(timezone=True)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamps must be timezone-aware (UTC)")
        value = value.astimezone(UTC)
        return int(value.timestamp()) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.astimezone(UTC)
        return dt.datetime.fromtimestamp(int(value), UTC)


class CalendarDate(_KindType):
    """A calendar date: TEXT 'YYYY-MM-DD' on SQLite, DATE on PostgreSQL."""

    KIND = "date"
    impl = Text

    def _pg(self) -> TypeEngine[Any]:
        return Date()

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise TypeError(f"expected a date, got {type(value).__name__}")
        return value.isoformat() if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.date | None:
        if value is None or isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(value)


class ClockTime(_KindType):
    """A clock time: TEXT 'HH:MM' on SQLite, TIME on PostgreSQL."""

    KIND = "time"
    impl = Text

    def _pg(self) -> TypeEngine[Any]:
        return Time()

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.time):
            raise TypeError(f"expected a time, got {type(value).__name__}")
        if dialect.name == "sqlite":
            return value.strftime("%H:%M:%S" if value.second else "%H:%M")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.time | None:
        if value is None or isinstance(value, dt.time):
            return value
        return dt.time.fromisoformat(value)


class JsonValue(_KindType):
    """Structured data: TEXT holding JSON on SQLite, JSONB on PostgreSQL."""

    KIND = "json"
    impl = Text

    def _pg(self) -> TypeEngine[Any]:
        return postgresql.JSONB(none_as_null=True)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return orjson.dumps(value).decode()

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return orjson.loads(value)


KIND_TYPES: dict[str, type[_KindType]] = {
    cls.KIND: cls
    for cls in (
        Identifier,
        FreeText,
        EnumText,
        WholeNumber,
        Measurement,
        Money,
        Flag,
        Instant,
        CalendarDate,
        ClockTime,
        JsonValue,
    )
}


def kind_of(type_: TypeEngine[Any]) -> str:
    """The spec kind a column type stands for (`ref` columns are `id` typed with a foreign key)."""
    return type_.KIND if isinstance(type_, _KindType) else type(type_).__name__


__all__ = ["KIND_TYPES", "UTC", "JsonData", "kind_of", "utcnow"]

JsonData = dict[str, Any] | list[Any]
"""What a `json` column holds in Python."""
