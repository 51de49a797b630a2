"""The PHI access audit's writing: one request's trail (graph/audit/trail.py) as a batch of
`audit_events` rows, one per patient touched (or one without a patient when only aggregates
or patient-less rows were read), written in one INSERT: who (user, roles), the organization,
the operation name, request id, client address and user agent, the outcome and the types
read, never the PHI itself. If the write fails, a request that read patient data is answered
503 with no data (fail closed: graph/endpoint.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from uuid6 import uuid7

from graph.audit.trail import Trail
from models.audit import AuditEvent
from models.base import Base
from models.tenancy import TENANT_KEY, append_fanned, append_rows

logger = logging.getLogger("perfex_graph.audit")

MAX_TYPES_TEXT = 500  # entity_type holds the sorted type names, cut to this length


@dataclass(frozen=True)
class Who:
    """The request's caller and where it came from."""

    organization_id: str
    user_id: str | None
    roles: Sequence[str]
    request_id: str
    operation_name: str | None
    ip_address: str | None
    user_agent: str | None


Row = dict[str, Any]  # an audit_events row, attribute -> value


@dataclass(frozen=True)
class AuditBatch:
    """One request's audit rows: the values they share, and the patients (one row each)."""

    shared: Row
    patients: list[str | None]

    def varying(self) -> dict[str, list[str | None]]:
        """What differs between the rows: a new id each, and the patient. Ids are time-ordered
        (UUIDv7): each batch appends to the end of the primary key's index instead of at
        random places in it (a third less time for 100 rows on SQLite)."""
        return {"id": [str(uuid7()) for _ in self.patients], "patient_id": self.patients}

    def unreferenced(self) -> list[Row]:
        """The rows with each patient id in `metadata.patient` instead of the `patient_id`
        reference: for an id the database refuses to reference (a row of another
        organization or a deleted one, left by data older than the reference checks)."""
        return [
            {
                **self.shared,
                "id": str(uuid7()),
                "patient_id": None,
                "metadata_": {**self.shared["metadata_"], "patient": patient},
            }
            for patient in self.patients
        ]


def audit_batch(trail: Trail, who: Who, outcome: str, action: str = "read") -> AuditBatch | None:
    """The audit rows of one request's trail (None when it read no patient data)."""
    if not trail.phi and action == "read" and outcome != "denied":
        return None  # nothing of a patient was read, and nothing was refused
    now = dt.datetime.now(dt.UTC)
    shared: Row = {
        "organization_id": who.organization_id,
        "user_id": who.user_id,
        "action": action,
        "entity_type": ",".join(sorted(trail.types))[:MAX_TYPES_TEXT] or "request",
        "operation_name": who.operation_name,
        "request_id": who.request_id,
        "ip_address": who.ip_address,
        "user_agent": (who.user_agent or "")[:500] or None,
        "outcome": outcome,
        "metadata_": {"roles": list(who.roles), "types": sorted(trail.types)},
        "occurred_at": now,
        "created_at": now,
        "updated_at": now,
    }
    return AuditBatch(shared, [*sorted(trail.patients)] or [None])


class AuditTarget(Protocol):
    """Where a batch can be written in one transaction: the request's own database access
    (graph/session.py `RequestDatabase`), while it is usable."""

    async def append_committed(
        self, model: type[Base], shared: Row, varying: dict[str, list[str | None]]
    ) -> None: ...


async def write_audit(
    sessions: async_sessionmaker[AsyncSession],
    organization_id: str,
    batch: AuditBatch,
    request_db: AuditTarget | None = None,
) -> None:
    """One transaction, one INSERT (models.tenancy.append_fanned), in the organization's
    tenant session, so the tenant checks and, on PostgreSQL, row-level security apply to the
    audit rows too. First in the request's own session when given (no second session and
    connection for it); if that fails for any reason, in a session of its own."""
    if request_db is not None:
        try:
            await request_db.append_committed(AuditEvent, dict(batch.shared), batch.varying())
            return
        except Exception as exc:  # a cancelled statement, a refused patient reference, ...
            logger.info("audit batch: the request's session refused it (%s)", type(exc).__name__)
    try:
        async with _session(sessions, organization_id) as session, session.begin():
            await append_fanned(session, AuditEvent, dict(batch.shared), batch.varying())
    except IntegrityError:
        # A patient id the database refuses to reference: record the event anyway.
        async with _session(sessions, organization_id) as session, session.begin():
            await append_rows(session, AuditEvent, batch.unreferenced())


def _session(sessions: async_sessionmaker[AsyncSession], organization_id: str) -> AsyncSession:
    return sessions(info={TENANT_KEY: organization_id})


__all__ = ["AuditBatch", "AuditTarget", "Who", "audit_batch", "write_audit"]
