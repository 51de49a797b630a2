"""GraphQL types of the audit domain, mirrored from `models/audit.py`."""

from __future__ import annotations

from graph.mirror import mirrored
from graph.ordering import desc
from models import audit


@mirrored(audit.AuditEvent, order=[desc("occurred_at")])
class AuditEvent:
    """A row of `audit_events`: who did what to which record (administrators only)."""
