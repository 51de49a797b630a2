"""Datasets: generated once per (size, seed, dialect) with the project's seeder, then reused.

SQLite: `.bench/<size>-seed<seed>.db`. PostgreSQL: database `perfex_bench_<size>_seed<seed>` on
the server of BENCH_POSTGRES_URL (default TEST_DATABASE_URL, else the local server). A manifest
`.bench/<size>-seed<seed>-<dialect>.json` is written last, once the data is complete; a dataset
is reused when its manifest exists, names the current migration head and the database still
holds its organization. Anything else is rebuilt from scratch.

The manifest also fixes what the operations ask for (the member signed in, Q2's patient, Q3's
and Q4's "since"), so every server of every run gets the same variables.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import json
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import delete, func, select, true, union_all
from sqlalchemy.engine import URL

from bench.config import BENCH_DIR, POSTGRES_URL, SIZES
from models.audit import AuditEvent
from models.base import Base
from models.core import Organization, OrganizationMember, User
from models.database import create_engine
from models.migrate import head_revision, upgrade
from seed.runner import seed_database
from settings import parse_database_url

# The patient-centric tables Q2 reads: its patient is the one with rows in most of them.
CHART_TABLES = (
    "dialyse_patients",
    "dialyse_sessions",
    "dialyse_labs",
    "cardiology_patients",
    "cardiology_ecgs",
    "cardiology_echos",
    "ophthalmology_patients",
    "ophthalmology_biometry",
    "ophthalmology_surgeries",
    "healthcare_consultations",
    "healthcare_appointments",
    "rpm_readings",
    "rpm_alerts",
    "cdss_recommendations",
    "imaging_analyses",
)
SEARCH_TEXT = "mar"  # Q5: what the front desk types (a name prefix)

Progress = Callable[[str], None]
T = TypeVar("T")


@dataclass(frozen=True)
class Dataset:
    """A seeded database and the facts the operations need."""

    size: str
    seed: int
    dialect: str
    url: str  # with the password, for the server processes
    head: str | None
    seed_seconds: float
    rows: dict[str, int]
    organization_id: str
    user_id: str
    instant: str  # the instant the data describes (ISO, UTC)
    chart_patient: str  # Q2: raw id of the patient with data in most modules
    chart_modules: int
    alerts_since: str  # Q3: the instant minus 24 h
    quality_since: str  # Q4: a year back
    quality_since_day: str
    search_text: str  # Q5

    @property
    def sqlalchemy_url(self) -> URL:
        return parse_database_url(self.url)

    def describe(self) -> str:
        size = SIZES[self.size]
        readings = self.rows.get("rpm_readings", 0)
        patients = self.rows.get("healthcare_patients", 0)
        return (
            f"{self.size} ({size.organizations} org x {size.patients_per_org} patients, "
            f"{size.months} months; {patients:,} patients, {readings:,} RPM readings, "
            f"{sum(self.rows.values()):,} rows; seed {self.seed}; seeded in "
            f"{self.seed_seconds:.0f} s)"
        )


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion, from sync code or (on a thread) from a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def key(size: str, seed: int, dialect: str) -> str:
    return f"{size}-seed{seed}-{dialect}"


def manifest_path(size: str, seed: int, dialect: str) -> Path:
    return BENCH_DIR / f"{key(size, seed, dialect)}.json"


def database_url(size: str, seed: int, dialect: str) -> URL:
    if dialect == "sqlite":
        return parse_database_url(f"sqlite:///{BENCH_DIR / f'{size}-seed{seed}.db'}")
    return parse_database_url(POSTGRES_URL).set(database=f"perfex_bench_{size}_seed{seed}")


def load(size: str, seed: int, dialect: str) -> Dataset | None:
    """The dataset's manifest when the dataset is complete and current, else None."""
    path = manifest_path(size, seed, dialect)
    if not path.exists():
        return None
    try:
        dataset = Dataset(**json.loads(path.read_text(encoding="utf-8")))
    except (TypeError, ValueError):
        return None
    if dataset.head != head_revision():
        return None
    try:
        present = run(_organization_present(dataset))
    except Exception:
        return None
    return dataset if present else None


async def _organization_present(dataset: Dataset) -> bool:
    engine = create_engine(dataset.sqlalchemy_url)
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(
                select(Organization.id).where(Organization.id == dataset.organization_id)
            )
    finally:
        await engine.dispose()
    return found is not None


def ensure(size: str, seed: int, dialect: str, progress: Progress = print) -> Dataset:
    """The dataset, reused when complete and current, else built (which may take minutes)."""
    found = load(size, seed, dialect)
    if found is not None:
        progress(f"{dialect}: reusing dataset {key(size, seed, dialect)}")
        run(_empty_audit_log(found))
        return found
    return build(size, seed, dialect, progress)


async def _empty_audit_log(dataset: Dataset) -> None:
    """Every use of a dataset starts from the audit log it was seeded with: the API adds a
    row per patient it reads (one INSERT per request), so a log left to grow across runs made
    each run measure a bigger table than the last (Q1@500's INSERT: 6 ms into the seeded log,
    18 ms after a day of runs). The seeded events are older than the data's instant."""
    engine = create_engine(dataset.sqlalchemy_url, system=True)
    try:
        async with engine.begin() as conn:
            instant = dt.datetime.fromisoformat(dataset.instant)
            await conn.execute(delete(AuditEvent).where(AuditEvent.created_at > instant))
        if dataset.dialect == "sqlite":
            async with engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await engine.dispose()


def build(size: str, seed: int, dialect: str, progress: Progress = print) -> Dataset:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    _gitignore()
    manifest = manifest_path(size, seed, dialect)
    manifest.unlink(missing_ok=True)
    url = database_url(size, seed, dialect)
    progress(f"{dialect}: building dataset {key(size, seed, dialect)} ({SIZES[size].description})")
    _fresh_database(url, dialect)
    run(asyncio.to_thread(upgrade, url))
    dataset = run(seed_into(size, seed, dialect, url, progress))
    manifest.write_text(json.dumps(asdict(dataset), indent=2) + "\n", encoding="utf-8")
    return dataset


def _gitignore() -> None:
    ignore = BENCH_DIR / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")


def _fresh_database(url: URL, dialect: str) -> None:
    if dialect == "sqlite":
        assert url.database is not None
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(url.database + suffix).unlink(missing_ok=True)
        return
    name = url.database
    run(_postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    run(_postgres_admin(f'CREATE DATABASE "{name}"'))


async def _postgres_admin(statement: str) -> None:
    import asyncpg

    url = parse_database_url(POSTGRES_URL)
    conn = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database,
        timeout=10,
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def drop_postgres_database(name: str) -> None:
    await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def seed_into(
    size: str, seed: int, dialect: str, url: URL, progress: Progress = print
) -> Dataset:
    """Seed the migrated, empty database at `url` and describe it."""
    options = SIZES[size].options(seed)
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        last = [0.0]

        def report(step: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if now - last[0] > 10 or done == total:
                last[0] = now
                progress(f"{dialect}:   {100 * done / max(total, 1):5.1f}%  {step}")

        result = await seed_database(engine, options, report)
        if dialect == "postgresql":
            # Plans from statistics of this data, not from whenever autovacuum gets to it.
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.exec_driver_sql("ANALYZE")
        seconds = time.perf_counter() - started
        facts = await _facts(engine, options.clock)
    finally:
        await engine.dispose()
    progress(f"{dialect}: seeded {result.total_rows:,} rows in {seconds:.0f} s")
    return Dataset(
        size=size,
        seed=seed,
        dialect=dialect,
        url=url.render_as_string(hide_password=False),
        head=head_revision(),
        seed_seconds=round(seconds, 1),
        rows=result.rows,
        **facts,
    )


async def _facts(engine: Any, instant: dt.datetime) -> dict[str, Any]:
    async with engine.connect() as conn:
        organization_id = await conn.scalar(
            select(Organization.id).order_by(Organization.id).limit(1)
        )
        elsewhere = select(OrganizationMember.user_id).where(
            OrganizationMember.organization_id != organization_id
        )
        user_id = await conn.scalar(
            select(User.id)
            .join(OrganizationMember, OrganizationMember.user_id == User.id)
            .where(
                OrganizationMember.organization_id == organization_id,
                User.is_active.is_(true()),
                User.id.not_in(elsewhere),
            )
            .order_by(User.id)
            .limit(1)
        )
        parts = []
        for name in CHART_TABLES:
            table = Base.metadata.tables[name]
            parts.append(
                select(table.c.patient_id.label("patient_id"))
                .where(table.c.organization_id == organization_id)
                .distinct()
            )
        modules = union_all(*parts).subquery()
        chart = (
            await conn.execute(
                select(modules.c.patient_id, func.count().label("n"))
                .group_by(modules.c.patient_id)
                .order_by(func.count().desc(), modules.c.patient_id)
                .limit(1)
            )
        ).one()
    year_ago = instant - dt.timedelta(days=365)
    return {
        "organization_id": str(organization_id),
        "user_id": str(user_id),
        "instant": instant.isoformat(),
        "chart_patient": str(chart.patient_id),
        "chart_modules": int(chart.n),
        "alerts_since": (instant - dt.timedelta(hours=24)).isoformat(),
        "quality_since": year_ago.isoformat(),
        "quality_since_day": year_ago.date().isoformat(),
        "search_text": SEARCH_TEXT,
    }
