"""The generated database, on both dialects: every table filled, tenants never crossed, and
clinical values a clinician would find plausible."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import ForeignKey, Select, Table, and_, exists, func, select, true, update
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection
from tenant_reference_triggers import drop_reference_triggers

import models
from models.database import create_engine

TABLES = models.Base.metadata.tables
MEMBERS = TABLES["organization_members"]


@pytest.fixture
async def conn(seeded_url: URL) -> AsyncIterator[AsyncConnection]:
    engine = create_engine(seeded_url)
    async with engine.connect() as connection:
        yield connection
    await engine.dispose()


async def rows(conn: AsyncConnection, statement: Select[Any]) -> list[Any]:
    return list((await conn.execute(statement)).all())


async def count(conn: AsyncConnection, statement: Select[Any]) -> int:
    return int(await conn.scalar(statement) or 0)


async def test_every_table_has_rows_in_both_organizations(conn: AsyncConnection) -> None:
    assert len(TABLES) == 39
    for table in TABLES.values():
        if "organization_id" in table.c:
            counted = func.count(func.distinct(table.c.organization_id))
        else:
            counted = func.count()
        expected = 1 if table.name == "users" else 2
        assert await count(conn, select(counted).select_from(table)) >= expected, table.name


# --- tenancy: one query per foreign key, built from the metadata ------------------------------


def tenant_foreign_keys() -> Iterator[tuple[Table, ForeignKey]]:
    """Every foreign key of a tenant table, except the tenant key itself."""
    for table in models.Base.metadata.sorted_tables:
        if "organization_id" in table.c:
            for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
                if fk.parent.name != "organization_id":
                    yield table, fk


def crossings(table: Table, fk: ForeignKey) -> Select[Any]:
    """Rows whose `fk` points to another tenant's row, or to a user who is not a member."""
    column, target = fk.parent, fk.column.table
    if target.name == "users":
        member = exists().where(
            and_(MEMBERS.c.user_id == column, MEMBERS.c.organization_id == table.c.organization_id)
        )
        return select(func.count()).select_from(table).where(column.is_not(None), ~member)
    parent = target.alias("parent")
    return (
        select(func.count())
        .select_from(table.join(parent, column == parent.c.id))
        .where(parent.c.organization_id != table.c.organization_id)
    )


async def test_no_row_references_another_tenant(conn: AsyncConnection) -> None:
    checked, crossed = 0, {}
    for table, fk in tenant_foreign_keys():
        checked += 1
        if found := await count(conn, crossings(table, fk)):
            crossed[f"{table.name}.{fk.parent.name}"] = found
    assert crossed == {}
    assert checked > 100  # every reference of the 38 tenant tables


async def test_the_tenancy_check_detects_crossings(conn: AsyncConnection) -> None:
    """Guards the test above: point a session at the other tenant's patient and at a user who
    is not a member, then look (and roll back). The database refuses the first (migration
    tenant_references), so its trigger is dropped inside the transaction (restored by the
    rollback)."""
    sessions, patients = TABLES["dialyse_sessions"], TABLES["healthcare_patients"]
    first, second = await conn.scalars(select(TABLES["organizations"].c.id).order_by("id"))
    in_first = select(MEMBERS.c.user_id).where(MEMBERS.c.organization_id == first)
    outsider = await conn.scalar(
        select(MEMBERS.c.user_id)
        .where(MEMBERS.c.organization_id == second, MEMBERS.c.user_id.not_in(in_first))
        .limit(1)
    )
    foreign = await conn.scalar(
        select(patients.c.id).where(patients.c.organization_id == second).limit(1)
    )
    victim = await conn.scalar(
        select(sessions.c.id).where(sessions.c.organization_id == first).limit(1)
    )
    fks = {fk.parent.name: fk for fk in sessions.foreign_keys}
    try:
        await drop_reference_triggers(conn, "dialyse_sessions", "patient_id")
        await conn.execute(
            update(sessions)
            .where(sessions.c.id == victim)
            .values(primary_nurse_id=outsider, patient_id=foreign)
        )
        assert await count(conn, crossings(sessions, fks["primary_nurse_id"])) == 1
        assert await count(conn, crossings(sessions, fks["patient_id"])) == 1
    finally:
        await conn.rollback()


# --- clinical sanity ------------------------------------------------------------------------


async def test_dialysis_sessions_are_physiological(conn: AsyncConnection) -> None:
    s, profile = TABLES["dialyse_sessions"], TABLES["dialyse_patients"]
    done = await rows(
        conn,
        select(s, profile.c.dry_weight)
        .join(profile, profile.c.patient_id == s.c.patient_id)
        .where(s.c.status == "completed"),
    )
    assert len(done) > 50
    for r in done:
        assert 1.0 <= r.ktv <= 2.0
        assert r.post_weight < r.pre_weight
        assert 1.0 <= round(r.pre_weight - r.dry_weight, 1) <= 4.0
        assert abs(r.post_weight - r.dry_weight) <= 1.0
        assert r.pre_bun > r.post_bun > 0
        assert 250 <= r.blood_flow <= 450 and 500 <= r.dialysate_flow <= 800
        assert r.uf_volume > 0 and r.pre_systolic_bp > r.pre_diastolic_bp
        assert r.actual_start_time < r.actual_end_time
    assert sum(r.ktv >= 1.2 for r in done) / len(done) > 0.7
    weekdays = defaultdict(set)
    for r in done:
        weekdays[r.patient_id].add(r.session_date.isoweekday())
    assert all(days <= {1, 3, 5} or days <= {2, 4, 6} for days in weekdays.values())


async def test_lab_flags_agree_with_values(conn: AsyncConnection) -> None:
    labs = await rows(conn, select(TABLES["dialyse_labs"]))
    assert labs
    for lab in labs:
        assert lab.has_out_of_range_values == bool(lab.out_of_range_markers)
        hb_flagged = "hemoglobin" in lab.out_of_range_markers
        assert hb_flagged == (not 10.0 <= lab.hemoglobin <= 12.0)
        assert lab.all_results["hemoglobin"]["value"] == lab.hemoglobin


async def test_ecg_intervals_and_echo_function(conn: AsyncConnection) -> None:
    ecgs = await rows(conn, select(TABLES["cardiology_ecgs"]))
    assert ecgs
    for ecg in ecgs:
        assert ecg.pr_interval is None or 120 <= ecg.pr_interval <= 200
        if ecg.rhythm != "paced":
            assert 80 <= ecg.qrs_duration <= 120
        rr = 60 / ecg.heart_rate
        assert abs(ecg.qtc_interval - ecg.qt_interval / math.sqrt(rr)) <= 1  # Bazett
    echos = await rows(conn, select(TABLES["cardiology_echos"].c.lvef))
    assert echos and all(25 <= e.lvef <= 70 for e in echos)


async def test_biometry_measures_both_eyes(conn: AsyncConnection) -> None:
    b = TABLES["ophthalmology_biometry"]
    measured = await rows(
        conn,
        select(b.c.patient_id, b.c.measurement_date, b.c.eye, b.c.axial_length, b.c.k1, b.c.k2),
    )
    eyes = defaultdict(set)
    for r in measured:
        eyes[(r.patient_id, r.measurement_date)].add(r.eye)
        assert 22.0 <= r.axial_length <= 26.0 and 40 <= r.k1 <= r.k2 <= 47
    assert eyes and all(found == {"left", "right"} for found in eyes.values())


async def test_rpm_readings_and_alerts(conn: AsyncConnection) -> None:
    readings, alerts = TABLES["rpm_readings"], TABLES["rpm_alerts"]
    out = await count(conn, select(func.count()).where(readings.c.is_out_of_range == true()))
    total = await count(conn, select(func.count()).select_from(readings))
    assert 0 < out < total * 0.3
    linked = await rows(
        conn,
        select(readings.c.is_out_of_range, readings.c.alert_id, alerts.c.id).join(
            alerts, alerts.c.reading_id == readings.c.id
        ),
    )
    assert linked and all(r.is_out_of_range and r.alert_id == r.id for r in linked)


async def test_passwords_are_argon2id_hashes(conn: AsyncConnection) -> None:
    for table in ("portal_accounts", "users"):
        hashes = await conn.scalars(select(TABLES[table].c.password_hash))
        assert all(h.startswith("$argon2id$v=19$m=19456,t=2,p=1$") for h in hashes)


async def test_quality_measurements_are_proportions(conn: AsyncConnection) -> None:
    measured = await rows(conn, select(TABLES["quality_measurements"]))
    assert measured
    for m in measured:
        assert 0 <= m.numerator <= m.denominator > 0
        assert m.value == pytest.approx(m.numerator / m.denominator, abs=1e-4)
        assert m.is_target_met == (m.value >= m.target_value)


async def test_id_references_without_foreign_keys_stay_in_the_tenant(conn: AsyncConnection) -> None:
    """Polymorphic text ids (no foreign key) follow the tenant rule too."""
    messages, accounts = TABLES["portal_messages"], TABLES["portal_accounts"]
    for column in (messages.c.sender_id, messages.c.recipient_id):
        account = exists().where(
            accounts.c.id == column, accounts.c.organization_id == messages.c.organization_id
        )
        member = exists().where(
            MEMBERS.c.user_id == column, MEMBERS.c.organization_id == messages.c.organization_id
        )
        stray = select(func.count()).where(column.is_not(None), ~account, ~member)
        assert await count(conn, stray) == 0
    analyses = TABLES["imaging_analyses"]
    for name in await conn.scalars(select(analyses.c.examination_type).distinct()):
        source = TABLES[name]
        found = exists().where(
            source.c.id == analyses.c.examination_id,
            source.c.organization_id == analyses.c.organization_id,
        )
        stray = select(func.count()).where(analyses.c.examination_type == name, ~found)
        assert await count(conn, stray) == 0
    readings, alerts = TABLES["rpm_readings"], TABLES["rpm_alerts"]
    raised = exists().where(
        alerts.c.id == readings.c.alert_id, alerts.c.organization_id == readings.c.organization_id
    )
    stray = select(func.count()).where(readings.c.alert_id.is_not(None), ~raised)
    assert await count(conn, stray) == 0
