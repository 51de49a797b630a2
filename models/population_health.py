"""population_health: Population health - patient cohorts, quality indicators and their measurements, risk models and scores, outcomes, care gaps, IQSS reports, dashboards and scheduled reports."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, backref, relationship

from models import columns as c
from models.base import SoftDeletableRecord, TenantRecord
from models.types import JsonData

if TYPE_CHECKING:
    from models.core import User
    from models.healthcare import Patient


class Cohort(TenantRecord):
    """Named patient cohort defined by criteria (static or refreshed automatically) with summary statistics."""

    __tablename__ = "population_cohorts"
    __table_args__ = (
        Index("idx_population_cohorts_org", "organization_id"),
        {
            "info": {"module": "population_health", "tier": 1, "patient_centric": False},
        },
    )

    name: Mapped[str] = c.text(required=True, description="Cohort name (source cohort_name).")
    cohort_code: Mapped[str] = c.text(required=True)
    description: Mapped[str | None] = c.text()
    cohort_type: Mapped[str] = c.enum(
        (
            "disease_based",
            "risk_based",
            "demographic",
            "treatment_based",
            "outcome_based",
            "geographic",
            "care_gap",
            "custom",
        ),
        required=True,
    )
    associated_module: Mapped[str | None] = c.enum(
        ("dialyse", "cardiology", "ophthalmology", "all")
    )
    criteria: Mapped[JsonData] = c.json(
        required=True, description="Inclusion and exclusion criteria."
    )
    inclusion_criteria: Mapped[JsonData | None] = c.json(description="Detailed inclusion criteria.")
    exclusion_criteria: Mapped[JsonData | None] = c.json(description="Detailed exclusion criteria.")
    query_definition: Mapped[str | None] = c.text(description="Query that selects the members.")
    patient_count: Mapped[int | None] = c.integer(
        default=0, description="Number of active members."
    )
    last_patient_count_update: Mapped[dt.datetime | None] = c.timestamp()
    avg_risk_score: Mapped[float | None] = c.real()
    avg_age: Mapped[float | None] = c.real(unit="years")
    gender_distribution: Mapped[JsonData | None] = c.json()
    is_auto_refresh: Mapped[bool | None] = c.boolean(
        default=True,
        description="Whether membership is recomputed automatically (source auto_refresh).",
    )
    refresh_frequency: Mapped[str | None] = c.enum(
        ("hourly", "daily", "weekly", "monthly", "manual"), default="daily"
    )
    last_refresh: Mapped[dt.datetime | None] = c.timestamp()
    next_scheduled_refresh: Mapped[dt.datetime | None] = c.timestamp()
    is_active: Mapped[bool | None] = c.boolean(default=True)
    is_public: Mapped[bool | None] = c.boolean(
        default=False, description="Shared with the whole organization."
    )
    has_alert_on_change: Mapped[bool | None] = c.boolean(
        default=False,
        description="Whether a change in size raises an alert (source alert_on_change).",
    )
    alert_threshold: Mapped[int | None] = c.integer(
        unit="%", description="Change in size that triggers the alert."
    )
    alert_recipients: Mapped[JsonData | None] = c.json(shape="array of users ids")
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str] = c.ref("users", required=True)

    created_by_user: Mapped[User] = relationship("User", foreign_keys=[created_by], lazy="raise")


class CohortMember(TenantRecord):
    """Membership of a patient in a cohort, with entry and exit."""

    __tablename__ = "population_cohort_members"
    __table_args__ = (
        Index("idx_population_cohort_members_org", "organization_id"),
        Index("idx_population_cohort_members_cohort", "cohort_id"),
        Index("idx_population_cohort_members_patient", "patient_id"),
        {
            "info": {"module": "population_health", "tier": 1, "patient_centric": True},
        },
    )

    cohort_id: Mapped[str] = c.ref("population_cohorts", on_delete="cascade", required=True)
    patient_id: Mapped[str] = c.ref("healthcare_patients", on_delete="cascade", required=True)
    added_at: Mapped[dt.datetime] = c.timestamp(required=True)
    added_by: Mapped[str | None] = c.enum(
        ("system", "manual", "import"),
        default="system",
        description="How the patient was added (not a person; see added_by_user_id).",
    )
    added_by_user_id: Mapped[str | None] = c.ref(
        "users", description="User who added the patient manually."
    )
    is_active: Mapped[bool | None] = c.boolean(
        default=True, description="False once the patient has left the cohort."
    )
    removed_at: Mapped[dt.datetime | None] = c.timestamp()
    removal_reason: Mapped[str | None] = c.text()
    inclusion_data: Mapped[JsonData | None] = c.json(description="Criteria values at inclusion.")
    notes: Mapped[str | None] = c.text()

    cohort: Mapped[Cohort] = relationship(
        "Cohort",
        foreign_keys=[cohort_id],
        lazy="raise",
        backref=backref("cohort_members", lazy="raise"),
    )
    patient: Mapped[Patient] = relationship(
        "Patient",
        foreign_keys=[patient_id],
        lazy="raise",
        backref=backref("cohort_members", lazy="raise"),
    )
    added_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[added_by_user_id], lazy="raise"
    )


class QualityIndicator(TenantRecord):
    """Quality indicator definition (IQSS, HAS, internal...) with numerator and denominator rules, target and latest value. The source allows a null tenant for national indicators; here each organization holds its own copy."""

    __tablename__ = "quality_indicators"
    __table_args__ = (
        Index("idx_quality_indicators_org", "organization_id"),
        {
            "info": {"module": "population_health", "tier": 1, "patient_centric": False},
        },
    )

    code: Mapped[str] = c.text(
        required=True, description="Indicator code, e.g. IQSS-DIA-01 (source indicator_code)."
    )
    name: Mapped[str] = c.text(required=True, description="Source indicator_name.")
    short_name: Mapped[str | None] = c.text()
    description: Mapped[str | None] = c.text()
    indicator_type: Mapped[str] = c.enum(
        ("process", "outcome", "structure", "patient_experience", "safety", "efficiency"),
        required=True,
    )
    source: Mapped[str] = c.enum(
        ("iqss", "has", "ars", "internal", "cms", "jcaho", "custom"),
        required=True,
        description="Body that defines the indicator.",
    )
    reference_document: Mapped[str | None] = c.text()
    reference_version: Mapped[str | None] = c.text()
    associated_module: Mapped[str | None] = c.enum(
        ("dialyse", "cardiology", "ophthalmology", "general", "all")
    )
    category: Mapped[str | None] = c.text(description="e.g. Vascular Access, Glycemic Control.")
    subcategory: Mapped[str | None] = c.text()
    measure_type: Mapped[str] = c.enum(
        ("proportion", "rate", "ratio", "mean", "median", "count", "composite"), required=True
    )
    numerator_description: Mapped[str | None] = c.text()
    numerator_criteria: Mapped[JsonData | None] = c.json(
        description="Inclusion criteria of the numerator."
    )
    denominator_description: Mapped[str | None] = c.text()
    denominator_criteria: Mapped[JsonData | None] = c.json(description="Eligible population.")
    exclusion_criteria: Mapped[JsonData | None] = c.json()
    target: Mapped[float | None] = c.real(
        description="Target value, compared using target_operator (source target_value)."
    )
    target_operator: Mapped[str | None] = c.enum(
        ("gte", "lte", "eq", "gt", "lt", "between"),
        description="Comparison with the target; the source's symbols >=, <=, =, >, < become gte, lte, eq, gt, lt.",
    )
    target_value_secondary: Mapped[float | None] = c.real(
        description="Upper bound when target_operator is between."
    )
    target_type: Mapped[str | None] = c.enum(("absolute", "percentile", "improvement"))
    current_value: Mapped[float | None] = c.real(
        description="Latest measured value (copied from the latest quality_measurements row)."
    )
    numerator: Mapped[int | None] = c.integer(description="Numerator of the latest measurement.")
    denominator: Mapped[int | None] = c.integer(
        description="Denominator of the latest measurement."
    )
    benchmark_value: Mapped[float | None] = c.real(description="National or regional benchmark.")
    benchmark_source: Mapped[str | None] = c.text()
    benchmark_year: Mapped[int | None] = c.integer()
    display_format: Mapped[str | None] = c.enum(
        ("percent", "decimal", "per_1000", "per_100000", "ratio")
    )
    decimal_places: Mapped[int | None] = c.integer(default=1)
    is_scale_inverted: Mapped[bool | None] = c.boolean(
        default=False, description="Lower is better (source invert_scale)."
    )
    measurement_period: Mapped[str | None] = c.enum(
        ("monthly", "quarterly", "semi_annual", "annual", "continuous"), default="quarterly"
    )
    is_risk_adjusted: Mapped[bool | None] = c.boolean(
        default=False, description="Source risk_adjusted."
    )
    risk_adjustment_method: Mapped[str | None] = c.text()
    is_active: Mapped[bool | None] = c.boolean(default=True)
    is_mandatory: Mapped[bool | None] = c.boolean(default=False)
    effective_date: Mapped[dt.datetime | None] = c.timestamp()
    retired_date: Mapped[dt.datetime | None] = c.timestamp()
    notes: Mapped[str | None] = c.text()
    created_by: Mapped[str | None] = c.ref("users")

    created_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[created_by], lazy="raise"
    )


class QualityMeasurement(SoftDeletableRecord):
    """Value of a quality indicator measured over one period, with target and benchmark comparison, trend and validation."""

    __tablename__ = "quality_measurements"
    __table_args__ = (
        Index("idx_quality_measurements_org", "organization_id"),
        Index("idx_quality_measurements_indicator", "indicator_id"),
        Index("idx_quality_measurements_measurement_period", "measurement_period"),
        # Serving index (not in the spec): an organization's recent measurements (quality board).
        Index("api_quality_measurements_org_period_start", "organization_id", "period_start"),
        {
            "info": {"module": "population_health", "tier": 1, "patient_centric": False},
        },
    )

    indicator_id: Mapped[str] = c.ref("quality_indicators", on_delete="cascade", required=True)
    measurement_period: Mapped[str] = c.text(
        required=True, description="Period label, e.g. 2024-Q1, 2024-01 or 2024."
    )
    period_start: Mapped[dt.datetime] = c.timestamp(required=True)
    period_end: Mapped[dt.datetime] = c.timestamp(required=True)
    numerator: Mapped[int] = c.integer(required=True)
    denominator: Mapped[int] = c.integer(required=True)
    excluded_count: Mapped[int | None] = c.integer(
        default=0, description="Patients excluded from the denominator."
    )
    value: Mapped[float] = c.real(required=True, description="Calculated indicator value.")
    confidence_interval: Mapped[JsonData | None] = c.json(shape="object {lower, upper}")
    risk_adjusted_value: Mapped[float | None] = c.real()
    expected_value: Mapped[float | None] = c.real()
    observed_expected_ratio: Mapped[float | None] = c.real(
        description="Observed value divided by expected_value."
    )
    is_target_met: Mapped[bool | None] = c.boolean(description="Source meets_target.")
    gap_to_target: Mapped[float | None] = c.real(
        description="Difference between value and target_value."
    )
    target_value: Mapped[float | None] = c.real(description="Target in force for this period.")
    benchmark_value: Mapped[float | None] = c.real()
    performance_vs_benchmark: Mapped[str | None] = c.enum(
        ("above", "at", "below", "significantly_above", "significantly_below")
    )
    previous_value: Mapped[float | None] = c.real()
    previous_period: Mapped[str | None] = c.text(
        description="Label of the period previous_value belongs to."
    )
    trend: Mapped[str | None] = c.enum(("improving", "stable", "worsening", "new"))
    is_trend_significant: Mapped[bool | None] = c.boolean(description="Source trend_significant.")
    change_percent: Mapped[float | None] = c.real(unit="%")
    stratified_results: Mapped[JsonData | None] = c.json(
        description="Results by age, sex, risk and other strata."
    )
    subgroup_analysis: Mapped[JsonData | None] = c.json()
    numerator_patient_ids: Mapped[JsonData | None] = c.json(
        shape="array of healthcare_patients ids", description="For drill-down."
    )
    denominator_patient_ids: Mapped[JsonData | None] = c.json(
        shape="array of healthcare_patients ids"
    )
    detail_data: Mapped[JsonData | None] = c.json(description="Additional breakdown.")
    calculated_at: Mapped[dt.datetime] = c.timestamp(required=True)
    calculation_method: Mapped[str | None] = c.text()
    data_source_version: Mapped[str | None] = c.text()
    data_quality_score: Mapped[float | None] = c.real(description="Data quality, 0 to 100.")
    is_validated: Mapped[bool | None] = c.boolean(default=False, description="Source validated.")
    validated_by: Mapped[str | None] = c.ref("users")
    validated_at: Mapped[dt.datetime | None] = c.timestamp()
    validation_notes: Mapped[str | None] = c.text()
    status: Mapped[str | None] = c.enum(
        ("draft", "preliminary", "final", "amended", "retracted"), default="preliminary"
    )
    notes: Mapped[str | None] = c.text()

    indicator: Mapped[QualityIndicator] = relationship(
        "QualityIndicator",
        foreign_keys=[indicator_id],
        lazy="raise",
        backref=backref("quality_measurements", lazy="raise"),
    )
    validated_by_user: Mapped[User | None] = relationship(
        "User", foreign_keys=[validated_by], lazy="raise"
    )
