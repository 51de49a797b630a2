"""Patient portal: accounts (argon2id hashes from the run's pool), secure-message threads with
the care team, and appointment requests handled by the front desk.

Thread counters (unread by patient/provider, last message) are computed from the messages
actually generated, and an approved request points to the appointment that was booked.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from seed.context import Item, OrgContext, PatientInfo, Tick, new_id, pick, stamps, table

T_ACCOUNT, T_THREAD = table("portal_accounts"), table("portal_message_threads")
T_MESSAGE, T_REQUEST = table("portal_messages"), table("portal_appointments")
ROLE = {"dialyse": "nephrologist", "cardiology": "cardiologist",
        "ophthalmology": "ophthalmologist", "general": "physician"}  # fmt: skip
TOPICS = {
    "medical_question": ("Question about my treatment",
                         "Hello, should I keep taking my evening tablet on dialysis days?",
                         "Yes, keep it, but take it after the session. We will review it at "
                         "your next visit."),
    "prescription": ("Prescription renewal",
                     "Could you renew my prescription? I have one week of tablets left.",
                     "Your renewed prescription is available in your documents."),
    "lab_results": ("My latest blood test",
                    "I saw my results online, is the potassium value worrying?",
                    "It is slightly high; please limit fruit and chocolate this week. We will "
                    "recheck it."),
    "appointment": ("Changing my appointment",
                    "I cannot come next Tuesday, is another day possible?",
                    "We have moved you to Thursday at the same time; see the confirmation."),
    "technical": ("Cannot open a document", "The PDF of my report does not open on my phone.",
                  "The file was re-sent; it should now open in the app."),
}  # fmt: skip


def generate(ctx: OrgContext) -> Iterator[Item]:
    rng = ctx.rng("patient_portal")
    for p in ctx.patients:
        if "portal" in p.programs:
            account = _account(ctx, rng, p)
            yield T_ACCOUNT, account
            opened = account["created_at"]
            threads = int(pick(rng, {"0": 55, "1": 30, "2": 12, "3": 3}))
            for _ in range(max(threads, ctx.once("portal_thread"))):
                yield from _thread(ctx, rng, p, account["id"], opened)
            if rng.random() < 0.35 or ctx.once("portal_request"):
                yield T_REQUEST, _request(ctx, rng, p, account["id"], opened)
        yield Tick()


def _account(ctx: OrgContext, rng: random.Random, p: PatientInfo) -> dict[str, Any]:
    created = p.registered + dt.timedelta(days=rng.randint(0, 60))
    created = min(created, ctx.now - dt.timedelta(days=1))
    status = pick(rng, {"active": 85, "pending_verification": 9, "suspended": 2, "locked": 2,
                        "deactivated": 2})  # fmt: skip
    verified = status != "pending_verification"
    login = ctx.now - dt.timedelta(minutes=rng.randint(30, 60 * 24 * 60)) if verified else None
    login = max(login, created) if login else None
    two_factor = verified and rng.random() < 0.2
    return {
        "id": new_id(rng), "organization_id": ctx.id, "patient_id": p.id, "email": p.email,
        "password_hash": rng.choice(ctx.hashes), "phone": f"06 39 98 {rng.randint(0, 99):02d} "
        f"{rng.randint(0, 99):02d}", "is_verified": verified,
        "email_verified_at": created + dt.timedelta(minutes=rng.randint(2, 600)) if verified
        else None,
        "is_phone_verified": verified and rng.random() < 0.6,
        "is_two_factor_enabled": two_factor,
        "two_factor_secret": f"{rng.getrandbits(160):040X}" if two_factor else None,
        "two_factor_method": rng.choice(("app", "sms", "email")) if two_factor else None,
        "backup_codes": [f"{rng.getrandbits(64):016x}" for _ in range(8)] if two_factor else None,
        "last_login": login, "last_login_ip": f"192.0.2.{rng.randint(1, 254)}" if login else None,
        "last_login_user_agent": rng.choice(("Perfex Santé iOS 3.2", "Perfex Santé Android 3.2",
                                             "Mozilla/5.0 (Windows NT 10.0) Firefox/128.0"))
        if login else None,
        "failed_login_attempts": 5 if status == "locked" else rng.choice((0, 0, 0, 1)),
        "locked_until": ctx.now + dt.timedelta(minutes=30) if status == "locked" else None,
        "language": "fr" if rng.random() < 0.9 else "en", "timezone": "Europe/Paris",
        "notification_preferences": {"email": True, "sms": rng.random() < 0.5, "push": True},
        "accessibility_settings": {"large_text": p.age > 75},
        "terms_accepted_at": created, "terms_version": "2024-01", "privacy_accepted_at": created,
        "privacy_version": "2024-01", "status": status,
        "deactivated_at": ctx.now - dt.timedelta(days=3) if status == "deactivated" else None,
        "deactivation_reason": "Requested by the patient" if status == "deactivated" else None,
        **stamps(created, login),
    }  # fmt: skip


def _thread(
    ctx: OrgContext, rng: random.Random, p: PatientInfo, account: str, opened: dt.datetime
) -> Iterator[Item]:
    category = rng.choice(tuple(TOPICS))
    subject, question, answer = TOPICS[category]
    module = rng.choice(sorted(p.programs & set(ROLE)))
    staff = ctx.pick_staff(rng, ROLE[module], "nurse") if category != "technical" else \
        ctx.pick_staff(rng, "front_desk")  # fmt: skip
    span = max(1, int((ctx.now - max(opened, ctx.now - dt.timedelta(days=180))).total_seconds()))
    sent = ctx.now - dt.timedelta(seconds=rng.randint(0, span))
    thread = new_id(rng)
    messages: list[dict[str, Any]] = []
    unread = {"patient": 0, "provider": 0}
    for n in range(rng.randint(1, 5)):
        from_patient = n % 2 == 0
        if sent > ctx.now:
            break
        reply = sent + dt.timedelta(minutes=rng.randint(20, 2880))
        read = reply if reply <= ctx.now and rng.random() < 0.9 else None
        reader = "provider" if from_patient else "patient"
        unread[reader] += read is None
        messages.append({
            "id": new_id(rng), "organization_id": ctx.id, "thread_id": thread,
            "sender_id": account if from_patient else staff,
            "recipient_id": staff if from_patient else account,
            "subject": subject if n == 0 else None,
            "body": question if from_patient else answer, "body_format": "plain",
            "is_read": read is not None,
            "is_read_by_patient": not from_patient and read is not None,
            "read_by_patient_at": read if not from_patient else None,
            "is_read_by_provider": from_patient and read is not None,
            "read_by_provider_at": read if from_patient else None,
            "sent_at": sent, **stamps(sent, read),
        })  # fmt: skip
        sent = reply
    last = messages[-1]
    waiting = "awaiting_provider" if last["sender_id"] == account else "awaiting_patient"
    old = ctx.now - last["sent_at"] > dt.timedelta(days=10)
    status = rng.choice(("resolved", "closed")) if old else waiting
    yield T_THREAD, {
        "id": thread, "organization_id": ctx.id, "portal_account_id": account, "patient_id": p.id,
        "assigned_provider_id": staff, "subject": subject, "category": category,
        "priority": "high" if category == "lab_results" else "normal", "module": module,
        "status": status, "resolved_at": last["sent_at"] + dt.timedelta(days=2) if old else None,
        "resolved_by": staff if old else None, "unread_by_patient": unread["patient"],
        "unread_by_provider": unread["provider"], "last_message_at": last["sent_at"],
        **stamps(messages[0]["sent_at"], last["sent_at"]),
    }  # fmt: skip
    for message in messages:
        yield T_MESSAGE, message


def _request(
    ctx: OrgContext, rng: random.Random, p: PatientInfo, account: str, opened: dt.datetime
) -> dict[str, Any]:
    booked = [a for a in p.appointments if a[1] - dt.timedelta(days=3) > opened]
    desk = ctx.pick_staff(rng, "front_desk")
    kind, original = "new", None
    if booked and rng.random() < 0.75:
        ident, start, module, doctor, _ = rng.choice(booked)
        asked = max(opened, start - dt.timedelta(days=rng.randint(3, 20)))
        asked = min(asked, ctx.now - dt.timedelta(hours=2))
        processed = min(ctx.now, asked + dt.timedelta(hours=rng.randint(1, 48)))
        handled: dict[str, Any] = {
            "status": "approved", "appointment_id": ident, "scheduled_at": start,
            "processed_by": desk, "processed_at": processed, "patient_notified_at": processed,
            "notification_method": "email",
        }  # fmt: skip
    else:
        module = rng.choice(sorted(p.programs & set(ROLE)))
        doctor = ctx.pick_staff(rng, ROLE[module])
        asked = max(ctx.now - dt.timedelta(hours=rng.randint(1, 24 * 14)), opened)
        upcoming = [a for a in p.appointments if a[1] > ctx.now + dt.timedelta(days=2)]
        if upcoming and rng.random() < 0.4:
            kind = rng.choice(("reschedule", "cancel"))
            original, _, module, doctor, _ = upcoming[0]
        denied = rng.random() < 0.3
        refused = min(ctx.now, asked + dt.timedelta(hours=2)) if denied else None
        handled = {"status": "denied" if denied else "pending",
                   "denial_reason": "No availability: please call the desk" if denied else None,
                   "processed_by": desk if denied else None,
                   "processed_at": refused}  # fmt: skip
    return {
        "id": new_id(rng), "organization_id": ctx.id, "patient_id": p.id,
        "portal_account_id": account, "practitioner_id": doctor, "request_type": kind,
        "preferred_dates": [(asked + dt.timedelta(days=d)).date().isoformat() for d in (7, 8, 14)],
        "preferred_time_of_day": rng.choice(("morning", "afternoon", "any")),
        "appointment_type": "follow_up", "module": module, "reason": "Follow-up visit",
        "urgency": "routine", "estimated_duration": 30, "scheduled_at": None,
        "original_appointment_id": original, "appointment_id": None, "processed_by": None,
        "processed_at": None, "patient_notified_at": None, "notification_method": None,
        "denial_reason": None, **handled,
        **stamps(asked, handled.get("processed_at") or asked),
    }  # fmt: skip
