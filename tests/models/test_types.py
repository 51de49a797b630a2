"""Every kind of column survives a real insert and select on both dialects, stored as specified."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from base_rows import BaseRows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec import KINDS, model_kind
from sqlalchemy import Connection, select, text, update
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from models.clinical_ai import ClinicalAiSession
from models.core import Organization, Role
from models.database import session_factory
from models.dialyse import DialysisSession, DialysisSessionSlot

UTC = dt.UTC
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
PACIFIC = dt.timezone(dt.timedelta(hours=-8))

START = dt.datetime(2024, 2, 29, 7, 31, 15, tzinfo=IST)
END = dt.datetime(2024, 2, 29, 2, 5, 0, tzinfo=PACIFIC)  # next day 10:05 UTC
SETTINGS = {"locale": "fr-FR", "nested": {"list": [1, 2.5, "é", None, True]}, "empty": {}}
DAYS = [1, 2, 3, 4, 5, 6]
PERMISSIONS = ["patients:read", {"scope": "dialyse", "write": False}, []]


@dataclass(frozen=True)
class Sample:
    """Ids of the rows `_insert_sample` wrote."""

    session_id: str
    slot_id: str
    ai_session_id: str
    role_id: str
    organization_id: str


def _session_values(rows: BaseRows) -> dict[str, Any]:
    return {
        "organization_id": rows.organization_id,
        "patient_id": rows.patient_id,
        "created_by": rows.user_id,
        "cancelled_by": rows.user_id,
        "session_number": "S-0001 «naïve»",
        "session_date": dt.date(2024, 2, 29),
        "status": "in_progress",
        "scheduled_start_time": dt.time(7, 30),
        "actual_start_time": START,
        "actual_end_time": END,
        "duration_minutes": 240,
        "pre_weight": 72.5,
        "is_recurring": True,
    }


def _slot_values(rows: BaseRows) -> dict[str, Any]:
    return {
        "organization_id": rows.organization_id,
        "name": "Morning",
        "start_time": dt.time(6, 0),
        "end_time": dt.time(12, 45),
        "days_of_week": DAYS,
        "max_patients": 12,
        "is_active": False,
    }


def _ai_values(rows: BaseRows) -> dict[str, Any]:
    return {
        "organization_id": rows.organization_id,
        "user_id": rows.user_id,
        "session_type": "summary",
        "ai_model": "llama-3.1-8b",
        "estimated_cost": Decimal("1234.567"),
        "confidence": 0.875,
    }


async def _insert_sample(engine: AsyncEngine, rows: BaseRows) -> Sample:
    async with session_factory(engine)() as session, session.begin():
        dialysis = DialysisSession(**_session_values(rows))
        slot = DialysisSessionSlot(**_slot_values(rows))
        ai = ClinicalAiSession(**_ai_values(rows))
        role = Role(organization_id=rows.organization_id, name="nurse", permissions=PERMISSIONS)
        session.add_all([dialysis, slot, ai, role])
        organization = await session.get(Organization, rows.organization_id)
        assert organization is not None
        organization.settings = SETTINGS
        await session.flush()
        return Sample(dialysis.id, slot.id, ai.id, role.id, rows.organization_id)


def _expected(values: dict[str, Any]) -> dict[str, Any]:
    expected = dict(values)
    for key, value in expected.items():
        if isinstance(value, dt.datetime):
            expected[key] = value.astimezone(UTC)
        elif isinstance(value, Decimal):
            expected[key] = value.quantize(Decimal("0.01"))
    return expected


def _assert_same(obj: object, expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        got = getattr(obj, key)
        assert (type(got), got) == (type(value), value), key
        if isinstance(got, dt.datetime):
            assert got.utcoffset() == dt.timedelta(0), key


async def test_every_kind_round_trips(private_engine: AsyncEngine, base_rows: BaseRows) -> None:
    """A value of each of the spec's kinds comes back equal and of the same Python type."""
    sample = await _insert_sample(private_engine, base_rows)
    async with session_factory(private_engine)() as session:
        dialysis = await session.get(DialysisSession, sample.session_id)
        slot = await session.get(DialysisSessionSlot, sample.slot_id)
        ai = await session.get(ClinicalAiSession, sample.ai_session_id)
        role = await session.get(Role, sample.role_id)
        organization = await session.get(Organization, sample.organization_id)
    assert dialysis and slot and ai and role and organization
    _assert_same(dialysis, _expected(_session_values(base_rows)) | {"id": sample.session_id})
    _assert_same(slot, _expected(_slot_values(base_rows)))
    _assert_same(ai, _expected(_ai_values(base_rows)))
    assert role.permissions == PERMISSIONS
    assert organization.settings == SETTINGS

    covered = [
        DialysisSession.__table__.c[name]
        for name in ("id", *_session_values(base_rows), "created_at")
    ]
    covered += [ClinicalAiSession.__table__.c.estimated_cost, Role.__table__.c.permissions]
    assert {model_kind(column) for column in covered} == KINDS


async def test_aware_datetimes_come_back_as_the_same_instant_in_utc(
    private_engine: AsyncEngine, base_rows: BaseRows
) -> None:
    sample = await _insert_sample(private_engine, base_rows)
    async with session_factory(private_engine)() as session:
        start, end = (
            await session.execute(
                select(DialysisSession.actual_start_time, DialysisSession.actual_end_time).where(
                    DialysisSession.id == sample.session_id
                )
            )
        ).one()
    assert start == dt.datetime(2024, 2, 29, 2, 1, 15, tzinfo=UTC)
    assert end == dt.datetime(2024, 2, 29, 10, 5, 0, tzinfo=UTC)
    assert start.tzinfo == UTC and end.tzinfo == UTC


async def test_naive_datetime_is_refused(private_engine: AsyncEngine, base_rows: BaseRows) -> None:
    values = _session_values(base_rows) | {"actual_start_time": dt.datetime(2024, 1, 1, 8, 0)}
    async with session_factory(private_engine)() as session:
        session.add(DialysisSession(**values))
        with pytest.raises(StatementError, match="naive datetime"):
            await session.flush()
        await session.rollback()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("19.5"), "19.50"),
        (Decimal("1234.567"), "1234.57"),
        (Decimal("0.004"), "0.00"),
        (0.1, "0.10"),
        (7, "7.00"),
        (Decimal("9999999999.99"), "9999999999.99"),
    ],
)
async def test_decimal_comes_back_quantized_to_cents(
    private_engine: AsyncEngine, base_rows: BaseRows, value: Any, expected: str
) -> None:
    values = _ai_values(base_rows) | {"estimated_cost": value}
    async with session_factory(private_engine)() as session, session.begin():
        ai = ClinicalAiSession(**values)
        session.add(ai)
    async with private_engine.connect() as conn:
        got = (
            await conn.execute(
                select(ClinicalAiSession.estimated_cost).where(ClinicalAiSession.id == ai.id)
            )
        ).scalar_one()
    assert isinstance(got, Decimal)
    assert str(got) == expected


@pytest.mark.parametrize(
    "value",
    [{}, [], {"a": {"b": [1, None, "x"]}, "ok": True}, [1, "two", {"three": 3.0}], ["é", "😀"]],
)
async def test_json_round_trips(
    private_engine: AsyncEngine, base_rows: BaseRows, value: Any
) -> None:
    async with session_factory(private_engine)() as session, session.begin():
        role = Role(organization_id=base_rows.organization_id, name="r", permissions=value)
        session.add(role)
    async with private_engine.connect() as conn:
        got = (await conn.execute(select(Role.permissions).where(Role.id == role.id))).scalar_one()
    assert (type(got), got) == (type(value), value)


async def test_sqlite_storage_is_perfex_compatible(
    private_engine: AsyncEngine, base_rows: BaseRows, dialect: str
) -> None:
    """On SQLite: Unix seconds, 'YYYY-MM-DD', 'HH:MM', 0/1, JSON text, numeric money."""
    if dialect != "sqlite":
        pytest.skip("raw storage layout is checked on SQLite")
    sample = await _insert_sample(private_engine, base_rows)
    columns = (
        "session_date",
        "scheduled_start_time",
        "actual_start_time",
        "is_recurring",
        "pre_weight",
        "duration_minutes",
        "status",
        "created_at",
    )
    selected = ", ".join(f"typeof({c}), {c}" for c in columns)
    async with private_engine.connect() as conn:
        row = (
            await conn.execute(
                text(f"SELECT {selected} FROM dialyse_sessions WHERE id = :id"),
                {"id": sample.session_id},
            )
        ).one()
        raw = dict(zip(columns, zip(row[::2], row[1::2], strict=True), strict=True))
        slot = (
            await conn.execute(
                text(
                    "SELECT typeof(days_of_week), days_of_week, start_time, end_time, is_active "
                    "FROM dialyse_session_slots WHERE id = :id"
                ),
                {"id": sample.slot_id},
            )
        ).one()
        cost = (
            await conn.execute(
                text(
                    "SELECT typeof(estimated_cost), estimated_cost FROM clinical_ai_sessions "
                    "WHERE id = :id"
                ),
                {"id": sample.ai_session_id},
            )
        ).one()
        settings_text = (
            await conn.execute(
                text("SELECT settings FROM organizations WHERE id = :id"),
                {"id": sample.organization_id},
            )
        ).scalar_one()
    assert raw["session_date"] == ("text", "2024-02-29")
    assert raw["scheduled_start_time"] == ("text", "07:30")
    assert raw["actual_start_time"] == ("integer", int(START.timestamp()))
    assert raw["is_recurring"] == ("integer", 1)
    assert raw["pre_weight"] == ("real", 72.5)
    assert raw["duration_minutes"] == ("integer", 240)
    assert raw["status"] == ("text", "in_progress")
    assert raw["created_at"][0] == "integer"
    assert slot[0] == "text" and json.loads(slot[1]) == DAYS
    assert slot[2:] == ("06:00", "12:45", 0)
    assert cost[0] in ("real", "integer") and Decimal(str(cost[1])) == Decimal("1234.57")
    assert json.loads(settings_text) == SETTINGS


_OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
_INSTANTS = st.datetimes(
    min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2199, 12, 30), timezones=_OFFSETS
).map(lambda value: value.replace(microsecond=0))
_DATES = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))


def _check_instants_and_dates(conn: Connection, session_id: str) -> None:
    table = DialysisSession.__table__
    where = table.c.id == session_id

    @settings(
        max_examples=50,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(instant=_INSTANTS, day=_DATES)
    def check(instant: dt.datetime, day: dt.date) -> None:
        conn.execute(update(table).where(where).values(actual_start_time=instant, session_date=day))
        got = conn.execute(select(table.c.actual_start_time, table.c.session_date).where(where))
        got_instant, got_day = got.one()
        assert got_instant == instant.astimezone(UTC)
        assert got_instant.utcoffset() == dt.timedelta(0)
        assert (type(got_day), got_day) == (dt.date, day)
        raw = conn.execute(
            text("SELECT actual_start_time, session_date FROM dialyse_sessions WHERE id = :id"),
            {"id": session_id},
        ).one()
        assert tuple(raw) == (int(instant.timestamp()), day.isoformat())

    check()


async def test_instant_and_date_round_trip_property(
    private_engine: AsyncEngine, base_rows: BaseRows, dialect: str
) -> None:
    """Any aware instant (whole seconds) and any date round-trip on SQLite's storage."""
    if dialect != "sqlite":
        pytest.skip("property test runs on SQLite only, to stay fast")
    sample = await _insert_sample(private_engine, base_rows)
    async with private_engine.connect() as conn:
        await conn.run_sync(_check_instants_and_dates, sample.session_id)
        await conn.rollback()
