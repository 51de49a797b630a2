"""Consultations, their appointments and generic examinations of one patient.

Each completed consultation has the appointment that led to it (confirmed, reminded, checked
in); around them are no-shows, cancellations, rescheduled appointments and upcoming ones. The
consultations are remembered on the patient so that specialty records (ECGs, biometry, AI
recommendations) can point to the visit they belong to.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from seed.context import (
    CLINIC_TZ,
    Item,
    OrgContext,
    Patch,
    PatientInfo,
    Row,
    local,
    new_id,
    stamps,
    table,
)
from seed.exams import exam_row, generic_exam

T_CONSULT, T_APPT = table("healthcare_consultations"), table("healthcare_appointments")
T_EXAM = table("healthcare_examinations")
DOCTOR = {
    "general": "physician",
    "dialyse": "nephrologist",
    "cardiology": "cardiologist",
    "ophthalmology": "ophthalmologist",
}
PLACE = {
    "general": "General medicine",
    "dialyse": "Nephrology unit",
    "cardiology": "Cardiology department",
    "ophthalmology": "Ophthalmology clinic",
}
# module -> condition -> (chief complaint, diagnosis, treatment plan); "" is the default
TEXTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "general": {
        "": ("Routine health assessment", "Stable chronic conditions",
             "Continue current treatment; annual blood tests"),
        "copd": ("Exertional breathlessness", "COPD, stable",
                 "Inhaled bronchodilators continued; spirometry ordered"),
    },
    "dialyse": {
        "": ("Monthly nephrology review", "End-stage renal disease on maintenance haemodialysis",
             "Continue current prescription; review dry weight, anaemia and mineral balance"),
    },
    "cardiology": {
        "heart_failure": ("Dyspnoea on exertion", "Chronic heart failure",
                          "Optimise guideline-directed medical therapy; echo follow-up"),
        "afib": ("Palpitations", "Atrial fibrillation",
                 "Rate control continued; stroke risk and anticoagulation reviewed"),
        "vascular": ("Chest discomfort on exertion", "Stable coronary artery disease",
                     "Antiplatelet and statin therapy continued; risk factor control"),
        "": ("Blood pressure follow-up", "Essential hypertension",
             "Continue antihypertensive therapy; home blood pressure monitoring"),
    },
    "ophthalmology": {
        "cataract": ("Progressive blurred vision", "Age-related nuclear cataract",
                     "Cataract surgery discussed; optical biometry of both eyes"),
        "glaucoma": ("Glaucoma follow-up", "Primary open-angle glaucoma",
                     "Continue latanoprost 0.005% at night; visual field in 6 months"),
        "amd": ("Distorted central vision", "Neovascular age-related macular degeneration",
                "Macular OCT; continue anti-VEGF injections"),
        "diabetic_retinopathy": ("Diabetic eye screening", "Non-proliferative diabetic retinopathy",
                                 "Glycaemic control; fundus review in 6 months"),
        "": ("Routine eye examination", "Presbyopia", "Spectacle prescription updated"),
    },
}  # fmt: skip
RATE = {"general": 0.25, "dialyse": 1.0, "cardiology": 0.35, "ophthalmology": 0.3}


def generate(ctx: OrgContext, rng: random.Random, p: PatientInfo) -> Iterator[Item]:
    """Consultations, appointments and generic examinations of `p` over the history."""
    span = (ctx.end - p.first_day).days + 1
    for module in ("general", "dialyse", "cardiology", "ophthalmology"):
        if module not in p.programs or (module == "general" and len(p.programs) > 2):
            continue
        doctor = ctx.pick_staff(rng, DOCTOR[module])
        count = max(1, round(RATE[module] * span / 30.4 * rng.uniform(0.7, 1.3)))
        dates = sorted({_weekday(rng, p.first_day, ctx.end) for _ in range(count)})
        group = new_id(rng) if module == "dialyse" else None
        for n, day in enumerate(dates):
            kind = "initial" if n == 0 and p.first_day > ctx.start else "follow_up"
            if module == "ophthalmology" and "cataract" in p.conditions and n == len(dates) - 1:
                kind = "pre_operative"
            yield from _visit(ctx, rng, p, module, doctor, day, kind, group)
        if rng.random() < 0.35:
            day = ctx.end + dt.timedelta(days=rng.randint(1, 30))
            yield from _visit(ctx, rng, p, module, doctor, day, "follow_up", group)
        if rng.random() < 0.06:
            yield from _missed(ctx, rng, p, module, doctor)


def _weekday(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
    while day.isoweekday() > 5 and day > first:
        day -= dt.timedelta(days=1)
    return day


def _texts(module: str, conditions: set[str]) -> tuple[str, str, str]:
    options = TEXTS[module]
    return next((options[c] for c in options if c in conditions), options[""])


def _visit(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    module: str,
    doctor: str,
    day: dt.date,
    kind: str,
    group: str | None,
) -> Iterator[Item]:
    start = local(day, rng.randint(16, 33) // 2, rng.choice((0, 15, 30, 45)))
    consult, complaint = new_id(rng), _texts(module, p.conditions)
    duration = 45 if kind == "initial" else 30
    past = start + dt.timedelta(minutes=duration) <= ctx.now  # over by the time of the data
    status = "completed" if past else "scheduled"
    yield from _appointment(ctx, rng, p, module, doctor, start, duration, status, kind, group)
    yield (
        T_CONSULT,
        {
            "id": consult,
            "organization_id": ctx.id,
            "patient_id": p.id,
            "module": module,
            "consultation_date": day,
            "consultation_time": start.astimezone(CLINIC_TZ).time().replace(second=0),
            "consultation_type": kind if rng.random() > 0.03 else "urgent",
            "doctor_id": doctor,
            "chief_complaint": complaint[0],
            "diagnosis": complaint[1] if past else None,
            "treatment_plan": complaint[2] if past else None,
            "notes": None,
            "follow_up_date": day + dt.timedelta(days=rng.choice((30, 60, 90))) if past else None,
            "status": "completed" if past else "scheduled",
            **stamps(
                max(p.registered, min(start, ctx.now) - dt.timedelta(days=rng.randint(7, 30))),
                start + dt.timedelta(minutes=duration) if past else None,
            ),
        },
    )
    if past:
        p.consults[module].append((consult, day, doctor))
        yield from _examination(ctx, rng, p, module, doctor, consult, start)


def _appointment(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    module: str,
    doctor: str,
    start: dt.datetime,
    duration: int,
    status: str,
    kind: str,
    group: str | None,
) -> Iterator[Row | Patch]:
    """The appointment of a visit, sometimes replacing an earlier one that was rescheduled."""
    ident, desk = new_id(rng), ctx.pick_staff(rng, "front_desk")
    booked = max(p.registered, start - dt.timedelta(days=rng.randint(7, 45)))
    booked = min(booked, start - dt.timedelta(hours=1), ctx.now - dt.timedelta(hours=1))
    previous, kind = None, "consultation" if kind == "initial" else "follow_up"
    if rng.random() < 0.05 and (start - booked).days > 3:
        previous = new_id(rng)
        moved = start - dt.timedelta(days=rng.randint(1, (start - booked).days - 1))
        changed = min(booked + (moved - booked) / 2, ctx.now - dt.timedelta(hours=1))
        row = _appointment_row(
            ctx, rng, p, module, doctor, moved, duration, "rescheduled", desk, booked
        )
        row.update(id=previous, appointment_type=kind, notes="Rescheduled at the patient's request")
        row.update(stamps(booked, changed))
        yield T_APPT, row
        yield Patch(T_APPT, previous, {"rescheduled_to_id": ident, "updated_at": row["updated_at"]})
        booked = row["updated_at"]
    if status == "scheduled" and start - ctx.now < dt.timedelta(days=3):
        status = "confirmed"
    row = _appointment_row(ctx, rng, p, module, doctor, start, duration, status, desk, booked)
    row.update(id=ident, appointment_type=kind, rescheduled_from_id=previous)
    row.update(stamps(booked, min(ctx.now, start + dt.timedelta(minutes=duration))))
    if group is not None:
        row.update(is_recurring=True, recurrence_rule="FREQ=MONTHLY;INTERVAL=1")
        row["recurrence_group_id"] = group
    yield T_APPT, row
    p.appointments.append((ident, start, module, doctor, status))


def _appointment_row(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    module: str,
    doctor: str,
    start: dt.datetime,
    duration: int,
    status: str,
    desk: str,
    booked: dt.datetime,
) -> dict[str, Any]:
    done = status == "completed"
    confirmed = status in ("completed", "confirmed", "no_show") or (
        status == "scheduled" and rng.random() < 0.3
    )
    confirmed_at = start - dt.timedelta(days=2, hours=rng.randint(0, 48))
    confirmed_at = max(booked, min(confirmed_at, ctx.now - dt.timedelta(minutes=30)))
    reminded = start - dt.timedelta(days=1) <= ctx.now and status != "rescheduled"
    return {
        "organization_id": ctx.id,
        "patient_id": p.id,
        "appointment_number": ctx.next_number("AP"),
        "module": module,
        "appointment_type": "follow_up",
        "scheduled_date": start,
        "scheduled_time": start.astimezone(CLINIC_TZ).time().replace(second=0),
        "duration_minutes": duration,
        "provider_id": doctor,
        "location": PLACE[module],
        "room": f"Room {rng.randint(1, 12)}",
        "status": status,
        "confirmed_at": confirmed_at if confirmed else None,
        "confirmed_by": desk if confirmed else None,
        "is_reminder_sent": reminded,
        "reminder_sent_at": start - dt.timedelta(days=1) if reminded else None,
        "checked_in_at": start - dt.timedelta(minutes=rng.randint(5, 25)) if done else None,
        "completed_at": start + dt.timedelta(minutes=duration) if done else None,
        "reason": TEXTS[module][""][0] if module != "cardiology" else "Cardiology follow-up",
        "created_by": desk,
        "rescheduled_from_id": None,
        "is_recurring": False,
        "recurrence_rule": None,
        "recurrence_group_id": None,
    }


def _missed(
    ctx: OrgContext, rng: random.Random, p: PatientInfo, module: str, doctor: str
) -> Iterator[Row]:
    """A no-show or a cancelled appointment in the history."""
    day = _weekday(rng, p.first_day, ctx.end)
    start = local(day, rng.randint(8, 16), rng.choice((0, 30)))
    status = "no_show" if rng.random() < 0.5 else "cancelled"
    desk = ctx.pick_staff(rng, "front_desk")
    booked = max(p.registered, start - dt.timedelta(days=rng.randint(5, 30)))
    booked = min(booked, start - dt.timedelta(hours=3))
    row = _appointment_row(ctx, rng, p, module, doctor, start, 30, status, desk, booked)
    row.update(id=new_id(rng), **stamps(booked, min(start, ctx.now)))
    if status == "cancelled":
        cancelled = min(start - dt.timedelta(hours=rng.randint(2, 72)), ctx.now)
        row.update(
            cancelled_at=max(cancelled, booked),
            cancelled_by=desk,
            cancellation_reason=rng.choice(
                ("Patient unwell", "Transport unavailable", "Hospitalised elsewhere")
            ),
        )
    yield T_APPT, row


def _examination(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    module: str,
    doctor: str,
    consult: str,
    start: dt.datetime,
) -> Iterator[Row]:
    """A generic test ordered at a general or nephrology visit, when one is indicated."""
    found = generic_exam(rng, module, p)
    if found is None or rng.random() > 0.35:
        return
    kind, measurements, findings, abnormal = found
    done = start + dt.timedelta(minutes=rng.randint(20, 90))
    yield exam_row(
        ctx, rng, p, module, kind, done, doctor, consult, measurements, findings, abnormal
    )
