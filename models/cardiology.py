"""cardiology: Cardiology: per-patient cardiac profile and risk factors, ECG, echocardiography, Holter, pacemakers/ICDs and their interrogations, coronary stents, risk scores, cardiac events and cardiovascular medications."""

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
    from models.healthcare import Consultation, Examination, Patient


class CardiologyProfile(SoftDeletableRecord):
    """Cardiology enrolment and profile of a registry patient: cached risk scores, risk factors and cardiac history (one row per patient per organization; demographics live in healthcare_patients)."""

    __tablename__ = "cardiology_patients"
    __table_args__ = (
        Index("idx_cardiology_patients_org", "organization_id"),
        Index("idx_cardiology_patients_org_patient", "organization_id", "patient_id", unique=True),
        Index("idx_cardiology_patients_patient", "patient_id"),
        {
            "info": {"module": "cardiology", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref(
        "healthcare_patients",
        on_delete="cascade",
        required=True,
        description="Patient in the shared registry.",
    )
    framingham_score: Mapped[float | None] = c.real(
        unit="%",
        description="Latest Framingham 10-year cardiovascular risk; history in cardiology_risk_scores.",
    )
    score2_risk: Mapped[float | None] = c.real(
        unit="%",
        description="Latest SCORE2 (or SCORE2-OP) 10-year risk of fatal and non-fatal cardiovascular events.",
    )
    cha2ds2_vasc_score: Mapped[int | None] = c.integer(
        description="Latest CHA2DS2-VASc stroke-risk score in atrial fibrillation, 0-9 (age and sex come from healthcare_patients)."
    )
    has_congestive_heart_failure: Mapped[bool | None] = c.boolean(
        description="Congestive heart failure or LV dysfunction (CHA2DS2-VASc C); null = not assessed."
    )
    has_hypertension: Mapped[bool | None] = c.boolean(
        description="Hypertension (CHA2DS2-VASc H); replaces the legacy text hypertension_status; null = not assessed."
    )
    is_on_antihypertensive_treatment: Mapped[bool | None] = c.boolean(
        description="Treated for hypertension (Framingham input: treated vs untreated systolic BP); null = not assessed."
    )
    has_diabetes: Mapped[bool | None] = c.boolean(
        description="Diabetes mellitus (CHA2DS2-VASc D, Framingham); replaces the legacy text diabetes_status; null = not assessed."
    )
    has_stroke_or_tia: Mapped[bool | None] = c.boolean(
        description="Prior stroke, TIA or thromboembolism (CHA2DS2-VASc S2); null = not assessed."
    )
    has_vascular_disease: Mapped[bool | None] = c.boolean(
        description="Prior myocardial infarction, peripheral artery disease or aortic plaque (CHA2DS2-VASc V); null = not assessed."
    )
    has_dyslipidemia: Mapped[bool | None] = c.boolean(
        description="Dyslipidaemia; replaces the legacy text dyslipidemia_status; null = not assessed."
    )
    is_smoker: Mapped[bool | None] = c.boolean(
        description="Current smoker (SCORE2, Framingham); replaces the legacy text smoking_status; null = not assessed."
    )
    total_cholesterol: Mapped[float | None] = c.real(
        unit="mmol/L", description="Latest total cholesterol (SCORE2, Framingham input)."
    )
    hdl_cholesterol: Mapped[float | None] = c.real(
        unit="mmol/L", description="Latest HDL cholesterol (SCORE2, Framingham input)."
    )
    systolic_bp: Mapped[float | None] = c.real(
        unit="mmHg", description="Latest systolic blood pressure (SCORE2, Framingham input)."
    )
    cardiac_risk_level: Mapped[str | None] = c.enum(
        ("very_low", "low", "moderate", "high", "very_high"),
        default="low",
        description="Overall cardiovascular risk category (legacy free text default 'low'; values aligned with cardiology_risk_scores.risk_category).",
    )
    nyha_class: Mapped[str | None] = c.enum(
        ("i", "ii", "iii", "iv"),
        description="NYHA heart-failure functional class I-IV (legacy free text).",
    )
    ejection_fraction: Mapped[float | None] = c.real(
        unit="%", description="Latest left ventricular ejection fraction."
    )
    has_pacemaker: Mapped[bool | None] = c.boolean(
        default=False,
        description="Has an implanted pacemaker or ICD (detail in cardiology_pacemakers).",
    )
    has_stent: Mapped[bool | None] = c.boolean(
        default=False, description="Has coronary stents (detail in cardiology_stents)."
    )
    has_bypass: Mapped[bool | None] = c.boolean(
        default=False, description="Has had coronary artery bypass grafting (CABG)."
    )
    last_ecg_date: Mapped[dt.date | None] = c.date(description="Date of the latest ECG.")
    last_echo_date: Mapped[dt.date | None] = c.date(
        description="Date of the latest echocardiogram."
    )
    cardiac_history: Mapped[str | None] = c.text(description="Free-text cardiac history.")

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("cardiology_profile", lazy="raise", uselist=False),
    )


class Ecg(SoftDeletableRecord):
    """Electrocardiogram recording with intervals, axis, rhythm and interpretation. Merges the Drizzle cardiology_ecg_records with the legacy SQL cardiology_ecg (recording_time folded into recording_date, technician into performed_by, reviewing_doctor into interpreted_by, file_path into the URL columns)."""

    __tablename__ = "cardiology_ecgs"
    __table_args__ = (
        Index("idx_cardiology_ecgs_org", "organization_id"),
        Index("idx_cardiology_ecgs_patient_recording_date", "patient_id", "recording_date"),
        {
            "info": {"module": "cardiology", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref(
        "healthcare_patients",
        on_delete="cascade",
        required=True,
        description="Patient in the shared registry.",
    )
    examination_id: Mapped[str | None] = c.ref(
        "healthcare_examinations",
        on_delete="set null",
        description="Generic examination record this belongs to.",
    )
    consultation_id: Mapped[str | None] = c.ref(
        "healthcare_consultations",
        on_delete="set null",
        description="Consultation during which this was recorded.",
    )
    ecg_number: Mapped[str] = c.text(required=True, description="Business number of the ECG.")
    recording_date: Mapped[dt.datetime] = c.timestamp(
        required=True, description="Instant the ECG was recorded."
    )
    ecg_type: Mapped[str] = c.enum(
        ("standard_12_lead", "rhythm_strip", "stress_test", "signal_averaged"), required=True
    )
    paper_speed: Mapped[int | None] = c.integer(
        unit="mm/s", description="Paper speed, normally 25 or 50."
    )
    gain: Mapped[float | None] = c.real(
        unit="mm/mV", description="Amplitude gain, normally 10 or 20."
    )
    filter_settings: Mapped[str | None] = c.text()
    heart_rate: Mapped[int | None] = c.integer(unit="bpm", description="Ventricular rate.")
    pr_interval: Mapped[float | None] = c.real(unit="ms", description="PR interval.")
    qrs_duration: Mapped[float | None] = c.real(unit="ms", description="QRS duration.")
    qt_interval: Mapped[float | None] = c.real(unit="ms", description="QT interval.")
    qtc_interval: Mapped[float | None] = c.real(
        unit="ms", description="QT interval corrected for heart rate."
    )
    axis: Mapped[int | None] = c.integer(
        unit="deg", description="Frontal-plane QRS axis (legacy table stored it as text)."
    )
    rhythm: Mapped[str | None] = c.enum(
        ("sinus", "afib", "aflutter", "svt", "vt", "paced", "other"), description="Dominant rhythm."
    )
    rhythm_regularity: Mapped[str | None] = c.enum(
        ("regular", "irregular", "regularly_irregular", "irregularly_irregular")
    )
    p_wave_findings: Mapped[str | None] = c.text()
    qrs_findings: Mapped[str | None] = c.text()
    st_segment_findings: Mapped[str | None] = c.text()
    t_wave_findings: Mapped[str | None] = c.text()
    findings: Mapped[str | None] = c.text(
        description="General free-text findings (from the legacy cardiology_ecg)."
    )
    has_abnormalities: Mapped[bool | None] = c.boolean(default=False)
    abnormalities: Mapped[JsonData | None] = c.json(
        shape="array of abnormality descriptions", description="Detected abnormalities."
    )
    interpretation: Mapped[str | None] = c.text(description="Physician interpretation.")
    clinical_correlation: Mapped[str | None] = c.text()
    comparison: Mapped[str | None] = c.text(description="Comparison with previous ECGs.")
    ai_analysis: Mapped[JsonData | None] = c.json(
        shape="object of AI-generated findings", description="AI-generated findings."
    )
    ai_confidence: Mapped[float | None] = c.real(description="Confidence of the AI analysis, 0-1.")
    ecg_image_url: Mapped[str | None] = c.text(description="Object-storage URL of the ECG image.")
    ecg_pdf_url: Mapped[str | None] = c.text(description="URL of the ECG as PDF.")
    raw_data_url: Mapped[str | None] = c.text(description="URL of the digital ECG signal data.")
    performed_by: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Technician or clinician who recorded the ECG."
    )
    interpreted_by: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Clinician who interpreted the ECG."
    )
    interpreted_at: Mapped[dt.datetime | None] = c.timestamp()
    status: Mapped[str | None] = c.enum(
        ("pending", "interpreted", "reviewed", "verified"), default="pending"
    )
    urgency: Mapped[str | None] = c.enum(("routine", "urgent", "stat"), default="routine")
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref(
        "users", required=True, description="User who created the record."
    )

    patient: Mapped[Patient] = relationship(
        "Patient", foreign_keys=[patient_id], lazy="raise", backref=backref("ecgs", lazy="raise")
    )
    examination: Mapped[Examination | None] = relationship(
        "Examination",
        foreign_keys=[examination_id],
        lazy="raise",
        backref=backref("ecgs", lazy="raise"),
    )
    consultation: Mapped[Consultation | None] = relationship(
        "Consultation",
        foreign_keys=[consultation_id],
        lazy="raise",
        backref=backref("ecgs", lazy="raise"),
    )
    performed_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[performed_by], lazy="raise"
    )
    interpreted_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[interpreted_by], lazy="raise"
    )
    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")


class Echocardiogram(SoftDeletableRecord):
    """Echocardiography study with chamber, valve and function measurements."""

    __tablename__ = "cardiology_echos"
    __table_args__ = (
        Index("idx_cardiology_echos_org", "organization_id"),
        Index("idx_cardiology_echos_patient_study_date", "patient_id", "study_date"),
        {
            "info": {"module": "cardiology", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref(
        "healthcare_patients",
        on_delete="cascade",
        required=True,
        description="Patient in the shared registry.",
    )
    examination_id: Mapped[str | None] = c.ref(
        "healthcare_examinations",
        on_delete="set null",
        description="Generic examination record this belongs to.",
    )
    consultation_id: Mapped[str | None] = c.ref(
        "healthcare_consultations",
        on_delete="set null",
        description="Consultation during which this was recorded.",
    )
    echo_number: Mapped[str] = c.text(required=True, description="Business number of the study.")
    study_date: Mapped[dt.datetime] = c.timestamp(
        required=True,
        description="Instant of the study (source stored Unix seconds in a plain integer).",
    )
    echo_type: Mapped[str] = c.enum(
        ("tte", "tee", "stress", "contrast", "strain"),
        required=True,
        description="tte transthoracic, tee transoesophageal, stress, contrast, strain imaging.",
    )
    indication: Mapped[str | None] = c.text()
    lvef: Mapped[float | None] = c.real(
        unit="%", description="Left ventricular ejection fraction (source lv_ef)."
    )
    lvef_method: Mapped[str | None] = c.enum(
        ("visual", "biplane", "simpson", "3d"),
        description="Method used for the LVEF (source lv_ef_method).",
    )
    lvedd: Mapped[float | None] = c.real(
        unit="mm", description="Left ventricular end-diastolic diameter."
    )
    lvesd: Mapped[float | None] = c.real(
        unit="mm", description="Left ventricular end-systolic diameter."
    )
    lv_mass: Mapped[float | None] = c.real(unit="g", description="Left ventricular mass.")
    lv_mass_index: Mapped[float | None] = c.real(
        unit="g/m2", description="LV mass indexed to body surface area."
    )
    lv_wall_motion: Mapped[JsonData | None] = c.json(
        shape="wall motion abnormalities by segment",
        description="Regional wall motion abnormalities.",
    )
    gls: Mapped[float | None] = c.real(
        unit="%", description="Global longitudinal strain (negative %)."
    )
    la_volume: Mapped[float | None] = c.real(unit="mL", description="Left atrial volume.")
    la_volume_index: Mapped[float | None] = c.real(
        unit="mL/m2", description="LA volume indexed to body surface area."
    )
    la_dimension: Mapped[float | None] = c.real(
        unit="mm", description="Left atrial anteroposterior diameter."
    )
    rv_function: Mapped[str | None] = c.enum(
        ("normal", "mildly_reduced", "moderately_reduced", "severely_reduced"),
        description="Right ventricular systolic function.",
    )
    tapse: Mapped[float | None] = c.real(
        unit="mm", description="Tricuspid annular plane systolic excursion."
    )
    rvsp: Mapped[float | None] = c.real(
        unit="mmHg", description="Estimated right ventricular systolic pressure."
    )
    rv_basal_diameter: Mapped[float | None] = c.real(unit="mm")
    ra_area: Mapped[float | None] = c.real(unit="cm2", description="Right atrial area.")
    ra_pressure: Mapped[float | None] = c.real(
        unit="mmHg", description="Estimated right atrial pressure."
    )
    mitral_regurgitation: Mapped[str | None] = c.enum(
        ("none", "trivial", "mild", "moderate", "severe")
    )
    mitral_stenosis: Mapped[str | None] = c.enum(("none", "mild", "moderate", "severe"))
    aortic_regurgitation: Mapped[str | None] = c.enum(
        ("none", "trivial", "mild", "moderate", "severe")
    )
    aortic_stenosis: Mapped[str | None] = c.enum(("none", "mild", "moderate", "severe"))
    tricuspid_regurgitation: Mapped[str | None] = c.enum(
        ("none", "trivial", "mild", "moderate", "severe")
    )
    pulmonic_regurgitation: Mapped[str | None] = c.enum(
        ("none", "trivial", "mild", "moderate", "severe")
    )
    aortic_root_diameter: Mapped[float | None] = c.real(unit="mm")
    ascending_aorta_diameter: Mapped[float | None] = c.real(unit="mm")
    pericardial_effusion: Mapped[str | None] = c.enum(
        ("none", "trivial", "small", "moderate", "large")
    )
    diastolic_function: Mapped[str | None] = c.enum(
        ("normal", "grade_1", "grade_2", "grade_3", "indeterminate"),
        description="Diastolic dysfunction grade.",
    )
    all_measurements: Mapped[str | None] = c.text(
        description="Complete measurement set as recorded (free text)."
    )
    findings: Mapped[str | None] = c.text()
    abnormal_findings: Mapped[JsonData | None] = c.json(shape="array of abnormal findings")
    has_abnormal_findings: Mapped[bool | None] = c.boolean(default=False)
    interpretation: Mapped[str | None] = c.text()
    conclusion: Mapped[str | None] = c.text()
    recommendations: Mapped[str | None] = c.text()
    comparison: Mapped[str | None] = c.text(description="Comparison with previous studies.")
    ai_analysis: Mapped[str | None] = c.text(description="AI-generated analysis.")
    ai_confidence: Mapped[float | None] = c.real(description="Confidence of the AI analysis, 0-1.")
    image_urls: Mapped[JsonData | None] = c.json(shape="array of image URLs")
    video_urls: Mapped[JsonData | None] = c.json(shape="array of video clip URLs")
    report_url: Mapped[str | None] = c.text()
    sonographer: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Sonographer who acquired the study."
    )
    interpreted_by: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Cardiologist who interpreted the study."
    )
    interpreted_at: Mapped[dt.datetime | None] = c.timestamp()
    status: Mapped[str | None] = c.enum(
        ("pending", "preliminary", "final", "amended"), default="pending"
    )
    urgency: Mapped[str | None] = c.enum(("routine", "urgent", "stat"), default="routine")
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref(
        "users", required=True, description="User who created the record."
    )

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("echocardiograms", lazy="raise"),
    )
    examination: Mapped[Examination | None] = relationship(
        "Examination",
        foreign_keys=[examination_id],
        lazy="raise",
        backref=backref("echocardiograms", lazy="raise"),
    )
    consultation: Mapped[Consultation | None] = relationship(
        "Consultation",
        foreign_keys=[consultation_id],
        lazy="raise",
        backref=backref("echocardiograms", lazy="raise"),
    )
    sonographer_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[sonographer], lazy="raise"
    )
    interpreted_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[interpreted_by], lazy="raise"
    )
    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")
