"""Clinical AI: assistant sessions (summaries, documentation...) and decision-support
recommendations derived from each patient's actual results.

Recommendations are rules a clinician would recognise (anaemia below the KDIGO target,
hyperkalaemia, low Kt/V, anticoagulation in atrial fibrillation, reduced LVEF...), fired from
the values the other domains generated, so the message, its evidence and its context agree.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from seed.cdss_rules import Finding, findings
from seed.context import Item, OrgContext, PatientInfo, Tick, local, new_id, pick, stamps, table

T_SESSION, T_CDSS = table("clinical_ai_sessions"), table("cdss_recommendations")
# model -> (EUR per million input tokens, per million output tokens, ms per output token)
MODELS = {"llama-3.1-8b-instruct": (0.15, 0.6, 22), "llama-3.3-70b-instruct": (0.6, 2.4, 55)}
TASKS = {
    "summary": ("Summarise the {module} chart of a {age}-year-old {sex} for the next visit.",
                "Stable course over the period; key results and open issues listed by problem."),
    "documentation": ("Draft the {module} consultation note from the structured findings.",
                      "Consultation note drafted: history, examination, assessment and plan."),
    "diagnostic": ("Suggest differential diagnoses for the findings of a {age}-year-old {sex}.",
                   "Differential ranked by likelihood with the tests that would separate them."),
    "transcription": ("Transcribe the dictated {module} letter.",
                      "Letter transcribed; 2 terms flagged for the author's review."),
    "report": ("Write the patient-friendly summary of the latest {module} results.",
               "Plain-language summary of the results and the next steps."),
    "analysis": ("Analyse the trend of the {module} measurements over the period.",
                 "Trend analysis: values stable overall, one parameter drifting from target."),
}  # fmt: skip
ROLE = {"dialyse": "nephrologist", "cardiology": "cardiologist",
        "ophthalmology": "ophthalmologist", "general": "physician"}  # fmt: skip


def generate(ctx: OrgContext) -> Iterator[Item]:
    rng = ctx.rng("clinical_ai")
    for p in ctx.patients:
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
            yield T_SESSION, _session(ctx, rng, p)
        for finding in findings(p):
            yield T_CDSS, _recommendation(ctx, rng, p, finding)
        yield Tick()
    for _ in range(1 + len(ctx.patients) // 50):  # staff use without a patient
        yield T_SESSION, _session(ctx, rng, None)


def _session(ctx: OrgContext, rng: random.Random, p: PatientInfo | None) -> dict[str, Any]:
    kind = pick(rng, {"documentation": 30, "summary": 30, "diagnostic": 15, "transcription": 10,
                      "report": 10, "analysis": 5})  # fmt: skip
    module = rng.choice(sorted(p.consults)) if p and p.consults else "general"
    visits = p.consults.get(module, []) if p else []
    if visits:
        _, day, user = rng.choice(visits)
        when = local(day, 9) + dt.timedelta(minutes=rng.randint(0, 480))
    else:
        user = ctx.pick_staff(rng, ROLE[module])
        when = ctx.now - dt.timedelta(
            minutes=rng.randint(60, (ctx.end - ctx.start).days * 1440 + 60)
        )
    model = pick(rng, {"llama-3.1-8b-instruct": 60, "llama-3.3-70b-instruct": 40})
    price_in, price_out, per_token = MODELS[model]
    tokens_in, tokens_out = rng.randint(400, 3500), rng.randint(120, 800)
    prompt, answer = TASKS[kind]
    sex = {"female": "woman", "male": "man"}.get(p.sex, "patient") if p else ""
    words = {"module": module.replace("dialyse", "nephrology"), "age": p.age if p else "",
             "sex": sex}  # fmt: skip
    cost = (tokens_in * price_in + tokens_out * price_out) / 1_000_000
    return {
        "id": new_id(rng), "organization_id": ctx.id, "patient_id": p.id if p else None,
        "user_id": user, "session_type": kind,
        "input": prompt.format(**words) if p else "Draft a template for a discharge letter.",
        "output": answer, "confidence": round(rng.uniform(0.62, 0.97), 2)
        if kind in ("diagnostic", "analysis") else None,
        "ai_model": model, "input_tokens": tokens_in, "output_tokens": tokens_out,
        "total_tokens": tokens_in + tokens_out,
        "latency_ms": 250 + tokens_out * per_token + rng.randint(0, 400),
        "estimated_cost": Decimal(f"{cost:.2f}"), **stamps(when, when),
    }  # fmt: skip


def _recommendation(
    ctx: OrgContext, rng: random.Random, p: PatientInfo, f: Finding
) -> dict[str, Any]:
    visit = p.consult_before(f.module, ctx.end)
    created = min(
        ctx.now - dt.timedelta(minutes=30), f.when + dt.timedelta(hours=rng.randint(1, 30))
    )
    age = ctx.now - created
    status = "active" if age.days < 3 else pick(
        rng, {"acknowledged": 45, "resolved": 25, "dismissed": 15, "active": 15})  # fmt: skip
    clinician = visit[2] if visit else ctx.pick_staff(rng, ROLE[f.module])
    handled = status != "active"
    seen = created + dt.timedelta(hours=rng.randint(1, min(48, max(1, age.days * 24 - 1))))
    resolved = status == "resolved"
    return {
        "id": new_id(rng), "organization_id": ctx.id, "patient_id": p.id,
        "consultation_id": visit[0] if visit else None, "module": f.module, "type": f.type,
        "severity": f.severity, "urgency_assessment": f.urgency,
        "urgency_rationale": f.rationale if f.urgency != "routine" else None,
        "message": f.message, "rationale": f.rationale, "evidence": [f.evidence],
        "suggested_codes": [{"system": "ICD-10", "code": f.code, "display": f.display}],
        "input_context": f.context,
        "primary_diagnosis": {"code": f.code, "display": f.display,
                              "confidence": round(rng.uniform(0.7, 0.97), 2)},
        "differential_diagnoses": [], "recommended_tests": f.tests,
        "recommended_imaging": [], "recommended_consults": [],
        "red_flags": [f.message] if f.severity == "critical" else [],
        "drug_interactions": [], "contraindicated_actions": [],
        "ai_model": "llama-3.3-70b-instruct", "ai_confidence": round(rng.uniform(0.7, 0.96), 2),
        "generation_time_ms": rng.randint(300, 2500), "status": status,
        "acknowledged_by": clinician if handled else None,
        "acknowledged_at": seen if handled else None,
        "dismissed_reason": "Already addressed at the last visit" if status == "dismissed"
        else None,
        "provider_decision": f.decision if status in ("acknowledged", "resolved") else None,
        "actual_diagnosis": f.display if resolved else None,
        "diagnosis_match_score": round(rng.uniform(0.8, 1.0), 2) if resolved else None,
        "outcome_recorded_at": seen + dt.timedelta(days=1) if resolved else None,
        "outcome_recorded_by": clinician if resolved else None,
        "expires_at": created + dt.timedelta(days=30),
        **stamps(created, min(ctx.now, seen + dt.timedelta(days=1)) if handled else created),
    }  # fmt: skip
