"""`append_fanned` (models/tenancy.py, models/fanout.py): many rows that differ only in a few
text columns, in ONE `INSERT … SELECT` over array parameters, on both dialects. The rows read
back must be exactly those a row-by-row insert would have written, and the tenant checks of
`append_rows` must hold."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from base_rows import BaseRows, insert_base_rows
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from models.audit import AuditEvent
from models.database import session_factory
from models.fanout import fanned_insert
from models.tenancy import TENANT_KEY, TenantScopeError, append_fanned, tenant_session_factory

AT = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)


def _shared(rows: BaseRows, request_id: str) -> dict[str, Any]:
    return {
        "user_id": rows.user_id,
        "action": "read",
        "entity_type": "Patient",
        "request_id": request_id,
        "outcome": "success",
        "metadata_": {"roles": ["physician"], "types": ["Patient"]},
        "occurred_at": AT,
        "created_at": AT,
        "updated_at": AT,
    }


def _session(engine: AsyncEngine, organization_id: str) -> AsyncSession:
    return tenant_session_factory(engine)(info={TENANT_KEY: organization_id})


@contextmanager
def _inserts(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.lstrip().upper().startswith("INSERT"):
            seen.append(sql)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def _written(engine: AsyncEngine, request_id: str) -> list[AuditEvent]:
    async with session_factory(engine)() as session:
        found = await session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.id)
        )
        return list(found.all())


async def test_one_insert_writes_one_row_per_position_with_the_shared_values(
    private_engine: AsyncEngine,
) -> None:
    rows = await insert_base_rows(private_engine)
    request_id = uuid.uuid4().hex
    ids = sorted(str(uuid.uuid4()) for _ in range(3))
    with _inserts(private_engine) as inserts:
        async with _session(private_engine, rows.organization_id) as session, session.begin():
            varying = {"id": ids, "patient_id": [rows.patient_id, None, rows.patient_id]}
            await append_fanned(session, AuditEvent, _shared(rows, request_id), varying)
    assert len(inserts) == 1
    written = await _written(private_engine, request_id)
    assert [(e.id, e.patient_id) for e in written] == [
        (ids[0], rows.patient_id),
        (ids[1], None),
        (ids[2], rows.patient_id),
    ]
    for audit in written:  # the shared values, converted by their column types, in every row
        assert audit.organization_id == rows.organization_id
        assert (audit.user_id, audit.action, audit.outcome) == (rows.user_id, "read", "success")
        assert audit.metadata_ == {"roles": ["physician"], "types": ["Patient"]}
        assert audit.occurred_at == AT and audit.created_at == AT
        assert audit.entity_id is None and audit.changes is None


async def test_no_rows_send_no_statement(private_engine: AsyncEngine) -> None:
    rows = await insert_base_rows(private_engine)
    with _inserts(private_engine) as inserts:
        async with _session(private_engine, rows.organization_id) as session, session.begin():
            varying: dict[str, list[str | None]] = {"id": [], "patient_id": []}
            await append_fanned(session, AuditEvent, _shared(rows, "none"), varying)
    assert inserts == []


async def test_rows_of_another_organization_are_refused(private_engine: AsyncEngine) -> None:
    ours, theirs = await insert_base_rows(private_engine), await insert_base_rows(private_engine)
    request_id = uuid.uuid4().hex
    async with _session(private_engine, ours.organization_id) as session:
        foreign = {**_shared(ours, request_id), "organization_id": theirs.organization_id}
        with pytest.raises(TenantScopeError, match="another organization"):
            await append_fanned(session, AuditEvent, foreign, {"id": [str(uuid.uuid4())]})
        varying = {"id": [str(uuid.uuid4())], "organization_id": [theirs.organization_id]}
        with pytest.raises(TenantScopeError, match="another organization"):
            await append_fanned(session, AuditEvent, _shared(ours, request_id), varying)
        await session.commit()
    assert await _written(private_engine, request_id) == []


async def test_a_patient_of_another_organization_is_refused_by_the_database(
    private_engine: AsyncEngine,
) -> None:
    """The database's tenant reference check holds for rows it expands itself."""
    ours, theirs = await insert_base_rows(private_engine), await insert_base_rows(private_engine)
    request_id = uuid.uuid4().hex
    with pytest.raises(Exception, match=r"(?i)tenant_reference|integrity|constraint|violat"):
        async with _session(private_engine, ours.organization_id) as session, session.begin():
            varying = {"id": [str(uuid.uuid4())], "patient_id": [theirs.patient_id]}
            await append_fanned(session, AuditEvent, _shared(ours, request_id), varying)
    assert await _written(private_engine, request_id) == []


@pytest.mark.parametrize(
    ("varying", "error"),
    [
        ({"id": ["a"], "occurred_at": ["2026"]}, "not a text column"),
        ({"id": ["a", "b"], "patient_id": ["p"]}, "one length"),
        ({"patient_id": ["p"]}, "its own primary key"),
    ],
)
def test_only_text_columns_of_one_length_with_the_key_may_vary(
    varying: dict[str, list[str | None]], error: str
) -> None:
    shared = {"action": "read", "outcome": "success", "created_at": AT, "updated_at": AT}
    with pytest.raises(ValueError, match=error):
        fanned_insert(AuditEvent, shared, varying, "sqlite")


def test_a_column_with_a_python_default_must_be_given() -> None:
    """Left out, its default would be computed once for the whole statement, not per row."""
    shared = {"action": "read", "entity_type": "Patient", "occurred_at": AT}
    with pytest.raises(ValueError, match="created_at"):
        fanned_insert(AuditEvent, shared, {"id": ["a"]}, "postgresql")
