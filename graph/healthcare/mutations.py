"""Mutations of the healthcare domain: the patient registry (create, update, archive).

Run through graph/mutations.py (role, checks, one transaction with its audit event). A patient
is archived, never deleted: `deleted_at` hides it from every read, as the tenant filter says.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy import select

from graph.healthcare.types import Patient
from graph.mutation_inputs import column_input, resolve_references, values_of
from graph.mutations import (
    Checks,
    MutationError,
    MutationErrorCode,
    Write,
    reference,
    refuse,
    run_mutation,
    snapshot_of,
)
from graph.naming import camel
from graph.permissions import write_rule
from models import healthcare
from models.types import utcnow

EARLIEST_BIRTH = dt.date(1900, 1, 1)
REQUIRED = ("first_name", "last_name", "date_of_birth")
COLUMNS = (
    "medical_record_number",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "national_id",
    "photo",
    "phone",
    "mobile",
    "email",
    "address",
    "city",
    "state",
    "postal_code",
    "country",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relation",
    "blood_type",
    "allergies",
    "medical_history",
    "family_history",
    "insurance_provider",
    "insurance_number",
    "notes",
    "status",
)
NOTES = {
    "medical_record_number": "Unique within the organization (DUPLICATE otherwise).",
    "date_of_birth": "From 1900-01-01 to today (OUT_OF_RANGE otherwise).",
    "first_name": "Not blank (REQUIRED).",
    "last_name": "Not blank (REQUIRED).",
}
_RULE = write_rule(healthcare.Patient).describe()

PatientCreateInput = column_input(
    "PatientCreateInput",
    healthcare.Patient,
    COLUMNS,
    required=REQUIRED,
    notes=NOTES,
    description="A new patient of the caller's organization.",
)
PatientUpdateInput = column_input(
    "PatientUpdateInput",
    healthcare.Patient,
    COLUMNS,
    notes=NOTES,
    lead={"id": (strawberry.ID, "Global ID of the patient to change.")},
    trail={
        "expected_updated_at": (
            dt.datetime,
            "Optimistic concurrency: the patient's `updatedAt` as you read it. If the patient "
            "was changed since, nothing is written and the error is CONFLICT (read it again). "
            "Without it, the last write wins.",
        )
    },
    description="Fields to change; a field left out keeps its value, null clears it.",
)


@strawberry.input(description="The patient to archive (soft delete) and why.")
class PatientArchiveInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the patient.")
    reason: str = strawberry.field(
        description="Why the record is archived (REQUIRED; kept in the audit event only)."
    )


@strawberry.type(description="The result of `patientCreate`.")
class PatientCreatePayload:
    patient: Patient | None
    errors: list[MutationError]


@strawberry.type(description="The result of `patientUpdate`.")
class PatientUpdatePayload:
    patient: Patient | None
    errors: list[MutationError]


@strawberry.type(description="The result of `patientArchive`.")
class PatientArchivePayload:
    patient: Patient | None
    errors: list[MutationError]


def _check(checks: Checks, values: dict[str, Any], creating: bool) -> None:
    for name in REQUIRED:
        if creating or name in values:
            checks.required(camel(name), values.get(name))
    born = values.get("date_of_birth")
    if born is not None and not EARLIEST_BIRTH <= born <= dt.date.today():
        checks.add(MutationErrorCode.OUT_OF_RANGE, "dateOfBirth", "dateOfBirth is out of range.")
    checks.done()


async def _unique_number(write: Write, number: str | None, patient_id: str | None) -> None:
    """A medical record number is unique in the organization."""
    if number is None:
        return
    statement = select(healthcare.Patient.id).where(
        healthcare.Patient.medical_record_number == number
    )
    found = [row for row in await write.db.rows(statement) if row[0] != patient_id]
    if found:
        raise refuse(
            MutationErrorCode.DUPLICATE,
            "medicalRecordNumber",
            "Another patient has this medical record number.",
        )


@strawberry.type
class HealthcareMutation:
    @strawberry.mutation(description=f"Register a new patient. {_RULE}")
    async def patient_create(
        self,
        info: strawberry.Info,
        input: PatientCreateInput,  # type: ignore[valid-type]
    ) -> PatientCreatePayload:
        async def work(write: Write) -> healthcare.Patient:
            checks = Checks()
            values = values_of(input, healthcare.Patient, checks)
            values.setdefault("gender", "unknown")
            values["gender"] = values["gender"] or "unknown"
            _check(checks, values, creating=True)
            await _unique_number(write, values.get("medical_record_number"), None)
            await resolve_references(write, healthcare.Patient, values)
            row = healthcare.Patient(**values)
            write.add(row)
            await write.audit(row, None)
            return row

        row, errors = await run_mutation(info, healthcare.Patient, "create", work)
        return PatientCreatePayload(patient=row, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description=f"Change fields of a patient. {_RULE}")
    async def patient_update(
        self,
        info: strawberry.Info,
        input: PatientUpdateInput,  # type: ignore[valid-type]
    ) -> PatientUpdatePayload:
        async def work(write: Write) -> healthcare.Patient:
            checks = Checks()
            values = values_of(input, healthcare.Patient, checks)
            if "gender" in values and values["gender"] is None:
                checks.required("gender", None)
            _check(checks, values, creating=False)
            patient_id = reference("id", input.id, "Patient")  # type: ignore[attr-defined]
            row = await write.get(healthcare.Patient, patient_id, "id", lock=True)
            version = write.versions[row.id]  # updated_at before this transaction's lock
            expected = input.expected_updated_at  # type: ignore[attr-defined]
            if expected is not None and not _same_instant(expected, version):
                raise refuse(
                    MutationErrorCode.CONFLICT,
                    "expectedUpdatedAt",
                    "The patient was changed since you read it; read it again.",
                )
            if "medical_record_number" in values:
                await _unique_number(write, values["medical_record_number"], row.id)
            before = snapshot_of(row)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = _next_version(version, whole_seconds=write.db.dialect == "sqlite")
            await write.audit(row, before)
            return row

        row, errors = await run_mutation(info, healthcare.Patient, "update", work)
        return PatientUpdatePayload(patient=row, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(
        description=f"Archive a patient (soft delete): it disappears from every read. {_RULE}"
    )
    async def patient_archive(
        self, info: strawberry.Info, input: PatientArchiveInput
    ) -> PatientArchivePayload:
        async def work(write: Write) -> healthcare.Patient:
            checks = Checks()
            checks.required("reason", input.reason)
            checks.done()
            patient_id = reference("id", input.id, "Patient")
            row = await write.get(healthcare.Patient, patient_id, "id", lock=True)
            before = snapshot_of(row)
            row.deleted_at = utcnow()
            row.deleted_by = write.user_id
            row.status = "archived"
            await write.audit(row, before, reason=input.reason.strip())
            return row

        row, errors = await run_mutation(info, healthcare.Patient, "delete", work)
        return PatientArchivePayload(patient=row, errors=errors)  # type: ignore[arg-type]


def _same_instant(given: dt.datetime, stored: dt.datetime | None) -> bool:
    """The stored `updated_at` is the version the client read (SQLite keeps whole seconds)."""
    if stored is None or given.tzinfo is None:
        return False
    return abs((given - stored).total_seconds()) < 1e-6 or (
        given.replace(microsecond=0) == stored and stored.microsecond == 0
    )


def _next_version(previous: dt.datetime | None, *, whole_seconds: bool) -> dt.datetime:
    """Now, but always later than the previous `updated_at` (by a second where instants are
    stored in whole seconds, SQLite), so that it serves as the row's version."""
    now = utcnow()
    step = dt.timedelta(seconds=1) if whole_seconds else dt.timedelta(microseconds=1)
    if previous is not None and now < previous + step:
        return previous + step
    return now
