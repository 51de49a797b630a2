"""Root fields of the rpm domain."""

from __future__ import annotations

import strawberry

from graph.roots import aggregate, by_id, listing
from graph.rpm.types import RpmAlert, RpmDevice, RpmEnrollment, RpmProgram, RpmReading


@strawberry.type
class RpmQuery:
    rpm_device = by_id(RpmDevice)
    rpm_devices = listing(RpmDevice)
    rpm_devices_aggregate = aggregate(RpmDevice)
    rpm_reading = by_id(RpmReading)
    rpm_readings = listing(RpmReading)
    rpm_readings_aggregate = aggregate(RpmReading)
    rpm_program = by_id(RpmProgram)
    rpm_programs = listing(RpmProgram)
    rpm_programs_aggregate = aggregate(RpmProgram)
    rpm_enrollment = by_id(RpmEnrollment)
    rpm_enrollments = listing(RpmEnrollment)
    rpm_enrollments_aggregate = aggregate(RpmEnrollment)
    rpm_alert = by_id(RpmAlert)
    rpm_alerts = listing(RpmAlert)
    rpm_alerts_aggregate = aggregate(RpmAlert)
