"""Root fields of the cardiology domain."""

from __future__ import annotations

import strawberry

from graph.cardiology.types import CardiologyProfile, Ecg, Echocardiogram
from graph.roots import aggregate, by_id, listing


@strawberry.type
class CardiologyQuery:
    cardiology_profile = by_id(CardiologyProfile)
    cardiology_profiles = listing(CardiologyProfile)
    cardiology_profiles_aggregate = aggregate(CardiologyProfile)
    ecg = by_id(Ecg)
    ecgs = listing(Ecg)
    ecgs_aggregate = aggregate(Ecg)
    echocardiogram = by_id(Echocardiogram)
    echocardiograms = listing(Echocardiogram)
    echocardiograms_aggregate = aggregate(Echocardiogram)
