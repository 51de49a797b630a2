"""The dialyse domain's calculators (fields of `ClinicalCalculators`, under `calculate`): the
equations of `graph/dialyse/equations.py` on the caller's numbers; nothing read or stored."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.core.calculations import CalculationResult, result
from graph.dialyse import equations
from graph.dialyse.equations import EktvMethod, VascularAccessRoute

strawberry.enum(
    VascularAccessRoute,
    name="VascularAccessRoute",
    description=(
        "Vascular access of the session: `ARTERIAL` an arteriovenous fistula or graft, "
        "`VENOUS` a central venous catheter."
    ),
)
strawberry.enum(
    EktvMethod,
    name="EktvMethod",
    description=(
        "Equilibrated Kt/V estimate: `RATE` the Daugirdas-Schneditz rate equation (1995), "
        "`TATTERSALL` Tattersall's time constant (1996)."
    ),
)


def _arg(description: str) -> object:
    return strawberry.argument(description=description)


PreBun = Annotated[float, _arg("Pre-dialysis BUN. Unit: mg/dL.")]
PostBun = Annotated[float, _arg("Post-dialysis BUN, same unit as preBun. Unit: mg/dL.")]
Minutes = Annotated[float, _arg("Effective treatment time. Unit: min.")]
PreviousPost = Annotated[float, _arg("Post-dialysis weight of the previous session. Unit: kg.")]
PreWeight = Annotated[float, _arg("Pre-dialysis weight of this session. Unit: kg.")]
DryWeight = Annotated[float | None, _arg("Dry weight: the percentage's base when given. Unit: kg.")]


@strawberry.type
class DialyseCalculators:
    @strawberry.field(
        name="ktvDaugirdas",
        description=(
            "Single-pool Kt/V, Daugirdas 1993 second generation (J Am Soc Nephrol "
            "1993;4:1205): -ln(R - 0.008*t) + (4 - 3.5*R)*UF/W with t in hours and UF in "
            "litres (converted from the arguments). Unit: dimensionless."
        ),
    )
    def ktv_daugirdas(
        self,
        pre_bun: PreBun,
        post_bun: PostBun,
        duration_minutes: Minutes,
        ultrafiltration_ml: Annotated[float, _arg("Ultrafiltration volume. Unit: mL.")],
        post_weight_kg: Annotated[float, _arg("Post-dialysis weight. Unit: kg.")],
    ) -> CalculationResult:
        return result(
            equations.ktv_daugirdas(
                pre_bun, post_bun, duration_minutes, ultrafiltration_ml, post_weight_kg
            )
        )

    @strawberry.field(
        description=(
            "Urea reduction ratio, 100 * (1 - postBun/preBun) (Lowrie 1990; KDOQI minimum "
            "65 %). Unit: %."
        )
    )
    def urr(self, pre_bun: PreBun, post_bun: PostBun) -> CalculationResult:
        return result(equations.urr(pre_bun, post_bun))

    @strawberry.field(
        description=(
            "Equilibrated Kt/V from spKt/V: the Daugirdas-Schneditz rate equation (ASAIO J "
            "1995; KDOQI 2006 Table 4) or Tattersall (Kidney Int 1996), by access route. "
            "Unit: dimensionless."
        )
    )
    def ektv(
        self,
        sp_ktv: Annotated[float, _arg("Single-pool Kt/V. Unit: dimensionless.")],
        duration_minutes: Minutes,
        access: Annotated[VascularAccessRoute, _arg("Vascular access route.")],
        method: Annotated[EktvMethod, _arg("Estimate to use.")] = EktvMethod.RATE,
    ) -> CalculationResult:
        return result(equations.ektv(sp_ktv, duration_minutes, access, method))

    @strawberry.field(
        description=(
            "Interdialytic weight gain: preWeightKg - previousPostWeightKg (DOPPS). Unit: kg."
        )
    )
    def interdialytic_weight_gain(
        self,
        previous_post_weight_kg: PreviousPost,
        pre_weight_kg: PreWeight,
        dry_weight_kg: DryWeight = None,
    ) -> CalculationResult:
        return result(
            equations.interdialytic_weight_gain(
                previous_post_weight_kg, pre_weight_kg, dry_weight_kg
            )
        )

    @strawberry.field(
        description=(
            "Interdialytic weight gain as a percentage of the previous post-dialysis weight "
            "(DOPPS), or of dryWeightKg when it is given. Unit: %."
        )
    )
    def interdialytic_weight_gain_percent(
        self,
        previous_post_weight_kg: PreviousPost,
        pre_weight_kg: PreWeight,
        dry_weight_kg: DryWeight = None,
    ) -> CalculationResult:
        return result(
            equations.interdialytic_weight_gain_percent(
                previous_post_weight_kg, pre_weight_kg, dry_weight_kg
            )
        )
