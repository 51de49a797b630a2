"""GraphQL types of the dialyse domain, mirrored from `models/dialyse.py`."""

from __future__ import annotations

from graph.mirror import mirrored
from graph.ordering import desc
from models import dialyse


@mirrored(dialyse.DialysisProfile, order=[desc("created_at")])
class DialysisProfile:
    """A row of `dialyse_patients`."""


@mirrored(dialyse.DialysisSession, order=[desc("session_date")])
class DialysisSession:
    """A row of `dialyse_sessions`."""


@mirrored(dialyse.DialysisMachine, order=[desc("created_at")])
class DialysisMachine:
    """A row of `dialyse_machines`."""


@mirrored(dialyse.DialysisLab, order=[desc("lab_date")])
class DialysisLab:
    """A row of `dialyse_labs`."""


@mirrored(dialyse.DialysisPrescription, order=[desc("created_at")])
class DialysisPrescription:
    """A row of `dialyse_prescriptions`."""


@mirrored(dialyse.DialysisSessionSlot, order=[desc("created_at")])
class DialysisSessionSlot:
    """A row of `dialyse_session_slots`."""
