"""GraphQL types of the dialyse domain, mirrored from `models/dialyse.py`.

Computed fields return `CalculationResult` from the equations of `graph/dialyse/equations.py`
on the stored values (BUN mg/dL, weights kg, durations min, UF mL, pressures mmHg, creatinine
umol/L); what they need from other rows comes through the named loaders of
`graph/dialyse/loaders.py`, one statement per page whatever its size.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from graph.calculation import Calculation
from graph.core.calculations import CalculationResult, refused, result
from graph.dialyse import equations
from graph.dialyse.calculators import EktvMethod
from graph.dialyse.loaders import (
    DialysisProfileByPatientLoader,
    PreviousDialysisSessionBySessionLoader,
)
from graph.healthcare import equations as general
from graph.healthcare.demographics import demographics
from graph.mirror import mirrored
from graph.ordering import desc
from graph.permissions import derived_rule, with_rule
from models import dialyse

ROUTES = {
    "avf": equations.VascularAccessRoute.ARTERIAL,
    "avg": equations.VascularAccessRoute.ARTERIAL,
    "cvc": equations.VascularAccessRoute.VENOUS,
}
FROM_ROW = "From this session's stored values."


def _sp_ktv(row: Any) -> Calculation:
    return equations.ktv_daugirdas(
        row.pre_bun, row.post_bun, row.duration_minutes, row.uf_volume, row.post_weight
    )


@mirrored(dialyse.DialysisProfile, order=[desc("created_at")])
class DialysisProfile:
    """A row of `dialyse_patients`."""


@mirrored(dialyse.DialysisSession, order=[desc("session_date")])
class DialysisSession:
    """A row of `dialyse_sessions`."""

    @strawberry.field(
        description=f"Urea reduction ratio, 100 * (1 - postBun/preBun) (KDOQI minimum 65 %). "
        f"{FROM_ROW} Unit: %."
    )
    def urr(self) -> CalculationResult:
        row: Any = self
        return result(equations.urr(row.pre_bun, row.post_bun))

    @strawberry.field(
        description="Single-pool Kt/V, Daugirdas 1993 second generation, from preBun, postBun, "
        "durationMinutes (as hours), ufVolume (mL as litres) and postWeight (kg); the stored "
        "`ktv` may come from elsewhere. Unit: dimensionless."
    )
    def ktv_daugirdas(self) -> CalculationResult:
        return result(_sp_ktv(self))

    @strawberry.field(
        description="Equilibrated Kt/V from this session's spKt/V (ktvDaugirdas) and duration, "
        "by the access route of the patient's dialysis profile (fistula or graft arterial, "
        "catheter venous; the current access, not a history): the Daugirdas-Schneditz rate "
        "equation or Tattersall. Unit: dimensionless."
    )
    async def ektv(
        self,
        info: strawberry.Info,
        method: Annotated[
            EktvMethod, strawberry.argument(description="Estimate to use.")
        ] = EktvMethod.RATE,
    ) -> CalculationResult:
        row: Any = self
        profile = await DialysisProfileByPatientLoader.of(info).load(row.patient_id)
        chosen = equations.TATTERSALL_METHOD
        if method is not EktvMethod.TATTERSALL:
            chosen = equations.RATE_METHOD
        sp = _sp_ktv(row)
        if sp.value is None:
            return refused("dimensionless", chosen, f"no spKt/V: {sp.reason}")
        if profile is None or profile.vascular_access not in ROUTES:
            reason = "the patient's dialysis profile records no vascular access"
            return refused("dimensionless", chosen, reason)
        access = ROUTES[profile.vascular_access]
        return result(equations.ektv(sp.value, row.duration_minutes, access, method))

    @strawberry.field(
        description="Ultrafiltration rate: ufVolume / postWeight / duration in hours (KDOQI "
        f"2015; CMS UFR measure). {FROM_ROW} Unit: mL/kg/h."
    )
    def ultrafiltration_rate(self) -> CalculationResult:
        row: Any = self
        return result(
            equations.ultrafiltration_rate(row.uf_volume, row.duration_minutes, row.post_weight)
        )

    @strawberry.field(
        description="Interdialytic weight gain: this session's preWeight minus the postWeight "
        "of the same patient's latest completed session on an earlier day (DOPPS). Unit: kg."
    )
    async def interdialytic_weight_gain(self, info: strawberry.Info) -> CalculationResult:
        row: Any = self
        previous = await PreviousDialysisSessionBySessionLoader.of(info).load(row.id)
        if previous is None:
            reason = "the patient has no completed session on an earlier day"
            return refused("kg", equations.IDWG_METHOD, reason)
        return result(equations.interdialytic_weight_gain(previous.post_weight, row.pre_weight))

    @strawberry.field(
        description="Mean arterial pressure before the session, (preSystolicBp + 2 * "
        "preDiastolicBp) / 3. Unit: mmHg."
    )
    def pre_map(self) -> CalculationResult:
        row: Any = self
        return result(general.mean_arterial_pressure(row.pre_systolic_bp, row.pre_diastolic_bp))

    @strawberry.field(
        description="Mean arterial pressure after the session, (postSystolicBp + 2 * "
        "postDiastolicBp) / 3. Unit: mmHg."
    )
    def post_map(self) -> CalculationResult:
        row: Any = self
        return result(general.mean_arterial_pressure(row.post_systolic_bp, row.post_diastolic_bp))

    @strawberry.field(
        description="Whether the session met its dose: spKt/V (ktvDaugirdas) at or above the "
        "Kt/V target of the patient's dialysis profile (prescriptions hold none; the KDOQI 2015 "
        "target 1.4 when the profile has none) and the KDOQI 2015 minimum 1.2, and URR at or "
        "above 65 % (KDOQI 2006). `factors` lists the criteria met. Unit: 1 = met, 0 = not met."
    )
    async def adequacy(self, info: strawberry.Info) -> CalculationResult:
        row: Any = self
        profile = await DialysisProfileByPatientLoader.of(info).load(row.patient_id)
        sp = _sp_ktv(row)
        if sp.value is None:
            return refused(equations.MET, equations.ADEQUACY_METHOD, f"no spKt/V: {sp.reason}")
        reduction = equations.urr(row.pre_bun, row.post_bun)
        target = profile.ktv_target if profile is not None else None
        return result(equations.adequacy(sp.value, reduction.value, target))


@mirrored(dialyse.DialysisMachine, order=[desc("created_at")])
class DialysisMachine:
    """A row of `dialyse_machines`."""


@mirrored(dialyse.DialysisLab, order=[desc("lab_date")])
class DialysisLab:
    """A row of `dialyse_labs`."""

    @strawberry.field(
        **with_rule(
            "Estimated GFR, CKD-EPI 2021 without race, from this panel's creatinine (umol/L, "
            "converted to mg/dL by / 88.4) and the registry's sex and age on the lab date. "
            "CKD-EPI is not valid on maintenance dialysis (creatinine is not in a steady "
            "state): read it for patients not yet dialysed. Unit: mL/min/1.73 m2.",
            derived_rule(),  # it reveals the age
        )
    )
    async def egfr_ckd_epi_2021(self, info: strawberry.Info) -> CalculationResult:
        row: Any = self
        person = await demographics(info, row.patient_id, row.lab_date.date())
        if person.reason is not None:
            return refused("mL/min/1.73 m2", general.EGFR_METHOD, person.reason)
        calculated = general.egfr_ckd_epi_2021(
            row.creatinine, general.CreatinineUnit.UMOL_L, person.age, person.sex
        )
        return result(calculated)


@mirrored(dialyse.DialysisPrescription, order=[desc("created_at")])
class DialysisPrescription:
    """A row of `dialyse_prescriptions`."""


@mirrored(dialyse.DialysisSessionSlot, order=[desc("created_at")])
class DialysisSessionSlot:
    """A row of `dialyse_session_slots`."""
