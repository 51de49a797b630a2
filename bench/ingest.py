"""RPM ingestion throughput: `python -m bench.ingest` sends 10,000 readings of one device in
batches of 1,000 (`rpmReadingsIngest`) to the app in this process, on a fresh SQLite database
(and a fresh PostgreSQL one when the server answers), and prints readings per second.

Figures only: nothing is gated on time. A fresh database each run (a temporary SQLite file, a
`perfex_bench_ingest_*` PostgreSQL database dropped afterwards), migrated to head, with one
organization, nurse, patient, programme, enrolment and assigned device created directly. One
reading in 500 is out of range, so the alert path runs too; a last pass re-sends the first
batch to time a retry (all duplicates).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import URL

from bench.config import POSTGRES_URL, auth_settings
from graph.app import create_app
from graph.auth import mint_token
from graph.ids import encode
from models.core import Organization, OrganizationMember, User
from models.database import session_factory
from models.healthcare import Patient
from models.migrate import upgrade
from models.rpm import RpmDevice, RpmEnrollment, RpmProgram
from settings import parse_database_url

INGEST = """mutation Ingest($input: RpmReadingsIngestInput!) {
  rpmReadingsIngest(input: $input) { accepted duplicates outOfRange alertsOpened
    errors { field code message } } }"""
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_NO_LOGIN = "!"  # the bench user never signs in with a password; its token is minted


def _batch(first: int, size: int) -> list[dict[str, Any]]:
    return [
        {
            "readingType": "BLOOD_PRESSURE",
            "timestamp": (START + dt.timedelta(minutes=i)).isoformat(),
            "primaryValue": 170.0 if i % 500 == 0 else 120.0 + i % 20,
            "primaryUnit": "mmHg",
            "secondaryValue": 80.0,
            "secondaryUnit": "mmHg",
        }
        for i in range(first, first + size)
    ]


async def _world(app: Any) -> tuple[str, str, str]:
    """(user id, organization id, device global id): the rows the batches need."""
    org, user, patient = (str(uuid.uuid4()) for _ in range(3))
    now = dt.datetime.now(dt.UTC)
    async with session_factory(app.state.engine)() as session, session.begin():
        session.add(Organization(id=org, name="Bench clinic", slug=f"bench-{org}"))
        session.add(User(id=user, email=f"{user}@example.test", password_hash=_NO_LOGIN))
        await session.flush()
        session.add(
            OrganizationMember(organization_id=org, user_id=user, role="member", joined_at=now)
        )
        session.add(
            Patient(
                id=patient,
                organization_id=org,
                first_name="Bench",
                last_name="Patient",
                date_of_birth=dt.date(1950, 1, 1),
            )
        )
        program = RpmProgram(
            organization_id=org,
            name="Hypertension",
            program_code="HTN",
            program_type="hypertension",
            created_by=user,
            required_reading_types=["blood_pressure"],
            alert_thresholds={"blood_pressure": {"low": 90, "high": 150}},
        )
        session.add(program)
        await session.flush()
        session.add(
            RpmEnrollment(
                organization_id=org,
                patient_id=patient,
                program_id=program.id,
                enrollment_number="EN-1",
                enrolled_at=now,
                enrolled_by=user,
                start_date=now,
                status="active",
            )
        )
        device = RpmDevice(
            organization_id=org,
            patient_id=patient,
            created_by=user,
            device_type="blood_pressure_monitor",
            brand="Omron",
            model="M7",
            serial_number="SN-BENCH",
            device_number="D-1",
            connectivity_type="bluetooth",
            status="active",
            assigned_at=now,
        )
        session.add(device)
    return user, org, encode("RpmDevice", device.id)


async def run(url: URL, total: int, batch: int) -> tuple[float, float]:
    """(readings per second of the first pass, of a retry of one batch)."""
    upgrade(url)
    app = create_app(database_url=url, auth=auth_settings())
    async with app.router.lifespan_context(app):
        user, org, device = await _world(app)
        token = mint_token(
            auth_settings(), user_id=user, organization_id=org, roles=["nurse"], ttl_seconds=3600
        )
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers
        ) as http:

            async def send(readings: list[dict[str, Any]]) -> dict[str, Any]:
                variables = {"input": {"deviceId": device, "readings": readings}}
                body = (
                    await http.post("/graphql", json={"query": INGEST, "variables": variables})
                ).json()
                assert "errors" not in body, body["errors"]
                payload: dict[str, Any] = body["data"]["rpmReadingsIngest"]
                assert payload["errors"] == [], payload["errors"]
                return payload

            batches = [_batch(first, batch) for first in range(0, total, batch)]
            began = time.perf_counter()
            stored = sum([(await send(readings))["accepted"] for readings in batches])
            elapsed = time.perf_counter() - began
            assert stored == total, stored
            began = time.perf_counter()
            retry = await send(batches[0])
            retried = time.perf_counter() - began
            assert retry["duplicates"] == len(batches[0]), retry
    return total / elapsed, len(batches[0]) / retried


@contextlib.asynccontextmanager
async def _postgres() -> AsyncIterator[URL | None]:
    """A fresh PostgreSQL database, dropped afterwards; None when the server does not answer."""
    import asyncpg

    maintenance = parse_database_url(POSTGRES_URL)
    name = f"perfex_bench_ingest_{uuid.uuid4().hex[:10]}"

    async def admin(statement: str) -> None:
        conn = await asyncpg.connect(
            host=maintenance.host or "127.0.0.1",
            port=maintenance.port or 5432,
            user=maintenance.username or "postgres",
            password=maintenance.password,
            database=maintenance.database,
            timeout=5,
        )
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    try:
        await admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"postgresql: not reachable ({type(exc).__name__}), skipped")
        yield None
        return
    try:
        yield maintenance.set(database=name)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main(total: int, batch: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = parse_database_url(f"sqlite:///{Path(folder) / 'ingest.db'}")
        _report("sqlite", *(await asyncio.to_thread(_run_sync, url, total, batch)), total, batch)
    async with _postgres() as url:
        if url is not None:
            figures = await asyncio.to_thread(_run_sync, url, total, batch)
            _report("postgresql", *figures, total, batch)


def _run_sync(url: URL, total: int, batch: int) -> tuple[float, float]:
    """`run` in an event loop of its own (the migration runs its own loop)."""
    return asyncio.run(run(url, total, batch))


def _report(dialect: str, rate: float, retry: float, total: int, batch: int) -> None:
    print(
        f"{dialect}: {total:,} readings in batches of {batch:,}: {rate:,.0f} readings/s "
        f"(a retried batch, all duplicates: {retry:,.0f} readings/s)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1_000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.readings, arguments.batch))
