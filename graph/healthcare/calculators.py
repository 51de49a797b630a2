"""The healthcare domain's calculators (fields of `ClinicalCalculators`, under `calculate`):
renal function and blood pressure from `graph/healthcare/equations.py`; nothing read or
stored."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.core.calculations import CalculationResult, Sex, result
from graph.healthcare import equations
from graph.healthcare.equations import CreatinineUnit

strawberry.enum(
    CreatinineUnit,
    name="CreatinineUnit",
    description="Unit of a serum creatinine: `MG_DL` mg/dL, `UMOL_L` umol/L (= mg/dL x 88.4).",
)


@strawberry.type
class HealthcareCalculators:
    @strawberry.field(
        name="egfrCkdEpi2021",
        description=(
            "Estimated GFR, CKD-EPI 2021 creatinine equation without race (Inker, N Engl J "
            "Med 2021;385:1737), adults 18 and over; umol/L is converted to mg/dL by / 88.4. "
            "Not valid outside a steady state (acute kidney injury, dialysis). "
            "Unit: mL/min/1.73 m2."
        ),
    )
    def egfr_ckd_epi_2021(
        self,
        creatinine: Annotated[float, strawberry.argument(description="Serum creatinine.")],
        *,
        creatinine_unit: Annotated[
            CreatinineUnit, strawberry.argument(description="Unit of `creatinine`.")
        ] = CreatinineUnit.MG_DL,
        age_years: Annotated[float, strawberry.argument(description="Age. Unit: years.")],
        sex: Sex,
    ) -> CalculationResult:
        return result(equations.egfr_ckd_epi_2021(creatinine, creatinine_unit, age_years, sex))

    @strawberry.field(
        description="Mean arterial pressure, (systolic + 2 * diastolic) / 3. Unit: mmHg."
    )
    def mean_arterial_pressure(
        self,
        systolic: Annotated[float, strawberry.argument(description="Systolic. Unit: mmHg.")],
        diastolic: Annotated[float, strawberry.argument(description="Diastolic. Unit: mmHg.")],
    ) -> CalculationResult:
        return result(equations.mean_arterial_pressure(systolic, diastolic))
