"""The cardiology domain's calculators (fields of `ClinicalCalculators`, under `calculate`):
the scores of `graph/cardiology/equations.py` on the caller's numbers; nothing read or
stored."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.cardiology import equations
from graph.cardiology.equations import Score2Region
from graph.core.calculations import CalculationResult, Sex, result

strawberry.enum(
    Score2Region,
    name="Score2Region",
    description=(
        "ESC cardiovascular risk region of the country of residence, as the SCORE2 paper "
        "(2021) and the ESC 2021 prevention guideline list the countries."
    ),
)


def _arg(description: str) -> object:
    return strawberry.argument(description=description)


AgeInt = Annotated[int, _arg("Age. Unit: years.")]
AgeFloat = Annotated[float, _arg("Age. Unit: years.")]
SystolicBp = Annotated[float, _arg("Systolic blood pressure. Unit: mmHg.")]
Smoker = Annotated[bool, _arg("Current smoker.")]


@strawberry.type
class CardiologyCalculators:
    @strawberry.field(
        name="cha2ds2Vasc",
        description=(
            "CHA2DS2-VASc stroke risk in atrial fibrillation (Lip, Chest 2010): heart failure "
            "1, hypertension 1, age >= 75 2, diabetes 1, stroke/TIA 2, vascular disease 1, "
            "age 65-74 1, female 1; `factors` lists the items that counted. Unit: points "
            "(0-9)."
        ),
    )
    def cha2ds2_vasc(
        self,
        age_years: AgeInt,
        sex: Sex,
        congestive_heart_failure: Annotated[bool, _arg("Heart failure or LV dysfunction.")],
        hypertension: Annotated[bool, _arg("Hypertension.")],
        diabetes: Annotated[bool, _arg("Diabetes mellitus.")],
        stroke_or_tia: Annotated[bool, _arg("Prior stroke, TIA or thromboembolism.")],
        vascular_disease: Annotated[
            bool, _arg("Prior MI, peripheral artery disease or aortic plaque.")
        ],
    ) -> CalculationResult:
        return result(
            equations.cha2ds2_vasc(
                age_years,
                sex,
                congestive_heart_failure,
                hypertension,
                diabetes,
                stroke_or_tia,
                vascular_disease,
            )
        )

    @strawberry.field(
        name="hasBled",
        description=(
            "HAS-BLED major bleeding risk on anticoagulation (Pisters, Chest 2010): one "
            "point each for uncontrolled hypertension, abnormal renal and liver function, "
            "stroke, bleeding, labile INR, age > 65, antiplatelet/NSAID use and alcohol use; "
            "`factors` lists the items that counted. Unit: points (0-9)."
        ),
    )
    def has_bled(
        self,
        age_years: AgeInt,
        uncontrolled_hypertension: Annotated[bool, _arg("Systolic above 160 mmHg.")],
        abnormal_renal_function: Annotated[
            bool, _arg("Dialysis, transplant or creatinine >= 200 umol/L.")
        ],
        abnormal_liver_function: Annotated[
            bool, _arg("Cirrhosis, or bilirubin > 2x and AST/ALT > 3x normal.")
        ],
        prior_stroke: Annotated[bool, _arg("Prior stroke.")],
        bleeding_history: Annotated[bool, _arg("Major bleeding or predisposition.")],
        labile_inr: Annotated[bool, _arg("Unstable or high INR (time in range < 60 %).")],
        antiplatelet_or_nsaid: Annotated[bool, _arg("Antiplatelet or NSAID use.")],
        alcohol_use: Annotated[bool, _arg("Alcohol, 8 or more drinks a week.")],
    ) -> CalculationResult:
        return result(
            equations.has_bled(
                age_years,
                uncontrolled_hypertension,
                abnormal_renal_function,
                abnormal_liver_function,
                prior_stroke,
                bleeding_history,
                labile_inr,
                antiplatelet_or_nsaid,
                alcohol_use,
            )
        )

    @strawberry.field(
        description=(
            "10-year general cardiovascular disease risk, Framingham (D'Agostino, "
            "Circulation 2008), ages 30-74. Unit: %."
        )
    )
    def framingham_cvd_risk(
        self,
        sex: Sex,
        age_years: AgeFloat,
        total_cholesterol_mg_dl: Annotated[float, _arg("Total cholesterol. Unit: mg/dL.")],
        hdl_mg_dl: Annotated[float, _arg("HDL cholesterol. Unit: mg/dL.")],
        systolic_bp: SystolicBp,
        bp_treated: Annotated[bool, _arg("On antihypertensive treatment.")],
        smoker: Smoker,
        diabetes: Annotated[bool, _arg("Diabetes mellitus.")],
    ) -> CalculationResult:
        return result(
            equations.framingham_cvd_risk(
                sex,
                age_years,
                total_cholesterol_mg_dl,
                hdl_mg_dl,
                systolic_bp,
                bp_treated,
                smoker,
                diabetes,
            )
        )

    @strawberry.field(
        description=(
            "SCORE2 10-year risk of fatal and non-fatal cardiovascular disease (ESC, Eur "
            "Heart J 2021), ages 40-69 without diabetes or CVD, recalibrated to the risk "
            "region. Unit: %."
        )
    )
    def score2_risk(
        self,
        sex: Sex,
        risk_region: Annotated[Score2Region, _arg("ESC risk region of the country.")],
        age_years: AgeFloat,
        smoker: Smoker,
        systolic_bp: SystolicBp,
        total_cholesterol_mmol_l: Annotated[float, _arg("Total cholesterol. Unit: mmol/L.")],
        hdl_mmol_l: Annotated[float, _arg("HDL cholesterol. Unit: mmol/L.")],
    ) -> CalculationResult:
        return result(
            equations.score2_risk(
                sex,
                risk_region,
                age_years,
                smoker,
                systolic_bp,
                total_cholesterol_mmol_l,
                hdl_mmol_l,
            )
        )
