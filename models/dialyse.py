"""dialyse: Haemodialysis unit: dialysis profile of registry patients, sessions with their per-session clinical measurements, machines, lab panels, and (tier 2) vascular accesses, prescriptions, planning slots, intra-session records, incidents, medications, consumables, signatures, alerts, protocols, staff, billing, transport and stock. Every patient_id references healthcare_patients (in the source it referenced dialyse_patients, whose person data lived in a CRM contact). Every table has organization_id, including the six child tables that lacked it in the source (session records, incidents, medications, consumables, signatures, consumable movements). Ids of ERP tables outside this schema (warehouses, inventory items, lots) are kept as plain text without a foreign key."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Index, text
from sqlalchemy.orm import Mapped, backref, relationship

from models import columns as c
from models.base import SoftDeletableRecord, TenantRecord
from models.types import JsonData

if TYPE_CHECKING:
    from models.core import User
    from models.healthcare import Patient


class DialysisProfile(SoftDeletableRecord):
    """Dialysis enrolment and profile of a registry patient (modality, access, dry weight, serology, status); one per patient and organization. Name, birth date, phone, photo, emergency contact, blood type, allergies and the medical number (medical_id) live in healthcare_patients; the source's contact_id is replaced by patient_id."""

    __tablename__ = "dialyse_patients"
    __table_args__ = (
        Index("idx_dialyse_patients_org", "organization_id"),
        Index("idx_dialyse_patients_org_patient", "organization_id", "patient_id", unique=True),
        Index("idx_dialyse_patients_patient", "patient_id"),
        {
            "info": {"module": "dialyse", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    dialysis_type: Mapped[str | None] = c.enum(
        ("hd", "hdf", "pd"),
        description="Modality: hd haemodialysis, hdf haemodiafiltration, pd peritoneal dialysis.",
    )
    vascular_access: Mapped[str | None] = c.enum(
        ("avf", "avg", "cvc"),
        description="Current access: avf arteriovenous fistula, avg arteriovenous graft, cvc central venous catheter (history in dialyse_vascular_accesses).",
    )
    dry_weight: Mapped[float | None] = c.real(unit="kg", description="Target post-dialysis weight.")
    ktv_target: Mapped[float | None] = c.real(
        default=1.4, description="Target Kt/V per session (dimensionless)."
    )
    renal_failure_etiology: Mapped[str | None] = c.text(description="Cause of the kidney failure.")
    medical_history: Mapped[JsonData | None] = c.json(
        description="Nephrology history (the general history is healthcare_patients.medical_history)."
    )
    contraindications: Mapped[JsonData | None] = c.json(shape="array of contraindications")
    hiv_status: Mapped[str | None] = c.enum(("negative", "positive", "unknown"), default="unknown")
    hbv_status: Mapped[str | None] = c.enum(
        ("negative", "positive", "unknown"), default="unknown", description="Hepatitis B serology."
    )
    hcv_status: Mapped[str | None] = c.enum(
        ("negative", "positive", "unknown"), default="unknown", description="Hepatitis C serology."
    )
    serology_last_update: Mapped[dt.datetime | None] = c.timestamp()
    is_isolation_required: Mapped[bool | None] = c.boolean(
        default=False,
        description="Must be dialysed in isolation, e.g. seropositive (requires_isolation in the source, renamed).",
    )
    is_hepatitis_b_vaccinated: Mapped[bool | None] = c.boolean(
        default=False, description="hepatitis_b_vaccinated in the source, renamed."
    )
    hepatitis_b_last_dose: Mapped[dt.datetime | None] = c.timestamp(
        description="Date of the last hepatitis B vaccine dose."
    )
    patient_status: Mapped[str | None] = c.enum(
        ("active", "transferred", "deceased", "transplanted", "recovered"),
        default="active",
        description="Status in the dialysis programme.",
    )
    dialysis_start_date: Mapped[dt.datetime | None] = c.timestamp(
        description="Start of renal replacement therapy."
    )
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref("users", required=True)

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("dialysis_profile", lazy="raise", uselist=False),
    )
    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")


class DialysisSession(SoftDeletableRecord):
    """One planned or performed dialysis session: planning (machine, slot, staff, timing, status) and what clinicians record for the session as a whole (weights, blood pressure, flows, ultrafiltration, BUN, Kt/V). Intra-session readings are in dialyse_session_records."""

    __tablename__ = "dialyse_sessions"
    __table_args__ = (
        Index("idx_dialyse_sessions_org", "organization_id"),
        Index("idx_dialyse_sessions_patient", "patient_id"),
        Index("idx_dialyse_sessions_date", "session_date"),
        Index("idx_dialyse_sessions_patient_session_date", "patient_id", "session_date"),
        Index("idx_dialyse_sessions_machine_session_date", "machine_id", "session_date"),
        Index("idx_dialyse_sessions_slot", "slot_id"),
        # Serving index (not in the spec): an organization's sessions by date (aggregates).
        Index("api_dialyse_sessions_org_session_date", "organization_id", "session_date"),
        # Serving index: a page of sessions per patient (nested lists), tenant first, in the
        # list's order to the last key (newest first, then id): no sort per page.
        Index(
            "api_dialyse_sessions_org_patient_session_date",
            "organization_id",
            "patient_id",
            text("session_date DESC"),
            "id",
        ),
        {
            "info": {"module": "dialyse", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    machine_id: Mapped[str | None] = c.ref("dialyse_machines", on_delete="set null")
    prescription_id: Mapped[str | None] = c.ref(
        "dialyse_prescriptions",
        on_delete="set null",
        description="Prescription the session applies (required in the source; optional here).",
    )
    slot_id: Mapped[str | None] = c.ref(
        "dialyse_session_slots", on_delete="set null", description="Planning slot (shift)."
    )
    session_number: Mapped[str] = c.text(
        required=True, description="Business number of the session, generated by the application."
    )
    session_date: Mapped[dt.date] = c.date(required=True, description="Day of the session.")
    status: Mapped[str | None] = c.enum(
        ("scheduled", "checked_in", "in_progress", "completed", "cancelled", "no_show"),
        default="scheduled",
    )
    scheduled_start_time: Mapped[dt.time | None] = c.time(
        description="Planned start clock time, e.g. '07:30'."
    )
    actual_start_time: Mapped[dt.datetime | None] = c.timestamp()
    actual_end_time: Mapped[dt.datetime | None] = c.timestamp()
    duration_minutes: Mapped[int | None] = c.integer(
        unit="min", description="Effective treatment time (actual_duration_minutes in the source)."
    )
    pre_weight: Mapped[float | None] = c.real(unit="kg", description="Weight before the session.")
    post_weight: Mapped[float | None] = c.real(unit="kg", description="Weight after the session.")
    uf_goal: Mapped[float | None] = c.real(
        unit="mL", description="Ultrafiltration volume targeted for the session."
    )
    uf_volume: Mapped[float | None] = c.real(
        unit="mL", description="Ultrafiltration volume achieved."
    )
    blood_flow: Mapped[int | None] = c.integer(unit="mL/min", description="Blood pump flow (Qb).")
    dialysate_flow: Mapped[int | None] = c.integer(
        unit="mL/min", description="Dialysate flow (Qd)."
    )
    pre_systolic_bp: Mapped[int | None] = c.integer(
        unit="mmHg", description="Systolic blood pressure before the session."
    )
    pre_diastolic_bp: Mapped[int | None] = c.integer(
        unit="mmHg", description="Diastolic blood pressure before the session."
    )
    post_systolic_bp: Mapped[int | None] = c.integer(
        unit="mmHg", description="Systolic blood pressure after the session."
    )
    post_diastolic_bp: Mapped[int | None] = c.integer(
        unit="mmHg", description="Diastolic blood pressure after the session."
    )
    pre_bun: Mapped[float | None] = c.real(
        unit="mg/dL", description="Blood urea nitrogen before the session (for Kt/V and URR)."
    )
    post_bun: Mapped[float | None] = c.real(
        unit="mg/dL", description="Blood urea nitrogen after the session (for Kt/V and URR)."
    )
    ktv: Mapped[float | None] = c.real(description="Delivered Kt/V of the session (dimensionless).")
    is_recurring: Mapped[bool | None] = c.boolean(default=False)
    recurrence_group_id: Mapped[str | None] = c.text(
        description="Shared id of the sessions of one recurring series."
    )
    primary_nurse_id: Mapped[str | None] = c.ref("users", on_delete="set null")
    supervising_doctor_id: Mapped[str | None] = c.ref("users", on_delete="set null")
    cancellation_reason: Mapped[str | None] = c.text()
    cancelled_by: Mapped[str | None] = c.ref("users", on_delete="set null")
    cancelled_at: Mapped[dt.datetime | None] = c.timestamp()
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref("users", required=True)

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("dialysis_sessions", lazy="raise"),
    )
    machine: Mapped[DialysisMachine | None] = relationship(
        "DialysisMachine",
        foreign_keys=[machine_id],
        lazy="raise",
        backref=backref("dialysis_sessions", lazy="raise"),
    )
    prescription: Mapped[DialysisPrescription | None] = relationship(
        "DialysisPrescription",
        foreign_keys=[prescription_id],
        lazy="raise",
        backref=backref("dialysis_sessions", lazy="raise"),
    )
    slot: Mapped[DialysisSessionSlot | None] = relationship(
        "DialysisSessionSlot",
        foreign_keys=[slot_id],
        lazy="raise",
        backref=backref("dialysis_sessions", lazy="raise"),
    )
    primary_nurse: Mapped[User | None] = relationship(
        "User", foreign_keys=[primary_nurse_id], lazy="raise"
    )
    supervising_doctor: Mapped[User | None] = relationship(
        "User", foreign_keys=[supervising_doctor_id], lazy="raise"
    )
    cancelled_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[cancelled_by], lazy="raise"
    )
    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")


class DialysisMachine(TenantRecord):
    """Dialysis machine (generator) inventory with status, isolation use, usage counters and maintenance dates."""

    __tablename__ = "dialyse_machines"
    __table_args__ = (
        Index("idx_dialyse_machines_org", "organization_id"),
        {
            "info": {"module": "dialyse", "tier": 1, "patient_centric": False},
        },
    )

    serial_number: Mapped[str] = c.text(required=True, description="Manufacturer serial number.")
    model: Mapped[str] = c.text(required=True)
    status: Mapped[str | None] = c.enum(
        ("available", "in_use", "maintenance", "out_of_service"), default="available"
    )
    machine_number: Mapped[str] = c.text(
        required=True, description="Unit's own number for the machine."
    )
    manufacturer: Mapped[str | None] = c.text()
    warehouse_id: Mapped[str | None] = c.text(
        description="Id of the ERP warehouse holding the machine (outside this schema; no foreign key)."
    )
    is_isolation_only: Mapped[bool | None] = c.boolean(
        default=False,
        description="Reserved for seropositive patients (isolation_only in the source, renamed).",
    )
    location: Mapped[str | None] = c.text(description="Room or bay.")
    total_hours: Mapped[int | None] = c.integer(
        default=0, unit="h", description="Operating hours counter."
    )
    total_sessions: Mapped[int | None] = c.integer(default=0, description="Number of sessions run.")
    installation_date: Mapped[dt.datetime | None] = c.timestamp()
    last_maintenance_date: Mapped[dt.datetime | None] = c.timestamp()
    next_maintenance_date: Mapped[dt.datetime | None] = c.timestamp()
    warranty_expiry: Mapped[dt.datetime | None] = c.timestamp()
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref("users", required=True)

    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")


class DialysisLab(SoftDeletableRecord):
    """Laboratory panel of a dialysis patient (urea, creatinine, Kt/V, haemoglobin, PTH, Ca/P, electrolytes, albumin, iron, CRP) with out-of-range flags and review."""

    __tablename__ = "dialyse_labs"
    __table_args__ = (
        Index("idx_dialyse_labs_org", "organization_id"),
        Index("idx_dialyse_labs_patient_lab_date", "patient_id", "lab_date"),
        Index("idx_dialyse_labs_lab_date", "lab_date"),
        # Serving index (not in the spec): a page of labs per patient (nested lists).
        Index(
            "api_dialyse_labs_org_patient_lab_date",
            "organization_id",
            "patient_id",
            text("lab_date DESC"),
            "id",
        ),
        {
            "info": {"module": "dialyse", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    lab_date: Mapped[dt.datetime] = c.timestamp(required=True, description="Sampling date.")
    lab_source: Mapped[str | None] = c.text(description="Laboratory name or import source.")
    import_method: Mapped[str | None] = c.enum(("manual", "file_import", "api"), default="manual")
    hemoglobin: Mapped[float | None] = c.real(unit="g/dL")
    potassium: Mapped[float | None] = c.real(unit="mmol/L")
    creatinine: Mapped[float | None] = c.real(unit="µmol/L")
    urea: Mapped[float | None] = c.real(unit="mmol/L")
    urea_pre: Mapped[float | None] = c.real(
        unit="mmol/L", description="Pre-dialysis urea, for Kt/V."
    )
    urea_post: Mapped[float | None] = c.real(
        unit="mmol/L", description="Post-dialysis urea, for Kt/V."
    )
    ktv: Mapped[float | None] = c.real(
        description="Kt/V, calculated or imported (dimensionless; kt_v in the source, renamed like dialyse_sessions.ktv)."
    )
    hematocrit: Mapped[float | None] = c.real(unit="%")
    pth: Mapped[float | None] = c.real(unit="pg/mL", description="Parathyroid hormone.")
    calcium: Mapped[float | None] = c.real(unit="mmol/L")
    phosphorus: Mapped[float | None] = c.real(unit="mmol/L")
    sodium: Mapped[float | None] = c.real(unit="mmol/L")
    bicarbonate: Mapped[float | None] = c.real(unit="mmol/L")
    albumin: Mapped[float | None] = c.real(unit="g/L")
    ferritin: Mapped[float | None] = c.real(unit="ng/mL")
    transferrin_saturation: Mapped[float | None] = c.real(unit="%", description="TSAT.")
    crp: Mapped[float | None] = c.real(unit="mg/L", description="C-reactive protein.")
    all_results: Mapped[JsonData | None] = c.json(
        shape="object of all lab values of the panel",
        description="Every value of the panel, including those without a column.",
    )
    has_out_of_range_values: Mapped[bool | None] = c.boolean(default=False)
    out_of_range_markers: Mapped[JsonData | None] = c.json(
        shape="array of the markers out of range"
    )
    reviewed_by: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Clinician who reviewed the results."
    )
    reviewed_at: Mapped[dt.datetime | None] = c.timestamp()
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref("users", required=True)

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("dialysis_labs", lazy="raise"),
    )
    reviewed_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[reviewed_by], lazy="raise"
    )
    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")


class DialysisPrescription(SoftDeletableRecord):
    """Dialysis prescription: modality, duration, frequency, flows, dialyser, anticoagulation and dialysate composition."""

    __tablename__ = "dialyse_prescriptions"
    __table_args__ = (
        Index("idx_dialyse_prescriptions_org", "organization_id"),
        Index("idx_dialyse_prescriptions_patient_status", "patient_id", "status"),
        {
            "info": {"module": "dialyse", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    prescribed_by: Mapped[str] = c.ref(
        "users", required=True, description="Prescribing nephrologist."
    )
    prescription_number: Mapped[str] = c.text(required=True)
    type: Mapped[str] = c.enum(
        ("hemodialysis", "hemofiltration", "hemodiafiltration"), required=True
    )
    is_permanent: Mapped[bool | None] = c.boolean(default=True)
    duration_minutes: Mapped[int] = c.integer(
        required=True, unit="min", description="Session duration, e.g. 240."
    )
    frequency_per_week: Mapped[int] = c.integer(
        required=True, description="Sessions per week, e.g. 3."
    )
    dry_weight: Mapped[float | None] = c.real(unit="kg", description="Target weight.")
    blood_flow_rate: Mapped[int | None] = c.integer(unit="mL/min", description="Qb.")
    dialysate_flow_rate: Mapped[int | None] = c.integer(unit="mL/min", description="Qd.")
    dialyzer_type: Mapped[str | None] = c.text()
    membrane_surface: Mapped[float | None] = c.real(
        unit="m2", description="Dialyser membrane surface."
    )
    anticoagulation_type: Mapped[str | None] = c.enum(
        ("heparin", "lmwh", "citrate", "none"), description="lmwh is low-molecular-weight heparin."
    )
    anticoagulation_dose: Mapped[str | None] = c.text()
    anticoagulation_protocol: Mapped[str | None] = c.text()
    session_medications: Mapped[str | None] = c.text(
        description="Medications given at each session, e.g. EPO, iron, vitamins."
    )
    dialysate_type: Mapped[str | None] = c.text()
    dialysate_sodium: Mapped[int | None] = c.integer(unit="mEq/L")
    dialysate_potassium: Mapped[float | None] = c.real(unit="mEq/L")
    dialysate_bicarbonate: Mapped[int | None] = c.integer(unit="mEq/L")
    dialysate_calcium: Mapped[float | None] = c.real(unit="mEq/L")
    start_date: Mapped[dt.datetime] = c.timestamp(required=True)
    end_date: Mapped[dt.datetime | None] = c.timestamp()
    status: Mapped[str | None] = c.enum(
        ("active", "expired", "cancelled", "superseded"), default="active"
    )
    superseded_by_id: Mapped[str | None] = c.ref(
        "dialyse_prescriptions",
        on_delete="set null",
        description="Prescription that replaced this one.",
    )
    notes: Mapped[str | None] = c.text()

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("dialysis_prescriptions", lazy="raise"),
    )
    prescribed_by_user: Mapped[User] = relationship(
        "User", foreign_keys=[prescribed_by], lazy="raise"
    )
    superseded_by: Mapped[DialysisPrescription | None] = relationship(
        "DialysisPrescription",
        foreign_keys=[superseded_by_id],
        lazy="raise",
        remote_side="DialysisPrescription.id",
        backref=backref("dialysis_prescriptions", lazy="raise"),
    )


class DialysisSessionSlot(TenantRecord):
    """Shift slot for session planning: time window, days of the week and capacity."""

    __tablename__ = "dialyse_session_slots"
    __table_args__ = (
        Index("idx_dialyse_session_slots_org", "organization_id"),
        {
            "info": {"module": "dialyse", "tier": 1, "patient_centric": False},
        },
    )

    name: Mapped[str] = c.text(required=True, description="E.g. 'Morning', 'Afternoon', 'Evening'.")
    start_time: Mapped[dt.time] = c.time(required=True, description="E.g. '06:00'.")
    end_time: Mapped[dt.time] = c.time(required=True, description="E.g. '12:00'.")
    days_of_week: Mapped[JsonData] = c.json(
        required=True,
        shape="array of ISO weekday numbers, 1 = Monday ... 7 = Sunday, e.g. [1,2,3,4,5,6]",
    )
    max_patients: Mapped[int] = c.integer(required=True, description="Capacity of the slot.")
    is_active: Mapped[bool | None] = c.boolean(
        default=True, description="active in the source, renamed."
    )
