"""What to generate: the options of `perfex-graph seed`, checked before anything is written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

# Bounds keep a run finite (time, disk) while covering a demo and a load test.
LIMITS: dict[str, tuple[float, float]] = {
    "organizations": (1, 500),
    "patients_per_org": (1, 100_000),
    "months": (1, 120),
    "seed": (0, 2**63 - 1),
    "rpm_readings_per_day": (0, 48),
}
CLINIC_TZ = ZoneInfo("Europe/Paris")  # the Perfex clinics are French; clock times are local
EVENING = dt.time(18)  # `--as-of DAY` describes the clinic at the end of DAY's working day
EARLIEST_AS_OF = dt.date(2000, 1, 1)
LATEST_AS_OF = dt.date(2100, 12, 31)


class SeedOptionsError(ValueError):
    """An option is out of range; the message names it and its allowed range."""


@dataclass(frozen=True)
class SeedOptions:
    """Size and shape of the generated data. Same options (including `as_of`) → same data."""

    organizations: int = 3
    patients_per_org: int = 70
    months: int = 6
    seed: int = 42
    rpm_readings_per_day: float = 4.0
    as_of: dt.date | None = None
    # The instant the data describes: nothing measured after it, only plans. Default: the
    # evening (18:00 clinic time) of `as_of`; without `as_of`, the moment the seed runs.
    now: dt.datetime | None = None

    def validate(self) -> SeedOptions:
        """Raise SeedOptionsError for the first invalid option; return self when all are valid."""
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            integral = name != "rpm_readings_per_day"
            if isinstance(value, bool) or not isinstance(value, int if integral else (int, float)):
                kind = "a whole number" if integral else "a number"
                raise SeedOptionsError(f"{_flag(name)} must be {kind}, got {value!r}")
            if not (math.isfinite(value) and low <= value <= high):
                raise SeedOptionsError(
                    f"{_flag(name)} must be between {low:g} and {high:g}, got {value:g}"
                )
        if self.as_of is not None:
            if isinstance(self.as_of, dt.datetime) or not isinstance(self.as_of, dt.date):
                raise SeedOptionsError(f"--as-of must be a date (YYYY-MM-DD), got {self.as_of!r}")
            if not EARLIEST_AS_OF <= self.as_of <= LATEST_AS_OF:
                raise SeedOptionsError(
                    f"--as-of must be between {EARLIEST_AS_OF} and {LATEST_AS_OF}, got {self.as_of}"
                )
        if self.now is not None and (
            not isinstance(self.now, dt.datetime) or self.now.utcoffset() is None
        ):
            raise SeedOptionsError(f"now must be an aware datetime, got {self.now!r}")
        return self

    @property
    def last_day(self) -> dt.date:
        """The last day of history: `as_of`, else the clinic's date at `now` (default: today)."""
        if self.as_of is not None:
            return self.as_of
        return self.clock.astimezone(CLINIC_TZ).date()

    @property
    def clock(self) -> dt.datetime:
        """The instant the data describes (UTC, whole seconds)."""
        if self.now is not None:
            instant = self.now
        elif self.as_of is not None:
            wall = dt.datetime.combine(self.as_of, EVENING, tzinfo=CLINIC_TZ)
            instant = wall
        else:
            instant = dt.datetime.now(dt.UTC)
        return instant.astimezone(dt.UTC).replace(microsecond=0)

    def fixed(self) -> SeedOptions:
        """These options with one "today" and one "now", so a long run sees a single clock."""
        clock = self.clock
        return dataclasses.replace(self, as_of=self.last_day, now=clock)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def parse_as_of(raw: str | None) -> dt.date | None:
    """Parse the --as-of text (YYYY-MM-DD) or raise SeedOptionsError."""
    if raw is None or not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise SeedOptionsError(f"--as-of must be a date YYYY-MM-DD, got {raw!r}") from None
