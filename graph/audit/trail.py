"""The PHI access audit: who read (or was refused) which patients' data, one batch per request.

While a request runs, its tenant session carries a `Trail` (`session.info[TRAIL_KEY]`): every
SELECT adds the types it reads (aggregates included) and every row loaded adds its patient. At
the end the endpoint writes the trail as one batch (graph/audit/batch.py), with the outcome
(`success`, `denied` when a field was FORBIDDEN, `error`). Never the PHI itself: ids and type
names only. A request that read no patient data (`me`, `calculate`, organizations, users) is
not written.

Reads of the audit log itself are recorded as reads of `AuditEvent` without fanning out to
the patients its rows name (that would make every review of the log grow it by its size).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, QueryContext

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
    TenantSession,
)

TRAIL_KEY = "perfex_audit_trail"


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


_MODELS_READ: IdentityMemo[tuple[type[Base], ...]] = IdentityMemo(512)


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


__all__ = [
    "TRAIL_KEY",
    "Trail",
    "operation_name_of",
    "outcome_of",
    "phi_types",
    "record_light_rows",
]
