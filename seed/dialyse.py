"""Dialysis unit: machines, shifts, patient profiles, prescriptions, sessions and labs.

Haemodialysis patients are placed on a fixed schedule (Mon/Wed/Fri or Tue/Thu/Sat), shift and
machine so that no machine is double-booked; hepatitis B positive patients go to isolation
machines. Machine usage counters are patched once the organization's sessions are known.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Generator, Iterator
from typing import Any

from seed.context import (
    Item,
    OrgContext,
    Patch,
    PatientInfo,
    Tick,
    clamp,
    local,
    new_id,
    pick,
    stamps,
    table,
)
from seed.dialyse_sessions import Plan, _lab_baseline, lab, sessions
from seed.exams import exam_row

T_MACHINE, T_SLOT = table("dialyse_machines"), table("dialyse_session_slots")
T_PROFILE, T_PRESCRIPTION = table("dialyse_patients"), table("dialyse_prescriptions")
SCHEDULES = ((1, 3, 5), (2, 4, 6))
SHIFTS = (("Morning", dt.time(7, 0), dt.time(11, 30)),
          ("Afternoon", dt.time(12, 0), dt.time(16, 30)),
          ("Evening", dt.time(17, 0), dt.time(21, 30)))  # fmt: skip
MACHINES = (("Fresenius Medical Care", "5008S CorDiax"), ("Fresenius Medical Care", "4008S"),
            ("B. Braun", "Dialog+"), ("Nipro", "Surdial X"), ("Nikkiso", "DBB-EXA"))  # fmt: skip
DIALYZERS = {"FX 80": 1.8, "Polyflux 170H": 1.7, "Elisio 19H": 1.9, "xevonta Hi 18": 1.8}
HDF_DIALYZERS = {"FX 800 CorDiax": 2.0, "FX 1000 CorDiax": 2.2}
ANTICOAGULATION = {
    "heparin": "Unfractionated heparin: bolus 2,000 IU, then 1,000 IU/h stopped 1 h before end",
    "lmwh": "Tinzaparin 2,500 IU IV bolus at connection",
    "citrate": "Citrate-containing dialysate",
    "none": "Heparin-free: saline flushes every 30 min",
}
MEDICATIONS = "Darbepoetin alfa 30 µg IV weekly; iron sucrose 100 mg IV every 2 weeks"
ETIOLOGY = {
    "Hypertensive nephrosclerosis": 25, "Chronic glomerulonephritis": 14,
    "Autosomal dominant polycystic kidney disease": 9, "Chronic interstitial nephritis": 6,
    "Unknown": 12, "Obstructive uropathy": 4,
}  # fmt: skip


def generate(ctx: OrgContext) -> Iterator[Item]:
    rng = ctx.rng("dialyse")
    patients = [p for p in ctx.patients if "dialyse" in p.programs]
    profiles = {p.id: _profile(ctx, rng, p, n == 0) for n, p in enumerate(patients)}
    hd = [p for p in patients if profiles[p.id]["dialysis_type"] != "pd"]
    isolated = [p for p in hd if profiles[p.id]["hbv_status"] == "positive"]
    regular = [p for p in hd if p not in isolated]
    created = local(ctx.start, 8) - dt.timedelta(days=365 * 4)
    machines = [
        *(_machine(ctx, rng, n, False, created) for n in range(math.ceil(len(regular) / 6) + 1)),
        *(
            _machine(ctx, rng, n, True, created)
            for n in range(max(1, math.ceil(len(isolated) / 6)))
        ),
    ]
    for row in machines:
        yield T_MACHINE, row
    slots = []
    for name, start, end in SHIFTS:
        slots.append((new_id(rng), start))
        yield T_SLOT, {
            "id": slots[-1][0], "organization_id": ctx.id, "name": name, "start_time": start,
            "end_time": end, "days_of_week": [1, 2, 3, 4, 5, 6], "max_patients": len(machines),
            "is_active": True, **stamps(created),
        }  # fmt: skip
    usage: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    pools = {False: [m for m in machines if not m["is_isolation_only"]],
             True: [m for m in machines if m["is_isolation_only"]]}  # fmt: skip
    seats = {False: 0, True: 0}
    for p in patients:
        profile = profiles[p.id]
        yield T_PROFILE, profile
        base = _lab_baseline(rng, p)
        first = max(p.first_day, profile["dialysis_start_date"].date())
        last = min(ctx.end + dt.timedelta(days=2), p.facts.get("dialysis_end", dt.date.max))
        if profile["dialysis_type"] == "pd":
            for month_start in _months(first, min(last, ctx.end)):
                when = local(month_start + dt.timedelta(days=rng.randint(0, 20)), 8, 30)
                if when <= ctx.now:
                    yield lab(ctx, rng, p, base, when, profile["created_by"])
            yield Tick()
            continue
        prescription = yield from _prescriptions(ctx, rng, p, profile)
        isolation = p in isolated
        seat = seats[isolation]
        seats[isolation] += 1
        slot_id, slot_start = slots[(seat % 6) // 2]
        plan = Plan(
            weekdays=SCHEDULES[seat % 2],
            slot=slot_id,
            slot_start=slot_start,
            machine=pools[isolation][seat // 6]["id"],
            first=first,
            last=last,
            access=profile["vascular_access"],
            dry_weight=profile["dry_weight"],
            nephrologist=profile["created_by"],
            **prescription,
        )
        yield from sessions(ctx, rng, p, plan, usage)
        if plan.access != "cvc" and rng.random() < 0.4:
            yield _doppler(ctx, rng, p, first, plan.nephrologist)
        yield Tick()
    for machine in machines:
        count, hours = usage[machine["id"]]
        yield Patch(
            T_MACHINE,
            machine["id"],
            {"total_sessions": machine["total_sessions"] + int(count),
             "total_hours": machine["total_hours"] + round(hours),
             "updated_at": machine["updated_at"]},
        )  # fmt: skip


def _months(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first.replace(day=1)
    while day <= last:
        if day >= first.replace(day=1):
            yield max(day, first)
        day = (day + dt.timedelta(days=32)).replace(day=1)


def _machine(
    ctx: OrgContext, rng: random.Random, n: int, isolation: bool, created: dt.datetime
) -> dict[str, Any]:
    maker, model = rng.choice(MACHINES)
    installed = created - dt.timedelta(days=rng.randint(0, 1500))
    serviced = ctx.now - dt.timedelta(days=rng.randint(5, 170))
    prior = rng.randint(300, 2500)
    return {
        "id": new_id(rng),
        "organization_id": ctx.id,
        "serial_number": f"{maker[:2].upper()}{rng.randint(10**7, 10**8 - 1)}",
        "model": model,
        "manufacturer": maker,
        "machine_number": f"{'ISO' if isolation else 'HD'}-{n + 1:02d}",
        "status": "available",
        "is_isolation_only": isolation,
        "location": "Isolation room" if isolation else f"Bay {n + 1}",
        "total_hours": prior * 4,
        "total_sessions": prior,
        "installation_date": installed,
        "last_maintenance_date": serviced,
        "next_maintenance_date": serviced + dt.timedelta(days=182),
        "warranty_expiry": installed + dt.timedelta(days=5 * 365),
        "created_by": ctx.staff["admin"][0],
        **stamps(installed, serviced),
    }


def _profile(ctx: OrgContext, rng: random.Random, p: PatientInfo, first: bool) -> dict[str, Any]:
    kind = "hd" if first else pick(rng, {"hd": 65, "hdf": 30, "pd": 5})
    if p.first_day > ctx.start or rng.random() < 0.08:  # incident patient
        started = local(p.first_day, 10) + dt.timedelta(days=rng.randint(0, 10))
    else:
        started = local(ctx.start, 10) - dt.timedelta(days=rng.randint(60, 4000))
    started = min(started, ctx.now - dt.timedelta(days=1))
    if rng.random() < 0.04:
        end = ctx.start + dt.timedelta(days=rng.randint(20, max(21, (ctx.end - ctx.start).days)))
        p.facts["dialysis_end"] = min(end, ctx.end)
    serology = {
        "hiv_status": pick(rng, {"negative": 98.5, "unknown": 1, "positive": 0.5}),
        "hbv_status": pick(rng, {"negative": 95, "unknown": 3, "positive": 2}),
        "hcv_status": pick(rng, {"negative": 95, "unknown": 2, "positive": 3}),
    }
    vaccinated = serology["hbv_status"] == "negative" and rng.random() < 0.75
    nephrologist = ctx.pick_staff(rng, "nephrologist")
    diabetic = "diabetes" in p.conditions and rng.random() < 0.6
    return {
        "id": new_id(rng),
        "organization_id": ctx.id,
        "patient_id": p.id,
        "dialysis_type": kind,
        "vascular_access": None if kind == "pd" else pick(rng, {"avf": 68, "avg": 10, "cvc": 22}),
        "dry_weight": round(p.weight * 2) / 2,
        "ktv_target": None if kind == "pd" else rng.choice((1.4, 1.4, 1.4, 1.2)),
        "renal_failure_etiology": "Diabetic nephropathy" if diabetic else pick(rng, ETIOLOGY),
        "medical_history": {
            "residual_diuresis_ml_per_day": rng.choice((0, 0, 100, 300, 500, 800)),
            "previous_transplant": rng.random() < 0.06,
            "comorbidities": sorted(p.conditions - {"esrd"}),
        },
        "contraindications": ["Heparin-induced thrombocytopenia"] if rng.random() < 0.03 else [],
        **serology,
        "serology_last_update": ctx.now - dt.timedelta(days=rng.randint(10, 170)),
        "is_isolation_required": serology["hbv_status"] == "positive",
        "is_hepatitis_b_vaccinated": vaccinated,
        "hepatitis_b_last_dose": started - dt.timedelta(days=rng.randint(30, 400))
        if vaccinated
        else None,
        "patient_status": _status(rng, p),
        "dialysis_start_date": started,
        "created_by": nephrologist,
        **stamps(max(p.registered, started), ctx.now - dt.timedelta(days=rng.randint(1, 90))),
    }


def _status(rng: random.Random, p: PatientInfo) -> str:
    if "dialysis_end" not in p.facts:
        return "active"
    return "transplanted" if rng.random() < 0.6 else "transferred"


def _prescriptions(
    ctx: OrgContext, rng: random.Random, p: PatientInfo, profile: dict[str, Any]
) -> Generator[Item, None, dict[str, Any]]:
    """The active prescription, and sometimes the one it superseded; returns its plan fields."""
    hdf = profile["dialysis_type"] == "hdf"
    dialyzer, surface = rng.choice(list((HDF_DIALYZERS if hdf else DIALYZERS).items()))
    duration = int(pick(rng, {"240": 70, "210": 10, "270": 12, "300": 8}))
    qb = rng.choice((300, 320, 350, 380, 400)) - (40 if profile["vascular_access"] == "cvc" else 0)
    qd = rng.choice((600, 700, 800)) if hdf else 500
    anticoagulation = (
        "none"
        if profile["contraindications"]
        else pick(rng, {"heparin": 62, "lmwh": 28, "citrate": 3, "none": 7})
    )
    started = max(
        profile["dialysis_start_date"], local(ctx.start, 9) - dt.timedelta(days=rng.randint(0, 300))
    )
    current = new_id(rng)
    row = {
        "id": current, "organization_id": ctx.id, "patient_id": p.id,
        "prescribed_by": profile["created_by"], "prescription_number": ctx.next_number("RX"),
        "type": "hemodiafiltration" if hdf else "hemodialysis", "is_permanent": True,
        "duration_minutes": duration, "frequency_per_week": 3, "dry_weight": profile["dry_weight"],
        "blood_flow_rate": qb, "dialysate_flow_rate": qd, "dialyzer_type": dialyzer,
        "membrane_surface": surface, "anticoagulation_type": anticoagulation,
        "anticoagulation_dose": ANTICOAGULATION[anticoagulation].split(":")[0],
        "anticoagulation_protocol": ANTICOAGULATION[anticoagulation],
        "session_medications": MEDICATIONS, "dialysate_type": "Bicarbonate",
        "dialysate_sodium": rng.choice((138, 140)), "dialysate_potassium": rng.choice((2.0, 3.0)),
        "dialysate_bicarbonate": rng.choice((32, 35)),
        "dialysate_calcium": rng.choice((2.5, 3.0)), "start_date": started, "end_date": None,
        "status": "active", "superseded_by_id": None, **stamps(started),
    }  # fmt: skip
    yield T_PRESCRIPTION, row
    if rng.random() < 0.3 and started > profile["dialysis_start_date"] + dt.timedelta(days=30):
        older = dict(row, id=new_id(rng), prescription_number=ctx.next_number("RX"))
        before = max(
            profile["dialysis_start_date"], started - dt.timedelta(days=rng.randint(60, 700))
        )
        older.update(
            blood_flow_rate=qb - 20, duration_minutes=240,
            dry_weight=round(row["dry_weight"] + 1.5, 1),
            start_date=before, end_date=started, status="superseded", superseded_by_id=current,
            **stamps(before, started),
        )  # fmt: skip
        yield T_PRESCRIPTION, older
    return {"prescription": current, "duration": duration, "blood_flow": qb, "dialysate_flow": qd}


def _doppler(
    ctx: OrgContext, rng: random.Random, p: PatientInfo, first: dt.date, reader: str
) -> Any:
    flow = round(clamp(rng.gauss(950, 320), 250, 2200), -1)
    abnormal = ["Low access flow: risk of thrombosis"] if flow < 600 else []
    findings = f"Access flow {flow:.0f} mL/min; no stenosis seen" if not abnormal else (
        f"Access flow {flow:.0f} mL/min with juxta-anastomotic narrowing; fistulography advised"
    )  # fmt: skip
    day = first + dt.timedelta(days=rng.randint(0, max(0, (ctx.end - first).days - 1)))
    return exam_row(
        ctx, rng, p, "dialyse", "Vascular access Doppler ultrasound", local(day, 14, 30), reader,
        None, {"access_flow_ml_min": flow}, findings, abnormal,
    )  # fmt: skip
