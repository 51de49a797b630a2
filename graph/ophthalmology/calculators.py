"""The ophthalmology domain's calculators (fields of `ClinicalCalculators`, under
`calculate`): IOL power from `graph/ophthalmology/equations.py` for what-if use (another
A-constant, another target); nothing read or stored."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.core.calculations import CalculationResult, result
from graph.ophthalmology import equations


def _arg(description: str) -> object:
    return strawberry.argument(description=description)


AxialLength = Annotated[float, _arg("Axial length. Unit: mm.")]
K1 = Annotated[float, _arg("Keratometry of the flat meridian. Unit: D.")]
K2 = Annotated[float, _arg("Keratometry of the steep meridian. Unit: D.")]
AConstant = Annotated[float, _arg("A-constant of the IOL model.")]
Target = Annotated[float, _arg("Target refraction (spectacle plane). Unit: D.")]


@strawberry.type
class OphthalmologyCalculators:
    @strawberry.field(
        name="iolPowerSrkT",
        description=(
            "IOL power for the target refraction, SRK/T (Retzlaff, J Cataract Refract Surg "
            "1990;16:333) with the long-eye correction of the axial length above 24.2 mm, "
            "mean of K1 and K2, unrounded. Unit: D."
        ),
    )
    def iol_power_srk_t(
        self,
        axial_length_mm: AxialLength,
        k1: K1,
        k2: K2,
        a_constant: AConstant,
        target_refraction: Target = 0.0,
    ) -> CalculationResult:
        return result(
            equations.iol_power_srk_t(axial_length_mm, k1, k2, a_constant, target_refraction)
        )

    @strawberry.field(
        name="predictedRefractionSrkT",
        description=(
            "Refraction (spectacle plane) predicted by SRK/T (Retzlaff 1990) for an IOL of "
            "`iolPower`. Unit: D."
        ),
    )
    def predicted_refraction_srk_t(
        self,
        axial_length_mm: AxialLength,
        k1: K1,
        k2: K2,
        a_constant: AConstant,
        iol_power: Annotated[float, _arg("Power of the IOL. Unit: D.")],
    ) -> CalculationResult:
        return result(
            equations.predicted_refraction_srk_t(axial_length_mm, k1, k2, a_constant, iol_power)
        )

    @strawberry.field(
        name="iolPowerSrkII",
        description=(
            "IOL power for the target refraction, SRK II (Sanders, J Cataract Refract Surg "
            "1988;14:136): A-constant adjusted by axial length (+3 below 20 mm, +2 below 21, "
            "+1 below 22, -0.5 from 24.5), minus target x 1.25 above 14 D (x 1.0 otherwise), "
            "unrounded. Unit: D."
        ),
    )
    def iol_power_srk_ii(
        self,
        axial_length_mm: AxialLength,
        k_mean: Annotated[float, _arg("Mean keratometry. Unit: D.")],
        a_constant: AConstant,
        target_refraction: Target = 0.0,
    ) -> CalculationResult:
        return result(
            equations.iol_power_srk_ii(axial_length_mm, k_mean, a_constant, target_refraction)
        )
