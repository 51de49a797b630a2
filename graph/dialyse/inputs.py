"""Inputs and payloads of the dialysis mutations (graph/dialyse/mutations.py): the record's
fields, with the clinical ranges the mutations check stated in their descriptions."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from graph.dialyse.types import DialysisLab, DialysisSession
from graph.mutation_inputs import column_input
from graph.mutations import MutationError, Range
from models import dialyse

WEIGHT = Range(20, 300, "kg")
SYSTOLIC = Range(50, 260, "mmHg")
DIASTOLIC = Range(20, 160, "mmHg")
SESSION_RANGES = {
    "pre_weight": WEIGHT,
    "post_weight": WEIGHT,
    "blood_flow": Range(100, 600, "mL/min"),
    "dialysate_flow": Range(300, 1000, "mL/min"),
    "uf_goal": Range(0, 6000, "mL"),
    "uf_volume": Range(0, 6000, "mL"),
    "pre_systolic_bp": SYSTOLIC,
    "post_systolic_bp": SYSTOLIC,
    "pre_diastolic_bp": DIASTOLIC,
    "post_diastolic_bp": DIASTOLIC,
    "pre_bun": Range(1, 300, "mg/dL"),
    "post_bun": Range(1, 300, "mg/dL"),
    "duration_minutes": Range(30, 600, "min"),
    "ktv": Range(0, 4),
}
LAB_RANGES = {
    "hemoglobin": Range(2, 25, "g/dL"),
    "potassium": Range(1, 10, "mmol/L"),
    "creatinine": Range(10, 3000, "µmol/L"),
    "urea": Range(0.5, 100, "mmol/L"),
    "urea_pre": Range(0.5, 100, "mmol/L"),
    "urea_post": Range(0.5, 100, "mmol/L"),
    "ktv": Range(0, 4),
    "hematocrit": Range(5, 75, "%"),
    "pth": Range(0, 5000, "pg/mL"),
    "calcium": Range(0.5, 5, "mmol/L"),
    "phosphorus": Range(0.1, 5, "mmol/L"),
    "sodium": Range(100, 180, "mmol/L"),
    "bicarbonate": Range(5, 50, "mmol/L"),
    "albumin": Range(5, 70, "g/L"),
    "ferritin": Range(0, 10000, "ng/mL"),
    "transferrin_saturation": Range(0, 100, "%"),
    "crp": Range(0, 500, "mg/L"),
}
_ID = {"id": (strawberry.ID, "Global ID of the dialysis session.")}

DialysisSessionScheduleInput = column_input(
    "DialysisSessionScheduleInput",
    dialyse.DialysisSession,
    (
        "patient_id",
        "session_date",
        "scheduled_start_time",
        "machine_id",
        "prescription_id",
        "slot_id",
        "uf_goal",
        "notes",
    ),
    required=("patient_id", "session_date"),
    ranges=SESSION_RANGES,
    notes={"session_date": "One session per patient and day (DUPLICATE otherwise)."},
    description="A session to plan for a patient.",
)
DialysisSessionStartInput = column_input(
    "DialysisSessionStartInput",
    dialyse.DialysisSession,
    (
        "actual_start_time",
        "machine_id",
        "pre_weight",
        "pre_systolic_bp",
        "pre_diastolic_bp",
        "blood_flow",
        "dialysate_flow",
        "uf_goal",
    ),
    ranges=SESSION_RANGES,
    notes={"actual_start_time": "Default: now."},
    lead=_ID,
    description="What is recorded when a scheduled session starts.",
)
_COMPLETE = (
    "actual_end_time",
    "duration_minutes",
    "pre_weight",
    "post_weight",
    "pre_systolic_bp",
    "pre_diastolic_bp",
    "post_systolic_bp",
    "post_diastolic_bp",
    "blood_flow",
    "dialysate_flow",
    "uf_volume",
    "pre_bun",
    "post_bun",
    "ktv",
    "notes",
)
DialysisSessionCompleteInput = column_input(
    "DialysisSessionCompleteInput",
    dialyse.DialysisSession,
    _COMPLETE,
    ranges=SESSION_RANGES,
    notes={
        "actual_end_time": "Default: now; after the start.",
        "duration_minutes": "Default: from the start and end times.",
        "pre_weight": "REQUIRED unless recorded at the start.",
        "post_weight": "REQUIRED.",
        "post_bun": "Below preBun.",
    },
    lead=_ID,
    description="The measurements of a session that ends.",
)
DialysisSessionCancelInput = column_input(
    "DialysisSessionCancelInput",
    dialyse.DialysisSession,
    ("cancellation_reason",),
    required=("cancellation_reason",),
    notes={"cancellation_reason": "Not blank (REQUIRED)."},
    lead=_ID,
    description="A session that will not take place, and why.",
)
_LAB_COLUMNS: Sequence[str] = ("patient_id", "lab_date", "lab_source", "import_method")
DialysisLabResultsRecordInput = column_input(
    "DialysisLabResultsRecordInput",
    dialyse.DialysisLab,
    (*_LAB_COLUMNS, *LAB_RANGES, "notes"),
    required=("patient_id", "lab_date"),
    ranges=LAB_RANGES,
    notes={"urea_post": "Below ureaPre.", "lab_date": "Not in the future."},
    description="A laboratory panel of a dialysis patient.",
)


@strawberry.type(description="The result of a dialysis session mutation.")
class DialysisSessionPayload:
    dialysis_session: DialysisSession | None
    errors: list[MutationError]


def _payload(name: str) -> type:
    return strawberry.type(
        type(name, (DialysisSessionPayload,), {}),
        description=f"The result of `{name[0].lower()}{name[1:-7]}`.",
    )


DialysisSessionSchedulePayload = _payload("DialysisSessionSchedulePayload")
DialysisSessionStartPayload = _payload("DialysisSessionStartPayload")
DialysisSessionCompletePayload = _payload("DialysisSessionCompletePayload")
DialysisSessionCancelPayload = _payload("DialysisSessionCancelPayload")


@strawberry.type(description="The result of `dialysisLabResultsRecord`.")
class DialysisLabResultsRecordPayload:
    dialysis_lab: DialysisLab | None
    errors: list[MutationError]
