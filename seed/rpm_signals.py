"""What a monitoring device measures: per-patient baselines, daily noise, short exacerbation
episodes, and the patient's target range that decides `is_out_of_range`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from seed.context import PatientInfo, clamp

# reading type -> (device type, (brand, model) choices, connectivity, schedule)
DEVICES: dict[str, tuple[str, tuple[tuple[str, str], ...], str, str]] = {
    "blood_pressure": ("blood_pressure_monitor",
                       (("Omron", "M7 Intelli IT"), ("Withings", "BPM Connect"),
                        ("A&D Medical", "UA-651BLE")), "bluetooth", "twice_daily"),
    "blood_glucose": ("glucometer",
                      (("Roche", "Accu-Chek Guide"), ("Abbott", "FreeStyle Optium Neo"),
                       ("Ascensia", "Contour Next One")), "bluetooth", "four_times_daily"),
    "weight": ("weight_scale", (("Withings", "Body+"), ("A&D Medical", "UC-352BLE")),
               "wifi", "daily"),
    "oxygen_saturation": ("pulse_oximeter",
                          (("Nonin", "3230 Bluetooth"), ("Masimo", "MightySat Rx")),
                          "bluetooth", "daily"),
}  # fmt: skip


# reading type -> default target range of the programmes (low, high, goal); weight is personal
RANGES: dict[str, tuple[float, float, float]] = {
    "blood_pressure": (90.0, 150.0, 130.0),
    "blood_glucose": (70.0, 250.0, 130.0),
    "oxygen_saturation": (92.0, 100.0, 95.0),
    "weight": (-3.0, 2.0, 0.0),  # relative to the patient's usual weight, kg
}


@dataclass
class Measure:
    """One measurement and how it compares with the patient's targets."""

    primary: float
    unit: str
    secondary: float | None
    secondary_unit: str | None
    tertiary: float | None
    tertiary_unit: str | None
    values: dict[str, Any]
    context: str
    out_of_range: bool
    alarming: bool
    critical: bool
    direction: str | None
    deviation: float
    shown: str
    threshold: str | None


class Signal:
    """The measurements of one reading type for one patient."""

    def __init__(self, rng: random.Random, kind: str, p: PatientInfo, weight: float) -> None:
        self.kind, self.rng = kind, rng
        copd = "copd" in p.conditions
        self.base = {
            "blood_pressure": rng.gauss(130, 7),
            "blood_glucose": rng.gauss(135, 18),
            "weight": weight,
            "oxygen_saturation": rng.gauss(92.5 if copd else 96.2, 1.0),
        }[kind]
        self.pulse = rng.gauss(74, 7)
        low, high, goal = RANGES[kind]
        if kind == "weight":
            low, high, goal = round(weight + low, 1), round(weight + high, 1), round(weight, 1)
        elif kind == "oxygen_saturation" and copd:
            low, goal = 88.0, 92.0
        self.low, self.high, self.goal = low, high, goal

    def thresholds(self) -> dict[str, float]:
        return {"low": self.low, "high": self.high}

    def measure(self, hour: float, episode: float) -> Measure:
        """A reading at `hour` (local); `episode` in 0..1 is the strength of an exacerbation."""
        rng, kind = self.rng, self.kind
        secondary: float | None = None
        tertiary: float | None = None
        secondary_unit, shown = None, ""
        values: dict[str, Any]
        value: float
        if kind == "blood_pressure":
            morning = 4 if hour < 10 else 0
            value = round(clamp(rng.gauss(self.base + morning + 26 * episode, 8), 75, 230))
            secondary = round(clamp(value * 0.6 + rng.gauss(2, 5), 40, 130))
            tertiary = round(clamp(rng.gauss(self.pulse, 6), 40, 140))
            unit, secondary_unit = "mmHg", "mmHg"
            context = "morning" if hour < 12 else "evening"
            values = {"systolic": value, "diastolic": secondary, "pulse": tertiary}
            shown = f"{value}/{secondary} mmHg"
            critical = value >= 180 or value < 80 or secondary >= 110
            out = critical or not self.low <= value <= self.high or secondary > 95
            alarming = critical or value >= 160 or value < self.low or secondary >= 100
        elif kind == "blood_glucose":
            context = (
                "fasting" if hour < 9 else "post_meal" if int(hour) in (14, 21) else "before_meal"
            )
            meal = 45 if context == "post_meal" else 0
            value = round(clamp(rng.gauss(self.base + meal + 130 * episode, 28), 40, 500))
            unit, values, shown = "mg/dL", {"glucose_mg_dl": value, "meal_context": context}, ""
            critical = value < 54 or value > 400
            out = critical or not self.low <= value <= self.high
            alarming = out and not self.low <= value <= 300
        elif kind == "weight":
            value = round(self.base + rng.gauss(0, 0.35) + 2.8 * episode, 1)
            unit, context, values = "kg", "morning", {"weight_kg": value}
            critical = value > self.high + 1.5
            out = alarming = not self.low <= value <= self.high
        else:
            value = round(clamp(rng.gauss(self.base - 5 * episode, 1.0), 78, 100))
            tertiary = None
            secondary, secondary_unit = round(clamp(rng.gauss(self.pulse, 6), 40, 140)), "bpm"
            unit, context = "%", "resting"
            values = {"spo2": value, "pulse": secondary}
            critical = value < self.low - 3
            out = alarming = value < self.low
        direction = ("below" if value < self.low else "above") if out else None
        if out and kind == "blood_pressure" and self.low <= value <= self.high:
            direction = "above"  # diastolic over its limit
        return Measure(
            primary=float(value), unit=unit, secondary=secondary, secondary_unit=secondary_unit,
            tertiary=tertiary, tertiary_unit="bpm" if tertiary is not None else None,
            values=values, context=context, out_of_range=out, alarming=alarming,
            critical=critical, direction=direction,
            deviation=round(100 * (value - self.goal) / self.goal, 1),
            shown=shown or f"{value} {unit}",
            threshold=(f"{self.low:g} {unit}" if direction == "below" else f"{self.high:g} {unit}")
            if out else None,
        )  # fmt: skip
