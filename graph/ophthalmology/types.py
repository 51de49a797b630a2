"""GraphQL types of the ophthalmology domain, mirrored from `models/ophthalmology.py`."""

from __future__ import annotations

from graph.mirror import mirrored
from graph.ordering import desc
from models import ophthalmology


@mirrored(ophthalmology.OphthalmologyProfile, order=[desc("created_at")])
class OphthalmologyProfile:
    """A row of `ophthalmology_patients`."""


@mirrored(ophthalmology.OcularBiometry, order=[desc("measurement_date")])
class OcularBiometry:
    """A row of `ophthalmology_biometry`."""


@mirrored(ophthalmology.EyeSurgery, order=[desc("surgery_date")])
class EyeSurgery:
    """A row of `ophthalmology_surgeries`."""
