"""Remote patient monitoring: programmes, enrolments, devices, readings and alerts.

Readings are streamed patient by patient (never held in memory): several a day per enrolled
patient, at plausible times, with adherence gaps and short exacerbations that push some values
out of the patient's range. A reading beyond the alert threshold raises an alert (at most one per
type every 24 hours) that references it; three days without readings raise a missing-reading
alert.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from seed.context import Item, OrgContext, Patch, PatientInfo, Tick, local, new_id, stamps, table
from seed.rpm_signals import DEVICES, RANGES, Signal
from seed.rpm_stream import stream

T_PROGRAM, T_ENROLLMENT = table("rpm_programs"), table("rpm_enrollments")
T_DEVICE, T_READING, T_ALERT = table("rpm_devices"), table("rpm_readings"), table("rpm_alerts")
# code -> (name, type, module, reading types, physician role)
PROGRAMS = {
    "HTN": ("Hypertension home monitoring", "hypertension", "cardiology",
            ("blood_pressure",), "cardiologist"),
    "DIAB": ("Diabetes glucose monitoring", "diabetes", "general",
             ("blood_glucose",), "physician"),
    "CHF": ("Heart failure telemonitoring", "chf", "cardiology",
            ("weight", "blood_pressure", "oxygen_saturation"), "cardiologist"),
    "CKD": ("Dialysis interdialytic monitoring", "ckd", "dialyse",
            ("blood_pressure", "weight"), "nephrologist"),
    "COPD": ("COPD oxygen monitoring", "copd", "general",
             ("oxygen_saturation",), "physician"),
}  # fmt: skip
CONDITION = (("heart_failure", "CHF"), ("esrd", "CKD"), ("diabetes", "DIAB"), ("copd", "COPD"))


def generate(ctx: OrgContext) -> Iterator[Item]:
    rng = ctx.rng("rpm")
    created = local(ctx.start, 9) - dt.timedelta(days=900)
    programs = {}
    for code, (name, kind, module, types, _) in PROGRAMS.items():
        programs[code] = new_id(rng)
        yield T_PROGRAM, {
            "id": programs[code], "organization_id": ctx.id, "name": name,
            "program_code": f"RPM-{code}", "description": f"{name}: readings sent automatically.",
            "program_type": kind, "associated_module": module,
            "required_reading_types": list(types),
            "measurement_schedule": {t: DEVICES[t][3] for t in types},
            "minimum_readings_per_week": 5, "compliance_target_percent": 80,
            "compliance_window_days": 30, "cpt_code": "99454",
            "billing_rate_per_month": Decimal("45.00"), "status": "active",
            "alert_thresholds": {t: {"low": RANGES[t][0], "high": RANGES[t][1]} for t in types},
            "created_by": ctx.staff["admin"][0], **stamps(created),
        }  # fmt: skip
    for p in ctx.patients:
        if "rpm" in p.programs:
            code = next((c for cond, c in CONDITION if cond in p.conditions), "HTN")
            yield from _patient(ctx, rng, p, code, programs[code])
        yield Tick()


def _patient(
    ctx: OrgContext, rng: random.Random, p: PatientInfo, code: str, program: str
) -> Iterator[Item]:
    _, _, _, types, role = PROGRAMS[code]
    late = p.first_day > ctx.start or rng.random() < 0.4
    span = max(0, (ctx.end - p.first_day).days - 7)
    if late:
        enrolled = local(p.first_day, 10) + dt.timedelta(days=rng.randint(0, span))
    else:
        enrolled = local(ctx.start, 10) - dt.timedelta(days=rng.randint(10, 600))
    enrolled = max(enrolled, p.registered)
    start = enrolled + dt.timedelta(days=rng.randint(0, 3))
    ended = None
    if rng.random() < 0.08 and start.date() < ctx.end - dt.timedelta(days=14):
        ended = start + dt.timedelta(days=rng.randint(14, max(15, (ctx.now - start).days - 1)))
        ended = min(ended, ctx.now - dt.timedelta(days=1))
    weight = p.weight
    signals = {t: Signal(rng, t, p, weight) for t in types}
    coordinator = ctx.pick_staff(rng, "coordinator")
    devices = {t: new_id(rng) for t in types}
    enrollment = {
        "id": new_id(rng), "organization_id": ctx.id, "patient_id": p.id, "program_id": program,
        "enrollment_number": ctx.next_number("EN"), "enrolled_at": enrolled,
        "enrolled_by": coordinator, "start_date": start,
        "expected_end_date": start + dt.timedelta(days=365), "actual_end_date": ended,
        "status": "active" if ended is None else rng.choice(("completed", "discontinued")),
        "status_reason": "Stable, monitoring no longer needed" if ended else None,
        "status_changed_at": ended, "status_changed_by": coordinator if ended else None,
        "primary_physician_id": ctx.pick_staff(rng, role), "care_coordinator_id": coordinator,
        "custom_alert_thresholds": {t: s.thresholds() for t, s in signals.items()},
        "patient_goals": {t: s.goal for t, s in signals.items()},
        "is_consent_obtained": True, "consent_date": enrolled,
        "consent_document_url": ctx.url("consent", f"rpm-{p.id}.pdf"),
        "assigned_devices": list(devices.values()), "notes": None,
        **stamps(enrolled, ended or enrolled),
    }  # fmt: skip
    yield T_ENROLLMENT, enrollment
    alerting, example = {}, ctx.once("rpm_alert")
    for kind, device in devices.items():
        row = _device(ctx, rng, p, kind, device, start, ended, coordinator)
        row["has_alerts_enabled"] |= example
        alerting[kind] = row["has_alerts_enabled"]
        yield T_DEVICE, row
    p.facts["rpm"] = code
    last = yield from stream(
        ctx, rng, p, enrollment, signals, devices, alerting, start, ended, example
    )
    for kind, device in devices.items():
        seen = last.get(kind)
        if seen is not None:
            online = ended is None and ctx.now - seen < dt.timedelta(hours=24)
            yield Patch(T_DEVICE, device, {"last_connection_at": seen, "battery_last_updated": seen,
                                           "is_online": online, "updated_at": seen})  # fmt: skip


def _device(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    kind: str,
    ident: str,
    start: dt.datetime,
    ended: dt.datetime | None,
    coordinator: str,
) -> dict[str, Any]:
    device_type, models, connectivity, schedule = DEVICES[kind]
    brand, model = rng.choice(models)
    bought = start - dt.timedelta(days=rng.randint(5, 200))
    calibrated = kind == "blood_pressure"
    interval = {"twice_daily": 720, "four_times_daily": 360, "daily": 1440}[schedule]
    return {
        "id": ident, "organization_id": ctx.id, "patient_id": p.id, "device_type": device_type,
        "brand": brand, "model": model,
        "serial_number": f"{brand[:2].upper()}{rng.getrandbits(40):010X}",
        "device_number": ctx.next_number("DEV"),
        "mac_address": ":".join(f"{rng.randint(0, 255):02X}" for _ in range(6)),
        "firmware_version": f"{rng.randint(1, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}",
        "connectivity_type": connectivity, "battery_level": rng.randint(15, 100),
        "status": "retired" if ended else "active",
        "status_reason": "Returned at the end of monitoring" if ended else None,
        "assigned_at": start, "assigned_by": coordinator,
        "last_calibration_date": bought if calibrated else None,
        "next_calibration_date": bought + dt.timedelta(days=365) if calibrated else None,
        "calibration_interval_days": 365 if calibrated else None,
        "reading_interval_minutes": interval, "has_alerts_enabled": rng.random() < 0.96,
        "device_settings": {"units": "metric", "auto_sync": True}, "purchase_date": bought,
        "warranty_expiry": bought + dt.timedelta(days=730), "created_by": coordinator,
        **stamps(bought, ended or start),
    }  # fmt: skip
