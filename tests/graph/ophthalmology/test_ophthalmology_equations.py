"""IOL power (graph/ophthalmology/equations.py): SRK/T and SRK II against published check
values, properties, and refusals outside the formulas' domains."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.calculation import Calculation
from graph.ophthalmology.equations import (
    iol_power_srk_ii,
    iol_power_srk_t,
    mean_k,
    predicted_refraction_srk_t,
)

PROPERTY = settings(database=None, deadline=None, max_examples=300)


def refused(calculation: Calculation, *words: str) -> None:
    assert calculation.value is None and calculation.reason, calculation
    for word in words:
        assert word in calculation.reason, calculation.reason


# SRK/T (Retzlaff 1990, J Cataract Refract Surg 16:333; the form of the Tomey UD-8000
# manual, 4.1.2) at A-constant 118: the check table of the IOL R package
# (enbrown/iol-calculations, tests/testthat/tests.csv), 2 decimals, from short to long eyes
# and across the long-eye correction of the axial length (> 24.2 mm).
SRKT_CHECKS = [(12.0, 40.0, 87.38), (24.0, 40.0, 22.24), (36.0, 40.0, -3.30), (24.0, 45.0, 17.07)]


@pytest.mark.parametrize(("length", "k", "expected"), SRKT_CHECKS)
def test_srk_t_check_values(length: float, k: float, expected: float) -> None:
    result = iol_power_srk_t(length, k, k, 118.0)
    assert result.value == pytest.approx(expected, abs=0.01)
    assert result.unit == "D"


def test_srk_t_uses_the_mean_of_k1_and_k2() -> None:
    assert iol_power_srk_t(24.0, 44.0, 46.0, 118.0).value == pytest.approx(
        iol_power_srk_t(24.0, 45.0, 45.0, 118.0).value, rel=1e-12
    )


def test_srk_t_predicted_refraction_inverts_the_power() -> None:
    """The refraction SRK/T predicts for the lens it chose for a target is that target."""
    for target in (-3.0, -0.5, 0.0, 1.25):
        power = iol_power_srk_t(23.4, 43.1, 44.0, 118.7, target).value
        assert power is not None
        predicted = predicted_refraction_srk_t(23.4, 43.1, 44.0, 118.7, power).value
        assert predicted == pytest.approx(target, abs=1e-9)


# SRK II (Sanders 1988, J Cataract Refract Surg 14:136; A-constant bands as in Haigis'
# biometry reference, A - 0.5 from 24.5 mm): the IOL R package's SRK II tests (A 118,
# K = 337.5/r), and the SRK worked example A 116.8, L 23 mm, K 43 D -> 20.6 D.
SRK2_CHECKS = [
    (19.0, 7.0, 30.11),
    (20.0, 7.0, 26.61),
    (20.5, 7.0, 25.36),
    (21.0, 7.0, 23.11),
    (21.5, 7.0, 21.86),
    (22.0, 7.0, 19.61),
    (24.0, 7.0, 14.61),
    (24.5, 7.0, 12.86),
    (32.0, 7.0, -5.89),
    (23.5, 7.75, 20.06),
    (22.0, 7.34, 21.62),
    (26.0, 8.04, 14.72),
]


@pytest.mark.parametrize(("length", "radius", "expected"), SRK2_CHECKS)
def test_srk_ii_check_values(length: float, radius: float, expected: float) -> None:
    assert iol_power_srk_ii(length, 337.5 / radius, 118.0).value == pytest.approx(
        expected, abs=0.005
    )


def test_srk_ii_worked_example_and_target() -> None:
    assert iol_power_srk_ii(23.0, 43.0, 116.8).value == pytest.approx(20.6)
    # Above 14 D of emmetropic power a -1 D target adds 1.25 D; at or below 14 D, 1 D.
    assert iol_power_srk_ii(23.0, 43.0, 116.8, -1.0).value == pytest.approx(21.85)
    # 26 mm: A1 = 116.8 - 0.5; 116.3 - 65 - 40.5 = 10.8 D of emmetropic power.
    assert iol_power_srk_ii(26.0, 45.0, 116.8, -1.0).value == pytest.approx(10.8 + 1.0)


def test_mean_k() -> None:
    assert mean_k(43.25, 44.75).value == 44.0
    refused(mean_k(43.0, None), "K2 is missing")


@PROPERTY
@given(
    length=st.floats(min_value=20, max_value=28),
    more=st.floats(min_value=0.01, max_value=2),
    k1=st.floats(min_value=38, max_value=46),
    astigmatism=st.floats(min_value=0, max_value=0.5),
    a=st.floats(min_value=115, max_value=121),
    target=st.floats(min_value=-3, max_value=2),
)
def test_srk_t_power_falls_as_axial_length_grows(
    length: float, more: float, k1: float, astigmatism: float, a: float, target: float
) -> None:
    """Within the usual range of eyes (20-28 mm, K 38-46 D; near the corneal-height limit of
    steep, long eyes SRK/T is known to misbehave)."""
    k2 = min(k1 + astigmatism, 46.0)
    shorter = iol_power_srk_t(length, k1, k2, a, target).value
    longer = iol_power_srk_t(min(length + more, 28.0), k1, k2, a, target).value
    assert shorter is not None and longer is not None
    if length + more <= 28.0:
        assert longer < shorter
    srk2 = [iol_power_srk_ii(x, (k1 + k2) / 2, a).value for x in (length, length + more)]
    assert srk2[0] is not None and srk2[1] is not None and srk2[1] < srk2[0]


def test_iol_refusals() -> None:
    # Steep cornea and long eye: r^2 < Cw^2/4, the corneal height is undefined.
    refused(iol_power_srk_t(36.0, 45.0, 45.0, 118.0), "corneal height")
    refused(iol_power_srk_t(24.0, 43.0, 44.0, None), "A-constant is missing")
    refused(iol_power_srk_t(-24.0, 43.0, 44.0, 118.0), "axial length")
    refused(iol_power_srk_t(24.0, 43.0, 44.0, 118.0, math.inf), "target refraction")
    refused(iol_power_srk_t(24.0, 0.0, 44.0, 118.0), "K1")
    refused(predicted_refraction_srk_t(24.0, 43.0, 44.0, 118.0, 1e9), "IOL power")
    refused(iol_power_srk_ii(1e300, 43.0, 118.0), "axial length")
