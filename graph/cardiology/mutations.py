"""Mutations of the cardiology domain: recording an ECG and an echocardiogram.

Run through graph/mutations.py (role, checks, one transaction with its audit event). Both are
new records: the ranges stated in the input's descriptions are checked first, then the
patient (and examination or consultation) are looked up in the caller's organization. The
business number is made here (`ECG-YYYYMMDD-…`, `ECHO-YYYYMMDD-…`); the record starts `pending`.
"""

from __future__ import annotations

import strawberry

from graph.cardiology.inputs import (
    ECG_RANGES,
    ECHO_RANGES,
    EcgRecordInput,
    EcgRecordPayload,
    EchocardiogramRecordInput,
    EchocardiogramRecordPayload,
)
from graph.mutation_inputs import resolve_references, values_of
from graph.mutation_values import business_number
from graph.mutations import Checks, Write, run_mutation
from graph.permissions import write_rule
from models import cardiology

_ECG_RULE = write_rule(cardiology.Ecg).describe()
_ECHO_RULE = write_rule(cardiology.Echocardiogram).describe()


@strawberry.type
class CardiologyMutation:
    @strawberry.mutation(description=f"Record an electrocardiogram. {_ECG_RULE}")
    async def ecg_record(
        self,
        info: strawberry.Info,
        input: EcgRecordInput,  # type: ignore[valid-type]
    ) -> EcgRecordPayload:
        async def work(write: Write) -> cardiology.Ecg:
            checks = Checks()
            values = values_of(input, cardiology.Ecg, checks)
            checks.ranges(values, ECG_RANGES)
            checks.below(
                "qrsDuration", values.get("qrs_duration"), "qtInterval", values.get("qt_interval")
            )
            checks.done()
            await resolve_references(write, cardiology.Ecg, values)
            row = cardiology.Ecg(
                **values,
                ecg_number=business_number("ECG", values.get("recording_date")),
                status="pending",
                created_by=write.user_id,
            )
            write.add(row)
            await write.audit(row, None)
            return row

        row, errors = await run_mutation(info, cardiology.Ecg, "create", work)
        return EcgRecordPayload(ecg=row, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description=f"Record an echocardiography study. {_ECHO_RULE}")
    async def echocardiogram_record(
        self,
        info: strawberry.Info,
        input: EchocardiogramRecordInput,  # type: ignore[valid-type]
    ) -> EchocardiogramRecordPayload:
        async def work(write: Write) -> cardiology.Echocardiogram:
            checks = Checks()
            values = values_of(input, cardiology.Echocardiogram, checks)
            checks.ranges(values, ECHO_RANGES)
            checks.below("lvesd", values.get("lvesd"), "lvedd", values.get("lvedd"))
            checks.done()
            await resolve_references(write, cardiology.Echocardiogram, values)
            row = cardiology.Echocardiogram(
                **values,
                echo_number=business_number("ECHO", values.get("study_date")),
                status="pending",
                created_by=write.user_id,
            )
            write.add(row)
            await write.audit(row, None)
            return row

        row, errors = await run_mutation(info, cardiology.Echocardiogram, "create", work)
        return EchocardiogramRecordPayload(echocardiogram=row, errors=errors)  # type: ignore[arg-type]
