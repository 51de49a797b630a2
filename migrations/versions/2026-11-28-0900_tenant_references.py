# ruff: noqa: S608 (SQL text from the literal names in REFERENCES, never from input)
"""Tenant-consistent references: a foreign key between organization-scoped rows stays inside
one organization, enforced by the database (triggers, prefix `api_tenant_ref_`).

Why triggers and not composite foreign keys `(organization_id, fk) -> parent(organization_id,
id)`: those need a unique `(organization_id, id)` on every parent and, on SQLite, a rebuild of
every child table (batch mode), and they would change the declared foreign keys, which must
stay as the spec gives them (tests/models/test_spec.py). Triggers leave the tables as they
are; SQLAlchemy does not reflect them, so `alembic check` and the spec comparison ignore them.

What is enforced, on SQLite and PostgreSQL alike:

- For each (table, column, target) in REFERENCES (every foreign key of an organization-scoped
  table to another organization-scoped table, as the models had it when this was written;
  tests/models/test_tenant_references.py keeps the list equal to the models), an AFTER INSERT
  and an AFTER UPDATE OF column, organization_id trigger refuses a non-null `column` unless
  `target` has a row with that id *in the row's organization* (a missing row is refused
  too: by the foreign key on PostgreSQL, whose trigger runs first, by this one on SQLite).
  AFTER, so the stored row is checked; on PostgreSQL row AFTER triggers run at the end of the
  statement, like the foreign keys themselves.
- A referenced table's `organization_id` never changes (BEFORE UPDATE OF organization_id).
  Checking the children instead would make triggers on the parent name the child tables,
  and SQLite then refuses to rebuild a child table ("error in trigger ...: no such table").
  Tenant sessions already refuse changing a row's organization (models/tenancy.py); this
  covers system work. Moving records to another organization means new rows.

Refusals: SQLite `RAISE(ABORT, 'tenant_reference: ...')` (an IntegrityError,
SQLITE_CONSTRAINT_TRIGGER); PostgreSQL `RAISE EXCEPTION 'tenant_reference: ...'` with SQLSTATE
23503 (foreign_key_violation, an IntegrityError) and the trigger's name as CONSTRAINT.
`models.references.is_tenant_reference_violation` recognizes both. Soft-deleted parents are
still rows of their organization: referencing them is allowed.

On PostgreSQL each reference has its own plpgsql function (static SQL, so its plan is cached),
named like its trigger; the referenced tables share `api_tenant_ref_fixed_org()`.

For later migrations on SQLite: a batch-mode table rebuild drops the rebuilt table's triggers
(recreate them), and renaming the new table into place fails while another table's trigger
names it: run the rebuild with `PRAGMA legacy_alter_table=ON`, or drop and recreate the
triggers around it. tests/models/test_tenant_references.py checks that the database at head
holds exactly the triggers the models imply.

Revision ID: 5a1c0e7f2b10
Revises: 3f0c2a7d9b41
Create Date: 2026-11-28 09:00:00 UTC
"""

from __future__ import annotations

from alembic import op

revision = "5a1c0e7f2b10"
down_revision = "3f0c2a7d9b41"
branch_labels = None
depends_on = None

PREFIX = "api_tenant_ref_"
MESSAGE = "tenant_reference:"
FIXED_ORG_FUNCTION = f"{PREFIX}fixed_org"

# (table, column, target): generated once from the models, sorted.
REFERENCES: list[tuple[str, str, str]] = [
    ("audit_events", "patient_id", "healthcare_patients"),
    ("cardiology_ecgs", "consultation_id", "healthcare_consultations"),
    ("cardiology_ecgs", "examination_id", "healthcare_examinations"),
    ("cardiology_ecgs", "patient_id", "healthcare_patients"),
    ("cardiology_echos", "consultation_id", "healthcare_consultations"),
    ("cardiology_echos", "examination_id", "healthcare_examinations"),
    ("cardiology_echos", "patient_id", "healthcare_patients"),
    ("cardiology_patients", "patient_id", "healthcare_patients"),
    ("cdss_recommendations", "consultation_id", "healthcare_consultations"),
    ("cdss_recommendations", "patient_id", "healthcare_patients"),
    ("clinical_ai_sessions", "patient_id", "healthcare_patients"),
    ("dialyse_labs", "patient_id", "healthcare_patients"),
    ("dialyse_patients", "patient_id", "healthcare_patients"),
    ("dialyse_prescriptions", "patient_id", "healthcare_patients"),
    ("dialyse_prescriptions", "superseded_by_id", "dialyse_prescriptions"),
    ("dialyse_sessions", "machine_id", "dialyse_machines"),
    ("dialyse_sessions", "patient_id", "healthcare_patients"),
    ("dialyse_sessions", "prescription_id", "dialyse_prescriptions"),
    ("dialyse_sessions", "slot_id", "dialyse_session_slots"),
    ("healthcare_appointments", "patient_id", "healthcare_patients"),
    ("healthcare_appointments", "rescheduled_from_id", "healthcare_appointments"),
    ("healthcare_appointments", "rescheduled_to_id", "healthcare_appointments"),
    ("healthcare_consultations", "patient_id", "healthcare_patients"),
    ("healthcare_examinations", "consultation_id", "healthcare_consultations"),
    ("healthcare_examinations", "patient_id", "healthcare_patients"),
    ("imaging_analyses", "compared_to_id", "imaging_analyses"),
    ("imaging_analyses", "patient_id", "healthcare_patients"),
    ("imaging_reports", "imaging_analysis_id", "imaging_analyses"),
    ("ophthalmology_biometry", "consultation_id", "healthcare_consultations"),
    ("ophthalmology_biometry", "patient_id", "healthcare_patients"),
    ("ophthalmology_patients", "patient_id", "healthcare_patients"),
    ("ophthalmology_surgeries", "patient_id", "healthcare_patients"),
    ("population_cohort_members", "cohort_id", "population_cohorts"),
    ("population_cohort_members", "patient_id", "healthcare_patients"),
    ("portal_accounts", "patient_id", "healthcare_patients"),
    ("portal_appointments", "appointment_id", "healthcare_appointments"),
    ("portal_appointments", "original_appointment_id", "healthcare_appointments"),
    ("portal_appointments", "patient_id", "healthcare_patients"),
    ("portal_appointments", "portal_account_id", "portal_accounts"),
    ("portal_message_threads", "patient_id", "healthcare_patients"),
    ("portal_message_threads", "portal_account_id", "portal_accounts"),
    ("portal_messages", "thread_id", "portal_message_threads"),
    ("quality_measurements", "indicator_id", "quality_indicators"),
    ("rpm_alerts", "enrollment_id", "rpm_enrollments"),
    ("rpm_alerts", "patient_id", "healthcare_patients"),
    ("rpm_alerts", "reading_id", "rpm_readings"),
    ("rpm_devices", "patient_id", "healthcare_patients"),
    ("rpm_enrollments", "patient_id", "healthcare_patients"),
    ("rpm_enrollments", "program_id", "rpm_programs"),
    ("rpm_readings", "device_id", "rpm_devices"),
    ("rpm_readings", "patient_id", "healthcare_patients"),
    ("rpm_readings", "program_id", "rpm_programs"),
    ("user_roles", "role_id", "roles"),
]


def referenced_tables() -> list[str]:
    return sorted({target for _table, _column, target in REFERENCES})


def reference_name(table: str, column: str) -> str:
    """The PostgreSQL trigger and function of one reference (at most 63 characters)."""
    return f"{PREFIX}{table}_{column}"


def fixed_org_name(table: str) -> str:
    return f"{PREFIX}{table}_fixed_org"


def trigger_names(dialect: str) -> dict[str, str]:
    """Every trigger this migration creates on `dialect`, to the table it is on."""
    names = {fixed_org_name(table): table for table in referenced_tables()}
    for table, column, _target in REFERENCES:
        base = reference_name(table, column)
        suffixes = ("_insert", "_update") if dialect == "sqlite" else ("",)
        names.update({base + suffix: table for suffix in suffixes})
    return names


def _refusal(table: str, column: str) -> str:
    return f"{MESSAGE} {table}.{column} must point to a row of the same organization"


def _fixed_org_refusal(table: str) -> str:
    return f"{MESSAGE} {table}.organization_id cannot change (rows may point to it)"


def _missing_in_organization(column: str, target: str) -> str:
    return (
        f'NOT EXISTS (SELECT 1 FROM "{target}" WHERE "{target}".id = NEW."{column}"'
        f' AND "{target}".organization_id = NEW.organization_id)'
    )


def _sqlite_upgrade() -> list[str]:
    statements = []
    for table, column, target in REFERENCES:
        base = reference_name(table, column)
        when = f'NEW."{column}" IS NOT NULL AND {_missing_in_organization(column, target)}'
        body = f"BEGIN SELECT RAISE(ABORT, '{_refusal(table, column)}'); END"
        statements += [
            f'CREATE TRIGGER "{base}_insert" AFTER INSERT ON "{table}"'
            f" FOR EACH ROW WHEN {when} {body}",
            f'CREATE TRIGGER "{base}_update" AFTER UPDATE OF "{column}", organization_id'
            f' ON "{table}" FOR EACH ROW WHEN {when} {body}',
        ]
    for table in referenced_tables():
        statements.append(
            f'CREATE TRIGGER "{fixed_org_name(table)}" BEFORE UPDATE OF organization_id'
            f' ON "{table}" FOR EACH ROW WHEN NEW.organization_id IS NOT OLD.organization_id'
            f" BEGIN SELECT RAISE(ABORT, '{_fixed_org_refusal(table)}'); END"
        )
    return statements


def _postgresql_upgrade() -> list[str]:
    statements = []
    for table, column, target in REFERENCES:
        name = reference_name(table, column)
        statements += [
            f'CREATE FUNCTION "{name}"() RETURNS trigger LANGUAGE plpgsql AS $$\n'
            f"BEGIN\n"
            f"  IF {_missing_in_organization(column, target)} THEN\n"
            f"    RAISE EXCEPTION '{_refusal(table, column)}'\n"
            f"      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_NAME,\n"
            f"            TABLE = TG_TABLE_NAME, COLUMN = '{column}';\n"
            f"  END IF;\n"
            f"  RETURN NULL;\n"
            f"END\n$$",
            f'CREATE TRIGGER "{name}" AFTER INSERT OR UPDATE OF "{column}", organization_id'
            f' ON "{table}" FOR EACH ROW WHEN (NEW."{column}" IS NOT NULL)'
            f' EXECUTE FUNCTION "{name}"()',
        ]
    statements.append(
        f'CREATE FUNCTION "{FIXED_ORG_FUNCTION}"() RETURNS trigger LANGUAGE plpgsql AS $$\n'
        f"BEGIN\n"
        f"  RAISE EXCEPTION USING MESSAGE = '{MESSAGE} ' || TG_TABLE_NAME\n"
        f"    || '.organization_id cannot change (rows may point to it)',\n"
        f"    ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_NAME,\n"
        f"    TABLE = TG_TABLE_NAME, COLUMN = 'organization_id';\n"
        f"END\n$$"
    )
    for table in referenced_tables():
        statements.append(
            f'CREATE TRIGGER "{fixed_org_name(table)}" BEFORE UPDATE OF organization_id'
            f' ON "{table}" FOR EACH ROW'
            f" WHEN (NEW.organization_id IS DISTINCT FROM OLD.organization_id)"
            f' EXECUTE FUNCTION "{FIXED_ORG_FUNCTION}"()'
        )
    return statements


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    statements = _sqlite_upgrade() if dialect == "sqlite" else _postgresql_upgrade()
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table in trigger_names(dialect).items():
        on = "" if dialect == "sqlite" else f' ON "{table}"'
        op.execute(f'DROP TRIGGER "{name}"{on}')
    if dialect != "sqlite":
        for table, column, _target in REFERENCES:
            op.execute(f'DROP FUNCTION "{reference_name(table, column)}"()')
        op.execute(f'DROP FUNCTION "{FIXED_ORG_FUNCTION}"()')
