"""Root fields of the ophthalmology domain."""

from __future__ import annotations

import strawberry

from graph.ophthalmology.types import EyeSurgery, OcularBiometry, OphthalmologyProfile
from graph.roots import by_id, listing


@strawberry.type
class OphthalmologyQuery:
    ophthalmology_profile = by_id(OphthalmologyProfile)
    ophthalmology_profiles = listing(OphthalmologyProfile)
    ocular_biometry = by_id(OcularBiometry)
    ocular_biometries = listing(OcularBiometry)
    eye_surgery = by_id(EyeSurgery)
    eye_surgeries = listing(EyeSurgery)
