"""The population_health domain's lists: root lists and the per-parent lists of its rows come in
the order its declarations pin, with exactly the visible rows (tests/graph/domain_checks.py)."""

from __future__ import annotations

from api_client import Api
from domain_checks import check_domain_lists
from sqlalchemy.engine import URL


async def test_population_health_lists_follow_their_declarations(
    api: Api, seeded_url: URL, dialect: str
) -> None:
    assert await check_domain_lists(api, seeded_url, dialect, "population_health") > 0
