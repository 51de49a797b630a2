"""`rpmReadingsIngest`: a device's readings taken in by batch, idempotently, each compared with
the patient's thresholds, in a handful of statements whatever the batch's size.

The statements of one batch: the device row, locked (graph/mutations.py `Write.get(lock=True)`:
`SELECT ... FOR UPDATE` on PostgreSQL, a first write to the row on SQLite); the patient's
active enrolments with their programmes (the thresholds); the readings of the device already
stored in the batch's time span (ONE select: the duplicates); the patient's open threshold
alerts (only when a reading is out of range); ONE INSERT of the new readings and ONE of the
new alerts (`RequestDatabase.append`); the batch's audit event.

Why the lock: `rpm_readings` has no unique index on (device_id, timestamp, reading_type), so two
retries of one batch running at once could both find "nothing stored yet" and both insert.
Locking the device row serializes a device's batches: the second one waits, then sees the
first one's readings as duplicates. A batch that opens alerts also locks the patient (on
PostgreSQL; SQLite's write lock is the database's), so two devices of one patient never open
the same rule's alert twice.

A reading is out of range when its primary value is below the bound `low` or above `high`
(a value equal to a bound is in range). The bounds of a reading type are the programme's
`alert_thresholds[type]`, overridden key by key by the enrolment's `custom_alert_thresholds`.
An out-of-range reading opens an alert unless one is open (new, acknowledged, in progress,
escalated) for the same patient and rule (reading type and bound): one alert per patient and
rule, not one per reading.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from graph.audit.changes import denied_event
from graph.mutation_inputs import values_of
from graph.mutations import (
    Checks,
    MutationError,
    MutationErrorCode,
    Range,
    Write,
    reference,
    refuse,
)
from graph.naming import camel
from graph.rpm.inputs import MAX_READINGS
from models.base import new_id
from models.healthcare import Patient
from models.rpm import RpmAlert, RpmDevice, RpmEnrollment, RpmProgram, RpmReading
from models.types import utcnow

OPEN_ALERTS = ("new", "acknowledged", "in_progress", "escalated")
QUALITY = Range(0, 100)  # a device's quality score
Key = tuple[dt.datetime, str]  # a reading's identity on its device: (timestamp, reading type)


@dataclass
class Outcome:
    """What a batch did (the payload's counts) and the readings it refused."""

    accepted: int = 0
    duplicates: int = 0
    out_of_range: int = 0
    alerts_opened: int = 0
    errors: list[MutationError] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    """The bounds of one reading type for the patient, and where they come from."""

    enrollment: RpmEnrollment
    program: RpmProgram
    low: float | None
    high: float | None

    def breach(self, value: float) -> tuple[str, float] | None:
        """("below"|"above", the bound) when `value` is beyond a bound, else None."""
        if self.low is not None and value < self.low:
            return "below", self.low
        if self.high is not None and value > self.high:
            return "above", self.high
        return None


async def ingest(write: Write, data: Any, outcome: Outcome) -> RpmDevice:
    """Run one batch inside the mutation's transaction; counts and refusals go to `outcome`."""
    readings: Sequence[Any] = data.readings
    if len(readings) > MAX_READINGS:
        raise refuse(
            MutationErrorCode.OUT_OF_RANGE,
            "readings",
            f"At most {MAX_READINGS} readings per call; nothing was stored.",
        )
    device_id = reference("deviceId", data.device_id, "RpmDevice")
    device = await write.get(RpmDevice, device_id, "deviceId", lock=True)
    candidates = _checked(device, readings, outcome)
    fresh = await _new_ones(write, device, candidates, outcome)
    if fresh:
        rules = await _rules(write, device.patient_id)
        rows = [_row(write, device, index, values, rules) for index, values in fresh]
        alerts = await _alerts(write, device, rows, rules) if device.has_alerts_enabled else []
        await write.db.append(RpmReading, rows)
        await write.db.append(RpmAlert, alerts)
        outcome.accepted = len(rows)
        outcome.out_of_range = sum(1 for row in rows if row["is_out_of_range"])
        outcome.alerts_opened = len(alerts)
    write.db.add(_audit(write, device, outcome, len(readings)))
    return device


def _checked(
    device: RpmDevice, readings: Sequence[Any], outcome: Outcome
) -> list[tuple[int, dict[str, Any]]]:
    """(index, column values) of the readings that pass their checks; the others are refused
    with their index in `field`."""
    assigned = device.status == "active" and device.assigned_at is not None
    accepted: list[tuple[int, dict[str, Any]]] = []
    for index, reading in enumerate(readings):
        prefix = f"readings[{index}]"
        if not assigned:
            outcome.errors.append(
                MutationError(
                    field=prefix,
                    code=MutationErrorCode.INVALID_STATE,
                    message="The device is not assigned to a patient (rpmDeviceAssign).",
                )
            )
            continue
        checks = Checks()
        values = values_of(reading, RpmReading, checks)
        checks.within("qualityScore", values.get("quality_score"), QUALITY)
        if checks.errors:
            for error in checks.errors:
                error.field = f"{prefix}.{error.field}"
            outcome.errors.extend(checks.errors)
            continue
        accepted.append((index, values))
    return accepted


async def _new_ones(
    write: Write,
    device: RpmDevice,
    candidates: list[tuple[int, dict[str, Any]]],
    outcome: Outcome,
) -> list[tuple[int, dict[str, Any]]]:
    """The candidates not stored yet for the device, nor repeated earlier in the batch (ONE
    select over the batch's time span)."""
    if not candidates:
        return []
    stamps = [values["timestamp"] for _, values in candidates]
    statement: Any = select(RpmReading.timestamp, RpmReading.reading_type).where(
        RpmReading.device_id == device.id,
        RpmReading.timestamp.between(min(stamps), max(stamps)),
    )
    seen: set[Key] = {(stamp, kind) for stamp, kind in await write.db.rows(statement)}
    fresh: list[tuple[int, dict[str, Any]]] = []
    for index, values in candidates:
        key = (values["timestamp"], values["reading_type"])
        if key in seen:
            outcome.duplicates += 1
            continue
        seen.add(key)
        fresh.append((index, values))
    return fresh


async def _rules(write: Write, patient_id: str) -> dict[str, Rule]:
    """reading type -> the patient's bounds, from the active enrolments (newest first)."""
    statement: Any = (
        select(RpmEnrollment, RpmProgram)
        .join(RpmProgram, RpmProgram.id == RpmEnrollment.program_id)
        .where(RpmEnrollment.patient_id == patient_id, RpmEnrollment.status == "active")
        .order_by(RpmEnrollment.start_date.desc(), RpmEnrollment.id)
    )
    rules: dict[str, Rule] = {}
    for enrollment, program in await write.db.rows(statement):
        defaults = program.alert_thresholds if isinstance(program.alert_thresholds, dict) else {}
        custom = enrollment.custom_alert_thresholds
        overrides = custom if isinstance(custom, dict) else {}
        for kind in {*defaults, *overrides}:
            bounds = {**_bounds(defaults.get(kind)), **_bounds(overrides.get(kind))}
            if kind not in rules and bounds:
                rules[kind] = Rule(enrollment, program, bounds.get("low"), bounds.get("high"))
    return rules


def _bounds(value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    return {
        key: float(value[key])
        for key in ("low", "high")
        if isinstance(value.get(key), int | float) and not isinstance(value.get(key), bool)
    }


_COLUMNS = tuple(
    prop.key
    for prop in RpmReading.__mapper__.column_attrs
    if prop.key not in {"id", "organization_id", "created_at", "updated_at", "deleted_at"}
)


def _row(
    write: Write, device: RpmDevice, index: int, values: dict[str, Any], rules: dict[str, Rule]
) -> dict[str, Any]:
    """The INSERT values of one reading (every row the same keys: one statement)."""
    rule = rules.get(values["reading_type"])
    row: dict[str, Any] = dict.fromkeys(_COLUMNS)
    row.update(values)
    now = utcnow()
    row.update(
        id=new_id(),
        created_at=now,
        updated_at=now,
        device_id=device.id,
        patient_id=device.patient_id,
        program_id=rule.program.id if rule else None,
        reading_number=f"RD-{uuid.uuid4().hex[:12].upper()}",
        received_at=now,
        entry_method=values.get("entry_method") or "device_automatic",
        is_valid=True,
        is_out_of_range=None if rule is None else rule.breach(values["primary_value"]) is not None,
        has_triggered_alert=False,
    )
    return row


async def _alerts(
    write: Write, device: RpmDevice, rows: list[dict[str, Any]], rules: dict[str, Rule]
) -> list[dict[str, Any]]:
    """One new alert per rule (reading type, bound) breached in the batch and not already open
    for the patient; the first breaching reading is the alert's reading."""
    breaching = [row for row in rows if row["is_out_of_range"]]
    if not breaching:
        return []
    if write.db.dialect == "postgresql":
        # Two devices of one patient must not both open the rule's alert: their batches lock
        # the patient (SQLite's write lock, taken with the device, is the whole database's).
        await write.get(Patient, device.patient_id, "patientId", lock=True)
    statement: Any = select(RpmAlert.reading_type, RpmAlert.threshold_direction).where(
        RpmAlert.patient_id == device.patient_id,
        RpmAlert.alert_type == "threshold_exceeded",
        RpmAlert.status.in_(OPEN_ALERTS),
    )
    open_rules = {(kind, direction) for kind, direction in await write.db.rows(statement)}
    alerts: list[dict[str, Any]] = []
    for row in sorted(breaching, key=lambda r: r["timestamp"]):
        rule = rules[row["reading_type"]]
        direction, bound = rule.breach(row["primary_value"])  # type: ignore[misc]
        if (row["reading_type"], direction) in open_rules:
            continue
        open_rules.add((row["reading_type"], direction))
        alert = _alert(row, rule, direction, bound)
        row["has_triggered_alert"], row["alert_id"] = True, alert["id"]
        alerts.append(alert)
    return alerts


def _alert(row: dict[str, Any], rule: Rule, direction: str, bound: float) -> dict[str, Any]:
    now = utcnow()
    kind = str(row["reading_type"])
    unit = row["primary_unit"]
    return {
        "id": new_id(),
        "created_at": now,
        "updated_at": now,
        "patient_id": row["patient_id"],
        "enrollment_id": rule.enrollment.id,
        "reading_id": row["id"],
        "alert_number": f"AL-{uuid.uuid4().hex[:12].upper()}",
        "alert_type": "threshold_exceeded",
        "triggered_at": row["timestamp"],
        "severity": "high",
        "priority": 3,
        "title": f"{kind.replace('_', ' ').capitalize()} {direction} {bound:g} {unit}",
        "reading_type": kind,
        "reading_value": f"{row['primary_value']:g} {unit}",
        "threshold_value": f"{bound:g} {unit}",
        "threshold_direction": direction,
        "status": "new",
    }


def _audit(write: Write, device: RpmDevice, outcome: Outcome, sent: int) -> Any:
    """ONE audit event for the batch: counts and field names, never the readings' values."""
    # The framework's events are of one row; this one starts from its common fields.
    event = denied_event(write.info.context, "create", RpmReading)
    event.outcome = "success"
    event.entity_id = device.id
    event.patient_id = device.patient_id
    event.changes = {"fields": [camel(key) for key in _COLUMNS], "before": {}, "after": {}}
    event.metadata_ = {
        **(event.metadata_ or {}),  # type: ignore[dict-item]
        "device": device.id,
        "sent": sent,
        "accepted": outcome.accepted,
        "duplicates": outcome.duplicates,
        "outOfRange": outcome.out_of_range,
        "alertsOpened": outcome.alerts_opened,
        "refused": len({error.field.split("]")[0] for error in outcome.errors if error.field}),
    }
    return event
