"""RPM alerts: raised by out-of-range readings (or by days without any), then acknowledged,
escalated and resolved by the care team with realistic delays."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from seed.context import OrgContext, clamp, new_id, pick, stamps
from seed.rpm_signals import Measure

TITLES = {
    "blood_pressure": "Blood pressure out of range",
    "blood_glucose": "Blood glucose out of range",
    "weight": "Weight change out of range",
    "oxygen_saturation": "Low oxygen saturation",
}
ACTIONS = {"patient_contacted": 45, "no_action_needed": 25, "medication_adjusted": 15,
           "appointment_scheduled": 10, "provider_notified": 5}  # fmt: skip


def alert_row(
    ctx: OrgContext,
    rng: random.Random,
    enrollment: dict[str, Any],
    kind: str,
    at: dt.datetime,
    *,
    reading: str | None = None,
    measure: Measure | None = None,
) -> dict[str, Any]:
    """One alert, worked through as far as the time elapsed since `at` allows."""
    ident = new_id(rng)
    critical = measure is not None and measure.critical
    if measure is not None:
        alert_type = "threshold_critical" if critical else "threshold_exceeded"
        severity = "critical" if critical else rng.choice(("medium", "medium", "high"))
        title, shown = TITLES[kind], measure.shown
        description = f"Reading {shown} outside the patient's target range."
    else:
        alert_type, severity, title, shown = (
            "missing_reading",
            "low",
            "No readings for 3 days",
            None,
        )
        description = "No reading received for 3 consecutive days."
    row: dict[str, Any] = {
        "id": ident, "organization_id": ctx.id, "patient_id": enrollment["patient_id"],
        "enrollment_id": enrollment["id"], "reading_id": reading,
        "alert_number": ctx.next_number("AL"), "alert_type": alert_type, "triggered_at": at,
        "severity": severity, "priority": 1 if critical else 5 if measure else 8,
        "title": title, "description": description, "reading_type": kind,
        "reading_value": shown, "threshold_value": measure.threshold if measure else None,
        "threshold_direction": measure.direction if measure else None,
        "alert_data": {"deviation_percent": measure.deviation} if measure else {"days": 3},
        "status": "new", "escalation_level": 0,
        "notifications_sent": [{"channel": "push", "to": "care_team", "at": at.isoformat()}],
        **stamps(at),
    }  # fmt: skip
    median = 20 if critical else 150
    response = round(clamp(rng.lognormvariate(math.log(median), 0.9), 2, 4000))
    acknowledged = at + dt.timedelta(minutes=response)
    if acknowledged > ctx.now:
        return row
    nurse, doctor = enrollment["care_coordinator_id"], enrollment["primary_physician_id"]
    row.update(status="acknowledged", acknowledged_at=acknowledged, acknowledged_by=nurse,
               response_time_minutes=response, updated_at=acknowledged)  # fmt: skip
    if critical:
        escalated = acknowledged + dt.timedelta(minutes=rng.randint(5, 30))
        row.update(status="escalated", escalated_at=min(escalated, ctx.now), escalated_to=doctor,
                   escalation_level=1,
                   escalation_reason="Critical value: physician review")  # fmt: skip
    resolution = response + round(rng.lognormvariate(math.log(300), 0.8))
    resolved = at + dt.timedelta(minutes=resolution)
    if resolved <= ctx.now and rng.random() < 0.92:
        dismissed = measure is None and rng.random() < 0.4
        action = "no_action_needed" if dismissed else pick(rng, ACTIONS)
        row.update(
            status="dismissed" if dismissed else "resolved", resolved_at=resolved,
            resolved_by=doctor if critical else nurse, resolution_time_minutes=resolution,
            resolution=action.replace("_", " ").capitalize(), resolution_action=action,
            updated_at=resolved,
        )  # fmt: skip
    elif not critical and rng.random() < 0.5:
        row["status"] = "in_progress"
    return row
