"""What the operations read, written once for the three bench-made servers: each list's order
(the API's declared default, `graph/<domain>/types.py`, then id ascending, nulls last) and the
relations Q1 and Q2 select on a patient (with their page sizes and filters from the documents).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, func, or_

from models import cardiology, clinical_ai, dialyse, healthcare, imaging_ai, ophthalmology, rpm
from models import population_health as population
from models.base import Base
from models.types import kind_of


@dataclass(frozen=True)
class Key:
    attribute: str
    descending: bool = True


ORDERS: dict[type[Base], tuple[Key, ...]] = {
    healthcare.Patient: (Key("last_name", False), Key("first_name", False)),
    healthcare.Consultation: (Key("consultation_date"),),
    healthcare.Appointment: (Key("scheduled_date"),),
    dialyse.DialysisProfile: (Key("created_at"),),
    dialyse.DialysisSession: (Key("session_date"),),
    dialyse.DialysisLab: (Key("lab_date"),),
    cardiology.CardiologyProfile: (Key("created_at"),),
    cardiology.Ecg: (Key("recording_date"),),
    cardiology.Echocardiogram: (Key("study_date"),),
    ophthalmology.OphthalmologyProfile: (Key("created_at"),),
    ophthalmology.OcularBiometry: (Key("measurement_date"),),
    ophthalmology.EyeSurgery: (Key("surgery_date"),),
    rpm.RpmReading: (Key("timestamp"),),
    rpm.RpmAlert: (Key("triggered_at"),),
    clinical_ai.CdssRecommendation: (Key("created_at"),),
    imaging_ai.ImagingAnalysis: (Key("acquisition_date"),),
    population.QualityMeasurement: (Key("created_at"),),
}


def order_by(model: type[Base], alias: Any = None) -> list[Any]:
    """SQLAlchemy ORDER BY clauses of a model's list order (keys nulls last, then id)."""
    entity: Any = alias if alias is not None else model
    clauses = []
    for key in ORDERS[model]:
        column = getattr(entity, key.attribute)
        clauses.append((column.desc() if key.descending else column.asc()).nulls_last())
    clauses.append(entity.id.asc())
    return clauses


def sort_rows(model: type[Base], rows: list[Any]) -> list[Any]:
    """Python's version of `order_by` (stable sorts, last key first)."""
    rows = sorted(rows, key=lambda row: row.id)
    for key in reversed(ORDERS[model]):
        present = [r for r in rows if getattr(r, key.attribute) is not None]
        absent = [r for r in rows if getattr(r, key.attribute) is None]
        attribute = key.attribute
        present.sort(key=lambda r: getattr(r, attribute), reverse=key.descending)
        rows = present + absent
    return rows


def kind(model: type[Base], attribute: str) -> str:
    return kind_of(getattr(model, attribute).property.columns[0].type)


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class Relation:
    """A relation selected on a patient: to-one when `first` is None."""

    attribute: str  # the relationship's name, also the field's (camelCased)
    model: type[Base]
    columns: tuple[str, ...]
    first: int | None = None
    where: dict[str, str] = field(default_factory=dict)
    # to-one relations of each row: (relationship attribute, model, columns)
    nested: tuple[tuple[str, type[Base], tuple[str, ...]], ...] = ()

    @property
    def name(self) -> str:
        return camel(self.attribute)


ROSTER_FIELDS = ("id", "first_name", "last_name", "medical_record_number")
ROSTER: tuple[Relation, ...] = (
    Relation(
        "dialysis_profile",
        dialyse.DialysisProfile,
        ("dialysis_type", "vascular_access", "dry_weight", "ktv_target", "patient_status"),
    ),
    Relation(
        "dialysis_sessions",
        dialyse.DialysisSession,
        ("session_date", "pre_weight", "post_weight", "ktv"),
        first=5,
        where={"status": "completed"},
        nested=(("machine", dialyse.DialysisMachine, ("serial_number",)),),
    ),
    Relation(
        "dialysis_labs",
        dialyse.DialysisLab,
        ("lab_date", "hemoglobin", "potassium", "albumin", "phosphorus"),
        first=3,
    ),
)

CHART_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "medical_record_number",
    "allergies",
)
CHART: tuple[Relation, ...] = (
    Relation(
        "dialysis_profile",
        dialyse.DialysisProfile,
        ("dialysis_type", "vascular_access", "dry_weight", "ktv_target", "patient_status"),
    ),
    Relation(
        "dialysis_sessions",
        dialyse.DialysisSession,
        ("session_date", "status", "pre_weight", "post_weight", "ktv", "uf_volume"),
        first=10,
    ),
    Relation(
        "dialysis_labs",
        dialyse.DialysisLab,
        ("lab_date", "hemoglobin", "potassium", "albumin"),
        first=3,
    ),
    Relation(
        "cardiology_profile", cardiology.CardiologyProfile, ("cardiac_risk_level", "nyha_class")
    ),
    Relation(
        "ecgs",
        cardiology.Ecg,
        ("recording_date", "rhythm", "heart_rate", "qtc_interval"),
        first=3,
    ),
    Relation("echocardiograms", cardiology.Echocardiogram, ("study_date", "lvef"), first=3),
    Relation(
        "ophthalmology_profile",
        ophthalmology.OphthalmologyProfile,
        ("has_glaucoma", "has_cataract", "last_iop_od", "last_iop_os"),
    ),
    Relation(
        "ocular_biometries",
        ophthalmology.OcularBiometry,
        ("measurement_date", "eye", "axial_length"),
        first=3,
    ),
    Relation("eye_surgeries", ophthalmology.EyeSurgery, ("surgery_date", "eye", "status"), first=3),
    Relation(
        "consultations",
        healthcare.Consultation,
        ("consultation_date", "module", "status", "chief_complaint"),
        first=5,
    ),
    Relation(
        "appointments",
        healthcare.Appointment,
        ("scheduled_date", "status", "appointment_type"),
        first=5,
    ),
    Relation(
        "rpm_readings",
        rpm.RpmReading,
        ("timestamp", "reading_type", "primary_value", "primary_unit", "is_out_of_range"),
        first=10,
    ),
    Relation("rpm_alerts", rpm.RpmAlert, ("triggered_at", "severity", "status", "title"), first=5),
    Relation(
        "cdss_recommendations",
        clinical_ai.CdssRecommendation,
        ("type", "severity", "status", "message"),
        first=5,
    ),
    Relation(
        "imaging_analyses",
        imaging_ai.ImagingAnalysis,
        ("acquisition_date", "image_type", "analysis_status"),
        first=3,
    ),
)

SEARCH_FIELDS = ("id", "first_name", "last_name", "date_of_birth", "medical_record_number", "phone")
ALERT_FIELDS = (
    "id",
    "timestamp",
    "reading_type",
    "primary_value",
    "secondary_value",
    "primary_unit",
)
ALERT_RELATIONS: tuple[tuple[str, type[Base], tuple[str, ...]], ...] = (
    ("device", rpm.RpmDevice, ("device_type", "serial_number")),
    ("program", rpm.RpmProgram, ("name", "alert_thresholds")),
    ("patient", healthcare.Patient, ("id", "first_name", "last_name", "medical_record_number")),
)
MEASUREMENT_FIELDS = (
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "is_target_met",
    "trend",
)
INDICATOR_FIELDS = ("code", "name", "target", "target_operator")
SESSION_AVERAGES = ("ktv", "pre_weight", "post_weight", "uf_volume")

# --- Q5: the search of `patients(search:)` (graph/healthcare/search.py), as a range on each
# indexed expression --------------------------------------------------------------------------

TOP = "\U0010ffff"  # sorts after every character: prefix <= x < prefix + TOP
_DATE_PREFIX = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def birth_range(text: str) -> tuple[dt.date, dt.date] | bool | None:
    """(first, last) birth dates of a date prefix; None when `text` is no date prefix; False
    when it looks like one but names no date (matches no birth date)."""
    match = _DATE_PREFIX.match(text)
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        if day is not None and month is not None:
            return dt.date(year, month, day), dt.date(year, month, day)
        if month is not None:
            return dt.date(year, month, 1), dt.date(
                year, month, calendar.monthrange(year, month)[1]
            )
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError:
        return False


def search_condition(text: str) -> Any:
    """The SQLAlchemy condition of `patients(search: text)`."""
    patient = healthcare.Patient
    text = text.strip()

    def prefix(column: Any) -> Any:
        lowered = func.lower(column)
        start = func.lower(text)
        return and_(lowered >= start, lowered < start + TOP)

    dates = birth_range(text)
    if dates is not None:
        births = false() if dates is False else patient.date_of_birth.between(*dates)  # type: ignore[misc]
        return or_(births, prefix(patient.medical_record_number))
    return or_(
        prefix(patient.last_name), prefix(patient.first_name), prefix(patient.medical_record_number)
    )
