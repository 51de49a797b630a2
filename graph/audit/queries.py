"""Root fields of the audit domain."""

from __future__ import annotations

import strawberry

from graph.audit.types import AuditEvent
from graph.roots import aggregate, by_id, listing


@strawberry.type
class AuditQuery:
    audit_event = by_id(AuditEvent)
    audit_events = listing(AuditEvent)
    audit_events_aggregate = aggregate(AuditEvent)
