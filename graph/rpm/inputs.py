"""Inputs and payloads of the RPM mutations (graph/rpm/mutations.py): the records' fields, with
the rules the mutations check stated in their descriptions."""

from __future__ import annotations

import strawberry

from graph.mutation_inputs import column_input
from graph.mutations import MutationError, Range
from graph.rpm.types import RpmAlert, RpmDevice, RpmEnrollment
from models import rpm

MAX_READINGS = 1000  # per `rpmReadingsIngest` call
DEVICE_RANGES = {
    "reading_interval_minutes": Range(1, 10080, "min"),
    "calibration_interval_days": Range(1, 3650, "days"),
}

RpmDeviceRegisterInput = column_input(
    "RpmDeviceRegisterInput",
    rpm.RpmDevice,
    (
        "patient_id",
        "device_type",
        "brand",
        "model",
        "serial_number",
        "device_number",
        "connectivity_type",
        "device_subtype",
        "imei",
        "mac_address",
        "firmware_version",
        "reading_interval_minutes",
        "calibration_interval_days",
        "has_alerts_enabled",
        "notes",
    ),
    required=(
        "patient_id",
        "device_type",
        "brand",
        "model",
        "serial_number",
        "device_number",
        "connectivity_type",
    ),
    ranges=DEVICE_RANGES,
    notes={
        "patient_id": "The patient it is meant for; its readings are accepted only once "
        "`rpmDeviceAssign` activated it.",
        "serial_number": "Unique within the organization (DUPLICATE otherwise).",
    },
    description="A device taken into the organization's inventory (status pending_activation).",
)
RpmDeviceAssignInput = column_input(
    "RpmDeviceAssignInput",
    rpm.RpmDevice,
    ("patient_id", "notes"),
    required=("patient_id",),
    notes={"patient_id": "The patient whose readings the device now sends."},
    lead={"id": (strawberry.ID, "Global ID of the device.")},
    description="A device handed to a patient and activated (not a lost or retired one).",
)
RpmProgramEnrollInput = column_input(
    "RpmProgramEnrollInput",
    rpm.RpmEnrollment,
    (
        "patient_id",
        "program_id",
        "start_date",
        "expected_end_date",
        "primary_physician_id",
        "care_coordinator_id",
        "custom_alert_thresholds",
        "is_consent_obtained",
        "consent_date",
        "notes",
    ),
    required=("patient_id", "program_id"),
    notes={
        "program_id": "An active programme; one active enrolment per patient and programme "
        "(DUPLICATE otherwise).",
        "start_date": "Default: now.",
        "custom_alert_thresholds": 'Reading type -> {"low": n, "high": n}, overriding the '
        "programme's bounds; low not above high (OUT_OF_RANGE otherwise).",
    },
    description="A patient enrolled in a monitoring programme.",
)
RpmAlertAcknowledgeInput = column_input(
    "RpmAlertAcknowledgeInput",
    rpm.RpmAlert,
    ("notes",),
    lead={"id": (strawberry.ID, "Global ID of the alert.")},
    description="A new alert seen by a clinician (CONFLICT when already acknowledged).",
)
RpmAlertResolveInput = column_input(
    "RpmAlertResolveInput",
    rpm.RpmAlert,
    ("resolution", "resolution_action", "notes"),
    required=("resolution",),
    notes={"resolution": "Not blank (REQUIRED)."},
    lead={"id": (strawberry.ID, "Global ID of the alert.")},
    description="An open alert closed, and how (CONFLICT when already resolved).",
)
RpmReadingInput = column_input(
    "RpmReadingInput",
    rpm.RpmReading,
    (
        "reading_type",
        "timestamp",
        "primary_value",
        "primary_unit",
        "secondary_value",
        "secondary_unit",
        "tertiary_value",
        "tertiary_unit",
        "context",
        "body_position",
        "activity_level",
        "quality_score",
        "entry_method",
        "patient_notes",
    ),
    required=("reading_type", "timestamp", "primary_value", "primary_unit"),
    notes={
        "timestamp": "With a time zone, not in the future beyond 5 minutes (OUT_OF_RANGE); "
        "with the device and reading type, the reading's identity: a reading sent again is "
        "a duplicate, not stored twice.",
        "primary_value": "Compared with the patient's thresholds (the programme's, or the "
        "enrolment's own): a value equal to a bound is in range.",
        "entry_method": "Default: device_automatic.",
    },
    description="One measurement of a device.",
)


@strawberry.input(description="Readings of one device, sent together (one transaction).")
class RpmReadingsIngestInput:
    device_id: strawberry.ID = strawberry.field(description="Global ID of the device.")
    readings: list[RpmReadingInput] = strawberry.field(  # type: ignore[valid-type]
        description=f"At most {MAX_READINGS} (OUT_OF_RANGE otherwise, nothing stored). A reading "
        "refused (device not assigned, time in the future) is named in `errors` as "
        "`readings[i]...`; the others are stored."
    )


@strawberry.type(description="The result of `rpmReadingsIngest`.")
class RpmReadingsIngestPayload:
    accepted: int = strawberry.field(description="Readings stored by this call.")
    duplicates: int = strawberry.field(
        description="Readings already stored (or repeated in the call), not stored again."
    )
    out_of_range: int = strawberry.field(
        description="Readings stored by this call outside the patient's thresholds."
    )
    alerts_opened: int = strawberry.field(
        description="New alerts: one per patient and rule (reading type and bound) not "
        "already open."
    )
    errors: list[MutationError]


@strawberry.type(description="The result of an RPM device mutation.")
class RpmDevicePayload:
    rpm_device: RpmDevice | None
    errors: list[MutationError]


@strawberry.type(description="The result of `rpmProgramEnroll`.")
class RpmProgramEnrollPayload:
    rpm_enrollment: RpmEnrollment | None
    errors: list[MutationError]


@strawberry.type(description="The result of an RPM alert mutation.")
class RpmAlertPayload:
    rpm_alert: RpmAlert | None
    errors: list[MutationError]


def _payload(name: str, base: type) -> type:
    return strawberry.type(
        type(name, (base,), {}), description=f"The result of `{name[0].lower()}{name[1:-7]}`."
    )


RpmDeviceRegisterPayload = _payload("RpmDeviceRegisterPayload", RpmDevicePayload)
RpmDeviceAssignPayload = _payload("RpmDeviceAssignPayload", RpmDevicePayload)
RpmAlertAcknowledgePayload = _payload("RpmAlertAcknowledgePayload", RpmAlertPayload)
RpmAlertResolvePayload = _payload("RpmAlertResolvePayload", RpmAlertPayload)
