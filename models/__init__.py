"""SQLAlchemy models of the tier-1 schema, one module per spec module.

Importing this package registers every table on `Base.metadata` (Alembic and the spec test
rely on that) and re-exports each model class.
"""

from models import (
    audit,
    cardiology,
    clinical_ai,
    core,
    dialyse,
    healthcare,
    imaging_ai,
    ophthalmology,
    patient_portal,
    population_health,
    rpm,
)
from models.base import Base

DOMAINS = (
    core,
    audit,
    healthcare,
    dialyse,
    cardiology,
    clinical_ai,
    imaging_ai,
    ophthalmology,
    patient_portal,
    population_health,
    rpm,
)

__all__ = ["DOMAINS", "Base"]
