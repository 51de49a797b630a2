"""GraphQL types of the cardiology domain, mirrored from `models/cardiology.py`."""

from __future__ import annotations

from graph.mirror import mirrored
from graph.ordering import desc
from models import cardiology


@mirrored(cardiology.CardiologyProfile, order=[desc("created_at")])
class CardiologyProfile:
    """A row of `cardiology_patients`."""


@mirrored(cardiology.Ecg, order=[desc("recording_date")])
class Ecg:
    """A row of `cardiology_ecgs`."""


@mirrored(cardiology.Echocardiogram, order=[desc("study_date")])
class Echocardiogram:
    """A row of `cardiology_echos`."""
