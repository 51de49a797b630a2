"""Root fields of the ophthalmology domain."""

from __future__ import annotations

import strawberry

from graph.ophthalmology.types import EyeSurgery, OcularBiometry, OphthalmologyProfile
from graph.roots import aggregate, by_id, listing


@strawberry.type
class OphthalmologyQuery:
    ophthalmology_profile = by_id(OphthalmologyProfile)
    ophthalmology_profiles = listing(OphthalmologyProfile)
    ophthalmology_profiles_aggregate = aggregate(OphthalmologyProfile)
    ocular_biometry = by_id(OcularBiometry)
    ocular_biometries = listing(OcularBiometry)
    ocular_biometries_aggregate = aggregate(OcularBiometry)
    eye_surgery = by_id(EyeSurgery)
    eye_surgeries = listing(EyeSurgery)
    eye_surgeries_aggregate = aggregate(EyeSurgery)
