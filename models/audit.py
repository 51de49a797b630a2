"""audit: One append-only audit log for the whole API: who did what to which record, of which patient, through which GraphQL operation, with what outcome. It replaces the two unlinked logs of the source (audit_logs, a generic change log, and audit_trail, a SQL-only healthcare access trail)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, relationship

from models import columns as c
from models.base import TenantRecord
from models.types import JsonData

if TYPE_CHECKING:
    from models.core import User
    from models.healthcare import Patient


class AuditEvent(TenantRecord):
    """Audit event: every read, change, login, export and denied access, per organization. Append-only: rows are never updated or deleted, so no soft delete. organization_id is indexed through idx_audit_events_org_occurred_at."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("idx_audit_events_org_occurred_at", "organization_id", "occurred_at"),
        Index("idx_audit_events_user_occurred_at", "user_id", "occurred_at"),
        Index("idx_audit_events_patient_occurred_at", "patient_id", "occurred_at"),
        Index("idx_audit_events_entity_type_entity_id", "entity_type", "entity_id"),
        {
            "info": {"module": "audit", "tier": 1, "patient_centric": False},
        },
    )

    user_id: Mapped[str | None] = c.ref(
        "users",
        on_delete="set null",
        description="Who acted; null for actions of the system itself.",
    )
    patient_id: Mapped[str | None] = c.ref(
        "healthcare_patients",
        on_delete="restrict",
        description="Patient whose data was touched, if any.",
    )
    action: Mapped[str] = c.enum(
        (
            "read",
            "create",
            "update",
            "delete",
            "login",
            "logout",
            "login_failed",
            "export",
            "print",
            "password_change",
            "permission_change",
            "access_denied",
        ),
        required=True,
        description="What was done (the union of both source lists, lower case).",
    )
    entity_type: Mapped[str] = c.text(
        required=True,
        description="Table or GraphQL type of the record, e.g. 'dialyse_sessions' (resource_type in audit_trail).",
    )
    entity_id: Mapped[str | None] = c.text(
        description="Id of the record (any table, so no foreign key; resource_id in audit_trail)."
    )
    operation_name: Mapped[str | None] = c.text(
        description="Name of the GraphQL operation that caused the event."
    )
    request_id: Mapped[str | None] = c.text(
        description="Id of the API request, to correlate the events of one request."
    )
    ip_address: Mapped[str | None] = c.text(description="Client IP address.")
    user_agent: Mapped[str | None] = c.text()
    outcome: Mapped[str] = c.enum(
        ("success", "denied", "error"),
        required=True,
        default="success",
        description="Result of the action (success flag in audit_trail).",
    )
    error_message: Mapped[str | None] = c.text(
        description="Error text when outcome is error or denied."
    )
    changes: Mapped[JsonData | None] = c.json(
        shape="object {before, after}: the values of the changed fields before and after",
        description="For changes only (previous_values and new_values in audit_trail, changes in audit_logs).",
    )
    metadata_: Mapped[JsonData | None] = c.json(
        name="metadata", description="Other context of the event (both sources have it)."
    )
    occurred_at: Mapped[dt.datetime] = c.timestamp(
        required=True, description="When the action happened (timestamp in audit_trail)."
    )

    user: Mapped[User | None] = relationship("User", foreign_keys=[user_id], lazy="raise")
    patient: Mapped[Patient | None] = relationship(
        "Patient", foreign_keys=[patient_id], lazy="raise"
    )
