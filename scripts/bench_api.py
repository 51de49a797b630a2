"""Print latency and SQL statements per request for representative dashboard queries.

Usage: python scripts/bench_api.py [--patients 100] [--repeat 30] [--database sqlite:///x.db]

Without --database it builds a fresh seeded SQLite database in a temporary folder. It runs
in-process (httpx over ASGI, no network), so the figures are the app's own cost. It prints
figures only; nothing here is a test and nothing gates on time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import event, select

from graph.app import create_app
from graph.auth import mint_token
from models.core import OrganizationMember
from models.database import create_engine, session_factory
from models.migrate import upgrade
from settings import AuthSettings, parse_database_url

QUERIES = {
    "roster": """query Roster($n: Int!) { patients(limit: $n) { id firstName lastName
        dialysisSessions(limit: 5) { sessionDate ktv preWeight postWeight machine { serialNumber } }
        dialysisLabs(limit: 3) { labDate hemoglobin } } }""",
    "rpm": """query Rpm($n: Int!) { patients(limit: $n) { id
        rpmReadings(limit: 10) {
            timestamp readingType primaryValue isOutOfRange device { deviceType } }
        rpmAlerts(limit: 5) { severity status } } }""",
    "me": "query Me { me { roles user { email } organization { name } } }",
}


async def _prepare(database: str | None, patients: int) -> tuple[str, str, str]:
    from seed.options import SeedOptions
    from seed.runner import seed_database

    if database is None:
        path = Path(tempfile.mkdtemp()) / "bench.db"
        database = f"sqlite:///{path}"
        url = parse_database_url(database)
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        options = SeedOptions(organizations=1, patients_per_org=patients, months=3)
        await seed_database(engine, options)
        await engine.dispose()
    url = parse_database_url(database)
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        member = (await session.execute(select(OrganizationMember).limit(1))).scalar_one()
        user_id, org_id = member.user_id, member.organization_id
    await engine.dispose()
    return database, user_id, org_id


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database")
    args = parser.parse_args()
    database, user_id, org_id = await _prepare(args.database, args.patients)
    settings = AuthSettings(algorithms=("HS256",), secret="b" * 48)
    token = mint_token(
        settings, user_id=user_id, organization_id=org_id, roles=["clinician"], ttl_seconds=3600
    )
    app = create_app(database_url=parse_database_url(database), auth=settings)
    async with app.router.lifespan_context(app):
        statements: list[str] = []
        event.listen(
            app.state.engine.sync_engine,
            "before_cursor_execute",
            lambda *a: statements.append(a[2]),
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            print(f"{'query':8} {'n':>4} {'stmts':>5} {'p50 ms':>8} {'p95 ms':>8}")
            for name, query in QUERIES.items():
                timings = []
                for _ in range(args.repeat):
                    statements.clear()
                    start = time.perf_counter()
                    response = await client.post(
                        "/graphql",
                        json={
                            "query": query,
                            "variables": {"n": args.patients} if "$n" in query else {},
                        },
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    timings.append((time.perf_counter() - start) * 1000)
                    assert "errors" not in response.json(), response.text[:300]
                p95 = statistics.quantiles(timings, n=20)[-1]
                print(
                    f"{name:8} {args.patients:>4} {len(statements):>5} "
                    f"{statistics.median(timings):>8.1f} {p95:>8.1f}"
                )


if __name__ == "__main__":
    asyncio.run(main())
