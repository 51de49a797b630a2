"""imaging_ai: Imaging AI: AI analyses of medical images and signals (ECG, OCT, fundus, echocardiography), their modality-specific detail and the reports produced from them."""

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
    from models.healthcare import Patient


class ImagingAnalysis(SoftDeletableRecord):
    """One AI analysis of a medical image or signal (ECG, OCT, fundus, echo...): source file, model, processing status, AI findings, physician review and signature."""

    __tablename__ = "imaging_analyses"
    __table_args__ = (
        Index("idx_imaging_analyses_org", "organization_id"),
        Index("idx_imaging_analyses_patient_acquisition_date", "patient_id", "acquisition_date"),
        Index("idx_imaging_analyses_acquisition_date", "acquisition_date"),
        Index("idx_imaging_analyses_image_type", "image_type"),
        Index("idx_imaging_analyses_analysis_status", "analysis_status"),
        Index("idx_imaging_analyses_review_status", "review_status"),
        Index("idx_imaging_analyses_is_urgent_review_required", "is_urgent_review_required"),
        {
            "info": {"module": "imaging_ai", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref(
        "healthcare_patients",
        on_delete="cascade",
        required=True,
        description="Patient in the shared registry.",
    )
    examination_id: Mapped[str | None] = c.text(
        description="Id of the source exam row in the table named by examination_type (polymorphic, no FK)."
    )
    examination_type: Mapped[str | None] = c.text(
        description="Kind of source exam, e.g. 'cardiology_ecg', 'ophthalmology_oct'."
    )
    image_type: Mapped[str] = c.enum(
        (
            "ecg",
            "oct",
            "fundus",
            "echocardiogram",
            "visual_field",
            "angiography",
            "xray",
            "ct",
            "mri",
            "other",
        ),
        required=True,
    )
    image_subtype: Mapped[str | None] = c.text(
        description="More specific type, e.g. '12_lead', 'macular_cube', 'parasternal_long'."
    )
    image_url: Mapped[str] = c.text(required=True)
    thumbnail_url: Mapped[str | None] = c.text()
    original_file_name: Mapped[str | None] = c.text()
    file_format: Mapped[str | None] = c.text(description="e.g. DICOM, JPEG, PNG, PDF.")
    file_size_bytes: Mapped[int | None] = c.integer(unit="bytes")
    acquisition_date: Mapped[dt.datetime] = c.timestamp(
        required=True, description="When the image or signal was acquired."
    )
    equipment: Mapped[str | None] = c.text(description="Device or machine used.")
    manufacturer: Mapped[str | None] = c.text()
    protocol_used: Mapped[str | None] = c.text()
    technician_id: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Technician who acquired the image."
    )
    source_module: Mapped[str | None] = c.enum(
        ("cardiology", "ophthalmology", "dialyse", "general"),
        description="Clinical module the image comes from.",
    )
    ai_model: Mapped[str | None] = c.text(
        description="Model name, e.g. 'llama-3.1-8b', 'custom-ecg-v2'."
    )
    ai_model_version: Mapped[str | None] = c.text()
    analysis_status: Mapped[str | None] = c.enum(
        ("pending", "processing", "completed", "failed", "cancelled"), default="pending"
    )
    analysis_started_at: Mapped[dt.datetime | None] = c.timestamp()
    analysis_completed_at: Mapped[dt.datetime | None] = c.timestamp()
    analysis_error: Mapped[str | None] = c.text(
        description="Error message when the analysis failed."
    )
    ai_findings: Mapped[JsonData | None] = c.json(shape="structured findings")
    ai_measurements: Mapped[JsonData | None] = c.json(shape="automated measurements")
    ai_diagnosis: Mapped[JsonData | None] = c.json(shape="suggested diagnoses")
    ai_confidence: Mapped[float | None] = c.real(description="Overall AI confidence, 0-1.")
    ai_annotations: Mapped[JsonData | None] = c.json(shape="image annotations and markings")
    ai_summary: Mapped[str | None] = c.text(description="Text summary for clinicians.")
    has_abnormality: Mapped[bool | None] = c.boolean(default=False)
    abnormality_count: Mapped[int | None] = c.integer(default=0)
    has_critical_finding: Mapped[bool | None] = c.boolean(
        default=False, description="A critical finding was detected (source critical_finding)."
    )
    is_urgent_review_required: Mapped[bool | None] = c.boolean(
        default=False, description="Needs urgent physician review (source requires_urgent_review)."
    )
    urgency_level: Mapped[str | None] = c.enum(
        ("routine", "priority", "urgent", "stat"), default="routine"
    )
    review_status: Mapped[str | None] = c.enum(
        ("pending", "in_review", "reviewed", "signed", "amended"),
        default="pending",
        description="Physician review workflow.",
    )
    reviewed_by: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Physician who reviewed the AI result."
    )
    reviewed_at: Mapped[dt.datetime | None] = c.timestamp()
    reviewer_agreement: Mapped[str | None] = c.enum(
        ("agree", "partially_agree", "disagree", "needs_clarification"),
        description="Reviewer's agreement with the AI result.",
    )
    physician_findings: Mapped[str | None] = c.text()
    physician_diagnosis: Mapped[str | None] = c.text()
    physician_notes: Mapped[str | None] = c.text()
    compared_to_id: Mapped[str | None] = c.ref(
        "imaging_analyses",
        on_delete="set null",
        description="Previous analysis compared against (no FK in the source).",
    )
    progression_status: Mapped[str | None] = c.enum(
        ("improved", "stable", "worsened", "new_finding", "not_applicable")
    )
    progression_notes: Mapped[str | None] = c.text()
    signed_by: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Physician who signed the result."
    )
    signed_at: Mapped[dt.datetime | None] = c.timestamp()
    digital_signature: Mapped[str | None] = c.text(
        description="Signature value of the signed result."
    )
    is_report_generated: Mapped[bool | None] = c.boolean(
        default=False, description="A report was generated (source report_generated)."
    )
    report_url: Mapped[str | None] = c.text()
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref(
        "users", required=True, description="User who created the record."
    )

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("imaging_analyses", lazy="raise"),
    )
    technician: Mapped[User | None] = relationship(
        "User", foreign_keys=[technician_id], lazy="raise"
    )
    reviewed_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[reviewed_by], lazy="raise"
    )
    compared_to: Mapped[ImagingAnalysis | None] = relationship(
        "ImagingAnalysis",
        foreign_keys=[compared_to_id],
        lazy="raise",
        remote_side="ImagingAnalysis.id",
        backref=backref("imaging_analyses", lazy="raise"),
    )
    signed_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[signed_by], lazy="raise"
    )
    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")


class ImagingReport(SoftDeletableRecord):
    """Report produced from an imaging analysis: content, AI or physician authorship, review, signature, distribution and critical-result communication."""

    __tablename__ = "imaging_reports"
    __table_args__ = (
        Index("idx_imaging_reports_org", "organization_id"),
        Index("idx_imaging_reports_imaging_analysis", "imaging_analysis_id"),
        Index("idx_imaging_reports_status", "status"),
        {
            "info": {"module": "imaging_ai", "tier": 1, "patient_centric": False},
        },
    )

    imaging_analysis_id: Mapped[str] = c.ref(
        "imaging_analyses", on_delete="cascade", required=True, description="Parent AI analysis."
    )
    report_number: Mapped[str] = c.text(required=True, description="Business number of the report.")
    report_type: Mapped[str | None] = c.enum(
        ("preliminary", "final", "addendum", "amended", "comparison"), default="final"
    )
    title: Mapped[str] = c.text(required=True)
    clinical_history: Mapped[str | None] = c.text()
    indication: Mapped[str | None] = c.text()
    technique: Mapped[str | None] = c.text()
    comparison: Mapped[str | None] = c.text(description="Previous studies compared.")
    findings: Mapped[str | None] = c.text(description="Main findings.")
    measurements: Mapped[JsonData | None] = c.json(shape="key measurements")
    impression: Mapped[str | None] = c.text(description="Diagnosis / impression.")
    recommendations: Mapped[str | None] = c.text()
    generated_by: Mapped[str | None] = c.enum(
        ("ai", "physician", "template", "hybrid"),
        description="How the report was produced (not a user reference).",
    )
    is_ai_generated: Mapped[bool | None] = c.boolean(
        default=False, description="Report text generated by AI (source ai_generated)."
    )
    ai_confidence: Mapped[float | None] = c.real(
        description="Confidence of the AI-generated content, 0-1."
    )
    status: Mapped[str | None] = c.enum(
        ("draft", "pending_review", "reviewed", "signed", "distributed", "amended"), default="draft"
    )
    reviewed_by: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Physician who reviewed the report."
    )
    reviewed_at: Mapped[dt.datetime | None] = c.timestamp()
    modifications: Mapped[JsonData | None] = c.json(shape="changes made by the physician")
    signed_by: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Physician who signed the report."
    )
    signed_at: Mapped[dt.datetime | None] = c.timestamp()
    signature_method: Mapped[str | None] = c.enum(
        ("electronic", "digital_certificate", "biometric")
    )
    distributed_at: Mapped[dt.datetime | None] = c.timestamp()
    distributed_to: Mapped[JsonData | None] = c.json(shape="recipients")
    faxed_to: Mapped[str | None] = c.text()
    emailed_to: Mapped[str | None] = c.text()
    report_url: Mapped[str | None] = c.text()
    pdf_url: Mapped[str | None] = c.text()
    format: Mapped[str | None] = c.enum(("pdf", "html", "dicom_sr"))
    has_critical_result: Mapped[bool | None] = c.boolean(
        default=False, description="Report contains a critical result (source critical_result)."
    )
    is_critical_result_communicated: Mapped[bool | None] = c.boolean(
        description="Critical result was communicated (source critical_result_communicated)."
    )
    critical_result_communicated_to: Mapped[str | None] = c.text(
        description="Person the critical result was communicated to (free text)."
    )
    critical_result_communicated_at: Mapped[dt.datetime | None] = c.timestamp()
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref(
        "users", required=True, description="User who created the record."
    )

    imaging_analysis: Mapped[ImagingAnalysis] = relationship(
        "ImagingAnalysis",
        foreign_keys=[imaging_analysis_id],
        lazy="raise",
        backref=backref("imaging_reports", lazy="raise"),
    )
    reviewed_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[reviewed_by], lazy="raise"
    )
    signed_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[signed_by], lazy="raise"
    )
    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")
