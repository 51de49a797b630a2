"""`perfex-graph seed`: fill an empty, migrated database with synthetic clinical data."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import URL

from cli.database import KNOWN_ERRORS as DATABASE_ERRORS
from cli.database import describe_error, open_database, run
from cli.output import console, fail
from models.database import create_engine
from seed.options import SeedOptions, SeedOptionsError, parse_as_of
from seed.runner import SeedError, SeedReport, seed_database
from settings import describe
from settings.database import migration_database_url

# Failures a user can fix: one line and exit status 1, never a traceback.
KNOWN_ERRORS: tuple[type[Exception], ...] = (SeedOptionsError, SeedError, *DATABASE_ERRORS)


def seed(
    organizations: int = typer.Option(
        3, "--organizations", metavar="N", help="Organizations (tenants), 1-500."
    ),
    patients_per_org: int = typer.Option(
        70, "--patients-per-org", metavar="N", help="Patients per organization, 1-100000."
    ),
    months: int = typer.Option(6, "--months", metavar="N", help="Months of history, 1-120."),
    seed: int = typer.Option(
        42, "--seed", metavar="N", help="Random seed: same options, same data."
    ),
    rpm_readings_per_day: float = typer.Option(
        4.0,
        "--rpm-readings-per-day",
        metavar="N",
        help="Readings a day per monitored patient, 0-48.",
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        metavar="YYYY-MM-DD",
        help="Last day of history (default: today, UTC).",
    ),
) -> None:
    """Fill a migrated, empty database at MIGRATION_DATABASE_URL (default: DATABASE_URL) with
    synthetic clinical data, as the owner of the tables.

    Every clinical domain; the same options and --seed always give the same data."""
    try:
        options = SeedOptions(
            organizations=organizations,
            patients_per_org=patients_per_org,
            months=months,
            seed=seed,
            rpm_readings_per_day=rpm_readings_per_day,
            as_of=parse_as_of(as_of),
        ).validate()
        url = migration_database_url()
        open_database(url, migrated=True)
        report = run(_run(url, options))
    except KNOWN_ERRORS as exc:
        raise fail(describe_error(exc)) from None
    console.print(
        f"seeded {describe(url)}: {options.organizations} organizations, "
        f"{options.organizations * options.patients_per_org:,} patients, "
        f"{report.total_rows:,} rows in {len(report.rows)} tables, "
        f"{report.elapsed_seconds:.1f} s",
        highlight=False,
    )


async def _run(url: URL, options: SeedOptions) -> SeedReport:
    engine = create_engine(url, system=True)  # rows of every organization
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("seeding", total=None)

            def progress(step: str, done: int, total: int) -> None:
                bar.update(task, description=step, completed=done, total=total)

            return await seed_database(engine, options, progress)
    finally:
        await engine.dispose()
