"""What the domain generators share: the organization being generated, its staff and patients,
seeded randomness, the clinic's clock, and the items a generator yields to the runner.

Generators are plain (synchronous) iterators of `Row`, `Patch` and `Tick`: they never touch the
database, so a domain can be read, tested and reasoned about on its own, and the runner alone
decides batching and transactions.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from faker import Faker
from sqlalchemy import Table

from models import Base
from seed.options import CLINIC_TZ, SeedOptions

UTC = dt.UTC
STORAGE = "https://storage.example.org"  # object-storage URLs: a reserved example domain

Row = tuple[Table, dict[str, Any]]


@dataclass(frozen=True)
class Patch:
    """An UPDATE applied after the organization's rows are in (cycles, counters known late)."""

    table: Table
    id: str
    values: dict[str, Any]


@dataclass(frozen=True)
class Tick:
    """Progress: `n` more patients of the current step are done."""

    n: int = 1


Item = Row | Patch | Tick


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def new_id(rng: random.Random) -> str:
    """A UUID4 string drawn from the seeded generator, so ids are reproducible."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    """One key of `weights`, drawn with those weights."""
    return rng.choices(tuple(weights), tuple(weights.values()))[0]


def clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def local(day: dt.date, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    """A clinic wall-clock time on `day`, as an aware UTC instant (whole seconds)."""
    wall = dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=CLINIC_TZ)
    return wall.astimezone(UTC)


def at_time(day: dt.date, clock: dt.time) -> dt.datetime:
    return local(day, clock.hour, clock.minute)


def days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Every day from start to end, both included."""
    for offset in range((end - start).days + 1):
        yield start + dt.timedelta(days=offset)


def month_label(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def history_start(last_day: dt.date, months: int) -> dt.date:
    """The day after `last_day` minus `months` months: the first day of history."""
    year, month = divmod(last_day.year * 12 + last_day.month - 1 - months, 12)
    day = min(last_day.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day) + dt.timedelta(days=1)


@dataclass
class PatientInfo:
    """What later domains need to know about a registry patient (never printed: PHI)."""

    id: str
    index: int
    sex: str
    birth: dt.date
    age: int
    registered: dt.datetime
    weight: float
    height: float
    email: str | None
    first_day: dt.date
    programs: set[str] = field(default_factory=set)
    conditions: set[str] = field(default_factory=set)
    consults: dict[str, list[tuple[str, dt.date, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    appointments: list[tuple[str, dt.datetime, str, str, str]] = field(default_factory=list)
    imaging: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def consult_before(self, module: str, day: dt.date) -> tuple[str, dt.date, str] | None:
        """The latest consultation of `module` on or before `day`, if any."""
        found = [c for c in self.consults.get(module, ()) if c[1] <= day]
        return found[-1] if found else None


@dataclass
class OrgContext:
    """One organization being generated, with everything its domains share."""

    options: SeedOptions
    index: int
    id: str
    name: str
    slug: str
    fake: Faker
    hashes: Sequence[str]
    start: dt.date
    end: dt.date
    staff: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    guests: list[tuple[str, str]] = field(default_factory=list)
    last_login: dict[str, dt.datetime] = field(default_factory=dict)
    patients: list[PatientInfo] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    done: set[str] = field(default_factory=set)
    quality: dict[str, dict[str, list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: [0, 0]))
    )

    @property
    def code(self) -> str:
        """Short organization number used in business numbers, e.g. 'DS-002-000123'."""
        return f"{self.index + 1:03d}"

    @property
    def now(self) -> dt.datetime:
        """The instant the data describes: nothing is measured after it (SeedOptions.clock)."""
        return self.options.clock

    def rng(self, domain: str) -> random.Random:
        """A generator private to this organization and domain (string seeds are stable)."""
        return random.Random(f"{self.options.seed}:{self.index}:{domain}")

    def faker(self, domain: str) -> Faker:
        self.fake.seed_instance(f"{self.options.seed}:{self.index}:{domain}")
        return self.fake

    def pick_staff(self, rng: random.Random, *roles: str) -> str:
        """A member of this organization with one of `roles` (falls back to any clinician)."""
        pool = [user for role in roles for user in self.staff.get(role, ())]
        return rng.choice(pool or self.staff["physician"])

    def once(self, key: str) -> bool:
        """True the first time per organization: forces one example of a rare record, so that
        even a tiny organization has a row in every table."""
        if key in self.done:
            return False
        self.done.add(key)
        return True

    def next_number(self, prefix: str) -> str:
        """The next business number of a kind, unique in the organization: 'EX-001-000042'."""
        self.counters[prefix] += 1
        return f"{prefix}-{self.code}-{self.counters[prefix]:06d}"

    def url(self, *parts: str) -> str:
        return "/".join((STORAGE, self.slug, *parts))

    def count(self, indicator: str, day: dt.date, hit: bool) -> None:
        """Add one case to the denominator (and the numerator when `hit`) of a month."""
        cell = self.quality[indicator][month_label(day)]
        cell[0] += int(hit)
        cell[1] += 1


def stamps(created: dt.datetime, updated: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """created_at/updated_at, whole seconds; updated never before created."""
    created = created.replace(microsecond=0)
    updated = max(created, (updated or created).replace(microsecond=0))
    return {"created_at": created, "updated_at": updated}
