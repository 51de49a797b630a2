"""Dataloaders of the audit domain: rows by id, and rows per parent of each
relationship that a parent type lists (created per request by `graph.dataloaders`)."""

from __future__ import annotations

from graph.dataloaders import ByIdLoader
from models import audit


class AuditEventByIdLoader(ByIdLoader):
    model = audit.AuditEvent
