"""Where the benchmark keeps its data, the named dataset sizes, and the one token setting every
server and the client share."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: the floor server stays light
    from seed.options import SeedOptions
    from settings import AuthSettings

ROOT = Path(__file__).resolve().parents[1]
# Datasets (SQLite files, manifests) and results; gitignored.
BENCH_DIR = Path(os.environ.get("BENCH_DIR", ROOT / ".bench"))
# The PostgreSQL server: its maintenance database is only used to create the bench databases.
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL",
    os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
)
DIALECTS = ("sqlite", "postgresql")
AS_OF = dt.date(2026, 10, 31)  # fixed, so a seed gives the same data on every run


@dataclass(frozen=True)
class Size:
    name: str
    organizations: int
    patients_per_org: int
    months: int
    rpm_readings_per_day: float
    description: str

    def options(self, seed: int) -> SeedOptions:
        from seed.options import SeedOptions

        return SeedOptions(
            organizations=self.organizations,
            patients_per_org=self.patients_per_org,
            months=self.months,
            seed=seed,
            rpm_readings_per_day=self.rpm_readings_per_day,
            as_of=AS_OF,
        )


SIZES = {
    "small": Size("small", 1, 1000, 6, 4.0, "1 org x 1,000 patients, ~143k RPM readings"),
    "large": Size("large", 20, 500, 6, 6.0, "20 orgs x 500 patients, ~2M RPM readings"),
    # For the CI test: the machinery of `small` on data that seeds in seconds.
    "ci": Size("ci", 1, 520, 2, 3.0, "1 org x 520 patients, 2 months (CI)"),
}
DEFAULT_SEED = 42

# HS256 with a fixed secret: the bench servers run on loopback only, with generated data.
SECRET = os.environ.get(
    "BENCH_JWT_SECRET", "perfex-bench-only-secret-not-for-production-0123456789"
)
ISSUER = "perfex-graph"
AUDIENCE = "perfex-clinical-graph"
TOKEN_TTL = 86_400


def auth_settings() -> AuthSettings:
    """The token settings of every bench server and of the client (nothing from PERFEX_JWT_*)."""
    from settings import AuthSettings

    return AuthSettings(
        algorithms=("HS256",),
        secret=SECRET,
        public_key=None,
        private_key=None,
        issuer=ISSUER,
        audience=AUDIENCE,
        max_ttl_seconds=TOKEN_TTL,
    )


def token(user_id: str, organization_id: str) -> str:
    """A bearer token for the member every server signs in (role physician)."""
    from graph.auth import mint_token

    return mint_token(
        auth_settings(),
        user_id=user_id,
        organization_id=organization_id,
        roles=["physician"],
        ttl_seconds=TOKEN_TTL,
    )
