"""A patient's age and sex from the registry, as computed fields of other domains pass them to
the equations (CHA2DS2-VASc on cardiology profiles, eGFR on labs): read through the request's
`PatientByIdLoader`, so a page of rows costs one statement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from graph.calculation import Sex, age_on, sex_of
from models import healthcare


@dataclass(frozen=True)
class Demographics:
    """Age in completed years on the day asked and sex; `reason` when either is unknown."""

    age: int | None
    sex: Sex | None
    reason: str | None


async def demographics(info: Any, patient_id: str, on: dt.date) -> Demographics:
    patient = await info.context.loaders.by_id(healthcare.Patient).load(patient_id)
    if patient is None:
        return Demographics(None, None, "the patient's registry record is not visible")
    sex = sex_of(patient.gender)
    if sex is None:
        reason = "the registry gender is neither female nor male, which the equation needs"
        return Demographics(None, None, reason)
    return Demographics(age_on(patient.date_of_birth, on), sex, None)


def today() -> dt.date:
    """The UTC calendar day: a registry age is computed on it."""
    return dt.datetime.now(dt.UTC).date()
