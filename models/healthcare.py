"""healthcare: The shared clinical core: the single patient registry (healthcare_patients) that every patient_id of every module references, and the cross-module chart records (consultations, examinations, implanted devices, chronic conditions, alerts, documents, appointments, medications). company_id of the source is organization_id here."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Index, text
from sqlalchemy.orm import Mapped, backref, relationship

from models import columns as c
from models.base import SoftDeletableRecord
from models.types import JsonData

if TYPE_CHECKING:
    from models.core import User


class Patient(SoftDeletableRecord):
    """The single patient registry: demographics, contacts, insurance and history. Also holds the demographic fields that dialyse_patients and its CRM contact kept in the source (photo, emergency contact, blood type, mobile, state, country)."""

    __tablename__ = "healthcare_patients"
    __table_args__ = (
        Index("idx_healthcare_patients_org", "organization_id"),
        Index(
            "idx_healthcare_patients_org_medical_record_number",
            "organization_id",
            "medical_record_number",
            unique=True,
        ),
        # Serving indexes (not in the spec; see models/base.py SERVING_INDEX_PREFIX): the
        # case-insensitive prefix search of `patients(search:)`.
        Index("api_healthcare_patients_last_name", "organization_id", text("lower(last_name)")),
        Index("api_healthcare_patients_first_name", "organization_id", text("lower(first_name)")),
        Index(
            "api_healthcare_patients_mrn", "organization_id", text("lower(medical_record_number)")
        ),
        Index("api_healthcare_patients_date_of_birth", "organization_id", "date_of_birth"),
        # The roster's order (graph/healthcare/types.py), so a page is read without a sort.
        Index(
            "api_healthcare_patients_org_name_order",
            "organization_id",
            "last_name",
            "first_name",
            "id",
        ),
        {
            "info": {"module": "healthcare", "tier": 1, "patient_centric": False},
        },
    )

    medical_record_number: Mapped[str | None] = c.text(
        description="Medical record (file) number, unique within the organization when set; takes over dialyse_patients.medical_id of the source."
    )
    first_name: Mapped[str] = c.text(required=True)
    last_name: Mapped[str] = c.text(required=True)
    date_of_birth: Mapped[dt.date] = c.date(required=True)
    gender: Mapped[str] = c.enum(
        ("male", "female", "other", "unknown"),
        required=True,
        default="unknown",
        description="Administrative gender (the source defaulted to 'male'; here 'unknown').",
    )
    national_id: Mapped[str | None] = c.text(
        description="National identifier (e.g. social security number)."
    )
    photo: Mapped[str | None] = c.text(
        description="URL of the patient photo in object storage (from dialyse_patients)."
    )
    phone: Mapped[str | None] = c.text()
    mobile: Mapped[str | None] = c.text(
        description="Mobile phone (from the CRM contact of dialysis patients)."
    )
    email: Mapped[str | None] = c.text()
    address: Mapped[str | None] = c.text()
    city: Mapped[str | None] = c.text()
    state: Mapped[str | None] = c.text(description="State or region (from the CRM contact).")
    postal_code: Mapped[str | None] = c.text()
    country: Mapped[str | None] = c.text(description="From the CRM contact.")
    emergency_contact_name: Mapped[str | None] = c.text(
        description="Emergency contact person (emergency_contact in the source registry)."
    )
    emergency_contact_phone: Mapped[str | None] = c.text(
        description="Emergency contact phone (emergency_phone in the source registry)."
    )
    emergency_contact_relation: Mapped[str | None] = c.text(
        description="Relation of the emergency contact to the patient (from dialyse_patients)."
    )
    blood_type: Mapped[str | None] = c.enum(
        (
            "a_positive",
            "a_negative",
            "b_positive",
            "b_negative",
            "ab_positive",
            "ab_negative",
            "o_positive",
            "o_negative",
        ),
        description="ABO/Rh group: A+ is a_positive, O- is o_negative, and so on.",
    )
    allergies: Mapped[str | None] = c.text(description="Known allergies (free text).")
    medical_history: Mapped[str | None] = c.text(description="General medical history (free text).")
    family_history: Mapped[str | None] = c.text()
    insurance_provider: Mapped[str | None] = c.text()
    insurance_number: Mapped[str | None] = c.text(
        description="Policy or member number at the insurer."
    )
    notes: Mapped[str | None] = c.text()
    status: Mapped[str | None] = c.text(
        default="active",
        description="Registry status of the record, 'active' by default (no value list in the source).",
    )


class Consultation(SoftDeletableRecord):
    """One clinical visit or consultation of a patient in a given module."""

    __tablename__ = "healthcare_consultations"
    __table_args__ = (
        Index("idx_healthcare_consultations_org", "organization_id"),
        Index(
            "idx_healthcare_consultations_patient_consultation_date",
            "patient_id",
            "consultation_date",
        ),
        {
            "info": {"module": "healthcare", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    module: Mapped[str] = c.enum(
        ("cardiology", "ophthalmology", "dialyse", "general"),
        required=True,
        description="Specialty the visit belongs to.",
    )
    consultation_date: Mapped[dt.date] = c.date(required=True)
    consultation_time: Mapped[dt.time | None] = c.time(
        description="Clock time of the visit, e.g. '09:00'."
    )
    consultation_type: Mapped[str] = c.enum(
        (
            "routine",
            "urgent",
            "follow_up",
            "initial",
            "emergency",
            "pre_operative",
            "post_operative",
        ),
        required=True,
    )
    doctor_id: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Clinician who saw the patient."
    )
    doctor_name: Mapped[str | None] = c.text(
        description="Name of the doctor as entered, e.g. for an external doctor without a user account."
    )
    chief_complaint: Mapped[str | None] = c.text()
    diagnosis: Mapped[str | None] = c.text()
    treatment_plan: Mapped[str | None] = c.text()
    notes: Mapped[str | None] = c.text()
    follow_up_date: Mapped[dt.date | None] = c.date(description="Planned follow-up date.")
    status: Mapped[str | None] = c.enum(
        ("scheduled", "in_progress", "completed", "cancelled", "no_show"), default="scheduled"
    )

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("consultations", lazy="raise"),
    )
    doctor: Mapped[User | None] = relationship("User", foreign_keys=[doctor_id], lazy="raise")


class Examination(SoftDeletableRecord):
    """Generic examination or test (ECG, OCT, echo...) with findings, interpretation and free-form measurements."""

    __tablename__ = "healthcare_examinations"
    __table_args__ = (
        Index("idx_healthcare_examinations_org", "organization_id"),
        Index(
            "idx_healthcare_examinations_patient_examination_date", "patient_id", "examination_date"
        ),
        Index("idx_healthcare_examinations_consultation", "consultation_id"),
        {
            "info": {"module": "healthcare", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    consultation_id: Mapped[str | None] = c.ref(
        "healthcare_consultations",
        on_delete="set null",
        description="Visit during which the exam was ordered or done.",
    )
    examination_number: Mapped[str] = c.text(
        required=True, description="Business number of the exam."
    )
    examination_date: Mapped[dt.datetime] = c.timestamp(required=True)
    module: Mapped[str] = c.enum(
        ("cardiology", "ophthalmology", "dialyse", "general"), required=True
    )
    examination_type: Mapped[str] = c.text(
        required=True, description="Kind of exam, e.g. ECG, OCT, Echo (open list)."
    )
    examination_subtype: Mapped[str | None] = c.text()
    performed_by: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Clinician or technician who performed the exam."
    )
    interpreted_by: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Clinician who interpreted the exam."
    )
    interpreted_at: Mapped[dt.datetime | None] = c.timestamp()
    findings: Mapped[str | None] = c.text()
    interpretation: Mapped[str | None] = c.text()
    conclusion: Mapped[str | None] = c.text()
    recommendations: Mapped[str | None] = c.text()
    measurements: Mapped[JsonData | None] = c.json(
        shape="object of module-specific measurements", description="Measured values of the exam."
    )
    media_urls: Mapped[JsonData | None] = c.json(
        shape="array of object-storage URLs", description="Images or recordings of the exam."
    )
    report_url: Mapped[str | None] = c.text(description="URL of the PDF report.")
    status: Mapped[str | None] = c.enum(
        ("pending", "in_progress", "completed", "reviewed", "cancelled"), default="pending"
    )
    urgency: Mapped[str | None] = c.enum(("routine", "urgent", "stat"), default="routine")
    has_abnormal_findings: Mapped[bool | None] = c.boolean(default=False)
    abnormal_findings: Mapped[JsonData | None] = c.json(
        shape="array of abnormal findings", description="List of the abnormal findings."
    )
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref("users", required=True)

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("examinations", lazy="raise"),
    )
    consultation: Mapped[Consultation | None] = relationship(
        "Consultation",
        foreign_keys=[consultation_id],
        lazy="raise",
        backref=backref("examinations", lazy="raise"),
    )
    performed_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[performed_by], lazy="raise"
    )
    interpreted_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[interpreted_by], lazy="raise"
    )
    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")


class Appointment(SoftDeletableRecord):
    """Appointment for any module, with confirmation, check-in, cancellation, rescheduling and recurrence."""

    __tablename__ = "healthcare_appointments"
    __table_args__ = (
        Index("idx_healthcare_appointments_org", "organization_id"),
        Index("idx_healthcare_appointments_patient_scheduled_date", "patient_id", "scheduled_date"),
        Index("idx_healthcare_appointments_scheduled_date", "scheduled_date"),
        Index("idx_healthcare_appointments_provider", "provider_id"),
        {
            "info": {"module": "healthcare", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    appointment_number: Mapped[str] = c.text(
        required=True, description="Business number of the appointment."
    )
    module: Mapped[str] = c.enum(
        ("cardiology", "ophthalmology", "dialyse", "general"), required=True
    )
    appointment_type: Mapped[str] = c.enum(
        ("consultation", "examination", "procedure", "follow_up", "device_check", "other"),
        required=True,
    )
    scheduled_date: Mapped[dt.datetime] = c.timestamp(
        required=True, description="Day of the appointment."
    )
    scheduled_time: Mapped[dt.time | None] = c.time(description="Clock time, e.g. '09:00'.")
    duration_minutes: Mapped[int | None] = c.integer(default=30, unit="min")
    provider_id: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Clinician who sees the patient."
    )
    location: Mapped[str | None] = c.text()
    room: Mapped[str | None] = c.text()
    status: Mapped[str | None] = c.enum(
        (
            "scheduled",
            "confirmed",
            "checked_in",
            "in_progress",
            "completed",
            "cancelled",
            "no_show",
            "rescheduled",
        ),
        default="scheduled",
    )
    confirmed_at: Mapped[dt.datetime | None] = c.timestamp()
    confirmed_by: Mapped[str | None] = c.ref("users", on_delete="set null")
    is_reminder_sent: Mapped[bool | None] = c.boolean(
        default=False,
        description="Whether the reminder went out (reminder_sent in the source, renamed).",
    )
    reminder_sent_at: Mapped[dt.datetime | None] = c.timestamp()
    checked_in_at: Mapped[dt.datetime | None] = c.timestamp()
    completed_at: Mapped[dt.datetime | None] = c.timestamp()
    cancelled_at: Mapped[dt.datetime | None] = c.timestamp()
    cancelled_by: Mapped[str | None] = c.ref("users", on_delete="set null")
    cancellation_reason: Mapped[str | None] = c.text()
    rescheduled_from_id: Mapped[str | None] = c.ref(
        "healthcare_appointments",
        on_delete="set null",
        description="Appointment this one replaces.",
    )
    rescheduled_to_id: Mapped[str | None] = c.ref(
        "healthcare_appointments",
        on_delete="set null",
        description="Appointment that replaced this one.",
    )
    is_recurring: Mapped[bool | None] = c.boolean(default=False)
    recurrence_rule: Mapped[str | None] = c.text(
        description="Recurrence in iCalendar RRULE format."
    )
    recurrence_group_id: Mapped[str | None] = c.text(
        description="Shared id of the appointments of one recurring series."
    )
    reason: Mapped[str | None] = c.text()
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref("users", required=True)

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("appointments", lazy="raise"),
    )
    provider: Mapped[User | None] = relationship("User", foreign_keys=[provider_id], lazy="raise")
    confirmed_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[confirmed_by], lazy="raise"
    )
    cancelled_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[cancelled_by], lazy="raise"
    )
    rescheduled_from: Mapped[Appointment | None] = relationship(
        "Appointment",
        foreign_keys=[rescheduled_from_id],
        lazy="raise",
        remote_side="Appointment.id",
        backref=backref("appointments_by_rescheduled_from", lazy="raise"),
    )
    rescheduled_to: Mapped[Appointment | None] = relationship(
        "Appointment",
        foreign_keys=[rescheduled_to_id],
        lazy="raise",
        remote_side="Appointment.id",
        backref=backref("appointments_by_rescheduled_to", lazy="raise"),
    )
    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")
