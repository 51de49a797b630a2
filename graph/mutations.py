"""Mutations: the one way a write runs, so every domain's mutations behave alike.

A mutation takes one input and returns a payload `{ <entity>, errors: [MutationError!]! }`.
`run_mutation` runs it in this order, and any refusal ends it with `errors` and a null entity,
nothing written:

1. the write rule of the model (graph/permissions.py `write_rule`): `FORBIDDEN` (and a
   `denied` audit event);
2. the domain's `work(write)`, inside ONE transaction (`RequestDatabase.transaction`):
   input checks (`Checks`: `REQUIRED`, `OUT_OF_RANGE`, ranges stated in the input fields'
   descriptions), referenced global ids looked up in the caller's organization (another
   organization's id is `NOT_FOUND`, exactly like an id that does not exist), state
   transitions on a locked row (`Write.get(lock=True)`: `INVALID_STATE`, `CONFLICT`), then
   the write and its audit event (`Write.audit`: action, changed field names, before/after
   values of non-PHI fields only). The transaction commits only when `work` returns.

The organization is always the principal's (the tenant session sets it); it is never an input.
A reference the database refuses across organizations (models/references.py) is `NOT_FOUND`,
a unique index violation `DUPLICATE`. Unexpected failures stay GraphQL errors
(`INTERNAL_SERVER_ERROR`), and roll back like any other.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import strawberry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from graph.audit.changes import change_event, denied_event, snapshot
from graph.ids import InvalidId, decode_as
from graph.naming import camel
from graph.permissions import DENIED, Roles, write_rule
from graph.session import RequestDatabase
from models.base import Base
from models.references import is_tenant_reference_violation
from models.types import utcnow

RowT = TypeVar("RowT", bound=Base)
CLOCK_SKEW = dt.timedelta(minutes=5)  # how far in the future a recorded instant may lie


@strawberry.enum(description="Why a mutation was refused (`MutationError.code`).")
class MutationErrorCode(enum.Enum):
    """A payload's codes, apart from `ErrorCode` (graph/errors.py): those are GraphQL errors'
    `extensions.code`; these are values of the schema's enum (serialized by member name)."""

    REQUIRED = enum.auto()
    OUT_OF_RANGE = enum.auto()
    INVALID_STATE = enum.auto()
    NOT_FOUND = enum.auto()
    CONFLICT = enum.auto()
    DUPLICATE = enum.auto()
    FORBIDDEN = enum.auto()


@strawberry.type(description="One reason a mutation was refused; nothing was written.")
class MutationError:
    field: str | None = strawberry.field(
        description="The input field at fault (camelCase), or null for the mutation as a whole."
    )
    code: MutationErrorCode
    message: str


class Rejected(Exception):
    """Ends a mutation with these errors; its transaction is rolled back."""

    def __init__(self, *errors: MutationError) -> None:
        super().__init__(errors[0].message if errors else "rejected")
        self.errors = list(errors)


def refuse(code: MutationErrorCode, field: str | None, message: str) -> Rejected:
    return Rejected(MutationError(field=field, code=code, message=message))


@dataclass(frozen=True)
class Range:
    """An accepted interval, stated in the input field's description."""

    low: float
    high: float
    unit: str = ""

    def describe(self, text: str) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{text} Range: {self.low:g} to {self.high:g}{unit}.".strip()


@dataclass
class Checks:
    """Collects every problem of one input, so the client sees them all at once."""

    errors: list[MutationError] = field(default_factory=list)

    def add(self, code: MutationErrorCode, field_name: str | None, message: str) -> None:
        self.errors.append(MutationError(field=field_name, code=code, message=message))

    def required(self, field_name: str, value: Any) -> None:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.add(MutationErrorCode.REQUIRED, field_name, f"{field_name} is required.")

    def within(self, field_name: str, value: float | None, allowed: Range) -> None:
        if value is not None and not allowed.low <= value <= allowed.high:
            self.add(
                MutationErrorCode.OUT_OF_RANGE,
                field_name,
                allowed.describe(f"{field_name} is out of range.").replace(" Range:", ""),
            )

    def ranges(self, values: dict[str, Any], allowed: dict[str, Range]) -> None:
        """Each column value (by attribute) within its range; errors name the input field."""
        for name, limits in allowed.items():
            self.within(camel(name), values.get(name), limits)

    def below(self, low_name: str, low: float | None, high_name: str, high: float | None) -> None:
        """`low` must be less than `high` (e.g. BUN after < BUN before), when both are given."""
        if low is not None and high is not None and not low < high:
            self.add(
                MutationErrorCode.OUT_OF_RANGE, low_name, f"{low_name} must be below {high_name}."
            )

    def instant(self, field_name: str, value: dt.datetime | None) -> dt.datetime | None:
        """An aware instant, in whole seconds, not in the future (beyond a small clock skew)."""
        if value is None:
            return None
        if value.tzinfo is None:
            self.add(MutationErrorCode.OUT_OF_RANGE, field_name, f"{field_name} needs a time zone.")
            return None
        if value - utcnow() > CLOCK_SKEW:
            self.add(MutationErrorCode.OUT_OF_RANGE, field_name, f"{field_name} is in the future.")
        return value.astimezone(dt.UTC).replace(microsecond=0)

    def done(self) -> None:
        if self.errors:
            raise Rejected(*self.errors)


def reference(field_name: str, global_id: str, type_name: str) -> str:
    """The row id of a global ID of `type_name`; anything else is NOT_FOUND on that field."""
    try:
        return decode_as(global_id, type_name)
    except InvalidId:
        raise refuse(MutationErrorCode.NOT_FOUND, field_name, f"No such {type_name}.") from None


@dataclass
class Write:
    """What a mutation's `work` writes with: the request's session, inside the transaction."""

    info: strawberry.Info
    action: str
    # updated_at of each row locked by `get`, as it was before this transaction touched it:
    # the version a client's optimistic check compares with.
    versions: dict[str, Any] = field(default_factory=dict)

    @property
    def db(self) -> RequestDatabase:
        return self.info.context.db  # type: ignore[no-any-return]

    @property
    def user_id(self) -> str:
        return self.info.context.principal.user_id  # type: ignore[no-any-return]

    async def get(
        self, model: type[RowT], row_id: str, field_name: str, *, lock: bool = False
    ) -> RowT:
        """The row of the caller's organization (NOT_FOUND otherwise). With `lock`, no other
        transaction can change it until this one ends, and the values are the latest
        committed: PostgreSQL `SELECT ... FOR UPDATE`; on SQLite a first write to the row
        takes the database's write lock, then the row is read again. `versions[row_id]` keeps
        its `updated_at` as locked: the version an optimistic check compares with."""
        statement = (
            select(model)
            .where(model.id == row_id)  # type: ignore[attr-defined]
            .execution_options(populate_existing=True)
        )
        if lock and self.db.dialect == "postgresql":
            statement = statement.with_for_update()
        found = await self.db.all(statement)
        if not found:
            raise refuse(MutationErrorCode.NOT_FOUND, field_name, f"No such {model.__name__}.")
        row: RowT = found[0]
        if lock and self.db.dialect == "sqlite":
            # `UPDATE ... SET updated_at = updated_at`: a write that changes nothing but takes
            # the database's write lock (the ORM sends an SQL expression even when the value
            # would be equal); then the row is read again, as last committed.
            row.updated_at = type(row).updated_at  # type: ignore[attr-defined]
            await self.db.flush()
            found = await self.db.all(statement)
            row = found[0]
        if lock:
            self.versions[row_id] = getattr(row, "updated_at", None)
        return row

    def add(self, row: Base) -> None:
        self.db.add(row)

    async def audit(
        self, row: Base, before: dict[str, Any] | None, *, reason: str | None = None
    ) -> None:
        """Record the write of `row` (flushed first, so the audit follows the write in the
        same transaction). `before` is `snapshot(row)` taken before the change (None for a
        new row); `reason` is the caller's stated reason (archive, cancel), kept in the
        event's metadata."""
        await self.db.flush()
        event = change_event(self.info.context, self.action, row, before)
        if reason is not None:
            event.metadata_ = {**(event.metadata_ or {}), "reason": reason}  # type: ignore[dict-item]
        self.db.add(event)
        await self.db.flush()


snapshot_of = snapshot  # re-exported for the domains: the values before a change


async def run_mutation(
    info: strawberry.Info,
    model: type[Base],
    action: str,
    work: Callable[[Write], Awaitable[RowT]],
    *,
    rule: Roles | None = None,
) -> tuple[RowT | None, list[MutationError]]:
    """Run one mutation (module docstring): (the written row, []) or (None, errors). `rule`
    replaces the model's write rule for an action fewer roles may take (permissions.py
    `action_rule`)."""
    context = info.context
    if not (rule or write_rule(model)).allows(context.principal):
        await _record_denied(context, action, model)
        return None, [MutationError(field=None, code=MutationErrorCode.FORBIDDEN, message=DENIED)]
    try:
        async with context.db.transaction():
            row = await work(Write(info, action))
    except Rejected as exc:
        return None, exc.errors
    except IntegrityError as exc:
        return None, [_integrity_error(exc)]
    return row, []


def _integrity_error(exc: IntegrityError) -> MutationError:
    if is_tenant_reference_violation(exc):
        return MutationError(
            field=None, code=MutationErrorCode.NOT_FOUND, message="A referenced row was not found."
        )
    text = str(exc.orig).lower()
    if "unique" in text or "duplicate" in text:
        return MutationError(
            field=None, code=MutationErrorCode.DUPLICATE, message="Such a record already exists."
        )
    raise exc


async def _record_denied(context: Any, action: str, model: type[Base]) -> None:
    """A refused write is audited too (outcome `denied`), in a transaction of its own."""
    async with context.db.transaction():
        context.db.add(denied_event(context, action, model))


__all__ = [
    "Checks",
    "MutationError",
    "MutationErrorCode",
    "Range",
    "Rejected",
    "Write",
    "reference",
    "refuse",
    "run_mutation",
    "snapshot_of",
]
