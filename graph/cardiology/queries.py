"""Root fields of the cardiology domain."""

from __future__ import annotations

import strawberry

from graph.cardiology.types import CardiologyProfile, Ecg, Echocardiogram
from graph.roots import by_id, listing


@strawberry.type
class CardiologyQuery:
    cardiology_profile = by_id(CardiologyProfile)
    cardiology_profiles = listing(CardiologyProfile)
    ecg = by_id(Ecg)
    ecgs = listing(Ecg)
    echocardiogram = by_id(Echocardiogram)
    echocardiograms = listing(Echocardiogram)
