"""ophthalmology: Ophthalmology: per-patient eye profile, biometry, surgeries, OCT, visual fields, IOL implants, intravitreal injections, refraction, tonometry, fundus photographs and OSDI questionnaires."""

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
    from models.healthcare import Consultation, Patient


class OphthalmologyProfile(SoftDeletableRecord):
    """Ophthalmology enrolment and profile of a registry patient: main diagnoses, latest acuity and IOP, optical correction (one row per patient per organization; demographics live in healthcare_patients)."""

    __tablename__ = "ophthalmology_patients"
    __table_args__ = (
        Index("idx_ophthalmology_patients_org", "organization_id"),
        Index(
            "idx_ophthalmology_patients_org_patient", "organization_id", "patient_id", unique=True
        ),
        Index("idx_ophthalmology_patients_patient", "patient_id"),
        {
            "info": {"module": "ophthalmology", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref(
        "healthcare_patients",
        on_delete="cascade",
        required=True,
        description="Patient in the shared registry.",
    )
    primary_diagnosis: Mapped[str | None] = c.text()
    has_glaucoma: Mapped[bool | None] = c.boolean(default=False)
    has_amd: Mapped[bool | None] = c.boolean(
        default=False,
        description="Age-related macular degeneration (source has_dmla, the French abbreviation).",
    )
    has_diabetic_retinopathy: Mapped[bool | None] = c.boolean(default=False)
    has_cataract: Mapped[bool | None] = c.boolean(default=False)
    has_iol_implant: Mapped[bool | None] = c.boolean(
        default=False, description="Has at least one intraocular lens implant."
    )
    last_acuity_od: Mapped[str | None] = c.text(
        description="Latest visual acuity of the right eye as recorded, e.g. '20/20' or '10/10'."
    )
    last_acuity_os: Mapped[str | None] = c.text(
        description="Latest visual acuity of the left eye (source last_acuity_og; OG is the French abbreviation for the left eye)."
    )
    last_iop_od: Mapped[float | None] = c.real(
        unit="mmHg", description="Latest intraocular pressure of the right eye."
    )
    last_iop_os: Mapped[float | None] = c.real(
        unit="mmHg", description="Latest intraocular pressure of the left eye (source last_iop_og)."
    )
    last_consultation: Mapped[dt.date | None] = c.date(
        description="Date of the latest ophthalmology consultation."
    )
    next_appointment: Mapped[dt.datetime | None] = c.timestamp(
        description="Next scheduled ophthalmology appointment."
    )
    is_wearing_glasses: Mapped[bool | None] = c.boolean(
        default=False, description="Patient wears glasses (source wearing_glasses)."
    )
    is_wearing_contacts: Mapped[bool | None] = c.boolean(
        default=False, description="Patient wears contact lenses (source wearing_contacts)."
    )
    ophthalmic_history: Mapped[str | None] = c.text(description="Free-text ophthalmic history.")

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("ophthalmology_profile", lazy="raise", uselist=False),
    )


class OcularBiometry(SoftDeletableRecord):
    """Ocular biometry of one eye (axial length, keratometry, ACD, lens thickness, white-to-white...) used for IOL power calculation. Drizzle model plus the legacy physical columns that carry a distinct concept (recommended_iol_power, recommended_iol_model, formula_used)."""

    __tablename__ = "ophthalmology_biometry"
    __table_args__ = (
        Index("idx_ophthalmology_biometry_org", "organization_id"),
        Index(
            "idx_ophthalmology_biometry_patient_measurement_date", "patient_id", "measurement_date"
        ),
        {
            "info": {"module": "ophthalmology", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref(
        "healthcare_patients",
        on_delete="cascade",
        required=True,
        description="Patient in the shared registry.",
    )
    consultation_id: Mapped[str | None] = c.ref(
        "healthcare_consultations",
        on_delete="set null",
        description="Consultation during which this was recorded.",
    )
    biometry_number: Mapped[str] = c.text(
        required=True, description="Business number of the measurement."
    )
    measurement_date: Mapped[dt.datetime] = c.timestamp(required=True)
    eye: Mapped[str] = c.enum(
        ("left", "right"),
        required=True,
        description="Eye; the source's od/os are mapped to right/left.",
    )
    device_type: Mapped[str] = c.enum(
        ("optical", "ultrasound", "swept_source"), required=True, description="Biometry technology."
    )
    device_manufacturer: Mapped[str | None] = c.text()
    device_model: Mapped[str | None] = c.text()
    axial_length: Mapped[float] = c.real(
        required=True, unit="mm", description="Axial length of the eye."
    )
    axial_length_sd: Mapped[float | None] = c.real(
        unit="mm", description="Standard deviation of the axial length readings."
    )
    axial_length_snr: Mapped[float | None] = c.real(
        description="Signal-to-noise ratio of the axial length measurement (unitless)."
    )
    k1: Mapped[float] = c.real(
        required=True,
        unit="D",
        description="Keratometry of the flat meridian (legacy keratometry_k1).",
    )
    k1_axis: Mapped[int | None] = c.integer(
        unit="deg", description="Axis of the flat meridian (legacy keratometry_axis)."
    )
    k2: Mapped[float] = c.real(
        required=True,
        unit="D",
        description="Keratometry of the steep meridian (legacy keratometry_k2).",
    )
    k2_axis: Mapped[int | None] = c.integer(unit="deg", description="Axis of the steep meridian.")
    avg_k: Mapped[float | None] = c.real(unit="D", description="Mean keratometry.")
    delta_k: Mapped[float | None] = c.real(unit="D", description="Corneal astigmatism, K2 - K1.")
    keratometry_type: Mapped[str | None] = c.enum(("automated", "manual", "topography"))
    acd: Mapped[float | None] = c.real(
        unit="mm",
        description="Anterior chamber depth, internal: corneal endothelium to lens (legacy anterior_chamber_depth).",
    )
    acd_external: Mapped[float | None] = c.real(
        unit="mm", description="Anterior chamber depth, external: corneal epithelium to lens."
    )
    lens_thickness: Mapped[float | None] = c.real(
        unit="mm", description="Crystalline lens thickness."
    )
    wtw: Mapped[float | None] = c.real(
        unit="mm", description="Horizontal white-to-white corneal diameter (legacy white_to_white)."
    )
    pupil_diameter: Mapped[float | None] = c.real(unit="mm")
    pupil_diameter_photopic: Mapped[float | None] = c.real(unit="mm")
    pupil_diameter_mesopic: Mapped[float | None] = c.real(unit="mm")
    cct: Mapped[float | None] = c.real(unit="µm", description="Central corneal thickness.")
    posterior_k1: Mapped[float | None] = c.real(
        unit="D", description="Posterior corneal keratometry, flat meridian."
    )
    posterior_k1_axis: Mapped[int | None] = c.integer(unit="deg")
    posterior_k2: Mapped[float | None] = c.real(
        unit="D", description="Posterior corneal keratometry, steep meridian."
    )
    posterior_k2_axis: Mapped[int | None] = c.integer(unit="deg")
    total_cornea_power: Mapped[float | None] = c.real(
        unit="D", description="Total corneal refractive power (anterior and posterior)."
    )
    total_cornea_astigmatism: Mapped[float | None] = c.real(unit="D")
    total_cornea_astigmatism_axis: Mapped[int | None] = c.integer(unit="deg")
    all_measurements: Mapped[str | None] = c.text(
        description="Complete measurement set as exported by the device (free text)."
    )
    iol_calculations: Mapped[JsonData | None] = c.json(
        shape="array of formula results", description="IOL power results per formula."
    )
    target_refraction: Mapped[float | None] = c.real(
        unit="D", description="Target postoperative refraction (spherical equivalent)."
    )
    recommended_iol_power: Mapped[float | None] = c.real(
        unit="D", description="IOL power chosen from the calculation (legacy physical column)."
    )
    recommended_iol_model: Mapped[str | None] = c.text(
        description="IOL model the power was calculated for (legacy physical column)."
    )
    formula_used: Mapped[str | None] = c.text(
        description="Formula of the recommended power, e.g. SRK/T, Barrett Universal II (legacy physical column)."
    )
    a_constant: Mapped[float | None] = c.real(
        description="A-constant of the IOL model used for recommended_iol_power; not in the source biometry table (same meaning as ophthalmology_iol_implants.a_constant)."
    )
    measurement_quality: Mapped[str | None] = c.enum(("excellent", "good", "fair", "poor"))
    quality_issues: Mapped[JsonData | None] = c.json(shape="array of quality issues")
    performed_by: Mapped[str | None] = c.ref(
        "users",
        on_delete="set null",
        description="Technician or orthoptist who took the measurement (legacy technician).",
    )
    reviewed_by: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Ophthalmologist who reviewed the measurement."
    )
    report_url: Mapped[str | None] = c.text()
    image_urls: Mapped[JsonData | None] = c.json(
        shape="array of image URLs",
        description="Image URLs (TEXT without a JSON note in the source; typed like the other image_urls columns).",
    )
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref(
        "users", required=True, description="User who created the record."
    )

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("ocular_biometries", lazy="raise"),
    )
    consultation: Mapped[Consultation | None] = relationship(
        "Consultation",
        foreign_keys=[consultation_id],
        lazy="raise",
        backref=backref("ocular_biometries", lazy="raise"),
    )
    performed_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[performed_by], lazy="raise"
    )
    reviewed_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[reviewed_by], lazy="raise"
    )
    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")


class EyeSurgery(SoftDeletableRecord):
    """Ophthalmic surgical procedure (cataract, glaucoma, retina, cornea, refractive...) with team, anaesthesia, intra-operative details and outcome."""

    __tablename__ = "ophthalmology_surgeries"
    __table_args__ = (
        Index("idx_ophthalmology_surgeries_org", "organization_id"),
        Index("idx_ophthalmology_surgeries_patient_surgery_date", "patient_id", "surgery_date"),
        {
            "info": {"module": "ophthalmology", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref(
        "healthcare_patients",
        on_delete="cascade",
        required=True,
        description="Patient in the shared registry.",
    )
    surgery_number: Mapped[str] = c.text(
        required=True, description="Business number of the surgery."
    )
    surgery_date: Mapped[dt.datetime] = c.timestamp(required=True)
    eye: Mapped[str] = c.enum(
        ("left", "right", "both"),
        required=True,
        description="Eye; the source's od/os/ou are mapped to right/left/both.",
    )
    surgery_type: Mapped[str] = c.enum(
        (
            "phaco",
            "ecce",
            "icce",
            "iol_exchange",
            "vitrectomy",
            "retinal_detachment",
            "glaucoma_trab",
            "glaucoma_tube",
            "migs",
            "corneal_transplant",
            "pterygium",
            "strabismus",
            "oculoplastics",
            "laser_refractive",
            "prk",
            "lasik",
            "smile",
            "other",
        ),
        required=True,
    )
    surgery_subtype: Mapped[str | None] = c.text()
    status: Mapped[str | None] = c.enum(
        ("scheduled", "in_progress", "completed", "cancelled"),
        default="scheduled",
        description="Workflow status of the surgery (Perfex README column, not in the source; values as the other scheduled procedures of the source).",
    )
    indication: Mapped[str | None] = c.text()
    diagnosis: Mapped[JsonData | None] = c.json(
        shape="array of ICD codes", description="Diagnoses."
    )
    surgeon: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Operating surgeon."
    )
    assistant_surgeon: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Assistant surgeon."
    )
    anesthesiologist: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Anaesthesiologist."
    )
    scrub_nurse: Mapped[str | None] = c.ref(
        "users", on_delete="set null", description="Scrub nurse."
    )
    anesthesia_type: Mapped[str | None] = c.enum(
        ("topical", "local", "peribulbar", "retrobulbar", "general")
    )
    anesthesia_drugs: Mapped[JsonData | None] = c.json(shape="array of drugs")
    scheduled_start_time: Mapped[dt.datetime | None] = c.timestamp()
    actual_start_time: Mapped[dt.datetime | None] = c.timestamp()
    actual_end_time: Mapped[dt.datetime | None] = c.timestamp()
    duration_minutes: Mapped[int | None] = c.integer(unit="min")
    pre_op_va: Mapped[str | None] = c.text(
        description="Pre-operative visual acuity as recorded, e.g. '20/40'."
    )
    pre_op_iop: Mapped[float | None] = c.real(
        unit="mmHg", description="Pre-operative intraocular pressure."
    )
    pre_op_exam: Mapped[str | None] = c.text()
    pre_op_medications: Mapped[JsonData | None] = c.json(shape="array of medications")
    procedure_details: Mapped[str | None] = c.text()
    techniques_used: Mapped[JsonData | None] = c.json(shape="array of techniques")
    iol_model: Mapped[str | None] = c.text(
        description="Model of the implanted IOL, if any (Perfex README column; detail in ophthalmology_iol_implants)."
    )
    iol_power: Mapped[float | None] = c.real(
        unit="D",
        description="Power of the implanted IOL, if any (Perfex README column; detail in ophthalmology_iol_implants).",
    )
    implanted_devices: Mapped[JsonData | None] = c.json(shape="array of implanted devices")
    consumables_used: Mapped[JsonData | None] = c.json(shape="array of consumables")
    intra_op_findings: Mapped[str | None] = c.text()
    intra_op_complications: Mapped[JsonData | None] = c.json(shape="array of complications")
    has_complications: Mapped[bool | None] = c.boolean(default=False)
    surgery_outcome: Mapped[str | None] = c.enum(
        ("successful", "complicated", "converted", "aborted"),
        description="Immediate surgical result.",
    )
    immediate_va: Mapped[str | None] = c.text(description="Visual acuity right after surgery.")
    immediate_iop: Mapped[float | None] = c.real(
        unit="mmHg", description="Intraocular pressure right after surgery."
    )
    post_op_medications: Mapped[JsonData | None] = c.json(shape="array of medications")
    post_op_instructions: Mapped[str | None] = c.text()
    first_follow_up_date: Mapped[dt.datetime | None] = c.timestamp()
    final_va: Mapped[str | None] = c.text(description="Final visual acuity.")
    final_iop: Mapped[float | None] = c.real(unit="mmHg", description="Final intraocular pressure.")
    final_outcome: Mapped[str | None] = c.enum(("excellent", "good", "fair", "poor"))
    late_complications: Mapped[JsonData | None] = c.json(shape="array of complications")
    billing_codes: Mapped[JsonData | None] = c.json(shape="array of billing codes")
    operative_report_url: Mapped[str | None] = c.text()
    video_urls: Mapped[JsonData | None] = c.json(shape="array of video URLs")
    image_urls: Mapped[JsonData | None] = c.json(shape="array of image URLs")
    consent_form_url: Mapped[str | None] = c.text()
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref(
        "users", required=True, description="User who created the record."
    )

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("eye_surgeries", lazy="raise"),
    )
    surgeon_user: Mapped[User | None] = relationship("User", foreign_keys=[surgeon], lazy="raise")
    assistant_surgeon_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[assistant_surgeon], lazy="raise"
    )
    anesthesiologist_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[anesthesiologist], lazy="raise"
    )
    scrub_nurse_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[scrub_nurse], lazy="raise"
    )
    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")
