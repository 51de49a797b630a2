"""Mutations of the RPM domain: devices (register, assign), enrolments, alerts (acknowledge,
resolve) and the devices' readings (`rpmReadingsIngest`, graph/rpm/ingest.py).

Run through graph/mutations.py (role, checks, one transaction with its audit event). A device
is registered for a patient as `pending_activation`; `rpmDeviceAssign` hands it to a patient
and activates it, and only then are its readings accepted. An alert moves new ->
acknowledged -> resolved on its locked row: of two clinicians acknowledging one alert exactly
one wins, the other gets CONFLICT; a dismissed alert cannot be resolved (INVALID_STATE).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry
from sqlalchemy import select

from graph.companions import enum_of
from graph.mutation_inputs import resolve_references, values_of
from graph.mutations import (
    Checks,
    MutationErrorCode,
    Write,
    reference,
    refuse,
    run_mutation,
    snapshot_of,
)
from graph.naming import camel
from graph.permissions import write_rule
from graph.rpm.ingest import OPEN_ALERTS, Outcome, ingest
from graph.rpm.inputs import (
    DEVICE_RANGES,
    RpmAlertAcknowledgeInput,
    RpmAlertAcknowledgePayload,
    RpmAlertResolveInput,
    RpmAlertResolvePayload,
    RpmDeviceAssignInput,
    RpmDeviceAssignPayload,
    RpmDeviceRegisterInput,
    RpmDeviceRegisterPayload,
    RpmProgramEnrollInput,
    RpmProgramEnrollPayload,
    RpmReadingsIngestInput,
    RpmReadingsIngestPayload,
)
from models import rpm
from models.types import utcnow

_DEVICE_RULE = write_rule(rpm.RpmDevice).describe()
_ENROLL_RULE = write_rule(rpm.RpmEnrollment).describe()
_ALERT_RULE = write_rule(rpm.RpmAlert).describe()
_READING_RULE = write_rule(rpm.RpmReading).describe()
_UNUSABLE = ("lost", "retired")  # devices that are not handed to anyone


def _minutes(since: dt.datetime, until: dt.datetime) -> int:
    return max(0, int((until - since) / dt.timedelta(minutes=1)))


async def _alert(write: Write, data: Any) -> tuple[rpm.RpmAlert, dict[str, Any]]:
    """The locked alert `data.id` and its values before the change."""
    row = await write.get(rpm.RpmAlert, reference("id", data.id, "RpmAlert"), "id", lock=True)
    return row, snapshot_of(row)


def _thresholds(checks: Checks, value: Any) -> None:
    """`customAlertThresholds`: reading type -> {low, high}, numbers, low not above high."""
    if value is None:
        return
    field_name = "customAlertThresholds"
    kinds = {member.value for member in enum_of(rpm.RpmReading, "reading_type")}
    if not isinstance(value, dict):
        checks.add(MutationErrorCode.OUT_OF_RANGE, field_name, "Expected an object.")
        return
    for kind, bounds in value.items():
        numbers = bounds if isinstance(bounds, dict) else {}
        low, high = numbers.get("low"), numbers.get("high")
        valid = (
            kind in kinds
            and numbers
            and set(numbers) <= {"low", "high"}
            and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in numbers.values()
            )
        )
        if not valid or (low is not None and high is not None and low > high):
            checks.add(
                MutationErrorCode.OUT_OF_RANGE,
                field_name,
                f'{kind}: expected {{"low": n, "high": n}} with low not above high.',
            )


@strawberry.type
class RpmMutation:
    @strawberry.mutation(description=f"Register a device for a patient. {_DEVICE_RULE}")
    async def rpm_device_register(
        self,
        info: strawberry.Info,
        input: RpmDeviceRegisterInput,  # type: ignore[valid-type]
    ) -> RpmDeviceRegisterPayload:  # type: ignore[valid-type]
        async def work(write: Write) -> rpm.RpmDevice:
            checks = Checks()
            values = values_of(input, rpm.RpmDevice, checks)
            for name in ("brand", "model", "serial_number", "device_number"):
                checks.required(camel(name), values.get(name))
            checks.ranges(values, DEVICE_RANGES)
            checks.done()
            await resolve_references(write, rpm.RpmDevice, values)
            taken = select(rpm.RpmDevice.id).where(
                rpm.RpmDevice.serial_number == values["serial_number"]
            )
            if await write.db.rows(taken):
                raise refuse(
                    MutationErrorCode.DUPLICATE, "serialNumber", "A device has this serial number."
                )
            row = rpm.RpmDevice(**values, status="pending_activation", created_by=write.user_id)
            write.add(row)
            await write.audit(row, None)
            return row

        row, errors = await run_mutation(info, rpm.RpmDevice, "create", work)
        return RpmDeviceRegisterPayload(rpm_device=row, errors=errors)  # type: ignore[no-any-return]

    @strawberry.mutation(description=f"Hand a device to a patient and activate it. {_DEVICE_RULE}")
    async def rpm_device_assign(
        self,
        info: strawberry.Info,
        input: RpmDeviceAssignInput,  # type: ignore[valid-type]
    ) -> RpmDeviceAssignPayload:  # type: ignore[valid-type]
        async def work(write: Write) -> rpm.RpmDevice:
            checks = Checks()
            values = values_of(input, rpm.RpmDevice, checks)
            checks.done()
            await resolve_references(write, rpm.RpmDevice, values)
            device_id = reference("id", input.id, "RpmDevice")  # type: ignore[attr-defined]
            row = await write.get(rpm.RpmDevice, device_id, "id", lock=True)
            before = snapshot_of(row)
            if row.status in _UNUSABLE:
                raise refuse(
                    MutationErrorCode.INVALID_STATE, "id", f"A {row.status} device is not assigned."
                )
            active = row.status == "active" and row.assigned_at is not None
            if active and row.patient_id == values["patient_id"]:
                raise refuse(
                    MutationErrorCode.CONFLICT, "id", "The device is already that patient's."
                )
            for key, value in values.items():
                if value is not None:
                    setattr(row, key, value)
            row.status, row.assigned_at, row.assigned_by = "active", utcnow(), write.user_id
            await write.audit(row, before)
            return row

        row, errors = await run_mutation(info, rpm.RpmDevice, "update", work)
        return RpmDeviceAssignPayload(rpm_device=row, errors=errors)  # type: ignore[no-any-return]

    @strawberry.mutation(description=f"Enrol a patient in a programme. {_ENROLL_RULE}")
    async def rpm_program_enroll(
        self,
        info: strawberry.Info,
        input: RpmProgramEnrollInput,  # type: ignore[valid-type]
    ) -> RpmProgramEnrollPayload:
        async def work(write: Write) -> rpm.RpmEnrollment:
            checks = Checks()
            values = values_of(input, rpm.RpmEnrollment, checks)
            _thresholds(checks, values.get("custom_alert_thresholds"))
            checks.done()
            found = await resolve_references(write, rpm.RpmEnrollment, values)
            if found["program_id"].status != "active":
                raise refuse(
                    MutationErrorCode.INVALID_STATE, "programId", "The programme is not active."
                )
            enrolled = select(rpm.RpmEnrollment.id).where(
                rpm.RpmEnrollment.patient_id == values["patient_id"],
                rpm.RpmEnrollment.program_id == values["program_id"],
                rpm.RpmEnrollment.status == "active",
            )
            if await write.db.rows(enrolled):
                raise refuse(
                    MutationErrorCode.DUPLICATE, "programId", "The patient is already enrolled."
                )
            now = utcnow()
            row = rpm.RpmEnrollment(
                **{**values, "start_date": values.get("start_date") or now},
                enrollment_number=f"EN-{uuid.uuid4().hex[:10].upper()}",
                enrolled_at=now,
                enrolled_by=write.user_id,
                status="active",
            )
            write.add(row)
            await write.audit(row, None)
            return row

        row, errors = await run_mutation(info, rpm.RpmEnrollment, "create", work)
        return RpmProgramEnrollPayload(rpm_enrollment=row, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description=f"Acknowledge a new alert. {_ALERT_RULE}")
    async def rpm_alert_acknowledge(
        self,
        info: strawberry.Info,
        input: RpmAlertAcknowledgeInput,  # type: ignore[valid-type]
    ) -> RpmAlertAcknowledgePayload:  # type: ignore[valid-type]
        async def work(write: Write) -> rpm.RpmAlert:
            checks = Checks()
            values = values_of(input, rpm.RpmAlert, checks)
            checks.done()
            row, before = await _alert(write, input)
            if row.status != "new":
                code = MutationErrorCode.CONFLICT
                if row.status in ("resolved", "dismissed"):
                    code = MutationErrorCode.INVALID_STATE
                raise refuse(code, "id", f"The alert is {row.status}.")
            now = utcnow()
            row.status, row.acknowledged_at, row.acknowledged_by = (
                "acknowledged",
                now,
                write.user_id,
            )
            row.response_time_minutes = _minutes(row.triggered_at, now)
            row.notes = values.get("notes") or row.notes
            await write.audit(row, before)
            return row

        row, errors = await run_mutation(info, rpm.RpmAlert, "update", work)
        return RpmAlertAcknowledgePayload(rpm_alert=row, errors=errors)  # type: ignore[no-any-return]

    @strawberry.mutation(description=f"Resolve an open alert. {_ALERT_RULE}")
    async def rpm_alert_resolve(
        self,
        info: strawberry.Info,
        input: RpmAlertResolveInput,  # type: ignore[valid-type]
    ) -> RpmAlertResolvePayload:  # type: ignore[valid-type]
        async def work(write: Write) -> rpm.RpmAlert:
            checks = Checks()
            values = values_of(input, rpm.RpmAlert, checks)
            checks.required("resolution", values.get("resolution"))
            checks.done()
            row, before = await _alert(write, input)
            if row.status not in OPEN_ALERTS:
                code = MutationErrorCode.CONFLICT
                if row.status == "dismissed":
                    code = MutationErrorCode.INVALID_STATE
                raise refuse(code, "id", f"The alert is {row.status}.")
            now = utcnow()
            for key, value in values.items():
                if value is not None:
                    setattr(row, key, value)
            row.status, row.resolved_at, row.resolved_by = "resolved", now, write.user_id
            row.resolution_time_minutes = _minutes(row.triggered_at, now)
            await write.audit(row, before)
            return row

        row, errors = await run_mutation(info, rpm.RpmAlert, "update", work)
        return RpmAlertResolvePayload(rpm_alert=row, errors=errors)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Take in a device's readings (at most 1,000), idempotently: a reading "
        "already stored for the device, time and type is counted in `duplicates`, not stored "
        "again. Out-of-range readings open one alert per patient and rule. One transaction. "
        f"{_READING_RULE}"
    )
    async def rpm_readings_ingest(
        self, info: strawberry.Info, input: RpmReadingsIngestInput
    ) -> RpmReadingsIngestPayload:
        outcome = Outcome()

        async def work(write: Write) -> rpm.RpmDevice:
            return await ingest(write, input, outcome)

        _, errors = await run_mutation(info, rpm.RpmReading, "create", work)
        if errors:  # the whole call was refused: nothing was stored
            outcome = Outcome(errors=errors)
        return RpmReadingsIngestPayload(
            accepted=outcome.accepted,
            duplicates=outcome.duplicates,
            out_of_range=outcome.out_of_range,
            alerts_opened=outcome.alerts_opened,
            errors=outcome.errors,
        )
