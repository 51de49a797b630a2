"""GraphQL types of the cardiology domain, mirrored from `models/cardiology.py`.

Computed fields return `CalculationResult` from `graph/cardiology/equations.py`; the age and
sex they need come from the registry through the request's `PatientByIdLoader`.
"""

from __future__ import annotations

from typing import Any

import strawberry

from graph.cardiology import equations
from graph.core.calculations import CalculationResult, refused, result
from graph.healthcare.demographics import demographics, today
from graph.mirror import mirrored
from graph.ordering import desc
from graph.permissions import derived_rule, with_rule
from models import cardiology

HAS_BLED_MISSING = (
    "cardiology_patients does not record HAS-BLED's renal and liver function, bleeding "
    "history, labile INR, antiplatelet/NSAID use or alcohol use (and its stroke flag includes "
    "TIA): use calculate { hasBled } with the clinician's answers"
)


@mirrored(cardiology.CardiologyProfile, order=[desc("created_at")])
class CardiologyProfile:
    """A row of `cardiology_patients`."""

    @strawberry.field(
        **with_rule(
            "CHA2DS2-VASc (Lip 2010) computed from this profile's risk-factor flags "
            "(hasCongestiveHeartFailure, hasHypertension, hasDiabetes, hasStrokeOrTia, "
            "hasVascularDisease; a flag not assessed gives no score) and the registry's age "
            "today and sex; `cha2ds2VascScore` is the stored one. `factors` lists the items "
            "that counted. Unit: points (0-9).",
            derived_rule(),  # its age bands reveal the age
        )
    )
    async def cha2ds2_vasc_computed(self, info: strawberry.Info) -> CalculationResult:
        row: Any = self
        person = await demographics(info, row.patient_id, today())
        if person.reason is not None:
            return refused("points", equations.CHA2DS2_VASC_METHOD, person.reason)
        calculated = equations.cha2ds2_vasc(
            person.age,
            person.sex,
            row.has_congestive_heart_failure,
            row.has_hypertension,
            row.has_diabetes,
            row.has_stroke_or_tia,
            row.has_vascular_disease,
        )
        return result(calculated)

    @strawberry.field(
        description="HAS-BLED (Pisters 2010) where this profile holds its inputs: it does not "
        "record most of them, so the value is null with the reason; the calculator "
        "`calculate { hasBled }` takes them as arguments. Unit: points (0-9)."
    )
    def has_bled(self) -> CalculationResult:
        return refused("points", equations.HAS_BLED_METHOD, HAS_BLED_MISSING)


@mirrored(cardiology.Ecg, order=[desc("recording_date")])
class Ecg:
    """A row of `cardiology_ecgs`."""


@mirrored(cardiology.Echocardiogram, order=[desc("study_date")])
class Echocardiogram:
    """A row of `cardiology_echos`."""
