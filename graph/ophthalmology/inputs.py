"""Inputs and payloads of the ophthalmology mutations (graph/ophthalmology/mutations.py): the
record's fields, with the ranges the mutations check stated in their descriptions."""

from __future__ import annotations

import strawberry

from graph.mutation_inputs import column_input
from graph.mutations import MutationError, Range
from graph.ophthalmology.types import EyeSurgery, OcularBiometry
from models import ophthalmology

KERATOMETRY = Range(30, 60, "D")
IOP = Range(0, 80, "mmHg")
BIOMETRY_RANGES = {
    "axial_length": Range(15, 40, "mm"),
    "k1": KERATOMETRY,
    "k2": KERATOMETRY,
    "acd": Range(1.5, 6, "mm"),
    "lens_thickness": Range(2, 7, "mm"),
    "wtw": Range(8, 16, "mm"),
    "cct": Range(300, 800, "µm"),
    "target_refraction": Range(-10, 10, "D"),
    "a_constant": Range(110, 125),
}
SURGERY_RANGES = {
    "iol_power": Range(-10, 40, "D"),
    "pre_op_iop": IOP,
    "immediate_iop": IOP,
    "duration_minutes": Range(1, 600, "min"),
}
_ID = {"id": (strawberry.ID, "Global ID of the eye surgery.")}

BiometryRecordInput = column_input(
    "BiometryRecordInput",
    ophthalmology.OcularBiometry,
    (
        "patient_id",
        "measurement_date",
        "eye",
        "device_type",
        "axial_length",
        "k1",
        "k2",
        "consultation_id",
        "k1_axis",
        "k2_axis",
        "keratometry_type",
        "acd",
        "lens_thickness",
        "wtw",
        "cct",
        "target_refraction",
        "a_constant",
        "measurement_quality",
        "notes",
    ),
    required=("patient_id", "measurement_date", "eye", "device_type", "axial_length", "k1", "k2"),
    ranges=BIOMETRY_RANGES,
    notes={"measurement_date": "Not in the future.", "k1": "Not above k2 (the flat meridian)."},
    description="An ocular biometry of one eye; mean K and astigmatism are computed from K1/K2.",
)
SurgeryScheduleInput = column_input(
    "SurgeryScheduleInput",
    ophthalmology.EyeSurgery,
    (
        "patient_id",
        "surgery_date",
        "eye",
        "surgery_type",
        "surgery_subtype",
        "scheduled_start_time",
        "anesthesia_type",
        "indication",
        "iol_model",
        "iol_power",
        "pre_op_iop",
        "notes",
    ),
    required=("patient_id", "surgery_date", "eye", "surgery_type"),
    ranges=SURGERY_RANGES,
    notes={"surgery_date": "May lie in the future (a plan); needs a time zone."},
    description="An eye surgery to plan for a patient.",
)
SurgeryCompleteInput = column_input(
    "SurgeryCompleteInput",
    ophthalmology.EyeSurgery,
    (
        "actual_start_time",
        "actual_end_time",
        "duration_minutes",
        "surgery_outcome",
        "has_complications",
        "iol_model",
        "iol_power",
        "immediate_iop",
        "procedure_details",
        "intra_op_findings",
        "post_op_instructions",
        "notes",
    ),
    ranges=SURGERY_RANGES,
    notes={
        "actual_end_time": "Default: now; after the start.",
        "duration_minutes": "Default: from the start and end times.",
        "surgery_outcome": "REQUIRED.",
    },
    lead=_ID,
    description="What is recorded when a scheduled (or started) eye surgery ends.",
)


@strawberry.type(description="The result of `biometryRecord`.")
class BiometryRecordPayload:
    ocular_biometry: OcularBiometry | None
    errors: list[MutationError]


@strawberry.type(description="The result of `surgerySchedule`.")
class SurgerySchedulePayload:
    eye_surgery: EyeSurgery | None
    errors: list[MutationError]


@strawberry.type(description="The result of `surgeryComplete`.")
class SurgeryCompletePayload:
    eye_surgery: EyeSurgery | None
    errors: list[MutationError]
