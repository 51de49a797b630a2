"""Haemodialysis equations: dose (spKt/V, URR, eKt/V), fluid (ultrafiltration rate,
interdialytic weight gain) and adequacy against KDOQI. Pure functions of their inputs, in the
units each docstring states; see `graph/calculation.py` for what a refusal looks like.

The bounds on inputs only exclude what no patient or session can have (they are not clinical
reference ranges): BUN up to 500 mg/dL, weights up to 700 kg, a session up to 24 h.
"""

from __future__ import annotations

import enum
import math

from graph.calculation import Calculation, Refused, Scored, equation, need

BUN_MAX = 500.0  # mg/dL
WEIGHT_MAX = 700.0  # kg
MINUTES_MAX = 24 * 60.0
UF_MAX = 30_000.0  # mL in one session
KTV_MAX = 10.0
KDOQI_MINIMUM_KTV = 1.2  # KDOQI 2015: minimum delivered spKt/V, thrice-weekly HD
KDOQI_TARGET_KTV = 1.4  # KDOQI 2015: target spKt/V per session
KDOQI_MINIMUM_URR = 65.0  # KDOQI 2006 CPG 4.1: minimum URR, %

KTV_METHOD = (
    "Single-pool Kt/V, Daugirdas 1993 second generation: -ln(R - 0.008*t) + (4 - 3.5*R)*UF/W "
    "(R post/pre BUN, t hours, UF litres, W post-dialysis kg)"
)
URR_METHOD = "Urea reduction ratio: 100 * (1 - post-dialysis BUN / pre-dialysis BUN)"
RATE_METHOD = (
    "Equilibrated Kt/V, Daugirdas-Schneditz rate equation: spKt/V - 0.6*spKt/V/t + 0.03 "
    "(arterial access) or spKt/V - 0.47*spKt/V/t + 0.02 (venous access), t hours"
)
TATTERSALL_METHOD = (
    "Equilibrated Kt/V, Tattersall 1996: spKt/V * T/(T + 35) (arterial access) or "
    "spKt/V * T/(T + 22) (venous access), T minutes"
)
UFR_METHOD = "Ultrafiltration rate: UF volume / post-dialysis weight / session hours"
IDWG_METHOD = "Interdialytic weight gain: pre-dialysis weight - previous post-dialysis weight"
IDWG_PERCENT_METHOD = (
    "Interdialytic weight gain as % of the previous post-dialysis weight (DOPPS), or of the "
    "dry weight when one is given"
)
ADEQUACY_METHOD = (
    "Adequate when spKt/V >= the patient's Kt/V target (KDOQI 2015 target 1.4 when none is "
    "set), spKt/V >= the KDOQI 2015 minimum 1.2 and URR >= 65 % (KDOQI 2006)"
)
MET = "1 = met, 0 = not met"


class VascularAccessRoute(enum.Enum):
    """Where the blood is drawn from: an arteriovenous fistula or graft (arterial) or a
    central venous catheter (venous); it sets the urea rebound of eKt/V."""

    ARTERIAL = "arterial"
    VENOUS = "venous"


class EktvMethod(enum.Enum):
    """How eKt/V is estimated from spKt/V."""

    RATE = "rate"
    TATTERSALL = "tattersall"


def _bun_ratio(pre_bun: float | None, post_bun: float | None) -> float:
    pre = need("pre-dialysis BUN", pre_bun, above=0, at_most=BUN_MAX, unit="mg/dL")
    post = need("post-dialysis BUN", post_bun, above=0, at_most=BUN_MAX, unit="mg/dL")
    if post > pre:
        raise Refused("post-dialysis BUN must not exceed pre-dialysis BUN")
    return post / pre


def _hours(duration_minutes: float | None) -> float:
    minutes = need("session duration", duration_minutes, above=0, at_most=MINUTES_MAX, unit="min")
    return minutes / 60.0


@equation("dimensionless", KTV_METHOD)
def ktv_daugirdas(
    pre_bun: float | None,
    post_bun: float | None,
    duration_minutes: float | None,
    ultrafiltration_ml: float | None,
    post_weight_kg: float | None,
) -> float:
    """Single-pool Kt/V (Daugirdas JT, J Am Soc Nephrol 1993;4:1205-13; KDOQI 2006 CPG 2).
    BUN in mg/dL (any unit works as long as both match), duration in minutes (converted to
    hours), ultrafiltration in mL (converted to litres), post-dialysis weight in kg."""
    ratio = _bun_ratio(pre_bun, post_bun)
    hours = _hours(duration_minutes)
    volume = need(
        "ultrafiltration volume", ultrafiltration_ml, at_least=0, at_most=UF_MAX, unit="mL"
    )
    weight = need("post-dialysis weight", post_weight_kg, above=0, at_most=WEIGHT_MAX, unit="kg")
    inside = ratio - 0.008 * hours
    if inside <= 0:
        raise Refused("R - 0.008*t is not positive: outside the Daugirdas equation's domain")
    return -math.log(inside) + (4 - 3.5 * ratio) * (volume / 1000.0) / weight


@equation("%", URR_METHOD)
def urr(pre_bun: float | None, post_bun: float | None) -> float:
    """Urea reduction ratio in % (Lowrie EG, Lew NL, Am J Kidney Dis 1990; KDOQI 2006 CPG 4:
    minimum 65 %). BUN in any one unit for both."""
    ratio = _bun_ratio(pre_bun, post_bun)
    value = 100.0 * (1.0 - ratio)
    if value >= 100.0:
        raise Refused("post-dialysis BUN is negligible against pre-dialysis BUN")
    return value


@equation("dimensionless", RATE_METHOD)
def _ektv_rate(sp: float, hours: float, access: VascularAccessRoute) -> float:
    if access is VascularAccessRoute.ARTERIAL:
        value = sp - 0.6 * sp / hours + 0.03
    else:
        value = sp - 0.47 * sp / hours + 0.02
    if value <= 0:
        raise Refused("the rate equation gives no positive eKt/V for so short a session")
    return value


@equation("dimensionless", TATTERSALL_METHOD)
def _ektv_tattersall(sp: float, hours: float, access: VascularAccessRoute) -> float:
    minutes = hours * 60.0
    constant = 35.0 if access is VascularAccessRoute.ARTERIAL else 22.0
    return sp * minutes / (minutes + constant)


def ektv(
    sp_ktv: float | None,
    duration_minutes: float | None,
    access: VascularAccessRoute | None,
    method: EktvMethod = EktvMethod.RATE,
) -> Calculation:
    """Equilibrated (double-pool) Kt/V from spKt/V: the rate equation (Daugirdas JT,
    Schneditz D, ASAIO J 1995;41:M719-24; KDOQI 2006 Table 4) or Tattersall's (Tattersall JE
    et al., Kidney Int 1996;50:2094-102). Duration in minutes; spKt/V dimensionless."""
    tattersall = method is EktvMethod.TATTERSALL
    try:
        sp = need("spKt/V", sp_ktv, above=0, at_most=KTV_MAX)
        hours = _hours(duration_minutes)
        if access is None:
            raise Refused("vascular access route is missing")
    except Refused as refused:
        chosen = TATTERSALL_METHOD if tattersall else RATE_METHOD
        return Calculation(None, "dimensionless", chosen, refused.reason)
    return (_ektv_tattersall if tattersall else _ektv_rate)(sp, hours, access)


@equation("mL/kg/h", UFR_METHOD)
def ultrafiltration_rate(
    ultrafiltration_ml: float | None, duration_minutes: float | None, post_weight_kg: float | None
) -> float:
    """Ultrafiltration rate in mL/kg/h (KDOQI 2015 HD adequacy update; CMS ESRD QIP UFR
    measure, NQF 2701, which scales by post-dialysis weight). UF in mL, duration in minutes
    (converted to hours), weight in kg."""
    volume = need(
        "ultrafiltration volume", ultrafiltration_ml, at_least=0, at_most=UF_MAX, unit="mL"
    )
    hours = _hours(duration_minutes)
    weight = need("post-dialysis weight", post_weight_kg, above=0, at_most=WEIGHT_MAX, unit="kg")
    return volume / weight / hours


def _weights(
    previous_post_weight_kg: float | None, pre_weight_kg: float | None, dry_weight_kg: float | None
) -> tuple[float, float, float | None]:
    previous = need(
        "previous post-dialysis weight",
        previous_post_weight_kg,
        above=0,
        at_most=WEIGHT_MAX,
        unit="kg",
    )
    pre = need("pre-dialysis weight", pre_weight_kg, above=0, at_most=WEIGHT_MAX, unit="kg")
    dry = None
    if dry_weight_kg is not None:
        dry = need("dry weight", dry_weight_kg, above=0, at_most=WEIGHT_MAX, unit="kg")
    return previous, pre, dry


@equation("kg", IDWG_METHOD)
def interdialytic_weight_gain(
    previous_post_weight_kg: float | None,
    pre_weight_kg: float | None,
    dry_weight_kg: float | None = None,
) -> float:
    """Interdialytic weight gain in kg (DOPPS; KDOQI 2015): weight at the start of this
    session minus weight at the end of the previous one. Negative when weight was lost. The
    dry weight, when given, is only checked (it matters for the percentage)."""
    previous, pre, _dry = _weights(previous_post_weight_kg, pre_weight_kg, dry_weight_kg)
    return pre - previous


@equation("%", IDWG_PERCENT_METHOD)
def interdialytic_weight_gain_percent(
    previous_post_weight_kg: float | None,
    pre_weight_kg: float | None,
    dry_weight_kg: float | None = None,
) -> float:
    """Interdialytic weight gain in % of the previous post-dialysis weight (DOPPS: Wong MM
    et al., Am J Kidney Dis 2017;69:367-79), or of the dry weight when it is given. Weights
    in kg."""
    previous, pre, dry = _weights(previous_post_weight_kg, pre_weight_kg, dry_weight_kg)
    return 100.0 * (pre - previous) / (dry if dry is not None else previous)


@equation(MET, ADEQUACY_METHOD)
def adequacy(sp_ktv: float | None, urr_percent: float | None, ktv_target: float | None) -> Scored:
    """Whether a session met its dose (KDOQI 2015 update: target spKt/V 1.4, minimum 1.2 per
    thrice-weekly session; KDOQI 2006 CPG 4.1: URR >= 65 %). `ktv_target` is the patient's
    (dimensionless; None means the KDOQI target); URR in %. Value 1 when every criterion is
    met, 0 otherwise; `factors` lists the criteria that were met."""
    sp = need("spKt/V", sp_ktv, above=0, at_most=KTV_MAX)
    reduction = need("URR", urr_percent, at_least=0, below=100, unit="%")
    target = KDOQI_TARGET_KTV
    source = "KDOQI target"
    if ktv_target is not None:
        target = need("Kt/V target", ktv_target, above=0, at_most=KTV_MAX)
        source = "patient's target"
    met = []
    if sp >= target:
        met.append(f"spKt/V >= {target:g} ({source})")
    if sp >= KDOQI_MINIMUM_KTV:
        met.append(f"spKt/V >= {KDOQI_MINIMUM_KTV:g} (KDOQI minimum)")
    if reduction >= KDOQI_MINIMUM_URR:
        met.append(f"URR >= {KDOQI_MINIMUM_URR:g} % (KDOQI minimum)")
    return Scored(1 if len(met) == 3 else 0, tuple(met))
