"""Haemodialysis sessions and monthly labs of one patient, physiologically consistent.

A session's numbers hang together the way they do on a real run sheet: the pre-dialysis weight
is the dry weight plus the interdialytic gain (larger after the long weekend gap), the
ultrafiltration brings the patient back to about the dry weight, the post-dialysis BUN is a
fraction of the pre-dialysis BUN, and Kt/V is computed from them with the Daugirdas
second-generation formula. The monthly lab is drawn on a mid-week session and reuses its urea.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from seed.context import Item, OrgContext, PatientInfo, clamp, local, new_id, stamps, table

T_SESSION, T_LAB = table("dialyse_sessions"), table("dialyse_labs")
BUN_TO_UREA = 0.357  # mg/dL of urea nitrogen -> mmol/L of urea
# marker -> (unit, low, high): dialysis targets (KDIGO/KDOQI); None = no limit on that side.
LAB_RANGES: dict[str, tuple[str, float | None, float | None]] = {
    "hemoglobin": ("g/dL", 10.0, 12.0),
    "hematocrit": ("%", 30.0, 36.0),
    "potassium": ("mmol/L", 3.5, 5.5),
    "sodium": ("mmol/L", 135.0, 145.0),
    "bicarbonate": ("mmol/L", 22.0, 29.0),
    "calcium": ("mmol/L", 2.10, 2.55),
    "phosphorus": ("mmol/L", 1.13, 1.78),
    "magnesium": ("mmol/L", 0.70, 1.10),
    "pth": ("pg/mL", 130.0, 585.0),
    "albumin": ("g/L", 35.0, 50.0),
    "ferritin": ("ng/mL", 200.0, 500.0),
    "transferrin_saturation": ("%", 20.0, 40.0),
    "crp": ("mg/L", None, 5.0),
    "ktv": ("", 1.2, None),
    "creatinine": ("µmol/L", None, None),
    "urea": ("mmol/L", None, None),
    "urea_pre": ("mmol/L", None, None),
    "urea_post": ("mmol/L", None, None),
}
# month-to-month variation around the patient's baseline (absolute, or relative for RELATIVE)
SPREAD = {"hemoglobin": 0.5, "potassium": 0.35, "creatinine": 40, "pth": 0.15, "calcium": 0.06,
          "phosphorus": 0.2, "sodium": 1.5, "bicarbonate": 1.2, "albumin": 1.5, "ferritin": 0.1,
          "transferrin_saturation": 3, "crp": 0.3, "magnesium": 0.05}  # fmt: skip
RELATIVE = {"pth", "ferritin", "crp"}
DIGITS = {"creatinine": 0, "pth": 0, "ferritin": 0, "sodium": 0, "albumin": 0, "calcium": 2,
          "phosphorus": 2, "magnesium": 2, "ktv": 2}  # fmt: skip
LABS = ("Hospital laboratory", "Cerballiance", "Biogroup", "Unilabs")
CANCEL = ("Hospitalised", "Transport unavailable", "Patient unwell, seen by GP")


@dataclass
class Plan:
    """How one patient is dialysed: schedule, place, prescription, and personal baselines."""

    weekdays: tuple[int, ...]
    slot: str
    slot_start: dt.time
    machine: str
    prescription: str
    duration: int
    blood_flow: int
    dialysate_flow: int
    dry_weight: float
    access: str
    nephrologist: str
    first: dt.date
    last: dt.date


def daugirdas(pre_bun: float, post_bun: float, hours: float, uf_l: float, weight: float) -> float:
    """Single-pool Kt/V, Daugirdas 2nd generation: -ln(R - 0.008 t) + (4 - 3.5 R) UF / W."""
    ratio = post_bun / pre_bun
    return -math.log(ratio - 0.008 * hours) + (4 - 3.5 * ratio) * uf_l / weight


def sessions(
    ctx: OrgContext, rng: random.Random, p: PatientInfo, plan: Plan, usage: dict[str, list[float]]
) -> Iterator[Item]:
    """Every session of `p` from `plan.first` to `plan.last` (future ones only planned)."""
    gain_mean = clamp(rng.gauss(2.2, 0.5), 1.2, 3.2)
    ratio_mean = clamp(rng.gauss(0.34 if plan.access == "cvc" else 0.31, 0.025), 0.25, 0.4)
    bun_mean, sys_mean = clamp(rng.gauss(65, 12), 40, 100), clamp(rng.gauss(145, 14), 110, 180)
    group, lab_month, previous = new_id(rng), None, None
    base = _lab_baseline(rng, p)
    day = plan.first
    while day <= plan.last:
        if day.isoweekday() not in plan.weekdays:
            day += dt.timedelta(days=1)
            continue
        gap = (day - previous).days if previous else 2
        previous = day
        start = local(day, plan.slot_start.hour, plan.slot_start.minute)
        row: dict[str, Any] = {
            "id": new_id(rng),
            "organization_id": ctx.id,
            "patient_id": p.id,
            "machine_id": plan.machine,
            "prescription_id": plan.prescription,
            "slot_id": plan.slot,
            "session_number": ctx.next_number("DS"),
            "session_date": day,
            "scheduled_start_time": plan.slot_start,
            "is_recurring": True,
            "recurrence_group_id": group,
            "created_by": plan.nephrologist,
            **stamps(min(start, ctx.now) - dt.timedelta(days=rng.randint(7, 21))),
        }
        if start > ctx.now:
            row["status"] = "scheduled"
        elif rng.random() < 0.04:
            _cancel(ctx, rng, row, start)
        else:
            ratio = clamp(rng.gauss(ratio_mean, 0.03), 0.2, 0.45)
            gain = clamp(gain_mean * gap / 2.33 + rng.gauss(0, 0.35), 1.0, 4.0)
            pre_bun = clamp(rng.gauss(bun_mean * (1.12 if gap > 2 else 1.0), 7), 30, 130)
            _run(ctx, rng, row, plan, start, gain, ratio, pre_bun, sys_mean)
            if row["status"] == "completed":
                ktv = row["ktv"]
                usage[plan.machine][0] += 1
                usage[plan.machine][1] += row["duration_minutes"] / 60
                ctx.count("DIA-KTV-01", day, ktv >= 1.2)
                p.facts["ktv"] = ktv
                if lab_month != (day.year, day.month) and gap == 2:
                    lab_month = (day.year, day.month)
                    ctx.count("DIA-FAV-01", day, plan.access == "avf")
                    yield T_SESSION, row
                    yield lab(ctx, rng, p, base, start, plan.nephrologist, row)
                    day += dt.timedelta(days=1)
                    continue
        yield T_SESSION, row
        day += dt.timedelta(days=1)


def _cancel(ctx: OrgContext, rng: random.Random, row: dict[str, Any], start: dt.datetime) -> None:
    if rng.random() < 0.4:
        row.update(status="no_show", notes="Patient did not attend; called by the unit")
        return
    when = max(row["created_at"], start - dt.timedelta(hours=rng.randint(2, 48)))
    row.update(
        status="cancelled",
        cancellation_reason=rng.choice(CANCEL),
        cancelled_by=row["created_by"],
        cancelled_at=when,
        updated_at=when,
    )


def _run(
    ctx: OrgContext,
    rng: random.Random,
    row: dict[str, Any],
    plan: Plan,
    start: dt.datetime,
    gain: float,
    ratio: float,
    pre_bun: float,
    sys_mean: float,
) -> None:
    """Fill the run sheet of a session that took place (or is running now)."""
    began = start + dt.timedelta(minutes=rng.randint(0, 25))
    pre_weight = round(plan.dry_weight + gain, 1)
    uf_goal = round((pre_weight - plan.dry_weight) * 1000 + 300, -1)
    pre_sys = round(clamp(rng.gauss(sys_mean, 12), 95, 200))
    row.update(
        actual_start_time=began,
        pre_weight=pre_weight,
        uf_goal=uf_goal,
        pre_systolic_bp=pre_sys,
        pre_diastolic_bp=round(clamp(pre_sys * 0.55 + rng.gauss(0, 6), 45, 110)),
        blood_flow=max(
            250, plan.blood_flow - (rng.choice((20, 30, 50)) if rng.random() < 0.1 else 0)
        ),
        dialysate_flow=plan.dialysate_flow,
        primary_nurse_id=ctx.pick_staff(rng, "nurse"),
        supervising_doctor_id=ctx.pick_staff(rng, "nephrologist"),
        pre_bun=round(pre_bun, 1),
        status="in_progress",
        updated_at=began,
    )
    duration = plan.duration - (rng.choice((5, 10, 15, 30)) if rng.random() < 0.15 else 0)
    ended = began + dt.timedelta(minutes=duration)
    if ended > ctx.now:
        return
    uf_volume = round(uf_goal * clamp(rng.gauss(0.98, 0.04), 0.85, 1.05), -1)
    post_weight = round(pre_weight - (uf_volume - 300) / 1000 + rng.gauss(0, 0.1), 1)
    post_weight = min(post_weight, pre_weight - 0.5)
    ktv = 0.0
    while not 1.0 <= ktv <= 2.0:
        post_bun = round(pre_bun * ratio, 1)
        ktv = daugirdas(row["pre_bun"], post_bun, duration / 60, uf_volume / 1000, post_weight)
        ratio = clamp(rng.gauss(0.31, 0.03), 0.2, 0.45)
    hypotension = rng.random() < 0.05
    post_sys = 85 + rng.randint(0, 10) if hypotension else round(pre_sys - rng.gauss(12, 10))
    post_sys = round(clamp(post_sys, 80, 195))
    row.update(
        status="completed",
        actual_end_time=ended,
        duration_minutes=duration,
        uf_volume=uf_volume,
        post_weight=post_weight,
        post_systolic_bp=post_sys,
        post_diastolic_bp=round(clamp(post_sys * 0.55 + rng.gauss(0, 5), 40, 105)),
        post_bun=post_bun,
        ktv=round(ktv, 2),
        updated_at=ended + dt.timedelta(minutes=rng.randint(5, 40)),
    )
    if hypotension:
        row["notes"] = "Intradialytic hypotension: UF paused, 200 mL saline bolus given"
    elif duration < plan.duration:
        row["notes"] = "Session shortened at the patient's request"


def _lab_baseline(rng: random.Random, p: PatientInfo) -> dict[str, float]:
    female = p.sex == "female"
    return {
        "hemoglobin": rng.gauss(11.0, 0.8),
        "potassium": rng.gauss(4.9, 0.45),
        "creatinine": rng.gauss(700 if female else 820, 150),
        "pth": rng.lognormvariate(math.log(330), 0.5),
        "calcium": rng.gauss(2.27, 0.09),
        "phosphorus": rng.gauss(1.55, 0.3),
        "sodium": rng.gauss(138.5, 2),
        "bicarbonate": rng.gauss(23.5, 1.8),
        "albumin": rng.gauss(37.5, 3.2),
        "ferritin": rng.lognormvariate(math.log(380), 0.45),
        "transferrin_saturation": rng.gauss(28, 7),
        "crp": rng.lognormvariate(math.log(4), 0.8),
        "magnesium": rng.gauss(0.95, 0.1),
    }


def lab(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    base: dict[str, float],
    when: dt.datetime,
    reviewer: str,
    session: dict[str, Any] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """A monthly panel around the patient's baselines; flags follow `LAB_RANGES` exactly."""
    values = {k: v + rng.gauss(0, SPREAD[k] * (v if k in RELATIVE else 1)) for k, v in base.items()}
    values["hematocrit"] = values["hemoglobin"] * 3 + rng.gauss(0, 0.8)
    if session is not None:
        values["urea_pre"] = session["pre_bun"] * BUN_TO_UREA
        values["urea_post"] = session["post_bun"] * BUN_TO_UREA
        values["urea"] = values["urea_pre"]
        values["ktv"] = session["ktv"]
    else:  # peritoneal dialysis: no session urea
        values["urea"] = clamp(rng.gauss(20, 4), 8, 35)
    values = {k: round(max(v, 0.1), DIGITS.get(k, 1)) for k, v in values.items()}
    flagged = [k for k, v in values.items() if _out_of_range(k, v)]
    sampled = when - dt.timedelta(minutes=5)
    reviewed = sampled + dt.timedelta(days=rng.randint(1, 3))
    done = reviewed <= ctx.now
    columns = {k: v for k, v in values.items() if k != "magnesium"}
    p.facts["lab"] = values
    ctx.count("DIA-HB-01", when.date(), not _out_of_range("hemoglobin", values["hemoglobin"]))
    return T_LAB, {
        "id": new_id(rng),
        "organization_id": ctx.id,
        "patient_id": p.id,
        "lab_date": sampled,
        "lab_source": rng.choice(LABS),
        "import_method": rng.choice(("api", "api", "file_import", "manual")),
        **{k: columns.get(k) for k in LAB_RANGES if k != "magnesium"},
        "all_results": {k: _result(k, v) for k, v in values.items()},
        "has_out_of_range_values": bool(flagged),
        "out_of_range_markers": flagged,
        "reviewed_by": reviewer if done else None,
        "reviewed_at": reviewed if done else None,
        "created_by": ctx.pick_staff(rng, "nurse"),
        **stamps(sampled + dt.timedelta(hours=6), reviewed if done else None),
    }


def _out_of_range(marker: str, value: float) -> bool:
    _, low, high = LAB_RANGES[marker]
    return (low is not None and value < low) or (high is not None and value > high)


def _result(marker: str, value: float) -> dict[str, Any]:
    unit, low, high = LAB_RANGES[marker]
    flag = "L" if low is not None and value < low else "H" if _out_of_range(marker, value) else None
    return {"value": value, "unit": unit or None, "low": low, "high": high, "flag": flag}
