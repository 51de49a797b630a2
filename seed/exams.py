"""Generic examinations (`healthcare_examinations`): the row shared by every module, and the
general-medicine tests whose measurements and findings agree with each other."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from seed.context import OrgContext, PatientInfo, Row, clamp, new_id, stamps, table

T_EXAM = table("healthcare_examinations")
Exam = tuple[str, dict[str, Any], str, list[str]]


def exam_row(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    module: str,
    kind: str,
    done: dt.datetime,
    reader: str,
    consult: str | None,
    measurements: dict[str, Any],
    findings: str,
    abnormal: list[str],
    *,
    ident: str | None = None,
    subtype: str | None = None,
    performer: str | None = None,
) -> Row:
    """One examination, interpreted within two days when that is already in the past."""
    read = done + dt.timedelta(hours=rng.randint(1, 48))
    interpreted = read <= ctx.now
    return T_EXAM, {
        "id": ident or new_id(rng),
        "organization_id": ctx.id,
        "patient_id": p.id,
        "consultation_id": consult,
        "examination_number": ctx.next_number("EX"),
        "examination_date": done,
        "module": module,
        "examination_type": kind,
        "examination_subtype": subtype,
        "performed_by": performer or ctx.pick_staff(rng, "technician"),
        "interpreted_by": reader if interpreted else None,
        "interpreted_at": read if interpreted else None,
        "findings": findings,
        "interpretation": ("Abnormal: " + "; ".join(abnormal)) if abnormal else "Normal study",
        "conclusion": findings if interpreted else None,
        "recommendations": "Clinical correlation and follow-up" if abnormal else None,
        "measurements": measurements,
        "media_urls": [ctx.url("examinations", f"{p.id}-{done:%Y%m%d%H%M}.pdf")],
        "status": "reviewed" if interpreted else "completed",
        "urgency": "urgent" if len(abnormal) > 1 else "routine",
        "has_abnormal_findings": bool(abnormal),
        "abnormal_findings": abnormal or None,
        "created_by": performer or reader,
        **stamps(done, read if interpreted else done),
    }


def generic_exam(rng: random.Random, module: str, p: PatientInfo) -> Exam | None:
    """The test a general visit would order for this patient, or None."""
    if module != "general":
        return None
    if "hypertension" in p.conditions:
        return _abpm(rng)
    if "copd" in p.conditions:
        return _spirometry(rng, p)
    if "vascular" in p.conditions:
        return _ankle_brachial(rng)
    return None


def _abpm(rng: random.Random) -> Exam:
    """24-hour ambulatory BP; ESC thresholds: day ≥135/85, night ≥120/70 mmHg."""
    day_sys = round(rng.gauss(136, 11))
    day_dia = round(day_sys * 0.6 + rng.gauss(2, 5))
    night_sys = round(day_sys - rng.gauss(13, 6))
    night_dia = round(day_dia - rng.gauss(9, 4))
    dipping = round(100 * (day_sys - night_sys) / day_sys, 1)
    abnormal = []
    if day_sys >= 135 or day_dia >= 85:
        abnormal.append("Daytime hypertension")
    if night_sys >= 120 or night_dia >= 70:
        abnormal.append("Nocturnal hypertension")
    if dipping < 10:
        abnormal.append("Non-dipper pattern")
    findings = (
        f"Daytime mean {day_sys}/{day_dia} mmHg, night-time mean {night_sys}/{night_dia} mmHg, "
        f"nocturnal dip {dipping}%."
    )
    measurements = {
        "day_mean_systolic_mmhg": day_sys,
        "day_mean_diastolic_mmhg": day_dia,
        "night_mean_systolic_mmhg": night_sys,
        "night_mean_diastolic_mmhg": night_dia,
        "nocturnal_dip_percent": dipping,
    }
    return "ABPM", measurements, findings, abnormal


def _spirometry(rng: random.Random, p: PatientInfo) -> Exam:
    fvc = round(clamp(rng.gauss(3.6 if p.sex == "male" else 2.7, 0.5), 1.5, 5.5), 2)
    ratio = round(clamp(rng.gauss(0.62, 0.07), 0.4, 0.82), 2)
    fev1 = round(fvc * ratio, 2)
    abnormal = ["Obstructive ventilatory defect"] if ratio < 0.7 else []
    findings = f"FEV1 {fev1} L, FVC {fvc} L, FEV1/FVC {ratio:.2f} after bronchodilator."
    return "Spirometry", {"fev1_l": fev1, "fvc_l": fvc, "fev1_fvc_ratio": ratio}, findings, abnormal


def _ankle_brachial(rng: random.Random) -> Exam:
    right = round(clamp(rng.gauss(0.88, 0.13), 0.45, 1.3), 2)
    left = round(clamp(right + rng.gauss(0, 0.06), 0.45, 1.3), 2)
    abnormal = ["Peripheral arterial disease"] if min(right, left) < 0.9 else []
    findings = f"Ankle-brachial index {right} right, {left} left."
    return "Ankle-brachial index", {"abi_right": right, "abi_left": left}, findings, abnormal
