"""clinical_ai: Clinical AI assistance - AI calls (sessions), clinical decision support recommendations, AI-drafted documentation, patient summaries and the prompt library."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, backref, relationship

from models import columns as c
from models.base import SoftDeletableRecord
from models.types import JsonData

if TYPE_CHECKING:
    from models.core import User
    from models.healthcare import Consultation, Patient


class ClinicalAiSession(SoftDeletableRecord):
    """One call to the clinical AI (diagnostic, summary, documentation...) with its input, output and usage metering; replaces the per-call usage log."""

    __tablename__ = "clinical_ai_sessions"
    __table_args__ = (
        Index("idx_clinical_ai_sessions_org", "organization_id"),
        Index("idx_clinical_ai_sessions_patient", "patient_id"),
        Index("idx_clinical_ai_sessions_patient_created_at", "patient_id", "created_at"),
        Index("idx_clinical_ai_sessions_user", "user_id"),
        Index("idx_clinical_ai_sessions_session_type", "session_type"),
        {
            "info": {"module": "clinical_ai", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str | None] = c.ref(
        "healthcare_patients",
        on_delete="set null",
        description="Patient the session is about; null for calls not tied to a patient.",
    )
    user_id: Mapped[str] = c.ref(
        "users", required=True, description="Staff user who made the request."
    )
    session_type: Mapped[str] = c.enum(
        ("documentation", "summary", "diagnostic", "transcription", "report", "analysis"),
        required=True,
        description="Kind of AI task (source feature); the Perfex README's diagnostic, summary, documentation plus the source's other values.",
    )
    input: Mapped[str | None] = c.text(description="Prompt or clinical context sent to the model.")
    output: Mapped[str | None] = c.text(description="Text returned by the model.")
    confidence: Mapped[float | None] = c.real(description="Model confidence, 0 to 1.")
    ai_model: Mapped[str] = c.text(
        required=True, description="Model identifier, e.g. llama-3.1-8b."
    )
    input_tokens: Mapped[int | None] = c.integer(description="Prompt tokens consumed.")
    output_tokens: Mapped[int | None] = c.integer(description="Completion tokens produced.")
    total_tokens: Mapped[int | None] = c.integer(description="Prompt plus completion tokens.")
    latency_ms: Mapped[int | None] = c.integer(
        unit="ms", description="Time from request to complete answer."
    )
    estimated_cost: Mapped[Decimal | None] = c.decimal(
        description="Estimated cost of the call in the organization's currency."
    )

    patient: Mapped[Patient | None] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("clinical_ai_sessions", lazy="raise"),
    )
    user: Mapped[User] = relationship("User", foreign_keys=[user_id], lazy="raise")


class CdssRecommendation(SoftDeletableRecord):
    """Clinical decision support recommendation for a patient (alert, screening, medication or diagnostic suggestion) with its evidence and the clinician's response."""

    __tablename__ = "cdss_recommendations"
    __table_args__ = (
        Index("idx_cdss_recommendations_org", "organization_id"),
        Index("idx_cdss_recommendations_patient", "patient_id"),
        Index("idx_cdss_recommendations_patient_created_at", "patient_id", "created_at"),
        Index("idx_cdss_recommendations_consultation", "consultation_id"),
        Index("idx_cdss_recommendations_status", "status"),
        Index("idx_cdss_recommendations_urgency_assessment", "urgency_assessment"),
        {
            "info": {"module": "clinical_ai", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    consultation_id: Mapped[str | None] = c.ref(
        "healthcare_consultations",
        on_delete="set null",
        description="Consultation during which the recommendation was produced.",
    )
    module: Mapped[str | None] = c.enum(
        ("dialyse", "cardiology", "ophthalmology", "general"),
        default="general",
        description="Clinical module the recommendation belongs to.",
    )
    type: Mapped[str | None] = c.enum(
        ("alert", "screening", "medication", "diagnostic"),
        description="Kind of recommendation; diagnostic covers the source's differential-diagnosis suggestions.",
    )
    severity: Mapped[str | None] = c.enum(
        ("info", "warning", "critical"), description="Display severity of the recommendation."
    )
    urgency_assessment: Mapped[str | None] = c.enum(
        ("routine", "soon", "urgent", "emergent", "critical"),
        default="routine",
        description="How soon the clinician should act.",
    )
    urgency_rationale: Mapped[str | None] = c.text(description="Why this urgency was assigned.")
    message: Mapped[str | None] = c.text(
        description="The recommendation as shown to the clinician."
    )
    rationale: Mapped[str | None] = c.text(
        description="Explanation of the reasoning behind the recommendation (source clinical_reasoning)."
    )
    evidence: Mapped[JsonData | None] = c.json(
        shape="array of guideline or literature references",
        description="Supporting evidence (source evidence_references).",
    )
    suggested_codes: Mapped[JsonData | None] = c.json(
        shape="array of {system, code, display}, system ICD-10, SNOMED or CPT",
        description="Diagnosis or procedure codes suggested with the recommendation.",
    )
    input_context: Mapped[JsonData | None] = c.json(
        shape="object {symptoms, lab_results, imaging_findings, vital_signs, medical_history, current_medications}",
        description="Clinical data the recommendation was computed from (the source's six input columns).",
    )
    primary_diagnosis: Mapped[JsonData | None] = c.json(
        shape="object", description="Most likely diagnosis."
    )
    differential_diagnoses: Mapped[JsonData | None] = c.json(
        shape="array of diagnoses with confidence scores",
        description="Differential diagnosis list.",
    )
    recommended_tests: Mapped[JsonData | None] = c.json(shape="array of tests with rationale")
    recommended_imaging: Mapped[JsonData | None] = c.json(shape="array")
    recommended_consults: Mapped[JsonData | None] = c.json(
        shape="array", description="Specialist consultations suggested."
    )
    red_flags: Mapped[JsonData | None] = c.json(shape="array of critical findings")
    drug_interactions: Mapped[JsonData | None] = c.json(
        shape="array", description="Drug interactions detected."
    )
    contraindicated_actions: Mapped[JsonData | None] = c.json(
        shape="array", description="Actions to avoid for this patient."
    )
    ai_model: Mapped[str | None] = c.text(description="Model that produced the recommendation.")
    ai_confidence: Mapped[float | None] = c.real(description="Model confidence, 0 to 1.")
    generation_time_ms: Mapped[int | None] = c.integer(unit="ms")
    status: Mapped[str | None] = c.enum(
        ("active", "acknowledged", "dismissed", "resolved"),
        default="active",
        description="Workflow state. Source values map as pending -> active; viewed, accepted, modified -> acknowledged; rejected, expired -> dismissed; resolved once the outcome is recorded.",
    )
    acknowledged_by: Mapped[str | None] = c.ref(
        "users",
        on_delete="set null",
        description="Clinician who acknowledged the recommendation (source viewed_by).",
    )
    acknowledged_at: Mapped[dt.datetime | None] = c.timestamp(
        description="When it was acknowledged (source viewed_at)."
    )
    dismissed_reason: Mapped[str | None] = c.text(
        description="Why the clinician dismissed the recommendation."
    )
    provider_decision: Mapped[str | None] = c.text(description="What the clinician decided to do.")
    provider_notes: Mapped[str | None] = c.text()
    actual_diagnosis: Mapped[str | None] = c.text(
        description="Diagnosis finally confirmed, for measuring accuracy."
    )
    diagnosis_match_score: Mapped[float | None] = c.real(
        description="How well the suggestion matched the actual diagnosis, 0 to 1."
    )
    outcome_recorded_at: Mapped[dt.datetime | None] = c.timestamp()
    outcome_recorded_by: Mapped[str | None] = c.ref("users", on_delete="set null")
    expires_at: Mapped[dt.datetime | None] = c.timestamp(
        description="After this instant the recommendation is no longer relevant."
    )

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("cdss_recommendations", lazy="raise"),
    )
    consultation: Mapped[Consultation | None] = relationship(
        "Consultation",
        foreign_keys=[consultation_id],
        lazy="raise",
        backref=backref("cdss_recommendations", lazy="raise"),
    )
    acknowledged_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[acknowledged_by], lazy="raise"
    )
    outcome_recorded_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[outcome_recorded_by], lazy="raise"
    )
