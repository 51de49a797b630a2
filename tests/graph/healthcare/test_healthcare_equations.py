"""Renal function and blood pressure (graph/healthcare/equations.py): worked examples with
their sources, properties, and refusals outside the equations' domains."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.calculation import Calculation, Sex
from graph.healthcare.equations import CreatinineUnit, egfr_ckd_epi_2021, mean_arterial_pressure

PROPERTY = settings(database=None, deadline=None, max_examples=300)
MG, UMOL = CreatinineUnit.MG_DL, CreatinineUnit.UMOL_L


def refused(calculation: Calculation, *words: str) -> None:
    assert calculation.value is None and calculation.reason, calculation
    for word in words:
        assert word in calculation.reason, calculation.reason


def test_ckd_epi_2021_examples() -> None:
    """Inker 2021 (N Engl J Med 385:1737); the National Kidney Foundation's CKD-EPI 2021
    calculator gives 71 mL/min/1.73 m2 for a 55-year-old man with creatinine 1.2 mg/dL. At
    creatinine = kappa (0.7 mg/dL in a woman) both creatinine terms are 1: 142 * 0.9938^50 *
    1.012."""
    man = egfr_ckd_epi_2021(1.2, MG, 55, Sex.MALE)
    assert man.value is not None and round(man.value) == 71
    assert man.unit == "mL/min/1.73 m2"
    woman = egfr_ckd_epi_2021(0.7, MG, 50, Sex.FEMALE)
    assert woman.value == pytest.approx(142 * 0.9938**50 * 1.012, rel=1e-12)


def test_ckd_epi_2021_converts_umol_per_litre() -> None:
    """1.2 mg/dL is 106.08 umol/L (x 88.4): the same eGFR."""
    in_mg = egfr_ckd_epi_2021(1.2, MG, 55, Sex.MALE).value
    assert egfr_ckd_epi_2021(106.08, UMOL, 55, Sex.MALE).value == pytest.approx(in_mg, rel=1e-12)


@PROPERTY
@given(
    scr=st.floats(min_value=0.2, max_value=15),
    more=st.floats(min_value=0.01, max_value=5),
    age=st.floats(min_value=18, max_value=100),
    sex=st.sampled_from(list(Sex)),
)
def test_egfr_falls_as_creatinine_and_age_rise(
    scr: float, more: float, age: float, sex: Sex
) -> None:
    base = egfr_ckd_epi_2021(scr, MG, age, sex).value
    higher = egfr_ckd_epi_2021(scr + more, MG, age, sex).value
    older = egfr_ckd_epi_2021(scr, MG, age + 1, sex).value
    assert base is not None and higher is not None and older is not None
    assert 0 < higher < base and older < base


def test_egfr_refusals() -> None:
    refused(egfr_ckd_epi_2021(1.0, MG, 17, Sex.MALE), "adult")
    refused(egfr_ckd_epi_2021(0, MG, 50, Sex.MALE), "creatinine", "greater than 0")
    refused(egfr_ckd_epi_2021(-80, UMOL, 50, Sex.MALE), "creatinine")
    refused(egfr_ckd_epi_2021(1.0, MG, 50, None), "sex")
    refused(egfr_ckd_epi_2021(math.inf, MG, 50, Sex.FEMALE), "finite")
    refused(egfr_ckd_epi_2021(1e6, UMOL, 50, Sex.FEMALE), "at most")


def test_mean_arterial_pressure() -> None:
    """(systolic + 2 diastolic) / 3: 120/80 mmHg is 93.3 mmHg."""
    assert mean_arterial_pressure(120, 80).value == pytest.approx(93.3333, abs=1e-4)
    refused(mean_arterial_pressure(80, 120), "must not exceed")
    refused(mean_arterial_pressure(None, 80), "systolic pressure is missing")
    refused(mean_arterial_pressure(120, -5), "diastolic")


@PROPERTY
@given(low=st.floats(min_value=20, max_value=150), gap=st.floats(min_value=0, max_value=150))
def test_map_lies_between_diastolic_and_systolic(low: float, gap: float) -> None:
    value = mean_arterial_pressure(low + gap, low).value
    assert value is not None and low - 1e-9 <= value <= low + gap + 1e-9
