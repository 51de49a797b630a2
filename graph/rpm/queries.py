"""Root fields of the rpm domain."""

from __future__ import annotations

import strawberry

from graph.roots import by_id, listing
from graph.rpm.types import RpmAlert, RpmDevice, RpmEnrollment, RpmProgram, RpmReading


@strawberry.type
class RpmQuery:
    rpm_device = by_id(RpmDevice)
    rpm_devices = listing(RpmDevice)
    rpm_reading = by_id(RpmReading)
    rpm_readings = listing(RpmReading)
    rpm_program = by_id(RpmProgram)
    rpm_programs = listing(RpmProgram)
    rpm_enrollment = by_id(RpmEnrollment)
    rpm_enrollments = listing(RpmEnrollment)
    rpm_alert = by_id(RpmAlert)
    rpm_alerts = listing(RpmAlert)
