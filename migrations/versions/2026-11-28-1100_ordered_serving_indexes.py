"""Per-patient serving indexes in the lists' whole order: `(organization_id, patient_id,
<date> DESC, id)` for sessions, labs and RPM readings.

A nested page (graph/pages.py) numbers each patient's rows by `<date> DESC, id`. With the
indexes of `serving_indexes`, which stop at the date, SQLite sorted each patient's rows again
for the `id` tie-breaker (`USE TEMP B-TREE FOR RIGHT PART OF ORDER BY`); these indexes give
the rows in that order, so the pages are read without a sort. Same names, new columns.

Revision ID: 7d4e2a9c5f13
Revises: 6b2d1f8e3c21
Create Date: 2026-11-28 11:00:00 UTC
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7d4e2a9c5f13"
down_revision = "6b2d1f8e3c21"
branch_labels = None
depends_on = None

# (name, table, date column)
INDEXES = [
    ("api_dialyse_sessions_org_patient_session_date", "dialyse_sessions", "session_date"),
    ("api_dialyse_labs_org_patient_lab_date", "dialyse_labs", "lab_date"),
    ("api_rpm_readings_org_patient_timestamp", "rpm_readings", "timestamp"),
]


def upgrade() -> None:
    for name, table, date in INDEXES:
        op.drop_index(name, table_name=table)
        columns = ["organization_id", "patient_id", sa.text(f'"{date}" DESC'), "id"]
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, date in reversed(INDEXES):
        op.drop_index(name, table_name=table)
        op.create_index(name, table, ["organization_id", "patient_id", date])
