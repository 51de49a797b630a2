"""Population health: cohorts built from the generated patients, and quality indicators whose
monthly measurements are counted from the generated records (sessions, labs, alerts...).

Every measurement has numerator <= denominator and value = numerator / denominator (a
proportion between 0 and 1, like its target); each indicator carries its latest measurement.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Iterator
from typing import Any

from seed.context import Item, OrgContext, PatientInfo, Tick, local, new_id, stamps, table

T_COHORT, T_MEMBER = table("population_cohorts"), table("population_cohort_members")
T_INDICATOR, T_MEASUREMENT = table("quality_indicators"), table("quality_measurements")
# code -> (name, module, cohort type, rule as text, who is in it)
COHORTS: dict[str, tuple[str, str, str, str, Callable[[PatientInfo], bool]]] = {
    "HD": (
        "Patients on dialysis",
        "dialyse",
        "treatment_based",
        "dialyse_patients.patient_status = active",
        lambda p: "dialyse" in p.programs,
    ),
    "HFREF": (
        "Heart failure with reduced ejection fraction",
        "cardiology",
        "disease_based",
        "cardiology_patients.ejection_fraction <= 40",
        lambda p: (p.facts.get("lvef") or 99) <= 40,
    ),
    "AF-RISK": (
        "Atrial fibrillation with high stroke risk",
        "cardiology",
        "risk_based",
        "atrial fibrillation and CHA2DS2-VASc >= 2",
        lambda p: p.facts.get("afib", False) and p.facts.get("cha2ds2", 0) >= 2,
    ),
    "DR-SCREEN": (
        "Diabetic patients due for retinal screening",
        "ophthalmology",
        "care_gap",
        "diabetes and no ophthalmology follow-up",
        lambda p: "diabetes" in p.conditions and "ophthalmology" not in p.programs,
    ),
    "AGE75": (
        "Patients aged 75 and over",
        "all",
        "demographic",
        "age >= 75",
        lambda p: p.age >= 75,
    ),
}
# code -> (name, type, module, category, numerator, denominator, target); all "higher is better"
INDICATORS: dict[str, tuple[str, str, str, str, str, str, float]] = {
    "DIA-KTV-01": (
        "Haemodialysis sessions with Kt/V >= 1.2",
        "process",
        "dialyse",
        "Dialysis adequacy",
        "Completed sessions with delivered Kt/V >= 1.2",
        "Completed sessions",
        0.85,
    ),
    "DIA-HB-01": (
        "Dialysis patients with haemoglobin 10-12 g/dL",
        "outcome",
        "dialyse",
        "Anaemia",
        "Monthly labs with haemoglobin 10-12 g/dL",
        "Monthly labs",
        0.6,
    ),
    "DIA-FAV-01": (
        "Haemodialysis patients dialysed on an AV fistula",
        "process",
        "dialyse",
        "Vascular access",
        "Patients with an arteriovenous fistula",
        "Haemodialysis patients",
        0.65,
    ),
    "CAR-ECHO-01": (
        "Heart-failure patients with an echocardiogram within 12 months",
        "process",
        "cardiology",
        "Heart failure",
        "Patients with an echocardiogram in the last 12 months",
        "Heart-failure patients",
        0.9,
    ),
    "OPH-CAT-01": (
        "Cataract surgeries without intra-operative complication",
        "safety",
        "ophthalmology",
        "Surgical safety",
        "Uncomplicated phacoemulsifications",
        "Phacoemulsifications",
        0.97,
    ),
    "RPM-ALR-01": (
        "RPM alerts acknowledged within 24 hours",
        "process",
        "general",
        "Remote monitoring",
        "Alerts acknowledged within 24 h",
        "Alerts raised at least 24 h ago",
        0.9,
    ),
    "RPM-ADH-01": (
        "RPM patients transmitting on 16 days or more",
        "process",
        "general",
        "Remote monitoring",
        "Patients with readings on >= 16 days",
        "Patients monitored the whole month",
        0.8,
    ),
}


def generate(ctx: OrgContext) -> Iterator[Item]:
    rng = ctx.rng("population_health")
    created = local(ctx.start, 9) - dt.timedelta(days=400)
    for code, (name, module, kind, rule, member) in COHORTS.items():
        yield from _cohort(ctx, rng, code, name, module, kind, rule, member, created)
    for code, spec in INDICATORS.items():
        yield from _indicator(ctx, rng, code, spec, created)
    yield Tick(len(ctx.patients))


def _cohort(
    ctx: OrgContext, rng: random.Random, code: str, name: str, module: str, kind: str, rule: str,
    member: Callable[[PatientInfo], bool], created: dt.datetime,
) -> Iterator[Item]:  # fmt: skip
    cohort, members = new_id(rng), [p for p in ctx.patients if member(p)]
    active = [p for p in members if "dialysis_end" not in p.facts or code != "HD"]
    refreshed = local(ctx.end, 2)
    sexes = {s: sum(p.sex == s for p in active) for s in ("female", "male", "unknown")}
    risks = [p.facts["framingham"] for p in active if "framingham" in p.facts]
    yield T_COHORT, {
        "id": cohort, "organization_id": ctx.id, "name": name, "cohort_code": code,
        "description": f"{name} ({rule}).", "cohort_type": kind, "associated_module": module,
        "criteria": {"rule": rule}, "query_definition": rule, "patient_count": len(active),
        "last_patient_count_update": refreshed,
        "avg_risk_score": round(sum(risks) / len(risks), 1) if risks else None,
        "avg_age": round(sum(p.age for p in active) / len(active), 1) if active else None,
        "gender_distribution": sexes, "is_auto_refresh": True, "refresh_frequency": "daily",
        "last_refresh": refreshed, "next_scheduled_refresh": refreshed + dt.timedelta(days=1),
        "is_active": True, "is_public": True, "created_by": ctx.staff["admin"][0],
        **stamps(created, refreshed),
    }  # fmt: skip
    for p in members:
        added = max(p.registered, created) + dt.timedelta(hours=rng.randint(1, 48))
        left = p.facts.get("dialysis_end") if code == "HD" else None
        yield T_MEMBER, {
            "id": new_id(rng), "organization_id": ctx.id, "cohort_id": cohort, "patient_id": p.id,
            "added_at": added, "added_by": "system", "is_active": left is None,
            "removed_at": local(left, 2) if left else None,
            "removal_reason": "No longer on dialysis" if left else None,
            "inclusion_data": {"age": p.age}, **stamps(added, local(left, 2) if left else added),
        }  # fmt: skip


def _indicator(
    ctx: OrgContext, rng: random.Random, code: str, spec: tuple[Any, ...], created: dt.datetime
) -> Iterator[Item]:
    name, kind, module, category, numerator, denominator, target = spec
    ident = new_id(rng)
    months = sorted(ctx.quality.get(code, {}).items())
    rows, previous = [], None
    for label, (hits, total) in months:
        if total == 0:
            continue
        rows.append(_measurement(ctx, rng, ident, code, label, hits, total, target, previous))
        previous = rows[-1]
    latest = rows[-1] if rows else None
    yield T_INDICATOR, {
        "id": ident, "organization_id": ctx.id, "code": code, "name": name,
        "short_name": code, "description": f"{numerator} / {denominator}.",
        "indicator_type": kind, "source": "internal", "associated_module": module,
        "category": category, "measure_type": "proportion", "numerator_description": numerator,
        "denominator_description": denominator, "target": target, "target_operator": "gte",
        "target_type": "absolute", "current_value": latest["value"] if latest else None,
        "numerator": latest["numerator"] if latest else None,
        "denominator": latest["denominator"] if latest else None, "display_format": "percent",
        "decimal_places": 1, "is_scale_inverted": False, "measurement_period": "monthly",
        "is_active": True, "is_mandatory": code.startswith("DIA"), "effective_date": created,
        "created_by": ctx.staff["admin"][0],
        **stamps(created, latest["calculated_at"] if latest else created),
    }  # fmt: skip
    for row in rows:
        yield T_MEASUREMENT, row


def _measurement(
    ctx: OrgContext, rng: random.Random, indicator: str, code: str, label: str, hits: int,
    total: int, target: float, previous: dict[str, Any] | None,
) -> dict[str, Any]:  # fmt: skip
    year, month = map(int, label.split("-"))
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    complete = last <= ctx.end and last < ctx.end + dt.timedelta(days=1)
    calculated = min(ctx.now, local(last + dt.timedelta(days=1), 3))
    value = round(hits / total, 4)
    before = previous["value"] if previous else None
    change = round(100 * (value - before) / before, 1) if before else None
    trend = "new" if before is None else "stable" if abs(value - before) < 0.02 else (
        "improving" if value > before else "worsening")  # fmt: skip
    final = complete and ctx.now - calculated > dt.timedelta(days=5)
    return {
        "id": new_id(rng), "organization_id": ctx.id, "indicator_id": indicator,
        "measurement_period": label, "period_start": local(first),
        "period_end": local(last, 23, 59, 59), "numerator": hits, "denominator": total,
        "excluded_count": 0, "value": value, "confidence_interval": _wilson(hits, total),
        "is_target_met": value >= target, "gap_to_target": round(value - target, 4),
        "target_value": target, "previous_value": before,
        "previous_period": previous["measurement_period"] if previous else None,
        "trend": trend, "change_percent": change, "calculated_at": calculated,
        "calculation_method": f"{code}: count of numerator cases / count of denominator cases",
        "data_source_version": "perfex-graph seed",
        "data_quality_score": round(rng.uniform(92, 100), 1),
        "is_validated": final, "validated_by": ctx.staff["admin"][0] if final else None,
        "validated_at": calculated + dt.timedelta(days=3) if final else None,
        "status": "final" if final else "preliminary",
        **stamps(calculated, calculated + dt.timedelta(days=3) if final else calculated),
    }  # fmt: skip


def _wilson(hits: int, total: int, z: float = 1.96) -> dict[str, float]:
    """95% Wilson score interval of a proportion."""
    p = hits / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return {"lower": round(max(0.0, centre - half), 4), "upper": round(min(1.0, centre + half), 4)}
