"""The PHI access audit: who read (or was refused) which patients' data, one batch per request.

While a request runs, its tenant session carries a `Trail` (`session.info[TRAIL_KEY]`): every
SELECT adds the types it reads (aggregates included) and every row loaded adds its patient. At
the end the endpoint writes the trail in one INSERT of `audit_events` rows, one per patient
touched (or one without a patient when only aggregates or patient-less rows were read): who
(user, roles), the organization, the operation name, request id, client address and user
agent, the outcome (`success`, `denied` when a field was FORBIDDEN, `error`), and the types in
`entity_type`. Never the PHI itself: ids and type names only. A request that read no patient
data (`me`, `calculate`, organizations, users) is not written. If the write fails, a request
that read patient data is answered 503 with no data (fail closed).

Reads of the audit log itself are recorded as reads of `AuditEvent` without fanning out to
the patients its rows name (that would make every review of the log grow it by its size).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, QueryContext
from uuid6 import uuid7

from graph.errors import ErrorCode
from graph.rows import LightRow, model_of
from models.audit import AuditEvent
from models.base import Base
from models.healthcare import Patient
from models.imaging_ai import ImagingReport
from models.memo import IdentityMemo
from models.patient_scope import patient_criteria
from models.population_health import QualityMeasurement
from models.tenancy import (
    KEPT_STATEMENT,
    TENANT_KEY,
    TenantSession,
    append_fanned,
    append_rows,
)

logger = logging.getLogger("perfex_graph.audit")

TRAIL_KEY = "perfex_audit_trail"
MAX_TYPES_TEXT = 500  # entity_type holds the sorted type names, cut to this length


def phi_types() -> frozenset[type[Base]]:
    """Types whose rows are patient data: every patient-scoped model (not the audit log
    itself), image reports and quality measurements (which list patient ids)."""
    scoped = set(patient_criteria()) - {AuditEvent}
    return frozenset(scoped | {ImagingReport, QualityMeasurement})


@dataclass
class Trail:
    """What one request read, collected by the session events below."""

    types: set[str] = field(default_factory=set)
    rows: dict[tuple[str, str], str] = field(default_factory=dict)  # (type, id) -> patient
    returned: list[Sequence[Any]] = field(default_factory=list)  # the returned pages' rows
    lookahead: set[tuple[str, str]] = field(default_factory=set)  # read, not returned
    phi: bool = False  # a patient-data type was read (or asked for)
    operation_name: str | None = None
    action: str = "read"  # or `access_denied` (signed in, but refused at the door)
    outcome: str = "success"  # `denied` (a FORBIDDEN), `error`

    def saw_type(self, model: type[Base]) -> None:
        self.types.add(model.__name__)
        if model in _PHI:
            self.phi = True

    def saw_row(self, row: Any) -> None:
        model = model_of(row)
        if model is Patient:
            self.rows[("Patient", row.id)] = row.id
        elif model is not AuditEvent:
            patient = getattr(row, "patient_id", None)
            if patient is not None:
                self.rows[(model.__name__, row.id)] = patient

    def saw_light_rows(self, rows: Sequence[LightRow], joined: Sequence[str] = ()) -> None:
        """Rows read without the ORM (graph/rows.py), which no load event reports, and the
        rows joined to them under the relation keys `joined`. The rows of one statement are
        of one model: it is looked at once."""
        if not rows:
            return
        model = rows[0].model
        name = model.__name__
        if model is Patient:
            self.rows.update((("Patient", row.id), row.id) for row in rows)
        elif model is not AuditEvent and "patient_id" in rows[0].__dict__:
            pairs = (((name, row.id), row.__dict__["patient_id"]) for row in rows)
            self.rows.update(pair for pair in pairs if pair[1] is not None)
        for key in joined:
            related = [row.__dict__[key] for row in rows]
            self.saw_light_rows([row for row in related if row is not None])

    def paged(self, listed: Sequence[Any], lookahead: Any) -> None:
        """A page was returned (`listed`) and one more row was read only to tell that another
        page follows: that row and the to-one rows joined to it were not disclosed, and are
        not audited unless returned elsewhere in the request."""
        self.returned.append(listed)  # read only if some page had a look-ahead row
        if lookahead is not None:
            self.lookahead.add((type(lookahead).__name__, lookahead.id))
            for related in vars(lookahead).values():
                if isinstance(related, Base | LightRow):
                    self.lookahead.add((type(related).__name__, getattr(related, "id", "")))

    @property
    def patients(self) -> set[str]:
        hidden = self.lookahead
        if hidden:
            returned = {(model_of(row).__name__, row.id) for rows in self.returned for row in rows}
            hidden = hidden - returned
        return {patient for key, patient in self.rows.items() if key not in hidden}


_PHI = phi_types()


def record_light_rows(db: Any, rows: Sequence[LightRow], joined: Sequence[str] = ()) -> None:
    """Tell the request's trail (if it has one) about rows read without the ORM."""
    trail = db.tagged(TRAIL_KEY)
    if trail is not None:
        trail.saw_light_rows(rows, joined)


def _trail_of(session: Any) -> Trail | None:
    return session.info.get(TRAIL_KEY) if session is not None else None  # type: ignore[no-any-return]


@event.listens_for(TenantSession, "do_orm_execute")
def _types_read(state: ORMExecuteState) -> None:
    trail = _trail_of(state.session)
    if trail is not None and state.is_select:
        for model in _models_read(state):
            trail.saw_type(model)


_MODELS_READ: IdentityMemo[tuple[type[Base], ...]] = IdentityMemo(2048)


def _models_read(state: ORMExecuteState) -> tuple[type[Base], ...]:
    """The models a SELECT reads; for a kept statement (models/tenancy.py KEPT_STATEMENT,
    here in its scoped form, itself kept) found once, not walked again per execution."""
    statement = state.statement
    if not statement.get_execution_options().get(KEPT_STATEMENT):
        return tuple(mapper.class_ for mapper in state.all_mappers)
    found = _MODELS_READ.get(statement)
    if found is None:
        found = _MODELS_READ.put(statement, tuple(m.class_ for m in state.all_mappers))
    return found


@event.listens_for(Base, "load", propagate=True)
def _row_loaded(row: Any, context: QueryContext) -> None:
    trail = _trail_of(context.session)
    if trail is not None:
        trail.saw_row(row)


_NAMED_OPERATION = re.compile(
    r"^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)", re.MULTILINE
)


def operation_name_of(document: str) -> str | None:
    """The name of the document's first operation, when the request gave no operationName
    (a document of several operations needs one, so the first is the one that ran)."""
    found = _NAMED_OPERATION.search(document)
    return found.group(1) if found else None


def outcome_of(result: Any) -> str:
    """`denied` when a field was FORBIDDEN, `error` for any other error, else `success`."""
    codes = {(error.extensions or {}).get("code") for error in result.errors or ()}
    if ErrorCode.FORBIDDEN in codes:
        return "denied"
    return "error" if codes else "success"


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


__all__ = [
    "TRAIL_KEY",
    "AuditBatch",
    "Trail",
    "Who",
    "audit_batch",
    "operation_name_of",
    "outcome_of",
    "phi_types",
    "record_light_rows",
    "write_audit",
]
