"""GraphQL types of the rpm domain, mirrored from `models/rpm.py`."""

from __future__ import annotations

from graph.mirror import mirrored
from graph.ordering import desc
from models import rpm


@mirrored(rpm.RpmDevice, order=[desc("created_at")])
class RpmDevice:
    """A row of `rpm_devices`."""


@mirrored(rpm.RpmReading, order=[desc("timestamp")])
class RpmReading:
    """A row of `rpm_readings`."""


@mirrored(rpm.RpmProgram, order=[desc("created_at")])
class RpmProgram:
    """A row of `rpm_programs`."""


@mirrored(rpm.RpmEnrollment, order=[desc("start_date")])
class RpmEnrollment:
    """A row of `rpm_enrollments`."""


@mirrored(rpm.RpmAlert, order=[desc("triggered_at")])
class RpmAlert:
    """A row of `rpm_alerts`."""
