"""Intraocular lens power: SRK/T (power and predicted refraction) and SRK II, and mean
keratometry. Pure functions; see `graph/calculation.py` for refusals.

SRK/T is written as published (Retzlaff JA, Sanders DR, Kraff MC, J Cataract Refract Surg
1990;16:333-40, with the erratum p. 528) and as biometer manuals state it (e.g. Tomey UD-8000,
section 4.1.2): corneal radius r = 337.5/K; the long-eye correction of the axial length
LCOR = -3.446 + 1.716*L - 0.0237*L^2 for L > 24.2 mm; corneal width Cw = -5.41 + 0.58412*LCOR
+ 0.098*K; corneal height H = r - sqrt(r^2 - Cw^2/4); ACD constant 0.62467*A - 68.747; offset
ACD - 3.336; estimated lens position C = H + offset; optical axial length L + 0.65696 -
0.02029*L; na 1.336, nc - 1 = 0.333, vertex distance 12 mm.
"""

from __future__ import annotations

import math

from graph.calculation import Refused, equation, need

K_MIN, K_MAX = 20.0, 80.0  # dioptres
AXIAL_MIN, AXIAL_MAX = 12.0, 40.0  # mm
A_MIN, A_MAX = 100.0, 130.0
REFRACTION_MAX = 20.0  # dioptres either way
IOL_MIN, IOL_MAX = -50.0, 100.0  # dioptres
NA, NC_MINUS_1, VERTEX = 1.336, 0.333, 12.0

MEAN_K_METHOD = "Mean keratometry: (K1 + K2) / 2"
SRKT_METHOD = (
    "SRK/T (Retzlaff 1990, long-eye corrected axial length) IOL power for the target "
    "refraction, unrounded"
)
SRKT_REFRACTION_METHOD = "SRK/T (Retzlaff 1990) refraction predicted with a given IOL power"
SRK2_METHOD = (
    "SRK II (Sanders 1988): A1 - 2.5*L - 0.9*K with A1 = A + 3 (L < 20), + 2 (< 21), + 1 "
    "(< 22), + 0 (< 24.5), - 0.5 (>= 24.5); minus target * 1.25 (power > 14 D) or * 1.0"
)


def _k(label: str, value: float | None) -> float:
    return need(label, value, at_least=K_MIN, at_most=K_MAX, unit="D")


@equation("D", MEAN_K_METHOD)
def mean_k(k1: float | None, k2: float | None) -> float:
    """Mean keratometry in dioptres from the flat (K1) and steep (K2) meridians in D."""
    return (_k("K1", k1) + _k("K2", k2)) / 2.0


def _srkt_eye(
    axial_length_mm: float | None, k1: float | None, k2: float | None, a_constant: float | None
) -> tuple[float, float, float]:
    """(corneal radius r, optical axial length, estimated lens position C), all in mm."""
    length = need("axial length", axial_length_mm, at_least=AXIAL_MIN, at_most=AXIAL_MAX, unit="mm")
    k = (_k("K1", k1) + _k("K2", k2)) / 2.0
    a = need("A-constant", a_constant, at_least=A_MIN, at_most=A_MAX)
    radius = 337.5 / k
    corrected = length if length <= 24.2 else -3.446 + 1.716 * length - 0.0237 * length**2
    width = -5.41 + 0.58412 * corrected + 0.098 * k
    under_root = radius**2 - width**2 / 4.0
    if under_root <= 0:
        raise Refused("corneal height is undefined for this K and axial length (SRK/T domain)")
    height = radius - math.sqrt(under_root)
    position = height + (0.62467 * a - 68.747) - 3.336
    optical = length + 0.65696 - 0.02029 * length
    if not 0 < position < optical:
        raise Refused("the estimated lens position falls outside the eye (SRK/T domain)")
    return radius, optical, position


@equation("D", SRKT_METHOD)
def iol_power_srk_t(
    axial_length_mm: float | None,
    k1: float | None,
    k2: float | None,
    a_constant: float | None,
    target_refraction: float | None = 0.0,
) -> float:
    """IOL power in dioptres for the target refraction (spectacle plane, D), SRK/T
    (Retzlaff 1990; see the module docstring), unrounded. Axial length in mm, K1 and K2 in
    D (their mean is used), A-constant of the lens."""
    r, lopt, c = _srkt_eye(axial_length_mm, k1, k2, a_constant)
    ref = need(
        "target refraction",
        target_refraction,
        at_least=-REFRACTION_MAX,
        at_most=REFRACTION_MAX,
        unit="D",
    )
    x, y = NA * r - NC_MINUS_1 * lopt, NA * r - NC_MINUS_1 * c
    numerator = 1000.0 * NA * (x - 0.001 * ref * (VERTEX * x + lopt * r))
    return numerator / ((lopt - c) * (y - 0.001 * ref * (VERTEX * y + c * r)))


@equation("D", SRKT_REFRACTION_METHOD)
def predicted_refraction_srk_t(
    axial_length_mm: float | None,
    k1: float | None,
    k2: float | None,
    a_constant: float | None,
    iol_power: float | None,
) -> float:
    """Postoperative refraction in dioptres (spectacle plane) predicted by SRK/T (Retzlaff
    1990) for an IOL of `iol_power` D. Axial length in mm, K1 and K2 in D."""
    r, lopt, c = _srkt_eye(axial_length_mm, k1, k2, a_constant)
    power = need("IOL power", iol_power, at_least=IOL_MIN, at_most=IOL_MAX, unit="D")
    x, y = NA * r - NC_MINUS_1 * lopt, NA * r - NC_MINUS_1 * c
    numerator = 1000.0 * NA * x - power * (lopt - c) * y
    denominator = NA * (VERTEX * x + lopt * r) - 0.001 * power * (lopt - c) * (VERTEX * y + c * r)
    return numerator / denominator


@equation("D", SRK2_METHOD)
def iol_power_srk_ii(
    axial_length_mm: float | None,
    k_mean: float | None,
    a_constant: float | None,
    target_refraction: float | None = 0.0,
) -> float:
    """IOL power in dioptres, SRK II (Sanders DR, Retzlaff J, Kraff MC, J Cataract Refract
    Surg 1988;14:136-41; bands as in Haigis' biometry reference): the A-constant adjusted by
    axial length (mm), mean K in D, and the target refraction (D) by the ratio 1.25 above
    14 D of emmetropic power, 1.0 otherwise."""
    length = need("axial length", axial_length_mm, at_least=AXIAL_MIN, at_most=AXIAL_MAX, unit="mm")
    k = _k("mean K", k_mean)
    a = need("A-constant", a_constant, at_least=A_MIN, at_most=A_MAX)
    ref = need(
        "target refraction",
        target_refraction,
        at_least=-REFRACTION_MAX,
        at_most=REFRACTION_MAX,
        unit="D",
    )
    if length < 20:
        a += 3
    elif length < 21:
        a += 2
    elif length < 22:
        a += 1
    elif length >= 24.5:
        a -= 0.5
    emmetropic = a - 2.5 * length - 0.9 * k
    return emmetropic - (1.25 if emmetropic > 14 else 1.0) * ref
