"""GraphQL types of the audit domain, mirrored from `models/audit.py`."""

from __future__ import annotations

from graph.mirror import mirrored
from graph.ordering import desc
from graph.permissions import ADMIN, Roles
from models import audit


@mirrored(audit.AuditEvent, order=[desc("occurred_at")], read=Roles(ADMIN))
class AuditEvent:
    """A row of `audit_events`: who did what to which record. Administrators only."""
