"""Row-level security on PostgreSQL: the database's own wall under the tenant filter.

PostgreSQL only; on SQLite this migration does nothing (SQLite has no row-level security: there
the tenant filter of models/tenancy.py is the only wall).

Every table in TENANT_TABLES (every table with `organization_id`, as the models had it when this
was written; tests/models/test_row_level_security.py keeps the list equal to the models), and
`organizations` and `users`, get `ENABLE` and `FORCE ROW LEVEL SECURITY` (FORCE: the owner of
the tables is held to the policies too, so an API that connects as the owner by mistake still
sees one organization) and two permissive policies:

- `api_tenant` (every role): a row is visible and writable only when it belongs to the
  organization the transaction names in `app.organization_id` (models/tenancy.py sets it with
  `set_config(..., true)` at the start of every tenant transaction). `organizations`: its own
  row (`id`); `users`: the members of that organization (through `organization_members`, whose
  own policy applies inside the check). The same expression is the `WITH CHECK`, so a row of
  another organization can be neither inserted nor moved there.
- `api_system` (only the role that ran this migration, the owner): every row, when the
  connection says `app.system_access = on`; system work (seeding, `token` look-ups, data
  migrations) opts in with `models.database.create_engine(url, system=True)`. Any other role
  setting it gains nothing: the policy does not apply to it.

Fail closed: without `app.organization_id`, `current_setting(..., true)` is NULL (never set in
the session) or '' (set by an earlier transaction, then reset); NULLIF turns '' into NULL, and
`organization_id = NULL` is never true, so no row is visible or writable. `organization_id` and
`organizations.id` are TEXT (models.types.Identifier: UUID strings), so the setting (text) is
compared without a cast; a `::uuid` cast would fail on '' rather than return nothing.

Superusers and BYPASSRLS roles skip every policy: the API must connect as a role that is
neither and does not own the tables (`perfex-graph db create-api-role`; `serve` warns
otherwise). Foreign-key checks skip policies too (PostgreSQL runs them as the owner), and the
tenant reference triggers (5a1c0e7f2b10) run as the caller and so see what it sees.

Revision ID: 6b2d1f8e3c21
Revises: 5a1c0e7f2b10
Create Date: 2026-11-28 09:10:00 UTC
"""

from __future__ import annotations

from alembic import op

revision = "6b2d1f8e3c21"
down_revision = "5a1c0e7f2b10"
branch_labels = None
depends_on = None

TENANT_POLICY = "api_tenant"
SYSTEM_POLICY = "api_system"

# Every table with organization_id, generated once from the models, sorted.
TENANT_TABLES: list[str] = [
    "audit_events",
    "cardiology_ecgs",
    "cardiology_echos",
    "cardiology_patients",
    "cdss_recommendations",
    "clinical_ai_sessions",
    "dialyse_labs",
    "dialyse_machines",
    "dialyse_patients",
    "dialyse_prescriptions",
    "dialyse_session_slots",
    "dialyse_sessions",
    "healthcare_appointments",
    "healthcare_consultations",
    "healthcare_examinations",
    "healthcare_patients",
    "imaging_analyses",
    "imaging_reports",
    "ophthalmology_biometry",
    "ophthalmology_patients",
    "ophthalmology_surgeries",
    "organization_members",
    "population_cohort_members",
    "population_cohorts",
    "portal_accounts",
    "portal_appointments",
    "portal_message_threads",
    "portal_messages",
    "quality_indicators",
    "quality_measurements",
    "roles",
    "rpm_alerts",
    "rpm_devices",
    "rpm_enrollments",
    "rpm_programs",
    "rpm_readings",
    "user_roles",
]

ORGANIZATION = "NULLIF(current_setting('app.organization_id', true), '')"
SYSTEM_ACCESS = "current_setting('app.system_access', true) = 'on'"

# The rows the transaction's organization may see and write, per table.
CONDITIONS: dict[str, str] = {
    **{table: f"organization_id = {ORGANIZATION}" for table in TENANT_TABLES},
    "organizations": f"id = {ORGANIZATION}",
    "users": (
        "EXISTS (SELECT 1 FROM organization_members AS m"  # noqa: S608 (constants only)
        f" WHERE m.user_id = users.id AND m.organization_id = {ORGANIZATION})"
    ),
}


def protected_tables() -> list[str]:
    """Every table this migration puts under row-level security."""
    return sorted(CONDITIONS)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, condition in sorted(CONDITIONS.items()):
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY {TENANT_POLICY} ON "{table}" FOR ALL TO PUBLIC'
            f" USING ({condition}) WITH CHECK ({condition})"
        )
        op.execute(
            f'CREATE POLICY {SYSTEM_POLICY} ON "{table}" FOR ALL TO CURRENT_USER'
            f" USING ({SYSTEM_ACCESS}) WITH CHECK ({SYSTEM_ACCESS})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in sorted(CONDITIONS, reverse=True):
        op.execute(f'DROP POLICY IF EXISTS {SYSTEM_POLICY} ON "{table}"')
        op.execute(f'DROP POLICY IF EXISTS {TENANT_POLICY} ON "{table}"')
        op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
