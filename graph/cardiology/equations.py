"""Cardiovascular scores: CHA2DS2-VASc and HAS-BLED (points), Framingham 2008 general CVD and
SCORE2 2021 (10-year risk, %). Pure functions; see `graph/calculation.py` for refusals.

Coefficients are the published ones, checked against the papers' tables: Framingham from
D'Agostino 2008 Table 2 (as on framinghamheartstudy.org); SCORE2 from the 2021 paper's
supplementary Table 2 (coefficients, baseline survival) and Table 3 (region recalibration),
which the authors' own Stata program (Kaptoge, Cambridge) reproduces to more decimals.
"""

from __future__ import annotations

import enum
import math

from graph.calculation import Refused, Scored, Sex, equation, need, need_flag, need_sex

AGE_MAX = 130.0  # years: no one is older
SBP_MAX = 300.0  # mmHg

CHA2DS2_VASC_METHOD = (
    "CHA2DS2-VASc (Lip 2010): heart failure 1, hypertension 1, age >= 75 2, diabetes 1, "
    "stroke/TIA/thromboembolism 2, vascular disease 1, age 65-74 1, female sex 1; 0-9"
)
HAS_BLED_METHOD = (
    "HAS-BLED (Pisters 2010): uncontrolled hypertension, abnormal renal function, abnormal "
    "liver function, stroke, bleeding, labile INR, age > 65, antiplatelet/NSAID, alcohol: "
    "1 each; 0-9"
)
FRAMINGHAM_METHOD = (
    "Framingham general CVD 10-year risk (D'Agostino 2008): 1 - S0^exp(sum(beta*x) - mean), "
    "sex-specific Cox model, ages 30-74"
)
SCORE2_METHOD = (
    "SCORE2 (ESC 2021): 10-year risk of fatal and non-fatal CVD, sex-specific model "
    "recalibrated to the ESC risk region, ages 40-69, people without diabetes or CVD"
)

# D'Agostino RB Sr et al., Circulation 2008;117:743-53, Table 2: ln(age), ln(total
# cholesterol), ln(HDL), ln(SBP) untreated, ln(SBP) treated, smoker, diabetes; S0(10); mean.
FRAMINGHAM = {
    Sex.FEMALE: (2.32888, 1.20904, -0.70833, 2.76157, 2.82263, 0.52873, 0.69154, 0.95012, 26.1931),
    Sex.MALE: (3.06117, 1.12370, -0.93263, 1.93303, 1.99881, 0.65451, 0.57367, 0.88936, 23.9802),
}


class Score2Region(enum.Enum):
    """ESC cardiovascular risk region of the country of residence (SCORE2 2021)."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    VERY_HIGH = "very_high"


# SCORE2 working group, Eur Heart J 2021;42:2439-54, supplementary Table 2: cage, smoking,
# csbp, ctchol, chdl, smoking*cage, csbp*cage, ctchol*cage, chdl*cage; baseline S0(10).
SCORE2 = {
    Sex.MALE: (0.3742, 0.6012, 0.2777, 0.1458, -0.2698, -0.0755, -0.0255, -0.0281, 0.0426, 0.9605),
    Sex.FEMALE: (
        0.4648,
        0.7744,
        0.3131,
        0.1002,
        -0.2606,
        -0.1088,
        -0.0277,
        -0.0226,
        0.0613,
        0.9776,
    ),
}
# Supplementary Table 3: (scale1, scale2) per region and sex.
SCORE2_SCALES = {
    (Score2Region.LOW, Sex.MALE): (-0.5699, 0.7476),
    (Score2Region.LOW, Sex.FEMALE): (-0.7380, 0.7019),
    (Score2Region.MODERATE, Sex.MALE): (-0.1565, 0.8009),
    (Score2Region.MODERATE, Sex.FEMALE): (-0.3143, 0.7701),
    (Score2Region.HIGH, Sex.MALE): (0.3207, 0.9360),
    (Score2Region.HIGH, Sex.FEMALE): (0.5710, 0.9369),
    (Score2Region.VERY_HIGH, Sex.MALE): (0.5836, 0.8294),
    (Score2Region.VERY_HIGH, Sex.FEMALE): (0.9412, 0.8329),
}


def _age(age_years: float | None) -> float:
    return need("age", age_years, at_least=0, at_most=AGE_MAX, unit="years")


@equation("points", CHA2DS2_VASC_METHOD)
def cha2ds2_vasc(
    age_years: float | None,
    sex: Sex | None,
    congestive_heart_failure: bool | None,
    hypertension: bool | None,
    diabetes: bool | None,
    stroke_or_tia: bool | None,
    vascular_disease: bool | None,
) -> Scored:
    """CHA2DS2-VASc stroke risk in atrial fibrillation, 0-9 points (Lip GYH et al., Chest
    2010;137:263-72; ESC 2020 AF guideline). Age in years; a flag that is None (not
    assessed) is refused, never read as absent."""
    age = _age(age_years)
    female = need_sex(sex) is Sex.FEMALE
    items = [
        (
            "C: congestive heart failure (+1)",
            1,
            need_flag("heart failure", congestive_heart_failure),
        ),
        ("H: hypertension (+1)", 1, need_flag("hypertension", hypertension)),
        ("A2: age >= 75 (+2)", 2, age >= 75),
        ("D: diabetes (+1)", 1, need_flag("diabetes", diabetes)),
        ("S2: stroke, TIA or thromboembolism (+2)", 2, need_flag("stroke or TIA", stroke_or_tia)),
        ("V: vascular disease (+1)", 1, need_flag("vascular disease", vascular_disease)),
        ("A: age 65-74 (+1)", 1, 65 <= age < 75),
        ("Sc: female sex (+1)", 1, female),
    ]
    return Scored(sum(p for _, p, on in items if on), tuple(n for n, _, on in items if on))


@equation("points", HAS_BLED_METHOD)
def has_bled(
    age_years: float | None,
    uncontrolled_hypertension: bool | None,
    abnormal_renal_function: bool | None,
    abnormal_liver_function: bool | None,
    prior_stroke: bool | None,
    bleeding_history: bool | None,
    labile_inr: bool | None,
    antiplatelet_or_nsaid: bool | None,
    alcohol_use: bool | None,
) -> Scored:
    """HAS-BLED major bleeding risk on anticoagulation, 0-9 points (Pisters R et al., Chest
    2010;138:1093-100): uncontrolled hypertension (systolic > 160 mmHg), renal (dialysis,
    transplant or creatinine >= 200 umol/L) and liver disease, stroke, bleeding, labile INR,
    elderly (> 65 years), drugs (antiplatelets, NSAIDs) and alcohol (>= 8 drinks a week)."""
    age = _age(age_years)
    items = [
        (
            "H: uncontrolled hypertension (+1)",
            need_flag("uncontrolled hypertension", uncontrolled_hypertension),
        ),
        ("A: abnormal renal function (+1)", need_flag("renal function", abnormal_renal_function)),
        ("A: abnormal liver function (+1)", need_flag("liver function", abnormal_liver_function)),
        ("S: stroke (+1)", need_flag("prior stroke", prior_stroke)),
        (
            "B: bleeding history or predisposition (+1)",
            need_flag("bleeding history", bleeding_history),
        ),
        ("L: labile INR (+1)", need_flag("labile INR", labile_inr)),
        ("E: elderly, age > 65 (+1)", age > 65),
        (
            "D: antiplatelet or NSAID use (+1)",
            need_flag("antiplatelet or NSAID use", antiplatelet_or_nsaid),
        ),
        ("D: alcohol use (+1)", need_flag("alcohol use", alcohol_use)),
    ]
    counted = [name for name, on in items if on]
    return Scored(len(counted), tuple(counted))


@equation("%", FRAMINGHAM_METHOD)
def framingham_cvd_risk(
    sex: Sex | None,
    age_years: float | None,
    total_cholesterol_mg_dl: float | None,
    hdl_mg_dl: float | None,
    systolic_bp: float | None,
    bp_treated: bool | None,
    smoker: bool | None,
    diabetes: bool | None,
) -> float:
    """10-year risk of general cardiovascular disease in % (D'Agostino RB Sr et al.,
    Circulation 2008;117:743-53), for ages 30-74 without CVD. Cholesterol in mg/dL (from
    mmol/L: x 38.67), systolic blood pressure in mmHg."""
    ln_age, ln_tc, ln_hdl, sbp_untreated, sbp_treated, smoking, diabetic, s0, mean = FRAMINGHAM[
        need_sex(sex)
    ]
    age = need("age", age_years, at_least=30, at_most=74, unit="years (Framingham 2008 range)")
    tc = need("total cholesterol", total_cholesterol_mg_dl, above=0, at_most=1000, unit="mg/dL")
    hdl = need("HDL cholesterol", hdl_mg_dl, above=0, at_most=400, unit="mg/dL")
    sbp = need("systolic blood pressure", systolic_bp, above=0, at_most=SBP_MAX, unit="mmHg")
    treated = need_flag("blood-pressure treatment", bp_treated)
    total = (
        ln_age * math.log(age)
        + ln_tc * math.log(tc)
        + ln_hdl * math.log(hdl)
        + (sbp_treated if treated else sbp_untreated) * math.log(sbp)
        + (smoking if need_flag("smoking", smoker) else 0.0)
        + (diabetic if need_flag("diabetes", diabetes) else 0.0)
    )
    return 100.0 * (1.0 - s0 ** math.exp(total - mean))


@equation("%", SCORE2_METHOD)
def score2_risk(
    sex: Sex | None,
    risk_region: Score2Region | None,
    age_years: float | None,
    smoker: bool | None,
    systolic_bp: float | None,
    total_cholesterol_mmol_l: float | None,
    hdl_mmol_l: float | None,
) -> float:
    """SCORE2 10-year risk of fatal and non-fatal cardiovascular disease in % (SCORE2
    working group and ESC Cardiovascular Risk Collaboration, Eur Heart J 2021;42:2439-54),
    ages 40-69 (70 and over: SCORE2-OP, not this equation). Cholesterol in mmol/L, systolic
    blood pressure in mmHg."""
    female = need_sex(sex)
    if risk_region is None:
        raise Refused("risk region is missing")
    age = need("age", age_years, at_least=40, below=70, unit="years (SCORE2 covers 40-69)")
    sbp = need("systolic blood pressure", systolic_bp, above=0, at_most=SBP_MAX, unit="mmHg")
    tc = need("total cholesterol", total_cholesterol_mmol_l, above=0, at_most=25, unit="mmol/L")
    hdl = need("HDL cholesterol", hdl_mmol_l, above=0, at_most=10, unit="mmol/L")
    smoking = 1.0 if need_flag("smoking", smoker) else 0.0
    b_age, b_smk, b_sbp, b_tc, b_hdl, i_smk, i_sbp, i_tc, i_hdl, s0 = SCORE2[female]
    cage, csbp, ctc, chdl = (age - 60) / 5, (sbp - 120) / 20, tc - 6, (hdl - 1.3) / 0.5
    linear = (
        b_age * cage
        + b_smk * smoking
        + b_sbp * csbp
        + b_tc * ctc
        + b_hdl * chdl
        + i_smk * smoking * cage
        + i_sbp * csbp * cage
        + i_tc * ctc * cage
        + i_hdl * chdl * cage
    )
    uncalibrated = 1.0 - s0 ** math.exp(linear)
    scale1, scale2 = SCORE2_SCALES[(risk_region, female)]
    calibrated = 1.0 - math.exp(-math.exp(scale1 + scale2 * math.log(-math.log(1 - uncalibrated))))
    return 100.0 * calibrated
