"""Seed options are checked before anything touches a database, with messages that say which
option is wrong and what is allowed."""

from __future__ import annotations

import datetime as dt

import pytest

from seed.context import history_start
from seed.options import SeedOptions, SeedOptionsError, parse_as_of


def test_defaults_are_valid() -> None:
    options = SeedOptions().validate()
    assert (options.organizations, options.patients_per_org, options.months) == (3, 70, 6)
    assert options.last_day == dt.datetime.now(dt.UTC).date()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"organizations": 0}, "--organizations must be between 1 and 500, got 0"),
        ({"organizations": 501}, "--organizations must be between 1 and 500"),
        ({"patients_per_org": 0}, "--patients-per-org must be between 1 and 100000"),
        ({"patients_per_org": 100_001}, "--patients-per-org must be between 1 and 100000"),
        ({"months": 0}, "--months must be between 1 and 120"),
        ({"months": 121}, "--months must be between 1 and 120"),
        ({"seed": -1}, "--seed must be between 0"),
        ({"rpm_readings_per_day": -0.5}, "--rpm-readings-per-day must be between 0 and 48"),
        ({"rpm_readings_per_day": 48.5}, "--rpm-readings-per-day must be between 0 and 48"),
        ({"rpm_readings_per_day": float("nan")}, "--rpm-readings-per-day must be between"),
        ({"organizations": 2.5}, "--organizations must be a whole number"),
        ({"months": True}, "--months must be a whole number"),
        ({"as_of": dt.date(1999, 12, 31)}, "--as-of must be between 2000-01-01 and 2100-12-31"),
        ({"as_of": dt.datetime(2026, 1, 1)}, "--as-of must be a date"),
    ],
)
def test_invalid_options_are_refused_by_name(changes: dict[str, object], message: str) -> None:
    with pytest.raises(SeedOptionsError, match="^" + message.replace("(", r"\(")):
        SeedOptions(**changes).validate()  # type: ignore[arg-type]


def test_boundaries_are_accepted() -> None:
    SeedOptions(
        organizations=500, patients_per_org=1, months=120, rpm_readings_per_day=0
    ).validate()
    SeedOptions(
        organizations=1, patients_per_org=100_000, months=1, rpm_readings_per_day=48
    ).validate()


def test_as_of_parsing() -> None:
    assert parse_as_of("2026-10-31") == dt.date(2026, 10, 31)
    assert parse_as_of(None) is None
    with pytest.raises(SeedOptionsError, match="--as-of must be a date YYYY-MM-DD"):
        parse_as_of("31/10/2026")


@pytest.mark.parametrize(
    ("last_day", "months", "first_day"),
    [
        (dt.date(2026, 10, 31), 2, dt.date(2026, 9, 1)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 3, 1)),
        (dt.date(2025, 11, 25), 6, dt.date(2025, 5, 26)),
        (dt.date(2026, 1, 15), 13, dt.date(2024, 12, 16)),
    ],
)
def test_history_covers_the_requested_months(
    last_day: dt.date, months: int, first_day: dt.date
) -> None:
    assert history_start(last_day, months) == first_day
