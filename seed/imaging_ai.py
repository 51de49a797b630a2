"""Imaging AI: analyses of the ECGs, echocardiograms and OCT scans generated earlier, their
physician review and signature, and the reports produced from them.

An analysis points to its source exam through `examination_type` (the table's name) and
`examination_id`; its findings are the findings of that exam, so AI and exam agree.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from seed.context import Item, OrgContext, PatientInfo, Tick, new_id, pick, stamps, table

T_ANALYSIS, T_REPORT = table("imaging_analyses"), table("imaging_reports")
# kind -> (image type, subtype, module, model, equipment, format, size range MB, share analysed)
KINDS: dict[str, tuple[str, str, str, str, str, str, tuple[float, float], float]] = {
    "ecg": ("ecg", "12_lead", "cardiology", "custom-ecg-v2", "GE MAC 5500 HD", "PDF",
            (0.1, 0.4), 0.4),
    "echo": ("echocardiogram", "apical_4_chamber", "cardiology", "echo-lvef-net",
             "Philips EPIQ CVx", "DICOM", (15, 90), 0.6),
    "oct": ("oct", "macular_cube", "ophthalmology", "oct-retina-seg",
            "Heidelberg Spectralis OCT", "DICOM", (4, 30), 0.85),
}  # fmt: skip
TECHNIQUE = {"ecg": "Resting 12-lead ECG, 25 mm/s, 10 mm/mV",
             "echo": "Transthoracic echocardiography, standard views",
             "oct": "Spectral-domain OCT, 49-line macular volume scan"}  # fmt: skip


def generate(ctx: OrgContext) -> Iterator[Item]:
    rng = ctx.rng("imaging_ai")
    for p in ctx.patients:
        previous: dict[str, str] = {}
        for entry in p.imaging:
            old = ctx.now - entry["when"] > dt.timedelta(days=1)
            forced = old and ctx.once("imaging_report")
            if rng.random() > KINDS[entry["kind"]][7] and not forced:
                continue
            row = _analysis(ctx, rng, p, entry, previous.get(entry["kind"]), forced)
            previous[entry["kind"]] = row["id"]
            yield T_ANALYSIS, row
            if row["review_status"] in ("reviewed", "signed"):
                yield T_REPORT, _report(ctx, rng, p, entry, row)
        yield Tick()


def _analysis(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    entry: dict[str, Any],
    compared: str | None,
    forced: bool,
) -> dict[str, Any]:
    image, subtype, module, model, equipment, fmt, size, _ = KINDS[entry["kind"]]
    ident, when, abnormal = new_id(rng), entry["when"], entry["abnormal"]
    started = when + dt.timedelta(minutes=rng.randint(2, 30))
    completed = started + dt.timedelta(seconds=rng.randint(5, 240))
    status = "completed" if completed <= ctx.now else "processing"
    failed = status == "completed" and rng.random() < 0.02 and not forced
    critical = any("rapid" in a or "LVEF 2" in a for a in abnormal)
    age = (ctx.now - when).days
    review = "pending" if age < 1 or failed else pick(
        rng, {"signed": 50, "reviewed": 30, "in_review": 10, "pending": 10})  # fmt: skip
    review = "signed" if forced else review
    reviewed = review in ("reviewed", "signed")
    seen = min(ctx.now, completed + dt.timedelta(hours=rng.randint(1, 36)))
    signed = review == "signed"
    summary = entry["summary"]
    row = {
        "id": ident, "organization_id": ctx.id, "patient_id": p.id,
        "examination_id": entry["id"], "examination_type": entry["table"], "image_type": image,
        "image_subtype": subtype, "image_url": ctx.url("imaging", f"{ident}.{fmt.lower()}"),
        "thumbnail_url": ctx.url("imaging", f"{ident}-thumb.jpg"),
        "original_file_name": f"{entry['kind'].upper()}_{when:%Y%m%d_%H%M%S}.{fmt.lower()}",
        "file_format": fmt, "file_size_bytes": int(rng.uniform(*size) * 1_000_000),
        "acquisition_date": when, "equipment": equipment, "manufacturer": equipment.split()[0],
        "protocol_used": TECHNIQUE[entry["kind"]],
        "technician_id": ctx.pick_staff(rng, "technician"), "source_module": module,
        "ai_model": model, "ai_model_version": f"{rng.randint(1, 3)}.{rng.randint(0, 9)}",
        "analysis_status": "failed" if failed else status, "analysis_started_at": started,
        "analysis_completed_at": completed if status == "completed" else None,
        "analysis_error": "Image quality insufficient: motion artefact" if failed else None,
        "ai_findings": None if failed else {"findings": abnormal, "quality": "good"},
        "ai_measurements": {"lvef_percent": entry["lvef"]} if "lvef" in entry else None,
        "ai_diagnosis": None if failed else [
            {"label": a, "probability": round(rng.uniform(0.7, 0.98), 2)} for a in abnormal],
        "ai_confidence": None if failed else round(rng.uniform(0.75, 0.98), 2),
        "ai_summary": None if failed else summary,
        "has_abnormality": bool(abnormal) and not failed,
        "abnormality_count": 0 if failed else len(abnormal),
        "has_critical_finding": critical and not failed,
        "is_urgent_review_required": critical and not failed,
        "urgency_level": "urgent" if critical else "routine", "review_status": review,
        "reviewed_by": entry["reader"] if reviewed else None,
        "reviewed_at": seen if reviewed else None,
        "reviewer_agreement": pick(rng, {"agree": 80, "partially_agree": 15, "disagree": 5})
        if reviewed else None,
        "physician_findings": summary if reviewed else None,
        "compared_to_id": compared,
        "progression_status": (rng.choice(("stable", "stable", "improved", "worsened"))
                               if compared else "not_applicable") if reviewed else None,
        "signed_by": entry["reader"] if signed else None, "signed_at": seen if signed else None,
        "digital_signature": f"{rng.getrandbits(256):064x}" if signed else None,
        "is_report_generated": reviewed,
        "report_url": ctx.url("imaging", f"{ident}-report.pdf") if reviewed else None,
        "created_by": entry["reader"], **stamps(when, seen if reviewed else completed),
    }  # fmt: skip
    return row


def _report(
    ctx: OrgContext,
    rng: random.Random,
    p: PatientInfo,
    entry: dict[str, Any],
    analysis: dict[str, Any],
) -> dict[str, Any]:
    signed, reader = analysis["review_status"] == "signed", entry["reader"]
    at = analysis["reviewed_at"]
    critical = analysis["has_critical_finding"]
    impression = "; ".join(entry["abnormal"]) or "No significant abnormality"
    kind = {"ecg": "ECG", "echo": "Echocardiography", "oct": "OCT"}[entry["kind"]]
    return {
        "id": new_id(rng), "organization_id": ctx.id, "imaging_analysis_id": analysis["id"],
        "report_number": ctx.next_number("IR"), "report_type": "final" if signed else "preliminary",
        "title": f"{kind} report (AI-assisted)",
        "clinical_history": ", ".join(sorted(p.conditions)).replace("_", " ") or None,
        "indication": "Follow-up", "technique": TECHNIQUE[entry["kind"]],
        "comparison": "Compared with the previous study" if analysis["compared_to_id"] else "None",
        "findings": entry["summary"], "measurements": analysis["ai_measurements"],
        "impression": impression,
        "recommendations": "Clinical correlation" if entry["abnormal"] else None,
        "generated_by": "hybrid", "is_ai_generated": True,
        "ai_confidence": analysis["ai_confidence"],
        "status": "signed" if signed else "reviewed", "reviewed_by": reader, "reviewed_at": at,
        "modifications": {"edited_sections": ["impression"]} if rng.random() < 0.3 else None,
        "signed_by": reader if signed else None, "signed_at": at if signed else None,
        "signature_method": "electronic" if signed else None,
        "report_url": ctx.url("reports", f"{analysis['id']}.html"),
        "pdf_url": ctx.url("reports", f"{analysis['id']}.pdf"), "format": "pdf",
        "has_critical_result": critical,
        "is_critical_result_communicated": True if critical else None,
        "critical_result_communicated_to": "Referring physician, by telephone" if critical
        else None,
        "critical_result_communicated_at": at if critical else None,
        "created_by": reader, **stamps(at),
    }  # fmt: skip
