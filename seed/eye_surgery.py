"""One ophthalmic operation: cataract (phacoemulsification with the IOL chosen at biometry)
or glaucoma surgery, with its team, timings and visual outcome."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from seed.context import OrgContext, PatientInfo, Row, local, new_id, stamps, table

T_SURGERY = table("ophthalmology_surgeries")
# type -> (procedure, indication, ICD-10, CCAM billing codes, techniques)
DETAILS = {
    "phaco": ("Phacoemulsification with in-the-bag IOL",
              "Visually significant age-related cataract", ["H25.1"], ["BFGA004"],
              ["Clear corneal incision 2.2 mm", "Continuous curvilinear capsulorhexis",
               "Phaco chop", "Injection of a foldable IOL in the bag"]),
    "glaucoma_trab": ("Trabeculectomy with mitomycin C",
                      "Glaucoma uncontrolled on maximal therapy", ["H40.1"], ["BGFA006"],
                      ["Fornix-based conjunctival flap", "Mitomycin C 0.2 mg/mL"]),
    "migs": ("iStent inject W with phacoemulsification", "Mild to moderate open-angle glaucoma",
             ["H40.1"], ["BGFA011"], ["Trabecular micro-bypass stent implantation"]),
}  # fmt: skip


def surgery(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    eye: dict[str, Any],
    side: str,
    kind: str,
    surgeon: str,
    day: dt.date,
) -> Row:
    """The operation on `day`: completed when in the past, otherwise scheduled."""
    while day.isoweekday() > 5:
        day += dt.timedelta(days=1)
    subtype, indication, icd, billing, techniques = DETAILS[kind]
    planned = local(day, 8) + dt.timedelta(minutes=30 * rng.randint(0, 8))
    assistants = [u for u in ctx.staff["ophthalmologist"] if u != surgeon]
    phaco = kind == "phaco"
    row: dict[str, Any] = {
        "id": new_id(rng), "organization_id": ctx.id, "patient_id": p.id,
        "surgery_number": ctx.next_number("SURG"), "surgery_date": planned, "eye": side,
        "surgery_type": kind, "surgery_subtype": subtype, "status": "scheduled",
        "indication": indication, "diagnosis": icd, "surgeon": surgeon,
        "assistant_surgeon": assistants[0] if assistants and rng.random() < 0.3 else None,
        "anesthesiologist": ctx.pick_staff(rng, "anesthesiologist"),
        "scrub_nurse": ctx.pick_staff(rng, "nurse"),
        "anesthesia_type": rng.choice(("topical", "topical", "peribulbar")) if phaco
        else "peribulbar",
        "scheduled_start_time": planned, "pre_op_va": f"20/{eye['va']}",
        "pre_op_iop": float(eye["iop"]),
        "pre_op_exam": "Nuclear sclerosis grade 3, normal fundus" if phaco else "Cup-to-disc 0.8",
        "pre_op_medications": ["Tropicamide 0.5%", "Phenylephrine 10%", "Povidone-iodine 5%"],
        "iol_model": eye.get("iol") if phaco else None,
        "iol_power": eye.get("power") if phaco else None,
        "created_by": surgeon,
        **stamps(min(planned, ctx.now) - dt.timedelta(days=rng.randint(10, 30))),
    }  # fmt: skip
    if planned > ctx.now:
        return T_SURGERY, row
    began = planned + dt.timedelta(minutes=rng.randint(0, 40))
    minutes = rng.randint(12, 28) if phaco else rng.randint(35, 70)
    complicated = rng.random() < 0.03
    ended = began + dt.timedelta(minutes=minutes + 15 * complicated)
    weeks = (ctx.now - ended).days // 7
    final = 20 if not complicated and rng.random() < 0.7 else rng.choice((25, 30, 40))
    row.update(
        status="completed", actual_start_time=began, actual_end_time=ended,
        duration_minutes=round((ended - began).total_seconds() / 60),
        anesthesia_drugs=["Tetracaine 1% eye drops", "Intracameral lidocaine 1%"],
        procedure_details=subtype, techniques_used=techniques,
        implanted_devices=[{"type": "IOL", "model": eye.get("iol"), "power_d": eye.get("power")}]
        if phaco else [],
        consumables_used=["Cohesive OVD", "BSS 500 mL", "Intracameral cefuroxime 1 mg"],
        intra_op_findings="Posterior capsule rupture, anterior vitrectomy" if complicated
        else "Uneventful procedure",
        intra_op_complications=["Posterior capsule rupture"] if complicated else [],
        has_complications=complicated,
        surgery_outcome="complicated" if complicated else "successful",
        immediate_va=f"20/{rng.choice((30, 40, 50, 63))}", immediate_iop=float(rng.randint(12, 24)),
        post_op_medications=["Dexamethasone/tobramycin eye drops 4 times a day, 3 weeks",
                             "Ketorolac 0.5% eye drops 3 times a day, 4 weeks"],
        post_op_instructions="Eye shield at night for one week; no rubbing; review on day 1",
        first_follow_up_date=local(day + dt.timedelta(days=1), 9),
        final_va=f"20/{final}" if weeks >= 4 else None,
        final_iop=float(rng.randint(11, 18)) if weeks >= 4 else None,
        final_outcome=("excellent" if final == 20 else "good" if final <= 30 else "fair")
        if weeks >= 4 else None,
        billing_codes=billing, operative_report_url=ctx.url("surgery", f"{row['id']}.pdf"),
        consent_form_url=ctx.url("consent", f"{row['id']}.pdf"),
        updated_at=ended + dt.timedelta(hours=1),
    )  # fmt: skip
    if weeks >= 4:
        eye["final_va"] = final
    if phaco:
        ctx.count("OPH-CAT-01", day, not complicated)
    return T_SURGERY, row
