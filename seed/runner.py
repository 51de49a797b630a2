"""`seed_database`: fill an empty, migrated database with synthetic clinical data.

Organizations are generated one after the other, each domain in dependency order, and written
in batches by `BatchWriter` inside a single transaction: a failed run leaves the database empty
and can simply be re-run. Only counts and step names are reported, never row contents (PHI).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import ModuleType

from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from models.database import DatabaseNotMigrated, check_ready
from seed import (
    audit,
    cardiology,
    clinical_ai,
    core,
    dialyse,
    healthcare,
    imaging_ai,
    ophthalmology,
    patient_portal,
    population_health,
    rpm,
)
from seed.context import Item, OrgContext, Patch, Tick, table
from seed.options import SeedOptions
from seed.passwords import hash_pool
from seed.writer import BatchWriter

Progress = Callable[[str, int, int], None]
# Order matters: later domains read what earlier ones recorded on the patients.
DOMAINS: tuple[ModuleType, ...] = (
    healthcare,
    dialyse,
    cardiology,
    ophthalmology,
    clinical_ai,
    imaging_ai,
    patient_portal,
    rpm,
    population_health,
    audit,
)


# Relative cost of each step of an organization, so that progress moves at an even pace.
WEIGHTS = {"staff": 0.2, "healthcare": 1.5, "dialyse": 3.0, "rpm": 2.0}


class SeedError(Exception):
    """Seeding cannot start (or went wrong); the message says why and what to do."""


@dataclass
class SeedReport:
    """What a run wrote: rows per table and how long it took."""

    rows: dict[str, int] = field(default_factory=dict)
    elapsed_seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


async def seed_database(
    engine: AsyncEngine, options: SeedOptions, progress: Progress | None = None
) -> SeedReport:
    """Generate `options` worth of data into `engine`'s database, which must be empty."""
    options = options.validate().fixed()  # one "today" and one "now" for the whole run
    try:
        await check_ready(engine)
    except DatabaseNotMigrated as exc:
        raise SeedError(str(exc)) from None
    started = time.perf_counter()
    hashes = await asyncio.to_thread(hash_pool, options.seed)
    fake = Faker("fr_FR")
    weights = {"rpm": WEIGHTS["rpm"] * (1 + options.rpm_readings_per_day)}
    tracker = _Tracker(progress, options.organizations, {**WEIGHTS, **weights})
    async with engine.begin() as conn:
        existing = await conn.scalar(select(func.count()).select_from(table("organizations")))
        if existing:
            raise SeedError(
                f"the database already holds {existing} organization(s): seed only a new, "
                "empty database (create one, run `perfex-graph migrate`, then seed)"
            )
        if conn.dialect.name == "sqlite":  # random UUID keys: keep index pages in memory
            await conn.exec_driver_sql("PRAGMA cache_size=-262144")
        writer = BatchWriter(conn)
        # PostgreSQL: multi-row INSERT ... VALUES instead of one statement per row (what
        # psycopg2's executemany_mode does), a quarter faster. SQLite gains little from it and
        # caches the large statements, so it keeps executemany. Restored afterwards.
        dialect = conn.dialect
        previous = dialect.use_insertmanyvalues_wo_returning
        dialect.use_insertmanyvalues_wo_returning = dialect.name == "postgresql"
        try:
            await _generate(writer, options, fake, hashes, tracker)
        finally:
            await writer.settle()
            dialect.use_insertmanyvalues_wo_returning = previous
    return SeedReport(dict(sorted(writer.counts.items())), time.perf_counter() - started)


async def _generate(
    writer: BatchWriter, options: SeedOptions, fake: Faker, hashes: Sequence[str], tracker: _Tracker
) -> None:
    for item in core.platform(options, hashes):
        writer.add(*item)
    taken: set[str] = set()
    guest: str | None = None
    for index in range(options.organizations):
        ctx = core.new_organization(options, index, fake, hashes, taken)
        steps: list[tuple[str, Iterator[Item]]] = [("staff", core.generate(ctx, guest))]
        steps += [(_label(domain), domain.generate(ctx)) for domain in DOMAINS]
        for name, items in steps:
            await _consume(writer, items, tracker, name, ctx)
        await writer.apply_patches()
        guest = ctx.staff["cardiologist"][0]
    await writer.flush()
    await writer.wait()


def _label(domain: ModuleType) -> str:
    return domain.__name__.rsplit(".", 1)[-1].replace("_", " ")


async def _consume(
    writer: BatchWriter, items: Iterator[Item], tracker: _Tracker, name: str, ctx: OrgContext
) -> None:
    label = f"{name} (organization {ctx.index + 1}/{ctx.options.organizations})"
    patients = max(1, len(ctx.patients) or ctx.options.patients_per_org)
    done = 0
    for n, item in enumerate(items):
        if type(item) is tuple:
            if writer.add(*item):
                await writer.flush()
            elif n % 32 == 0:
                await asyncio.sleep(0)  # let the write in flight send its next batch
        elif isinstance(item, Tick):
            done += item.n
            tracker.advance(label, name, done / patients)
        elif isinstance(item, Patch):
            writer.patch(item)
    tracker.advance(label, name, 1.0, finished=True)


class _Tracker:
    """Turns step fractions into `progress(step, done, total)` calls, in thousandths of a
    step weighted by its usual cost, throttled to about a thousand calls per run."""

    def __init__(self, progress: Progress | None, organizations: int, weights: dict[str, float]):
        self.progress, self.weights = progress, weights
        per_org = sum(weights.get(_label(d), 0.3) for d in DOMAINS) + weights["staff"]
        self.total = round(organizations * per_org * 1000)
        self.base, self.last = 0.0, -1

    def advance(self, label: str, step: str, fraction: float, finished: bool = False) -> None:
        weight = self.weights.get(step, 0.3) * 1000
        done = min(self.total, round(self.base + weight * min(fraction, 1.0)))
        if finished:
            self.base += weight
            done = min(self.total, round(self.base))
        if self.progress is not None and (done - self.last >= self.total // 1000 or finished):
            self.last = done
            self.progress(label, done, self.total)
