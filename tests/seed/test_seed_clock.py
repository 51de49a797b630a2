"""The data describes one instant ("now"): nothing is measured after it, only planned.

`serve --demo` seeds relative to the moment it runs, so a clinic opened in GraphiQL at 08:10
must not show readings, logins, completed visits or sessions from later that day. Columns
that hold plans or expiry dates are the only ones allowed past "now"; the list is explicit,
so a new column that leaks into the future fails here until someone decides what it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import URL

import models
from models.database import create_engine
from models.types import kind_of
from seed.options import CLINIC_TZ, SeedOptions, SeedOptionsError
from tests.seed.test_seed_runs import seeded

# (table, column) that hold what is planned, due or expiring, never what happened.
PLANS = {
    ("dialyse_sessions", "session_date"),  # scheduled sessions of the next days
    ("dialyse_machines", "next_maintenance_date"),
    ("dialyse_machines", "warranty_expiry"),
    ("healthcare_appointments", "scheduled_date"),
    ("healthcare_consultations", "consultation_date"),  # scheduled consultations
    ("healthcare_consultations", "follow_up_date"),
    ("ophthalmology_patients", "next_appointment"),
    ("ophthalmology_surgeries", "surgery_date"),
    ("ophthalmology_surgeries", "scheduled_start_time"),
    ("portal_accounts", "locked_until"),
    ("portal_appointments", "scheduled_at"),
    ("population_cohorts", "next_scheduled_refresh"),
    ("quality_measurements", "period_end"),  # the current period ends at the month's end
    ("rpm_devices", "next_calibration_date"),
    ("rpm_devices", "warranty_expiry"),
    ("rpm_enrollments", "expected_end_date"),
    ("cdss_recommendations", "expires_at"),
}
# 08:10 in Paris: the morning's dialysis shift has not started, yesterday is complete.
MORNING = dt.datetime(2026, 11, 27, 7, 10, tzinfo=dt.UTC)


async def test_nothing_is_measured_after_the_data_instant(
    make_database: Callable[[str], URL],
) -> None:
    options = SeedOptions(organizations=1, patients_per_org=40, months=1, seed=11, now=MORNING)
    url = await seeded(make_database, "sqlite", options)
    engine = create_engine(url)
    future: dict[str, int] = {}
    try:
        async with engine.connect() as conn:
            for table in models.Base.metadata.sorted_tables:
                for column in table.columns:
                    kind = kind_of(column.type)
                    if kind not in ("timestamp", "date") or (table.name, column.name) in PLANS:
                        continue
                    limit = MORNING if kind == "timestamp" else MORNING.date()
                    count = await conn.scalar(select(func.count()).where(column > limit))
                    if count:
                        future[f"{table.name}.{column.name}"] = count
            planned = await conn.execute(
                select(
                    models.dialyse.DialysisSession.status,
                    func.min(models.dialyse.DialysisSession.session_date),
                ).group_by(models.dialyse.DialysisSession.status)
            )
            earliest = dict(planned.all())
            latest_done = await conn.scalar(
                select(func.max(models.dialyse.DialysisSession.session_date)).where(
                    models.dialyse.DialysisSession.status == "completed"
                )
            )
    finally:
        await engine.dispose()
    assert future == {}
    assert earliest["scheduled"] >= MORNING.date()  # plans are ahead, never left behind
    assert latest_done is not None and latest_done < MORNING.date()  # today's shift is ahead


def test_the_clock_defaults() -> None:
    evening = SeedOptions(as_of=dt.date(2026, 10, 31)).clock
    assert evening == dt.datetime(2026, 10, 31, 17, 0, tzinfo=dt.UTC)  # 18:00 in Paris (CET)
    fixed = SeedOptions(now=MORNING).fixed()
    assert (fixed.as_of, fixed.now) == (dt.date(2026, 11, 27), MORNING)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    running = SeedOptions().fixed()
    assert before <= running.clock <= dt.datetime.now(dt.UTC)
    assert running.as_of == running.clock.astimezone(CLINIC_TZ).date()


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(SeedOptionsError, match="aware datetime"):
        SeedOptions(now=dt.datetime(2026, 11, 27, 8, 10)).validate()
