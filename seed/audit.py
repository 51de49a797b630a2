"""A few audit events per organization: staff logins (at each user's last login), chart reads,
record updates, an export, failed logins and a denied access, as the API would log them."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from seed.context import Item, OrgContext, Tick, new_id, pick, stamps, table

T_EVENT = table("audit_events")
AGENTS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15")  # fmt: skip
ENTITIES = {"dialyse_sessions": "DialysisSessions", "cardiology_ecgs": "PatientEcgs",
            "healthcare_consultations": "PatientConsultations",
            "rpm_alerts": "OpenRpmAlerts"}  # fmt: skip


def generate(ctx: OrgContext) -> Iterator[Item]:
    rng = ctx.rng("audit")
    for user, at in ctx.last_login.items():
        yield _event(ctx, rng, user, "login", "users", user, at, operation="Login")
        if rng.random() < 0.1:
            failed = at - dt.timedelta(minutes=rng.randint(1, 5))
            yield _event(ctx, rng, user, "login_failed", "users", user, failed, outcome="error",
                         operation="Login", error="Invalid credentials")  # fmt: skip
    clinicians = [
        u for role in ("nephrologist", "cardiologist", "physician") for u in ctx.staff[role]
    ]
    span = int(
        (
            ctx.now - max(ctx.now - dt.timedelta(days=30), min(ctx.last_login.values()))
        ).total_seconds()
    )
    for p in ctx.patients[: max(3, len(ctx.patients) // 4)]:
        user, at = rng.choice(clinicians), ctx.now - dt.timedelta(seconds=rng.randint(60, span))
        yield _event(ctx, rng, user, "read", "healthcare_patients", p.id, at, patient=p.id,
                     operation="PatientChart")  # fmt: skip
        entity = pick(rng, {"dialyse_sessions": 3, "healthcare_consultations": 2,
                            "cardiology_ecgs": 1, "rpm_alerts": 1})  # fmt: skip
        yield _event(ctx, rng, user, "read", entity, None, at + dt.timedelta(seconds=20),
                     patient=p.id, operation=ENTITIES[entity])  # fmt: skip
        yield Tick()
    if ctx.patients:
        p = ctx.patients[0]
        desk, admin = ctx.staff["front_desk"][0], ctx.staff["admin"][0]
        at = ctx.now - dt.timedelta(hours=rng.randint(2, 48))
        yield _event(ctx, rng, desk, "access_denied", "healthcare_consultations", None, at,
                     patient=p.id, outcome="denied", operation="PatientConsultations",
                     error="Role front desk may not read clinical notes")  # fmt: skip
        yield _event(
            ctx, rng, admin, "export", "quality_measurements", None, at, operation="QualityReport"
        )
        changes = {"before": {"phone": None}, "after": {"phone": "(changed)"}}
        yield _event(ctx, rng, admin, "update", "healthcare_patients", p.id, at, patient=p.id,
                     operation="UpdatePatient", changes=changes)  # fmt: skip


def _event(
    ctx: OrgContext, rng: random.Random, user: str | None, action: str, entity: str,
    entity_id: str | None, at: dt.datetime, *, patient: str | None = None, outcome: str = "success",
    operation: str | None = None, error: str | None = None, changes: dict | None = None,
) -> Item:  # fmt: skip
    return T_EVENT, {
        "id": new_id(rng), "organization_id": ctx.id, "user_id": user, "patient_id": patient,
        "action": action, "entity_type": entity, "entity_id": entity_id,
        "operation_name": operation, "request_id": new_id(rng),
        "ip_address": f"10.{ctx.index % 250}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "user_agent": rng.choice(AGENTS), "outcome": outcome, "error_message": error,
        "changes": changes, "metadata": {"client": "web", "api": "graphql"},
        "occurred_at": at.replace(microsecond=0), **stamps(at),
    }  # fmt: skip
