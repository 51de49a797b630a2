"""The haemodialysis equations (graph/dialyse/equations.py): worked examples, each with its
source, properties over generated inputs, and refusals (null value and a reason) outside the
equations' domains."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.calculation import Calculation
from graph.dialyse.equations import (
    EktvMethod,
    VascularAccessRoute,
    adequacy,
    ektv,
    interdialytic_weight_gain,
    interdialytic_weight_gain_percent,
    ktv_daugirdas,
    ultrafiltration_rate,
    urr,
)
from seed.dialyse_sessions import daugirdas as seed_daugirdas

PROPERTY = settings(database=None, deadline=None, max_examples=300)
ARTERIAL, VENOUS = VascularAccessRoute.ARTERIAL, VascularAccessRoute.VENOUS


def refused(calculation: Calculation, *words: str) -> None:
    assert calculation.value is None, calculation
    assert calculation.reason, calculation
    for word in words:
        assert word in calculation.reason, calculation.reason


# --- worked examples ----------------------------------------------------------------------


def test_ktv_daugirdas_worked_example() -> None:
    """Daugirdas 1993 (J Am Soc Nephrol 4:1205), the equation as KDOQI 2006 CPG 2 states it,
    worked by hand: pre 60, post 20 mg/dL (R = 1/3), 4 h, UF 4 L, 70 kg:
    -ln(1/3 - 0.032) = 1.19951, (4 - 3.5/3) * 4/70 = 0.16190, spKt/V = 1.3614."""
    result = ktv_daugirdas(60, 20, 240, 4000, 70)
    assert result.value == pytest.approx(1.19951 + 0.16190, abs=1e-4)
    assert result.unit == "dimensionless"
    assert "Daugirdas" in result.method


def test_ktv_daugirdas_converts_minutes_and_millilitres() -> None:
    """The same session given as hours and litres to the seed's independent implementation
    (seed/dialyse_sessions.py) gives the same value: the units are converted, not assumed."""
    expected = seed_daugirdas(72.0, 22.3, 3.75, 2.61, 64.2)
    assert ktv_daugirdas(72.0, 22.3, 225, 2610, 64.2).value == pytest.approx(expected, rel=1e-12)


def test_urr_worked_example() -> None:
    """URR = 100 * (1 - post/pre) (Lowrie & Lew 1990; KDOQI 2006 CPG 4.1 minimum 65 %):
    60 -> 20 mg/dL is 66.67 %; 60 -> 21 mg/dL is exactly 65 %."""
    assert urr(60, 20).value == pytest.approx(66.6667, abs=1e-4)
    assert urr(60, 21).value == pytest.approx(65.0)
    assert urr(60, 60).value == 0.0


@pytest.mark.parametrize(
    ("access", "method", "expected"),
    [
        # Rate equation (Daugirdas & Schneditz 1995; KDOQI 2006 Table 4), spKt/V 1.4, 4 h:
        (ARTERIAL, EktvMethod.RATE, 1.4 - 0.6 * 1.4 / 4 + 0.03),  # 1.22
        (VENOUS, EktvMethod.RATE, 1.4 - 0.47 * 1.4 / 4 + 0.02),  # 1.2555
        # Tattersall 1996 (Kidney Int 50:2094): time constants 35 and 22 min.
        (ARTERIAL, EktvMethod.TATTERSALL, 1.4 * 240 / 275),  # 1.2218
        (VENOUS, EktvMethod.TATTERSALL, 1.4 * 240 / 262),  # 1.2824
    ],
)
def test_ektv_worked_examples(
    access: VascularAccessRoute, method: EktvMethod, expected: float
) -> None:
    result = ektv(1.4, 240, access, method)
    assert result.value == pytest.approx(expected, rel=1e-12)
    assert ("Tattersall" in result.method) == (method is EktvMethod.TATTERSALL)


def test_ektv_rate_equation_examples_in_numbers() -> None:
    assert ektv(1.4, 240, ARTERIAL).value == pytest.approx(1.22)
    assert ektv(1.4, 240, VENOUS).value == pytest.approx(1.2555)


def test_fluid_worked_examples() -> None:
    """UFR (KDOQI 2015; CMS UFR measure): 3,000 mL over 4 h for 70 kg = 10.71 mL/kg/h.
    IDWG (DOPPS): 72.5 kg before, 70.0 kg after the previous session = 2.5 kg, 3.571 % of
    the previous post-dialysis weight, 3.623 % of a 69 kg dry weight."""
    assert ultrafiltration_rate(3000, 240, 70).value == pytest.approx(10.7143, abs=1e-4)
    assert interdialytic_weight_gain(70.0, 72.5).value == pytest.approx(2.5)
    assert interdialytic_weight_gain(70.0, 72.5, 69.0).value == pytest.approx(2.5)
    assert interdialytic_weight_gain_percent(70.0, 72.5).value == pytest.approx(3.5714, abs=1e-4)
    assert interdialytic_weight_gain_percent(70.0, 72.5, 69.0).value == pytest.approx(
        3.6232, abs=1e-4
    )
    assert interdialytic_weight_gain(70.0, 69.4).value == pytest.approx(-0.6)


def test_adequacy_follows_kdoqi() -> None:
    """KDOQI 2015: target spKt/V 1.4, minimum 1.2; KDOQI 2006: URR >= 65 %."""
    met = adequacy(1.45, 70.0, None)
    assert met.value == 1.0 and len(met.factors) == 3
    assert adequacy(1.3, 68.0, None).value == 0.0  # below the KDOQI target 1.4
    assert adequacy(1.3, 68.0, 1.2).value == 1.0  # the patient's own target is 1.2
    below_minimum = adequacy(1.15, 66.0, 1.0)  # target met, KDOQI minimum not
    assert below_minimum.value == 0.0
    assert below_minimum.factors == (
        "spKt/V >= 1 (patient's target)",
        "URR >= 65 % (KDOQI minimum)",
    )
    assert adequacy(1.5, 64.0, None).value == 0.0  # URR below 65 %


# --- properties ---------------------------------------------------------------------------

bun = st.floats(min_value=5, max_value=300)
minutes = st.floats(min_value=60, max_value=480)
uf = st.floats(min_value=0, max_value=6000)
weight = st.floats(min_value=30, max_value=200)


@PROPERTY
@given(pre=bun, post=bun, more=st.floats(min_value=0, max_value=100), t=minutes, v=uf, w=weight)
def test_higher_post_bun_never_raises_ktv(
    pre: float, post: float, more: float, t: float, v: float, w: float
) -> None:
    low, high = ktv_daugirdas(pre, post, t, v, w), ktv_daugirdas(pre, post + more, t, v, w)
    for result in (low, high):
        assert (result.value is None) != (result.reason is None)
        if result.value is not None:
            assert math.isfinite(result.value) and result.value > 0
    if low.value is not None and high.value is not None:
        assert high.value <= low.value + 1e-12


@PROPERTY
@given(
    pre=st.floats(min_value=1e-3, max_value=500), post=st.floats(min_value=1e-300, max_value=500)
)
def test_urr_is_within_0_and_100(pre: float, post: float) -> None:
    result = urr(pre, post)
    if post > pre:
        refused(result, "must not exceed")
    elif result.value is not None:
        assert 0 <= result.value < 100
    else:
        assert result.reason


@PROPERTY
@given(
    sp=st.floats(min_value=0.5, max_value=3),
    t=minutes,
    route=st.sampled_from(list(VascularAccessRoute)),
)
def test_ektv_is_below_sptkv_for_usual_sessions(
    sp: float, t: float, route: VascularAccessRoute
) -> None:
    """Rebound lowers the equilibrated Kt/V (for sessions of at least an hour)."""
    for method in EktvMethod:
        value = ektv(sp, t, route, method).value
        assert value is not None and 0 < value < sp + 0.03


# --- refusals -----------------------------------------------------------------------------


def test_outside_the_daugirdas_domain_gives_a_reason() -> None:
    # R - 0.008 t <= 0: post/pre 0.03 over 4 h (0.03 - 0.032 < 0).
    refused(ktv_daugirdas(100, 3, 240, 2000, 70), "R - 0.008*t")
    refused(ktv_daugirdas(60, 70, 240, 2000, 70), "must not exceed")
    refused(ktv_daugirdas(60, 20, 240, 2000, 0), "post-dialysis weight", "greater than 0")
    refused(ktv_daugirdas(60, 20, 240, 2000, -70), "post-dialysis weight")
    refused(ktv_daugirdas(60, 20, 240, -5, 70), "ultrafiltration volume")
    refused(ktv_daugirdas(60, None, 240, 2000, 70), "post-dialysis BUN is missing")
    refused(ktv_daugirdas(60, 20, math.inf, 2000, 70), "not a finite number")
    refused(ktv_daugirdas(60, 20, math.nan, 2000, 70), "not a finite number")
    refused(ktv_daugirdas(1e308, 20, 240, 2000, 70), "at most 500")


def test_other_dialysis_refusals() -> None:
    refused(urr(0, 0), "greater than 0")
    refused(urr(1, 1e-300), "negligible")
    refused(ektv(1.4, 240, None), "access")
    refused(ektv(1.4, 20, ARTERIAL), "rate equation")  # 20 min: no positive eKt/V
    refused(ektv(None, 240, ARTERIAL, EktvMethod.TATTERSALL), "spKt/V is missing")
    refused(ultrafiltration_rate(2000, 0, 70), "session duration")
    refused(interdialytic_weight_gain(0, 70), "previous post-dialysis weight")
    refused(interdialytic_weight_gain_percent(70, 72, -1), "dry weight")
    refused(interdialytic_weight_gain(1e9, 70), "at most 700")
    refused(adequacy(None, 70, None), "spKt/V is missing")
    refused(adequacy(1.4, 70, -1), "Kt/V target")
    for result in (urr(0, 0), ektv(1.4, 240, None), adequacy(None, 70, None)):
        assert result.unit and result.method and result.factors == ()
