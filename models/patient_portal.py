"""patient_portal: Patient portal - patient accounts and sessions, secure messaging, appointment and refill requests, symptom diary, education content, notifications and shared documents."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, backref, relationship

from models import columns as c
from models.base import SoftDeletableRecord
from models.types import JsonData

if TYPE_CHECKING:
    from models.core import User
    from models.healthcare import Appointment, Patient


class PortalAccount(SoftDeletableRecord):
    """Patient-portal login account tied to a registry patient (credentials, verification, two-factor authentication, preferences)."""

    __tablename__ = "portal_accounts"
    __table_args__ = (
        Index("idx_portal_accounts_org", "organization_id"),
        Index("idx_portal_accounts_patient", "patient_id"),
        Index("idx_portal_accounts_email", "email"),
        Index("idx_portal_accounts_status", "status"),
        Index("idx_portal_accounts_email_org", "email", "organization_id", unique=True),
        {
            "info": {"module": "patient_portal", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    email: Mapped[str] = c.text(
        required=True, description="Login e-mail, unique within the organization."
    )
    password_hash: Mapped[str] = c.text(required=True, sensitive=True)
    phone: Mapped[str | None] = c.text()
    is_verified: Mapped[bool | None] = c.boolean(
        default=False,
        description="Whether the account's e-mail address is verified (source is_email_verified).",
    )
    email_verified_at: Mapped[dt.datetime | None] = c.timestamp()
    is_phone_verified: Mapped[bool | None] = c.boolean(default=False)
    phone_verified_at: Mapped[dt.datetime | None] = c.timestamp()
    is_two_factor_enabled: Mapped[bool | None] = c.boolean(
        default=False, description="Source two_factor_enabled."
    )
    two_factor_secret: Mapped[str | None] = c.text(
        description="Shared secret of the authenticator app.", sensitive=True
    )
    two_factor_method: Mapped[str | None] = c.enum(("app", "sms", "email"))
    backup_codes: Mapped[JsonData | None] = c.json(
        shape="array of encrypted codes", description="Two-factor recovery codes.", sensitive=True
    )
    last_login: Mapped[dt.datetime | None] = c.timestamp(
        description="Last successful login (source last_login_at)."
    )
    last_login_ip: Mapped[str | None] = c.text()
    last_login_user_agent: Mapped[str | None] = c.text()
    failed_login_attempts: Mapped[int | None] = c.integer(default=0)
    locked_until: Mapped[dt.datetime | None] = c.timestamp(
        description="Login refused until this instant after too many failures."
    )
    language: Mapped[str | None] = c.text(default="fr")
    timezone: Mapped[str | None] = c.text(
        default="Europe/Paris", description="IANA time zone name."
    )
    notification_preferences: Mapped[JsonData | None] = c.json()
    accessibility_settings: Mapped[JsonData | None] = c.json()
    terms_accepted_at: Mapped[dt.datetime | None] = c.timestamp()
    terms_version: Mapped[str | None] = c.text()
    privacy_accepted_at: Mapped[dt.datetime | None] = c.timestamp()
    privacy_version: Mapped[str | None] = c.text()
    status: Mapped[str | None] = c.enum(
        ("pending_verification", "active", "suspended", "deactivated", "locked"),
        default="pending_verification",
    )
    deactivated_at: Mapped[dt.datetime | None] = c.timestamp()
    deactivation_reason: Mapped[str | None] = c.text()

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("portal_accounts", lazy="raise"),
    )


class PortalMessage(SoftDeletableRecord):
    """One secure message in a portal conversation between a patient and the care team."""

    __tablename__ = "portal_messages"
    __table_args__ = (
        Index("idx_portal_messages_org", "organization_id"),
        Index("idx_portal_messages_thread", "thread_id"),
        Index("idx_portal_messages_sender", "sender_id"),
        Index("idx_portal_messages_recipient", "recipient_id"),
        Index("idx_portal_messages_sent_at", "sent_at"),
        {
            "info": {"module": "patient_portal", "tier": 1, "patient_centric": False},
        },
    )

    thread_id: Mapped[str] = c.ref("portal_message_threads", on_delete="cascade", required=True)
    sender_id: Mapped[str | None] = c.text(
        description="Sender: either a portal_accounts id (the patient) or a users id (a staff member); null for system messages. Replaces the source's from_portal_user_id and from_user_id."
    )
    recipient_id: Mapped[str | None] = c.text(
        description="Recipient: either a portal_accounts id (the patient) or a users id (a staff member); null when addressed to the whole care team of the thread."
    )
    subject: Mapped[str | None] = c.text()
    body: Mapped[str] = c.text(required=True)
    body_format: Mapped[str | None] = c.enum(("plain", "html", "markdown"), default="plain")
    attachments: Mapped[JsonData | None] = c.json(shape="array of {id, name, url, type, size}")
    is_read: Mapped[bool | None] = c.boolean(
        default=False, description="Whether the recipient has read the message."
    )
    is_read_by_patient: Mapped[bool | None] = c.boolean(default=False)
    read_by_patient_at: Mapped[dt.datetime | None] = c.timestamp()
    is_read_by_provider: Mapped[bool | None] = c.boolean(default=False)
    read_by_provider_at: Mapped[dt.datetime | None] = c.timestamp()
    is_system_message: Mapped[bool | None] = c.boolean(default=False)
    system_message_type: Mapped[str | None] = c.text(
        description="Kind of system message, e.g. thread_assigned, thread_resolved."
    )
    is_edited: Mapped[bool | None] = c.boolean(default=False)
    edited_at: Mapped[dt.datetime | None] = c.timestamp()
    original_body: Mapped[str | None] = c.text(description="Body before the last edit.")
    sent_at: Mapped[dt.datetime] = c.timestamp(required=True)

    thread: Mapped[PortalMessageThread] = relationship(
        "PortalMessageThread",
        foreign_keys=[thread_id],
        lazy="raise",
        backref=backref("portal_messages", lazy="raise"),
    )


class PortalAppointmentRequest(SoftDeletableRecord):
    """Appointment requested by a patient through the portal (new, reschedule, cancel, follow-up) and its handling by staff."""

    __tablename__ = "portal_appointments"
    __table_args__ = (
        Index("idx_portal_appointments_org", "organization_id"),
        Index("idx_portal_appointments_patient", "patient_id"),
        Index("idx_portal_appointments_patient_scheduled_at", "patient_id", "scheduled_at"),
        Index("idx_portal_appointments_portal_account", "portal_account_id"),
        Index("idx_portal_appointments_practitioner", "practitioner_id"),
        Index("idx_portal_appointments_status", "status"),
        {
            "info": {"module": "patient_portal", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    portal_account_id: Mapped[str] = c.ref(
        "portal_accounts",
        on_delete="cascade",
        required=True,
        description="Account that made the request (source portal_user_id).",
    )
    practitioner_id: Mapped[str] = c.ref(
        "users",
        on_delete="restrict",
        required=True,
        description="Practitioner the appointment is with (source preferred_provider_id).",
    )
    scheduled_at: Mapped[dt.datetime | None] = c.timestamp(
        description="Date and time of the booked appointment (source scheduled_date plus the HH:MM text scheduled_time)."
    )
    status: Mapped[str | None] = c.enum(
        ("scheduled", "pending", "processing", "approved", "denied", "cancelled", "expired"),
        default="scheduled",
        description="Request state; scheduled (the Perfex README's default) means booked at scheduled_at, the other values are the source's.",
    )
    request_type: Mapped[str] = c.enum(("new", "reschedule", "cancel", "followup"), required=True)
    original_appointment_id: Mapped[str | None] = c.ref(
        "healthcare_appointments",
        on_delete="set null",
        description="Appointment to reschedule or cancel.",
    )
    appointment_id: Mapped[str | None] = c.ref(
        "healthcare_appointments",
        on_delete="set null",
        description="Appointment booked from this request.",
    )
    preferred_dates: Mapped[JsonData | None] = c.json(shape="array of date strings")
    preferred_time_of_day: Mapped[str | None] = c.enum(("morning", "afternoon", "evening", "any"))
    appointment_type: Mapped[str | None] = c.text()
    module: Mapped[str | None] = c.enum(
        ("dialyse", "cardiology", "ophthalmology", "general"), default="general"
    )
    specialty_requested: Mapped[str | None] = c.text()
    reason: Mapped[str] = c.text(required=True)
    urgency: Mapped[str | None] = c.enum(("routine", "soon", "urgent"), default="routine")
    notes: Mapped[str | None] = c.text()
    estimated_duration: Mapped[int | None] = c.integer(unit="min")
    processed_by: Mapped[str | None] = c.ref("users", on_delete="set null")
    processed_at: Mapped[dt.datetime | None] = c.timestamp()
    response_notes: Mapped[str | None] = c.text()
    denial_reason: Mapped[str | None] = c.text()
    patient_notified_at: Mapped[dt.datetime | None] = c.timestamp()
    notification_method: Mapped[str | None] = c.enum(("email", "sms", "both", "push"))

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("portal_appointment_requests", lazy="raise"),
    )
    portal_account: Mapped[PortalAccount] = relationship(
        "PortalAccount",
        foreign_keys=[portal_account_id],
        lazy="raise",
        backref=backref("portal_appointment_requests", lazy="raise"),
    )
    practitioner: Mapped[User] = relationship("User", foreign_keys=[practitioner_id], lazy="raise")
    original_appointment: Mapped[Appointment | None] = relationship(
        "Appointment",
        foreign_keys=[original_appointment_id],
        lazy="raise",
        backref=backref("portal_appointment_requests_by_original_appointment", lazy="raise"),
    )
    appointment: Mapped[Appointment | None] = relationship(
        "Appointment",
        foreign_keys=[appointment_id],
        lazy="raise",
        backref=backref("portal_appointment_requests_by_appointment", lazy="raise"),
    )
    processed_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[processed_by], lazy="raise"
    )


class PortalMessageThread(SoftDeletableRecord):
    """Secure-messaging conversation between a patient and the care team (subject, category, assignment, unread counters)."""

    __tablename__ = "portal_message_threads"
    __table_args__ = (
        Index("idx_portal_message_threads_org", "organization_id"),
        Index("idx_portal_message_threads_patient", "patient_id"),
        Index("idx_portal_message_threads_portal_account", "portal_account_id"),
        Index("idx_portal_message_threads_assigned_provider", "assigned_provider_id"),
        Index("idx_portal_message_threads_status", "status"),
        {
            "info": {"module": "patient_portal", "tier": 1, "patient_centric": True},
        },
    )

    portal_account_id: Mapped[str] = c.ref(
        "portal_accounts", on_delete="cascade", required=True, description="Source portal_user_id."
    )
    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    assigned_provider_id: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Staff member handling the conversation."
    )
    subject: Mapped[str] = c.text(required=True)
    category: Mapped[str | None] = c.enum(
        (
            "medical_question",
            "appointment",
            "prescription",
            "lab_results",
            "billing",
            "technical",
            "other",
        ),
        default="other",
    )
    priority: Mapped[str | None] = c.enum(("low", "normal", "high", "urgent"), default="normal")
    module: Mapped[str | None] = c.enum(
        ("dialyse", "cardiology", "ophthalmology", "general"), default="general"
    )
    status: Mapped[str | None] = c.enum(
        ("open", "awaiting_patient", "awaiting_provider", "resolved", "closed"), default="open"
    )
    resolved_at: Mapped[dt.datetime | None] = c.timestamp()
    resolved_by: Mapped[str | None] = c.ref("users", on_delete="set null")
    unread_by_patient: Mapped[int | None] = c.integer(
        default=0, description="Number of messages the patient has not read."
    )
    unread_by_provider: Mapped[int | None] = c.integer(
        default=0, description="Number of messages the care team has not read."
    )
    last_message_at: Mapped[dt.datetime | None] = c.timestamp()
    is_archived_by_patient: Mapped[bool | None] = c.boolean(default=False)
    is_archived_by_provider: Mapped[bool | None] = c.boolean(default=False)

    portal_account: Mapped[PortalAccount] = relationship(
        "PortalAccount",
        foreign_keys=[portal_account_id],
        lazy="raise",
        backref=backref("portal_message_threads", lazy="raise"),
    )
    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("portal_message_threads", lazy="raise"),
    )
    assigned_provider: Mapped[User | None] = relationship(
        "User", foreign_keys=[assigned_provider_id], lazy="raise"
    )
    resolved_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[resolved_by], lazy="raise"
    )
