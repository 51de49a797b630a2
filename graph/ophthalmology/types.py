"""GraphQL types of the ophthalmology domain, mirrored from `models/ophthalmology.py`.

Computed fields return `CalculationResult` from `graph/ophthalmology/equations.py` on the
stored biometry (axial length mm, keratometry D).
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from graph.core.calculations import CalculationResult, refused, result
from graph.mirror import mirrored
from graph.ophthalmology import equations
from graph.ordering import desc
from models import ophthalmology


@mirrored(ophthalmology.OphthalmologyProfile, order=[desc("created_at")])
class OphthalmologyProfile:
    """A row of `ophthalmology_patients`."""


@mirrored(ophthalmology.OcularBiometry, order=[desc("measurement_date")])
class OcularBiometry:
    """A row of `ophthalmology_biometry`."""

    @strawberry.field(description="Mean keratometry, (k1 + k2) / 2 of this measurement. Unit: D.")
    def mean_k(self) -> CalculationResult:
        row: Any = self
        return result(equations.mean_k(row.k1, row.k2))

    @strawberry.field(
        description="IOL power by SRK/T (Retzlaff 1990, long-eye correction of the axial "
        "length), unrounded, from this measurement's axialLength, k1 and k2, with the row's "
        "aConstant and targetRefraction (0, emmetropia, when the row has none) unless given. "
        "Unit: D."
    )
    def iol_power_srk_t(
        self,
        a_constant: Annotated[
            float | None,
            strawberry.argument(description="A-constant to use (default: the row's)."),
        ] = None,
        target: Annotated[
            float | None,
            strawberry.argument(
                description="Target refraction to use (default: the row's, else 0). Unit: D."
            ),
        ] = None,
    ) -> CalculationResult:
        row: Any = self
        constant = a_constant if a_constant is not None else row.a_constant
        if constant is None:
            reason = "no A-constant: the measurement records none and none was given"
            return refused("D", equations.SRKT_METHOD, reason)
        goal = target if target is not None else row.target_refraction
        calculated = equations.iol_power_srk_t(
            row.axial_length, row.k1, row.k2, constant, 0.0 if goal is None else goal
        )
        return result(calculated)


@mirrored(ophthalmology.EyeSurgery, order=[desc("surgery_date")])
class EyeSurgery:
    """A row of `ophthalmology_surgeries`."""
