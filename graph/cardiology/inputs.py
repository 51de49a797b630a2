"""Inputs and payloads of the cardiology mutations (graph/cardiology/mutations.py): the
record's fields, with the physiological ranges the mutations check in their descriptions."""

from __future__ import annotations

import strawberry

from graph.cardiology.types import Ecg, Echocardiogram
from graph.mutation_inputs import column_input
from graph.mutations import MutationError, Range
from models import cardiology

INTERVAL = Range(150, 700, "ms")
ECG_RANGES = {
    "heart_rate": Range(20, 300, "bpm"),
    "pr_interval": Range(40, 400, "ms"),
    "qrs_duration": Range(40, 250, "ms"),
    "qt_interval": INTERVAL,
    "qtc_interval": INTERVAL,
    "axis": Range(-180, 180, "deg"),
    "paper_speed": Range(5, 100, "mm/s"),
    "gain": Range(1, 40, "mm/mV"),
}
ECHO_RANGES = {
    "lvef": Range(5, 90, "%"),
    "lvedd": Range(20, 90, "mm"),
    "lvesd": Range(10, 80, "mm"),
    "la_dimension": Range(15, 80, "mm"),
    "tapse": Range(3, 40, "mm"),
    "rvsp": Range(10, 150, "mmHg"),
}

EcgRecordInput = column_input(
    "EcgRecordInput",
    cardiology.Ecg,
    (
        "patient_id",
        "recording_date",
        "ecg_type",
        "examination_id",
        "consultation_id",
        *ECG_RANGES,
        "rhythm",
        "rhythm_regularity",
        "has_abnormalities",
        "findings",
        "interpretation",
        "urgency",
        "notes",
    ),
    required=("patient_id", "recording_date", "ecg_type"),
    ranges=ECG_RANGES,
    notes={"recording_date": "Not in the future.", "qt_interval": "Above qrsDuration."},
    description="An electrocardiogram of a patient, with its intervals and rhythm.",
)
EchocardiogramRecordInput = column_input(
    "EchocardiogramRecordInput",
    cardiology.Echocardiogram,
    (
        "patient_id",
        "study_date",
        "echo_type",
        "examination_id",
        "consultation_id",
        "indication",
        *ECHO_RANGES,
        "lvef_method",
        "rv_function",
        "mitral_regurgitation",
        "aortic_stenosis",
        "aortic_regurgitation",
        "tricuspid_regurgitation",
        "pericardial_effusion",
        "diastolic_function",
        "has_abnormal_findings",
        "findings",
        "interpretation",
        "conclusion",
        "urgency",
        "notes",
    ),
    required=("patient_id", "study_date", "echo_type"),
    ranges=ECHO_RANGES,
    notes={"study_date": "Not in the future.", "lvesd": "Below lvedd."},
    description="An echocardiography study of a patient, with its measurements.",
)


@strawberry.type(description="The result of `ecgRecord`.")
class EcgRecordPayload:
    ecg: Ecg | None
    errors: list[MutationError]


@strawberry.type(description="The result of `echocardiogramRecord`.")
class EchocardiogramRecordPayload:
    echocardiogram: Echocardiogram | None
    errors: list[MutationError]
