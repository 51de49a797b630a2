"""A serving index in the roster's order: `(organization_id, last_name, first_name, id)` on
healthcare_patients.

`patients` lists are ordered by last name, first name, then id (graph/healthcare/types.py).
Without an index in that order, every page sorted the whole organization's patients (SQLite:
`USE TEMP B-TREE FOR ORDER BY`, 0.6 ms for 1,000 patients, whatever the page size). Both names
are NOT NULL, so the ORDER BY states no NULLS placement for them (graph/ordering.py) and the
index gives the rows in order on SQLite as on PostgreSQL.

Revision ID: 8e5f3b0d6a24
Revises: 7d4e2a9c5f13
Create Date: 2026-11-28 15:00:00 UTC
"""

from __future__ import annotations

from alembic import op

revision = "8e5f3b0d6a24"
down_revision = "7d4e2a9c5f13"
branch_labels = None
depends_on = None

NAME = "api_healthcare_patients_org_name_order"
COLUMNS = ["organization_id", "last_name", "first_name", "id"]


def upgrade() -> None:
    op.create_index(NAME, "healthcare_patients", COLUMNS)


def downgrade() -> None:
    op.drop_index(NAME, table_name="healthcare_patients")
