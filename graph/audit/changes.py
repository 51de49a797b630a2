"""The write audit: one `audit_events` row per mutation's write, in the write's transaction.

It names the record (GraphQL type and row id), its patient, who wrote it (user, roles, request,
operation) and what changed: `changes = {fields, before, after}`, where `fields` lists every
changed field (camelCase) and `before`/`after` hold the values of the non-PHI ones only. PHI
(names, contact data, free text, JSON documents, the date of birth: the columns the analyst's
de-identification hides, graph/permissions.py) is listed by name, its values never copied.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from graph.naming import camel
from graph.permissions import IDENTIFYING_COLUMNS, IDENTIFYING_KINDS
from models.audit import AuditEvent
from models.base import Base
from models.healthcare import Patient
from models.types import kind_of, utcnow

# Bookkeeping columns: not "changes" of the record.
_SKIPPED = frozenset({"id", "organization_id", "created_at", "updated_at"})


def is_phi(column: Any) -> bool:
    return kind_of(column.type) in IDENTIFYING_KINDS or column.name in IDENTIFYING_COLUMNS


def snapshot(row: Base) -> dict[str, Any]:
    """attribute -> value of the row's columns (what a change is compared against)."""
    mapper = type(row).__mapper__
    return {
        prop.key: getattr(row, prop.key)
        for prop in mapper.column_attrs
        if prop.columns[0].name not in _SKIPPED
    }


def changes_of(row: Base, before: dict[str, Any] | None) -> dict[str, Any]:
    """{fields, before, after} between `before` (None: a new row) and the row now."""
    after = snapshot(row)
    previous = before or {}
    mapper = type(row).__mapper__
    fields: list[str] = []
    values_before: dict[str, Any] = {}
    values_after: dict[str, Any] = {}
    for key, value in after.items():
        old = previous.get(key)
        if old == value or (before is None and value is None):
            continue
        name = camel(key)
        fields.append(name)
        if is_phi(mapper.column_attrs[key].columns[0]):
            continue
        if before is not None:
            values_before[name] = _json(old)
        values_after[name] = _json(value)
    return {"fields": fields, "before": values_before, "after": values_after}


def _json(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):  # datetimes are dates too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _patient_of(row: Base) -> str | None:
    if isinstance(row, Patient):
        return row.id
    return getattr(row, "patient_id", None)


def _event(context: Any, action: str, entity_type: str, outcome: str) -> AuditEvent:
    principal = context.principal
    trail = getattr(context, "trail", None)
    return AuditEvent(
        id=str(uuid.uuid4()),
        organization_id=principal.organization_id,
        user_id=principal.user_id,
        action=action,
        entity_type=entity_type,
        operation_name=getattr(trail, "operation_name", None),
        request_id=context.request_id,
        outcome=outcome,
        metadata_={"roles": sorted(principal.roles)},
        occurred_at=utcnow(),
    )


def change_event(context: Any, action: str, row: Base, before: dict[str, Any] | None) -> AuditEvent:
    """The audit row of one write (`create`, `update` or `delete`) of `row`."""
    event = _event(context, action, type(row).__name__, "success")
    event.entity_id = row.id  # type: ignore[attr-defined]
    event.patient_id = _patient_of(row)
    event.changes = changes_of(row, before)
    return event


def denied_event(context: Any, action: str, model: type[Base]) -> AuditEvent:
    """The audit row of a write the caller's roles may not make."""
    return _event(context, action, model.__name__, "denied")


__all__ = ["change_event", "changes_of", "denied_event", "is_phi", "snapshot"]
