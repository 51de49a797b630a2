"""Decision-support rules over a patient's generated facts: what fires, and what it says."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from seed.context import PatientInfo, local


@dataclass
class Finding:
    """One recommendation, as a rule produced it."""

    module: str
    type: str
    severity: str
    urgency: str
    message: str
    rationale: str
    evidence: str
    code: str
    display: str
    decision: str
    when: dt.datetime
    context: dict[str, Any] = field(default_factory=dict)
    tests: list[dict[str, str]] = field(default_factory=list)


def findings(p: PatientInfo) -> Iterator[Finding]:
    """Every rule that fires for `p` on its latest results."""
    lab = p.facts.get("lab")
    last = {m: visits[-1][1] for m, visits in p.consults.items() if visits}
    if lab is not None:
        when = local(last.get("dialyse", p.first_day), 12)
        context = {"lab_results": lab, "medical_history": sorted(p.conditions)}
        yield from _dialysis(lab, p.facts.get("ktv"), when, context)
    if "cardiology" in last:
        yield from _cardiology(p, local(last["cardiology"], 12))
    iop = p.facts.get("iop")
    if iop is not None and iop > 21 and "ophthalmology" in last:
        yield Finding("ophthalmology", "alert", "warning", "soon",
                      f"Intraocular pressure {iop} mmHg above the 21 mmHg threshold.",
                      "Raised IOP is the main modifiable risk factor for glaucoma progression.",
                      "EGS Terminology and Guidelines for Glaucoma, 5th edition (2020)",
                      "H40.1", "Primary open-angle glaucoma", "Treatment intensified",
                      local(last["ophthalmology"], 12),
                      {"vital_signs": {"iop_mmhg": iop}})  # fmt: skip
    chronic = p.conditions & {"esrd", "diabetes", "heart_failure", "copd"}
    if last and ("esrd" in p.conditions or (chronic and p.age >= 65)):
        module, day = max(last.items(), key=lambda item: item[1])
        yield Finding(module, "screening", "info", "routine",
                      "Pneumococcal vaccination not documented for a patient at high risk.",
                      "Chronic kidney, heart or lung disease and diabetes raise the risk of "
                      "invasive pneumococcal disease.",
                      "Calendrier des vaccinations et recommandations vaccinales 2024 (France)",
                      "Z23.8", "Need for immunization against a bacterial disease",
                      "Vaccination prescribed", local(day, 12),
                      {"medical_history": sorted(chronic)})  # fmt: skip
    if "diabetes" in p.conditions and "ophthalmology" not in p.programs and "general" in last:
        yield Finding("general", "screening", "info", "routine",
                      "Diabetic retinal screening due: no eye examination on record.",
                      "Annual retinal screening detects sight-threatening retinopathy early.",
                      "HAS 2010: dépistage de la rétinopathie diabétique par lecture différée",
                      "Z13.5", "Screening for eye disorders", "Referral to ophthalmology",
                      local(last["general"], 12),
                      {"medical_history": sorted(p.conditions)})  # fmt: skip


def _dialysis(
    lab: dict[str, float], ktv: float | None, when: dt.datetime, context: dict[str, Any]
) -> Iterator[Finding]:
    hb, k, phos = lab["hemoglobin"], lab["potassium"], lab["phosphorus"]
    if hb < 10:
        yield Finding("dialyse", "medication", "warning", "soon",
                      f"Haemoglobin {hb} g/dL below the 10-12 g/dL target: review ESA dose and "
                      f"iron status (ferritin {lab['ferritin']:.0f} ng/mL, TSAT "
                      f"{lab['transferrin_saturation']}%).",
                      "Anaemia below target increases transfusion needs and cardiovascular risk.",
                      "KDIGO 2012 Clinical Practice Guideline for Anemia in CKD",
                      "D63.1", "Anaemia in chronic kidney disease", "ESA dose increased",
                      when, context, [{"test": "Reticulocytes, B12, folate", "rationale":
                                       "Exclude other causes of anaemia"}])  # fmt: skip
    if k > 5.5:
        critical = k >= 6.0
        yield Finding("dialyse", "alert", "critical" if critical else "warning",
                      "urgent" if critical else "soon",
                      f"Pre-dialysis potassium {k} mmol/L: review diet, dialysate potassium and "
                      "potassium-raising drugs.",
                      "Pre-dialysis hyperkalaemia is associated with arrhythmia and sudden death.",
                      "KDIGO 2020 Controversies Conference on potassium in CKD",
                      "E87.5", "Hyperkalaemia", "Dietary review, 2 mmol/L potassium bath",
                      when, context,
                      [{"test": "ECG", "rationale": "Look for hyperkalaemic changes"}])  # fmt: skip
    if phos > 1.78:
        yield Finding("dialyse", "medication", "info", "routine",
                      f"Phosphate {phos} mmol/L above the target range: reinforce dietary advice "
                      "and review the phosphate binder.",
                      "Persistent hyperphosphataemia drives vascular calcification.",
                      "KDIGO 2017 CKD-MBD Guideline Update", "E83.3",
                      "Disorder of phosphorus metabolism", "Binder dose adjusted",
                      when, context)  # fmt: skip
    if ktv is not None and ktv < 1.2:
        yield Finding("dialyse", "diagnostic", "warning", "soon",
                      f"Delivered Kt/V {ktv} below 1.2: check access recirculation, blood flow "
                      "and effective session time.",
                      "Inadequate dialysis dose is associated with higher mortality.",
                      "KDOQI Clinical Practice Guideline for Hemodialysis Adequacy: 2015 Update",
                      "N18.6", "End-stage renal disease", "Session time increased by 30 min",
                      when, context)  # fmt: skip


def _cardiology(p: PatientInfo, when: dt.datetime) -> Iterator[Finding]:
    score, lvef = p.facts.get("cha2ds2"), p.facts.get("lvef")
    if p.facts.get("afib") and score is not None and score >= (3 if p.sex == "female" else 2):
        yield Finding("cardiology", "medication", "warning", "soon",
                      f"Atrial fibrillation with CHA2DS2-VASc {score}: oral anticoagulation is "
                      "recommended unless contraindicated; check current therapy.",
                      "Anticoagulation reduces the risk of ischaemic stroke in AF.",
                      "2020 ESC Guidelines for the management of atrial fibrillation",
                      "I48.9", "Atrial fibrillation", "Anticoagulation confirmed",
                      when, {"medical_history": ["atrial fibrillation"], "risk_scores":
                             {"cha2ds2_vasc": score}})  # fmt: skip
    if lvef is not None and lvef <= 40:
        yield Finding("cardiology", "medication", "warning", "soon",
                      f"LVEF {lvef}%: heart failure with reduced ejection fraction; ensure "
                      "ARNI/ACE inhibitor, beta-blocker, MRA and SGLT2 inhibitor at target doses.",
                      "Quadruple therapy reduces mortality and hospitalisation in HFrEF.",
                      "2021 ESC Guidelines for heart failure", "I50.1",
                      "Left ventricular failure", "Therapy titration planned",
                      when, {"imaging_findings": [f"LVEF {lvef}%"]})  # fmt: skip
    risk = p.facts.get("framingham")
    if risk is not None and risk >= 20 and "vascular" not in p.conditions:
        yield Finding("cardiology", "screening", "info", "routine",
                      f"10-year cardiovascular risk {risk}% (Framingham): intensify risk-factor "
                      "control and consider statin therapy.",
                      "High estimated risk warrants primary prevention.",
                      "2021 ESC Guidelines on cardiovascular disease prevention", "Z13.6",
                      "Screening for cardiovascular disorders", "Statin started",
                      when, {"risk_scores": {"framingham": risk}})  # fmt: skip
