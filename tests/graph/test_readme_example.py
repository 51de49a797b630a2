"""The README's example query, run on generated data, reads like a clinic: the first page
shows dialysis patients with completed sessions and their values, planned sessions only
ahead of the data's instant, and no reading from after it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from api_client import Api
from sqlalchemy.engine import URL

from seed.options import SeedOptions

README = Path(__file__).resolve().parents[2] / "README.md"
# The `seeded_url` fixture's data instant (tests/conftest.py): 2026-10-31, 18:00 in Paris.
NOW = SeedOptions(as_of=dt.date(2026, 10, 31)).clock


def readme_example() -> str:
    found = re.search(r"```graphql\n(query Chart .*?)```", README.read_text(), re.DOTALL)
    assert found, "the README has no `query Chart` example"
    return found.group(1)


async def test_the_readme_example_shows_completed_sessions_and_values(
    api: Api, seeded_url: URL
) -> None:
    client = await api(seeded_url, org=0)
    data = await client.data(readme_example())
    profiles = data["dialysisProfiles"]["nodes"]
    assert profiles, "the first page has no dialysis patient"
    haemodialysed = 0
    for profile in profiles:
        sessions = profile["patient"]["dialysisSessions"]["nodes"]
        for session in sessions:
            day = dt.date.fromisoformat(session["sessionDate"])
            if session["status"] == "SCHEDULED":
                assert day >= NOW.date(), session
            if session["status"] == "COMPLETED":
                assert day <= NOW.date(), session
                assert None not in (session["preWeight"], session["postWeight"], session["ktv"])
        for reading in profile["patient"]["rpmReadings"]["nodes"]:
            assert dt.datetime.fromisoformat(reading["timestamp"]) <= NOW, reading
        if profile["dialysisType"] in ("HD", "HDF") and profile["patientStatus"] == "ACTIVE":
            haemodialysed += 1
            assert any(s["status"] == "COMPLETED" for s in sessions), profile
    assert haemodialysed > 0
