"""General equations on registry data: renal function (CKD-EPI 2021) and mean arterial
pressure. Pure functions; see `graph/calculation.py` for refusals."""

from __future__ import annotations

import enum

from graph.calculation import Refused, Sex, equation, need, need_sex

CREATININE_UMOL_PER_MG_DL = 88.4  # creatinine: 1 mg/dL = 88.4 umol/L
CREATININE_MAX_MG_DL = 50.0  # beyond any measured serum creatinine
AGE_MAX = 130.0
PRESSURE_MAX = 300.0  # mmHg

EGFR_METHOD = (
    "CKD-EPI 2021 creatinine equation without race (Inker 2021): 142 * min(Scr/k, 1)^a * "
    "max(Scr/k, 1)^-1.200 * 0.9938^age * 1.012 if female; k 0.7 F / 0.9 M, a -0.241 F / "
    "-0.302 M, Scr mg/dL"
)
MAP_METHOD = "Mean arterial pressure: (systolic + 2 * diastolic) / 3"


class CreatinineUnit(enum.Enum):
    """Unit a serum creatinine is given in."""

    MG_DL = "mg/dL"
    UMOL_L = "umol/L"


@equation("mL/min/1.73 m2", EGFR_METHOD)
def egfr_ckd_epi_2021(
    creatinine: float | None,
    creatinine_unit: CreatinineUnit,
    age_years: float | None,
    sex: Sex | None,
) -> float:
    """Estimated GFR in mL/min/1.73 m2 (Inker LA et al., N Engl J Med 2021;385:1737-49;
    KDIGO 2024), for adults (18 years and over) with a standardized serum creatinine in
    mg/dL or umol/L (converted: umol/L / 88.4). Not valid when creatinine is not in a steady
    state, e.g. in acute kidney injury or on dialysis."""
    if creatinine_unit is CreatinineUnit.UMOL_L:
        limit = CREATININE_MAX_MG_DL * CREATININE_UMOL_PER_MG_DL
        raw = need("serum creatinine", creatinine, above=0, at_most=limit, unit="umol/L")
        scr = raw / CREATININE_UMOL_PER_MG_DL
    else:
        scr = need(
            "serum creatinine", creatinine, above=0, at_most=CREATININE_MAX_MG_DL, unit="mg/dL"
        )
    age = need("age", age_years, at_least=0, at_most=AGE_MAX, unit="years")
    if age < 18:
        raise Refused("CKD-EPI 2021 is an adult equation (age 18 and over)")
    female = need_sex(sex) is Sex.FEMALE
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    ratio = scr / kappa
    value = 142.0 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.200 * 0.9938**age
    return value * 1.012 if female else value


@equation("mmHg", MAP_METHOD)
def mean_arterial_pressure(systolic: float | None, diastolic: float | None) -> float:
    """Mean arterial pressure in mmHg from a cuff reading in mmHg: diastolic plus a third of
    the pulse pressure (the standard clinical estimate at resting heart rates)."""
    high = need("systolic pressure", systolic, above=0, at_most=PRESSURE_MAX, unit="mmHg")
    low = need("diastolic pressure", diastolic, above=0, at_most=PRESSURE_MAX, unit="mmHg")
    if low > high:
        raise Refused("diastolic pressure must not exceed systolic pressure")
    return (high + 2.0 * low) / 3.0
