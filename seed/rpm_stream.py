"""The reading stream of one enrolled patient: the hot loop of large runs, kept lean."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Generator
from typing import Any

from seed.context import Item, OrgContext, PatientInfo, days, local, month_label, new_id, table
from seed.rpm_alerts import alert_row
from seed.rpm_signals import Signal

T_READING, T_ALERT = table("rpm_readings"), table("rpm_alerts")
ALERT_GAP = dt.timedelta(hours=24)
DAY = dt.timedelta(days=1)
INVALID = "Measurement error: movement detected"


def stream(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    enrollment: dict[str, Any],
    signals: dict[str, Signal],
    devices: dict[str, str],
    alerting: dict[str, bool],
    start: dt.datetime,
    ended: dt.datetime | None,
    example: bool = False,
) -> Generator[Item, None, dict[str, dt.datetime]]:
    """Yield readings (and the alerts they raise); return the last reading time per type.
    `example` starts with an exacerbation, so that the organization has an alert to show."""
    per_day = ctx.options.rpm_readings_per_day
    whole, fraction = int(per_day), per_day - int(per_day)
    first = max(ctx.start, start.date() + DAY)
    last = min(ctx.end, ended.date() - DAY) if ended else ctx.end
    adherence = rng.choice((0.97, 0.93, 0.88, 0.8, 0.65, 0.5))
    types, now, org, patient = list(signals), ctx.now, ctx.id, p.id
    program, nurse = enrollment["program_id"], enrollment["care_coordinator_id"]
    last_alert: dict[str, dt.datetime] = {}
    last_seen: dict[str, dt.datetime] = {}
    reading_days: dict[str, set[int]] = defaultdict(set)
    episode = length = 3 if example else 0
    gap = 0
    for day in days(first, last):
        if episode == 0 and rng.random() < 0.015:
            episode = length = rng.randint(2, 5)
        strength = (length - episode + 1) / length if episode else 0.0
        episode = max(0, episode - 1)
        count = whole + (rng.random() < fraction)
        if count == 0 or (rng.random() > adherence and not (example and strength)):
            gap += per_day >= 1
            if gap == 3:
                at = local(day, 9)
                missing = alert_row(ctx, rng, enrollment, types[0], at)
                _count_response(ctx, missing, at)
                yield T_ALERT, missing
            continue
        gap = 0
        midnight = local(day)
        begin, span = (7.0, 14.5) if count <= 12 else (0.0, 24.0)
        for i in range(count):
            hour = begin + span * (i + 0.5) / count + rng.uniform(-0.4, 0.4)
            at = midnight + dt.timedelta(seconds=int(hour * 3600))
            if at > now:
                break
            kind = types[i % len(types)]
            m = signals[kind].measure(hour, strength)
            ident, valid = new_id(rng), rng.random() > 0.005
            out = m.out_of_range and valid
            alert: dict[str, Any] | None = None
            if (
                out
                and m.alarming
                and alerting[kind]
                and at - last_alert.get(kind, at - 2 * ALERT_GAP) > ALERT_GAP
            ):
                alert = alert_row(ctx, rng, enrollment, kind, at, reading=ident, measure=m)
                last_alert[kind] = at
            received = at + dt.timedelta(seconds=rng.randint(5, 600))
            reviewed = received + dt.timedelta(hours=rng.randint(1, 20)) if out else None
            if reviewed is not None and reviewed > now:
                reviewed = None
            method = "patient_manual" if rng.random() < 0.02 else "device_automatic"
            yield T_READING, {
                "id": ident, "organization_id": org, "patient_id": patient,
                "device_id": None if method == "patient_manual" else devices[kind],
                "program_id": program, "reading_number": ctx.next_number("RD"),
                "reading_type": kind, "values": m.values, "timestamp": at, "received_at": received,
                "primary_value": m.primary, "primary_unit": m.unit,
                "secondary_value": m.secondary, "secondary_unit": m.secondary_unit,
                "tertiary_value": m.tertiary, "tertiary_unit": m.tertiary_unit,
                "context": m.context,
                "body_position": "standing" if kind == "weight" else "sitting",
                "quality_score": rng.randint(75, 100) if valid else rng.randint(10, 40),
                "is_valid": valid, "invalid_reason": None if valid else INVALID,
                "is_out_of_range": out if valid else None, "deviation_percent": m.deviation,
                "has_triggered_alert": alert is not None,
                "alert_id": alert["id"] if alert else None, "entry_method": method,
                "reviewed_by": nurse if reviewed else None, "reviewed_at": reviewed,
                "review_notes": "Reviewed; patient contacted" if reviewed and alert else None,
                "created_at": received, "updated_at": reviewed or received,
            }  # fmt: skip
            last_seen[kind] = at
            reading_days[month_label(day)].add(day.day)
            if alert is not None:
                _count_response(ctx, alert, at)
                yield T_ALERT, alert
    _count_adherence(ctx, first, last, reading_days)
    return last_seen


def _count_response(ctx: OrgContext, alert: dict[str, Any], at: dt.datetime) -> None:
    """RPM-ALR-01: alerts acknowledged within 24 h, once 24 h have passed."""
    if ctx.now - at >= DAY:
        minutes = alert.get("response_time_minutes")
        ctx.count("RPM-ALR-01", at.date(), minutes is not None and minutes <= 1440)


def _count_adherence(
    ctx: OrgContext, first: dt.date, last: dt.date, reading_days: dict[str, set[int]]
) -> None:
    """RPM-ADH-01: patients with readings on at least 16 days of a fully monitored month."""
    month = (
        first if first.day == 1 else (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    )
    while True:
        end = (month + dt.timedelta(days=32)).replace(day=1) - DAY
        if end > last:
            return
        ctx.count("RPM-ADH-01", month, len(reading_days.get(month_label(month), ())) >= 16)
        month = end + DAY
