"""Serving indexes for the dashboard operations (not in the spec; prefix `api_`).

- rpm_readings (organization_id, timestamp): an organization's readings newest first (Q3).
- quality_measurements (organization_id, period_start): recent measurements (Q4).
- dialyse_sessions (organization_id, session_date): sessions by date, for aggregates (Q4).
- healthcare_patients (organization_id, lower(last_name) / lower(first_name) /
  lower(medical_record_number)) and (organization_id, date_of_birth): `patients(search:)` (Q5).
- dialyse_sessions, dialyse_labs, rpm_readings (organization_id, patient_id, date): a page per
  patient for nested lists (Q1, Q2); with the organization first, SQLite (which plans without
  statistics) prefers them to an index on the organization alone.

Revision ID: 3f0c2a7d9b41
Revises: ebee3cda42f4
Create Date: 2026-11-28 06:20:00 UTC
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3f0c2a7d9b41"
down_revision = "ebee3cda42f4"
branch_labels = None
depends_on = None

INDEXES: list[tuple[str, str, list[str | sa.TextClause]]] = [
    ("api_rpm_readings_org_timestamp", "rpm_readings", ["organization_id", "timestamp"]),
    (
        "api_quality_measurements_org_period_start",
        "quality_measurements",
        ["organization_id", "period_start"],
    ),
    (
        "api_dialyse_sessions_org_session_date",
        "dialyse_sessions",
        ["organization_id", "session_date"],
    ),
    (
        "api_dialyse_sessions_org_patient_session_date",
        "dialyse_sessions",
        ["organization_id", "patient_id", "session_date"],
    ),
    (
        "api_dialyse_labs_org_patient_lab_date",
        "dialyse_labs",
        ["organization_id", "patient_id", "lab_date"],
    ),
    (
        "api_rpm_readings_org_patient_timestamp",
        "rpm_readings",
        ["organization_id", "patient_id", "timestamp"],
    ),
    (
        "api_healthcare_patients_last_name",
        "healthcare_patients",
        ["organization_id", sa.text("lower(last_name)")],
    ),
    (
        "api_healthcare_patients_first_name",
        "healthcare_patients",
        ["organization_id", sa.text("lower(first_name)")],
    ),
    (
        "api_healthcare_patients_mrn",
        "healthcare_patients",
        ["organization_id", sa.text("lower(medical_record_number)")],
    ),
    (
        "api_healthcare_patients_date_of_birth",
        "healthcare_patients",
        ["organization_id", "date_of_birth"],
    ),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
