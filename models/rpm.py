"""rpm: Remote patient monitoring - connected devices, their readings, monitoring programmes, patient enrolments, alerts and the compliance, time and billing records built on them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Index, text
from sqlalchemy.orm import Mapped, backref, relationship

from models import columns as c
from models.base import SoftDeletableRecord, TenantRecord
from models.types import JsonData

if TYPE_CHECKING:
    from models.core import User
    from models.healthcare import Patient


class RpmDevice(SoftDeletableRecord):
    """Remote-monitoring device (blood-pressure monitor, glucometer, oximeter, scale...) and its assignment to a patient."""

    __tablename__ = "rpm_devices"
    __table_args__ = (
        Index("idx_rpm_devices_org", "organization_id"),
        Index("idx_rpm_devices_patient", "patient_id"),
        Index("idx_rpm_devices_serial_number", "serial_number"),
        Index("idx_rpm_devices_status", "status"),
        Index("idx_rpm_devices_device_type", "device_type"),
        {
            "info": {"module": "rpm", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref(
        "healthcare_patients",
        on_delete="cascade",
        required=True,
        description="Patient the device is assigned to (source assigned_patient_id).",
    )
    device_type: Mapped[str] = c.enum(
        (
            "blood_pressure_monitor",
            "glucometer",
            "pulse_oximeter",
            "weight_scale",
            "thermometer",
            "ecg_monitor",
            "spirometer",
            "activity_tracker",
            "continuous_glucose_monitor",
            "heart_rate_monitor",
            "peak_flow_meter",
            "other",
        ),
        required=True,
        description="Kind of device; the Perfex README's bp, glucose, spo2, weight are blood_pressure_monitor, glucometer, pulse_oximeter, weight_scale.",
    )
    device_subtype: Mapped[str | None] = c.text(description="More specific classification.")
    brand: Mapped[str] = c.text(required=True, description="Manufacturer (source manufacturer).")
    model: Mapped[str] = c.text(required=True)
    serial_number: Mapped[str] = c.text(required=True)
    device_number: Mapped[str] = c.text(
        required=True, description="Internal inventory number of the device."
    )
    imei: Mapped[str | None] = c.text(description="IMEI of a cellular device.")
    mac_address: Mapped[str | None] = c.text(
        description="MAC address of a Bluetooth or Wi-Fi device."
    )
    firmware_version: Mapped[str | None] = c.text()
    connectivity_type: Mapped[str] = c.enum(
        ("bluetooth", "wifi", "cellular", "usb", "manual_entry", "api"), required=True
    )
    connection_details: Mapped[JsonData | None] = c.json(
        description="Connection credentials and settings.", sensitive=True
    )
    last_connection_at: Mapped[dt.datetime | None] = c.timestamp()
    is_online: Mapped[bool | None] = c.boolean(default=False)
    battery_level: Mapped[int | None] = c.integer(unit="%", description="Battery charge, 0 to 100.")
    battery_last_updated: Mapped[dt.datetime | None] = c.timestamp(
        description="When battery_level was last reported."
    )
    status: Mapped[str | None] = c.enum(
        ("active", "inactive", "maintenance", "lost", "retired", "pending_activation"),
        default="active",
    )
    status_reason: Mapped[str | None] = c.text()
    assigned_at: Mapped[dt.datetime | None] = c.timestamp()
    assigned_by: Mapped[str | None] = c.ref("users")
    last_calibration_date: Mapped[dt.datetime | None] = c.timestamp()
    next_calibration_date: Mapped[dt.datetime | None] = c.timestamp()
    calibration_interval_days: Mapped[int | None] = c.integer(unit="days")
    reading_interval_minutes: Mapped[int | None] = c.integer(
        default=60, unit="min", description="Expected interval between readings."
    )
    has_alerts_enabled: Mapped[bool | None] = c.boolean(
        default=True,
        description="Whether readings from this device may raise alerts (source alerts_enabled).",
    )
    device_settings: Mapped[JsonData | None] = c.json(description="Device-specific settings.")
    purchase_date: Mapped[dt.datetime | None] = c.timestamp()
    warranty_expiry: Mapped[dt.datetime | None] = c.timestamp()
    last_maintenance_date: Mapped[dt.datetime | None] = c.timestamp()
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref("users", required=True)

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("rpm_devices", lazy="raise"),
    )
    assigned_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[assigned_by], lazy="raise"
    )
    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")


class RpmReading(SoftDeletableRecord):
    """One measurement sent by a device or entered manually, with up to three values, context and review."""

    __tablename__ = "rpm_readings"
    __table_args__ = (
        Index("idx_rpm_readings_org", "organization_id"),
        Index("idx_rpm_readings_patient", "patient_id"),
        Index("idx_rpm_readings_patient_timestamp", "patient_id", "timestamp"),
        Index("idx_rpm_readings_device", "device_id"),
        Index("idx_rpm_readings_program", "program_id"),
        Index("idx_rpm_readings_reading_type", "reading_type"),
        Index("idx_rpm_readings_timestamp", "timestamp"),
        # Serving index (not in the spec): an organization's readings newest first (RpmAlerts).
        Index("api_rpm_readings_org_timestamp", "organization_id", "timestamp"),
        # Serving index: a page of readings per patient (nested lists), tenant first.
        Index(
            "api_rpm_readings_org_patient_timestamp",
            "organization_id",
            "patient_id",
            text('"timestamp" DESC'),
            "id",
        ),
        {
            "info": {"module": "rpm", "tier": 1, "patient_centric": True},
        },
    )

    device_id: Mapped[str | None] = c.ref(
        "rpm_devices",
        on_delete="set null",
        description="Device that took the reading; null for manual entries.",
    )
    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    program_id: Mapped[str | None] = c.ref("rpm_programs", on_delete="set null")
    reading_number: Mapped[str] = c.text(
        required=True, description="Business reference of the reading."
    )
    reading_type: Mapped[str] = c.enum(
        (
            "blood_pressure",
            "blood_glucose",
            "oxygen_saturation",
            "weight",
            "temperature",
            "heart_rate",
            "respiratory_rate",
            "peak_flow",
            "ecg",
            "activity",
            "sleep",
            "spirometry",
            "other",
        ),
        required=True,
    )
    values: Mapped[JsonData | None] = c.json(
        description="All values of the reading (source reading_data, the full reading details). VALUES is an SQL keyword: quote the column name in SQL."
    )
    timestamp: Mapped[dt.datetime] = c.timestamp(
        required=True, description="When the measurement was taken (source measured_at)."
    )
    received_at: Mapped[dt.datetime] = c.timestamp(
        required=True, description="When the server received the reading."
    )
    primary_value: Mapped[float] = c.real(
        required=True, description="Main measurement, e.g. systolic pressure for blood pressure."
    )
    primary_unit: Mapped[str] = c.text(
        required=True, description="Unit of primary_value: mmHg, mg/dL, %, kg..."
    )
    secondary_value: Mapped[float | None] = c.real(
        description="Second measurement, e.g. diastolic pressure for blood pressure."
    )
    secondary_unit: Mapped[str | None] = c.text()
    tertiary_value: Mapped[float | None] = c.real(
        description="Third measurement, e.g. pulse for blood pressure."
    )
    tertiary_unit: Mapped[str | None] = c.text()
    context: Mapped[str | None] = c.enum(
        (
            "fasting",
            "post_meal",
            "before_meal",
            "before_exercise",
            "after_exercise",
            "resting",
            "morning",
            "evening",
            "before_medication",
            "after_medication",
            "random",
            "scheduled",
        ),
        description="Circumstances of the measurement.",
    )
    body_position: Mapped[str | None] = c.enum(("sitting", "standing", "lying", "other"))
    activity_level: Mapped[str | None] = c.enum(("resting", "light", "moderate", "vigorous"))
    quality_score: Mapped[int | None] = c.integer(
        description="Quality reported by the device, 0 to 100."
    )
    is_valid: Mapped[bool | None] = c.boolean(
        default=True, description="False when the reading is rejected; see invalid_reason."
    )
    invalid_reason: Mapped[str | None] = c.text()
    is_out_of_range: Mapped[bool | None] = c.boolean(
        description="True when the reading is outside the patient's target range (the source's is_within_range, negated)."
    )
    deviation_percent: Mapped[float | None] = c.real(
        unit="%", description="Deviation from the target value."
    )
    has_triggered_alert: Mapped[bool | None] = c.boolean(
        default=False, description="Whether the reading raised an alert (source triggered_alert)."
    )
    alert_id: Mapped[str | None] = c.text(
        description="Id of the rpm_alerts row raised by this reading; kept without foreign key because rpm_alerts.reading_id already points back here."
    )
    entry_method: Mapped[str] = c.enum(
        ("device_automatic", "device_manual", "patient_manual", "provider_entry", "api_sync"),
        required=True,
    )
    patient_notes: Mapped[str | None] = c.text()
    symptoms: Mapped[JsonData | None] = c.json(
        shape="array", description="Symptoms reported with the reading."
    )
    reviewed_by: Mapped[str | None] = c.ref("users")
    reviewed_at: Mapped[dt.datetime | None] = c.timestamp()
    review_notes: Mapped[str | None] = c.text()

    device: Mapped[RpmDevice | None] = relationship(
        "RpmDevice",
        foreign_keys=[device_id],
        lazy="raise",
        backref=backref("rpm_readings", lazy="raise"),
    )
    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("rpm_readings", lazy="raise"),
    )
    program: Mapped[RpmProgram | None] = relationship(
        "RpmProgram",
        foreign_keys=[program_id],
        lazy="raise",
        backref=backref("rpm_readings", lazy="raise"),
    )
    reviewed_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[reviewed_by], lazy="raise"
    )


class RpmProgram(TenantRecord):
    """Monitoring programme for a condition (required readings, schedule, alert thresholds, compliance target, billing code)."""

    __tablename__ = "rpm_programs"
    __table_args__ = (
        Index("idx_rpm_programs_org", "organization_id"),
        Index("idx_rpm_programs_status", "status"),
        Index("idx_rpm_programs_program_type", "program_type"),
        {
            "info": {"module": "rpm", "tier": 1, "patient_centric": False},
        },
    )

    name: Mapped[str] = c.text(required=True, description="Programme name (source program_name).")
    program_code: Mapped[str] = c.text(required=True)
    description: Mapped[str | None] = c.text()
    program_type: Mapped[str] = c.enum(
        (
            "hypertension",
            "diabetes",
            "ckd",
            "chf",
            "copd",
            "weight_management",
            "post_surgery",
            "pregnancy",
            "cardiac_rehab",
            "general_wellness",
            "custom",
        ),
        required=True,
    )
    associated_module: Mapped[str | None] = c.enum(
        ("dialyse", "cardiology", "ophthalmology", "general")
    )
    required_reading_types: Mapped[JsonData] = c.json(required=True, shape="array of reading types")
    measurement_schedule: Mapped[JsonData | None] = c.json(
        shape='object reading type -> frequency, e.g. {"blood_pressure": "twice_daily"}',
        description="Expected reading frequency (source reading_frequency).",
    )
    minimum_readings_per_week: Mapped[int | None] = c.integer(default=1)
    alert_thresholds: Mapped[JsonData | None] = c.json(
        description="Default alert thresholds of the programme."
    )
    compliance_target_percent: Mapped[int | None] = c.integer(default=80, unit="%")
    compliance_window_days: Mapped[int | None] = c.integer(default=7, unit="days")
    program_duration_days: Mapped[int | None] = c.integer(
        unit="days", description="Planned duration; null means indefinite."
    )
    cpt_code: Mapped[str | None] = c.text(description="CPT billing code.")
    billing_rate_per_month: Mapped[Decimal | None] = c.decimal()
    status: Mapped[str | None] = c.enum(("active", "inactive", "archived"), default="active")
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref("users", required=True)

    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")


class RpmEnrollment(SoftDeletableRecord):
    """Enrolment of a patient in a monitoring programme, with consent, care team, personal targets and status."""

    __tablename__ = "rpm_enrollments"
    __table_args__ = (
        Index("idx_rpm_enrollments_org", "organization_id"),
        Index("idx_rpm_enrollments_patient", "patient_id"),
        Index("idx_rpm_enrollments_program", "program_id"),
        Index("idx_rpm_enrollments_status", "status"),
        Index(
            "idx_rpm_enrollments_start_date_expected_end_date", "start_date", "expected_end_date"
        ),
        {
            "info": {"module": "rpm", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    program_id: Mapped[str] = c.ref("rpm_programs", on_delete="cascade", required=True)
    enrollment_number: Mapped[str] = c.text(required=True)
    enrolled_at: Mapped[dt.datetime] = c.timestamp(required=True)
    enrolled_by: Mapped[str] = c.ref("users", required=True)
    start_date: Mapped[dt.datetime] = c.timestamp(required=True)
    expected_end_date: Mapped[dt.datetime | None] = c.timestamp()
    actual_end_date: Mapped[dt.datetime | None] = c.timestamp()
    status: Mapped[str | None] = c.enum(
        ("active", "paused", "completed", "discontinued", "expired"), default="active"
    )
    status_reason: Mapped[str | None] = c.text()
    status_changed_at: Mapped[dt.datetime | None] = c.timestamp()
    status_changed_by: Mapped[str | None] = c.ref("users")
    primary_physician_id: Mapped[str | None] = c.ref(
        "users", description="Physician responsible for the monitoring."
    )
    care_coordinator_id: Mapped[str | None] = c.ref("users")
    custom_alert_thresholds: Mapped[JsonData | None] = c.json(
        description="Patient-specific thresholds overriding the programme's."
    )
    custom_reading_frequency: Mapped[JsonData | None] = c.json(
        description="Patient-specific schedule overriding the programme's."
    )
    patient_goals: Mapped[JsonData | None] = c.json(description="Target values for this patient.")
    is_consent_obtained: Mapped[bool | None] = c.boolean(
        default=False,
        description="Whether the patient consented to monitoring (source consent_obtained).",
    )
    consent_date: Mapped[dt.datetime | None] = c.timestamp()
    consent_document_url: Mapped[str | None] = c.text()
    assigned_devices: Mapped[JsonData | None] = c.json(shape="array of rpm_devices ids")
    notes: Mapped[str | None] = c.text()

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("rpm_enrollments", lazy="raise"),
    )
    program: Mapped[RpmProgram] = relationship(
        "RpmProgram",
        foreign_keys=[program_id],
        lazy="raise",
        backref=backref("rpm_enrollments", lazy="raise"),
    )
    enrolled_by_user: Mapped[User] = relationship("User", foreign_keys=[enrolled_by], lazy="raise")
    status_changed_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[status_changed_by], lazy="raise"
    )
    primary_physician: Mapped[User | None] = relationship(
        "User", foreign_keys=[primary_physician_id], lazy="raise"
    )
    care_coordinator: Mapped[User | None] = relationship(
        "User", foreign_keys=[care_coordinator_id], lazy="raise"
    )


class RpmAlert(SoftDeletableRecord):
    """Alert raised by a reading or a rule (threshold, missing data, device offline...), with acknowledgement, escalation and resolution."""

    __tablename__ = "rpm_alerts"
    __table_args__ = (
        Index("idx_rpm_alerts_org", "organization_id"),
        Index("idx_rpm_alerts_patient", "patient_id"),
        Index("idx_rpm_alerts_patient_triggered_at", "patient_id", "triggered_at"),
        Index("idx_rpm_alerts_enrollment", "enrollment_id"),
        Index("idx_rpm_alerts_reading", "reading_id"),
        Index("idx_rpm_alerts_triggered_at", "triggered_at"),
        Index("idx_rpm_alerts_status", "status"),
        Index("idx_rpm_alerts_severity", "severity"),
        Index("idx_rpm_alerts_alert_type", "alert_type"),
        {
            "info": {"module": "rpm", "tier": 1, "patient_centric": True},
        },
    )

    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    enrollment_id: Mapped[str | None] = c.ref("rpm_enrollments", on_delete="set null")
    reading_id: Mapped[str | None] = c.ref(
        "rpm_readings", on_delete="set null", description="Reading that triggered the alert."
    )
    alert_number: Mapped[str] = c.text(required=True)
    alert_type: Mapped[str] = c.enum(
        (
            "threshold_exceeded",
            "threshold_critical",
            "missing_reading",
            "device_offline",
            "compliance_low",
            "trend_concern",
            "rapid_change",
            "patient_reported",
            "system",
        ),
        required=True,
    )
    triggered_at: Mapped[dt.datetime] = c.timestamp(required=True)
    severity: Mapped[str] = c.enum(("low", "medium", "high", "critical"), required=True)
    priority: Mapped[int | None] = c.integer(default=5, description="1 is highest, 10 lowest.")
    title: Mapped[str] = c.text(required=True)
    description: Mapped[str | None] = c.text()
    reading_type: Mapped[str | None] = c.text(
        description="Reading type concerned (values of rpm_readings.reading_type)."
    )
    reading_value: Mapped[str | None] = c.text(
        description="Value that triggered the alert, as displayed."
    )
    threshold_value: Mapped[str | None] = c.text(description="Threshold crossed, as displayed.")
    threshold_direction: Mapped[str | None] = c.enum(("above", "below", "outside_range"))
    alert_data: Mapped[JsonData | None] = c.json(description="Additional context.")
    status: Mapped[str | None] = c.enum(
        ("new", "acknowledged", "in_progress", "escalated", "resolved", "dismissed"), default="new"
    )
    acknowledged_at: Mapped[dt.datetime | None] = c.timestamp()
    acknowledged_by: Mapped[str | None] = c.ref("users")
    resolved_at: Mapped[dt.datetime | None] = c.timestamp()
    resolved_by: Mapped[str | None] = c.ref("users")
    resolution: Mapped[str | None] = c.text()
    resolution_action: Mapped[str | None] = c.enum(
        (
            "no_action_needed",
            "patient_contacted",
            "medication_adjusted",
            "appointment_scheduled",
            "emergency_referral",
            "provider_notified",
            "other",
        )
    )
    escalated_at: Mapped[dt.datetime | None] = c.timestamp()
    escalated_to: Mapped[str | None] = c.ref("users")
    escalation_level: Mapped[int | None] = c.integer(
        default=0, description="0 while not escalated."
    )
    escalation_reason: Mapped[str | None] = c.text()
    response_time_minutes: Mapped[int | None] = c.integer(
        unit="min", description="Time from trigger to acknowledgement."
    )
    resolution_time_minutes: Mapped[int | None] = c.integer(
        unit="min", description="Time from trigger to resolution."
    )
    notifications_sent: Mapped[JsonData | None] = c.json(shape="array of notifications sent")
    notes: Mapped[str | None] = c.text()

    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("rpm_alerts", lazy="raise"),
    )
    enrollment: Mapped[RpmEnrollment | None] = relationship(
        "RpmEnrollment",
        foreign_keys=[enrollment_id],
        lazy="raise",
        backref=backref("rpm_alerts", lazy="raise"),
    )
    reading: Mapped[RpmReading | None] = relationship(
        "RpmReading",
        foreign_keys=[reading_id],
        lazy="raise",
        backref=backref("rpm_alerts", lazy="raise"),
    )
    acknowledged_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[acknowledged_by], lazy="raise"
    )
    resolved_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[resolved_by], lazy="raise"
    )
    escalated_to_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[escalated_to], lazy="raise"
    )
